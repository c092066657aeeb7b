/**
 * The timeline webview: lanes of events over time on a canvas, a density strip, a legend,
 * the shared filter, hover details and keyboard navigation. It pulls windows of aggregated
 * data from the host (`requestView`) and never receives raw events.
 *
 * Every string from CloudTrail is attacker-controlled: it is drawn with fillText or set with
 * textContent, never parsed as HTML.
 */
import '../../media/timeline.css';
import {
  DEFAULT_STATE,
  Direction,
  FilterInfo,
  GroupMark,
  HostToWebview,
  HoverRow,
  KINDS,
  LANE_FIELDS,
  LANE_FIELD_LABELS,
  LaneField,
  MAX_EXPANDED,
  MAX_LANES_PER_VIEW,
  MIN_SPAN_MS,
  TimelineState,
  ViewMessage,
  WebviewToHost,
  isLaneField,
  parseState,
} from '../shared/timeline-protocol';
import { displayText, formatSpan, formatTime, laneLabel, setDisplayZone } from './format';
import { AXIS_H, DENSITY_H, DecodedView, GROUP_H, GROUP_TOP, LANE_H, Palette, decodeView, densityWindow, drawDensity, drawLanes, groupExtent, readPalette } from './render';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: TimelineState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: WebviewToHost): void => vscode.postMessage(message);

// ---- DOM (static structure; text set with textContent only) ----------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; attrs?: Record<string, string> } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) node.appendChild(child);
  return node;
}

const grouping = el('select', { attrs: { id: 'grouping', 'aria-label': 'Group lanes by' } });
for (const field of LANE_FIELDS) grouping.appendChild(el('option', { text: LANE_FIELD_LABELS[field], attrs: { value: field } }));
const filterInput = el('input', { attrs: { id: 'filter-input', type: 'text', spellcheck: 'false', placeholder: 'Filter, e.g. accessKey:AKIA* AND NOT readOnly:true', 'aria-label': 'Filter expression (Enter to apply)' } });
const filterError = el('div', { className: 'filter-error', attrs: { id: 'filter-error', role: 'alert' } });
const filterForm = el('div', { className: 'filter', attrs: { id: 'filter', role: 'search' } }, filterInput);
const rangeText = el('span', { className: 'range', attrs: { id: 'range-text' } });
const clearRange = el('button', { text: 'Clear time range', attrs: { id: 'clear-range', type: 'button', title: 'Clear the brushed time range (Escape)' } });
const fitButton = el('button', { text: 'Fit', attrs: { id: 'fit', type: 'button', title: 'Show the whole range (Home)' } });
const legend = el('div', { className: 'legend', attrs: { id: 'legend', 'aria-label': 'Legend' } });
const status = el('span', { className: 'status', attrs: { id: 'status', 'aria-live': 'polite' } });
const toolbar = el(
  'div',
  { className: 'toolbar' },
  el('label', { className: 'grouping', text: 'Group by ' }, grouping),
  filterForm,
  fitButton,
  rangeText,
  clearRange,
);
const infobar = el('div', { className: 'infobar' }, legend, status);
const densityCanvas = el('canvas', { attrs: { id: 'density', 'aria-label': 'Event density over the whole range; click to move the view there' } });
const lanesCanvas = el('canvas', {
  attrs: {
    id: 'lanes',
    tabindex: '0',
    role: 'img',
    'aria-label':
      'Timeline lanes. Left and Right: previous and next event in the lane; Up and Down: other lanes; Enter: open the event; plus and minus: zoom; Shift+Left and Shift+Right: pan; Page Up and Page Down: scroll lanes; B: apply the visible window as the time range; Escape: clear the time range; Home: fit; E: expand the collapsed group nearest the focus in its lane; C: collapse expanded groups again.',
  },
});
const plot = el('div', { className: 'plot', attrs: { id: 'plot' } }, lanesCanvas);
const tooltip = el('div', { className: 'tooltip', attrs: { id: 'tooltip', role: 'tooltip' } });
tooltip.hidden = true;
const announcer = el('div', { className: 'sr-only', attrs: { id: 'announcer', 'aria-live': 'polite' } });
const empty = el('div', { className: 'empty', attrs: { id: 'empty' } });
empty.hidden = true;
setInterval(() => {
  if (inFlight !== undefined && dirty && performance.now() - inFlightSince >= LOST_REQUEST_MS) {
    dirty = false;
    requestView();
  }
}, 1000);
document.body.append(toolbar, filterError, infobar, densityCanvas, plot, empty, tooltip, announcer);

