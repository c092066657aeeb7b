/**
 * The Events table's message protocol, imported by both the extension host and the webview
 * bundle. No DOM, no vscode: plain data and pure validation.
 *
 * The webview pulls windows of rows (`requestRows`: an offset and a limit into the sorted
 * selection); the host never sends the whole selection. Everything that crosses is checked
 * on arrival (`parseTableMessage` in the host, `parseHostMessage` in the webview). No message
 * names a command to run or a path to open: `open` and `cellAction` carry an event id and a
 * column id, and the host reads the value from its own index, never from the webview.
 *
 * Every cell is CloudTrail text, attacker-controlled: the webview sets it with textContent only.
 */
import { PIVOT_FIELDS } from './fields';

/** Columns: the event time and every field the index keeps. */
export const TABLE_COLUMNS = ['time', ...PIVOT_FIELDS] as const;
export type ColumnId = (typeof TABLE_COLUMNS)[number];

export const COLUMN_LABELS: Record<ColumnId, string> = {
  time: 'Event time',
  eventName: 'Event name',
  eventSource: 'Event source',
  region: 'AWS region',
  account: 'Account',
  callerAccount: 'Caller account',
  principal: 'User name / principal',
  principalType: 'Identity type',
  issuer: 'Session issuer',
  session: 'Role session',
  sessionName: 'Session name',
  sourceIdentity: 'Source identity',
  accessKey: 'AWS access key',
  ip: 'Source IP address',
  userAgent: 'User agent',
  readOnly: 'Read-only',
  error: 'Error code',
  category: 'Event category',
  eventType: 'Event type',
  invokedBy: 'Invoked by',
  resource: 'Resources',
  issuedKey: 'Issued access key',
  eventId: 'Event ID',
  requestId: 'Request ID',
  sharedEventId: 'Shared event ID',
  source: 'Source',
};

/** The console's Event history columns, in its order: the table's default. */
export const DEFAULT_COLUMNS: readonly ColumnId[] = ['time', 'eventName', 'principal', 'ip', 'accessKey', 'region', 'error', 'resource'];

/**
 * Columns holding a different value on (nearly) every event: sorting them would be a
 * million-string comparison sort (about a second) for an order that tells nothing, so their
 * headers do not sort.
 */
export const UNSORTABLE_COLUMNS: ReadonlySet<ColumnId> = new Set<ColumnId>(['eventId', 'requestId', 'sharedEventId']);

export type SortDirection = 'asc' | 'desc';
export interface SortSpec {
  column: ColumnId;
  direction: SortDirection;
}
/** The console's order: newest first. */
export const DEFAULT_SORT: SortSpec = { column: 'time', direction: 'desc' };

/** Limits the host enforces on requests (and the webview respects). */
export const MAX_ROWS_PER_WINDOW = 1000;
export const MAX_COLUMNS = TABLE_COLUMNS.length;
/** Longest cell text sent (the event's JSON holds the rest). */
export const MAX_CELL_LENGTH = 500;
export const MIN_COLUMN_WIDTH = 40;
export const MAX_COLUMN_WIDTH = 2000;

/** What survives hiding the panel and a window reload (webview setState, the panel serializer). */
export interface TableState {
  columns: ColumnId[];
  /** Pixel widths by column id (absent: the column's default width). */
  widths: Partial<Record<ColumnId, number>>;
  sort: SortSpec;
}

export const DEFAULT_TABLE_STATE: TableState = { columns: [...DEFAULT_COLUMNS], widths: {}, sort: { ...DEFAULT_SORT } };

export interface TableFilterInfo {
  /** The shared filter expression ('' = every event). */
  expression: string;
  /** The timeline's brushed time range, applied on top of the expression. */
  timeRange?: { start: number; end: number };
}

export interface TableRow {
  /** The event's id in the index (a key for `open` and `cellAction`). */
  id: number;
  /** One text per requested column ('' when the event lacks the field); attacker-controlled. */
  cells: string[];
  /** The call failed (it has an errorCode). */
  error?: boolean;
}

export interface RowsMessage {
  type: 'rows';
  /** Echo of the request's sequence number: older answers are dropped by the webview. */
  seq: number;
  /** Changes whenever the rows behind the positions change (filter, index, sort). */
  version: number;
  /** Events in the selection. */
  total: number;
  offset: number;
  columns: ColumnId[];
  sort: SortSpec;
  rows: TableRow[];
  /** Host-side time for this answer (ms), for the benchmark. */
  hostMs: number;
}

export type CellAction = 'pivot' | 'add' | 'exclude' | 'copy';
export const CELL_ACTIONS: readonly CellAction[] = ['pivot', 'add', 'exclude', 'copy'];

export type HostToTable =
  | { type: 'init'; state: TableState; filter: TableFilterInfo }
  | RowsMessage
  /** The filter or the index changed: the webview requests its window again (from the top when `reset`). */
  | { type: 'invalidate'; filter: TableFilterInfo; reset: boolean }
  | { type: 'error'; message: string };

export interface RowsRequest {
  type: 'requestRows';
  seq: number;
  offset: number;
  limit: number;
  columns: ColumnId[];
  sort: SortSpec;
}

export type TableToHost =
  | { type: 'ready' }
  | RowsRequest
  | { type: 'open'; eventId: number; preserveFocus: boolean }
  | { type: 'cellAction'; action: CellAction; eventId: number; column: ColumnId }
  | { type: 'state'; state: TableState }
  | { type: 'painted'; frame: 'first' | 'scroll' | 'sort' | 'other'; ms: number; renderMs: number };

