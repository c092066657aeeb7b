/**
 * The timeline's input: the mouse (hover, click, drag to pan, Shift+drag to brush, wheel to
 * zoom, the density strip), the keyboard, and the toolbar controls. What each does to the view
 * is in viewport.ts.
 */
import { LaneField, isLaneField } from '../shared/timeline-protocol';
import { announce, clearRange, densityCanvas, filterInput, grouping, lanesCanvas, toolbarButton } from './dom';
import { formatTime } from './format';
import { LANE_H, densityWindow } from './render';
import { TimelineStore } from './state';
import { Tooltip } from './tooltip';
import { Screen, Viewport } from './viewport';

export function installInput(store: TimelineStore, viewport: Viewport, tooltip: Tooltip, screen: Screen): void {
  installMouse(store, viewport, tooltip, screen);
  installDensity(store, viewport);
  installKeyboard(store, viewport, tooltip);
  installControls(store, viewport);
}

function localPoint(event: MouseEvent): { x: number; y: number } {
  const rect = lanesCanvas.getBoundingClientRect();
  return { x: event.clientX - rect.left, y: event.clientY - rect.top };
}

function installMouse(store: TimelineStore, viewport: Viewport, tooltip: Tooltip, screen: Screen): void {
  lanesCanvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const { x } = localPoint(event);
      if (event.shiftKey || x < store.labelWidth()) {
        viewport.scrollLanes(Math.sign(event.deltaY || event.deltaX) * Math.max(1, Math.round(Math.abs(event.deltaY || event.deltaX) / LANE_H)));
        return;
      }
      if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        viewport.pan(event.deltaX / store.plotWidth());
        return;
      }
      const factor = Math.exp(Math.max(-1, Math.min(1, event.deltaY / 300)));
      viewport.zoomAround(store.timeAtX(x), factor);
    },
    { passive: false },
  );

  let drag: { startX: number; startT0: number; startT1: number; brush: boolean; moved: boolean } | undefined;

  lanesCanvas.addEventListener('mousedown', (event) => {
    if (event.button !== 0) return;
    const { x } = localPoint(event);
    if (x < store.labelWidth()) return;
    const { t0, t1 } = store.currentWindow();
    drag = { startX: x, startT0: t0, startT1: t1, brush: event.shiftKey, moved: false };
    lanesCanvas.focus();
    event.preventDefault();
  });

  window.addEventListener('mousemove', (event) => {
    const { x, y } = localPoint(event);
    tooltip.anchor = { x: event.clientX, y: event.clientY };
    if (drag) {
      if (Math.abs(x - drag.startX) > 3) drag.moved = true;
      if (!drag.moved) return;
      tooltip.hide();
      if (drag.brush) {
        const a = store.timeAtX(drag.startX);
        const b = store.timeAtX(x);
        store.dragBrush = { start: Math.min(a, b), end: Math.max(a, b) };
        screen.scheduleRender();
      } else {
        viewport.drag(drag.startT0, drag.startT1, ((x - drag.startX) / store.plotWidth()) * (drag.startT1 - drag.startT0));
      }
      return;
    }
    if (event.target !== lanesCanvas) return;
    const rank = store.rankAtY(y);
    if (rank !== store.hoverRank) {
      store.hoverRank = rank;
      screen.scheduleRender();
    }
    if (rank === undefined) {
      tooltip.hide();
      return;
    }
    if (x < store.labelWidth()) {
      // The lane's label: its full value (the canvas may show it truncated).
      tooltip.showLane(store.view?.lanes.get(rank));
      return;
    }
    const group = viewport.groupAt(x, y);
    if (group) {
      viewport.forgetHover();
      tooltip.showGroup(group);
      return;
    }
    viewport.hover(rank, store.timeAtX(x));
  });

  window.addEventListener('mouseup', (event) => {
    const current = drag;
    drag = undefined;
    if (!current) return;
    const { x, y } = localPoint(event);
    if (current.brush && current.moved && store.dragBrush) {
      const range = store.dragBrush;
      store.dragBrush = undefined;
      store.post({ type: 'brush', start: range.start, end: range.end });
      announce(`Time range ${formatTime(range.start)} to ${formatTime(range.end)} applied`);
      screen.scheduleRender();
      return;
    }
    if (current.moved) {
      store.save();
      return;
    }
    // A click on a collapsed group expands it; elsewhere it opens the event under the pointer.
    const group = viewport.groupAt(x, y);
    if (group) {
      viewport.expandGroup(group);
      return;
    }
    const rank = store.rankAtY(y);
    if (rank === undefined || x < store.labelWidth()) {
      if (rank !== undefined) store.focus = { rank };
      screen.scheduleRender();
      return;
    }
    store.focus = { rank, time: store.timeAtX(x) };
    viewport.openOnHover = viewport.hover(rank, store.timeAtX(x));
  });

  lanesCanvas.addEventListener('mouseleave', () => {
    if (drag) return;
    store.hoverRank = undefined;
    tooltip.hide();
    screen.scheduleRender();
  });

  lanesCanvas.addEventListener('dblclick', (event) => {
    const { x } = localPoint(event);
    if (x >= store.labelWidth()) viewport.zoomAround(store.timeAtX(x), 0.5);
  });
}

