/**
 * The columnar event index: one compact column per pivot field, strings interned once,
 * posting lists derived from the columns on first use, and the raw event left in its
 * file until someone asks for it.
 */
import { EventId, EventIndexApi, EventRow, Histogram, Selection, ValueCount } from './api';
import { IdentityType, JsonObject } from '../model/event';
import { RawRecord } from '../model/raw-record';
import { FileFormat, RecordLocation } from '../sources/types';
import { BatchFile, DICT_FIELDS, DictionaryRecoder, EventBatch, dictFieldValue } from './batch';
import { normalizeEvent } from '../model/normalize';
import { RecordChangedError } from './read-back';
import { BlockDeltaColumn, CodeColumn, CompactNumberColumn, FileSeenColumn, HashColumn, RunColumn, StringDictionary, UniqueIdColumn, stringHash } from './columns';
import { PivotField } from './fields';
import { EMPTY, range } from './selection';
import { RecordHashes } from './lazy-hash';
import { TimeColumn, TimeReader } from './time-column';
import { fileDigestSync } from '../sources/read';
import { compareText } from '../model/text-order';

/** insightDetails.state (Start, End) and insightType of an Insights record, '' when absent. */
export interface InsightOfEvent {
  state: string;
  type: string;
}

export interface IndexedFile extends BatchFile {
  sourceCode: number;
}

interface Postings {
  /** ids of value code c are ids[offsets[c] .. offsets[c+1]) */
  offsets: Int32Array;
  ids: Int32Array;
}

/** The problems of every file that has none: one array (frozen, as nothing adds to a file's problems once indexed), not one per file. */
const NO_PROBLEMS = Object.freeze([]) as unknown as BatchFile['problems'];

/**
 * Anything else a batch's file carries, as a spread copied it, except what the reader saw (kept
 * only while events arrive). Once a file: the keys every file has are passed over without a
 * lookup in `out`, and no array of keys is made (about a microsecond a file, cold).
 */
function copyOtherKeys(file: BatchFile, out: IndexedFile): void {
  for (const key in file) {
    switch (key) {
      case 'path':
      case 'size':
      case 'mtimeMs':
      case 'records':
      case 'problems':
      case 'seen':
        continue;
    }
    if (Object.prototype.hasOwnProperty.call(file, key) && !(key in out)) (out as unknown as Record<string, unknown>)[key] = (file as unknown as Record<string, unknown>)[key];
  }
}

function problemsOf(file: BatchFile): BatchFile['problems'] {
  return file.problems.length === 0 ? NO_PROBLEMS : file.problems;
}

const DICT_INDEX = new Map<string, number>(DICT_FIELDS.map((f, i) => [f, i]));
const NAME_FIELD = DICT_INDEX.get('eventName')!;

/**
 * What the index knows of a file that helps read its records back: `everyItemAnEvent`, no
 * problem was found in it when it was read (so every item of its Records array was an event,
 * and record n is item n).
 */
export interface FetchHint {
  everyItemAnEvent?: boolean;
  /** The records the reader found in the file (where it was read in one part): how far into it record n is, roughly. */
  records?: number;
  /**
   * Where each location's record is in the file's content, when the index knows (EventBatch.spans,
   * from a cache): [start, end) of location i at 2i, 2i + 1; 0, 0 where not known.
   */
  spans?: number[];
}

/** Reads records back from their files (the readers' readRecordsAt, or an in-memory store in tests). */
export type RecordFetcher = (path: string, format: FileFormat, locations: RecordLocation[], hint?: FetchHint) => Promise<JsonObject[]>;

/** Reads records back with their JSON text (the readers' readRawRecordsAt). */
export type RawRecordFetcher = (path: string, format: FileFormat, locations: RecordLocation[], hint?: FetchHint) => Promise<RawRecord[]>;

/** A batch's files one at a time (a cache's: EventIndex.adopt makes only those a query reaches into the index's entries). */
export interface FileTable {
  readonly length: number;
  /** File `i` of the batch (a new object each call). */
  at(i: number): BatchFile;
}

/**
 * What the reader of a cache knows of a batch without reading all of its arrays (cache.ts):
 * EventIndex.adopt takes these instead of the arrays they stand for (into an empty index,
 * every row kept). Each is what the batch's own arrays hold; the batch still answers for
 * them (its arrays made on first use), for a merge.
 */
export interface BatchFacts {
  /** Every content hash is negative (CONTENT_HASH_LATER): batch.contentHash is not read. */
  hashesLater?: boolean;
  /** Every record length is 0 (records located by ordinal): batch.length is not read. */
  lengthsZero?: boolean;
  /** The one kind (ID_UUID, ...) of every eventID / requestID: their kinds are not read. */
  eventIdKind?: number;
  requestIdKind?: number;
  /** batch.offset's values, all whole numbers from 0 to 0x7fffffff, in the narrowest array that holds them. */
  offsets?: Uint8Array | Uint16Array | Int32Array;
  /** batch.fileOf's values in the narrowest array that holds them. */
  fileOf?: Uint8Array | Uint16Array | Int32Array;
  /** The rows' time range and how many have no time (NaN): the times are not scanned. */
  times?: { first: number; last: number; withoutTime: number };
  /**
   * batch.time's values in TimeColumn's compact form (whole seconds since 1970 plus one, 0:
   * none), one for every batch row: batch.time is not read.
   */
  storedTimes?: Uint32Array;
  /** The batch's files one at a time, none of them formatless: batch.files is not read. */
  files?: FileTable;
}

/** Conflicts listed per merge (the count is exact; the list is for the report). */
export const MAX_CONFLICTS_LISTED = 100;

export interface MergeResult {
  added: number;
  /** Records dropped as a re-delivery of one already held: same eventID, time, name and content. */
  duplicates: number;
  /** Records kept although an earlier one has the same eventID: their content differs. */
  conflicts: number;
  /** [earlier, this] event ids of every conflict (the summary lists MAX_CONFLICTS_LISTED of them). */
  conflictPairs: [EventId, EventId][];
  /**
   * [event id, batch row] of each duplicate found earlier in place order than the copy held
   * (of the same source): the held event now has that row's place (file, offset, length,
   * content hash), and the row (dropped) the place it had. Whichever order one source's copies
   * arrive in, the copy kept is the one whose file comes first by path.
   */
  relocated: [EventId, number][];
  withoutTime: number;
  first: number;
  last: number;
}

/**
 * What merge() did with a batch merged into an empty index: the batch rows it dropped as
 * duplicates (ascending), how many conflicts it counted, and the listed ones as [earlier, this]
 * event ids. Kept with the batch in the cache, so that a reopen need not probe every event again.
 */
export interface KnownMerge {
  dropped: number[];
  conflicts: number;
  conflictPairs: [EventId, EventId][];
}

/** The remap (DictionaryRecoder.recode) of a dictionary of `length` values into one that took them with their codes. */
function identityRemap(length: number): { remap: Int32Array; largest: number } {
  const remap = new Int32Array(length);
  for (let c = 0; c < length; c++) remap[c] = c;
  return { remap, largest: length - 1 };
}

/** Whether remap maps each of the first `length` codes to itself. */
function isIdentity(remap: Int32Array, length: number): boolean {
  for (let c = 0; c < length; c++) if (remap[c] !== c) return false;
  return true;
}