// ---- validation ---------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isColumnId(value: unknown): value is ColumnId {
  return typeof value === 'string' && (TABLE_COLUMNS as readonly string[]).includes(value);
}

function parseColumns(value: unknown): ColumnId[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_COLUMNS || !value.every(isColumnId)) return undefined;
  return new Set(value).size === value.length ? [...value] : undefined;
}

function parseSort(value: unknown): SortSpec | undefined {
  if (!isObject(value) || !isColumnId(value.column) || UNSORTABLE_COLUMNS.has(value.column)) return undefined;
  if (value.direction !== 'asc' && value.direction !== 'desc') return undefined;
  return { column: value.column, direction: value.direction };
}

const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const MAX_ID = 2 ** 31 - 1;

/** Checks a message from the webview; undefined when it is not well formed. Ids are checked again against the index. */
export function parseTableMessage(message: unknown): TableToHost | undefined {
  if (!isObject(message) || typeof message.type !== 'string') return undefined;
  const m = message;
  const type = m.type as TableToHost['type'];
  switch (type) {
    case 'ready':
      return { type };
    case 'requestRows': {
      const columns = parseColumns(m.columns);
      const sort = parseSort(m.sort);
      if (!int(m.seq, 0, MAX_SEQ) || !int(m.offset, 0, MAX_ID) || !int(m.limit, 0, MAX_ROWS_PER_WINDOW) || !columns || !sort) return undefined;
      return { type, seq: m.seq, offset: m.offset, limit: m.limit, columns, sort };
    }
    case 'open':
      return int(m.eventId, 0, MAX_ID) ? { type, eventId: m.eventId, preserveFocus: m.preserveFocus === true } : undefined;
    case 'cellAction':
      if (!int(m.eventId, 0, MAX_ID) || !isColumnId(m.column) || !(CELL_ACTIONS as readonly unknown[]).includes(m.action)) return undefined;
      return { type, action: m.action as CellAction, eventId: m.eventId, column: m.column };
    case 'state':
      return isObject(m.state) ? { type, state: parseTableState(m.state) } : undefined;
    case 'painted': {
      if (!finite(m.ms) || !finite(m.renderMs)) return undefined;
      const frame = m.frame;
      if (frame !== 'first' && frame !== 'scroll' && frame !== 'sort' && frame !== 'other') return undefined;
      return { type, frame, ms: m.ms, renderMs: m.renderMs };
    }
    default: {
      const unknownType: never = type;
      void unknownType;
      return undefined;
    }
  }
}

/** Checks a saved state (the serializer's, getState()'s, or a `state` message); anything unusable falls back to the default. */
export function parseTableState(value: unknown): TableState {
  if (!isObject(value)) return { ...DEFAULT_TABLE_STATE, columns: [...DEFAULT_COLUMNS], widths: {} };
  const columns = parseColumns(value.columns) ?? [...DEFAULT_COLUMNS];
  const widths: Partial<Record<ColumnId, number>> = {};
  if (isObject(value.widths)) {
    for (const [key, width] of Object.entries(value.widths)) {
      if (isColumnId(key) && int(width, MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH)) widths[key] = width;
    }
  }
  return { columns, widths, sort: parseSort(value.sort) ?? { ...DEFAULT_SORT } };
}

function parseFilterInfo(value: unknown): TableFilterInfo | undefined {
  if (!isObject(value) || typeof value.expression !== 'string') return undefined;
  const range = value.timeRange;
  if (range === undefined) return { expression: value.expression };
  if (!isObject(range) || !finite(range.start) || !finite(range.end)) return undefined;
  return { expression: value.expression, timeRange: { start: range.start, end: range.end } };
}

function parseRow(value: unknown, columns: number): TableRow | undefined {
  if (!isObject(value) || !int(value.id, 0, MAX_ID) || !Array.isArray(value.cells) || value.cells.length !== columns) return undefined;
  if (!value.cells.every((c) => typeof c === 'string')) return undefined;
  return { id: value.id, cells: value.cells as string[], ...(value.error === true ? { error: true } : {}) };
}

/** Checks a message from the host in the webview (the same shapes, so a bug on one side shows as a dropped message, not a broken page). */
export function parseHostMessage(message: unknown): HostToTable | undefined {
  if (!isObject(message) || typeof message.type !== 'string') return undefined;
  const m = message;
  const type = m.type as HostToTable['type'];
  switch (type) {
    case 'init': {
      const filter = parseFilterInfo(m.filter);
      return filter && isObject(m.state) ? { type, state: parseTableState(m.state), filter } : undefined;
    }
    case 'rows': {
      const columns = parseColumns(m.columns);
      const sort = parseSort(m.sort);
      if (!columns || !sort || !int(m.seq, 0, MAX_SEQ) || !int(m.version, 0, MAX_SEQ) || !int(m.total, 0, MAX_ID) || !int(m.offset, 0, MAX_ID)) return undefined;
      if (!Array.isArray(m.rows) || m.rows.length > MAX_ROWS_PER_WINDOW) return undefined;
      const rows: TableRow[] = [];
      for (const raw of m.rows) {
        const row = parseRow(raw, columns.length);
        if (!row) return undefined;
        rows.push(row);
      }
      return { type, seq: m.seq, version: m.version, total: m.total, offset: m.offset, columns, sort, rows, hostMs: finite(m.hostMs) ? m.hostMs : 0 };
    }
    case 'invalidate': {
      const filter = parseFilterInfo(m.filter);
      return filter ? { type, filter, reset: m.reset === true } : undefined;
    }
    case 'error':
      return typeof m.message === 'string' ? { type, message: m.message } : undefined;
    default: {
      const unknownType: never = type;
      void unknownType;
      return undefined;
    }
  }
}