/** The density strip: click or drag to centre the view there. */
function installDensity(store: TimelineStore, viewport: Viewport): void {
  let dragging = false;
  const move = (event: MouseEvent): void => {
    const view = store.view;
    if (!view || !Number.isFinite(view.message.start)) return;
    const rect = densityCanvas.getBoundingClientRect();
    const x = event.clientX - rect.left - store.labelWidth();
    const full = densityWindow(view.message);
    const t = full.t0 + (x / store.plotWidth()) * (full.t1 - full.t0);
    const { t0, t1 } = store.currentWindow();
    const half = (t1 - t0) / 2;
    viewport.setWindow(t - half, t + half, 'pan');
  };
  densityCanvas.addEventListener('mousedown', (event) => {
    dragging = true;
    move(event);
  });
  window.addEventListener('mousemove', (event) => {
    if (dragging) move(event);
  });
  window.addEventListener('mouseup', () => (dragging = false));
}

function installKeyboard(store: TimelineStore, viewport: Viewport, tooltip: Tooltip): void {
  lanesCanvas.addEventListener('keydown', (event) => {
    const count = store.laneCount();
    const focus = store.focus;
    const rank = Math.min(focus?.rank ?? store.state.laneOffset, Math.max(0, count - 1));
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
      case 'ArrowRight':
        if (event.shiftKey) viewport.pan(event.key === 'ArrowLeft' ? -0.2 : 0.2);
        else viewport.navigate(focus?.id === undefined ? 'nearest' : event.key === 'ArrowLeft' ? 'prev' : 'next', rank);
        break;
      case 'ArrowUp':
      case 'ArrowDown': {
        const next = Math.max(0, Math.min(count - 1, rank + (event.key === 'ArrowUp' ? -1 : 1)));
        store.focus = { rank: next, ...(focus?.time !== undefined ? { time: focus.time } : {}) };
        viewport.navigate('nearest', next);
        break;
      }
      case 'PageUp':
        viewport.scrollLanes(-store.rowsVisible());
        break;
      case 'PageDown':
        viewport.scrollLanes(store.rowsVisible());
        break;
      case 'Enter':
        if (focus?.id !== undefined) store.post({ type: 'open', eventId: focus.id });
        else viewport.navigate('nearest', rank);
        break;
      case '+':
      case '=':
        viewport.zoomAtFocus(0.5);
        break;
      case '-':
      case '_':
        viewport.zoomAtFocus(2);
        break;
      case 'Home':
      case '0':
        viewport.fit();
        break;
      case 'b':
      case 'B': {
        const w = store.currentWindow();
        store.post({ type: 'brush', start: w.t0, end: w.t1 });
        announce('The visible window is now the time range');
        break;
      }
      case 'Escape':
        tooltip.hide();
        if (store.filter.timeRange) store.post({ type: 'clearBrush' });
        break;
      case 'e':
      case 'E': {
        const group = viewport.nearestGroup(rank);
        if (group) viewport.expandGroup(group);
        else announce('No collapsed group in this lane in view');
        break;
      }
      case 'c':
      case 'C':
        viewport.collapseGroups();
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  });
}

function installControls(store: TimelineStore, viewport: Viewport): void {
  grouping.addEventListener('change', () => {
    const value = grouping.value;
    if (!isLaneField(value)) return;
    store.state = { ...store.state, laneField: value as LaneField, laneOffset: 0 };
    delete store.state.focusValue;
    store.focus = undefined;
    store.interaction = { kind: 'other', at: performance.now() };
    store.save();
    store.requestView();
  });

  // Forms are disabled in the webview (enableForms: false): Enter applies the filter.
  filterInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      store.post({ type: 'setFilter', expression: filterInput.value });
    } else if (event.key === 'Escape') {
      filterInput.value = store.filter.expression;
      lanesCanvas.focus();
    }
  });
  clearRange.addEventListener('click', () => store.post({ type: 'clearBrush' }));
  toolbarButton({ id: 'fit', text: 'Fit', title: 'Show the whole range (Home)', onClick: () => viewport.fit() });
}
