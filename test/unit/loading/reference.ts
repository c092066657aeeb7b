/**
 * The reference reader of the differential loading test: what a folder of evidence holds,
 * read the plainest way there is (readFileSync, zlib.gunzipSync, JSON.parse), sharing no
 * code with the engine. It reads the shapes the generator (evidence-gen.ts) writes, which
 * are the inputs of docs/inputs.md:
 *
 * - a JSON document, or several concatenated (JSON lines, `jq '.Records[]'` output,
 *   LookupEvents pages), each value being
 *   - `{"Records":[…]}` (S3 trail objects, Event history JSON export): every element;
 *   - a top-level array (Event history JSON export): every element;
 *   - `{"Events":[{"CloudTrailEvent":"<JSON text>",…}]}` (`aws cloudtrail lookup-events`);
 *   - `{"events":[{"message":"<JSON text>",…}],"searchedLogStreams":[…]}` (`aws logs
 *     filter-log-events`);
 *   - a CloudTrail-Digest document: counted as a digest, no events;
 *   - an object wrapping the record in `message` (object or JSON text), `event` or `detail`;
 *   - the record itself;
 * - a CSV export whose `CloudTrail event` column holds each record as JSON text.
 *
 * A record is an object with `eventVersion` (every record CloudTrail delivers has one,
 * Insights records included).
 *
 * Duplicates: records with the same eventID AND identical content (the same JSON text once
 * parsed and written again) are one event: the engine collapses those, the same record
 * delivered twice. Records that share an eventID but differ are two events. Records without
 * an eventID are never collapsed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface ReferenceEvent {
  /** The record's eventID ('' when it has none). */
  eventId: string;
  /** SHA-256 of the record as JSON text (JSON.stringify of the parsed record). */
  hash: string;
}

export interface ReferenceResult {
  /** Unique events, each as `eventID \t hash`, sorted. */
  events: string[];
  /** Records read, duplicates included. */
  records: number;
  duplicates: number;
  /** Files that held at least one record. */
  files: number;
  digests: number;
  /** Files that are readable but hold no record (the engine reports each). */
  empty: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every file below `root`, hidden names excepted (the generator writes none). */
function filesBelow(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The top-level JSON values of a text, one after another (whitespace between them). */
export function jsonValues(text: string): Json[] {
  const values: Json[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (--depth === 0) {
          i++;
          break;
        }
      }
    }
    values.push(JSON.parse(text.slice(start, i)) as Json);
  }
  return values;
}

/** RFC 4180: quoted cells may hold commas, line breaks and doubled quotes. */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** The records one parsed value holds, and whether it is a digest. */
function recordsOf(value: Json): { records: JsonObject[]; digest: boolean } {
  const records: JsonObject[] = [];
  if (Array.isArray(value)) {
    for (const item of value) records.push(...recordsOf(item).records);
    return { records, digest: false };
  }
  if (!isObject(value)) return { records, digest: false };
  if (typeof value.eventVersion === 'string') return { records: [value], digest: false };
  if (value.digestStartTime !== undefined) return { records, digest: true };
  if (Array.isArray(value.Records)) return recordsOf(value.Records);
  if (Array.isArray(value.Events)) {
    for (const item of value.Events) if (isObject(item) && typeof item.CloudTrailEvent === 'string') records.push(JSON.parse(item.CloudTrailEvent) as JsonObject);
    return { records, digest: false };
  }
  if (Array.isArray(value.events)) {
    for (const item of value.events) if (isObject(item) && typeof item.message === 'string') records.push(JSON.parse(item.message) as JsonObject);
    return { records, digest: false };
  }
  for (const key of ['message', 'event', 'detail']) {
    const inner = value[key];
    if (typeof inner === 'string') return recordsOf(JSON.parse(inner) as Json);
    if (isObject(inner)) return recordsOf(inner);
  }
  return { records, digest: false };
}

function readFile(file: string): { records: JsonObject[]; digest: boolean } {
  let bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const text = bytes.toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    const records: JsonObject[] = [];
    let digest = false;
    for (const value of jsonValues(text)) {
      const read = recordsOf(value);
      records.push(...read.records);
      digest ||= read.digest;
    }
    return { records, digest };
  }
  const [header, ...rows] = csvRows(text);
  const column = header.indexOf('CloudTrail event');
  if (column === -1) throw new Error(`reference: ${file} is neither JSON nor a CSV export with a CloudTrail event column`);
  return { records: rows.filter((row) => row.length > column).map((row) => JSON.parse(row[column]) as JsonObject), digest: false };
}

/** Reads every file below `root` and collects the events the engine must find. */
export function referenceRead(root: string): ReferenceResult {
  const seen = new Set<string>();
  const result: ReferenceResult = { events: [], records: 0, duplicates: 0, files: 0, digests: 0, empty: [] };
  for (const file of filesBelow(root)) {
    const { records, digest } = readFile(file);
    if (digest) {
      result.digests++;
      continue;
    }
    if (records.length === 0) result.empty.push(file);
    else result.files++;
    for (const record of records) {
      result.records++;
      const eventId = typeof record.eventID === 'string' ? record.eventID : '';
      const key = `${eventId}\t${hashRecord(record)}`;
      if (eventId !== '' && seen.has(key)) {
        result.duplicates++;
        continue;
      }
      seen.add(key);
      result.events.push(key);
    }
  }
  result.events.sort();
  result.empty.sort();
  return result;
}

export function hashRecord(record: unknown): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex');
}
