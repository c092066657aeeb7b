/**
 * readEvidenceFile: finds out what a file holds from its content and hands every CloudTrail
 * record in it to a callback.
 *
 * Small content (WHOLE_DOCUMENT_LIMIT, 16 MiB decompressed) is read whole and parsed with one
 * native JSON.parse: that is the fastest way through the typical S3 trail object (~60 KB
 * decompressed) and costs at most a few times 16 MiB of memory. Larger content, and small
 * content that does not parse whole (concatenated documents, JSON lines, corruption), goes
 * through byte-level readers that hold one record at a time.
 */
import { constants as bufferConstants } from 'node:buffer';
import { Readable } from 'node:stream';
import { JsonObject } from '../model/event';
import { RecordCollector, errorText, plural } from './collector';
import {
  EvidenceAccessError,
  bomLength,
  decompressedStream,
  fileStream,
  isGzip,
  isUtf16,
  memoryStream,
  openEvidenceSync,
  ReadBuffer,
  readBytesSync,
} from './content';
import { CsvHeader, CsvRowSplitter, isBlankRow, readCsvHeader, recordFromCsvRow } from './csv';
import { JsonRecordScanner, RecordContainer } from './jsonScanner';
import { LineSplitter } from './lines';
import { GzipInflater } from './inflate';
import { FileFormat, FileProblem, FileSeen, ReadOptions, ReadResult, RecordCallback, RecordLocation, WholeTrailReader } from './types';
import { describeValue, isDigestDocument, isDigestSignatureDocument, unwrapRecord } from './unwrap';
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

/** Content up to this size is parsed whole (see the file comment). */
export const WHOLE_DOCUMENT_LIMIT = 16 * 1024 * 1024;
/** One record (a line, an array element, a CSV row) larger than this is reported and skipped. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** How much of a streamed file is looked at before choosing a reader. */
const SNIFF_BYTES = 1024 * 1024;
const LINE_SAMPLE = 8;

/** Reads one content stream, chunk by chunk. */
interface ContentReader {
  push(chunk: Buffer, base: number): void;
  end(endOffset: number): void;
  /** True once nothing more is wanted from the content. */
  readonly done: boolean;
  format(): FileFormat | undefined;
  /** What the container is, for "not CloudTrail: <shape> whose items are not events". */
  shape(): string | undefined;
}

class JsonScanReader implements ContentReader {
  private readonly scanner: JsonRecordScanner;
  private firstContainer: Exclude<RecordContainer, 'top'> | undefined;
  private topValues = 0;
  private digest = false;
  private signature = false;

  constructor(private readonly collector: RecordCollector) {
    this.scanner = new JsonRecordScanner(
      {
        record: (bytes, start, container) => this.record(bytes, start, container),
        containerOpened: (container) => {
          this.firstContainer ??= container;
        },
        oversized: (start, length) =>
          collector.unparseableRecord(`record of ${length} bytes is over the ${MAX_RECORD_BYTES}-byte limit (skipped)`, start),
        broken: (reason, offset) => collector.problem(reason, offset),
      },
      MAX_RECORD_BYTES,
    );
  }

  get done(): boolean {
    return this.scanner.finished;
  }

  push(chunk: Buffer, base: number): void {
    this.scanner.push(chunk, base);
  }

  end(endOffset: number): void {
    this.scanner.end(endOffset);
  }

  private record(bytes: Buffer, start: number, container: RecordContainer): boolean {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      this.collector.unparseableRecord(`record is not valid JSON (${errorText(error)})`, start);
      return false;
    }
    if (container === 'top') {
      this.topValues++;
      if (isDigestDocument(value)) {
        this.digest = true;
        return true;
      }
      if (isDigestSignatureDocument(value)) {
        this.signature = true;
        return true;
      }
    }
    this.collector.acceptValue(value, { offset: start, length: bytes.length }, start);
    return true;
  }

  format(): FileFormat | undefined {
    switch (this.firstContainer) {
      case 'Records':
        return 'trail';
      case 'Events':
        return 'lookup';
      case 'events':
        return 'logs';
      case 'array':
        return 'array';
      case undefined:
        if (this.digest) return 'digest';
        if (this.signature && this.topValues === 1) return 'digest-signature';
        if (this.topValues === 1) return 'single';
        return this.topValues > 1 ? 'jsonl' : undefined;
    }
  }

  shape(): string | undefined {
    switch (this.firstContainer) {
      case 'Records':
        return 'a Records array';
      case 'Events':
        return 'an Events array';
      case 'events':
        return 'an events array';
      case 'array':
        return 'a JSON array';
      case undefined:
        return undefined;
    }
  }
}

