/**
 * readRecordsAt: fetches records again from their file, for the raw-event view. Byte-range
 * locations are read directly (plain files) or by decompressing only up to the last byte
 * needed (gzip); ordinal locations re-read the small file the reader parsed whole.
 */
import * as fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { BatchBuilder } from './batch';
import { TrailScanner } from './trail-scanner';
import { JsonObject } from '../model/event';
import { oneLine, RawRecord } from '../model/raw-record';
import { decompressedStream, EvidenceAccessError, fileStream, isGzip, openEvidenceSync, readBytesSync, ReadBuffer, bomLength } from '../sources/content';
import { CsvColumns, parseCsvRow, readCsvHeader, recordFromCsvRow } from '../sources/csv';
import { MAX_RECORD_BYTES, ReadEvidenceOptions, WHOLE_DOCUMENT_LIMIT, readContentRecords, readEvidenceFile, readWholeContentSync, recordRanges } from '../sources/read';
import { FileFormat, RecordLocation } from '../sources/types';
import { unwrapRecord } from '../sources/unwrap';
import { GzipInflater } from '../sources/inflate';

/**
 * A record cannot be read back as it was indexed: the file changed since (edited, replaced,
 * truncated). Whoever holds the index must read the evidence again rather than show it.
 */
export class RecordChangedError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'RecordChangedError';
  }
}

/**
 * How to read records back: the readers' options, and what the index knows of the file
 * (EventIndex's FetchHint): `everyItemAnEvent`, no problem was found in it when it was read, so
 * record n of a trail document is the n-th item of its Records array.
 */
export interface ReadBackOptions extends ReadEvidenceOptions {
  everyItemAnEvent?: boolean;
  /** The records the reader found in the file (FetchHint.records). */
  records?: number;
  /** Where each location's record is in the file's content, when known (FetchHint.spans): [start, end) at 2i, 2i + 1; 0, 0 where not. */
  spans?: ArrayLike<number>;
}

function changed(path: string, reason: string): RecordChangedError {
  return new RecordChangedError(path, reason);
}

/** Finds the records of trail documents read back by ordinal (kept for the process's life: it holds only its scratch tables). */
let trailScanner: TrailScanner | undefined;

/**
 * Decompresses the files read back by ordinal, one after another: one zlib state and output
 * buffer for all (a pivot reads back a record or two from each of hundreds of small files; a
 * zlib stream and buffer per file cost as much as the inflating). Its output is valid until its
 * next use: whatever outlives a synchronous stretch is copied out first.
 */
let ordinalInflater: GzipInflater | undefined;

/** Content beyond which the shared inflater lets its output buffer go after use (a host keeps this module loaded). */
const KEEP_INFLATED_BYTES = 4 << 20;

/** Done with `content` (inflated or not): the shared inflater's buffer is let go when it is large. */
function doneWith(content: Buffer): void {
  if (content.length > KEEP_INFLATED_BYTES) {
    ordinalInflater?.dispose();
    ordinalInflater = undefined;
  }
}

function firstContentByte(content: Buffer, from: number): number {
  let i = from;
  while (i < content.length && (content[i] === 0x20 || content[i] === 0x0a || content[i] === 0x0d || content[i] === 0x09)) i++;
  return i;
}

/** The record the reader gave each wanted ordinal, with the bytes of its text when they are known. */
interface OrdinalRecord {
  event: JsonObject;
  bytes?: Buffer;
  /** The record read from its own bytes, text included. */
  raw?: RawRecord;
}

/**
 * Records by ordinal (the reader parsed the small file whole, which keeps no byte ranges): the
 * file is read, decompressed and parsed once, as the reader did. For their text, the byte-level
 * scanner finds every item's bytes in the same content without parsing them; when every item
 * is an event (a trail file), item i is record i. Before, such a file was read three times
 * (whole, then streamed twice, parsing every record) to find each record's text.
 */
