/**
 * The host side of one Events table webview, without vscode: validates every message from
 * the webview, answers window requests (`requestRows`) from the sorted selection, and holds
 * outgoing messages until the webview says `ready`. The extension's panel and the benchmark
 * drive this same class through a small port.
 */
import type { Selection } from '../engine/api';
import type { EventIndex } from '../index/event-index';
import { termFor } from '../query/parser';
import { PaintReport, WebviewPort, WebviewSession } from '../webview-session';
import { DisplayText, SortOrders, restrictOrder } from './order';
import {
  CellAction,
  ColumnId,
  HostToTable,
  MAX_CELL_LENGTH,
  RowsMessage,
  RowsRequest,
  SortSpec,
  TableFilterInfo,
  TableRow,
  TableState,
  TableToHost,
  parseTableMessage,
} from '../../shared/table-protocol';

/** A filter change a cell asks for: `term` narrows (add), replaces (pivot) or is excluded. */
export type FilterAction = Exclude<CellAction, 'copy'>;

/** What the session needs from its surroundings (the extension services, or a benchmark). */
export interface TablePort extends WebviewPort<HostToTable> {
  /** The current index: read fresh each time (it is replaced when a source is removed). */
  index(): EventIndex;
  /** The events the shared filter and the timeline's time range select (the same array while unchanged). */
  selection(): Selection;
  filterInfo(): TableFilterInfo;
  /** How the time column reads (the extension's one time format). */
  formatTime(ms: number): string;
  /** How a value reads when it reads otherwise (a principal's display name); cells show it, sorting follows it. */
  display?: DisplayText;
  openEvent(id: number, preserveFocus: boolean): Promise<void>;
  /** Changes the shared filter; throws when the term does not parse. */
  applyFilter(action: FilterAction, term: string): void;
  copy(text: string): Promise<void>;
}

export type TablePaintReport = PaintReport<'first' | 'scroll' | 'sort' | 'other'>;

/** A cell's text as the table shows it: the first resource with how many more, capped in length. */
export function cellText(index: EventIndex, column: ColumnId, id: number, formatTime: (ms: number) => string, display?: DisplayText): string {
  let text: string;
  if (column === 'time') text = formatTime(index.time(id));
  else if (column === 'resource') {
    const all = index.values('resource', id);
    text = all.length === 0 ? '' : all.length === 1 ? all[0] : `${all[0]} (+${all.length - 1})`;
  } else {
    const value = index.value(column, id);
    text = value === undefined ? '' : (display?.(column, value) ?? value);
  }
  return text.length > MAX_CELL_LENGTH ? `${text.slice(0, MAX_CELL_LENGTH - 1)}…` : text;
}

/** A cell's value for the filter and the clipboard (uncut; the exact time; the first resource); undefined when absent. */
export function cellValue(index: EventIndex, column: ColumnId, id: number): string | undefined {
  if (column === 'time') {
    const t = index.time(id);
    return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
  }
  return index.value(column, id);
}

/**
 * The filter change for a cell: `field:value` (quoted when needed); for an empty cell, events
 * without the field (`NOT field:*`), or with it when excluding. Undefined for an empty time.
 */
export function cellFilter(column: ColumnId, value: string | undefined, action: FilterAction): { action: FilterAction; term: string } | undefined {
  if (value !== undefined) return { action, term: termFor(column, value) };
  if (column === 'time') return undefined;
  const present = `${column}:*`;
  if (action === 'exclude') return { action: 'add', term: present };
  return { action, term: `NOT ${present}` };
}

export class TableSession extends WebviewSession<HostToTable, TableToHost, TablePaintReport['frame']> {
  private readonly orders = new SortOrders();
  private sortedCache?: { index: EventIndex; version: number; selection: Selection; sort: string; rows: Int32Array };
  private version = 0;
  /** The last rows answer (integration tests read it). */
  lastRows?: RowsMessage;

  constructor(
    private readonly port: TablePort,
    private state: TableState,
  ) {
    super(
      {
        post: (message) => port.post(message),
        // Only the latest invalidation matters while waiting (a reset is kept once asked for).
        merge: (held, next) => (held.type === 'invalidate' && next.type === 'invalidate' ? { ...next, reset: held.reset || next.reset } : undefined),
        mustDeliver: (message) => message.type === 'invalidate',
      },
      { name: 'events table', parse: parseTableMessage, log: (message) => port.log?.(message) },
    );
  }

