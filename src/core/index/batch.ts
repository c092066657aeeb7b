/**
 * An EventBatch is the columnar form in which normalised events travel: from parse workers
 * to the index, from live fetches, and to and from the on-disk cache. Dictionaries are
 * local to the batch; the index re-codes them into its own.
 */
import { JsonObject, NormalizedEvent } from '../model/event';
import { normalizeEvent } from '../model/normalize';
import { FileFormat, FileProblem, FileSeen, RecordLocation, TrailKeyLayout } from '../sources/types';
import { ID_ABSENT, ID_TEXT, PackedIds, packId } from './columns';
import { contentHashOfValue } from './content-hash';
import { PIVOT_FIELDS, PivotField } from './fields';

const NO_CODES: readonly number[] = Object.freeze([]);

export type BatchCodes = Uint8Array | Uint16Array | Int32Array;

/** The first `count` codes, in the narrowest array that holds codes below `dictionarySize`. */
function narrowCodes(codes: Int32Array, count: number, dictionarySize: number): BatchCodes {
  const narrow = dictionarySize <= 0x100 ? new Uint8Array(count) : dictionarySize <= 0x10000 ? new Uint16Array(count) : new Int32Array(count);
  narrow.set(codes.subarray(0, count));
  return narrow;
}

/** Pivot fields kept some other way: resources (several per event), packed ids, the source. */
type NonDictField = 'resource' | 'eventId' | 'requestId' | 'sharedEventId' | 'source';
export type DictField = Exclude<PivotField, NonDictField>;
const NON_DICT: ReadonlySet<PivotField> = new Set<NonDictField>(['resource', 'eventId', 'requestId', 'sharedEventId', 'source']);

/** Fields stored dictionary-coded, one value per event, in PIVOT_FIELDS order. */
export const DICT_FIELDS: readonly DictField[] = PIVOT_FIELDS.filter((f): f is DictField => !NON_DICT.has(f));

export function dictFieldValue(event: NormalizedEvent, field: DictField): string | undefined {
  switch (field) {
    case 'eventName':
      return event.eventName;
    case 'eventSource':
      return event.eventSource;
    case 'region':
      return event.region;
    case 'account':
      return event.account;
    case 'callerAccount':
      return event.callerAccount;
    case 'principal':
      return event.principal;
    case 'principalType':
      return event.principalType;
    case 'issuer':
      return event.issuer;
    case 'session':
      return event.session;
    case 'sessionName':
      return event.sessionName;
    case 'sourceIdentity':
      return event.sourceIdentity;
    case 'accessKey':
      return event.accessKeyId;
    case 'ip':
      return event.sourceIp;
    case 'userAgent':
      return event.userAgent;
    case 'readOnly':
      return event.readOnly === undefined ? undefined : event.readOnly ? 'true' : 'false';
    case 'error':
      return event.errorCode;
    case 'category':
      return event.eventCategory;
    case 'eventType':
      return event.eventType;
    case 'invokedBy':
      return event.invokedBy;
    case 'issuedKey':
      return event.issuedAccessKeyId;
  }
}

export interface BatchFile {
  path: string;
  format?: FileFormat;
  size: number;
  mtimeMs: number;
  layout?: TrailKeyLayout;
  /** Records the reader emitted (before de-duplication). */
  records: number;
  problems: FileProblem[];
  /** Set when a large file's records continue from an earlier batch (count the file once). */
  continuation?: boolean;
  /**
   * What the reader found when it opened the file (parse-files.ts): the index uses it while the
   * load goes on (confirming re-deliveries, re-reading for content hashes) and keeps it no longer.
   */
  seen?: FileSeen;
}