const LEGEND: Array<[string, string]> = [
  ['read', 'Read'],
  ['write', 'Write'],
  ['error', 'Error (AccessDenied…)'],
  ['finding', 'Finding'],
  ['first-seen', 'New IP / user agent for a principal'],
  ['group', 'AWS-service events / console burst (click to expand)'],
  ['insight', 'CloudTrail Insight, Start to End (click to expand)'],
];
function buildLegend(findings: boolean, groups = legendGroups): void {
  legend.replaceChildren();
  for (const [kind, label] of LEGEND) {
    if (kind === 'finding' && !findings) continue;
    if (kind === 'group' && !groups) continue;
    if (kind === 'insight' && !legendInsights) continue;
    legend.appendChild(el('span', { className: `legend-item ${kind}` }, el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } }), document.createTextNode(label)));
  }
}
let legendFindings = false;
let legendGroups = false;
let legendInsights = false;
buildLegend(false);

// ---- state ------------------------------------------------------------------------------

const restored = vscode.getState();
let state: TimelineState = restored ? parseState(restored) : { ...DEFAULT_STATE };
const restoredState = restored !== undefined && restored !== null;
let haveState = restoredState;
let view: DecodedView | undefined;
let filter: FilterInfo = { expression: '' };
let palette: Palette = readPalette();
let findingColor: string | undefined;
let focus: { rank: number; id?: number; time?: number } | undefined;
let hoverRank: number | undefined;
let dragBrush: { start: number; end: number } | undefined;
let seq = 0;
let inFlight: number | undefined;
let inFlightSince = 0;
/** An answer lost on the way (the panel was hidden meanwhile) must not block later requests. */
const LOST_REQUEST_MS = 3000;
let dirty = false;
let interaction: { kind: 'zoom' | 'pan' | 'other'; at: number } | undefined;
let firstPaintPending = true;
let readyAt = performance.now();
let size = { width: 600, height: 300, dpr: 1 };
let renderQueued = false;
let pendingRevealValue: string | undefined;
let hoverSeq = 0;
let openOnHover: number | undefined;
let navSeq = 0;

function labelWidth(): number {
  return Math.round(Math.max(140, Math.min(320, size.width * 0.24)));
}
function plotWidth(): number {
  return Math.max(1, size.width - labelWidth());
}
function rowsVisible(): number {
  return Math.max(1, Math.floor((size.height - AXIS_H) / LANE_H));
}
function laneCount(): number {
  return view?.message.laneCount ?? 0;
}
function currentWindow(): { t0: number; t1: number } {
  if (state.t0 !== undefined && state.t1 !== undefined) return { t0: state.t0, t1: state.t1 };
  if (view) return { t0: view.message.t0, t1: view.message.t1 };
  return { t0: Date.now() - 3_600_000, t1: Date.now() };
}
function saveState(): void {
  vscode.setState(state);
}

// ---- talking to the host ----------------------------------------------------------------

function requestView(): void {
  if (inFlight !== undefined && performance.now() - inFlightSince < LOST_REQUEST_MS) {
    dirty = true;
    return;
  }
  seq++;
  inFlight = seq;
  inFlightSince = performance.now();
  const revealing = pendingRevealValue;
  const useHostState = !haveState;
  haveState = true;
  post({
    type: 'requestView',
    seq,
    width: Math.min(4096, Math.max(1, Math.round(plotWidth()))),
    laneField: state.laneField,
    lanes: { offset: state.laneOffset, limit: Math.min(MAX_LANES_PER_VIEW, rowsVisible()) },
    ...(state.t0 !== undefined && state.t1 !== undefined ? { t0: state.t0, t1: state.t1 } : {}),
    ...(revealing !== undefined ? { focusValue: revealing } : {}),
    ...(useHostState ? { useHostState: true } : { expanded: state.expanded ?? [] }),
  });
}