/** Whether `known` can describe a merge of a batch of `count` rows (ascending, in range, counts consistent). */
function fitsBatch(known: KnownMerge, count: number): boolean {
  if (!known || !Array.isArray(known.dropped) || !Array.isArray(known.conflictPairs) || !Number.isSafeInteger(known.conflicts)) return false;
  let previous = -1;
  for (const row of known.dropped) {
    if (!Number.isSafeInteger(row) || row <= previous || row >= count) return false;
    previous = row;
  }
  const kept = count - known.dropped.length;
  if (known.conflicts < known.conflictPairs.length || known.conflictPairs.length > MAX_CONFLICTS_LISTED) return false;
  return known.conflictPairs.every(
    (pair) => Array.isArray(pair) && pair.length === 2 && pair.every((id) => Number.isSafeInteger(id) && id >= 0 && id < kept) && pair[0] < pair[1],
  );
}

/**
 * An open-addressing table of event ids (a slot holds id + 1), placed by `hash`; `same` tells
 * whether two events are one for this table. Linear probing stays short up to a 3/4 load.
 */
class IdTable {
  private slots = new Int32Array(1 << 12);
  private count = 0;

  constructor(
    private readonly hash: (id: number) => number,
    private readonly same: (a: number, b: number) => boolean,
  ) {}

  /** An event entered that is the same as `id`, or -1. */
  find(id: number): number {
    const mask = this.slots.length - 1;
    for (let slot = (this.hash(id) >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      if (entry !== id + 1 && this.same(entry - 1, id)) return entry - 1;
    }
  }

  /** Enters `id` unless it is entered. */
  enter(id: number): void {
    const mask = this.slots.length - 1;
    for (let slot = (this.hash(id) >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === id + 1) return;
      if (entry === 0) {
        this.slots[slot] = id + 1;
        if (++this.count * 4 > this.slots.length * 3) this.grow();
        return;
      }
    }
  }

  /** Empties the table (its slots are allocated again, small, when events come). */
  release(): void {
    this.slots = new Int32Array(1 << 12);
    this.count = 0;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let slot = (this.hash(entry - 1) >>> 0) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry;
    }
  }
}

export class EventIndex implements EventIndexApi {
  /**
   * Each file's entry, by file number. Those of a batch adopted with a FileTable are holes until
   * first used (file()): a pivot on a reopened index of thousands of files reaches a few.
   */
  private fileList: IndexedFile[] = [];
  /** The table the holes of fileList are made from, and their source. */
  private adoptedFiles?: { table: FileTable; sourceCode: number };
  readonly sources = new StringDictionary();
  private readonly dicts = DICT_FIELDS.map(() => new StringDictionary());
  private readonly codes = DICT_FIELDS.map(() => new CodeColumn());
  /** Each event's time: whole seconds in four bytes while every time is one (TimeColumn). */
  private readonly times = new TimeColumn();
  /**
   * The hash each record's reader gave: its content hash (content-hash.ts, never negative),
   * or for a trail scanned from bytes CONTENT_HASH_LATER (negative; a cache written before
   * holds older negative values, which mean the same), the content hash then computed only
   * when needed (canonicalHash).
   */
  private readonly contentHashes = new HashColumn();
  /** Content hashes the readers left to be computed when a second record with an eventID comes. */
  private readonly recordHashes = new RecordHashes();
  /** Each event's file: a file's events come together, so one entry a run of them. */
  private readonly fileOf = new RunColumn();
  private readonly offsets = new CompactNumberColumn();
  private readonly lengths = new CompactNumberColumn();
  private readonly resourceDict = new StringDictionary();
  private readonly recoders = this.dicts.map((dict) => new DictionaryRecoder((value) => dict.code(value)));
  private readonly resourceRecoder = new DictionaryRecoder((value) => this.resourceDict.code(value));
  /** Where each event's resources start in resourceCodes (one more entry than events): mostly one byte an event. */
  private readonly resourceStart = new BlockDeltaColumn();
  private readonly resourceCodes = new CodeColumn();
  private readonly eventIds = new UniqueIdColumn();
  private readonly requestIds = new UniqueIdColumn();
  private readonly sharedEventIds = new Map<number, string>();
  /** CloudTrail Insights records: insightDetails.state and insightType, by event id (sparse: they are rare). */
  private readonly insights = new Map<number, InsightOfEvent>();
  /** Parts of large files whose format arrives with their last part. */
  private readonly formatless = new Map<string, number[]>();
  /** One object for each distinct file layout (account, region, day): files share it. */
  private readonly layouts = new Map<string, NonNullable<BatchFile['layout']>>();
  /**
   * The shared layout each layout object given stands for. By object, not only the last one: the
   * files of one folder come with one layout object (the walk's), but in the order the workers
   * parsed them (largest first), folders interleaved; looking each up by its text cost ~1 µs a
   * file (~8 ms over the 8,060 files of a reopened trail).
   */
  private readonly sharedLayouts = new WeakMap<object, NonNullable<BatchFile['layout']>>();
  /**
   * Events whose eventID another event has, by (eventID, time, name, and the content hash their
   * reader gave, or for a record the trail scanner left unhashed, its place: file CRC, ordinal):
   * a match is a duplicate. The same place in files of the same SHA-256 is the same bytes (the
   * same files loaded twice: read again, but not inflated or parsed).
   */
  private readonly byBytes = new IdTable(
    (id) => this.sameKey(id) ^ Math.imul(this.bytesKey(id), 0xc2b2ae35),
    (a, b) => this.contentHashes.get(a) === this.contentHashes.get(b) && this.sameEvent(a, b) && this.sameBytes(a, b),
  );
  /**
   * What the readers found of each file when they opened it (by file number): the identity a
   * re-read must find again, and the CRC that says which files may be the same bytes.
   */
  private readonly seenFiles = new FileSeenColumn();
  /** Digests of files read again to confirm the same bytes (fileDigest), by file number. */
  private readonly fileDigests = new Map<number, string | null>();
  /**
   * The same events by content hash (content-hash.ts), entered once a record with their
   * eventID is not found by its bytes: a match is a duplicate too (the same event pretty-
   * printed, a JSON line, an Event history copy).
   */
  private readonly byContent = new IdTable(
    (id) => this.sameKey(id) ^ Math.imul(this.canonicalHash(id), 0xc2b2ae35),
    (a, b) => this.canonicalHash(a) === this.canonicalHash(b) && this.sameEvent(a, b),
  );
  /** Content hashes computed on demand for events whose reader gave a hash of their bytes. */
  private readonly canonical = new Map<number, number>();
  /** During merge(): where the batch's events are (the columns hold the others). */
  private locatedInBatch: ((id: number) => [file: number, offset: number, length: number]) | undefined;
  /**
   * The first event of each eventID: a match that is not a duplicate is a conflict. Only the
   * first is entered, so one eventID on a million different records is one probe each, not a
   * run that grows with them.
   */
  private firstSlots = new Int32Array(1 << 12);
  private firstCount = 0;
  /** Both tables are dropped once a load is over (trim) and rebuilt from the columns when events arrive again. */
  private dedupReleased = false;
  private count = 0;
  private postingsCache = new Map<string, Postings>();
  /**
   * Dictionary fields whose postings were asked for once since the index last changed, and
   * answered by a scan of their column (postingsOf): the postings of every value are built on
   * the second ask. A one-shot pivot (the CLI's) then costs one pass over one column, not a
   * counting sort of it.
   */
  private readonly scannedFields = new Set<string>();
  /** EventBatch.spans of the events a cache's batch was adopted as (by id), for reading them back: only then (from the cache file's bytes, no copy). */
  private contentSpans?: Uint32Array;
  private timeOrder?: Int32Array;
  private allIds?: Int32Array;
  /** Bumped on every change; caches compare against it. */
  version = 0;

