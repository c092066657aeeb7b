/**
 * The on-disk index cache: the parsed batches of one source (combined into one). Kept outside
 * the evidence.
 *
 * Trusting it takes three checks, so that it never answers for content that changed:
 * - its name is a key over the evidence's roots (as given and as real paths) and every file's
 *   identity: path, device, inode, ctime and mtime, size (walk.ts: identityOf). Copying a file
 *   with its times kept (`cp -p`, `rsync -a`, `tar`) still gives it a new inode and ctime, and
 *   an edit in place a new ctime: either makes a new key;
 * - every part of the file is checked (CRC-32) before it is used, and the table of contents
 *   names the key and roots it was written for: a damaged, truncated or swapped (copied from
 *   another folder's cache) file is refused and the source parsed again, with a note saying why;
 * - in paranoid mode (`verify`) the files' contents are hashed again (SHA-256) and compared
 *   with the hashes stored when the cache was written.
 *
 * The file (format 12) is laid out to be opened without work per event: a header, a small table
 * of contents (what it was written for, the summary a reopen reports, where everything else
 * is), then the description (JSON: the batch without its typed arrays, its files as flat lists)
 * and each typed array as a section at an offset that is a multiple of 8, read as a view of the
 * file's bytes. An array a reopen needs no bytes for is not stored (StoredFacts: one value
 * throughout, small whole numbers at their width, times in whole seconds as the index's time
 * column holds them): a pivot reads and checks only the arrays the index keeps. `ctinv stats` reads the table of contents alone; the rest is read and checked
 * (every stored section, before any of it is used) when the index is first used (OpenCache.load). A CRC-32 finds any accidental damage (a flipped bit, a burst, a
 * truncation) as a SHA-256 does, at a quarter of its cost; deliberate forgery is out of its
 * reach either way (whoever can write the cache folder can write a matching checksum), which
 * is what `verify` is for.
 */
import { createHash } from 'node:crypto';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BatchArray, BatchFile, EventBatch, mapBatchArrays } from '../index/batch';
import { BatchFacts, FileTable, KnownMerge } from '../index/event-index';
import { CONTENT_HASH_LATER } from '../index/content-hash';
import { compactTimes, timeOfStored } from '../index/time-column';
import { RecordChangedError } from '../index/read-back';
import { EvidenceFile, FileProblem } from '../sources/types';
import { FileIdentities, IDENTITY_NUMBERS, readIdentity } from '../sources/walk';
import { SourceSummary } from './api';

/** Bump when the batch layout, normalisation or the cache file's layout changes, so old caches are ignored. */
// 5: a checksummed header with the identity of what it indexes (issue 12 §2), and each
// record's content hash in the batches (eventID conflicts, issue 12 §3), and Insights records'
// state and type (issue 12 §7).
// 6: sections instead of a V8 serialisation (issue 13): the batch's typed arrays are read as
// views of the file's bytes, the rest (strings, files, identity) is one JSON text.
// 7: what the merge into an empty index dropped and found in conflict (`merged`), so that a
// reopen adopts the batch without a de-duplication probe per event.
// 8: a table of contents with the summary a reopen reports, a CRC-32 per part instead of one
// SHA-256 of the whole file, files named by their place in the walk, identities in
// millisecond doubles (issue 13: a reopen reads only what it uses).
// 9: a record's hash column holds a hash of its raw bytes (negative) until a second record
// with its eventID asks for the content hash (lazy-hash.ts); format 8 held content hashes.
// 10: where each record read by ordinal lies in its file's content (EventBatch.spans), so that
// a pivot on a reopened index reads a record back without finding it in its file again.
// 11: what a reopen needs no array for is not stored (issue 13: a pivot reads what it uses):
// arrays of one value throughout (a trail's content hashes left for later, its record lengths,
// its identifiers' kinds) as that value, ordinals and file numbers at the width they need, the
// time range, and the files as flat lists (EventIndex.adopt takes them as BatchFacts, and makes
// a file's entry only when it is first used).
// 12: the events' times, when every one is a whole second from 1970 to 2106 or none (CloudTrail's
// eventTime is to the second), as the index's time column holds them: seconds since 1970 plus
// one in four bytes (TimeColumn), which a reopen adopts as they are (issue 13: 4 bytes an event).
export const CACHE_FORMAT = 12;

const MAGIC = Buffer.from('CTINVIDX', 'latin1');
/** magic, format (uint32 LE), the table of contents' length and CRC-32 (uint32 LE each), 4 bytes spare. */
const HEADER_BYTES = MAGIC.length + 16;
/** Sections start at multiples of 8 from the file's start, so that each is read as a view of the file's bytes. */
const SECTION_ALIGN = 8;
/** Bytes read at once for the header and table of contents (more only when it is longer). */
const FIRST_READ = 64 * 1024;

/** CRC-32 (zlib's, as Node 20.15 and later have it; a table otherwise). */
const crc32: (data: Uint8Array) => number =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ??
  (() => {
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
    return (data: Uint8Array) => {
      let c = -1;
      for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
      return (c ^ -1) >>> 0;
    };
  })();

type SectionKind = 'u8' | 'u16' | 'i32' | 'u32' | 'f64';

/** A typed array of the batch: its kind, its first byte in the file, its length in elements, its CRC-32. */
interface Section {
  kind: SectionKind;
  at: number;
  length: number;
  crc: number;
}

const SECTION_TYPES: Record<SectionKind, { new (buffer: ArrayBuffer, byteOffset: number, length: number): BatchArray; BYTES_PER_ELEMENT: number }> = {
  u8: Uint8Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f64: Float64Array,
};