export interface EventBatch {
  count: number;
  files: BatchFile[];
  /** Per event: index into `files`. */
  fileOf: Int32Array;
  offset: Float64Array;
  length: Uint32Array;
  time: Float64Array;
  /**
   * Per event: the record's 52-bit content hash (content-hash.ts), which tells a re-delivery
   * from a conflict; or, from the trail scanner, CONTENT_HASH_LATER (negative): the index
   * then tells records apart by their place and file digest (BatchFile.seen), and computes the
   * content hash only when that does not settle it.
   */
  contentHash: Float64Array;
  /**
   * Per event, where the trail scanner found its record's text in the content of a document it
   * read whole (a record located by ordinal): bytes [spans[2i], spans[2i + 1]) of the content
   * (decompressed). 0, 0 where not known. Not kept by the index it is merged into; kept in the
   * cache, so that a record is read back from a reopened index without finding it again
   * (read-back.ts).
   */
  spans: Uint32Array;
  /** Per dict field (in DICT_FIELDS order): the batch-local dictionary, code 0 = absent. */
  dicts: string[][];
  /** Per dict field, each event's code: as narrow an array as the dictionary allows. */
  codes: BatchCodes[];
  resourceDict: string[];
  /** Event i's resources are resourceCodes[resourceStart[i] .. resourceStart[i+1]). */
  resourceStart: Int32Array;
  resourceCodes: Int32Array;
  eventIds: PackedIds;
  requestIds: PackedIds;
  sharedEventIds: [number, string][];
  /** CloudTrail Insights records only (a few a day): [event, insightDetails.state, insightType], '' when absent. */
  insights: InsightEntry[];
}

export type InsightEntry = [index: number, state: string, type: string];

/** The batch's Insights entry for a normalised event, or undefined when it is no Insights record. */
function insightEntry(event: NormalizedEvent, index: number): InsightEntry | undefined {
  if (event.insightState === undefined && event.insightType === undefined) return undefined;
  return [index, event.insightState ?? '', event.insightType ?? ''];
}

export type BatchArray = BatchCodes | Uint32Array | Float64Array;

/**
 * The batch with each of its typed arrays replaced by `map(array)`, always in the same order;
 * everything else is shared with `batch`.
 */
export function mapBatchArrays(batch: EventBatch, map: <A extends BatchArray>(array: A) => A): EventBatch {
  return {
    ...batch,
    fileOf: map(batch.fileOf),
    offset: map(batch.offset),
    length: map(batch.length),
    time: map(batch.time),
    contentHash: map(batch.contentHash),
    spans: map(batch.spans),
    codes: batch.codes.map((codes) => map(codes)),
    resourceStart: map(batch.resourceStart),
    resourceCodes: map(batch.resourceCodes),
    eventIds: { ...batch.eventIds, words: map(batch.eventIds.words), kinds: map(batch.eventIds.kinds) },
    requestIds: { ...batch.requestIds, words: map(batch.requestIds.words), kinds: map(batch.requestIds.kinds) },
  };
}

/** A batch that owns copies of its arrays (for keeping one whose arrays are borrowed). */
export function copyBatch(batch: EventBatch): EventBatch {
  return mapBatchArrays(batch, (array) => array.slice() as typeof array);
}

/**
 * Exchanges the places (file, offset, length, content hash, content span) of rows `a` and `b`:
 * two copies of one record (a duplicate), whose other columns are the same.
 */
export function swapPlaces(batch: EventBatch, a: number, b: number): void {
  for (const column of [batch.fileOf, batch.offset, batch.length, batch.contentHash]) {
    const held = column[a];
    column[a] = column[b];
    column[b] = held;
  }
  for (let k = 0; k < 2; k++) {
    const held = batch.spans[2 * a + k];
    batch.spans[2 * a + k] = batch.spans[2 * b + k];
    batch.spans[2 * b + k] = held;
  }
}

/** A batch's dictionary for one field: code 0 is "absent". */
export class BatchDictionary {
  readonly values: string[] = [''];
  private readonly codes = new Map<string, number>();
  // Consecutive events repeat most values (same region, account, service, caller): an
  // equality check is cheaper than hashing the string again.
  private lastValue: string | undefined;
  private lastCode = 0;

  code(value: string | undefined): number {
    if (value === undefined) return 0;
    if (value === this.lastValue) return this.lastCode;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    this.lastValue = value;
    this.lastCode = code;
    return code;
  }
}