  /**
   * @param fetchRecords reads records back from their files
   * @param fetchRawRecords reads them back with their text; without it, the text is the event serialised
   * @param onRecordChanged is told (before the error is thrown) when a record read back from a
   *   file is not what the index holds for it, or cannot be found again
   */
  constructor(
    private readonly fetchRecords: RecordFetcher,
    private readonly fetchRawRecords: RawRecordFetcher = async (path, format, locations) => (await fetchRecords(path, format, locations)).map((event) => new RawRecord(event)),
    private readonly onRecordChanged?: (file: IndexedFile) => void,
  ) {
    this.resourceStart.push(0);
  }

  get size(): number {
    return this.count;
  }

  /** Every file's entry, by file number. */
  get files(): IndexedFile[] {
    const adopted = this.adoptedFiles;
    if (adopted) {
      for (let i = 0; i < adopted.table.length; i++) this.file(i);
      this.adoptedFiles = undefined;
    }
    return this.fileList;
  }

  /** The source code of file `i` (without making its entry). */
  private sourceOfFile(i: number): number {
    return (this.fileList[i] ?? (this.adoptedFiles && i >= 0 && i < this.adoptedFiles.table.length ? this.adoptedFiles : this.file(i))).sourceCode;
  }

  /** File `i`'s entry (made on first use when it came from an adopted FileTable). */
  private file(i: number): IndexedFile {
    const known = this.fileList[i];
    if (known !== undefined) return known;
    const adopted = this.adoptedFiles;
    if (!adopted || i < 0 || i >= adopted.table.length) throw new RangeError(`no file ${i}`);
    return (this.fileList[i] = this.indexedFile(adopted.table.at(i), adopted.sourceCode));
  }

  /**
   * Adds a batch from a worker, the cache or a live fetch. A record identical to one held
   * (same eventID, time, name and content hash) is dropped and counted as a duplicate; one
   * whose eventID is held by a record of other content is kept and counted as a conflict.
   */
  merge(batch: EventBatch, sourceCode: number, dropped?: number[]): MergeResult {
    this.restoreDedup(batch.count);
    const fileBase = this.addFiles(batch, sourceCode);
    const remaps = batch.dicts.map((values, f) => this.recoders[f].recode(values));
    const resourceRemap = this.resourceRecoder.recode(batch.resourceDict).remap;
    const nameField = DICT_INDEX.get('eventName')!;
    const nameRemap = remaps[nameField].remap;
    const nameCodes = batch.codes[nameField];
    const idTexts = new Map(batch.eventIds.texts);
    const requestTexts = new Map(batch.requestIds.texts);
    const sharedByIndex = new Map(batch.sharedEventIds);
    const insightByIndex = new Map((batch.insights ?? []).map(([index, state, type]) => [index, { state, type }]));

    // Row-wise: the columns de-duplication compares (event id, time, name, content), dropping repeats.
    const result: MergeResult = { added: 0, duplicates: 0, conflicts: 0, conflictPairs: [], relocated: [], withoutTime: 0, first: Infinity, last: -Infinity };
    const kept = new Int32Array(batch.count);
    const base = this.count;
    const nameColumn = this.codes[nameField];
    // Where an event of this batch is, for its content hash (the columns hold those merged before).
    let rowOfNext = 0;
    this.locatedInBatch = (id) => {
      const row = id - base < result.added ? kept[id - base] : rowOfNext;
      return [fileBase + batch.fileOf[row], batch.offset[row], batch.length[row]];
    };
    for (let i = 0; i < batch.count; i++) {
      const id = base + result.added;
      rowOfNext = i;
      const time = batch.time[i];
      this.eventIds.pushPacked(batch.eventIds, i, idTexts.get(i));
      this.times.push(time);
      nameColumn.push(nameRemap[nameCodes[i]]);
      this.contentHashes.push(batch.contentHash[i]);
      if (batch.eventIds.kinds[i] !== 0) {
        // Most eventIDs are met once: only a record whose eventID is held already is compared.
        const first = this.firstWithSameId(id);
        if (first >= 0) {
          // The same bytes (the commonest re-delivery) are found by the hashes the readers
          // gave; anything else is compared by content, hashed now where it was not.
          this.byBytes.enter(first);
          let held = this.byBytes.find(id);
          if (held < 0) {
            this.byContent.enter(first);
            held = this.byContent.find(id);
          }
          if (held >= 0) {
            this.eventIds.truncate(id);
            this.times.truncate(id);
            nameColumn.truncate(id);
            this.contentHashes.truncate(id);
            this.canonical.delete(id);
            result.duplicates++;
            dropped?.push(i);
            if (this.movedToEarlierCopy(held, batch, i, sourceCode, fileBase, base, kept)) result.relocated.push([held, i]);
            continue;
          }
          this.byBytes.enter(id);
          this.byContent.enter(id);
          result.conflicts++;
          result.conflictPairs.push([first, id]);
        }
      }
      kept[result.added++] = i;
      if (Number.isNaN(time)) result.withoutTime++;
      else {
        if (time < result.first) result.first = time;
        if (time > result.last) result.last = time;
      }
    }
    const rows = kept.subarray(0, result.added);

    // Column-wise: everything else.
    for (let f = 0; f < DICT_FIELDS.length; f++) {
      if (f !== nameField) this.codes[f].appendMapped(batch.codes[f], remaps[f].remap, remaps[f].largest, rows);
    }
    this.appendKeptRows(batch, rows, fileBase, resourceRemap);
    for (let r = 0; r < rows.length; r++) this.requestIds.pushPacked(batch.requestIds, rows[r], requestTexts.size > 0 ? requestTexts.get(rows[r]) : undefined);
    if (sharedByIndex.size > 0 || insightByIndex.size > 0) {
      for (let r = 0; r < rows.length; r++) {
        const shared = sharedByIndex.get(rows[r]);
        if (shared !== undefined) this.sharedEventIds.set(base + r, shared);
        const insight = insightByIndex.get(rows[r]);
        if (insight !== undefined) this.insights.set(base + r, insight);
      }
    }
    this.count += result.added;
    this.locatedInBatch = undefined;
    if (batch.count > 0 || batch.files.length > 0) this.changed();
    return result;
  }

  /**
   * During merge(): gives event `held` the place of batch row `row`, a copy of it (a duplicate),
   * when the row's file comes first by path and is of the same source; whether it did. `kept`:
   * the batch rows merge() keeps so far, from event id `base` on (whose columns are copied
   * from those rows after its loop).
   */
  private movedToEarlierCopy(held: EventId, batch: EventBatch, row: number, sourceCode: number, fileBase: number, base: number, kept: Int32Array): boolean {
    const heldFile = this.whereIs(held)[0];
    if (this.sourceOfFile(heldFile) !== sourceCode || compareText(batch.files[batch.fileOf[row]].path, this.file(heldFile).path) >= 0) return false;
    if (held >= base) {
      kept[held - base] = row;
    } else {
      this.fileOf.set(held, fileBase + batch.fileOf[row]);
      this.offsets.set(held, batch.offset[row]);
      this.lengths.set(held, batch.length[row]);
    }
    this.contentHashes.set(held, batch.contentHash[row]);
    // Placed again by its new place's key (a key of the old one only misses, and byContent finds it).
    this.byBytes.enter(held);
    return true;
  }