function sectionKind(array: BatchArray): SectionKind {
  if (array instanceof Uint8Array) return 'u8';
  if (array instanceof Uint16Array) return 'u16';
  if (array instanceof Int32Array) return 'i32';
  if (array instanceof Uint32Array) return 'u32';
  return 'f64';
}

/**
 * What a reopen into an empty index reports (the summary of the load that wrote the cache,
 * when it started from an empty index): `ctinv stats` answers from it without the index.
 */
export type CachedSummary = Pick<SourceSummary, 'events' | 'files' | 'digests' | 'skipped' | 'eventsWithoutTime' | 'duplicates' | 'conflicts' | 'conflictList' | 'first' | 'last'>;

/** The table of contents: small, read first, and all that a reopen for a summary reads. */
interface Contents {
  format: number;
  identity: CacheIdentity;
  walkProblems: FileProblem[];
  summary?: CachedSummary;
  /** Where the description is: its first byte, its length in bytes, its CRC-32. */
  description: { at: number; bytes: number; crc: number };
}

/**
 * A batch file as stored: the place of its evidence file in the walk (key order), whose path,
 * size, modification time and layout the key vouches for; or, for a file the walk did not give,
 * those written out.
 */
type StoredFile = [ref: number | Pick<BatchFile, 'path' | 'size' | 'mtimeMs' | 'layout'>, records: number, format: BatchFile['format'] | 0, problems?: FileProblem[], continuation?: 1];

/**
 * A batch's files as stored: for file i, its place in the walk (refs[i], -1 for one stored
 * whole in `other`), its records and its format (an index into `formats`, 0: none). Flat lists,
 * so that a reopen makes no object a file (it makes a file's entry when the file is first used).
 */
interface StoredFiles {
  refs: number[];
  records: number[];
  format: number[];
  formats: string[];
  /** The files stored whole: not in the walk, or with problems, or the continuation of another part. */
  other: [at: number, file: StoredFile][];
}

/**
 * What a batch's sections leave out (BatchFacts, as stored): an array of one value throughout
 * is stored as that value (its section empty); offsets and file numbers that are small whole
 * numbers are stored at the width they need (their sections' kinds say which).
 */
interface StoredFacts {
  hashesLater?: 1;
  lengthsZero?: 1;
  eventIdKind?: number;
  requestIdKind?: number;
  offsets?: 1;
  fileOf?: 1;
  /** The times are stored in TimeColumn's compact form (a u32 section: seconds since 1970 plus one, 0: none). */
  storedTimes?: 1;
  /** The kept rows' first and last time and how many have none, when some have one. */
  times?: [first: number, last: number, withoutTime: number];
}

/** What the description holds: the batches without their typed arrays, and where those are. */
interface Description {
  contentHashes?: string[];
  merged?: KnownMerge;
  /** Each batch with its typed arrays left empty (mapBatchArrays order) and files as stored, and their sections. */
  batches: { hollow: Omit<EventBatch, 'files'>; files: StoredFiles; facts: StoredFacts; sections: Section[] }[];
}

const aligned = (n: number) => Math.ceil(n / SECTION_ALIGN) * SECTION_ALIGN;

function byPath(a: EvidenceFile, b: EvidenceFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function isSortedByPath(files: readonly EvidenceFile[]): boolean {
  for (let i = 1; i < files.length; i++) if (files[i - 1].path > files[i].path) return false;
  return true;
}

/**
 * `files` in key order (sorted by path): themselves when they are already (a walk of the
 * AWSLogs layout is). `walked`: the identities their walk added, which know whether it added
 * them in key order (then no path is compared, nor copied whole to be compared).
 */
export function inKeyOrder<T extends readonly EvidenceFile[]>(files: T, walked?: FileIdentities): T {
  return walked?.inKeyOrder(files) || isSortedByPath(files) ? files : ([...files].sort(byPath) as unknown as T);
}

/** The files of a batch as stored (StoredFiles). */
function storedFiles(files: readonly BatchFile[], place: ReadonlyMap<string, number>): StoredFiles {
  const out: StoredFiles = { refs: new Array(files.length), records: new Array(files.length), format: new Array(files.length), formats: [''], other: [] };
  files.forEach((file, i) => {
    const stored = storedFile(file, place);
    let format = file.format ? out.formats.indexOf(file.format) : 0;
    if (format < 0) format = out.formats.push(file.format!) - 1;
    out.records[i] = file.records;
    out.format[i] = format;
    if (typeof stored[0] === 'number' && stored.length === 3) out.refs[i] = stored[0];
    else {
      out.refs[i] = -1;
      out.other.push([i, stored]);
    }
  });
  return out;
}

/** The narrowest code array that holds `array`'s values, when they are all whole numbers from 0 to 0x7fffffff. */
function narrowed(array: Float64Array | Int32Array): Uint8Array | Uint16Array | Int32Array | undefined {
  let largest = 0;
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    if (!(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff)) return undefined;
    if (value > largest) largest = value;
  }
  return largest <= 0xff ? Uint8Array.from(array) : largest <= 0xffff ? Uint16Array.from(array) : Int32Array.from(array);
}

/** The one value every element of `array` has (undefined when there are two, or none). */
function oneValue(array: ArrayLike<number>, count: number): number | undefined {
  if (count === 0 || array.length < count) return undefined;
  const first = array[0];
  for (let i = 1; i < count; i++) if (array[i] !== first) return undefined;
  return first;
}

/**
 * The batch to store in sections, and what it leaves out (StoredFacts). `dropped`: the rows a
 * merge into an empty index drops (KnownMerge), for the time range of the rest.
 */