function onView(message: ViewMessage): void {
  if (message.seq !== inFlight) return;
  if (firstPaintPending) document.body.dataset.firstViewMs = String(performance.now() - readyAt);
  inFlight = undefined;
  const fieldChanged = view?.message.laneField !== message.laneField;
  const modelChanged = view?.message.modelVersion !== message.modelVersion;
  const insights = message.groups.some((g) => g.kind === 'insight');
  if (message.findings !== legendFindings || message.collapseNoise !== legendGroups || insights !== legendInsights) {
    legendFindings = message.findings;
    legendGroups = message.collapseNoise;
    legendInsights = insights;
    buildLegend(message.findings);
  }
  setDisplayZone(message.timeZone);
  view = decodeView(message);
  if (state.t0 === undefined || state.t1 === undefined || message.laneField !== state.laneField) {
    // The host chose the window (a fit, or its own state for a fresh webview): adopt it.
    state.t0 = message.t0;
    state.t1 = message.t1;
    state.laneOffset = message.laneOffset;
  }

  if (message.laneField !== state.laneField && !dirty) {
    state.laneField = message.laneField;
    grouping.value = message.laneField;
  }
  if (message.focusRank !== undefined) {
    pendingRevealValue = undefined;
    state.laneOffset = message.laneOffset;
    focus = { rank: message.focusRank };
    const revealed = view.lanes.get(message.focusRank);
    announce(`Lane ${laneLabel(revealed?.value ?? '', revealed?.label)} revealed`);
  } else if (pendingRevealValue !== undefined && !dirty) {
    pendingRevealValue = undefined;
  }
  if ((fieldChanged || modelChanged) && focus && focus.rank >= message.laneCount) focus = undefined;
  if (modelChanged && focus) focus = { rank: focus.rank };
  saveState();
  const renderMs = render();
  const now = performance.now();
  if (firstPaintPending) {
    firstPaintPending = false;
    document.body.dataset.firstPaintMs = String(now - readyAt);
    post({ type: 'painted', frame: 'first', ms: now - readyAt, renderMs });
  } else if (interaction) {
    post({ type: 'painted', frame: interaction.kind, ms: now - interaction.at, renderMs });
  }
  interaction = undefined;
  document.body.dataset.paints = String(Number(document.body.dataset.paints ?? '0') + 1);
  document.body.dataset.lastRenderMs = renderMs.toFixed(3);
  updateStatus();
  if (dirty) {
    dirty = false;
    requestView();
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data as HostToWebview;
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'init': {
      document.body.dataset.initMs = String(performance.now() - readyAt);
      findingColor = message.theme.findingColor;
      // A fresh webview (no saved state) takes the groups the host remembers as expanded.
      if (!restoredState && state.expanded === undefined && message.state.expanded) state.expanded = parseState(message.state).expanded;
      palette = readPalette(findingColor);
      legendFindings = message.findings;
      buildLegend(message.findings);
      setFilter(message.filter);
      // Without a saved state, the first request asked the host to use its own state
      // (useHostState); the view it answers with carries that grouping and window.
      return;
    }
    case 'view':
      onView(message);
      return;
    case 'hoverInfo':
      if (message.seq === openOnHover) {
        openOnHover = undefined;
        if (message.row) post({ type: 'open', eventId: message.row.id });
      }
      if (message.seq === hoverSeq) showTooltip(message.row);
      return;
    case 'navigated':
      if (message.seq !== navSeq) return;
      // Answered (also when the focus stays on the lane's last event): UI tests wait for this.
      document.body.dataset.navigated = String(message.seq);
      if (!message.row) return;
      focusEvent(message.rank, message.row);
      return;
    case 'filterChanged':
      setFilter(message.filter);
      requestView();
      return;
    case 'invalidate':
      requestView();
      return;
    case 'reveal':
      state = { ...state, laneField: message.laneField, focusValue: message.value };
      grouping.value = message.laneField;
      pendingRevealValue = message.value;
      requestView();
      return;
    case 'error':
      status.textContent = displayText(message.message, 300);
      return;
    default: {
      const unknown: never = message;
      void unknown;
    }
  }
});

// ---- rendering ------------------------------------------------------------------------------

function resizeCanvas(canvas: HTMLCanvasElement, width: number, height: number, dpr: number): void {
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
}

function render(): number {
  const ctx = lanesCanvas.getContext('2d');
  const dctx = densityCanvas.getContext('2d');
  if (!ctx || !dctx) return 0;
  const started = performance.now();
  const { t0, t1 } = currentWindow();
  const focusTime = focus?.time;
  drawLanes(
    ctx,
    size.dpr,
    {
      width: size.width,
      height: size.height,
      labelW: labelWidth(),
      t0,
      t1,
      laneOffset: state.laneOffset,
      rows: rowsVisible(),
      ...(focus ? { focusRank: focus.rank } : {}),
      ...(focusTime !== undefined ? { focusTime } : {}),
      ...(hoverRank !== undefined ? { hoverRank } : {}),
      ...(filter.timeRange ? { brush: filter.timeRange } : {}),
      ...(dragBrush ? { dragBrush } : {}),
    },
    view,
    laneCount(),
    palette,
  );
  drawDensity(dctx, size.dpr, size.width, labelWidth(), view?.message, { t0, t1 }, filter.timeRange, palette);
  empty.hidden = !view || view.message.events > 0;
  if (view && view.message.events === 0) empty.textContent = filter.expression ? 'No events match the filter.' : 'No events loaded. Add a CloudTrail source to see its timeline.';
  return performance.now() - started;
}

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const ms = render();
    document.body.dataset.lastRenderMs = ms.toFixed(3);
  });
}