  /**
   * The index's entry for a batch's file: the file's properties and its source. Built in one
   * order (a spread gave nearly every one of tens of thousands of files a hidden class of its
   * own, about 400 bytes each), with equal layouts shared (four strings a file otherwise).
   */
  private indexedFile(file: BatchFile, sourceCode: number): IndexedFile {
    let layout = file.layout;
    if (layout !== undefined) {
      // The files of one folder come with one layout object (the walk's): looked up once.
      const known = this.sharedLayouts.get(layout);
      if (known !== undefined) layout = known;
      else {
        const key = JSON.stringify(layout);
        const shared = this.layouts.get(key) ?? layout;
        if (shared === layout) this.layouts.set(key, layout);
        this.sharedLayouts.set(layout, shared);
        layout = shared;
      }
    }
    // The common case in one literal: properties added after it would go to a separate array.
    const out: IndexedFile =
      layout !== undefined && file.format !== undefined
        ? { path: file.path, size: file.size, mtimeMs: file.mtimeMs, layout, records: file.records, problems: problemsOf(file), format: file.format, sourceCode }
        : { path: file.path, size: file.size, mtimeMs: file.mtimeMs, records: file.records, problems: problemsOf(file), sourceCode };
    if (file.format !== undefined) out.format = file.format;
    if (layout !== undefined) out.layout = layout;
    if (file.continuation !== undefined) out.continuation = file.continuation;
    copyOtherKeys(file, out);
    return out;
  }

  /** Appends a batch's files (a large file's earlier parts get its format once its last part comes); returns the first one's index. */
  private addFiles(batch: EventBatch, sourceCode: number): number {
    const fileBase = this.fileList.length;
    for (const file of batch.files) {
      this.fileList.push(this.indexedFile(file, sourceCode));
      if (file.seen) this.seenFiles.set(this.fileList.length - 1, file.seen);
      // A large file's format is known only once it is read to the end: fill in its earlier parts.
      if (!file.format) {
        const pending = this.formatless.get(file.path);
        if (pending) pending.push(this.fileList.length - 1);
        else this.formatless.set(file.path, [this.fileList.length - 1]);
      } else if (this.formatless.size > 0) {
        for (const f of this.formatless.get(file.path) ?? []) this.file(f).format = file.format;
        this.formatless.delete(file.path);
      }
    }
    return fileBase;
  }

  /**
   * Loads a batch into this index while it is still empty, given what merge() found when the
   * same batch was merged into an empty index before (the cache keeps it): the rows it dropped
   * as duplicates and the conflicts it reported. The columns are copied column by column, with
   * no de-duplication probe per event, and the result is the one merge() would return.
   * Undefined (nothing changed) when the index is not empty or `known` does not fit the batch:
   * then merge() is the way. `facts`: what a cache's reader knows of the batch (BatchFacts),
   * taken instead of the arrays they stand for when every row is kept.
   */
  adopt(batch: EventBatch, sourceCode: number, known: KnownMerge, facts?: BatchFacts): MergeResult | undefined {
    if (this.count !== 0 || this.fileList.length !== 0 || !fitsBatch(known, batch.count)) return undefined;
    const keptCount = batch.count - known.dropped.length;
    const every = known.dropped.length === 0 ? facts : undefined;
    if (every?.files) {
      // Each file's entry made on first use (file()): holes until then.
      this.fileList = new Array<IndexedFile>(every.files.length);
      this.adoptedFiles = { table: every.files, sourceCode };
    } else {
      this.addFiles(batch, sourceCode);
    }
    // The dictionaries of an empty index take the batch's values with their codes (EventBatch
    // dictionaries hold each value once): no code looked up before a query asks for one.
    // Undefined where a dictionary took them so (then the batch's codes are the index's).
    const remaps = batch.dicts.map((values, f) => (this.dicts[f].adoptValues(values) ? undefined : this.recoders[f].recode(values)));
    const resourcesAdopted = this.resourceDict.adoptValues(batch.resourceDict);
    const resources = resourcesAdopted ? identityRemap(batch.resourceDict.length) : this.resourceRecoder.recode(batch.resourceDict);
    /** The new id of each batch row that is kept (only needed when some are dropped). */
    let idOf: Int32Array | undefined;
    if (known.dropped.length === 0) {
      // Every row kept, and (the dictionaries of an empty index take the batch's codes as they
      // are) every code: the columns take the batch's arrays themselves, no copy (from the
      // cache they are views of the file's bytes).
      for (let f = 0; f < DICT_FIELDS.length; f++) {
        const recoded = remaps[f];
        if (!recoded || isIdentity(recoded.remap, batch.dicts[f].length)) this.codes[f].adopt(batch.codes[f]);
        else this.codes[f].appendMapped(batch.codes[f], recoded.remap, recoded.largest, range(batch.count));
      }
      if (facts?.storedTimes) this.times.adoptStored(facts.storedTimes);
      else this.times.adopt(batch.time);
      if (every?.hashesLater) this.contentHashes.adoptLater(batch.count);
      else this.contentHashes.adopt(batch.contentHash);
      this.fileOf.adopt(every?.fileOf ?? batch.fileOf);
      if (every?.offsets) this.offsets.adoptCodes(every.offsets);
      else this.offsets.adopt(batch.offset);
      if (every?.lengthsZero) this.lengths.adoptZeros(batch.count);
      else this.lengths.adopt(batch.length);
      this.eventIds.adopt(batch.eventIds, batch.count, every?.eventIdKind);
      this.requestIds.adopt(batch.requestIds, batch.count, every?.requestIdKind);
      this.contentSpans = spansOf(batch, undefined);
      if ((resourcesAdopted || isIdentity(resources.remap, batch.resourceDict.length)) && batch.resourceStart[0] === 0) {
        // Event i's resources end where the batch's do (the index held none before).
        this.resourceCodes.adopt(batch.resourceCodes.subarray(0, batch.resourceStart[batch.count]));
        this.resourceStart.truncate(0);
        this.resourceStart.adopt(new Uint32Array(batch.resourceStart.buffer, batch.resourceStart.byteOffset, batch.count + 1));
      } else {
        this.appendResources(batch, range(batch.count), resources.remap);
      }
    } else {
      const rows = new Int32Array(keptCount);
      idOf = new Int32Array(batch.count).fill(-1);
      let d = 0;
      let n = 0;
      for (let i = 0; i < batch.count; i++) {
        if (d < known.dropped.length && known.dropped[d] === i) d++;
        else {
          idOf[i] = n;
          rows[n++] = i;
        }
      }
      this.reserveColumns(keptCount);
      for (let f = 0; f < DICT_FIELDS.length; f++) {
        const { remap, largest } = remaps[f] ?? identityRemap(batch.dicts[f].length);
        this.codes[f].appendMapped(batch.codes[f], remap, largest, rows);
      }
      if (facts?.storedTimes) this.times.appendStoredRows(facts.storedTimes, rows);
      else this.times.appendRows(batch.time, rows);
      this.contentHashes.appendRows(batch.contentHash, rows);
      this.fileOf.appendRows(batch.fileOf, rows);
      this.offsets.appendRows(batch.offset, rows);
      this.lengths.appendRows(batch.length, rows);
      this.eventIds.appendRows(batch.eventIds, rows, idOf);
      this.requestIds.appendRows(batch.requestIds, rows, idOf);
      this.appendResources(batch, rows, resources.remap);
      this.contentSpans = spansOf(batch, rows);
    }
    const newId = (i: number) => (idOf ? idOf[i] : i);
    for (const [i, shared] of batch.sharedEventIds) if (newId(i) >= 0) this.sharedEventIds.set(newId(i), shared);
    for (const [i, state, type] of batch.insights ?? []) if (newId(i) >= 0) this.insights.set(newId(i), { state, type });

    const result: MergeResult = { added: keptCount, duplicates: known.dropped.length, conflicts: known.conflicts, conflictPairs: known.conflictPairs.map(([a, b]) => [a, b]), relocated: [], withoutTime: 0, first: Infinity, last: -Infinity };
    if (every?.times) {
      result.withoutTime = every.times.withoutTime;
      result.first = every.times.first;
      result.last = every.times.last;
    } else {
      const times = this.times;
      for (let id = 0; id < keptCount; id++) {
        const time = times.get(id);
        if (Number.isNaN(time)) result.withoutTime++;
        else {
          if (time < result.first) result.first = time;
          if (time > result.last) result.last = time;
        }
      }
    }
    this.count = keptCount;
    // The de-duplication tables are built from the columns if events arrive after this.
    this.byBytes.release();
    this.byContent.release();
    this.firstSlots = new Int32Array(0);
    this.firstCount = 0;
    this.dedupReleased = true;
    if (batch.count > 0 || (every?.files ?? batch.files).length > 0) this.changed();
    return result;
  }