function factsOf(batch: EventBatch, dropped: readonly number[] | undefined): { stored: EventBatch; facts: StoredFacts } {
  const facts: StoredFacts = {};
  const stored: EventBatch = { ...batch, eventIds: { ...batch.eventIds }, requestIds: { ...batch.requestIds } };
  const count = batch.count;
  if (count === 0) return { stored, facts };
  let hashesLater = batch.contentHash.length >= count;
  for (let i = 0; i < count && hashesLater; i++) hashesLater = batch.contentHash[i] < 0;
  if (hashesLater) {
    facts.hashesLater = 1;
    stored.contentHash = new Float64Array(0);
  }
  if (oneValue(batch.length, count) === 0) {
    facts.lengthsZero = 1;
    stored.length = new Uint32Array(0);
  }
  const eventIdKind = oneValue(batch.eventIds.kinds, count);
  if (eventIdKind !== undefined) {
    facts.eventIdKind = eventIdKind;
    stored.eventIds.kinds = new Uint8Array(0);
  }
  const requestIdKind = oneValue(batch.requestIds.kinds, count);
  if (requestIdKind !== undefined) {
    facts.requestIdKind = requestIdKind;
    stored.requestIds.kinds = new Uint8Array(0);
  }
  if (batch.offset.length === count) {
    const offsets = narrowed(batch.offset);
    if (offsets) {
      facts.offsets = 1;
      stored.offset = offsets as unknown as Float64Array;
    }
  }
  if (batch.fileOf.length === count) {
    const fileOf = narrowed(batch.fileOf);
    if (fileOf && !(fileOf instanceof Int32Array)) {
      facts.fileOf = 1;
      stored.fileOf = fileOf as unknown as Int32Array;
    }
  }
  if (batch.time.length === count) {
    const storedTimes = compactTimes(batch.time, count);
    if (storedTimes) {
      facts.storedTimes = 1;
      stored.time = storedTimes as unknown as Float64Array;
    }
  }
  if (dropped && batch.time.length >= count) {
    let first = Infinity;
    let last = -Infinity;
    let withoutTime = 0;
    let d = 0;
    for (let i = 0; i < count; i++) {
      if (d < dropped.length && dropped[d] === i) {
        d++;
        continue;
      }
      const time = batch.time[i];
      if (Number.isNaN(time)) withoutTime++;
      else {
        if (time < first) first = time;
        if (time > last) last = time;
      }
    }
    if (Number.isFinite(first) && Number.isFinite(last)) facts.times = [first, last, withoutTime];
  }
  return { stored, facts };
}

function storedFile(file: BatchFile, place: ReadonlyMap<string, number>): StoredFile {
  const ref = place.get(file.path) ?? { path: file.path, size: file.size, mtimeMs: file.mtimeMs, ...(file.layout ? { layout: file.layout } : {}) };
  const stored: StoredFile = [ref, file.records, file.format ?? 0];
  if (file.problems.length > 0 || file.continuation) stored.push(file.problems);
  if (file.continuation) stored.push(1);
  return stored;
}

/**
 * The problems of each file stored without any: one array for all (nothing adds to a batch
 * file's problems; an array a file was ~7 ms of allocation and scavenging over 8,000 files).
 */
const NO_PROBLEMS = Object.freeze([]) as unknown as FileProblem[];

/** A stored file back as a batch file, its evidence file from `walked` (key order). */
function batchFile(stored: StoredFile, walked: readonly EvidenceFile[] | undefined): BatchFile {
  if (!Array.isArray(stored) || !Number.isSafeInteger(stored[1])) throw new Error('a file is not described');
  const [ref, records, format, problems, continuation] = stored;
  let evidence: Pick<BatchFile, 'path' | 'size' | 'mtimeMs' | 'layout'>;
  if (typeof ref === 'number') {
    const file = walked?.[ref];
    if (!file) throw new Error('a file is not one of the evidence');
    evidence = file;
  } else if (ref && typeof ref.path === 'string') evidence = ref;
  else throw new Error('a file is not described');
  const out: BatchFile = { path: evidence.path, size: evidence.size, mtimeMs: evidence.mtimeMs, records, problems: Array.isArray(problems) ? problems : NO_PROBLEMS };
  if (evidence.layout) out.layout = evidence.layout;
  if (format) out.format = format;
  if (continuation === 1) out.continuation = true;
  return out;
}

/**
 * A whole cache file: header, table of contents, description, sections. `walked`: the
 * evidence files in key order (sorted by path), which the batch files are stored as places in.
 */
