/**
 * The Events table webview: the selection's events as rows with the console Event history's
 * columns (and any field the user adds), sortable, resizable, keyboard-navigable, virtually
 * scrolled: a fixed pool of row elements is filled from windows of rows the host sends on
 * request (`requestRows`), so a million events cost what forty rows cost.
 *
 * Every cell is CloudTrail text, attacker-controlled: it is set with textContent only, and
 * controls and direction overrides are shown as U+FFFD (displayText). No message names a
 * command: opening and cell actions carry an event id and a column id.
 */
import '../../../media/table.css';
import {
  COLUMN_LABELS,
  CellAction,
  ColumnId,
  DEFAULT_TABLE_STATE,
  HostToTable,
  MAX_COLUMN_WIDTH,
  MAX_ROWS_PER_WINDOW,
  MIN_COLUMN_WIDTH,
  RowsMessage,
  TABLE_COLUMNS,
  TableFilterInfo,
  TableRow,
  TableState,
  TableToHost,
  UNSORTABLE_COLUMNS,
  parseHostMessage,
  parseTableState,
} from '../../shared/table-protocol';
import { displayText, formatTime } from '../format';

interface SavedState extends TableState {
  top?: number;
  selected?: number;
}
interface VsCodeApi {
  postMessage(message: TableToHost): void;
  getState(): unknown;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: TableToHost): void => vscode.postMessage(message);

const ROW_H = 22;
/** Browsers cap an element's height (Chromium ~33M px, Firefox ~17M): beyond this the scrollbar is scaled. */
const MAX_SCROLL_PX = 8_000_000;
/** Rows fetched beyond the visible ones, each way. */
const OVERSCAN = 150;
const DEFAULT_WIDTHS: Partial<Record<ColumnId, number>> = {
  time: 170,
  eventName: 190,
  principal: 240,
  ip: 150,
  accessKey: 180,
  region: 110,
  error: 160,
  resource: 320,
  userAgent: 260,
  readOnly: 80,
};

// ---- DOM (static structure; text set with textContent only) ----------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; attrs?: Record<string, string> } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) node.appendChild(child);
  return node;
}

const columnsButton = el('button', { text: 'Columns…', attrs: { id: 'columns-button', type: 'button', 'aria-haspopup': 'true', title: 'Add or remove columns' } });
const filterText = el('span', { className: 'filter-text', attrs: { id: 'filter-text' } });
const status = el('span', { className: 'status', attrs: { id: 'status', 'aria-live': 'polite' } });
const toolbar = el('div', { className: 'toolbar' }, columnsButton, filterText, status);
const errorBar = el('div', { className: 'error-bar', attrs: { id: 'error', role: 'alert' } });
errorBar.hidden = true;
const picker = el('div', { className: 'picker', attrs: { id: 'column-picker', role: 'group', 'aria-label': 'Columns' } });
picker.hidden = true;
const headerInner = el('div', { className: 'header-inner', attrs: { role: 'row' } });
const header = el('div', { className: 'header', attrs: { id: 'header' } }, headerInner);
const rowsLayer = el('div', { className: 'rows', attrs: { id: 'rows', role: 'rowgroup' } });
const spacer = el('div', { className: 'spacer' }, rowsLayer);
const scroller = el('div', { className: 'scroller', attrs: { id: 'scroller' } }, spacer);
const empty = el('div', { className: 'empty', attrs: { id: 'empty' } });
empty.hidden = true;
const grid = el(
  'div',
  {
    className: 'grid',
    attrs: {
      id: 'grid',
      role: 'grid',
      tabindex: '0',
      'aria-label': 'Events. Up and Down, Page Up and Page Down, Home and End: move; Left and Right: column; Enter: open the event beside; Shift+F10: cell actions.',
    },
  },
  header,
  scroller,
  empty,
);
const menu = el('div', { className: 'menu', attrs: { id: 'cell-menu', role: 'menu' } });
menu.hidden = true;
const announcer = el('div', { className: 'sr-only', attrs: { 'aria-live': 'polite' } });
document.body.append(toolbar, errorBar, picker, grid, menu, announcer);

// ---- state ------------------------------------------------------------------------------------