  /**
   * The file, place and resources of each batch row in `rows` (the rows a merge keeps), a
   * column at a time: a cold process (the CLI on a few thousand small files merges a handful of
   * batches) runs a short loop optimised long before it would one loop doing it all.
   */
  private appendKeptRows(batch: EventBatch, rows: Int32Array, fileBase: number, resourceRemap: Int32Array): void {
    const fileOf = batch.fileOf;
    for (let r = 0; r < rows.length; r++) this.fileOf.push(fileBase + fileOf[rows[r]]);
    this.offsets.appendRows(batch.offset, rows);
    this.lengths.appendRows(batch.length, rows);
    this.appendResources(batch, rows, resourceRemap);
  }

  /** Appends the resources of each batch row in `rows`, re-coded through `remap`. */
  private appendResources(batch: EventBatch, rows: Int32Array, remap: Int32Array): void {
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      for (let k = batch.resourceStart[i]; k < batch.resourceStart[i + 1]; k++) this.resourceCodes.push(remap[batch.resourceCodes[k]]);
      this.resourceStart.push(this.resourceCodes.size);
    }
  }

  /**
   * Makes room for `extra` more events at once. Growing by doubling would leave a trail of
   * freed copies that the allocator keeps as resident memory.
   */
  reserve(extra: number): void {
    this.restoreDedup(extra);
    const capacity = this.count + extra;
    this.reserveColumns(extra);
    let slots = this.firstSlots.length;
    while (slots * 3 < capacity * 4) slots *= 2;
    // The tables by hash hold only events whose eventID another has: they grow as they come.
    if (slots > this.firstSlots.length) this.firstSlots = this.resized(this.firstSlots, slots, this.firstHash);
  }

  private reserveColumns(extra: number): void {
    const capacity = this.count + extra;
    for (const column of this.codes) column.reserve(capacity);
    this.times.reserve(capacity);
    this.contentHashes.reserve(capacity);
    this.fileOf.reserve(capacity);
    this.offsets.reserve(capacity);
    this.lengths.reserve(capacity);
    this.resourceStart.reserve(capacity + 1);
    this.eventIds.reserve(capacity);
    this.requestIds.reserve(capacity);
  }

  /** Releases spare capacity after a load. */
  trim(): void {
    for (const column of this.codes) column.trim();
    this.times.trim();
    this.contentHashes.trim();
    this.fileOf.trim();
    this.offsets.trim();
    this.lengths.trim();
    this.resourceStart.trim();
    this.resourceCodes.trim();
    this.eventIds.trim();
    this.requestIds.trim();
    // Four bytes a slot for every event in each table, needed only while events arrive.
    this.byBytes.release();
    this.byContent.release();
    this.firstSlots = new Int32Array(0);
    this.firstCount = 0;
    this.dedupReleased = true;
    this.recordHashes.clear();
  }

  private restoreDedup(extra: number): void {
    if (!this.dedupReleased) return;
    this.dedupReleased = false;
    let slots = 1 << 12;
    while (slots * 3 < (this.count + extra) * 4) slots *= 2;
    this.byBytes.release();
    this.byContent.release();
    this.firstSlots = new Int32Array(slots);
    for (let id = 0; id < this.count; id++) {
      // As merge() does: only events with an id take part, and only those whose id another
      // event has are entered by hash (every event held is unique by content).
      if (!this.eventIds.isPresent(id)) continue;
      const first = this.firstWithSameId(id);
      if (first < 0) continue;
      for (const table of [this.byBytes, this.byContent]) {
        table.enter(first);
        table.enter(id);
      }
    }
  }

  /**
   * The content hash of event `id`: the one its reader gave, else computed now from its file
   * (lazy-hash.ts) and kept. A record that cannot be read again as it was gets a value no
   * other record has: it is kept, never dropped as a duplicate.
   */
  private canonicalHash(id: number): number {
    const given = this.contentHashes.get(id);
    if (given >= 0) return given;
    let hash = this.canonical.get(id);
    if (hash === undefined) {
      const [file, ordinal] = this.whereIs(id);
      const indexed = this.file(file);
      const computed = this.recordHashes.hash(indexed.path, ordinal, this.seenFiles.identity(file) ?? indexed);
      hash = computed === undefined || Number.isNaN(computed) ? -1 - id : computed;
      this.canonical.set(id, hash);
    }
    return hash;
  }

  /** Event `id`'s file (its number in `files`), offset and length: from the columns, or the batch being merged. */
  private whereIs(id: number): [file: number, offset: number, length: number] {
    if (id >= this.count && this.locatedInBatch) return this.locatedInBatch(id);
    return [this.fileOf.get(id), this.offsets.get(id), this.lengths.get(id)];
  }

  /** What byBytes hashes besides the key: the content hash the reader gave, else the record's place. */
  private bytesKey(id: number): number {
    const given = this.contentHashes.get(id);
    if (given >= 0) return given;
    const [file, offset, length] = this.whereIs(id);
    return this.seenFiles.crcOf(file) ^ Math.imul(offset, 0x9e3779b1) ^ length;
  }

  /**
   * Whether two events whose readers gave equal hashes (and that share eventID, time and name)
   * are the same bytes. A content hash is taken at its word, as ever. A record left unhashed
   * (CONTENT_HASH_LATER) is the same bytes as another when both are at the same place in files
   * of the same SHA-256 (the commonest case of many: the same files twice); otherwise not here:
   * the content hashes then decide (byContent).
   */
  private sameBytes(a: number, b: number): boolean {
    if (this.contentHashes.get(a) >= 0) return true;
    const [fileA, offsetA, lengthA] = this.whereIs(a);
    const [fileB, offsetB, lengthB] = this.whereIs(b);
    if (offsetA !== offsetB || lengthA !== lengthB || !this.seenFiles.maybeSameBytes(fileA, fileB)) return false;
    const digest = this.fileDigest(fileA);
    return digest !== null && digest === this.fileDigest(fileB);
  }

  /**
   * The SHA-256 of a file's bytes, read again (only while it is still the file the reader saw),
   * once per file; null when it changed or cannot be read. Only files whose CRC and size equal
   * another's, with records at the same places, come here: the same files loaded twice costs a
   * read of each (no inflating, no parsing) on this thread.
   */
  private fileDigest(file: number): string | null {
    let digest = this.fileDigests.get(file);
    if (digest === undefined) {
      const indexed = this.file(file);
      digest = fileDigestSync(indexed.path, this.seenFiles.identity(file) ?? indexed) ?? null;
      this.fileDigests.set(file, digest);
    }
    return digest;
  }

  /** Bytes held by the columns (not the dictionaries' strings). */
  columnBytes(): number {
    let total = this.times.byteLength + this.contentHashes.byteLength + this.fileOf.byteLength + this.offsets.byteLength + this.lengths.byteLength;
    for (const column of this.codes) total += column.byteLength;
    total += this.resourceStart.byteLength + this.resourceCodes.byteLength;
    total += this.eventIds.byteLength + this.requestIds.byteLength + this.byBytes.byteLength + this.byContent.byteLength + this.firstSlots.byteLength + this.seenFiles.byteLength;
    for (const p of this.postingsCache.values()) total += p.ids.byteLength + p.offsets.byteLength;
    return total;
  }

  /**
   * The first event held with the same eventID as `id`, or -1 after entering `id` as the
   * first of its eventID.
   */
  private firstWithSameId(id: number): number {
    const mask = this.firstSlots.length - 1;
    for (let slot = this.firstHash(id) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.firstSlots[slot];
      if (entry === 0) {
        this.firstSlots[slot] = id + 1;
        this.firstCount++;
        if (this.firstCount * 4 > this.firstSlots.length * 3) this.firstSlots = this.resized(this.firstSlots, this.firstSlots.length * 2, this.firstHash);
        return -1;
      }
      if (this.eventIds.equal(entry - 1, id)) return entry - 1;
    }
  }

  /** The hash of what two duplicates share besides their content: eventID, time (to the second), name. */
  private sameKey(id: number): number {
    const time = this.times.get(id);
    const timeHash = Number.isNaN(time) ? 0x7ff8 : (time / 1000) | 0;
    return this.eventIds.hash(id) ^ Math.imul(timeHash, 0x9e3779b1) ^ Math.imul(this.codes[NAME_FIELD].get(id), 0x85ebca6b);
  }

  /** Whether two events have the same eventID, time and name. */
  private sameEvent(a: number, b: number): boolean {
    const names = this.codes[NAME_FIELD];
    return this.eventIds.equal(a, b) && Object.is(this.times.get(a), this.times.get(b)) && names.get(a) === names.get(b);
  }

  private readonly firstHash = (id: number): number => this.eventIds.hash(id) >>> 0;

  /** A table of `slots` slots holding the entries of `old`, placed by `hash`. */
  private resized(old: Int32Array, slots: number, hash: (id: number) => number): Int32Array<ArrayBuffer> {
    const table = new Int32Array(slots);
    const mask = slots - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let slot = hash(entry - 1) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
    return table;
  }

  private changed(): void {
    this.version++;
    this.postingsCache.clear();
    this.scannedFields.clear();
    this.timeOrder = undefined;
    this.allIds = undefined;
  }

  // ---- reading ------------------------------------------------------------------

  all(): Selection {
    if (!this.allIds || this.allIds.length !== this.count) this.allIds = range(this.count);
    return this.allIds;
  }

  time(id: EventId): number {
    return this.times.get(id);
  }

  value(field: PivotField, id: EventId): string | undefined {
    const f = DICT_INDEX.get(field);
    if (f !== undefined) {
      const code = this.codes[f].get(id);
      return code === 0 ? undefined : this.dicts[f].values[code];
    }
    switch (field) {
      case 'resource': {
        const start = this.resourceStart.get(id);
        return start < this.resourceStart.get(id + 1) ? this.resourceDict.values[this.resourceCodes.get(start)] : undefined;
      }
      case 'eventId':
        return this.eventIds.get(id);
      case 'requestId':
        return this.requestIds.get(id);
      case 'sharedEventId':
        return this.sharedEventIds.get(id);
      case 'source':
        return this.sources.values[this.sourceOfFile(this.fileOf.get(id))];
      default:
        return undefined;
    }
  }

  values(field: PivotField, id: EventId): string[] {
    if (field === 'resource') {
      const out: string[] = [];
      for (let r = this.resourceStart.get(id); r < this.resourceStart.get(id + 1); r++) {
        out.push(this.resourceDict.values[this.resourceCodes.get(r)]);
      }
      return out;
    }
    const value = this.value(field, id);
    return value === undefined ? [] : [value];
  }

  row(id: EventId): EventRow {
    const readOnly = this.value('readOnly', id);
    return {
      id,
      time: this.times.get(id),
      eventName: this.value('eventName', id),
      eventSource: this.value('eventSource', id),
      region: this.value('region', id),
      account: this.value('account', id),
      principal: this.value('principal', id) ?? '',
      principalType: (this.value('principalType', id) ?? 'Unknown') as IdentityType,
      session: this.value('session', id),
      accessKey: this.value('accessKey', id),
      ip: this.value('ip', id),
      userAgent: this.value('userAgent', id),
      error: this.value('error', id),
      readOnly: readOnly === undefined ? undefined : readOnly === 'true',
      eventId: this.eventIds.get(id),
    };
  }

  origin(id: EventId): { path: string; format?: FileFormat } {
    const file = this.file(this.fileOf.get(id));
    return { path: file.path, format: file.format };
  }

  /** Where the event's record is in its file (see RecordLocation). */
  location(id: EventId): RecordLocation {
    return { offset: this.offsets.get(id), length: this.lengths.get(id) };
  }

  async raw(id: EventId): Promise<JsonObject> {
    return (await this.rawMany([id]))[0];
  }

  async rawMany(ids: readonly EventId[]): Promise<JsonObject[]> {
    return this.fetchGrouped(ids, this.fetchRecords, (record) => record);
  }

  async rawRecords(ids: readonly EventId[]): Promise<RawRecord[]> {
    return this.fetchGrouped(ids, this.fetchRawRecords, (record) => record.event);
  }

  /**
   * Fetches records file by file, returned in the order of `ids`; throws RecordChangedError
   * (after telling onRecordChanged) for a record that is not what the index holds for it.
   */
  private async fetchGrouped<T>(
    ids: readonly EventId[],
    fetch: (path: string, format: FileFormat, locations: RecordLocation[], hint?: FetchHint) => Promise<T[]>,
    eventOf: (record: T) => JsonObject,
  ): Promise<T[]> {
    const out: T[] = new Array(ids.length);
    const byFile = new Map<number, number[]>();
    ids.forEach((id, position) => {
      if (id < 0 || id >= this.count) throw new RangeError(`no event with id ${id}`);
      const file = this.fileOf.get(id);
      const list = byFile.get(file);
      if (list) list.push(position);
      else byFile.set(file, [position]);
    });
    for (const [fileIndex, positions] of byFile) {
      const file = this.file(fileIndex);
      if (!file.format) throw new Error(`${file.path}: the format of this file is unknown`);
      const locations = positions.map((p) => ({ offset: this.offsets.get(ids[p]), length: this.lengths.get(ids[p]) }));
      const hint: FetchHint = { everyItemAnEvent: file.problems.length === 0, records: file.records };
      const spans = this.contentSpans;
      if (spans) hint.spans = spansAt(spans, positions.map((p) => ids[p]));
      let records: T[];
      try {
        records = await fetch(file.path, file.format, locations, hint);
      } catch (error) {
        if (error instanceof RecordChangedError) this.onRecordChanged?.(file);
        throw error;
      }
      // Nothing is handed out that disagrees with what the index answers for it.
      positions.forEach((p, i) => {
        const differs = this.mismatch(ids[p], records[i] === undefined ? undefined : eventOf(records[i]));
        if (differs) {
          this.onRecordChanged?.(file);
          const at = locations[i].length > 0 ? `at byte ${locations[i].offset}` : `#${locations[i].offset}`;
          throw new RecordChangedError(file.path, `the record ${at} no longer matches the index (its ${differs} changed since the file was indexed)`);
        }
        out[p] = records[i];
      });
    }
    return out;
  }

  /** The first indexed field whose value in `record` differs from the index's (undefined: none). */
  private mismatch(id: EventId, record: JsonObject | undefined): string | undefined {
    if (!record || typeof record !== 'object') return 'record';
    const event = normalizeEvent(record);
    if (!Object.is(event.time, this.times.get(id))) return 'eventTime';
    if (!this.eventIds.holds(id, event.eventId)) return 'eventID';
    for (let f = 0; f < DICT_FIELDS.length; f++) {
      const code = this.codes[f].get(id);
      if (dictFieldValue(event, DICT_FIELDS[f]) !== (code === 0 ? undefined : this.dicts[f].values[code])) return DICT_FIELDS[f];
    }
    if (!this.requestIds.holds(id, event.requestId)) return 'requestID';
    return undefined;
  }

  // ---- postings and queries -----------------------------------------------------------

  /** Distinct values of a field with their codes (code 0 = absent is omitted). */
  dictionary(field: PivotField): readonly string[] {
    const f = DICT_INDEX.get(field);
    if (f !== undefined) return this.dicts[f].values;
    if (field === 'resource') return this.resourceDict.values;
    if (field === 'source') return this.sources.values;
    return [''];
  }

  /** Codes of a field's values equal to `value`: exact first, then ignoring case. */
  codesFor(field: PivotField, value: string): number[] {
    const dict = this.dictObject(field);
    if (!dict) return [];
    const exact = dict.find(value);
    return exact !== undefined ? [exact] : dict.findIgnoringCase(value);
  }

  codesMatching(field: PivotField, pattern: { test(value: string): boolean }): number[] {
    const values = this.dictionary(field);
    const out: number[] = [];
    for (let c = 1; c < values.length; c++) if (pattern.test(values[c])) out.push(c);
    return out;
  }

  private dictObject(field: PivotField): StringDictionary | undefined {
    const f = DICT_INDEX.get(field);
    if (f !== undefined) return this.dicts[f];
    if (field === 'resource') return this.resourceDict;
    if (field === 'source') return this.sources;
    return undefined;
  }

  /** Ids of events whose field has the value with this code (code 0: absent). */
  postingsOf(field: PivotField, code: number): Selection {
    const f = DICT_INDEX.get(field);
    if (f !== undefined && !this.postingsCache.has(field) && !this.scannedFields.has(field)) {
      this.scannedFields.add(field);
      return this.scanCodes(f, code);
    }
    const p = this.buildPostings(field);
    if (!p || code < 0 || code + 1 >= p.offsets.length) return EMPTY;
    return p.ids.subarray(p.offsets[code], p.offsets[code + 1]);
  }

  postings(field: PivotField, value: string): Selection {
    if (field === 'eventId') return Int32Array.from(this.eventIds.find(value));
    if (field === 'requestId') return Int32Array.from(this.requestIds.find(value));
    if (field === 'sharedEventId') {
      const ids: number[] = [];
      for (const [id, v] of this.sharedEventIds) if (v === value) ids.push(id);
      return Int32Array.from(ids.sort((a, b) => a - b));
    }
    const code = this.dictObject(field)?.find(value);
    return code === undefined ? EMPTY : this.postingsOf(field, code);
  }

  /** The ids (ascending) of the events whose dictionary field `f` has code `code`, by one scan of its column: what postingsOf answers. */
  private scanCodes(f: number, code: number): Selection {
    if (code < 0 || code >= this.dicts[f].size) return EMPTY;
    const count = this.count;
    const column = this.codes[f].array.subarray(0, count);
    const ids: number[] = [];
    // The engine's own search from match to match (a pivot's value is rare: a loop over every
    // event ran cold, once a process); a value that is common is collected by the loop instead.
    const searches = Math.max(64, count >> 6);
    let id = column.indexOf(code);
    while (id !== -1 && ids.length < searches) {
      ids.push(id);
      id = column.indexOf(code, id + 1);
    }
    if (id !== -1) for (; id < count; id++) if (column[id] === code) ids.push(id);
    return ids.length === 0 ? EMPTY : Int32Array.from(ids);
  }

  /** Counting sort of a column into per-value id lists; ids stay ascending within a value. */
  private buildPostings(field: PivotField): Postings | undefined {
    const cached = this.postingsCache.get(field);
    if (cached) return cached;
    let postings: Postings;
    const f = DICT_INDEX.get(field);
    if (f !== undefined || field === 'source') {
      const codeOf =
        f !== undefined
          ? (() => {
              const column = this.codes[f].array;
              return (id: number) => column[id];
            })()
          : (id: number) => this.sourceOfFile(this.fileOf.get(id));
      const dictSize = f !== undefined ? this.dicts[f].size : this.sources.size;
      const offsets = new Int32Array(dictSize + 1);
      for (let id = 0; id < this.count; id++) offsets[codeOf(id) + 1]++;
      for (let c = 1; c <= dictSize; c++) offsets[c] += offsets[c - 1];
      const fill = offsets.slice(0, dictSize);
      const ids = new Int32Array(this.count);
      for (let id = 0; id < this.count; id++) ids[fill[codeOf(id)]++] = id;
      postings = { offsets, ids };
    } else if (field === 'resource') {
      const dictSize = this.resourceDict.size;
      const offsets = new Int32Array(dictSize + 1);
      const codes = this.resourceCodes.array;
      for (let id = 0; id < this.count; id++) {
        const start = this.resourceStart.get(id);
        const end = this.resourceStart.get(id + 1);
        if (start === end) offsets[1]++;
        for (let r = start; r < end; r++) offsets[codes[r] + 1]++;
      }
      for (let c = 1; c <= dictSize; c++) offsets[c] += offsets[c - 1];
      const fill = offsets.slice(0, dictSize);
      const ids = new Int32Array(offsets[dictSize]);
      for (let id = 0; id < this.count; id++) {
        const start = this.resourceStart.get(id);
        const end = this.resourceStart.get(id + 1);
        if (start === end) ids[fill[0]++] = id;
        for (let r = start; r < end; r++) ids[fill[codes[r]]++] = id;
      }
      postings = { offsets, ids };
    } else {
      return undefined;
    }
    this.postingsCache.set(field, postings);
    return postings;
  }

  /** The uniqueid columns, for the query evaluator's scans. */
  uniqueIds(field: 'eventId' | 'requestId'): UniqueIdColumn {
    return field === 'eventId' ? this.eventIds : this.requestIds;
  }

  sharedEventIdEntries(): Iterable<[number, string]> {
    return this.sharedEventIds;
  }

  /** The Insights facts of an event ('' for a part the record lacks); undefined for any other event. */
  insight(id: EventId): InsightOfEvent | undefined {
    return this.insights.get(id);
  }

  /** How many CloudTrail Insights records the index holds. */
  get insightCount(): number {
    return this.insights.size;
  }

  /** Every CloudTrail Insights record's id, ascending. */
  insightIds(): EventId[] {
    return [...this.insights.keys()].sort((a, b) => a - b);
  }

  /** Each event's time by id (epoch milliseconds, NaN for none), read in place: no array of them is made. */
  timeColumn(): TimeReader {
    return this.times;
  }

  // ---- aggregation -----------------------------------------------------------------------

  top(field: PivotField, selection?: Selection, limit = 20): ValueCount[] {
    const times = this.times;
    const f = DICT_INDEX.get(field);
    if (f !== undefined || field === 'source' || field === 'resource') {
      const dictSize = this.dictionary(field).length;
      const counts = new Int32Array(dictSize);
      const first = new Float64Array(dictSize).fill(Infinity);
      const last = new Float64Array(dictSize).fill(-Infinity);
      const visit = (code: number, time: number) => {
        counts[code]++;
        if (time < first[code]) first[code] = time;
        if (time > last[code]) last[code] = time;
      };
      const ids = selection ?? this.all();
      if (f !== undefined) {
        const column = this.codes[f].array;
        for (let i = 0; i < ids.length; i++) visit(column[ids[i]], times.get(ids[i]));
      } else if (field === 'source') {
        for (let i = 0; i < ids.length; i++) visit(this.sourceOfFile(this.fileOf.get(ids[i])), times.get(ids[i]));
      } else {
        const codes = this.resourceCodes.array;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i];
          for (let r = this.resourceStart.get(id); r < this.resourceStart.get(id + 1); r++) visit(codes[r], times.get(id));
        }
      }
      const values = this.dictionary(field);
      return topCodes(counts, values, limit).map((code) => ({
        value: values[code],
        count: counts[code],
        first: first[code],
        last: last[code],
      }));
    }
    const tally = new Map<string, ValueCount>();
    for (const id of selection ?? this.all()) {
      const value = this.value(field, id);
      if (value === undefined) continue;
      const time = times.get(id);
      const entry = tally.get(value);
      if (entry) {
        entry.count++;
        if (time < entry.first) entry.first = time;
        if (time > entry.last) entry.last = time;
      } else tally.set(value, { value, count: 1, first: time, last: time });
    }
    return [...tally.values()].sort((a, b) => b.count - a.count || compareText(a.value, b.value)).slice(0, limit);
  }

  sortByTime(selection: Selection, order: 'asc' | 'desc'): Int32Array {
    const times = this.times;
    let sorted: Int32Array;
    if (selection.length * 8 < this.count) {
      sorted = Int32Array.from(selection);
      sorted.sort((a, b) => compareTimes(times.get(a), times.get(b)) || this.comparePlaces(a, b));
    } else {
      const global = this.globalTimeOrder();
      const member = new Uint8Array(this.count);
      for (let i = 0; i < selection.length; i++) member[selection[i]] = 1;
      sorted = new Int32Array(selection.length);
      let n = 0;
      for (let i = 0; i < global.length; i++) if (member[global[i]]) sorted[n++] = global[i];
    }
    if (order === 'desc') {
      // Newest first, but events without a time stay at the end.
      let timed = sorted.length;
      while (timed > 0 && Number.isNaN(times.get(sorted[timed - 1]))) timed--;
      sorted.subarray(0, timed).reverse();
    }
    return sorted;
  }

  private globalTimeOrder(): Int32Array {
    if (!this.timeOrder) {
      const times = this.times;
      const order = this.placeOrder();
      const place = new Int32Array(this.count);
      for (let i = 0; i < order.length; i++) place[order[i]] = i;
      order.sort((a, b) => compareTimes(times.get(a), times.get(b)) || place[a] - place[b]);
      this.timeOrder = order;
    }
    return this.timeOrder;
  }

  /**
   * Every event id in the order of where its record is: by its file's path (code units), then
   * by its place in that file (its offset or ordinal there). Events of one
   * time (CloudTrail's are whole seconds, so many share one) are ordered by it: the ids
   * themselves follow the order in which the parse workers' batches happened to arrive, and
   * listing ties by id gave the same evidence in a different order from run to run.
   */
  placeOrder(): Int32Array {
    const files = this.files;
    const byPath = range(files.length);
    byPath.sort((a, b) => compareText(files[a].path, files[b].path) || a - b);
    const rank = new Int32Array(files.length);
    for (let r = 0; r < byPath.length; r++) rank[byPath[r]] = r;
    // A counting sort by the file's rank, stable, so each file's events stay in id order.
    const start = new Int32Array(files.length + 1);
    for (let id = 0; id < this.count; id++) start[rank[this.fileOf.get(id)] + 1]++;
    for (let r = 1; r < start.length; r++) start[r] += start[r - 1];
    const order = new Int32Array(this.count);
    for (let id = 0; id < this.count; id++) order[start[rank[this.fileOf.get(id)]]++] = id;
    // start[r] is now where file r + 1's events begin. A file's events are in id order, which is
    // their order in the file, unless a re-delivered record was moved there (merge's relocated).
    const offsets = this.offsets;
    for (let r = 0, from = 0; r < byPath.length; from = start[r++]) {
      for (let k = from + 1; k < start[r]; k++) {
        if (offsets.get(order[k - 1]) > offsets.get(order[k])) {
          order.subarray(from, start[r]).sort((a, b) => offsets.get(a) - offsets.get(b) || a - b);
          break;
        }
      }
    }
    return order;
  }

  /** placeOrder's order of two events (without ranking every file: for sorting a few events). */
  private comparePlaces(a: number, b: number): number {
    const fileA = this.fileOf.get(a);
    const fileB = this.fileOf.get(b);
    if (fileA !== fileB) return compareText(this.file(fileA).path, this.file(fileB).path) || fileA - fileB;
    return this.offsets.get(a) - this.offsets.get(b) || a - b;
  }

  histogram(selection: Selection | undefined, bucketMs: number, span?: { start: number; end: number }): Histogram {
    if (!(bucketMs > 0)) throw new RangeError('bucketMs must be positive');
    const times = this.times;
    const ids = selection ?? this.all();
    let start = span?.start ?? Infinity;
    let end = span?.end ?? -Infinity;
    if (!span) {
      for (let i = 0; i < ids.length; i++) {
        const t = times.get(ids[i]);
        if (t < start) start = t;
        if (t > end) end = t;
      }
      if (start === Infinity) return { start: 0, bucketMs, counts: new Uint32Array(0) };
      start = Math.floor(start / bucketMs) * bucketMs;
      end += 1;
    }
    const buckets = Math.max(0, Math.ceil((end - start) / bucketMs));
    if (buckets > 10_000_000) throw new RangeError(`a histogram of ${buckets} buckets is too large; choose a larger bucket`);
    const counts = new Uint32Array(buckets);
    for (let i = 0; i < ids.length; i++) {
      const t = times.get(ids[i]);
      if (t >= start && t < end) counts[Math.floor((t - start) / bucketMs)]++;
    }
    return { start, bucketMs, counts };
  }

  hashOf(value: string): number {
    return stringHash(value);
  }
}

