/**
 * SQL (Trino dialect) for the current filter, against an Athena CloudTrail table (the
 * standard schema: lower-case columns, `eventtime` a string, `useridentity` a struct,
 * partition projection on `region` and `timestamp` as yyyy/MM/dd) or a CloudTrail Lake event
 * data store (camelCase columns, `eventTime` a timestamp). Every literal is quoted here:
 * single quotes doubled, control and non-ASCII characters as Unicode escapes, so no event
 * text or user value is ever concatenated into the statement unescaped.
 *
 * The SQL pre-filters; the index applies the full filter to the rows that come back. So a
 * term is only pushed into SQL when the SQL condition matches at least every event the
 * engine's term matches (never fewer); other terms are listed as "applied after loading".
 */
import { FilterTerm, isWildcard } from './planner';

export type SqlDialect = 'athena' | 'lake';

export interface ColumnSpec {
  /** The alias the query gives this column. */
  alias: string;
  athena: string;
  /** Undefined when the Lake schema has no faithful equivalent. */
  lake?: string;
  /** Where the value goes in the rebuilt CloudTrail record. */
  path: readonly string[];
  kind: 'string' | 'json' | 'bool';
}

const c = (alias: string, athena: string, lake: string | undefined, path: string, kind: ColumnSpec['kind'] = 'string'): ColumnSpec => ({
  alias,
  athena,
  lake,
  path: path.split('.'),
  kind,
});

/** The columns selected, and how each is put back into a CloudTrail-shaped record. */
export const COLUMNS: readonly ColumnSpec[] = [
  c('eventversion', 'eventversion', 'eventVersion', 'eventVersion'),
  c('eventtime', 'eventtime', 'eventTime', 'eventTime'),
  c('eventsource', 'eventsource', 'eventSource', 'eventSource'),
  c('eventname', 'eventname', 'eventName', 'eventName'),
  c('awsregion', 'awsregion', 'awsRegion', 'awsRegion'),
  c('sourceipaddress', 'sourceipaddress', 'sourceIPAddress', 'sourceIPAddress'),
  c('useragent', 'useragent', 'userAgent', 'userAgent'),
  c('errorcode', 'errorcode', 'errorCode', 'errorCode'),
  c('errormessage', 'errormessage', 'errorMessage', 'errorMessage'),
  c('requestid', 'requestid', 'requestID', 'requestID'),
  c('eventid', 'eventid', 'eventID', 'eventID'),
  c('readonly', 'readonly', 'readOnly', 'readOnly', 'bool'),
  c('eventtype', 'eventtype', 'eventType', 'eventType'),
  c('apiversion', 'apiversion', 'apiVersion', 'apiVersion'),
  c('recipientaccountid', 'recipientaccountid', 'recipientAccountId', 'recipientAccountId'),
  c('sharedeventid', 'sharedeventid', 'sharedEventID', 'sharedEventID'),
  c('vpcendpointid', 'vpcendpointid', 'vpcEndpointId', 'vpcEndpointId'),
  c('eventcategory', 'eventcategory', 'eventCategory', 'eventCategory'),
  c('requestparameters', 'requestparameters', undefined, 'requestParameters', 'json'),
  c('responseelements', 'responseelements', undefined, 'responseElements', 'json'),
  c('additionaleventdata', 'additionaleventdata', undefined, 'additionalEventData', 'json'),
  c('serviceeventdetails', 'serviceeventdetails', undefined, 'serviceEventDetails', 'json'),
  c('ui_type', 'useridentity.type', 'userIdentity.type', 'userIdentity.type'),
  c('ui_principalid', 'useridentity.principalid', 'userIdentity.principalId', 'userIdentity.principalId'),
  c('ui_arn', 'useridentity.arn', 'userIdentity.arn', 'userIdentity.arn'),
  c('ui_accountid', 'useridentity.accountid', 'userIdentity.accountId', 'userIdentity.accountId'),
  c('ui_accesskeyid', 'useridentity.accesskeyid', 'userIdentity.accessKeyId', 'userIdentity.accessKeyId'),
  c('ui_username', 'useridentity.username', 'userIdentity.userName', 'userIdentity.userName'),
  c('ui_invokedby', 'useridentity.invokedby', 'userIdentity.invokedBy', 'userIdentity.invokedBy'),
  c(
    'ui_mfa',
    'useridentity.sessioncontext.attributes.mfaauthenticated',
    'userIdentity.sessionContext.attributes.mfaAuthenticated',
    'userIdentity.sessionContext.attributes.mfaAuthenticated',
  ),
  c(
    'ui_creationdate',
    'useridentity.sessioncontext.attributes.creationdate',
    'userIdentity.sessionContext.attributes.creationDate',
    'userIdentity.sessionContext.attributes.creationDate',
  ),
  c(
    'ui_issuer_type',
    'useridentity.sessioncontext.sessionissuer.type',
    'userIdentity.sessionContext.sessionIssuer.type',
    'userIdentity.sessionContext.sessionIssuer.type',
  ),
  c(
    'ui_issuer_principalid',
    'useridentity.sessioncontext.sessionissuer.principalid',
    'userIdentity.sessionContext.sessionIssuer.principalId',
    'userIdentity.sessionContext.sessionIssuer.principalId',
  ),
  c(
    'ui_issuer_arn',
    'useridentity.sessioncontext.sessionissuer.arn',
    'userIdentity.sessionContext.sessionIssuer.arn',
    'userIdentity.sessionContext.sessionIssuer.arn',
  ),
  c(
    'ui_issuer_accountid',
    'useridentity.sessioncontext.sessionissuer.accountid',
    'userIdentity.sessionContext.sessionIssuer.accountId',
    'userIdentity.sessionContext.sessionIssuer.accountId',
  ),
  c(
    'ui_issuer_username',
    'useridentity.sessioncontext.sessionissuer.username',
    'userIdentity.sessionContext.sessionIssuer.userName',
    'userIdentity.sessionContext.sessionIssuer.userName',
  ),
  c(
    'resources_json',
    "json_format(CAST(transform(resources, r -> MAP(ARRAY['ARN', 'accountId', 'type'], ARRAY[r.arn, r.accountid, r.type])) AS JSON))",
    undefined,
    'resources',
    'json',
  ),
];

