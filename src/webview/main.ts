/**
 * The timeline webview: lanes of events over time on a canvas, a density strip, a legend,
 * the shared filter, hover details and keyboard navigation. It pulls windows of aggregated
 * data from the host (`requestView`) and never receives raw events.
 *
 * This file wires the parts together and answers the host's messages: state and requests
 * (state.ts), input (input.ts, viewport.ts), tooltip and legend (tooltip.ts), drawing
 * (render.ts), the DOM (dom.ts) and the test hooks (hooks.ts).
 *
 * Every string from CloudTrail is attacker-controlled: it is drawn with fillText or set with
 * textContent, never parsed as HTML.
 */
import '../../media/timeline.css';
import { FilterInfo, HostToWebview, LANE_FIELD_LABELS, ViewMessage, parseState } from '../shared/timeline-protocol';
import { announce, clearRange, densityCanvas, empty, filterError, filterInput, grouping, lanesCanvas, mountDom, plot, rangeText, status } from './dom';
import { displayText, formatSpan, formatTime, laneLabel, setDisplayZone } from './format';
import { hooks } from './hooks';
import { installInput } from './input';
import { AXIS_H, DENSITY_H, LANE_H, decodeView, drawDensity, drawLanes, readPalette } from './render';
import { TimelineStore } from './state';
import { Legend, Tooltip } from './tooltip';
import { Screen, Viewport } from './viewport';

mountDom();
const store = new TimelineStore();
const legend = new Legend();
const tooltip = new Tooltip();
let renderQueued = false;
let firstPaintPending = true;
const screen: Screen = { scheduleRender, updateStatus };
const viewport = new Viewport(store, tooltip, screen);
installInput(store, viewport, tooltip, screen);

// ---- the host's messages ------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data as HostToWebview;
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'init': {
      hooks.init(performance.now() - store.readyAt);
      store.findingColor = message.theme.findingColor;
      // A fresh webview (no saved state) takes the groups the host remembers as expanded.
      if (!store.restored && store.state.expanded === undefined && message.state.expanded) store.state.expanded = parseState(message.state).expanded;
      store.palette = readPalette(store.findingColor);
      legend.update({ ...legend.current, findings: message.findings });
      setFilter(message.filter);
      // Without a saved state, the first request asked the host to use its own state
      // (useHostState); the view it answers with carries that grouping and window.
      return;
    }
    case 'view':
      onView(message);
      return;
    case 'hoverInfo':
      viewport.onHoverInfo(message.seq, message.row);
      return;
    case 'navigated':
      viewport.onNavigated(message.seq, message.rank, message.row);
      return;
    case 'filterChanged':
      onFilterChanged(message.filter);
      return;
    case 'invalidate':
      store.requestView();
      return;
    case 'reveal':
      store.state = { ...store.state, laneField: message.laneField, focusValue: message.value };
      grouping.value = message.laneField;
      store.pendingRevealValue = message.value;
      store.requestView();
      return;
    case 'error':
      status.textContent = displayText(message.message, 300);
      status.title = status.textContent;
      return;
    default: {
      const unknown: never = message;
      void unknown;
    }
  }
});

function onView(message: ViewMessage): void {
  if (!store.accept(message.seq)) return;
  if (firstPaintPending) hooks.firstView(performance.now() - store.readyAt);
  const previous = store.view?.message;
  const fieldChanged = previous?.laneField !== message.laneField;
  const modelChanged = previous?.modelVersion !== message.modelVersion;
  legend.update({ findings: message.findings, groups: message.collapseNoise, insights: message.groups.some((g) => g.kind === 'insight') });
  setDisplayZone(message.timeZone);
  const view = decodeView(message);
  store.view = view;
  const state = store.state;
  if (((state.t0 === undefined || state.t1 === undefined) && store.answersFit(message.seq)) || message.laneField !== state.laneField) {
    // The host chose the window (a fit, or its own state for a fresh webview): adopt it.
    state.t0 = message.t0;
    state.t1 = message.t1;
    state.laneOffset = message.laneOffset;
  }
  if (message.laneField !== state.laneField && !store.pending) {
    state.laneField = message.laneField;
    grouping.value = message.laneField;
  }
  if (message.focusRank !== undefined) {
    store.pendingRevealValue = undefined;
    state.laneOffset = message.laneOffset;
    store.focus = { rank: message.focusRank };
    const revealed = view.lanes.get(message.focusRank);
    announce(`Lane ${laneLabel(revealed?.value ?? '', revealed?.label)} revealed`);
  } else if (store.pendingRevealValue !== undefined && !store.pending) {
    store.pendingRevealValue = undefined;
  }
  const focus = store.focus;
  if ((fieldChanged || modelChanged) && focus && focus.rank >= message.laneCount) store.focus = undefined;
  if (modelChanged && store.focus) store.focus = { rank: store.focus.rank };
  store.save();
  const renderMs = render();
  const now = performance.now();
  if (firstPaintPending) {
    firstPaintPending = false;
    hooks.firstPaint(now - store.readyAt);
    store.post({ type: 'painted', frame: 'first', ms: now - store.readyAt, renderMs });
  } else if (store.interaction) {
    store.post({ type: 'painted', frame: store.interaction.kind, ms: now - store.interaction.at, renderMs });
  }
  store.interaction = undefined;
  hooks.painted(renderMs);
  updateStatus();
  store.flush();
}