class JsonLinesReader implements ContentReader {
  private readonly lines: LineSplitter;

  constructor(private readonly collector: RecordCollector) {
    this.lines = new LineSplitter(
      {
        line: (bytes, start) => this.line(bytes, start),
        oversized: (start, length) =>
          collector.unparseableRecord(`line of ${length} bytes is over the ${MAX_RECORD_BYTES}-byte limit (skipped)`, start),
      },
      MAX_RECORD_BYTES,
    );
  }

  readonly done = false;

  push(chunk: Buffer, base: number): void {
    this.lines.push(chunk, base);
  }

  end(): void {
    this.lines.end();
  }

  private line(bytes: Buffer, start: number): void {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      this.collector.unparseableRecord(`line is not valid JSON (${errorText(error)})`, start);
      return;
    }
    this.collector.acceptValue(value, { offset: start, length: bytes.length }, start);
  }

  format(): FileFormat {
    return 'jsonl';
  }

  shape(): undefined {
    return undefined;
  }
}

class CsvReader implements ContentReader {
  private readonly rows: CsvRowSplitter;
  private header: CsvHeader | undefined;
  private stopped = false;

  constructor(private readonly collector: RecordCollector) {
    this.rows = new CsvRowSplitter(
      {
        row: (cells, start, end) => this.row(cells, start, end),
        oversized: (start, length) =>
          collector.unparseableRecord(`CSV row of ${length} bytes is over the ${MAX_RECORD_BYTES}-byte limit (skipped)`, start),
        unterminated: (start) =>
          collector.problem('CSV row has a quoted cell that is never closed; the rest of the file was not read', start),
      },
      MAX_RECORD_BYTES,
    );
  }

  get done(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer, base: number): void {
    if (!this.stopped) this.rows.push(chunk, base);
  }

  end(): void {
    if (!this.stopped) this.rows.end();
  }

  private row(cells: string[], start: number, end: number): void {
    if (this.stopped) return;
    if (!this.header) {
      this.header = readCsvHeader(cells);
      if (this.header.kind === 'unrecognised') {
        this.collector.problem(this.header.reason, start);
        this.stopped = true;
      }
      return;
    }
    if (this.header.kind !== 'cloudtrail' || isBlankRow(cells)) return;
    this.collector.acceptUnwrapped(recordFromCsvRow(this.header.columns, cells), { offset: start, length: end - start }, start);
  }

  format(): FileFormat | undefined {
    return this.header?.kind === 'cloudtrail' ? 'csv' : undefined;
  }

  shape(): string {
    return 'a CSV export';
  }
}

/** Content that is not something we read: the problem is reported when it is chosen. */
class RejectedReader implements ContentReader {
  readonly done = true;
  push(): void {}
  end(): void {}
  format(): undefined {
    return undefined;
  }
  shape(): undefined {
    return undefined;
  }
}

function firstContentByte(content: Buffer, from: number): number {
  let i = from;
  while (i < content.length && (content[i] === 0x20 || content[i] === 0x0a || content[i] === 0x0d || content[i] === 0x09)) i++;
  return i;
}

/**
 * JSON lines rather than one document: among the first few lines, most are one object each
 * and at least one of those holds a CloudTrail record. A pretty-printed document never
 * passes (its lines are fragments), and a corrupt first line does not stop detection.
 */
function looksLikeJsonLines(head: Buffer, start: number, headIsWholeContent: boolean): boolean {
  const objectLines: string[] = [];
  let lines = 0;
  let position = start;
  while (lines < LINE_SAMPLE && position < head.length) {
    let newline = head.indexOf(0x0a, position);
    if (newline < 0) {
      if (!headIsWholeContent) break;
      newline = head.length;
    }
    const text = head.toString('utf8', position, newline).trim();
    position = newline + 1;
    if (text.length === 0) continue;
    lines++;
    if (text.startsWith('{') && text.endsWith('}')) objectLines.push(text);
  }
  // Lines are parsed only when the shape can qualify: a one-line document (a trail file as S3
  // delivers it) is not parsed whole here only to be told apart from JSON lines.
  if (lines < 2 || objectLines.length * 2 < lines) return false;
  return objectLines.some((text) => {
    try {
      return unwrapRecord(JSON.parse(text)).kind === 'event';
    } catch {
      // A broken line among good ones is still JSON lines.
      return false;
    }
  });
}

