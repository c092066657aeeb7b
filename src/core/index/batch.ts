/**
 * An EventBatch is the columnar form in which normalised events travel: from parse workers
 * to the index, from live fetches, and to and from the on-disk cache. Dictionaries are
 * local to the batch; the index re-codes them into its own.
 */
import { NormalizedEvent } from '../model/event';
import { FileFormat, FileProblem, RecordLocation, TrailKeyLayout } from '../sources/types';
import { ID_ABSENT, ID_TEXT, PackedIds, packId } from './columns';
import { PIVOT_FIELDS, PivotField } from './fields';

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
}

export interface EventBatch {
  count: number;
  files: BatchFile[];
  /** Per event: index into `files`. */
  fileOf: Int32Array;
  offset: Float64Array;
  length: Uint32Array;
  time: Float64Array;
  /** Per dict field (in DICT_FIELDS order): the batch-local dictionary, code 0 = absent. */
  dicts: string[][];
  codes: Int32Array[];
  resourceDict: string[];
  /** Event i's resources are resourceCodes[resourceStart[i] .. resourceStart[i+1]). */
  resourceStart: Int32Array;
  resourceCodes: Int32Array;
  eventIds: PackedIds;
  requestIds: PackedIds;
  sharedEventIds: [number, string][];
}

class LocalDictionary {
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

class GrowableIds {
  words = new Uint32Array(4 * 1024);
  kinds = new Uint8Array(1024);
  texts: [number, string][] = [];

  set(index: number, value: string | undefined): void {
    if (index >= this.kinds.length) {
      const kinds = new Uint8Array(this.kinds.length * 2);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const words = new Uint32Array(this.words.length * 2);
      words.set(this.words);
      this.words = words;
    }
    if (value === undefined) {
      this.kinds[index] = ID_ABSENT;
      return;
    }
    const kind = packId(value, this.words, index * 4);
    this.kinds[index] = kind;
    if (kind === ID_TEXT) this.texts.push([index, value]);
  }

  take(count: number): PackedIds {
    const taken = { words: this.words.slice(0, count * 4), kinds: this.kinds.slice(0, count), texts: this.texts };
    this.texts = [];
    return taken;
  }
}

/** A growable Int32Array/Float64Array/Uint32Array with push. */
class Growable<T extends Int32Array | Float64Array | Uint32Array> {
  length = 0;
  constructor(public data: T) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as { new (n: number): T })(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  take(): T {
    const taken = this.data.slice(0, this.length) as T;
    this.length = 0;
    return taken;
  }
}

/** Accumulates normalised events into an EventBatch. */
export class BatchBuilder {
  private readonly files: BatchFile[] = [];
  private readonly fileOf = new Growable(new Int32Array(1024));
  private readonly offset = new Growable(new Float64Array(1024));
  private readonly length = new Growable(new Uint32Array(1024));
  private readonly time = new Growable(new Float64Array(1024));
  private dicts = DICT_FIELDS.map(() => new LocalDictionary());
  private readonly codes = DICT_FIELDS.map(() => new Growable(new Int32Array(1024)));
  private resourceDict = new LocalDictionary();
  private readonly resourceStart = new Growable(new Int32Array(1024));
  private readonly resourceCodes = new Growable(new Int32Array(1024));
  private readonly eventIds = new GrowableIds();
  private readonly requestIds = new GrowableIds();
  private sharedEventIds: [number, string][] = [];

  constructor() {
    this.resourceStart.push(0);
  }

  get count(): number {
    return this.time.length;
  }

  addFile(file: BatchFile): number {
    this.files.push(file);
    return this.files.length - 1;
  }

  file(index: number): BatchFile {
    return this.files[index];
  }