function encodeCache(value: CachedSource, walked: readonly EvidenceFile[], summary: CachedSummary | undefined): Buffer {
  const place = new Map<string, number>();
  walked.forEach((file, i) => place.set(file.path, i));
  const arrays: BatchArray[] = [];
  const dropped = value.merged && value.batches.length === 1 ? value.merged.dropped : undefined;
  const batches = value.batches.map((whole) => {
    const own: BatchArray[] = [];
    const { stored, facts } = factsOf(whole, dropped);
    const { files, ...hollow } = mapBatchArrays(stored, (array) => {
      own.push(array);
      return new (array.constructor as new (length: number) => typeof array)(0);
    });
    arrays.push(...own);
    const sections = own.map((array): Section => ({ kind: sectionKind(array), at: 0, length: array.length, crc: crc32(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)) }));
    return { hollow, files: storedFiles(files, place), facts, sections };
  });
  const sections = batches.flatMap((b) => b.sections);
  const description: Description = { contentHashes: value.contentHashes, merged: value.merged, batches };
  // The sections' places depend on the description's length, which depends on them: place them
  // with room enough for any offset (padded with spaces, which JSON ignores).
  const room = Buffer.byteLength(JSON.stringify(description)) + sections.length * 16;
  const contents = (descriptionAt: number, bytes: number, crc: number): Buffer =>
    Buffer.from(JSON.stringify({ format: value.format, identity: value.identity, walkProblems: value.walkProblems, summary, description: { at: descriptionAt, bytes, crc } } satisfies Contents));
  // The table of contents is written last (it holds the description's CRC): room for any at and crc.
  const contentsRoom = contents(0, 0, 0).length + 32;
  const descriptionAt = HEADER_BYTES + contentsRoom;
  let at = aligned(descriptionAt + room);
  for (let i = 0; i < sections.length; i++) {
    sections[i].at = at;
    at = aligned(at + arrays[i].byteLength);
  }
  const file = Buffer.alloc(at, 0);
  const text = Buffer.from(JSON.stringify(description));
  if (text.length > room) throw new Error('index cache description outgrew its room');
  file.fill(0x20, descriptionAt, descriptionAt + room);
  text.copy(file, descriptionAt);
  const toc = contents(descriptionAt, room, crc32(file.subarray(descriptionAt, descriptionAt + room)));
  if (toc.length > contentsRoom) throw new Error('index cache table of contents outgrew its room');
  file.fill(0x20, HEADER_BYTES, descriptionAt);
  toc.copy(file, HEADER_BYTES);
  MAGIC.copy(file, 0);
  file.writeUInt32LE(CACHE_FORMAT, MAGIC.length);
  file.writeUInt32LE(contentsRoom, MAGIC.length + 4);
  file.writeUInt32LE(crc32(file.subarray(HEADER_BYTES, descriptionAt)), MAGIC.length + 8);
  arrays.forEach((array, i) => file.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), sections[i].at));
  return file;
}

/** Parses the table of contents of a cache file whose header is in `head`; throws, saying what, when it is not one. */
function contentsOf(head: Buffer, tocBytes: Buffer): Contents {
  if (crc32(tocBytes) !== head.readUInt32LE(MAGIC.length + 8)) throw new Damaged('its table of contents does not match its checksum');
  const toc = JSON.parse(tocBytes.toString('utf8')) as Contents;
  if (!toc || typeof toc !== 'object' || !toc.identity || !toc.description || !Array.isArray(toc.walkProblems)) throw new Error('its table of contents is not one of an index cache');
  return toc;
}

/** A cache file found damaged or truncated (as opposed to well-formed but not one of ours). */
class Damaged extends Error {}

/**
 * The cache in `data` (a whole cache file): everything checked (CRC-32 of every part), the
 * description parsed, each section a view of `data`'s bytes (copied only where `data` is not
 * aligned for it). `walked`: the evidence files in key order. Throws, saying what, when any part
 * is damaged or does not fit the file.
 */
export function decodeCache(data: Buffer, walked?: readonly EvidenceFile[]): CachedSource {
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an index cache');
  const tocBytes = data.readUInt32LE(MAGIC.length + 4);
  if (HEADER_BYTES + tocBytes > data.length) throw new Damaged('its table of contents runs past its end');
  const toc = contentsOf(data, data.subarray(HEADER_BYTES, HEADER_BYTES + tocBytes));
  return decodeBody(toc, data, walked);
}

/** The description and sections of `data` (the whole file), checked against `toc`. */
function decodeBody(toc: Contents, data: Buffer, walked: readonly EvidenceFile[] | undefined): CachedSource {
  const { at, bytes, crc } = toc.description;
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(bytes) || at < HEADER_BYTES || bytes < 0 || at + bytes > data.length) throw new Damaged('its description lies past its end');
  const text = data.subarray(at, at + bytes);
  if (crc32(text) !== crc) throw new Damaged('its description does not match its checksum');
  const description = JSON.parse(text.toString('utf8')) as Description;
  if (!description || typeof description !== 'object' || !Array.isArray(description.batches)) throw new Error('its description is not one of an index cache');
  const firstSection = at + bytes;
  const facts: BatchFacts[] = [];
  const batches = description.batches.map(({ hollow, files, facts: stored, sections }) => {
    if (!hollow || !Array.isArray(sections) || !files || typeof files !== 'object' || !stored || typeof stored !== 'object') throw new Error('a batch has no sections');
    const table = fileTable(files, walked);
    let next = 0;
    const batch = mapBatchArrays({ ...hollow, files: [] } as EventBatch, <A extends BatchArray>() => {
      const section = sections[next++];
      const type = section && SECTION_TYPES[section.kind];
      if (!type || !Number.isSafeInteger(section.at) || !Number.isSafeInteger(section.length) || section.length < 0) throw new Error('a section is not described');
      const size = section.length * type.BYTES_PER_ELEMENT;
      if (section.at < firstSection || section.at + size > data.length) throw new Damaged('a section lies past its end');
      const start = data.byteOffset + section.at;
      const view = new Uint8Array(data.buffer, start, size);
      if (crc32(view) !== section.crc) throw new Damaged(`a section (${section.kind}, at byte ${section.at}) does not match its checksum`);
      if (start % type.BYTES_PER_ELEMENT === 0) return new type(data.buffer as ArrayBuffer, start, section.length) as A;
      return new type(data.buffer.slice(start, start + size) as ArrayBuffer, 0, section.length) as A;
    });
    if (next !== sections.length) throw new Error('a batch has sections it does not use');
    facts.push(batchFacts(batch, stored, table));
    return batch;
  });
  return { format: toc.format, identity: toc.identity, batches, walkProblems: toc.walkProblems, contentHashes: description.contentHashes, merged: description.merged, facts };
}

/** `key` of `target` made by `make` on first use (then a plain property). */
function lazy<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): void {
  const settle = (value: T[K]) => Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get: () => {
      const value = make();
      settle(value);
      return value;
    },
    set: settle,
  });
}

type Codes = Uint8Array | Uint16Array | Int32Array;

function isCodes(array: unknown): array is Codes {
  return array instanceof Uint8Array || array instanceof Uint16Array || array instanceof Int32Array;
}