const MAGIC_NAMES: ReadonlyArray<[string, string]> = [
  ['89504e47', 'a PNG image'],
  ['ffd8ff', 'a JPEG image'],
  ['47494638', 'a GIF image'],
  ['504b0304', 'a ZIP archive'],
  ['25504446', 'a PDF document'],
  ['7f454c46', 'an executable (ELF)'],
  ['377abcaf', 'a 7-Zip archive'],
  ['425a68', 'a bzip2 archive'],
  ['fd377a58', 'an xz archive'],
  ['50415231', 'a Parquet file'],
  ['28b52ffd', 'a zstd archive'],
];

function looksBinary(head: Buffer): boolean {
  const sample = head.subarray(0, 64 * 1024);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control++;
  }
  return control * 100 > sample.length;
}

function binaryDescription(head: Buffer): string {
  const hex = head.subarray(0, 4).toString('hex');
  const known = MAGIC_NAMES.find(([magic]) => hex.startsWith(magic));
  return known ? `binary content (looks like ${known[1]})` : `binary content (starts with bytes ${head.subarray(0, 4).toString('hex').replace(/(..)/g, '$1 ').trim()})`;
}

function countByte(buffer: Buffer, byte: number): number {
  let count = 0;
  for (let i = buffer.indexOf(byte); i >= 0; i = buffer.indexOf(byte, i + 1)) count++;
  return count;
}

/** Picks the reader for content whose first bytes are `head` (starting after any BOM at `start`). */
function chooseReader(head: Buffer, start: number, headIsWholeContent: boolean, collector: RecordCollector): ContentReader {
  const first = firstContentByte(head, start);
  if (first >= head.length) {
    collector.problem(headIsWholeContent ? 'empty file (only whitespace)' : 'no content in the first megabyte (only whitespace)');
    return new RejectedReader();
  }
  const byte = head[first];
  if (byte === 0x7b /* { */) {
    return looksLikeJsonLines(head, first, headIsWholeContent) ? new JsonLinesReader(collector) : new JsonScanReader(collector);
  }
  if (byte === 0x5b /* [ */) return new JsonScanReader(collector);
  if (isUtf16(head)) {
    collector.problem('UTF-16 text is not supported: save the file as UTF-8', 0);
    return new RejectedReader();
  }
  if (looksBinary(head)) {
    collector.problem(`not CloudTrail: ${binaryDescription(head)}`, 0);
    return new RejectedReader();
  }
  const lineEnd = head.indexOf(0x0a, first);
  const firstLine = head.subarray(first, lineEnd < 0 ? head.length : lineEnd);
  // A CloudTrail CSV names at least an event, its time and its id or source: three columns or more.
  if (countByte(firstLine, 0x2c /* , */) >= 2) return new CsvReader(collector);
  collector.problem('not CloudTrail: plain text that is neither JSON nor a CSV export', first);
  return new RejectedReader();
}

/** Where a whole, parsed document puts its records. */
function readParsedDocument(document: unknown, collector: RecordCollector): { format: FileFormat | undefined; shape: string | undefined } {
  const emitAll = (items: unknown[]): void => {
    for (const item of items) collector.acceptValue(item, { offset: collector.records, length: 0 });
  };
  if (Array.isArray(document)) {
    emitAll(document);
    return { format: 'array', shape: 'a JSON array' };
  }
  if (document !== null && typeof document === 'object') {
    const object = document as JsonObject;
    if (Array.isArray(object.Records)) {
      emitAll(object.Records);
      return { format: 'trail', shape: 'a Records array' };
    }
    if (isDigestDocument(object)) return { format: 'digest', shape: undefined };
    if (isDigestSignatureDocument(object)) return { format: 'digest-signature', shape: undefined };
    if (Array.isArray(object.Events)) {
      emitAll(object.Events);
      return { format: 'lookup', shape: 'an Events array' };
    }
    const unwrapped = unwrapRecord(object);
    if (unwrapped.kind === 'event') {
      collector.acceptUnwrapped(unwrapped, { offset: 0, length: 0 });
      return { format: 'single', shape: undefined };
    }
    if (Array.isArray(object.events)) {
      // `aws logs filter-log-events` / `get-log-events`: each item's `message` is the event's JSON text.
      emitAll(object.events);
      return { format: 'logs', shape: 'an events array' };
    }
  }
  collector.notEvent(describeValue(document), 0);
  return { format: undefined, shape: undefined };
}