async function readByOrdinal(path: string, format: FileFormat, ordinals: number[], options: ReadBackOptions, wantText: boolean, spans: ReadonlyMap<number, Span> | undefined): Promise<Map<number, OrdinalRecord>> {
  const wanted = new Set(ordinals);
  // A trail document (its format when it was read): its wanted records from a prefix of its content.
  const prefixed = format === 'trail' ? trailRecordsFromPrefix(path, wanted, options.wholeDocumentLimit ?? WHOLE_DOCUMENT_LIMIT, options.everyItemAnEvent === true, options.records, spans) : undefined;
  if (prefixed) return prefixed;
  const found = new Map<number, OrdinalRecord>();
  let content: Buffer | undefined;
  try {
    content = readWholeContentSync(path, options.wholeDocumentLimit ?? WHOLE_DOCUMENT_LIMIT, (ordinalInflater ??= new GzipInflater()));
  } catch (error) {
    throw changed(path, error instanceof EvidenceAccessError ? error.message : String(error));
  }
  const keep = (event: JsonObject, location: RecordLocation) => {
    if (location.length === 0 && wanted.has(location.offset)) found.set(location.offset, { event });
  };
  if (!content) {
    // Larger or damaged now: it changed since it was read whole; the readers say how.
    await readEvidenceFile(path, keep, options);
    return found;
  }
  const first = firstContentByte(content, bomLength(content));
  if (content[first] === 0x7b) {
    // A trail document: its records are found by the trail scanner's first pass; only the wanted ones are parsed.
    let ranges: Map<number, RecordLocation> | undefined;
    try {
      ranges = (trailScanner ??= new TrailScanner(new BatchBuilder())).recordRanges(content, first, wanted, (value) => unwrapRecord(value).kind === 'event');
    } catch (error) {
      // An item that parsed when the file was indexed no longer does.
      throw changed(path, `the file is no longer what was indexed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (ranges) {
      for (const [ordinal, range] of ranges) {
        const raw = recordFromBytes(path, 'trail', content.subarray(range.offset, range.offset + range.length), range.offset, undefined);
        found.set(ordinal, { event: raw.event, raw });
      }
      doneWith(content);
      return found;
    }
  }
  let records = 0;
  readContentRecords(path, content, (event, location) => {
    records++;
    keep(event, location);
  });
  if (wantText && found.size > 0) {
    const ranges = recordRanges(content);
    if (ranges.length === records && ranges.every((range) => range.length > 0)) {
      // Copied: the content is the shared inflater's, and these are read after this returns.
      for (const [ordinal, record] of found) record.bytes = Buffer.from(content.subarray(ranges[ordinal].offset, ranges[ordinal].offset + ranges[ordinal].length));
    }
  }
  doneWith(content);
  return found;
}

/** The compressed bytes of the file read back by ordinal: one buffer, kept for the next file (see ReadBuffer). */
const ordinalInput = new ReadBuffer();

/**
 * Content bytes per record in the trail files read back so far: how much of the next one to
 * inflate first (a quarter more than that many records need, and more only when they do not
 * suffice).
 */
let contentPerRecord = 2048;

/** How much more than its share of the content is inflated first to find a record (a file's records are not all of one length). */
const PREFIX_MARGIN = 1.1;

function isEventValue(value: unknown): boolean {
  return unwrapRecord(value).kind === 'event';
}

/**
 * The wanted records of a gzip trail document, found by inflating only as far as the last of
 * them ends: the records the trail scanner locates in a prefix of the content are the ones it
 * locates in the whole (a record cut by the prefix's end is never taken for one). Undefined
 * whenever this is not the plain case (not gzip, not a `{"Records":[...]}` document, damaged,
 * larger than the limit, a wanted record not found): readByOrdinal's reading of the whole
 * file decides then, as before. What is skipped (the content after the last wanted record) is
 * vouched for as the rest of the document is when only a prefix is scanned: by the file's
 * identity in the cache's key, and each record read by its comparison with the index.
 */
function trailRecordsFromPrefix(
  path: string,
  wanted: ReadonlySet<number>,
  limit: number,
  everyItemAnEvent: boolean,
  records: number | undefined,
  spans: ReadonlyMap<number, Span> | undefined,
): Map<number, OrdinalRecord> | undefined {
  let opened;
  try {
    opened = openEvidenceSync(path);
  } catch {
    return undefined;
  }
  const { fd, size } = opened;
  try {
    if (size < 18 || size > limit) return undefined;
    const compressed = ordinalInput.read(fd, size);
    if (compressed.length < size) return undefined;
    const gzip = isGzip(compressed);
    if (spans) {
      const found = gzip ? recordsAtSpansOfGzip(path, compressed, spans, limit) : recordsAtSpans(path, compressed, spans);
      if (found) return found;
    }
    if (!gzip) return undefined;
    let last = -1;
    for (const ordinal of wanted) if (ordinal > last) last = ordinal;
    const steps = (ordinalInflater ??= new GzipInflater()).steps(compressed, Math.min(limit, bufferConstants.MAX_LENGTH));
    try {
      let want = Math.ceil((last + 1) * contentPerRecord * 1.25) + 4096;
      if (everyItemAnEvent && records !== undefined && records > last) {
        // Record n of a file of equal records ends n+1 records' share into its content, whose
        // length (modulo 2^32) the gzip trailer gives: a little more than that, never more than
        // the estimate from the files read before (a trailer is checked only at the end). Only a
        // first guess: too little is inflated further below.
        const contentBytes = compressed.readUInt32LE(size - 4);
        want = Math.min(want, Math.ceil(((contentBytes * (last + 1)) / records) * PREFIX_MARGIN) + 1024);
      }
      for (;;) {
        const step = steps.upTo(want);
        if (!step) return undefined;
        const { content, complete } = step;
        const first = firstContentByte(content, bomLength(content));
        if (first < content.length && content[first] !== 0x7b) return undefined;
        let ranges: Map<number, RecordLocation> | null | undefined;
        if (first < content.length) {
          try {
            ranges = everyItemAnEvent ? itemRanges(content, first, wanted, last) : (trailScanner ??= new TrailScanner(new BatchBuilder())).recordRanges(content, first, wanted, isEventValue);
          } catch {
            // Whatever it is, the reading of the whole file says it.
            ranges = undefined;
          }
        }
        // Not a document of that shape: more of it will not make it one.
        if (ranges === null) return undefined;
        if (ranges && ranges.size === wanted.size) {
          const found = new Map<number, OrdinalRecord>();
          let end = 0;
          for (const [ordinal, range] of ranges) {
            const raw = recordFromBytes(path, 'trail', content.subarray(range.offset, range.offset + range.length), range.offset, undefined);
            found.set(ordinal, { event: raw.event, raw });
            end = Math.max(end, range.offset + range.length);
          }
          contentPerRecord = Math.max(256, Math.ceil(end / (last + 1)));
          return found;
        }
        if (complete) return undefined;
        want = Math.max(want, content.length) * 2;
      }
    } finally {
      steps.stop();
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a record's text is in its file's content: bytes [start, end). */
type Span = readonly [start: number, end: number];

/** The spans of the ordinal locations among `locations` (ReadBackOptions.spans), by ordinal; undefined unless every one is known. */
function ordinalSpans(locations: readonly RecordLocation[], spans: ArrayLike<number> | undefined): Map<number, Span> | undefined {
  if (!spans || spans.length !== locations.length * 2) return undefined;
  const out = new Map<number, Span>();
  for (let i = 0; i < locations.length; i++) {
    if (locations[i].length !== 0) continue;
    const start = spans[2 * i];
    const end = spans[2 * i + 1];
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end > start)) return undefined;
    out.set(locations[i].offset, [start, end]);
  }
  return out;
}

/**
 * The records at `spans` of the gzip file `compressed`, inflating it only as far as the last
 * of them ends; undefined when that is not there (readByOrdinal then finds them as without spans).
 */
function recordsAtSpansOfGzip(path: string, compressed: Buffer, spans: ReadonlyMap<number, Span>, limit: number): Map<number, OrdinalRecord> | undefined {
  let end = 0;
  for (const [, span] of spans) end = Math.max(end, span[1]);
  if (end > limit) return undefined;
  const steps = (ordinalInflater ??= new GzipInflater()).steps(compressed, Math.min(limit, bufferConstants.MAX_LENGTH));
  try {
    const step = steps.upTo(end);
    return step ? recordsAtSpans(path, step.content, spans) : undefined;
  } finally {
    steps.stop();
  }
}

/**
 * The records at `spans` of `content` (a file's content, or the first part of it), each
 * parsed from its own bytes. The spans are the cache's (EventBatch.spans): where the trail
 * scanner found each record when the file was indexed, in a file whose identity the cache's
 * key vouches for; each record is compared with the index too (EventIndex.fetchGrouped).
 * Undefined when one of them is not an object there (the file changed since: readByOrdinal's
 * finding of the records then says how).
 */
function recordsAtSpans(path: string, content: Buffer, spans: ReadonlyMap<number, Span>): Map<number, OrdinalRecord> | undefined {
  const found = new Map<number, OrdinalRecord>();
  for (const [ordinal, [start, end]] of spans) {
    if (end > content.length || content[start] !== 0x7b || content[end - 1] !== 0x7d) return undefined;
    let raw: RawRecord;
    try {
      raw = recordFromBytes(path, 'trail', content.subarray(start, end), start, undefined);
    } catch {
      return undefined;
    }
    found.set(ordinal, { event: raw.event, raw });
  }
  return found;
}

const RECORDS_KEY = Buffer.from('"Records"');

function skipBlank(b: Buffer, i: number): number {
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  return i;
}

/**
 * The byte range of each item of the `{"Records":[...]}` document at b[first...] whose place
 * in the array is in `wanted`, up to the last (`last`), found by brackets and quotes alone: for
 * a document every item of which is an event (record n is item n), where the trail scanner's
 * look at every field of every item before them is not needed. Each item must be an object.
 * Null when the document is not of that shape (the end of the array before the last wanted
 * item included); undefined when it ends before the last wanted item (a prefix of it). On valid JSON the ranges are the trail scanner's; anything else is found out
 * when the record is parsed and compared with the index.
 */
function itemRanges(b: Buffer, first: number, wanted: ReadonlySet<number>, last: number): Map<number, RecordLocation> | null | undefined {
  const n = b.length;
  let i = skipBlank(b, first + 1);
  if (i + RECORDS_KEY.length + 2 > n) return undefined;
  if (!b.subarray(i, i + RECORDS_KEY.length).equals(RECORDS_KEY)) return null;
  i = skipBlank(b, i + RECORDS_KEY.length);
  if (b[i] !== 0x3a) return i >= n ? undefined : null;
  i = skipBlank(b, i + 1);
  if (b[i] !== 0x5b) return i >= n ? undefined : null;
  i = skipBlank(b, i + 1);
  const found = new Map<number, RecordLocation>();
  for (let item = 0; ; item++) {
    if (b[i] !== 0x7b) return i >= n ? undefined : null;
    const start = i;
    let depth = 0;
    for (;;) {
      if (i >= n) return undefined;
      const c = b[i++];
      if (c === 0x22) {
        for (;;) {
          const d = b[i++];
          if (d === 0x22) break;
          if (d === 0x5c) i++;
          if (i >= n) return undefined;
        }
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
      } else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
        break;
      }
    }
    if (wanted.has(item)) found.set(item, { offset: start, length: i - start });
    if (item === last) return found;
    i = skipBlank(b, i);
    if (b[i] !== 0x2c) return i >= n ? undefined : null;
    i = skipBlank(b, i + 1);
  }
}

interface ByteRequest {
  offset: number;
  length: number;
  bytes?: Buffer;
  filled: number;
}

/** Streams decompressed content once, copying out each requested range; stops after the last. */
async function readRangesFromStream(fd: number, gzip: boolean, requests: ByteRequest[], signal: AbortSignal | undefined): Promise<void> {
  const sorted = [...requests].sort((a, b) => a.offset - b.offset);
  const lastEnd = Math.max(...sorted.map((r) => r.offset + r.length));
  const stream = decompressedStream(fileStream(fd), gzip);
  let position = 0;
  let next = 0;
  try {
    for await (const data of stream) {
      signal?.throwIfAborted();
      const chunk = data as Buffer;
      const chunkEnd = position + chunk.length;
      for (let i = next; i < sorted.length && sorted[i].offset < chunkEnd; i++) {
        const request = sorted[i];
        const from = Math.max(request.offset, position);
        const to = Math.min(request.offset + request.length, chunkEnd);
        if (to <= from) continue;
        request.bytes ??= Buffer.alloc(request.length);
        chunk.copy(request.bytes, from - request.offset, from - position, to - position);
        request.filled += to - from;
      }
      while (next < sorted.length && sorted[next].offset + sorted[next].length <= chunkEnd) next++;
      position = chunkEnd;
      if (position >= lastEnd) break;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    // A damaged tail is fine as long as the requested ranges came before it: checked below.
  } finally {
    stream.destroy();
  }
}

/** The header of a CSV file, read from its start. */
function csvColumnsOf(path: string, fd: number, gzip: boolean, readContentHead: (bytes: number) => Promise<Buffer>): Promise<CsvColumns> {
  return (async () => {
    for (let bytes = 64 * 1024; ; bytes *= 4) {
      const head = await readContentHead(bytes);
      const start = bomLength(head);
      const complete = head.length < bytes;
      const row = parseCsvRow(head, start, complete);
      if (row) {
        const header = readCsvHeader(row.cells);
        if (header.kind !== 'cloudtrail') throw changed(path, 'its CSV header is no longer a CloudTrail export (the file changed since it was read)');
        return header.columns;
      }
      if (complete || bytes > MAX_RECORD_BYTES) throw changed(path, 'no CSV header row any more (the file changed since it was read)');
    }
  })();
}

/**
 * Returns the records at `locations`, in the same order, each the same object the reader
 * emitted for it. Throws an error naming the file when a record cannot be found again
 * (the file changed or vanished since it was read).
 */
export async function readRecordsAt(
  path: string,
  format: FileFormat,
  locations: RecordLocation[],
  options: ReadBackOptions = {},
): Promise<JsonObject[]> {
  return (await readAt(path, format, locations, options, false)).map((r) => r.event);
}

/**
 * As readRecordsAt, each record with its JSON text: the bytes of the file at its location (on
 * one line) when they are the record itself; the event serialised when it was unwrapped from a
 * wrapper (LookupEvents, CloudWatch Logs, CSV).
 */
export function readRawRecordsAt(path: string, format: FileFormat, locations: RecordLocation[], options: ReadBackOptions = {}): Promise<RawRecord[]> {
  return readAt(path, format, locations, options, true);
}

async function readAt(path: string, format: FileFormat, locations: RecordLocation[], options: ReadBackOptions, wantText: boolean): Promise<RawRecord[]> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const results: RawRecord[] = new Array(locations.length);
  const ordinals = locations.filter((l) => l.length === 0).map((l) => l.offset);
  if (ordinals.length > 0) {
    const found = await readByOrdinal(path, format, ordinals, options, wantText, ordinalSpans(locations, options.spans));
    locations.forEach((location, index) => {
      if (location.length !== 0) return;
      const record = found.get(location.offset);
      if (!record) throw changed(path, `record #${location.offset} is not there any more (the file changed since it was read)`);
      results[index] = record.raw ?? new RawRecord(record.event, wantText && record.bytes ? textOf(record.event, record.bytes) : undefined);
    });
  }
  const requests = new Map<number, ByteRequest>();
  locations.forEach((location, index) => {
    if (location.length > 0) requests.set(index, { offset: location.offset, length: location.length, filled: 0 });
  });
  if (requests.size === 0) return results;

  let opened;
  try {
    opened = openEvidenceSync(path);
  } catch (error) {
    throw changed(path, error instanceof EvidenceAccessError ? error.message : String(error));
  }
  const { fd } = opened;
  let fdHandedOver = false;
  let columns: CsvColumns | undefined;
  try {
    const gzip = isGzip(readBytesSync(fd, 0, 2));
    if (format === 'csv') {
      columns = await csvColumnsOf(path, fd, gzip, async (bytes) => {
        if (!gzip) return readBytesSync(fd, 0, bytes);
        const head: ByteRequest = { offset: 0, length: bytes, filled: 0 };
        await readRangesFromStream(fs.openSync(path, 'r'), true, [head], signal);
        return (head.bytes ?? Buffer.alloc(0)).subarray(0, head.filled);
      });
    }
    if (!gzip) {
      for (const request of requests.values()) {
        request.bytes = readBytesSync(fd, request.offset, request.length);
        request.filled = request.bytes.length;
      }
    } else {
      fdHandedOver = true;
      await readRangesFromStream(fd, true, [...requests.values()], signal);
    }
  } finally {
    if (!fdHandedOver) fs.closeSync(fd);
  }

  for (const [index, request] of requests) {
    if (!request.bytes || request.filled !== request.length) {
      throw changed(path, `bytes ${request.offset}..${request.offset + request.length} are not there any more (the file changed since it was read)`);
    }
    results[index] = recordFromBytes(path, format, request.bytes, request.offset, columns);
  }
  return results;
}

