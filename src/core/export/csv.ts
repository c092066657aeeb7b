/**
 * CSV for evidence export: RFC 4180 (every field quoted, quotes doubled, CRLF
 * between records) and safe against formula injection.
 *
 * Every CloudTrail field is attacker-controlled: a `userAgent` of
 * `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` would be evaluated by a spreadsheet
 * that opens the file. Following the OWASP CSV-injection guidance (and ASVS
 * 1.2.10), a cell whose first character is `=`, `+`, `-`, `@`, TAB, CR, LF or
 * NUL (or the full-width `＝＋－＠`) gets a leading single quote `'`, which
 * spreadsheets take as "this is text". Plain-text consumers see the quote: the
 * JSON lines file next to the CSV is the exact record.
 */
import { JsonObject } from '../model/event';
import { jsonText } from '../model/json-text';
import { normalizeEvent } from '../model/normalize';

const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\n', '\0', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** Neutralises a value a spreadsheet would evaluate as a formula. */
export function defuseFormula(value: string): string {
  return value.length > 0 && FORMULA_TRIGGERS.has(value[0]) ? `'${value}` : value;
}

/** One CSV field: formula-defused, then quoted (always) with inner quotes doubled. */
export function csvField(value: string): string {
  const safe = defuseFormula(value);
  return `"${safe.includes('"') ? safe.replace(/"/g, '""') : safe}"`;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(values: readonly string[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return jsonText(value) ?? '';
}

export interface CsvColumn {
  header: string;
  value(event: JsonObject): string;
}

/** A getter for a dotted path, split once (the columns run for every exported event). */
const path = (dotted: string) => {
  const parts = dotted.split('.');
  if (parts.length === 1) return (event: JsonObject) => text(event[dotted]);
  return (event: JsonObject) => {
    let current: unknown = event;
    for (const part of parts) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return '';
      current = (current as JsonObject)[part];
    }
    return text(current);
  };
};

/** The fixed column set, in order. Structured fields (requestParameters...) are compact JSON. */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { header: 'eventTime', value: path('eventTime') },
  { header: 'eventName', value: path('eventName') },
  { header: 'eventSource', value: path('eventSource') },
  { header: 'awsRegion', value: path('awsRegion') },
  { header: 'recipientAccountId', value: path('recipientAccountId') },
  { header: 'identityType', value: path('userIdentity.type') },
  { header: 'principalArn', value: path('userIdentity.arn') },
  { header: 'principal', value: (e) => normalizeEvent(e).principal },
  { header: 'callerAccountId', value: path('userIdentity.accountId') },
  { header: 'sessionIssuerArn', value: path('userIdentity.sessionContext.sessionIssuer.arn') },
  { header: 'accessKeyId', value: path('userIdentity.accessKeyId') },
  { header: 'sourceIPAddress', value: path('sourceIPAddress') },
  { header: 'userAgent', value: path('userAgent') },
  { header: 'errorCode', value: path('errorCode') },
  { header: 'errorMessage', value: path('errorMessage') },
  { header: 'readOnly', value: path('readOnly') },
  { header: 'eventType', value: path('eventType') },
  { header: 'eventCategory', value: path('eventCategory') },
  { header: 'eventID', value: path('eventID') },
  { header: 'requestID', value: path('requestID') },
  { header: 'sharedEventID', value: path('sharedEventID') },
  { header: 'requestParameters', value: path('requestParameters') },
  { header: 'responseElements', value: path('responseElements') },
  { header: 'resources', value: path('resources') },
];

export function csvHeader(columns: readonly CsvColumn[] = CSV_COLUMNS): string {
  return csvRow(columns.map((c) => c.header));
}

export function csvRecord(event: JsonObject, columns: readonly CsvColumn[] = CSV_COLUMNS): string {
  return csvRow(columns.map((c) => c.value(event)));
}