/**
 * Accumulates normalised events into EventBatches.
 *
 * The dictionaries outlive take(): every batch from one builder shares the same, growing
 * value arrays, so a later batch's dictionary extends an earlier one's. A worker then sends
 * each value once (see worker.ts), and consumers re-code only what is new since the last
 * batch they saw from that array (DictionaryRecoder).
 */
export class BatchBuilder {
  // The fields that grow or start afresh with each batch are set in the constructor, not where
  // they are declared: V8 takes a field written once for a constant, and the first grow() or
  // take() then threw away the compiled code of every function that had read it (a parse
  // worker's hottest), to compile it again.
  private files: BatchFile[];
  private capacity: number;
  private count_ = 0;
  private fileOf: Int32Array;
  private offset: Float64Array;
  private length: Uint32Array;
  private time: Float64Array;
  private contentHash: Float64Array;
  private spans: Uint32Array;
  private codes: Int32Array[];
  private idWords: Uint32Array;
  private idKinds: Uint8Array;
  private requestWords: Uint32Array;
  private requestKinds: Uint8Array;
  private idTexts: [number, string][];
  private requestTexts: [number, string][];
  private readonly dicts = DICT_FIELDS.map(() => new BatchDictionary());
  private readonly resourceDict = new BatchDictionary();
  private resourceStart: Int32Array;
  private resourceCodes: Int32Array;
  private resourceCount: number;
  private sharedEventIds: [number, string][];
  private insights: InsightEntry[];

  constructor() {
    // Small, so that the first growths happen within the first file, while V8 still interprets
    // the code that calls grow(): started at 1,024 events, the first growth came after
    // addScanned was compiled, which lacked grow()'s feedback and was thrown away to compile again.
    const capacity = 16;
    this.capacity = capacity;
    this.files = [];
    this.fileOf = new Int32Array(capacity);
    this.offset = new Float64Array(capacity);
    this.length = new Uint32Array(capacity);
    this.time = new Float64Array(capacity);
    this.contentHash = new Float64Array(capacity);
    this.spans = new Uint32Array(capacity * 2);
    this.codes = DICT_FIELDS.map(() => new Int32Array(capacity));
    this.idWords = new Uint32Array(capacity * 4);
    this.idKinds = new Uint8Array(capacity);
    this.requestWords = new Uint32Array(capacity * 4);
    this.requestKinds = new Uint8Array(capacity);
    this.idTexts = [];
    this.requestTexts = [];
    this.resourceStart = new Int32Array(capacity + 1);
    this.resourceCodes = new Int32Array(capacity);
    this.resourceCount = 0;
    this.sharedEventIds = [];
    this.insights = [];
  }

  get count(): number {
    return this.count_;
  }

  addFile(file: BatchFile): number {
    this.files.push(file);
    return this.files.length - 1;
  }

  file(index: number): BatchFile {
    return this.files[index];
  }

  /** The dictionary of DICT_FIELDS[field], for callers that code values themselves (the trail scanner). */
  dictionary(field: number): BatchDictionary {
    return this.dicts[field];
  }

  get resourceDictionary(): BatchDictionary {
    return this.resourceDict;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Int32Array | Float64Array | Uint32Array | Uint8Array>(from: T, size: number): T => {
      const next = new (from.constructor as { new (n: number): T })(size);
      next.set(from);
      return next;
    };
    this.fileOf = widen(this.fileOf, capacity);
    this.offset = widen(this.offset, capacity);
    this.length = widen(this.length, capacity);
    this.time = widen(this.time, capacity);
    this.contentHash = widen(this.contentHash, capacity);
    this.spans = widen(this.spans, capacity * 2);
    this.codes = this.codes.map((c) => widen(c, capacity));
    this.idWords = widen(this.idWords, capacity * 4);
    this.idKinds = widen(this.idKinds, capacity);
    this.requestWords = widen(this.requestWords, capacity * 4);
    this.requestKinds = widen(this.requestKinds, capacity);
    this.resourceStart = widen(this.resourceStart, capacity + 1);
    this.capacity = capacity;
  }

