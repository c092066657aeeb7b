/**
 * CSV exports of CloudTrail Event history (console "Download events > CSV") and of query
 * results with CloudTrail column names (Athena, CloudTrail Lake). RFC 4180 at the byte
 * level: quoted cells with commas, doubled quotes, CRLF or LF, newlines inside quotes.
 */
import { JsonObject } from '../model/event';
import { looksLikeCloudTrailEvent } from '../model/normalize';
import { Unwrapped, resourceEntry, unwrapRecord } from './unwrap';

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface CsvRow {
  cells: string[];
  /** End of the row's text (before its line break). */
  end: number;
  /** Start of the next row. */
  next: number;
  unterminatedQuote: boolean;
}

function decode(buffer: Buffer, start: number, end: number, doubledQuotes: boolean): string {
  const text = buffer.toString('utf8', start, end);
  return doubledQuotes ? text.replace(/""/g, '"') : text;
}

/**
 * Parses the row starting at `start`. Returns undefined when the row may continue past the
 * end of `buffer` and `final` is false (more content is coming).
 */
export function parseCsvRow(buffer: Buffer, start: number, final: boolean): CsvRow | undefined {
  const cells: string[] = [];
  const length = buffer.length;
  let i = start;
  for (;;) {
    let value: string;
    if (i < length && buffer[i] === QUOTE) {
      let searchFrom = i + 1;
      let doubledQuotes = false;
      let closing = -1;
      for (;;) {
        const quote = buffer.indexOf(QUOTE, searchFrom);
        if (quote < 0) break;
        if (quote + 1 < length && buffer[quote + 1] === QUOTE) {
          doubledQuotes = true;
          searchFrom = quote + 2;
          continue;
        }
        if (quote + 1 >= length && !final) return undefined;
        closing = quote;
        break;
      }
      if (closing < 0) {
        if (!final) return undefined;
        cells.push(decode(buffer, i + 1, length, doubledQuotes));
        return { cells, end: length, next: length, unterminatedQuote: true };
      }
      value = decode(buffer, i + 1, closing, doubledQuotes);
      i = closing + 1;
      // Lenient: text between a closing quote and the next delimiter is kept as written.
      let stray = i;
      while (stray < length && buffer[stray] !== COMMA && buffer[stray] !== NEWLINE) stray++;
      if (stray > i) {
        const strayEnd = buffer[stray - 1] === CARRIAGE_RETURN && stray < length ? stray - 1 : stray;
        value += buffer.toString('utf8', i, strayEnd);
      }
      i = stray;
    } else {
      let stop = i;
      while (stop < length && buffer[stop] !== COMMA && buffer[stop] !== NEWLINE) stop++;
      const cellEnd = stop < length && buffer[stop] === NEWLINE && stop > i && buffer[stop - 1] === CARRIAGE_RETURN ? stop - 1 : stop;
      value = buffer.toString('utf8', i, cellEnd);
      i = stop;
    }
    if (i >= length) {
      if (!final) return undefined;
      cells.push(value);
      const end = length > start && buffer[length - 1] === CARRIAGE_RETURN ? length - 1 : length;
      return { cells, end, next: length, unterminatedQuote: false };
    }
    cells.push(value);
    if (buffer[i] === COMMA) {
      i++;
      continue;
    }
    const end = i > start && buffer[i - 1] === CARRIAGE_RETURN ? i - 1 : i;
    return { cells, end, next: i + 1, unterminatedQuote: false };
  }
}

export interface CsvRowHandlers {
  row(cells: string[], start: number, end: number): void;
  oversized(start: number, length: number): void;
  unterminated(start: number): void;
}

/** Feeds chunks, calls back once per complete row; holds at most one row across chunks. */
export class CsvRowSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private carryStart = 0;
  private skippingOversized = false;

  constructor(
    private readonly handlers: CsvRowHandlers,
    private readonly maxRowBytes: number,
  ) {}

  push(chunk: Buffer, base: number): void {
    const buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const bufferStart = this.carry.length > 0 ? this.carryStart : base;
    this.consume(buffer, bufferStart, false);
  }

  end(): void {
    if (this.carry.length > 0) this.consume(this.carry, this.carryStart, true);
    this.carry = Buffer.alloc(0);
  }

  private consume(buffer: Buffer, bufferStart: number, final: boolean): void {
    let position = 0;
    while (position < buffer.length) {
      const row = parseCsvRow(buffer, position, final);
      if (!row) break;
      if (row.unterminatedQuote) {
        this.handlers.unterminated(bufferStart + position);
      } else if (!this.skippingOversized) {
        this.handlers.row(row.cells, bufferStart + position, bufferStart + row.end);
      }
      this.skippingOversized = false;
      position = row.next;
    }
    const rest = buffer.subarray(position);
    if (rest.length > this.maxRowBytes) {
      // One row larger than any sane export: report it and drop what is held.
      this.handlers.oversized(bufferStart + position, rest.length);
      this.skippingOversized = true;
      this.carry = Buffer.alloc(0);
      return;
    }
    this.carry = Buffer.from(rest);
    this.carryStart = bufferStart + position;
  }
}

type ColumnField =
  | 'eventID'
  | 'eventTime'
  | 'eventName'
  | 'eventSource'
  | 'awsRegion'
  | 'sourceIPAddress'
  | 'errorCode'
  | 'errorMessage'
  | 'userAgent'
  | 'recipientAccountId'
  | 'requestID'
  | 'eventType'
  | 'eventCategory'
  | 'readOnly'
  | 'userName'
  | 'accessKeyId'
  | 'resourceType'
  | 'resourceName'
  | 'cloudTrailEvent';