function layout(): void {
  const width = Math.max(200, Math.floor(plot.clientWidth || document.body.clientWidth));
  const height = Math.max(AXIS_H + LANE_H * 3, Math.floor(plot.clientHeight));
  size = { width, height, dpr: window.devicePixelRatio || 1 };
  resizeCanvas(lanesCanvas, width, height, size.dpr);
  resizeCanvas(densityCanvas, width, DENSITY_H, size.dpr);
}

function updateStatus(): void {
  if (!view) return;
  const m = view.message;
  const { t0, t1 } = currentWindow();
  const first = m.laneCount === 0 ? 0 : state.laneOffset + 1;
  const last = Math.min(m.laneCount, state.laneOffset + rowsVisible());
  const parts = [
    `${LANE_FIELD_LABELS[m.laneField]} lanes ${first}–${last} of ${m.laneCount}`,
    `window ${formatSpan(t1 - t0)} from ${formatTime(t0)}`,
  ];
  if (m.untimed > 0) parts.push(`${m.untimed} events without a time not shown`);
  status.textContent = parts.join(' · ');
}

function setFilter(info: FilterInfo): void {
  filter = info;
  if (document.activeElement !== filterInput) filterInput.value = info.expression;
  filterError.textContent = info.error ? displayText(info.error, 500) : '';
  filterError.hidden = !info.error;
  filterInput.setAttribute('aria-invalid', info.error ? 'true' : 'false');
  if (info.timeRange) {
    rangeText.textContent = `Time range: ${formatTime(info.timeRange.start)} – ${formatTime(info.timeRange.end)}`;
    clearRange.hidden = false;
  } else {
    rangeText.textContent = '';
    clearRange.hidden = true;
  }
  scheduleRender();
}

function announce(text: string): void {
  announcer.textContent = displayText(text, 500);
}

// ---- tooltip ----------------------------------------------------------------------------------

let tooltipAnchor = { x: 0, y: 0 };

function tooltipLine(label: string, value: string | undefined, className = ''): HTMLElement | undefined {
  if (value === undefined || value === '') return undefined;
  return el('div', { className: `line ${className}` }, el('span', { className: 'key', text: `${label} ` }), el('span', { className: 'value', text: displayText(value) }));
}

function showTooltip(row: HoverRow | undefined): void {
  if (!row) {
    tooltip.hidden = true;
    lanesCanvas.style.cursor = 'default';
    return;
  }
  lanesCanvas.style.cursor = 'pointer';
  const lines = [
    el('div', { className: `title kind-${row.kind}`, text: displayText(`${row.eventName ?? '(no event name)'}${row.eventSource ? ` · ${row.eventSource}` : ''}`) }),
    tooltipLine('Time', formatTime(row.time)),
    tooltipLine('Principal', row.principalName ? `${row.principalName} (${row.principal})` : row.principal),
    tooltipLine('Session', row.session),
    tooltipLine('Access key', row.accessKey),
    tooltipLine('Source IP', row.ip),
    tooltipLine('User agent', row.userAgent),
    tooltipLine('Region', row.region),
    tooltipLine('Error', row.error ? `${row.error}${row.errorMessage ? `: ${row.errorMessage}` : ''}` : undefined, 'error'),
    row.sameColumn > 1 ? el('div', { className: 'more', text: `${row.sameColumn - 1} more events in this column; zoom in to separate them` }) : undefined,
    el('div', { className: 'hint', text: 'Click to open the event JSON' }),
  ].filter((n): n is HTMLElement => n !== undefined);
  tooltip.replaceChildren(...lines);
  tooltip.hidden = false;
  placeTooltip();
}

const GROUP_KIND_LABELS: Record<GroupMark['kind'], string> = { 'aws-service': 'AWS-service events', 'console-burst': 'Console burst', insight: 'CloudTrail Insight (Start and End)' };