const saved = vscode.getState() as SavedState | undefined;
let state: TableState = saved ? parseTableState(saved) : { ...DEFAULT_TABLE_STATE, columns: [...DEFAULT_TABLE_STATE.columns], widths: {} };
let filter: TableFilterInfo = { expression: '' };
let total = -1;
let version = -1;
let selected = typeof saved?.selected === 'number' ? saved.selected : 0;
let selectedColumn = 0;
let restoreTop = typeof saved?.top === 'number' ? saved.top : 0;
/** Rows by position in the sorted selection (for the current version, columns and sort). */
let cache = new Map<number, TableRow>();
let seq = 0;
/** Answers to requests before this sequence number belong to an older query and are dropped. */
let minSeq = 0;
let inFlight: { seq: number; since: number } | undefined;
let initialised = false;
let firstPaintSent = false;
const readyAt = performance.now();
let pendingFrame: { kind: 'scroll' | 'sort' | 'other'; since: number } | undefined;
let paints = 0;

function widthOf(column: ColumnId): number {
  return state.widths[column] ?? DEFAULT_WIDTHS[column] ?? 160;
}

function totalWidth(): number {
  return state.columns.reduce((sum, c) => sum + widthOf(c), 0);
}

function saveState(toHost = false): void {
  vscode.setState({ ...state, top: scroller.scrollTop, selected });
  if (toHost) post({ type: 'state', state });
}

// ---- header -----------------------------------------------------------------------------------

function sortLabel(column: ColumnId): string {
  if (state.sort.column !== column) return '';
  return state.sort.direction === 'asc' ? ' ▲' : ' ▼';
}

function buildHeader(): void {
  headerInner.replaceChildren();
  state.columns.forEach((column, i) => {
    const sortable = !UNSORTABLE_COLUMNS.has(column);
    const button = el('button', {
      className: 'sort',
      text: COLUMN_LABELS[column] + sortLabel(column),
      attrs: {
        type: 'button',
        'data-column': column,
        title: sortable ? `Sort by ${COLUMN_LABELS[column].toLowerCase()} (Shift+Left/Right: narrower/wider)` : `${COLUMN_LABELS[column]}: one value per event, not sortable (Shift+Left/Right: narrower/wider)`,
      },
    });
    button.disabled = false;
    if (!sortable) button.setAttribute('aria-disabled', 'true');
    button.addEventListener('click', () => sortBy(column));
    button.addEventListener('keydown', (e) => {
      if (e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
        e.preventDefault();
        setWidth(column, widthOf(column) + (e.key === 'ArrowLeft' ? -20 : 20));
        saveState(true);
      }
    });
    const handle = el('div', { className: 'resize', attrs: { 'data-column': column, 'aria-hidden': 'true' } });
    handle.addEventListener('pointerdown', (e) => startResize(e, column, handle));
    const th = el('div', { className: `th c-${column}`, attrs: { role: 'columnheader', 'aria-colindex': String(i + 1), 'aria-sort': state.sort.column === column ? (state.sort.direction === 'asc' ? 'ascending' : 'descending') : 'none' } }, button, handle);
    th.style.width = `${widthOf(column)}px`;
    headerInner.appendChild(th);
  });
}

function sortBy(column: ColumnId): void {
  if (UNSORTABLE_COLUMNS.has(column)) {
    announce(`${COLUMN_LABELS[column]} is not sortable`);
    return;
  }
  const direction = state.sort.column === column ? (state.sort.direction === 'asc' ? 'desc' : 'asc') : column === 'time' ? 'desc' : 'asc';
  state = { ...state, sort: { column, direction } };
  pendingFrame = { kind: 'sort', since: performance.now() };
  selected = 0;
  scroller.scrollTop = 0;
  restart();
  saveState(true);
  announce(`Sorted by ${COLUMN_LABELS[column].toLowerCase()}, ${direction === 'asc' ? 'ascending' : 'descending'}`);
}

function setWidth(column: ColumnId, width: number): void {
  const w = Math.max(MIN_COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, Math.round(width)));
  state = { ...state, widths: { ...state.widths, [column]: w } };
  const i = state.columns.indexOf(column);
  const th = headerInner.children[i] as HTMLElement | undefined;
  if (th) th.style.width = `${w}px`;
  for (const row of pool) {
    const cell = row.cells[i];
    if (cell) cell.style.width = `${w}px`;
  }
  layout();
}