  /** Starts the next event: its file, location and time. Its index. */
  private next(fileIndex: number, offset: number, length: number, time: number, contentHash: number): number {
    if (this.count_ === this.capacity) this.grow();
    const i = this.count_++;
    this.fileOf[i] = fileIndex;
    this.offset[i] = offset;
    this.length[i] = length;
    this.time[i] = time;
    this.contentHash[i] = contentHash;
    this.spans[2 * i] = 0;
    this.spans[2 * i + 1] = 0;
    return i;
  }

  /** Ends event i with its resources, already coded. */
  private endResources(i: number, codes: readonly number[]): void {
    if (this.resourceCount + codes.length > this.resourceCodes.length) {
      let size = this.resourceCodes.length * 2;
      while (size < this.resourceCount + codes.length) size *= 2;
      const next = new Int32Array(size);
      next.set(this.resourceCodes);
      this.resourceCodes = next;
    }
    for (const code of codes) this.resourceCodes[this.resourceCount++] = code;
    this.resourceStart[i + 1] = this.resourceCount;
  }

  /** One record as a reader gave it: normalised, and its content hashed. */
  addRecord(record: JsonObject, fileIndex: number, location: RecordLocation): void {
    this.add(normalizeEvent(record), fileIndex, location, contentHashOfValue(record));
  }

  /** One event normalised by the caller; `contentHash` is its record's contentHashOfValue. */
  add(event: NormalizedEvent, fileIndex: number, location: RecordLocation, contentHash: number): void {
    const i = this.next(fileIndex, location.offset, location.length, event.time, contentHash);
    // Written out in DICT_FIELDS order (checked by a unit test): this runs once per event.
    const d = this.dicts;
    const c = this.codes;
    c[0][i] = d[0].code(event.eventName);
    c[1][i] = d[1].code(event.eventSource);
    c[2][i] = d[2].code(event.region);
    c[3][i] = d[3].code(event.account);
    c[4][i] = d[4].code(event.callerAccount);
    c[5][i] = d[5].code(event.principal);
    c[6][i] = d[6].code(event.principalType);
    c[7][i] = d[7].code(event.issuer);
    c[8][i] = d[8].code(event.session);
    c[9][i] = d[9].code(event.sessionName);
    c[10][i] = d[10].code(event.sourceIdentity);
    c[11][i] = d[11].code(event.accessKeyId);
    c[12][i] = d[12].code(event.sourceIp);
    c[13][i] = d[13].code(event.userAgent);
    c[14][i] = d[14].code(event.readOnly === undefined ? undefined : event.readOnly ? 'true' : 'false');
    c[15][i] = d[15].code(event.errorCode);
    c[16][i] = d[16].code(event.eventCategory);
    c[17][i] = d[17].code(event.eventType);
    c[18][i] = d[18].code(event.invokedBy);
    c[19][i] = d[19].code(event.issuedAccessKeyId);
    this.endResources(i, event.resources.length === 0 ? NO_CODES : event.resources.map((arn) => this.resourceDict.code(arn)));
    this.idKinds[i] = packOptionalId(event.eventId, this.idWords, i, this.idTexts);
    this.requestKinds[i] = packOptionalId(event.requestId, this.requestWords, i, this.requestTexts);
    if (event.sharedEventId !== undefined) this.sharedEventIds.push([i, event.sharedEventId]);
    const insight = insightEntry(event, i);
    if (insight) this.insights.push(insight);
  }

  /** One event whose codes the caller found itself (in this builder's dictionaries). */
  addScanned(event: ScannedEvent, fileIndex: number): void {
    const i = this.next(fileIndex, event.offset, event.length, event.time, event.contentHash);
    if (event.contentEnd <= 0xffffffff) {
      this.spans[2 * i] = event.contentStart;
      this.spans[2 * i + 1] = event.contentEnd;
    }
    const codes = event.codes;
    for (let f = 0; f < codes.length; f++) this.codes[f][i] = codes[f];
    this.endResources(i, event.resourceCodes);
    this.idKinds[i] = copyScannedId(event.eventId, this.idWords, i, this.idTexts);
    this.requestKinds[i] = copyScannedId(event.requestId, this.requestWords, i, this.requestTexts);
    if (event.sharedEventId !== undefined) this.sharedEventIds.push([i, event.sharedEventId]);
  }