function showGroupTooltip(group: GroupMark): void {
  lanesCanvas.style.cursor = 'pointer';
  const [r, w, e, f] = group.kinds;
  const counts = [`${r} read`, `${w} write`, ...(e > 0 ? [`${e} error`] : []), ...(f > 0 ? [`${f} finding`] : [])].join(', ');
  const lines = [
    el('div', { className: `title kind-${KINDS[groupKindOf(group)]}`, text: displayText(group.label) }),
    tooltipLine('Group', GROUP_KIND_LABELS[group.kind]),
    tooltipLine('From', group.openStart ? `${formatTime(group.first)} (its Start is not among the events)` : formatTime(group.first)),
    tooltipLine('To', group.openEnd ? `${formatTime(group.last)} (not ended: no End record yet)` : formatTime(group.last)),
    tooltipLine('Events', counts),
    el('div', { className: 'hint', text: group.expanded ? 'Expanded: C collapses it again' : 'Click to expand it and zoom to its events' }),
  ].filter((n): n is HTMLElement => n !== undefined);
  tooltip.replaceChildren(...lines);
  tooltip.dataset.group = group.id;
  tooltip.hidden = false;
  placeTooltip();
}

function groupKindOf(group: GroupMark): number {
  for (let k = 3; k > 0; k--) if (group.kinds[k] > 0) return k;
  return 0;
}

/** The collapsed group drawn under a point of the lanes canvas, if any (the narrowest). */
function groupAt(x: number, y: number): GroupMark | undefined {
  if (!view || x < labelWidth()) return undefined;
  const rank = rankAtY(y);
  if (rank === undefined) return undefined;
  const top = AXIS_H + (rank - state.laneOffset) * LANE_H;
  if (y < top + GROUP_TOP - 2 || y > top + GROUP_TOP + GROUP_H + 2) return undefined;
  const frame = { labelW: labelWidth(), width: size.width, ...currentWindow() };
  let best: GroupMark | undefined;
  let bestW = Infinity;
  for (const group of view.groups) {
    if (group.rank !== rank || group.expanded) continue;
    const { x0, x1 } = groupExtent(group, frame);
    if (x >= x0 - 3 && x <= x1 + 3 && x1 - x0 < bestW) {
      best = group;
      bestW = x1 - x0;
    }
  }
  return best;
}

/** Expands a collapsed group: its events are drawn again and the window zooms to them. */
function expandGroup(group: GroupMark): void {
  const expanded = (state.expanded ?? []).filter((id) => id !== group.id);
  expanded.push(group.id);
  state.expanded = expanded.slice(-MAX_EXPANDED);
  tooltip.hidden = true;
  focus = { rank: group.rank };
  announce(`${group.label} expanded`);
  const span = Math.max(group.last - group.first, MIN_SPAN_MS * 10);
  const pad = span * 0.1;
  setWindow(group.first - pad, group.first + span + pad, 'zoom');
}

function collapseGroups(): void {
  if (!state.expanded || state.expanded.length === 0) return;
  state.expanded = [];
  announce('Groups collapsed');
  interaction ??= { kind: 'other', at: performance.now() };
  requestView();
  saveState();
}

function showLaneTooltip(rank: number): void {
  const lane = view?.lanes.get(rank);
  if (!lane) {
    tooltip.hidden = true;
    return;
  }
  tooltip.replaceChildren(
    el('div', { className: 'title', text: displayText(lane.value === '' ? '(no value)' : lane.label ? `${lane.label} (${lane.value})` : lane.value) }),
    el('div', { className: 'line', text: `${lane.total.toLocaleString('en-US')} events, ${lane.inWindow.toLocaleString('en-US')} in view` }),
  );
  tooltip.hidden = false;
  placeTooltip();
}

function placeTooltip(): void {
  const rect = tooltip.getBoundingClientRect();
  let x = tooltipAnchor.x + 14;
  let y = tooltipAnchor.y + 14;
  if (x + rect.width > window.innerWidth - 4) x = Math.max(4, tooltipAnchor.x - rect.width - 14);
  if (y + rect.height > window.innerHeight - 4) y = Math.max(4, tooltipAnchor.y - rect.height - 14);
  tooltip.style.left = `${x}px`;
  tooltip.style.top = `${y}px`;
}

// ---- zoom, pan, brush --------------------------------------------------------------------------

function maxSpan(): number {
  if (view && Number.isFinite(view.message.start)) {
    const full = densityWindow(view.message);
    return Math.max((full.t1 - full.t0) * 4, MIN_SPAN_MS * 60);
  }
  return 10 * 365 * 86_400_000;
}

