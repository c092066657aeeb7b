import { JsonObject } from '../model/event';

/** What a file holds, detected from its content (never from its name alone). */
export type FileFormat =
  | 'trail' // {"Records":[...]} as S3 delivers it (.json or .json.gz)
  | 'digest' // CloudTrail-Digest integrity file: listed, never indexed as events
  | 'digest-signature' // <digest>.signature.json: a digest's S3 signature metadata kept beside it for offline validation
  | 'lookup' // `aws cloudtrail lookup-events` output, possibly several documents concatenated
  | 'logs' // `aws logs filter-log-events` / `get-log-events` output: {"events":[{"message":"<event JSON>",…}],…}
  | 'jsonl' // one event (or {message: event}, or a Logstash record) per line
  | 'csv' // console Event history CSV export
  | 'array' // a top-level JSON array of events (also console Event history JSON export)
  | 'single'; // one event object

/**
 * Where a record can be found again, to fetch its raw JSON lazily.
 * length > 0: byte range [offset, offset+length) of the record's text in the file's
 *   decompressed content (for JSON lines the line, for LookupEvents the Events[] element,
 *   for CSV the row).
 * length === 0: `offset` is the record's ordinal among the records the reader emitted for
 *   this file (used where the reader parsed a small file whole).
 */
export interface RecordLocation {
  offset: number;
  length: number;
}

/** A file, or part of one, that could not be read; the rest of the work goes on. */
export interface FileProblem {
  path: string;
  reason: string;
  /** Byte offset in the decompressed content where the problem was found, when known. */
  offset?: number;
}

/** AWSLogs/[o-xxxx/]<account>/CloudTrail[-Digest|-Insight]/<region>/YYYY/MM/DD/<file> */
export interface TrailKeyLayout {
  orgId?: string;
  account: string;
  region: string;
  /** Delivery date YYYY-MM-DD from the key. */
  date: string;
  digest: boolean;
  /** A CloudTrail-Insight/ key: the trail's Insights events (read like any trail file). */
  insight?: true;
}

export interface EvidenceFile {
  path: string;
  size: number;
  mtimeMs: number;
  layout?: TrailKeyLayout;
}

/**
 * The file as a reader found it when it opened it (fstat of the descriptor it read from): the
 * identity a later re-read must find again before it may trust what it reads. `crc`: a CRC-32
 * of the file's bytes as read (gzip's own, from its trailer, for a gzip file), given for a file
 * whose records the trail scanner may index (their content hashes are left for later, see
 * lazy-hash.ts): two files of equal size and CRC may be the same bytes, which the index
 * confirms (SHA-256 of both, read again) before it takes two records at the same place in them
 * for one.
 */
export interface FileSeen {
  dev: number;
  ino: number;
  ctimeMs: number;
  mtimeMs: number;
  size: number;
  crc?: number;
}

export interface ReadResult {
  format?: FileFormat;
  records: number;
  /** Problems inside the file; records before a corruption are still emitted. */
  problems: FileProblem[];
}

export type RecordCallback = (event: JsonObject, location: RecordLocation) => void;

export interface ReadOptions {
  signal?: AbortSignal;
  /** Reads whole `{"Records":[...]}` documents in memory itself (the index's trail scanner). */
  wholeTrail?: WholeTrailReader;
}

/**
 * A reader of a whole trail document's bytes that indexes its events itself instead of
 * receiving them as objects.
 */
export interface WholeTrailReader {
  /** Reads the document at content[start...]; false, having read nothing, when it cannot read all of it. */
  read(content: Buffer, start: number, records: TrailRecordSink): boolean;
}

/** What a WholeTrailReader tells the file's reader as it goes. */
export interface TrailRecordSink {
  /** Counts one event it indexed itself and returns that event's location. */
  indexed(): RecordLocation;
  /** A Records item it leaves to the generic path (unwrapping, non-events, problems). */
  generic(value: unknown): void;
}