  /**
   * Hands the batch over and starts a new one (files are not carried over; dictionaries are).
   * `borrowed`: the arrays are views of this builder's own (codes at full width), valid only
   * until its next add; for a caller that copies them at once (a worker filling a shared slot).
   */
  take(borrowed = false): EventBatch {
    const count = this.count_;
    const part = <A extends BatchArray>(array: A, length: number): A => (borrowed ? array.subarray(0, length) : array.slice(0, length)) as A;
    const batch: EventBatch = {
      count,
      files: this.files,
      fileOf: part(this.fileOf, count),
      offset: part(this.offset, count),
      length: part(this.length, count),
      time: part(this.time, count),
      contentHash: part(this.contentHash, count),
      spans: part(this.spans, count * 2),
      dicts: this.dicts.map((d) => d.values),
      codes: this.codes.map((c, f) => (borrowed ? c.subarray(0, count) : narrowCodes(c, count, this.dicts[f].values.length))),
      resourceDict: this.resourceDict.values,
      resourceStart: part(this.resourceStart, count + 1),
      resourceCodes: part(this.resourceCodes, this.resourceCount),
      eventIds: { words: part(this.idWords, count * 4), kinds: part(this.idKinds, count), texts: this.idTexts },
      requestIds: { words: part(this.requestWords, count * 4), kinds: part(this.requestKinds, count), texts: this.requestTexts },
      sharedEventIds: this.sharedEventIds,
      insights: this.insights,
    };
    this.files = [];
    this.count_ = 0;
    this.resourceCount = 0;
    this.idTexts = [];
    this.requestTexts = [];
    this.sharedEventIds = [];
    this.insights = [];
    return batch;
  }
}

/** An identifier as the trail scanner found it: packed (kind ID_UUID/ID_UUID_UPPER, words), text, or absent. */
export interface ScannedId {
  kind: number;
  words: Uint32Array;
  text?: string;
}

/** An event coded by the trail scanner; reused from event to event. */
export interface ScannedEvent {
  offset: number;
  length: number;
  /** Where the record's text is in the content the scanner read: bytes [contentStart, contentEnd) (EventBatch.spans). */
  contentStart: number;
  contentEnd: number;
  time: number;
  contentHash: number;
  /** Per DICT_FIELDS entry, the code in the builder's dictionary (0: absent). */
  codes: Int32Array;
  resourceCodes: readonly number[];
  eventId: ScannedId;
  requestId: ScannedId;
  sharedEventId?: string;
}

function copyScannedId(id: ScannedId, words: Uint32Array, index: number, texts: [number, string][]): number {
  if (id.kind === ID_TEXT) {
    texts.push([index, id.text ?? '']);
  } else if (id.kind !== ID_ABSENT) {
    const at = index * 4;
    words[at] = id.words[0];
    words[at + 1] = id.words[1];
    words[at + 2] = id.words[2];
    words[at + 3] = id.words[3];
  }
  return id.kind;
}

function packOptionalId(value: string | undefined, words: Uint32Array, index: number, texts: [number, string][]): number {
  if (value === undefined) return ID_ABSENT;
  const kind = packId(value, words, index * 4);
  if (kind === ID_TEXT) texts.push([index, value]);
  return kind;
}

/**
 * Re-codes batch dictionaries into a target dictionary. Batches from one builder share
 * their growing value arrays, so the work done for an array is remembered and only the
 * values added since are coded again.
 */
export class DictionaryRecoder {
  private readonly seen = new WeakMap<readonly string[], { remap: Int32Array; coded: number; largest: number }>();

  constructor(private readonly code: (value: string) => number) {}

  /** remap[c] is the target code of values[c] (0 stays 0); `largest` is the largest target code in it. */
  recode(values: readonly string[]): { remap: Int32Array; largest: number } {
    let entry = this.seen.get(values);
    if (!entry) {
      entry = { remap: new Int32Array(Math.max(16, values.length)), coded: 1, largest: 0 };
      this.seen.set(values, entry);
    }
    if (entry.coded < values.length) {
      if (entry.remap.length < values.length) {
        const next = new Int32Array(Math.max(values.length, entry.remap.length * 2));
        next.set(entry.remap);
        entry.remap = next;
      }
      for (let c = entry.coded; c < values.length; c++) {
        const target = this.code(values[c]);
        entry.remap[c] = target;
        if (target > entry.largest) entry.largest = target;
      }
      entry.coded = values.length;
    }
    return entry;
  }
}