function setWindow(t0: number, t1: number, kind: 'zoom' | 'pan' | 'other'): void {
  let span = t1 - t0;
  const mid = (t0 + t1) / 2;
  span = Math.min(Math.max(span, MIN_SPAN_MS), maxSpan());
  if (kind === 'zoom' && Math.abs(span - (t1 - t0)) > 1e-6) {
    const ratio = span / (t1 - t0);
    const anchor = mid;
    t0 = anchor - (anchor - t0) * ratio;
    t1 = t0 + span;
  } else {
    t0 = mid - span / 2;
    t1 = mid + span / 2;
  }
  state.t0 = t0;
  state.t1 = t1;
  interaction ??= { kind, at: performance.now() };
  scheduleRender();
  requestView();
  saveState();
}

function zoomAround(anchor: number, factor: number): void {
  const { t0, t1 } = currentWindow();
  let span = (t1 - t0) * factor;
  span = Math.min(Math.max(span, MIN_SPAN_MS), maxSpan());
  const ratio = span / (t1 - t0);
  const n0 = anchor - (anchor - t0) * ratio;
  setWindow(n0, n0 + span, 'zoom');
}

function pan(fraction: number): void {
  const { t0, t1 } = currentWindow();
  const d = (t1 - t0) * fraction;
  setWindow(t0 + d, t1 + d, 'pan');
}

function fit(): void {
  state.t0 = undefined;
  state.t1 = undefined;
  interaction = { kind: 'zoom', at: performance.now() };
  requestView();
}

function timeAtX(x: number): number {
  const { t0, t1 } = currentWindow();
  return t0 + ((x - labelWidth()) / plotWidth()) * (t1 - t0);
}

function scrollLanes(delta: number): void {
  const max = Math.max(0, laneCount() - rowsVisible());
  const next = Math.max(0, Math.min(max, state.laneOffset + delta));
  if (next === state.laneOffset) return;
  state.laneOffset = next;
  interaction ??= { kind: 'pan', at: performance.now() };
  scheduleRender();
  requestView();
  saveState();
  updateStatus();
}

function localPoint(event: MouseEvent): { x: number; y: number } {
  const rect = lanesCanvas.getBoundingClientRect();
  return { x: event.clientX - rect.left, y: event.clientY - rect.top };
}

function rankAtY(y: number): number | undefined {
  if (y < AXIS_H) return undefined;
  const rank = state.laneOffset + Math.floor((y - AXIS_H) / LANE_H);
  return rank < laneCount() && rank - state.laneOffset < rowsVisible() ? rank : undefined;
}

lanesCanvas.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    const { x, y } = localPoint(event);
    if (event.shiftKey || x < labelWidth()) {
      scrollLanes(Math.sign(event.deltaY || event.deltaX) * Math.max(1, Math.round(Math.abs(event.deltaY || event.deltaX) / LANE_H)));
      return;
    }
    if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      pan(event.deltaX / plotWidth());
      return;
    }
    void y;
    const factor = Math.exp(Math.max(-1, Math.min(1, event.deltaY / 300)));
    zoomAround(timeAtX(x), factor);
  },
  { passive: false },
);

let drag: { startX: number; startT0: number; startT1: number; brush: boolean; moved: boolean } | undefined;

lanesCanvas.addEventListener('mousedown', (event) => {
  if (event.button !== 0) return;
  const { x } = localPoint(event);
  if (x < labelWidth()) return;
  const { t0, t1 } = currentWindow();
  drag = { startX: x, startT0: t0, startT1: t1, brush: event.shiftKey, moved: false };
  lanesCanvas.focus();
  event.preventDefault();
});

window.addEventListener('mousemove', (event) => {
  const { x, y } = localPoint(event);
  tooltipAnchor = { x: event.clientX, y: event.clientY };
  if (drag) {
    if (Math.abs(x - drag.startX) > 3) drag.moved = true;
    if (!drag.moved) return;
    tooltip.hidden = true;
    if (drag.brush) {
      const a = timeAtX(drag.startX);
      const b = timeAtX(x);
      dragBrush = { start: Math.min(a, b), end: Math.max(a, b) };
      scheduleRender();
    } else {
      const dt = ((x - drag.startX) / plotWidth()) * (drag.startT1 - drag.startT0);
      state.t0 = drag.startT0 - dt;
      state.t1 = drag.startT1 - dt;
      interaction ??= { kind: 'pan', at: performance.now() };
      scheduleRender();
      requestView();
    }
    return;
  }
  if (event.target !== lanesCanvas) return;
  const rank = rankAtY(y);
  if (rank !== hoverRank) {
    hoverRank = rank;
    scheduleRender();
  }
  if (rank === undefined) {
    tooltip.hidden = true;
    return;
  }
  if (x < labelWidth()) {
    showLaneTooltip(rank);
    return;
  }
  const group = groupAt(x, y);
  if (group) {
    hoverSeq++; // an answer still on its way is for another point
    showGroupTooltip(group);
    return;
  }
  sendHover(rank, timeAtX(x));
});