  get currentState(): TableState {
    return { ...this.state, columns: [...this.state.columns], widths: { ...this.state.widths }, sort: { ...this.state.sort } };
  }

  protected async dispatch(message: TableToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.opened({ type: 'init', state: this.currentState, filter: this.port.filterInfo() });
        return;
      }
      case 'requestRows':
        this.post(this.rows(message));
        return;
      case 'open': {
        if (message.eventId >= this.port.index().size) return this.post({ type: 'error', message: 'That event is no longer in the index.' });
        await this.port.openEvent(message.eventId, message.preserveFocus);
        return;
      }
      case 'cellAction':
        await this.cellAction(message.action, message.eventId, message.column);
        return;
      case 'state':
        this.state = message.state;
        return;
      case 'painted':
        this.painted(message);
        return;
      default: {
        const unhandled: never = message;
        void unhandled;
      }
    }
  }

  private async cellAction(action: CellAction, id: number, column: ColumnId): Promise<void> {
    const index = this.port.index();
    if (id >= index.size) return this.post({ type: 'error', message: 'That event is no longer in the index.' });
    const value = cellValue(index, column, id);
    if (action === 'copy') return this.port.copy(value ?? '');
    const change = cellFilter(column, value, action);
    if (!change) return this.post({ type: 'error', message: 'This event has no time to filter on.' });
    try {
      this.port.applyFilter(change.action, change.term);
    } catch (error) {
      this.post({ type: 'error', message: `Could not filter on ${change.term.slice(0, 200)}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  /** The filter or the time range changed: the webview goes back to the top and asks again. */
  filterChanged(): void {
    this.post({ type: 'invalidate', filter: this.port.filterInfo(), reset: true });
  }

  /** The index changed (sources added or removed, live appends): the webview asks for its window again. */
  indexChanged(): void {
    this.post({ type: 'invalidate', filter: this.port.filterInfo(), reset: false });
  }

  /**
   * Sorts the selection for the saved order while the webview loads, and reads one window of
   * it (which also warms the JIT), so the first request after `ready` is a cheap slice.
   */
  warm(): void {
    if (this.disposed) return;
    this.rowsOf(this.sorted(this.state.sort), 0, 200, this.state.columns);
  }

  /** The selection's event ids in the given order (cached per index version, selection and order). */
  sorted(sort: SortSpec): Int32Array {
    const index = this.port.index();
    const selection = this.port.selection();
    const key = `${sort.column}:${sort.direction}`;
    const c = this.sortedCache;
    if (c && c.index === index && c.version === index.version && c.selection === selection && c.sort === key) return c.rows;
    const rows = restrictOrder(this.orders.orderOf(index, sort.column, sort.direction, this.port.display), selection, index.size);
    this.sortedCache = { index, version: index.version, selection, sort: key, rows };
    this.version++;
    return rows;
  }

  /** The rows [offset, offset + limit) of `sorted` as text per column. */
  private rowsOf(sorted: Int32Array, offset: number, limit: number, columns: readonly ColumnId[]): TableRow[] {
    const index = this.port.index();
    const end = Math.min(sorted.length, offset + limit);
    const rows: TableRow[] = [];
    const errorColumn = columns.indexOf('error');
    const formatTime = (t: number): string => this.port.formatTime(t);
    for (let p = offset; p < end; p++) {
      const id = sorted[p];
      const cells = columns.map((column) => cellText(index, column, id, formatTime, this.port.display));
      const failed = errorColumn >= 0 ? cells[errorColumn] !== '' : index.value('error', id) !== undefined;
      rows.push(failed ? { id, cells, error: true } : { id, cells });
    }
    return rows;
  }

  /** Answers a window request: the rows [offset, offset + limit) of the sorted selection, as text per column. */
  rows(request: Omit<RowsRequest, 'type'>): RowsMessage {
    const started = performance.now();
    const sorted = this.sorted(request.sort);
    const rows = this.rowsOf(sorted, request.offset, request.limit, request.columns);
    this.state = { ...this.state, columns: [...request.columns], sort: { ...request.sort } };
    const hostMs = this.measured(started);
    const message: RowsMessage = {
      type: 'rows',
      seq: request.seq,
      version: this.version,
      total: sorted.length,
      offset: request.offset,
      columns: [...request.columns],
      sort: { ...request.sort },
      rows,
      hostMs,
    };
    this.lastRows = message;
    return message;
  }
}