/** Engine field → column, per dialect. Only fields whose SQL test is never narrower than the engine's. */
const FIELD_COLUMNS: Readonly<Record<string, { athena: string; lake: string; bool?: boolean; arnOnly?: boolean }>> = {
  eventname: { athena: 'eventname', lake: 'eventName' },
  eventsource: { athena: 'eventsource', lake: 'eventSource' },
  region: { athena: 'awsregion', lake: 'awsRegion' },
  account: { athena: 'recipientaccountid', lake: 'recipientAccountId' },
  calleraccount: { athena: 'useridentity.accountid', lake: 'userIdentity.accountId' },
  // The engine's principal key is the ARN when there is one; synthetic keys stay local.
  principal: { athena: 'useridentity.arn', lake: 'userIdentity.arn', arnOnly: true },
  principaltype: { athena: 'useridentity.type', lake: 'userIdentity.type' },
  issuer: { athena: 'useridentity.sessioncontext.sessionissuer.arn', lake: 'userIdentity.sessionContext.sessionIssuer.arn' },
  accesskey: { athena: 'useridentity.accesskeyid', lake: 'userIdentity.accessKeyId' },
  ip: { athena: 'sourceipaddress', lake: 'sourceIPAddress' },
  useragent: { athena: 'useragent', lake: 'userAgent' },
  error: { athena: 'errorcode', lake: 'errorCode' },
  eventid: { athena: 'eventid', lake: 'eventID' },
  requestid: { athena: 'requestid', lake: 'requestID' },
  eventtype: { athena: 'eventtype', lake: 'eventType' },
  invokedby: { athena: 'useridentity.invokedby', lake: 'userIdentity.invokedBy' },
  readonly: { athena: 'readonly', lake: 'readOnly', bool: true },
};

/** A Trino string literal for any text: quotes doubled; control and non-ASCII characters escaped. */
export function sqlString(value: string): string {
  if (!/[^\u0020-\u007e]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  let body = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === "'") body += "''";
    else if (ch === '\\') body += '\\\\';
    else if (cp >= 0x20 && cp <= 0x7e) body += ch;
    else if (cp <= 0xffff) body += `\\${cp.toString(16).padStart(4, '0')}`;
    else body += `\\+${cp.toString(16).padStart(6, '0')}`;
  }
  return `U&'${body}'`;
}