function sendHover(rank: number, time: number): number | undefined {
  if (!view) return undefined;
  const { t0, t1 } = currentWindow();
  hoverSeq++;
  post({ type: 'hover', seq: hoverSeq, modelVersion: view.message.modelVersion, rank, time, t0, t1, width: Math.round(plotWidth()) });
  return hoverSeq;
}

window.addEventListener('mouseup', (event) => {
  const current = drag;
  drag = undefined;
  if (!current) return;
  const { x, y } = localPoint(event);
  if (current.brush && current.moved && dragBrush) {
    const range = dragBrush;
    dragBrush = undefined;
    post({ type: 'brush', start: range.start, end: range.end });
    announce(`Time range ${formatTime(range.start)} to ${formatTime(range.end)} applied`);
    scheduleRender();
    return;
  }
  if (current.moved) {
    saveState();
    return;
  }
  // A click on a collapsed group expands it; elsewhere it opens the event under the pointer.
  const group = groupAt(x, y);
  if (group) {
    expandGroup(group);
    return;
  }
  const rank = rankAtY(y);
  if (rank === undefined || x < labelWidth()) {
    if (rank !== undefined) focus = { rank };
    scheduleRender();
    return;
  }
  focus = { rank, time: timeAtX(x) };
  openOnHover = sendHover(rank, timeAtX(x));
});

lanesCanvas.addEventListener('mouseleave', () => {
  if (drag) return;
  hoverRank = undefined;
  tooltip.hidden = true;
  scheduleRender();
});

lanesCanvas.addEventListener('dblclick', (event) => {
  const { x } = localPoint(event);
  if (x >= labelWidth()) zoomAround(timeAtX(x), 0.5);
});

// Density strip: click or drag to centre the view there.
let densityDrag = false;
function densityMove(event: MouseEvent): void {
  if (!view || !Number.isFinite(view.message.start)) return;
  const rect = densityCanvas.getBoundingClientRect();
  const x = event.clientX - rect.left - labelWidth();
  const full = densityWindow(view.message);
  const t = full.t0 + (x / plotWidth()) * (full.t1 - full.t0);
  const { t0, t1 } = currentWindow();
  const half = (t1 - t0) / 2;
  setWindow(t - half, t + half, 'pan');
}
densityCanvas.addEventListener('mousedown', (event) => {
  densityDrag = true;
  densityMove(event);
});
window.addEventListener('mousemove', (event) => {
  if (densityDrag) densityMove(event);
});
window.addEventListener('mouseup', () => (densityDrag = false));

// ---- keyboard -----------------------------------------------------------------------------------

function focusEvent(rank: number, row: HoverRow): void {
  focus = { rank, id: row.id, time: row.time };
  const { t0, t1 } = currentWindow();
  if (row.time < t0 || row.time >= t1) {
    const span = t1 - t0;
    setWindow(row.time - span / 2, row.time + span / 2, 'pan');
  }
  const rows = rowsVisible();
  if (rank < state.laneOffset) scrollLanes(rank - state.laneOffset);
  else if (rank >= state.laneOffset + rows) scrollLanes(rank - (state.laneOffset + rows - 1));
  announce(`${row.eventName ?? 'event'} at ${formatTime(row.time)} by ${row.principalName ?? row.principal}${row.ip ? ` from ${row.ip}` : ''}${row.error ? `, error ${row.error}` : ''}`);
  // Show the details next to the focused mark.
  const rect = lanesCanvas.getBoundingClientRect();
  const w = currentWindow();
  const x = labelWidth() + ((row.time - w.t0) / (w.t1 - w.t0)) * plotWidth();
  const y = AXIS_H + (rank - state.laneOffset + 0.5) * LANE_H;
  // Where the focused mark is on the canvas (for UI tests that point at it).
  lanesCanvas.dataset.focusX = x.toFixed(1);
  lanesCanvas.dataset.focusY = y.toFixed(1);
  tooltipAnchor = { x: rect.left + x, y: rect.top + y + LANE_H / 2 };
  showTooltip(row);
  scheduleRender();
}