/**
 * What a decoded batch's sections leave out (`stored`), as BatchFacts for EventIndex.adopt; the
 * batch's own arrays for them are made on first use (for a merge). Throws when they do not fit.
 */
function batchFacts(batch: EventBatch, stored: StoredFacts, files: FileTable & { formatless: boolean }): BatchFacts {
  const count = batch.count;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error('a batch is not described');
  const facts: BatchFacts = {};
  const leftOut = (array: BatchArray) => {
    if (array.length !== 0) throw new Error('a batch stores an array it says it leaves out');
  };
  const isKind = (kind: unknown): kind is number => Number.isInteger(kind) && (kind as number) >= 0 && (kind as number) <= 0xff;
  if (stored.hashesLater === 1) {
    leftOut(batch.contentHash);
    facts.hashesLater = true;
    lazy(batch, 'contentHash', () => new Float64Array(count).fill(CONTENT_HASH_LATER));
  }
  if (stored.lengthsZero === 1) {
    leftOut(batch.length);
    facts.lengthsZero = true;
    lazy(batch, 'length', () => new Uint32Array(count));
  }
  for (const [which, kind] of [
    ['eventIds', stored.eventIdKind],
    ['requestIds', stored.requestIdKind],
  ] as const) {
    if (kind === undefined) continue;
    if (!isKind(kind)) throw new Error('a batch is not described');
    leftOut(batch[which].kinds);
    if (which === 'eventIds') facts.eventIdKind = kind;
    else facts.requestIdKind = kind;
    lazy(batch[which], 'kinds', () => new Uint8Array(count).fill(kind));
  }
  if (stored.offsets === 1) {
    const offsets: unknown = batch.offset;
    if (!isCodes(offsets) || offsets.length !== count) throw new Error('a batch is not described');
    facts.offsets = offsets;
    lazy(batch, 'offset', () => Float64Array.from(offsets));
  }
  if (stored.fileOf === 1) {
    const fileOf: unknown = batch.fileOf;
    if (!isCodes(fileOf) || fileOf.length !== count) throw new Error('a batch is not described');
    facts.fileOf = fileOf;
    lazy(batch, 'fileOf', () => Int32Array.from(fileOf));
  }
  if (stored.storedTimes === 1) {
    const time: unknown = batch.time;
    if (!(time instanceof Uint32Array) || time.length !== count) throw new Error('a batch is not described');
    facts.storedTimes = time;
    lazy(batch, 'time', () => {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = timeOfStored(time[i]);
      return out;
    });
  } else if (!(batch.time instanceof Float64Array)) throw new Error('a batch is not described');
  const times = stored.times;
  if (Array.isArray(times) && times.length === 3 && times.every((t) => typeof t === 'number' && Number.isFinite(t)) && Number.isSafeInteger(times[2])) {
    facts.times = { first: times[0], last: times[1], withoutTime: times[2] };
  }
  if (!files.formatless) facts.files = files;
  lazy(batch, 'files', () => Array.from({ length: files.length }, (_, i) => files.at(i)));
  return facts;
}

/**
 * The files of a batch as stored (StoredFiles), each made a batch file when asked for; every
 * one checked now (a place in the walk, a record count, a format). `formatless`: some file has
 * no format (the earlier part of a large file whose last part has it).
 */
function fileTable(stored: StoredFiles, walked: readonly EvidenceFile[] | undefined): FileTable & { formatless: boolean } {
  const { refs, records, format, formats, other } = stored;
  if (!Array.isArray(refs) || !Array.isArray(records) || !Array.isArray(format) || !Array.isArray(formats) || !Array.isArray(other) || records.length !== refs.length || format.length !== refs.length) {
    throw new Error('the files are not described');
  }
  if (!formats.every((name) => typeof name === 'string')) throw new Error('the files are not described');
  let formatless = false;
  const whole = new Map<number, BatchFile>();
  for (const entry of other) {
    if (!Array.isArray(entry) || !Number.isSafeInteger(entry[0]) || refs[entry[0]] !== -1 || whole.has(entry[0])) throw new Error('a file is not described');
    const file = batchFile(entry[1], walked);
    if (!file.format) formatless = true;
    whole.set(entry[0], file);
  }
  const places = walked?.length ?? 0;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    if (ref === -1) {
      if (!whole.has(i)) throw new Error('a file is not described');
      continue;
    }
    if (!Number.isSafeInteger(ref) || ref < 0 || ref >= places) throw new Error('a file is not one of the evidence');
    if (!Number.isSafeInteger(records[i]) || records[i] < 0 || !Number.isSafeInteger(format[i]) || format[i] < 0 || format[i] >= formats.length) throw new Error('a file is not described');
    if (format[i] === 0) formatless = true;
  }
  return {
    length: refs.length,
    formatless,
    at: (i) => whole.get(i) ?? batchFile([refs[i], records[i], format[i] === 0 ? 0 : (formats[format[i]] as BatchFile['format'] & string)], walked),
  };
}

/** What a cache was written for: checked against what is being loaded before it is used. */
export interface CacheIdentity {
  key: string;
  /** The evidence paths as given (resolved) and as real paths (every link resolved). */
  roots: string[];
  realRoots: string[];
  /** Evidence files the key covers. */
  files: number;
}

export interface CachedSource {
  format: number;
  identity: CacheIdentity;
  batches: EventBatch[];
  walkProblems: FileProblem[];
  /** SHA-256 of each file's content in key order (files sorted by path), when written in verify mode. */
  contentHashes?: string[];
  /** What a reader knows of each batch without all of its arrays (BatchFacts; a decoded cache's: EventIndex.adopt takes them). */
  facts?: BatchFacts[];
  /**
   * What merging the one batch into an empty index did (dropped duplicates, conflicts), when the
   * load that wrote the cache started from an empty index: a reopen into an empty index adopts
   * the batch without probing every event again (EventIndex.adopt).
   */
  merged?: KnownMerge;
}