function startResize(e: PointerEvent, column: ColumnId, handle: HTMLElement): void {
  e.preventDefault();
  e.stopPropagation();
  const startX = e.clientX;
  const startWidth = widthOf(column);
  handle.setPointerCapture(e.pointerId);
  handle.classList.add('dragging');
  const move = (m: PointerEvent): void => setWidth(column, startWidth + m.clientX - startX);
  const up = (): void => {
    handle.removeEventListener('pointermove', move);
    handle.removeEventListener('pointerup', up);
    handle.removeEventListener('pointercancel', up);
    handle.classList.remove('dragging');
    saveState(true);
  };
  handle.addEventListener('pointermove', move);
  handle.addEventListener('pointerup', up);
  handle.addEventListener('pointercancel', up);
}

// ---- column picker ----------------------------------------------------------------------------

function buildPicker(): void {
  picker.replaceChildren();
  for (const column of TABLE_COLUMNS) {
    const box = el('input', { attrs: { type: 'checkbox', 'data-column': column } });
    box.checked = state.columns.includes(column);
    box.addEventListener('change', () => toggleColumn(column, box.checked));
    picker.appendChild(el('label', {}, box, document.createTextNode(` ${COLUMN_LABELS[column]}`)));
  }
}

function toggleColumn(column: ColumnId, on: boolean): void {
  let columns = state.columns.filter((c) => c !== column);
  if (on) columns = [...columns, column];
  if (columns.length === 0) {
    buildPicker();
    announce('The table keeps at least one column');
    return;
  }
  state = { ...state, columns };
  selectedColumn = Math.min(selectedColumn, columns.length - 1);
  buildHeader();
  buildPool(true);
  restart();
  saveState(true);
}

columnsButton.addEventListener('click', () => {
  picker.hidden = !picker.hidden;
  columnsButton.setAttribute('aria-expanded', String(!picker.hidden));
  if (!picker.hidden) {
    buildPicker();
    (picker.querySelector('input') as HTMLInputElement | null)?.focus();
  }
});
picker.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    picker.hidden = true;
    columnsButton.focus();
  }
});

// ---- rows pool and rendering ----------------------------------------------------------------

interface PoolRow {
  element: HTMLDivElement;
  cells: HTMLDivElement[];
}
let pool: PoolRow[] = [];

function visibleRows(): number {
  return Math.max(1, Math.ceil(scroller.clientHeight / ROW_H));
}

function buildPool(force = false): void {
  const wanted = visibleRows() + 1;
  if (!force && pool.length === wanted) return;
  rowsLayer.replaceChildren();
  pool = [];
  for (let r = 0; r < wanted; r++) {
    const element = el('div', { className: 'tr', attrs: { role: 'row' } });
    const cells = state.columns.map((column) => {
      const cell = el('div', { className: `td c-${column}`, attrs: { role: 'gridcell' } });
      cell.style.width = `${widthOf(column)}px`;
      element.appendChild(cell);
      return cell;
    });
    element.style.top = `${r * ROW_H}px`;
    element.style.position = 'absolute';
    rowsLayer.appendChild(element);
    pool.push({ element, cells });
  }
}

/** Virtual height of the rows, and whether the scrollbar is scaled (more rows than fit the browser's limit). */
function virtualHeight(): { height: number; scaled: boolean } {
  const natural = Math.max(0, total) * ROW_H;
  return natural > MAX_SCROLL_PX ? { height: MAX_SCROLL_PX, scaled: true } : { height: natural, scaled: false };
}

function layout(): void {
  spacer.style.height = `${virtualHeight().height}px`;
  spacer.style.width = `${totalWidth()}px`;
  rowsLayer.style.width = `${totalWidth()}px`;
  // Room for the vertical scrollbar, so the header scrolls as far as the rows.
  headerInner.style.width = `${totalWidth() + 20}px`;
}