/** A quoted identifier (database, table), refusing what no catalog allows. */
export function sqlIdentifier(name: string, what: string): string {
  if (!name || name.length > 255) throw new RangeError(`The ${what} name must be 1 to 255 characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new RangeError(`The ${what} name contains a control character.`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A pattern with `*` (any run) and `?` (one character) as a LIKE pattern with `\` as escape. */
export function likePattern(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

export interface SqlRequest {
  terms: readonly FilterTerm[];
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Limit the query to these regions (also the Athena `region` partition). */
  regions?: readonly string[];
  limit?: number;
  /** When the engine compares case-insensitively, SQL must too (or it would miss events). */
  caseInsensitive?: boolean;
}

export interface AthenaTarget {
  database: string;
  table: string;
  /**
   * The table's columns and partition keys (lower case), from GetTableMetadata. When given,
   * selected columns the table lacks are left out and terms on them stay for the index.
   */
  available?: ReadonlySet<string>;
  /** What the table's metadata told (missing partitions, regions the projection lacks): shown with the SQL. */
  notes?: readonly string[];
  /** Partition column holding the region (projection type enum); '' when the table has none. Default `region`. */
  regionPartition?: string;
  /** Partition column holding the delivery day yyyy/MM/dd; '' when none. Default `timestamp`. */
  datePartition?: string;
}

export interface LakeTarget {
  /** Event data store id, or its ARN (the id is the last path segment). */
  eventDataStore: string;
}

export interface GeneratedSql {
  sql: string;
  dialect: SqlDialect;
  pushed: FilterTerm[];
  /** Terms the SQL could not express exactly; the index applies them after loading. */
  afterLoading: FilterTerm[];
  explanation: string;
  columns: ColumnSpec[];
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function condition(term: FilterTerm, dialect: SqlDialect, caseInsensitive: boolean): string | undefined {
  const col = FIELD_COLUMNS[term.field.toLowerCase()];
  if (!col) return undefined;
  const column = dialect === 'athena' ? col.athena : col.lake;
  if (col.bool) {
    if (!/^(true|false)$/i.test(term.value) || isWildcard(term)) return undefined;
    const v = term.value.toLowerCase();
    return dialect === 'athena' ? `${column} = ${sqlString(v)}` : `${column} = ${v}`;
  }
  if (col.arnOnly && !term.value.startsWith('arn:')) return undefined;
  const wrap = (s: string): string => (caseInsensitive ? `lower(${s})` : s);
  if (isWildcard(term)) {
    const pattern = likePattern(caseInsensitive ? term.value.toLowerCase() : term.value);
    return `${wrap(column)} LIKE ${sqlString(pattern)} ESCAPE '\\'`;
  }
  return `${wrap(column)} = ${sqlString(caseInsensitive ? term.value.toLowerCase() : term.value)}`;
}

function shown(term: FilterTerm): string {
  return `${term.field} = ${JSON.stringify(term.value)}`;
}

function validateRequest(request: SqlRequest): void {
  if (!Number.isFinite(request.start) || !Number.isFinite(request.end) || request.end <= request.start) {
    throw new RangeError('The time range is empty: the end must be after the start.');
  }
  for (const r of request.regions ?? []) if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r)) throw new RangeError(`'${r}' is not a region name.`);
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 1)) throw new RangeError('The row limit must be a positive integer.');
}

/** The top-level column an Athena expression reads (`useridentity.arn` → `useridentity`). */
function athenaSource(expression: string): string {
  return expression.startsWith('json_format(') ? 'resources' : expression.split('.')[0];
}

function build(dialect: SqlDialect, from: string, where: string[], request: SqlRequest, available?: ReadonlySet<string>, notes: readonly string[] = []): GeneratedSql {
  const pushed: FilterTerm[] = [];
  const afterLoading: FilterTerm[] = [];
  const has = (expression: string): boolean => dialect !== 'athena' || !available || available.has(athenaSource(expression));
  for (const term of request.terms) {
    const col = FIELD_COLUMNS[term.field.toLowerCase()];
    const cond = col && has(col.athena) ? condition(term, dialect, request.caseInsensitive ?? false) : undefined;
    if (cond) {
      where.push(cond);
      pushed.push(term);
    } else afterLoading.push(term);
  }
  const columns = COLUMNS.filter((col) => (dialect === 'athena' ? has(col.athena) : col.lake !== undefined));
  const select = columns.map((col) => `  ${dialect === 'athena' ? col.athena : col.lake} AS ${col.alias}`).join(',\n');
  const sql = `SELECT\n${select}\nFROM ${from}\nWHERE ${where.join('\n  AND ')}${request.limit ? `\nLIMIT ${request.limit}` : ''}`;
  const explanation =
    `${dialect === 'athena' ? 'Athena' : 'CloudTrail Lake'} query: time range${request.regions?.length ? ' and regions' : ''}` +
    (pushed.length ? `, ${pushed.map(shown).join(' AND ')}` : '') +
    ' run in SQL' +
    (afterLoading.length ? `; applied after loading: ${afterLoading.map(shown).join(' AND ')}` : '') +
    '.' +
    notes.map((n) => ` ${n}`).join('');
  return { sql, dialect, pushed, afterLoading, explanation, columns };
}

export function athenaSql(target: AthenaTarget, request: SqlRequest): GeneratedSql {
  validateRequest(request);
  const from = `${sqlIdentifier(target.database, 'database')}.${sqlIdentifier(target.table, 'table')}`;
  const where: string[] = [
    `from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp(${sqlString(isoSeconds(request.start))})`,
    `from_iso8601_timestamp(eventtime) < from_iso8601_timestamp(${sqlString(isoSeconds(request.end))})`,
  ];
  const available = target.available;
  if (available && !available.has('eventtime')) {
    throw new RangeError(`The table ${target.database}.${target.table} has no eventtime column: it is not a CloudTrail table.`);
  }
  const notes: string[] = [...(target.notes ?? [])];
  if (available) {
    const missing = COLUMNS.filter((col) => !available.has(athenaSource(col.athena))).map((col) => athenaSource(col.athena));
    if (missing.length) notes.push(`The table has no column ${[...new Set(missing)].join(', ')}: left out of the query.`);
  }
  const datePartition = target.datePartition ?? 'timestamp';
  if (datePartition) {
    // Files are filed under their delivery day, which can be the day after the event.
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/');
    where.push(`${sqlIdentifier(datePartition, 'partition column')} BETWEEN ${sqlString(day(request.start))} AND ${sqlString(day(request.end + 86400_000))}`);
  }
  if (request.regions?.length) {
    const list = request.regions.map(sqlString).join(', ');
    const regionPartition = target.regionPartition ?? 'region';
    if (regionPartition) where.push(`${sqlIdentifier(regionPartition, 'partition column')} IN (${list})`);
    where.push(`awsregion IN (${list})`);
  }
  return build('athena', from, where, request, available, notes);
}

/** What GetTableMetadata says about a table (names lower case, as Athena answers them). */
export interface AthenaTableInfo {
  columns: string[];
  partitionKeys: string[];
  parameters: Record<string, string>;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The target for a table as it really is: which partition key holds the delivery day and
 * which the region (from the names and the partition-projection properties), what is
 * missing, and which asked-for regions the table's projection cannot have. AWS's documented
 * CloudTrail table has a `timestamp` partition alone; tables made by the CloudTrail console
 * may have none; the README's has `region` and `timestamp`.
 */
export function athenaTargetFor(
  database: string,
  table: string,
  info: AthenaTableInfo,
  regions: readonly string[] = [],
): { target: AthenaTarget; notes: string[] } {
  const notes: string[] = [];
  const p = info.parameters;
  const keys = info.partitionKeys.map((k) => k.toLowerCase());
  const projected = (p['projection.enabled'] ?? '').toLowerCase() === 'true';
  const type = (k: string): string | undefined => (projected ? p[`projection.${k}.type`]?.toLowerCase() : undefined);
  let datePartition = '';
  const dateKey = keys.find((k) => type(k) === 'date') ?? keys.find((k) => k === 'timestamp');
  if (dateKey) {
    const format = projected ? p[`projection.${dateKey}.format`] : undefined;
    if (format === undefined || format === 'yyyy/MM/dd') datePartition = dateKey;
    else notes.push(`The day partition ${dateKey} has the format '${format}', not yyyy/MM/dd: not used, so Athena reads every day's files.`);
  } else {
    notes.push('The table has no day partition: Athena reads every file under its location (the bytes scanned, and the cost, grow with the whole trail).');
  }
  const values = (k: string): string[] => (p[`projection.${k}.values`] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const regionKey =
    keys.find((k) => k === 'region' || k === 'awsregion') ??
    keys.find((k) => type(k) === 'enum' && values(k).length > 0 && values(k).every((v) => REGION_NAME.test(v)));
  let regionPartition = '';
  if (regionKey) {
    regionPartition = regionKey;
    if (type(regionKey) === 'enum' && regions.length) {
      const offered = new Set(values(regionKey));
      const absent = regions.filter((r) => !offered.has(r));
      if (absent.length) {
        notes.push(
          `The table's projection (projection.${regionKey}.values) has no ${absent.join(', ')}: Athena finds nothing for ${absent.length === 1 ? 'that region' : 'those regions'} until the table property lists ${absent.length === 1 ? 'it' : 'them'}.`,
        );
      }
    }
  } else if (regions.length) {
    notes.push('The table has no region partition: regions are filtered on awsregion only.');
  }
  const others = keys.filter((k) => k !== datePartition && k !== regionPartition);
  if (others.length) notes.push(`Partition keys not used: ${others.join(', ')}.`);
  const available = new Set([...info.columns, ...info.partitionKeys].map((c) => c.toLowerCase()));
  return { target: { database, table, available, datePartition, regionPartition, notes }, notes };
}

/** The event data store id from an id or ARN (`arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID`). */
export function eventDataStoreId(value: string): string {
  const id = value.trim().split('/').pop() ?? '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new RangeError(`'${value}' is not a CloudTrail Lake event data store id or ARN.`);
  return id;
}

export function lakeSql(target: LakeTarget, request: SqlRequest): GeneratedSql {
  validateRequest(request);
  const lakeTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
  const where = [`eventTime >= ${sqlString(lakeTime(request.start))}`, `eventTime < ${sqlString(lakeTime(request.end))}`];
  if (request.regions?.length) where.push(`awsRegion IN (${request.regions.map(sqlString).join(', ')})`);
  return build('lake', eventDataStoreId(target.eventDataStore), where, request);
}

const BY_ALIAS = new Map(COLUMNS.map((col) => [col.alias, col]));

/**
 * A CloudTrail-shaped record from one result row (column name → text, null for SQL NULL).
 * Columns the generator did not name (the user edited the SQL) are kept at the top level.
 */
export function recordFromRow(row: ReadonlyMap<string, string | null> | Record<string, string | null>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const entries = row instanceof Map ? [...row.entries()] : Object.entries(row);
  for (const [name, raw] of entries) {
    if (raw === null || raw === undefined) continue;
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    const spec = BY_ALIAS.get(name.toLowerCase());
    let value: unknown = raw;
    if (spec?.kind === 'bool') value = raw === 'true' ? true : raw === 'false' ? false : raw;
    else if (spec?.kind === 'json') {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw; // not JSON: keep the text as it came
      }
    }
    if (spec?.path[spec.path.length - 1] === 'eventTime' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(raw)) {
      value = `${raw.replace(' ', 'T').replace(/\.\d+$/, '')}Z`; // Lake answers 'YYYY-MM-DD hh:mm:ss.sss' in UTC
    }
    const path = spec ? spec.path : [name];
    let target = record;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) target = next as Record<string, unknown>;
      else target = target[key] = {} as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
  }
  return record;
}

/** The statement to send: leading `--` comment lines (the header this extension writes) removed. */
export function statementOf(text: string): string {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && (lines[i].trim() === '' || lines[i].trimStart().startsWith('--'))) i++;
  return lines.slice(i).join('\n').trim();
}
