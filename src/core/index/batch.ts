/**
 * An EventBatch is the columnar form in which normalised events travel: from parse workers
 * to the index, from live fetches, and to and from the on-disk cache. Dictionaries are
 * local to the batch; the index re-codes them into its own.
 */
import { NormalizedEvent } from '../model/event';
import { FileFormat, FileProblem, RecordLocation, TrailKeyLayout } from '../sources/types';

/** Fields stored dictionary-coded, one value per event. */
export const DICT_FIELDS = [
  'eventName',
  'eventSource',
  'region',
  'account',
  'callerAccount',
  'principal',
  'principalType',
  'issuer',
  'session',
  'sessionName',
  'sourceIdentity',
  'accessKey',
  'ip',
  'userAgent',
  'readOnly',
  'error',
  'category',
  'eventType',
  'invokedBy',
  'issuedKey',
] as const;

export type DictField = (typeof DICT_FIELDS)[number];

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
  eventIds: (string | null)[];
  requestIds: (string | null)[];
  sharedEventIds: [number, string][];
}

class LocalDictionary {
  readonly values: string[] = [''];
  private readonly codes = new Map<string, number>();

  code(value: string | undefined): number {
    if (value === undefined) return 0;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }
}

/** Accumulates normalised events into an EventBatch. */
export class BatchBuilder {
  private readonly files: BatchFile[] = [];
  private fileOf: number[] = [];
  private offset: number[] = [];
  private length: number[] = [];
  private time: number[] = [];
  private dicts = DICT_FIELDS.map(() => new LocalDictionary());
  private codes: number[][] = DICT_FIELDS.map(() => []);
  private resourceDict = new LocalDictionary();
  private resourceStart: number[] = [0];
  private resourceCodes: number[] = [];
  private eventIds: (string | null)[] = [];
  private requestIds: (string | null)[] = [];
  private sharedEventIds: [number, string][] = [];

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
    for (let f = 0; f < DICT_FIELDS.length; f++) {
      this.codes[f].push(this.dicts[f].code(dictFieldValue(event, DICT_FIELDS[f])));
    }
    for (const arn of event.resources) this.resourceCodes.push(this.resourceDict.code(arn));
    this.resourceStart.push(this.resourceCodes.length);
    this.eventIds.push(event.eventId ?? null);
    this.requestIds.push(event.requestId ?? null);
    if (event.sharedEventId !== undefined) this.sharedEventIds.push([index, event.sharedEventId]);
  }

  /** Hands the batch over and starts a new one (files are not carried over). */
  take(): EventBatch {
    const batch: EventBatch = {
      count: this.time.length,
      files: this.files.splice(0),
      fileOf: Int32Array.from(this.fileOf),
      offset: Float64Array.from(this.offset),
      length: Uint32Array.from(this.length),
      time: Float64Array.from(this.time),
      dicts: this.dicts.map((d) => d.values),
      codes: this.codes.map((c) => Int32Array.from(c)),
      resourceDict: this.resourceDict.values,
      resourceStart: Int32Array.from(this.resourceStart),
      resourceCodes: Int32Array.from(this.resourceCodes),
      eventIds: this.eventIds,
      requestIds: this.requestIds,
      sharedEventIds: this.sharedEventIds,
    };
    this.fileOf = [];
    this.offset = [];
    this.length = [];
    this.time = [];
    this.dicts = DICT_FIELDS.map(() => new LocalDictionary());
    this.codes = DICT_FIELDS.map(() => []);
    this.resourceDict = new LocalDictionary();
    this.resourceStart = [0];
    this.resourceCodes = [];
    this.eventIds = [];
    this.requestIds = [];
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
    ...batch.codes,
  ].map((a) => a.buffer as ArrayBuffer);
}