/** The real path of each root (as given when it cannot be resolved: the walk reports that). */
function realRoots(roots: readonly string[]): string[] {
  return roots.map((root) => {
    try {
      return fsSync.realpathSync.native(root);
    } catch {
      return root;
    }
  });
}

/** The roots a cache is written for (CacheIdentity.roots and realRoots): sorted, and each as a real path. */
export function cacheRoots(roots: readonly string[]): Pick<CacheIdentity, 'roots' | 'realRoots'> {
  const sorted = [...roots].sort();
  return { roots: sorted, realRoots: realRoots(sorted) };
}

/**
 * The cache key of a source: one pass of synchronous stat calls over its files (or the walk's), no reading.
 * Two calls give the same key only when no file was replaced, edited, touched or re-linked.
 */
export function cacheIdentity(roots: readonly string[], files: readonly EvidenceFile[], known?: FileIdentities): CacheIdentity {
  const hash = createHash('sha256');
  hash.update(`ctinv-cache-${CACHE_FORMAT}\n`);
  const { roots: sortedRoots, realRoots: real } = cacheRoots(roots);
  for (let i = 0; i < sortedRoots.length; i++) hash.update(`root ${sortedRoots[i]}\0${real[i]}\n`);
  // Each file's path (and why it cannot be stat'ed, if so), then the numbers of every identity:
  // `known` holds the ones the walk read with its own stat calls (one pass over the files, not two).
  // Sorted by path (the callers' lists mostly are already: then no copy).
  const sorted = inKeyOrder(files, known);
  const names: string[] = new Array(sorted.length);
  const numbers = new Float64Array(sorted.length * IDENTITY_NUMBERS);
  for (let i = 0; i < sorted.length; i++) {
    const file = sorted[i].path;
    const at = i * IDENTITY_NUMBERS;
    // By its place when the files are in the walk's order (a walk of the AWSLogs layout is in key order).
    const unreadable = known?.copyAt(i, file, numbers, at) ? undefined : readIdentity(file, numbers, at);
    names[i] = unreadable === undefined ? file : `${file}\0${unreadable}`;
  }
  // The same bytes as one text ending in a newline, without copying that text again to end it.
  hash.update(names.join('\n'));
  hash.update('\n');
  hash.update(new Uint8Array(numbers.buffer));
  return { key: hash.digest('hex'), roots: sortedRoots, realRoots: real, files: files.length };
}