/**
 * The shared filter changed (here or elsewhere). When its expression or time range changed,
 * the view fits the newly filtered events, unless the user zoomed or panned since the last
 * fit: then their window stays.
 */
function onFilterChanged(info: FilterInfo): void {
  const before = store.filter;
  setFilter(info);
  const changed = before.expression !== info.expression || before.timeRange?.start !== info.timeRange?.start || before.timeRange?.end !== info.timeRange?.end;
  if (changed && !store.state.zoomed) viewport.fit('other');
  else store.requestView();
}

function setFilter(info: FilterInfo): void {
  store.filter = info;
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

// ---- drawing ------------------------------------------------------------------------------------

function render(): number {
  const ctx = lanesCanvas.getContext('2d');
  const dctx = densityCanvas.getContext('2d');
  if (!ctx || !dctx) return 0;
  const started = performance.now();
  const { t0, t1 } = store.currentWindow();
  const { focus, hoverRank, filter, dragBrush, size, view, palette } = store;
  const focusTime = focus?.time;
  const drawn = drawLanes(
    ctx,
    size.dpr,
    {
      width: size.width,
      height: size.height,
      labelW: store.labelWidth(),
      t0,
      t1,
      laneOffset: store.state.laneOffset,
      rows: store.rowsVisible(),
      ...(focus ? { focusRank: focus.rank } : {}),
      ...(focusTime !== undefined ? { focusTime } : {}),
      ...(hoverRank !== undefined ? { hoverRank } : {}),
      ...(filter.timeRange ? { brush: filter.timeRange } : {}),
      ...(dragBrush ? { dragBrush } : {}),
    },
    view,
    store.laneCount(),
    palette,
  );
  hooks.group(drawn.group);
  hooks.names(drawn.names);
  hooks.laneLabels(drawn.laneLabels);
  hooks.axisLabels(drawn.axisLabels, size.width);
  drawDensity(dctx, size.dpr, size.width, store.labelWidth(), view?.message, { t0, t1 }, filter.timeRange, palette);
  empty.hidden = !view || view.message.events > 0;
  if (view && view.message.events === 0) empty.textContent = filter.expression ? 'No events match the filter.' : 'No events loaded. Add a CloudTrail source to see its timeline.';
  return performance.now() - started;
}

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    hooks.rendered(render());
  });
}

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

function layout(): void {
  const width = Math.max(200, Math.floor(plot.clientWidth || document.body.clientWidth));
  const height = Math.max(AXIS_H + LANE_H * 3, Math.floor(plot.clientHeight));
  store.size = { width, height, dpr: window.devicePixelRatio || 1 };
  resizeCanvas(lanesCanvas, width, height, store.size.dpr);
  resizeCanvas(densityCanvas, width, DENSITY_H, store.size.dpr);
}

function updateStatus(): void {
  const view = store.view;
  if (!view) return;
  const m = view.message;
  const { t0, t1 } = store.currentWindow();
  const first = m.laneCount === 0 ? 0 : store.state.laneOffset + 1;
  const last = Math.min(m.laneCount, store.state.laneOffset + store.rowsVisible());
  const parts = [`${LANE_FIELD_LABELS[m.laneField]} lanes ${first}–${last} of ${m.laneCount}`, `window ${formatSpan(t1 - t0)} from ${formatTime(t0)}`];
  if (m.hiddenLanes > 0) parts.push(`${m.hiddenLanes} ${m.hiddenLanes === 1 ? 'lane' : 'lanes'} without events in the time range hidden`);
  if (m.untimed > 0) parts.push(`${m.untimed} events without a time not shown`);
  status.textContent = parts.join(' · ');
  status.title = status.textContent;
}

// ---- theme, size, start -------------------------------------------------------------------------

// Theme changes: VS Code swaps the body class (vscode-light / vscode-dark / vscode-high-contrast).
new MutationObserver(() => {
  store.palette = readPalette(store.findingColor);
  scheduleRender();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

new ResizeObserver(() => {
  const before = store.size.width;
  const rowsBefore = store.rowsVisible();
  layout();
  scheduleRender();
  if (store.view && (Math.round(store.size.width) !== Math.round(before) || store.rowsVisible() !== rowsBefore)) store.requestView();
}).observe(plot);

layout();
grouping.value = store.state.laneField;
store.readyAt = performance.now();
store.post({ type: 'ready' });
// Ask for the first window at once (the host answers after `init`): one round trip to first paint.
store.requestView();