/**
 * One batch holding several, in order: each distinct value once in the dictionaries. The
 * on-disk cache stores a source this way, so reopening re-codes each value once, not once
 * per batch it appeared in.
 */
export function combineBatches(batches: readonly EventBatch[]): EventBatch {
  if (batches.length === 1) return batches[0];
  const count = batches.reduce((sum, b) => sum + b.count, 0);
  const resourceTotal = batches.reduce((sum, b) => sum + b.resourceCodes.length, 0);
  const combined: EventBatch = {
    count,
    files: [],
    fileOf: new Int32Array(count),
    offset: new Float64Array(count),
    length: new Uint32Array(count),
    time: new Float64Array(count),
    contentHash: new Float64Array(count),
    spans: new Uint32Array(count * 2),
    dicts: [],
    codes: DICT_FIELDS.map(() => new Int32Array(count)),
    resourceDict: [],
    resourceStart: new Int32Array(count + 1),
    resourceCodes: new Int32Array(resourceTotal),
    eventIds: { words: new Uint32Array(count * 4), kinds: new Uint8Array(count), texts: [] },
    requestIds: { words: new Uint32Array(count * 4), kinds: new Uint8Array(count), texts: [] },
    sharedEventIds: [],
    insights: [],
  };
  const dicts = DICT_FIELDS.map(() => new BatchDictionary());
  const resourceDict = new BatchDictionary();
  const recoders = dicts.map((d) => new DictionaryRecoder((value) => d.code(value)));
  const resourceRecoder = new DictionaryRecoder((value) => resourceDict.code(value));
  let at = 0;
  let resourceAt = 0;
  for (const batch of batches) {
    const fileBase = combined.files.length;
    combined.files.push(...batch.files);
    for (let i = 0; i < batch.count; i++) combined.fileOf[at + i] = fileBase + batch.fileOf[i];
    combined.offset.set(batch.offset, at);
    combined.length.set(batch.length, at);
    combined.time.set(batch.time, at);
    combined.contentHash.set(batch.contentHash, at);
    combined.spans.set(batch.spans, at * 2);
    batch.dicts.forEach((values, f) => {
      const { remap } = recoders[f].recode(values);
      const from = batch.codes[f];
      const to = combined.codes[f];
      for (let i = 0; i < batch.count; i++) to[at + i] = remap[from[i]];
    });
    const resourceRemap = resourceRecoder.recode(batch.resourceDict).remap;
    for (let r = 0; r < batch.resourceCodes.length; r++) combined.resourceCodes[resourceAt + r] = resourceRemap[batch.resourceCodes[r]];
    for (let i = 1; i <= batch.count; i++) combined.resourceStart[at + i] = resourceAt + batch.resourceStart[i];
    for (const [ids, into] of [
      [batch.eventIds, combined.eventIds],
      [batch.requestIds, combined.requestIds],
    ] as const) {
      into.words.set(ids.words.subarray(0, batch.count * 4), at * 4);
      into.kinds.set(ids.kinds.subarray(0, batch.count), at);
      for (const [index, text] of ids.texts) into.texts.push([at + index, text]);
    }
    for (const [index, id] of batch.sharedEventIds) combined.sharedEventIds.push([at + index, id]);
    for (const [index, state, type] of batch.insights ?? []) combined.insights.push([at + index, state, type]);
    at += batch.count;
    resourceAt += batch.resourceCodes.length;
  }
  combined.dicts = dicts.map((d) => d.values);
  combined.resourceDict = resourceDict.values;
  // As narrow as each dictionary allows, as a builder's batches are: a third of the cache's bytes at 300,000 events.
  combined.codes = combined.codes.map((codes, f) => narrowCodes(codes as Int32Array, count, combined.dicts[f].length));
  return combined;
}