/** The bytes' text on one line when they are the record itself (not a wrapper it was unwrapped from). */
function textOf(event: JsonObject, bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // The same bytes the reader parsed `event` from: their text is the record's unless the event was unwrapped from them.
  const unwrapped = unwrapRecord(value);
  return unwrapped.kind === 'event' && unwrapped.event === value && unwrapped.event.eventID === event.eventID ? oneLine(text.trim()) : undefined;
}

function recordFromBytes(path: string, format: FileFormat, bytes: Buffer, offset: number, columns: CsvColumns | undefined): RawRecord {
  if (format === 'csv') {
    const row = parseCsvRow(bytes, 0, true);
    const unwrapped = row && columns ? recordFromCsvRow(columns, row.cells) : undefined;
    if (unwrapped?.kind === 'event') return new RawRecord(unwrapped.event);
    throw changed(path, `the CSV row at byte ${offset} no longer holds a CloudTrail record (the file changed since it was read)`);
  }
  let value: unknown;
  const text = bytes.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    throw changed(path, `the record at byte ${offset} is no longer valid JSON (the file changed since it was read)`);
  }
  const unwrapped = unwrapRecord(value);
  if (unwrapped.kind !== 'event') throw changed(path, `the record at byte ${offset} is no longer a CloudTrail record (the file changed since it was read)`);
  return unwrapped.event === value ? new RawRecord(unwrapped.event, oneLine(text.trim())) : new RawRecord(unwrapped.event);
}