/** What readWholeContent says of a document the trail reader took (one object, not one a file). */
const SCANNED_TRAIL: { readonly format: FileFormat; readonly shape: string } = Object.freeze({ format: 'trail', shape: 'a Records array' });

/**
 * Whole content in memory: the caller's trail reader when it takes the document, else one
 * native parse when it is one JSON document, else the byte-level readers.
 */
function readWholeContent(
  content: Buffer,
  collector: RecordCollector,
  wholeTrail: WholeTrailReader | undefined,
): { format: FileFormat | undefined; shape: string | undefined } {
  const start = bomLength(content);
  const first = firstContentByte(content, start);
  if (wholeTrail && first < content.length && content[first] === 0x7b) {
    if (wholeTrail.read(content, first, collector)) return SCANNED_TRAIL;
  }
  if (first < content.length && (content[first] === 0x7b || content[first] === 0x5b)) {
    let document: unknown;
    let parsed = false;
    try {
      document = JSON.parse(start === 0 ? content.toString('utf8') : content.toString('utf8', start));
      parsed = true;
    } catch {
      // Not one document: concatenated pages, JSON lines or corruption; the byte-level readers sort it out.
    }
    if (parsed) return readParsedDocument(document, collector);
  }
  const reader = chooseReader(content, start, true, collector);
  if (!reader.done) {
    reader.push(content.subarray(start), start);
    reader.end(content.length);
  }
  return { format: reader.format(), shape: reader.shape() };
}

/**
 * Whole content in memory, read as the reader reads it (one native parse where it can): every
 * record with the ordinal location the reader gave it.
 */
export function readContentRecords(path: string, content: Buffer, onRecord: RecordCallback): void {
  const collector = new RecordCollector(path, onRecord);
  readWholeContent(content, collector, undefined);
}

/**
 * The byte range of every record candidate of JSON content in memory, in order, found by the
 * byte-level scanner without parsing any of them (items that are not events included).
 */
export function recordRanges(content: Buffer): RecordLocation[] {
  const ranges: RecordLocation[] = [];
  const scanner = new JsonRecordScanner(
    {
      record: (bytes, start) => {
        ranges.push({ offset: start, length: bytes.length });
        return true;
      },
      containerOpened: () => undefined,
      oversized: (start, length) => ranges.push({ offset: start, length: -length }),
      broken: () => undefined,
    },
    MAX_RECORD_BYTES,
  );
  const start = bomLength(content);
  scanner.push(content.subarray(start), start);
  scanner.end(content.length);
  return ranges;
}

/**
 * The decompressed content of a file of at most `limit` content bytes, read in one go; undefined
 * when it is larger, corrupt or truncated (the streamed readers are the way through those).
 */