  add(event: NormalizedEvent, fileIndex: number, location: RecordLocation): void {
    const index = this.time.length;
    this.fileOf.push(fileIndex);
    this.offset.push(location.offset);
    this.length.push(location.length);
    this.time.push(event.time);
    // Written out in DICT_FIELDS order (checked by a unit test): this runs once per event.
    const d = this.dicts;
    const c = this.codes;
    c[0].push(d[0].code(event.eventName));
    c[1].push(d[1].code(event.eventSource));
    c[2].push(d[2].code(event.region));
    c[3].push(d[3].code(event.account));
    c[4].push(d[4].code(event.callerAccount));
    c[5].push(d[5].code(event.principal));
    c[6].push(d[6].code(event.principalType));
    c[7].push(d[7].code(event.issuer));
    c[8].push(d[8].code(event.session));
    c[9].push(d[9].code(event.sessionName));
    c[10].push(d[10].code(event.sourceIdentity));
    c[11].push(d[11].code(event.accessKeyId));
    c[12].push(d[12].code(event.sourceIp));
    c[13].push(d[13].code(event.userAgent));
    c[14].push(d[14].code(event.readOnly === undefined ? undefined : event.readOnly ? 'true' : 'false'));
    c[15].push(d[15].code(event.errorCode));
    c[16].push(d[16].code(event.eventCategory));
    c[17].push(d[17].code(event.eventType));
    c[18].push(d[18].code(event.invokedBy));
    c[19].push(d[19].code(event.issuedAccessKeyId));
    for (const arn of event.resources) this.resourceCodes.push(this.resourceDict.code(arn));
    this.resourceStart.push(this.resourceCodes.length);
    this.eventIds.set(index, event.eventId);
    this.requestIds.set(index, event.requestId);
    if (event.sharedEventId !== undefined) this.sharedEventIds.push([index, event.sharedEventId]);
  }

  /** Hands the batch over and starts a new one (files are not carried over). */
  take(): EventBatch {
    const count = this.time.length;
    const batch: EventBatch = {
      count,
      files: this.files.splice(0),
      fileOf: this.fileOf.take(),
      offset: this.offset.take(),
      length: this.length.take(),
      time: this.time.take(),
      dicts: this.dicts.map((d) => d.values),
      codes: this.codes.map((c) => c.take()),
      resourceDict: this.resourceDict.values,
      resourceStart: this.resourceStart.take(),
      resourceCodes: this.resourceCodes.take(),
      eventIds: this.eventIds.take(count),
      requestIds: this.requestIds.take(count),
      sharedEventIds: this.sharedEventIds,
    };
    this.dicts = DICT_FIELDS.map(() => new LocalDictionary());
    this.resourceDict = new LocalDictionary();
    this.resourceStart.push(0);
    this.sharedEventIds = [];
    return batch;
  }
}

/** The typed arrays of a batch, for zero-copy postMessage. */
export function transferables(batch: EventBatch): ArrayBuffer[] {
  return [
    batch.fileOf,
    batch.offset,
    batch.length,
    batch.time,
    batch.resourceStart,
    batch.resourceCodes,
    batch.eventIds.words,
    batch.eventIds.kinds,
    batch.requestIds.words,
    batch.requestIds.kinds,
    ...batch.codes,
  ].map((a) => a.buffer as ArrayBuffer);
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
    dicts: [],
    codes: DICT_FIELDS.map(() => new Int32Array(count)),
    resourceDict: [],
    resourceStart: new Int32Array(count + 1),
    resourceCodes: new Int32Array(resourceTotal),
    eventIds: { words: new Uint32Array(count * 4), kinds: new Uint8Array(count), texts: [] },
    requestIds: { words: new Uint32Array(count * 4), kinds: new Uint8Array(count), texts: [] },
    sharedEventIds: [],
  };
  const dicts = DICT_FIELDS.map(() => new LocalDictionary());
  const resourceDict = new LocalDictionary();
  let at = 0;
  let resourceAt = 0;
  for (const batch of batches) {
    const fileBase = combined.files.length;
    combined.files.push(...batch.files);
    for (let i = 0; i < batch.count; i++) combined.fileOf[at + i] = fileBase + batch.fileOf[i];
    combined.offset.set(batch.offset, at);
    combined.length.set(batch.length, at);
    combined.time.set(batch.time, at);
    batch.dicts.forEach((values, f) => {
      const remap = new Int32Array(values.length);
      for (let c = 1; c < values.length; c++) remap[c] = dicts[f].code(values[c]);
      const from = batch.codes[f];
      const to = combined.codes[f];
      for (let i = 0; i < batch.count; i++) to[at + i] = remap[from[i]];
    });
    const resourceRemap = new Int32Array(batch.resourceDict.length);
    for (let c = 1; c < batch.resourceDict.length; c++) resourceRemap[c] = resourceDict.code(batch.resourceDict[c]);
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
    at += batch.count;
    resourceAt += batch.resourceCodes.length;
  }
  combined.dicts = dicts.map((d) => d.values);
  combined.resourceDict = resourceDict.values;
  return combined;
}