/** A batch's spans for the rows kept (`rows`; undefined: every row), when it has them for every row. */
function spansOf(batch: EventBatch, rows: Int32Array | undefined): Uint32Array | undefined {
  const spans = batch.spans;
  if (!spans || spans.length !== batch.count * 2) return undefined;
  if (!rows) return spans;
  const kept = new Uint32Array(rows.length * 2);
  for (let r = 0; r < rows.length; r++) {
    kept[2 * r] = spans[2 * rows[r]];
    kept[2 * r + 1] = spans[2 * rows[r] + 1];
  }
  return kept;
}

/** The spans of events `ids` (0, 0 for one beyond those known). */
function spansAt(spans: Uint32Array, ids: readonly number[]): number[] {
  const out = new Array<number>(ids.length * 2);
  for (let i = 0; i < ids.length; i++) {
    const at = 2 * ids[i];
    const known = at + 1 < spans.length;
    out[2 * i] = known ? spans[at] : 0;
    out[2 * i + 1] = known ? spans[at + 1] : 0;
  }
  return out;
}

function compareTimes(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  return a - b;
}

/**
 * Codes with a non-zero count (code 0 = absent excluded), largest first, at most `limit`; equal
 * counts by value (a code is the order values were first met in, which the parse workers decide).
 */
function topCodes(counts: Int32Array, values: readonly string[], limit: number): number[] {
  const codes: number[] = [];
  for (let c = 1; c < counts.length; c++) if (counts[c] > 0) codes.push(c);
  codes.sort((a, b) => counts[b] - counts[a] || compareText(values[a], values[b]) || a - b);
  return codes.slice(0, limit);
}