export function readWholeContentSync(path: string, limit: number, inflater?: GzipInflater, expected?: ExpectedIdentity): Buffer | undefined {
  const opened = openEvidenceSync(path);
  const { fd, size } = opened;
  try {
    // Checked on the descriptor that is read: what is read is what was checked.
    if (expected && !isSameFile(opened, expected)) throw new EvidenceAccessError('changed since it was indexed');
    if (size === 0 || size > limit) return size === 0 ? Buffer.alloc(0) : undefined;
    const whole = readBytesSync(fd, 0, size);
    if (!isGzip(whole)) return whole;
    if (gzipSizeHint(whole) > limit) return undefined;
    const own = inflater ?? new GzipInflater();
    const content = own.inflate(whole, gzipSizeHint(whole), Math.min(limit, bufferConstants.MAX_LENGTH));
    if (!inflater) own.dispose();
    return content;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What a file must still be for a re-read to trust it: what fstat said when it was indexed.
 * Fields left out (a cache reopen knows only size and mtime) are not compared.
 */
export type ExpectedIdentity = Pick<FileSeen, 'size' | 'mtimeMs'> & Partial<Pick<FileSeen, 'dev' | 'ino' | 'ctimeMs'>>;

function isSameFile(opened: Omit<FileSeen, 'crc'>, expected: ExpectedIdentity): boolean {
  return (
    opened.size === expected.size &&
    opened.mtimeMs === expected.mtimeMs &&
    (expected.ctimeMs === undefined || opened.ctimeMs === expected.ctimeMs) &&
    (expected.ino === undefined || opened.ino === expected.ino) &&
    (expected.dev === undefined || opened.dev === expected.dev)
  );
}

/** Node's native CRC-32 (Node 20.15 and later; without it, no FileSeen.crc is given). */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * The SHA-256 (base64) of a file's bytes as stored, read now, if it is still the file
 * `expected` describes (checked on the descriptor read); undefined when it is not, or cannot be read.
 */
export function fileDigestSync(path: string, expected: ExpectedIdentity): string | undefined {
  let opened;
  try {
    opened = openEvidenceSync(path);
  } catch {
    return undefined;
  }
  try {
    if (!isSameFile(opened, expected)) return undefined;
    const bytes = readBytesSync(opened.fd, 0, opened.size);
    if (bytes.length !== opened.size) return undefined;
    return createHash('sha256').update(bytes).digest('base64');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(opened.fd);
  }
}

async function readStreamedContent(
  stream: Readable,
  gzip: boolean,
  collector: RecordCollector,
  signal: AbortSignal | undefined,
): Promise<{ format: FileFormat | undefined; shape: string | undefined }> {
  let reader: ContentReader | undefined;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let decoded = 0;
  let contentStart = 0;
  /** The problem that says the content stopped short (damaged gzip, read error): the record it cuts is told in it. */
  let cutShort: FileProblem | undefined;
  const choose = (headIsWholeContent: boolean): ContentReader => {
    const head = held.length === 1 ? held[0] : Buffer.concat(held);
    contentStart = bomLength(head);
    const chosen = chooseReader(head, contentStart, headIsWholeContent, collector);
    if (!chosen.done) chosen.push(head.subarray(contentStart), contentStart);
    held = [];
    return chosen;
  };
  try {
    for await (const data of stream) {
      signal?.throwIfAborted();
      const chunk = data as Buffer;
      if (!reader) {
        held.push(chunk);
        heldBytes += chunk.length;
        decoded += chunk.length;
        if (heldBytes >= SNIFF_BYTES) reader = choose(false);
      } else {
        reader.push(chunk, decoded);
        decoded += chunk.length;
      }
      if (reader?.done) break;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const what = gzip ? 'gzip data is corrupt or truncated' : 'read error';
    collector.problem(`${what} after ${decoded} bytes of content (${errorText(error)}); records before it were kept`, decoded);
    cutShort = collector.problems[collector.problems.length - 1];
  } finally {
    stream.destroy();
  }
  if (!reader) {
    if (decoded === 0 && held.length === 0) {
      if (!collector.problems.length) collector.problem(gzip ? 'empty content (gzip holds no data)' : 'empty file');
      return { format: undefined, shape: undefined };
    }
    reader = choose(true);
  }
  const endingAt = collector.problems.length;
  if (!reader.done) reader.end(decoded);
  if (cutShort) foldCutRecord(collector.problems, endingAt, cutShort, decoded);
  return { format: reader.format(), shape: reader.shape() };
}

/**
 * Where the content stopped short, what the reader then says at that same byte (the record
 * the cut leaves open) is the same damage: told in the one problem, so a truncated file is
 * one skip, not two.
 */
function foldCutRecord(problems: FileProblem[], from: number, cutShort: FileProblem, offset: number): void {
  const at = problems.findIndex((problem, i) => i >= from && problem.offset === offset && /^content ends .* \(truncated\?\)$/.test(problem.reason));
  if (at < 0) return;
  const where = problems[at].reason.replace(/^content ends /, '').replace(/ \(truncated\?\)$/, '');
  cutShort.reason = cutShort.reason.replace(/; records before it were kept$/, `, ${where}; records before it were kept`);
  problems.splice(at, 1);
}

function gzipSizeHint(compressed: Buffer): number {
  // ISIZE of the last member: the decompressed size mod 2^32 (only a hint for multi-member files).
  return compressed.length >= 18 ? compressed.readUInt32LE(compressed.length - 4) : 0;
}

export interface ReadEvidenceOptions extends ReadOptions {
  /** Content up to this many decompressed bytes is parsed whole; default WHOLE_DOCUMENT_LIMIT. */
  wholeDocumentLimit?: number;
  /** Reused across the files of one run (a parse worker's life); default: one for this file. */
  inflater?: GzipInflater;
  /**
   * The buffer files are read into, reused across the files of one run, read one at a time
   * (a parse worker's life); default: one for this file.
   */
  readBuffer?: ReadBuffer;
  /**
   * Told, once the file is open and before any record, what it is (FileSeen); with the CRC of
   * its bytes when the whole content is handed to `wholeTrail` (whose records' content hashes
   * are left for later).
   */
  onOpened?: (seen: FileSeen) => void;
}

/**
 * Reads one evidence file and calls `onRecord` for every CloudTrail record in it. Never throws
 * for bad input: what could not be read is in `problems`, with what was read before it kept.
 * Rejects only when `signal` aborts.
 */
export async function readEvidenceFile(path: string, onRecord: RecordCallback, options: ReadEvidenceOptions = {}): Promise<ReadResult> {
  return readEvidenceFileNow(path, onRecord, options);
}

/**
 * readEvidenceFile without a promise where none is needed: the result itself when the file was
 * read in one go (or not at all: the common case), a promise of it when its content is
 * streamed (a large file, or damaged gzip). Throws (or rejects) only when `signal` aborts.
 * Real trails are mostly files of a few KB: a promise and a turn of the microtask queue for
 * each was a good part of what reading one cost.
 */
export function readEvidenceFileNow(path: string, onRecord: RecordCallback, options: ReadEvidenceOptions): ReadResult | Promise<ReadResult> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const collector = new RecordCollector(path, onRecord);
  const limit = options.wholeDocumentLimit ?? WHOLE_DOCUMENT_LIMIT;
  let outcome: { format: FileFormat | undefined; shape: string | undefined } | Promise<{ format: FileFormat | undefined; shape: string | undefined }>;
  let opened;
  try {
    opened = openEvidenceSync(path);
  } catch (error) {
    collector.problem(error instanceof EvidenceAccessError ? error.message : errorText(error));
    return { records: 0, problems: collector.problems };
  }
  const { fd, size } = opened;
  const onOpened = options.onOpened;
  const seen: FileSeen | undefined = onOpened ? { dev: opened.dev, ino: opened.ino, ctimeMs: opened.ctimeMs, mtimeMs: opened.mtimeMs, size } : undefined;
  let streamOwnsFd = false;
  try {
    if (size === 0) {
      collector.problem('empty file');
      return { records: 0, problems: collector.problems };
    }
    if (size <= limit) {
      // One read: whether it is gzip is seen from the whole file's first bytes.
      const whole = options.readBuffer ? options.readBuffer.read(fd, size) : readBytesSync(fd, 0, size);
      const gzip = isGzip(whole);
      let content: Buffer | undefined = gzip ? undefined : whole;
      if (gzip && gzipSizeHint(whole) <= limit) {
        const inflater = options.inflater ?? new GzipInflater();
        // Undefined when larger than the limit, truncated or corrupt: the stream reader then keeps everything before the damage.
        content = inflater.inflate(whole, gzipSizeHint(whole), Math.min(limit, bufferConstants.MAX_LENGTH));
        if (!options.inflater) inflater.dispose();
      }
      if (content) {
        if (seen && onOpened) {
          // A CRC of the bytes as read (what a re-read would compare), only for a document the
          // trail scanner may index: gzip's own (its trailer's CRC-32 of the content, free), else one
          // computed now.
          if (options.wholeTrail && content[firstContentByte(content, bomLength(content))] === 0x7b) {
            if (gzip && whole.length >= 18) seen.crc = whole.readUInt32LE(whole.length - 8);
            else if (nativeCrc32) seen.crc = nativeCrc32(whole);
          }
          onOpened(seen);
        }
        outcome = readWholeContent(content, collector, options.wholeTrail);
      } else {
        if (seen) onOpened?.(seen);
        // `whole` may be the reused read buffer: the caller reads no other file until this settles.
        outcome = readStreamedContent(decompressedStream(memoryStream(whole), true), true, collector, signal);
      }
    } else {
      if (seen) onOpened?.(seen);
      const gzip = isGzip(readBytesSync(fd, 0, 2));
      streamOwnsFd = true;
      outcome = readStreamedContent(decompressedStream(fileStream(fd), gzip), gzip, collector, signal);
    }
  } finally {
    if (!streamOwnsFd) fs.closeSync(fd);
  }
  if (outcome instanceof Promise) return outcome.then((streamed) => readResult(collector, streamed, signal));
  return readResult(collector, outcome, signal);
}

/** The result of a read that is over: the collector's summaries added. */
function readResult(collector: RecordCollector, outcome: { format: FileFormat | undefined; shape: string | undefined }, signal: AbortSignal | undefined): ReadResult {
  signal?.throwIfAborted();
  collector.finish(outcome.shape);
  const format = collector.records === 0 && collector.sawNonEvents ? undefined : outcome.format;
  const result: ReadResult = { records: collector.records, problems: collector.problems };
  if (format !== undefined) result.format = format;
  return result;
}

export { plural };