/** The collapsed group of a lane in view nearest the focus (or the window's middle). */
function nearestGroup(rank: number): GroupMark | undefined {
  if (!view) return undefined;
  const { t0, t1 } = currentWindow();
  const t = focus?.time ?? (t0 + t1) / 2;
  let best: GroupMark | undefined;
  let bestD = Infinity;
  for (const group of view.groups) {
    if (group.rank !== rank || group.expanded) continue;
    const d = t < group.first ? group.first - t : t > group.last ? t - group.last : 0;
    if (d < bestD) {
      best = group;
      bestD = d;
    }
  }
  return best;
}

function navigate(direction: Direction, rank: number): void {
  if (!view || laneCount() === 0) return;
  const { t0, t1 } = currentWindow();
  const time = focus?.time ?? (t0 + t1) / 2;
  navSeq++;
  post({
    type: 'navigate',
    seq: navSeq,
    modelVersion: view.message.modelVersion,
    rank,
    time,
    direction,
    ...(focus?.id !== undefined && focus.rank === rank ? { from: focus.id } : {}),
  });
}

lanesCanvas.addEventListener('keydown', (event) => {
  const count = laneCount();
  const rank = Math.min(focus?.rank ?? state.laneOffset, Math.max(0, count - 1));
  let handled = true;
  switch (event.key) {
    case 'ArrowLeft':
    case 'ArrowRight':
      if (event.shiftKey) pan(event.key === 'ArrowLeft' ? -0.2 : 0.2);
      else navigate(focus?.id === undefined ? 'nearest' : event.key === 'ArrowLeft' ? 'prev' : 'next', rank);
      break;
    case 'ArrowUp':
    case 'ArrowDown': {
      const next = Math.max(0, Math.min(count - 1, rank + (event.key === 'ArrowUp' ? -1 : 1)));
      focus = { rank: next, ...(focus?.time !== undefined ? { time: focus.time } : {}) };
      navigate('nearest', next);
      break;
    }
    case 'PageUp':
      scrollLanes(-rowsVisible());
      break;
    case 'PageDown':
      scrollLanes(rowsVisible());
      break;
    case 'Enter':
      if (focus?.id !== undefined) post({ type: 'open', eventId: focus.id });
      else navigate('nearest', rank);
      break;
    case '+':
    case '=':
      zoomAround(focus?.time ?? (currentWindow().t0 + currentWindow().t1) / 2, 0.5);
      break;
    case '-':
    case '_':
      zoomAround(focus?.time ?? (currentWindow().t0 + currentWindow().t1) / 2, 2);
      break;
    case 'Home':
    case '0':
      fit();
      break;
    case 'b':
    case 'B': {
      const w = currentWindow();
      post({ type: 'brush', start: w.t0, end: w.t1 });
      announce('The visible window is now the time range');
      break;
    }
    case 'Escape':
      tooltip.hidden = true;
      if (filter.timeRange) post({ type: 'clearBrush' });
      break;
    case 'e':
    case 'E': {
      const group = nearestGroup(rank);
      if (group) expandGroup(group);
      else announce('No collapsed group in this lane in view');
      break;
    }
    case 'c':
    case 'C':
      collapseGroups();
      break;
    default:
      handled = false;
  }
  if (handled) {
    event.preventDefault();
    event.stopPropagation();
  }
});

// ---- controls -----------------------------------------------------------------------------------

grouping.addEventListener('change', () => {
  const value = grouping.value;
  if (!isLaneField(value)) return;
  state = { ...state, laneField: value as LaneField, laneOffset: 0 };
  delete state.focusValue;
  focus = undefined;
  interaction = { kind: 'other', at: performance.now() };
  saveState();
  requestView();
});

// Forms are disabled in the webview (enableForms: false): Enter applies the filter.
filterInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    post({ type: 'setFilter', expression: filterInput.value });
  } else if (event.key === 'Escape') {
    filterInput.value = filter.expression;
    lanesCanvas.focus();
  }
});
clearRange.addEventListener('click', () => post({ type: 'clearBrush' }));
fitButton.addEventListener('click', fit);

// Theme changes: VS Code swaps the body class (vscode-light / vscode-dark / vscode-high-contrast).
new MutationObserver(() => {
  palette = readPalette(findingColor);
  scheduleRender();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

new ResizeObserver(() => {
  const before = size.width;
  const rowsBefore = rowsVisible();
  layout();
  scheduleRender();
  if (view && (Math.round(size.width) !== Math.round(before) || rowsVisible() !== rowsBefore)) requestView();
}).observe(plot);

layout();
grouping.value = state.laneField;
void KINDS;
readyAt = performance.now();
post({ type: 'ready' });
// Ask for the first window at once (the host answers after `init`): one round trip to first paint.
requestView();