/** The first row shown for the scroll position. */
function firstRow(): number {
  const { height, scaled } = virtualHeight();
  const visible = visibleRows();
  if (!scaled) return Math.min(Math.max(0, total - visible + 1), Math.floor(scroller.scrollTop / ROW_H));
  const range = Math.max(1, height - scroller.clientHeight);
  return Math.round((Math.min(scroller.scrollTop, range) / range) * Math.max(0, total - visible + 1));
}

/** The scroll position that shows `row` first. */
function scrollTopFor(row: number): number {
  const { height, scaled } = virtualHeight();
  if (!scaled) return row * ROW_H;
  const range = Math.max(1, height - scroller.clientHeight);
  return (row / Math.max(1, total - visibleRows() + 1)) * range;
}

function render(): void {
  const started = performance.now();
  const first = firstRow();
  const { scaled } = virtualHeight();
  // The layer follows the scroll; unscaled, it keeps the sub-row offset so scrolling is smooth.
  const top = scaled ? scroller.scrollTop : first * ROW_H;
  rowsLayer.style.transform = `translateY(${top}px)`;
  let missing = false;
  for (let r = 0; r < pool.length; r++) {
    const position = first + r;
    const { element, cells } = pool[r];
    if (position >= total || total <= 0) {
      element.hidden = true;
      continue;
    }
    element.hidden = false;
    const row = cache.get(position);
    element.dataset.position = String(position);
    element.setAttribute('aria-rowindex', String(position + 2));
    element.classList.toggle('odd', position % 2 === 1);
    element.classList.toggle('selected', position === selected);
    element.setAttribute('aria-selected', String(position === selected));
    element.classList.toggle('loading', !row);
    element.classList.toggle('error', !!row?.error);
    if (!row) missing = true;
    for (let c = 0; c < cells.length; c++) {
      const text = row ? displayText(row.cells[c] ?? '', 500) : c === 0 ? '…' : '';
      // textContent only: the cell is attacker-controlled text.
      if (cells[c].textContent !== text) {
        cells[c].textContent = text;
        // The whole text on hover, for a cut-off cell (a title is plain text too).
        cells[c].title = text;
      }
      cells[c].classList.toggle('focused', position === selected && c === selectedColumn);
    }
  }
  const renderMs = performance.now() - started;
  if (missing) requestMissing(first);
  else reportPaint(renderMs);
  updateStatus(first);
}

function reportPaint(renderMs: number): void {
  if (total < 0) return;
  paints++;
  document.body.dataset.paints = String(paints);
  const now = performance.now();
  if (!firstPaintSent) {
    firstPaintSent = true;
    pendingFrame = undefined;
    post({ type: 'painted', frame: 'first', ms: now - readyAt, renderMs });
    return;
  }
  const frame = pendingFrame;
  pendingFrame = undefined;
  post({ type: 'painted', frame: frame?.kind ?? 'other', ms: frame ? now - frame.since : renderMs, renderMs });
}