/**
 * Header names, lower-cased with everything but letters and digits removed, so "Event time",
 * "eventtime" (Athena) and "event_time" all match. Console Event history columns: Event ID,
 * Event time, User name, Event name, Resource type, Resource name, AWS access key, Event source,
 * AWS region, Error code, Source IP address, Read-only, CloudTrail event.
 */
const HEADER_FIELDS: Record<string, ColumnField> = {
  eventid: 'eventID',
  eventtime: 'eventTime',
  eventname: 'eventName',
  eventsource: 'eventSource',
  awsregion: 'awsRegion',
  region: 'awsRegion',
  sourceipaddress: 'sourceIPAddress',
  errorcode: 'errorCode',
  errormessage: 'errorMessage',
  useragent: 'userAgent',
  recipientaccountid: 'recipientAccountId',
  requestid: 'requestID',
  eventtype: 'eventType',
  eventcategory: 'eventCategory',
  readonly: 'readOnly',
  username: 'userName',
  awsaccesskey: 'accessKeyId',
  accesskeyid: 'accessKeyId',
  resourcetype: 'resourceType',
  resourcename: 'resourceName',
  cloudtrailevent: 'cloudTrailEvent',
};

const PLAIN_STRING_FIELDS = [
  'eventID',
  'eventTime',
  'eventName',
  'eventSource',
  'awsRegion',
  'sourceIPAddress',
  'errorCode',
  'errorMessage',
  'userAgent',
  'recipientAccountId',
  'requestID',
  'eventType',
  'eventCategory',
] as const;

export type CsvColumns = Partial<Record<ColumnField, number>>;

export type CsvHeader = { kind: 'cloudtrail'; columns: CsvColumns } | { kind: 'unrecognised'; reason: string };

function normaliseHeaderName(name: string): string {
  return name.replace(/^\uFEFF/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Decides from the header row whether this CSV holds CloudTrail events, and where each field is. */
export function readCsvHeader(header: string[]): CsvHeader {
  const columns: CsvColumns = {};
  header.forEach((name, index) => {
    const field = HEADER_FIELDS[normaliseHeaderName(name)];
    if (field !== undefined && columns[field] === undefined) columns[field] = index;
  });
  const hasFullEvent = columns.cloudTrailEvent !== undefined;
  const hasSummary = columns.eventName !== undefined && columns.eventTime !== undefined && (columns.eventID !== undefined || columns.eventSource !== undefined);
  if (hasFullEvent || hasSummary) return { kind: 'cloudtrail', columns };
  const shown = header
    .slice(0, 12)
    .map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name))
    .join(', ');
  return {
    kind: 'unrecognised',
    reason: `not a CloudTrail export: unrecognised CSV columns (${shown}${header.length > 12 ? ', …' : ''}); expected "CloudTrail event", or "Event name" and "Event time" with "Event ID" or "Event source"`,
  };
}

function cell(cells: string[], index: number | undefined): string | undefined {
  if (index === undefined) return undefined;
  const value = cells[index];
  return value !== undefined && value.length > 0 ? value : undefined;
}

/** "A, B" in both the type and the name cell are two resources; anything else is one. */
function resourcesFromCells(type: string | undefined, name: string | undefined): JsonObject[] | undefined {
  if (!type && !name) return undefined;
  const types = type?.split(', ') ?? [];
  const names = name?.split(', ') ?? [];
  if (types.length > 1 && types.length === names.length) return names.map((n, i) => resourceEntry(types[i], n));
  return [resourceEntry(type, name)];
}

function recordFromColumns(columns: CsvColumns, cells: string[]): JsonObject {
  const record: JsonObject = {};
  for (const field of PLAIN_STRING_FIELDS) {
    const value = cell(cells, columns[field]);
    if (value !== undefined) record[field] = value;
  }
  const readOnly = cell(cells, columns.readOnly)?.toLowerCase();
  if (readOnly === 'true' || readOnly === 'false') record.readOnly = readOnly === 'true';
  const userName = cell(cells, columns.userName);
  const accessKeyId = cell(cells, columns.accessKeyId);
  if (userName || accessKeyId) {
    const identity: JsonObject = {};
    if (userName) identity.userName = userName;
    if (accessKeyId) identity.accessKeyId = accessKeyId;
    record.userIdentity = identity;
  }
  const resources = resourcesFromCells(cell(cells, columns.resourceType), cell(cells, columns.resourceName));
  if (resources) record.resources = resources;
  return record;
}

/** True for a row with nothing in it (a trailing blank line). */
export function isBlankRow(cells: string[]): boolean {
  return cells.every((value) => value.trim().length === 0);
}

/** One data row -> the CloudTrail record: the full-event cell when readable, else the columns. */
export function recordFromCsvRow(columns: CsvColumns, cells: string[]): Unwrapped {
  const fullEvent = cell(cells, columns.cloudTrailEvent);
  if (fullEvent !== undefined) {
    try {
      const unwrapped = unwrapRecord(JSON.parse(fullEvent));
      if (unwrapped.kind === 'event') return unwrapped;
    } catch {
      // Unreadable full event: fall through to the summary columns.
    }
  }
  const record = recordFromColumns(columns, cells);
  if (!looksLikeCloudTrailEvent(record)) {
    return { kind: 'other', description: 'a CSV row without an event name, time and source' };
  }
  return { kind: 'event', event: record, rebuilt: columns.cloudTrailEvent !== undefined };
}