/** SHA-256 of every file's content, in key order (sorted by path). Reads each file once, in pieces. */
export async function contentHashes(files: readonly EvidenceFile[], signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (const f of [...files].sort(byPath)) {
    signal?.throwIfAborted();
    const hash = createHash('sha256');
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(f.path, fsSync.constants.O_RDONLY | (fsSync.constants.O_NONBLOCK ?? 0));
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
      }
      out.push(hash.digest('hex'));
    } catch (error) {
      out.push(`unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    } finally {
      await handle?.close();
    }
  }
  return out;
}

/** Cache files kept per folder; the least recently used beyond this are deleted after a write. */
const MAX_CACHE_FILES = 32;

function cacheFilePath(cacheDir: string, key: string): string {
  return path.join(cacheDir, `${key}.idx`);
}

/** A hit: the opened cache, and unless looked up lazily, all of it (read and checked). */
export type CacheLookup = { kind: 'hit'; cache: OpenCache; value?: CachedSource } | { kind: 'miss' } | { kind: 'refused'; note: string };

/**
 * A part of an index cache was found damaged when it was first used, after its table of
 * contents was trusted (OpenCache.load): the cache file is deleted, and whoever holds the
 * index must read the evidence again, as for a record that changed.
 */
export class CacheDamagedError extends RecordChangedError {}

/** Closes the file of an opened cache that was never loaded, once nothing holds it. */
const unloaded = new FinalizationRegistry<{ fd?: number }>((handle) => {
  if (handle.fd !== undefined) fsSync.close(handle.fd, () => undefined);
});

/**
 * A cache file whose table of contents was read and checked: what it was written for, the
 * summary a reopen reports, and the rest (description and sections) read and checked on load().
 * The file stays open until then, so that load() reads the file that was checked, whatever
 * happens to its name meanwhile.
 */
export class OpenCache {
  private readonly handle: { fd?: number };

  /** @internal */
  /** The whole file, when it was read ahead (prefetchCache): then no file is held open. */
  private data?: Buffer;

  constructor(
    readonly file: string,
    opened: number | Buffer,
    private readonly size: number,
    private readonly toc: Contents,
    private readonly walked: readonly EvidenceFile[],
  ) {
    if (typeof opened === 'number') {
      this.handle = { fd: opened };
      unloaded.register(this, this.handle, this);
    } else {
      this.handle = {};
      this.data = opened;
    }
  }

  get identity(): CacheIdentity {
    return this.toc.identity;
  }

  get walkProblems(): FileProblem[] {
    return this.toc.walkProblems;
  }

  /** What the load that wrote it reported, when that load started from an empty index. */
  get summary(): CachedSummary | undefined {
    return this.toc.summary;
  }

  /** The whole cache, every part checked; throws (saying what) when a part is damaged. Closes the file. */
  read(): CachedSource {
    const ahead = this.data;
    if (ahead) {
      this.data = undefined;
      return decodeBody(this.toc, ahead, this.walked);
    }
    const fd = this.handle.fd;
    if (fd === undefined) throw new Error(`the index cache ${this.file} was read already`);
    this.handle.fd = undefined;
    unloaded.unregister(this);
    try {
      // Its own ArrayBuffer, from byte 0: every section's offset is aligned for its view.
      const data = Buffer.allocUnsafeSlow(this.size);
      let done = 0;
      while (done < this.size) {
        const read = fsSync.readSync(fd, data, done, this.size - done, done);
        if (read === 0) throw new Damaged('it is shorter than when it was opened');
        done += read;
      }
      return decodeBody(this.toc, data, this.walked);
    } finally {
      fsSync.closeSync(fd);
    }
  }

  /**
   * read(), for an index that is being used: a damaged part deletes the cache file and throws
   * CacheDamagedError, so that the evidence is read again.
   */
  load(): CachedSource {
    try {
      return this.read();
    } catch (error) {
      fsSync.rmSync(this.file, { force: true });
      throw new CacheDamagedError(this.file, `the index cache is damaged or truncated (${error instanceof Error ? error.message : String(error)}); it was deleted`);
    }
  }

  /** Closes the file without reading it. */
  close(): void {
    const fd = this.handle.fd;
    if (fd === undefined) return;
    this.handle.fd = undefined;
    unloaded.unregister(this);
    fsSync.closeSync(fd);
  }
}

/**
 * The cache written for `identity`, its table of contents checked: its checksum, its format,
 * and that it was written for this key and these roots. `refused` (with the reason) for a file
 * that is there but must not be used; `miss` when there is none (or only one of an older
 * format). `walked`: the evidence files in key order (sorted by path). Unless `lazy`, the rest
 * is read and checked too before it is a hit; lazily, on OpenCache.load().
 */
export function readCache(cacheDir: string, identity: CacheIdentity, walked: readonly EvidenceFile[], options: { lazy?: boolean; readAhead?: ReadAhead } = {}): CacheLookup {
  const file = cacheFilePath(cacheDir, identity.key);
  const ahead = options.readAhead;
  if (ahead && ahead.file === file && ahead.data) {
    // Read while the evidence was walked: checked as a file opened now is, from those bytes.
    let lookup: CacheLookup;
    let value: CachedSource | undefined;
    try {
      lookup = openCache(file, ahead.data, identity, walked);
      if (lookup.kind === 'hit' && !options.lazy) value = lookup.cache.read();
    } catch (error) {
      const why = error instanceof Damaged ? `is damaged or truncated (${error.message})` : `cannot be decoded (${error instanceof Error ? error.message : String(error)})`;
      return { kind: 'refused', note: `the index cache ${file} ${why}; the evidence was read again` };
    }
    if (lookup.kind !== 'hit') return lookup;
    markUsed(file);
    return { kind: 'hit', cache: lookup.cache, value };
  }
  let fd: number;
  try {
    fd = fsSync.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'miss' } : { kind: 'refused', note: `the index cache ${file} cannot be read (${code ?? String(error)})` };
  }
  let open: OpenCache | undefined;
  let value: CachedSource | undefined;
  try {
    const lookup = openCache(file, fd, identity, walked);
    if (lookup.kind !== 'hit') return lookup;
    open = lookup.cache;
    if (!options.lazy) value = open.read();
  } catch (error) {
    const why = error instanceof Damaged ? `is damaged or truncated (${error.message})` : `cannot be decoded (${error instanceof Error ? error.message : String(error)})`;
    return { kind: 'refused', note: `the index cache ${file} ${why}; the evidence was read again` };
  } finally {
    if (!open) fsSync.closeSync(fd);
  }
  markUsed(file);
  return { kind: 'hit', cache: open, value };
}

/** Marks a cache file recently used, for pruning (the cache's own file: never evidence). */
function markUsed(file: string): void {
  const now = new Date();
  try {
    fsSync.utimesSync(file, now, now);
  } catch {
    // Pruning may then take it for an old one: it is only a cache.
  }
}

/**
 * The cache file `opened` (its descriptor, or all its bytes) if it is the one for `identity`:
 * its header and table of contents checked, what it was written for compared.
 */
function openCache(file: string, opened: number | Buffer, identity: CacheIdentity, walked: readonly EvidenceFile[]): CacheLookup {
  const refuse = (why: string): CacheLookup => ({ kind: 'refused', note: `the index cache ${file} ${why}; the evidence was read again` });
  const found = contentsAt(opened);
  if (found.kind !== 'contents') return found.kind === 'miss' ? { kind: 'miss' } : refuse(found.why);
  const { toc, size } = found;
  const written = toc.identity;
  if (toc.format !== CACHE_FORMAT) return refuse('is not an index cache of this version');
  if (written.key !== identity.key || written.files !== identity.files || !sameList(written.roots, identity.roots) || !sameList(written.realRoots, identity.realRoots)) {
    return refuse(`was written for other evidence (${(written.realRoots ?? []).join(', ') || 'unknown'}), not for ${identity.realRoots.join(', ')}`);
  }
  return { kind: 'hit', cache: new OpenCache(file, opened, size, toc, walked) };
}

type FoundContents = { kind: 'contents'; toc: Contents; size: number } | { kind: 'miss' } | { kind: 'refused'; why: string };

/**
 * The table of contents of the cache file `opened` (its descriptor, or all its bytes), its
 * checksum checked; `miss` for a cache of another format, `refused` (why) for a file that is
 * not one. Throws (Damaged) when the table of contents does not match its checksum.
 */
function contentsAt(opened: number | Buffer): FoundContents {
  const size = typeof opened === 'number' ? fsSync.fstatSync(opened).size : opened.length;
  let head: Buffer;
  if (typeof opened === 'number') {
    head = Buffer.allocUnsafe(Math.min(size, FIRST_READ));
    head = head.subarray(0, fsSync.readSync(opened, head, 0, head.length, 0));
  } else {
    head = opened;
  }
  // Caches before format 4 are a bare V8 serialisation (first byte 0xFF): outdated, not damaged.
  if (head.length > 0 && head[0] === 0xff) return { kind: 'miss' };
  if (head.length < HEADER_BYTES || !head.subarray(0, MAGIC.length).equals(MAGIC)) return { kind: 'refused', why: 'is not an index cache (damaged or truncated)' };
  if (head.readUInt32LE(MAGIC.length) !== CACHE_FORMAT) return { kind: 'miss' };
  const tocBytes = head.readUInt32LE(MAGIC.length + 4);
  const truncated: FoundContents = { kind: 'refused', why: 'is damaged or truncated (its table of contents runs past its end)' };
  if (HEADER_BYTES + tocBytes > size) return truncated;
  let tocData = head.subarray(HEADER_BYTES, HEADER_BYTES + tocBytes);
  if (tocData.length < tocBytes) {
    if (typeof opened !== 'number') return truncated;
    tocData = Buffer.allocUnsafe(tocBytes);
    if (fsSync.readSync(opened, tocData, 0, tocBytes, HEADER_BYTES) !== tocBytes) return truncated;
  }
  return { kind: 'contents', toc: contentsOf(head, tocData), size };
}

/** A cache file being read ahead (prefetchCache): its name, and all its bytes once read (undefined if they could not be). */
export interface ReadAhead {
  file: string;
  /** The key its table of contents names. */
  key: string;
  data?: Buffer;
}

/** Cache files whose table of contents prefetchCache reads, most recently used first, looking for the roots' one. */
const PREFETCH_CANDIDATES = 4;

/**
 * Starts reading, on the thread pool, the cache file most recently used for these roots
 * (`cacheRoots`), while the caller walks the evidence on its own thread: for a caller that
 * will use the index, not only the summary. Nothing is trusted here: readCache takes the bytes
 * only when the walk's key is the one they were written for, and checks them as it checks a
 * file it opens (every part by its checksum before use). Resolves to undefined when no cache
 * file there names these roots, or it cannot be read.
 */
export async function prefetchCache(cacheDir: string, roots: Pick<CacheIdentity, 'roots' | 'realRoots'>): Promise<ReadAhead | undefined> {
  let names: string[];
  try {
    names = fsSync.readdirSync(cacheDir).filter((n) => n.endsWith('.idx'));
  } catch {
    return undefined;
  }
  const candidates = names
    .map((name) => {
      const file = path.join(cacheDir, name);
      try {
        return { file, used: fsSync.statSync(file).mtimeMs };
      } catch {
        return { file, used: -1 };
      }
    })
    .filter((c) => c.used >= 0)
    .sort((a, b) => b.used - a.used)
    .slice(0, PREFETCH_CANDIDATES);
  for (const { file } of candidates) {
    let fd: number;
    try {
      fd = fsSync.openSync(file, 'r');
    } catch {
      continue;
    }
    let toc: Contents | undefined;
    let size = 0;
    try {
      const found = contentsAt(fd);
      if (found.kind === 'contents' && found.toc.format === CACHE_FORMAT && sameList(found.toc.identity?.roots, roots.roots) && sameList(found.toc.identity?.realRoots, roots.realRoots)) {
        toc = found.toc;
        size = found.size;
      }
    } catch {
      // Damaged: readCache says so if it is the one.
    }
    if (!toc) {
      fsSync.closeSync(fd);
      continue;
    }
    const key = toc.identity.key;
    try {
      return { file, key, data: await readWhole(fd, size) };
    } catch {
      return { file, key };
    } finally {
      fsSync.closeSync(fd);
    }
  }
  return undefined;
}

/** All `size` bytes of the file open as `fd`, read on the thread pool into a buffer of their own (sections are aligned from byte 0). */
async function readWhole(fd: number, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafeSlow(size);
  let done = 0;
  while (done < size) {
    const read = await new Promise<number>((resolve, reject) => fsSync.read(fd, data, done, size - done, done, (error, bytes) => (error ? reject(error) : resolve(bytes))));
    if (read === 0) throw new Damaged('it is shorter than its size');
    done += read;
  }
  return data;
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Writes the cache of `value`. `walked`: the evidence files of its key (the batch files are
 * stored as places among them); `summary`: what a reopen into an empty index reports.
 */
export async function writeCache(cacheDir: string, value: CachedSource, walked: readonly EvidenceFile[], summary?: CachedSummary): Promise<void> {
  await fs.mkdir(cacheDir, { recursive: true });
  const target = cacheFilePath(cacheDir, value.identity.key);
  const temporary = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temporary, encodeCache(value, [...walked].sort(byPath), summary));
  await fs.rename(temporary, target);
  await pruneCache(cacheDir, MAX_CACHE_FILES);
}

/** Deletes a cache file (its contents were found not to match the evidence). */
export function discardCacheSync(cacheDir: string, key: string): void {
  try {
    fsSync.rmSync(cacheFilePath(cacheDir, key), { force: true });
  } catch {
    // Nothing to do: a cache that cannot be removed is still checked on its next use.
  }
}

/** Deletes the least recently used cache files beyond `keep` (only `*.idx` files: the folder may be shared). */
export async function pruneCache(cacheDir: string, keep: number): Promise<void> {
  const names = (await fs.readdir(cacheDir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'));
  if (names.length <= keep) return;
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = path.join(cacheDir, name);
      const stat = await fs.stat(file).catch(() => undefined);
      return { file, used: stat?.mtimeMs ?? 0 };
    }),
  );
  entries.sort((a, b) => b.used - a.used);
  await Promise.all(entries.slice(keep).map((e) => fs.rm(e.file, { force: true })));
}