let renderQueued = false;
function scheduleRender(kind?: 'scroll' | 'other'): void {
  if (kind && !pendingFrame) pendingFrame = { kind, since: performance.now() };
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function requestMissing(first: number): void {
  if (inFlight && performance.now() - inFlight.since < 3000) return;
  const visible = visibleRows();
  const offset = Math.max(0, first - OVERSCAN);
  const limit = Math.min(MAX_ROWS_PER_WINDOW, visible + 2 * OVERSCAN);
  request(offset, limit);
}

function request(offset: number, limit: number): void {
  seq++;
  inFlight = { seq, since: performance.now() };
  post({ type: 'requestRows', seq, offset, limit, columns: [...state.columns], sort: { ...state.sort } });
}

/** The query behind the rows changed (filter, sort, columns): drop what is cached and ask again. */
function restart(): void {
  cache = new Map();
  minSeq = seq + 1;
  inFlight = undefined;
  request(Math.max(0, firstRow() - OVERSCAN), Math.min(MAX_ROWS_PER_WINDOW, visibleRows() + 2 * OVERSCAN));
}

function receiveRows(message: RowsMessage): void {
  if (message.seq < minSeq) return;
  if (inFlight?.seq === message.seq) inFlight = undefined;
  if (message.columns.join() !== state.columns.join() || message.sort.column !== state.sort.column || message.sort.direction !== state.sort.direction) return;
  if (message.version !== version) {
    cache = new Map();
    version = message.version;
  }
  const totalChanged = message.total !== total;
  total = message.total;
  message.rows.forEach((row, i) => cache.set(message.offset + i, row));
  if (cache.size > 6 * MAX_ROWS_PER_WINDOW) {
    const keep = firstRow();
    for (const position of cache.keys()) if (Math.abs(position - keep) > 2 * MAX_ROWS_PER_WINDOW) cache.delete(position);
  }
  if (totalChanged) {
    layout();
    selected = Math.min(selected, Math.max(0, total - 1));
    if (restoreTop > 0) {
      scroller.scrollTop = restoreTop;
      restoreTop = 0;
    }
  }
  grid.setAttribute('aria-rowcount', String(total + 1));
  document.body.dataset.total = String(total);
  empty.hidden = total > 0;
  empty.textContent = total === 0 ? (filter.expression || filter.timeRange ? 'No events match the filter.' : 'No events loaded: add a source in the CloudTrail Sources view.') : '';
  render();
}

function updateStatus(first: number): void {
  if (total < 0) {
    status.textContent = 'Loading…';
    return;
  }
  const sort = `${COLUMN_LABELS[state.sort.column].toLowerCase()} ${state.sort.column === 'time' ? (state.sort.direction === 'desc' ? 'newest first' : 'oldest first') : state.sort.direction === 'asc' ? 'A→Z' : 'Z→A'}`;
  const last = Math.min(total, first + visibleRows());
  status.textContent = total === 0 ? '0 events' : `${total.toLocaleString('en-US')} events · rows ${(first + 1).toLocaleString('en-US')}–${last.toLocaleString('en-US')} · by ${sort}`;
}

function showFilter(): void {
  const parts: string[] = [];
  parts.push(filter.expression ? `Filter: ${filter.expression}` : 'All events');
  if (filter.timeRange) parts.push(`time ${formatTime(filter.timeRange.start)} – ${formatTime(filter.timeRange.end)}`);
  filterText.textContent = displayText(parts.join(' · '), 1000);
  filterText.title = filterText.textContent;
}

function announce(text: string): void {
  announcer.textContent = text;
}

// ---- selection, keyboard, mouse ---------------------------------------------------------------

function select(position: number, column = selectedColumn): void {
  if (total <= 0) return;
  selected = Math.max(0, Math.min(total - 1, position));
  selectedColumn = Math.max(0, Math.min(state.columns.length - 1, column));
  document.body.dataset.selected = String(selected);
  const first = firstRow();
  const visible = visibleRows() - 1;
  if (selected < first) scroller.scrollTop = scrollTopFor(selected);
  else if (selected >= first + visible) scroller.scrollTop = scrollTopFor(selected - visible + 1);
  saveState();
  scheduleRender('other');
}

function selectedRow(): TableRow | undefined {
  return cache.get(selected);
}

function open(preserveFocus: boolean): void {
  const row = selectedRow();
  if (row) post({ type: 'open', eventId: row.id, preserveFocus });
}

grid.addEventListener('keydown', (e) => {
  if (e.target !== grid) return;
  const page = Math.max(1, visibleRows() - 1);
  let handled = true;
  switch (e.key) {
    case 'ArrowDown':
      select(selected + 1);
      break;
    case 'ArrowUp':
      select(selected - 1);
      break;
    case 'PageDown':
      select(selected + page);
      break;
    case 'PageUp':
      select(selected - page);
      break;
    case 'Home':
      select(0);
      break;
    case 'End':
      select(total - 1);
      break;
    case 'ArrowLeft':
      select(selected, selectedColumn - 1);
      break;
    case 'ArrowRight':
      select(selected, selectedColumn + 1);
      break;
    case 'Enter':
      open(true);
      break;
    case 'ContextMenu':
      openMenuAtSelection();
      break;
    case 'F10':
      if (e.shiftKey) openMenuAtSelection();
      else handled = false;
      break;
    default:
      handled = false;
  }
  if (handled) e.preventDefault();
});

function cellAt(target: EventTarget | null): { position: number; column: number } | undefined {
  const cell = (target as HTMLElement | null)?.closest?.('.td') as HTMLElement | null;
  const row = cell?.parentElement;
  if (!cell || !row?.dataset.position) return undefined;
  return { position: Number(row.dataset.position), column: Array.prototype.indexOf.call(row.children, cell) as number };
}

rowsLayer.addEventListener('click', (e) => {
  const at = cellAt(e.target);
  if (!at) return;
  select(at.position, at.column);
  grid.focus();
  open(true);
});

rowsLayer.addEventListener('contextmenu', (e) => {
  const at = cellAt(e.target);
  e.preventDefault();
  if (!at) return;
  select(at.position, at.column);
  openMenu(e.clientX, e.clientY);
});

scroller.addEventListener('scroll', () => {
  header.scrollLeft = scroller.scrollLeft;
  closeMenu();
  scheduleRender('scroll');
  saveStateSoon();
});

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveStateSoon(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(() => saveState(), 300);
}

// ---- cell menu --------------------------------------------------------------------------------

const MENU_ITEMS: Array<[CellAction, (label: string) => string]> = [
  ['pivot', (label) => `Pivot on this ${label} (replaces the filter)`],
  ['add', () => 'Add to filter (AND)'],
  ['exclude', () => 'Exclude from filter'],
  ['copy', () => 'Copy'],
];

function openMenuAtSelection(): void {
  const row = pool.find((r) => r.element.dataset.position === String(selected) && !r.element.hidden);
  const cell = row?.cells[selectedColumn];
  const box = cell?.getBoundingClientRect() ?? grid.getBoundingClientRect();
  openMenu(box.left + 8, box.bottom);
}

function openMenu(x: number, y: number): void {
  const row = selectedRow();
  const column = state.columns[selectedColumn];
  if (!row || !column) return;
  menu.replaceChildren();
  for (const [action, label] of MENU_ITEMS) {
    const item = el('button', { text: label(COLUMN_LABELS[column].toLowerCase()), attrs: { type: 'button', role: 'menuitem', 'data-action': action } });
    item.addEventListener('click', () => {
      closeMenu();
      grid.focus();
      post({ type: 'cellAction', action, eventId: row.id, column });
      if (action === 'copy') announce('Copied');
    });
    menu.appendChild(item);
  }
  menu.hidden = false;
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - width - 4))}px`;
  menu.style.top = `${Math.max(0, Math.min(y, window.innerHeight - height - 4))}px`;
  (menu.firstElementChild as HTMLElement | null)?.focus();
}

function closeMenu(): void {
  menu.hidden = true;
}

menu.addEventListener('keydown', (e) => {
  const items = Array.from(menu.querySelectorAll('button'));
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  if (e.key === 'Escape') {
    closeMenu();
    grid.focus();
  } else if (e.key === 'ArrowDown') items[(at + 1) % items.length]?.focus();
  else if (e.key === 'ArrowUp') items[(at - 1 + items.length) % items.length]?.focus();
  else return;
  e.preventDefault();
});
document.addEventListener('mousedown', (e) => {
  if (!menu.hidden && !menu.contains(e.target as Node)) closeMenu();
  if (!picker.hidden && !picker.contains(e.target as Node) && e.target !== columnsButton) picker.hidden = true;
});

// ---- host messages ----------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (!message) return;
  handle(message);
});

function handle(message: HostToTable): void {
  switch (message.type) {
    case 'init': {
      if (!initialised && !saved) state = message.state;
      initialised = true;
      filter = message.filter;
      showFilter();
      buildHeader();
      buildPool(true);
      layout();
      restart();
      return;
    }
    case 'rows':
      receiveRows(message);
      return;
    case 'invalidate':
      filter = message.filter;
      showFilter();
      errorBar.hidden = true;
      if (message.reset) {
        selected = 0;
        scroller.scrollTop = 0;
      }
      restart();
      return;
    case 'error':
      errorBar.textContent = displayText(message.message, 500);
      errorBar.hidden = false;
      return;
    default: {
      const unknownMessage: never = message;
      void unknownMessage;
    }
  }
}

new ResizeObserver(() => {
  buildPool();
  scheduleRender('other');
}).observe(scroller);

post({ type: 'ready' });
