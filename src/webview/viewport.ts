/**
 * What the user's input does to the view: zoom, pan, fit, scroll lanes, expand and collapse
 * groups, move the focus from event to event. The listeners that call these are in input.ts.
 */
import { Direction, GroupMark, HoverRow, MAX_EXPANDED, MIN_SPAN_MS } from '../shared/timeline-protocol';
import { announce, lanesCanvas } from './dom';
import { formatTime } from './format';
import { hooks } from './hooks';
import { AXIS_H, GROUP_H, GROUP_TOP, LANE_H, densityWindow, groupExtent } from './render';
import { InteractionKind, TimelineStore } from './state';
import { Tooltip } from './tooltip';

/** What the view operations need from the page: a frame, and the status line brought up to date. */
export interface Screen {
  scheduleRender(): void;
  updateStatus(): void;
}

export class Viewport {
  private hoverSeq = 0;
  private navSeq = 0;
  /** The hover request whose answer is to be opened (a click on a mark). */
  openOnHover: number | undefined;

  constructor(
    private readonly store: TimelineStore,
    private readonly tooltip: Tooltip,
    private readonly screen: Screen,
  ) {}

  /** The widest window allowed: four times the whole range. */
  private maxSpan(): number {
    const view = this.store.view;
    if (view && Number.isFinite(view.message.start)) {
      const full = densityWindow(view.message);
      return Math.max((full.t1 - full.t0) * 4, MIN_SPAN_MS * 60);
    }
    return 10 * 365 * 86_400_000;
  }

  /** Shows [t0, t1) (clamped to the allowed spans) and asks the host for it. */
  setWindow(t0: number, t1: number, kind: InteractionKind): void {
    const store = this.store;
    let span = t1 - t0;
    const mid = (t0 + t1) / 2;
    span = Math.min(Math.max(span, MIN_SPAN_MS), this.maxSpan());
    if (kind === 'zoom' && Math.abs(span - (t1 - t0)) > 1e-6) {
      const ratio = span / (t1 - t0);
      const anchor = mid;
      t0 = anchor - (anchor - t0) * ratio;
      t1 = t0 + span;
    } else {
      t0 = mid - span / 2;
      t1 = mid + span / 2;
    }
    store.state.t0 = t0;
    store.state.t1 = t1;
    // The user chose this window: a filter change keeps it (else the view fits the new events).
    store.state.zoomed = true;
    store.interacted(kind);
    this.screen.scheduleRender();
    store.requestView();
    store.save();
  }

  zoomAround(anchor: number, factor: number): void {
    const { t0, t1 } = this.store.currentWindow();
    let span = (t1 - t0) * factor;
    span = Math.min(Math.max(span, MIN_SPAN_MS), this.maxSpan());
    const ratio = span / (t1 - t0);
    const n0 = anchor - (anchor - t0) * ratio;
    this.setWindow(n0, n0 + span, 'zoom');
  }

  /** Zooms around the focused event, or the window's middle. */
  zoomAtFocus(factor: number): void {
    const { t0, t1 } = this.store.currentWindow();
    this.zoomAround(this.store.focus?.time ?? (t0 + t1) / 2, factor);
  }

  pan(fraction: number): void {
    const { t0, t1 } = this.store.currentWindow();
    const d = (t1 - t0) * fraction;
    this.setWindow(t0 + d, t1 + d, 'pan');
  }

  /** Moves the window by a drag (the window it started from, moved by dt). */
  drag(startT0: number, startT1: number, dt: number): void {
    const state = this.store.state;
    state.t0 = startT0 - dt;
    state.t1 = startT1 - dt;
    state.zoomed = true;
    this.store.interacted('pan');
    this.screen.scheduleRender();
    this.store.requestView();
  }

  /** The whole range: the host chooses the window. */
  fit(kind: InteractionKind = 'zoom'): void {
    const state = this.store.state;
    state.t0 = undefined;
    state.t1 = undefined;
    delete state.zoomed;
    this.store.interaction = { kind, at: performance.now() };
    this.store.requestView();
  }

  scrollLanes(delta: number): void {
    const store = this.store;
    const max = Math.max(0, store.laneCount() - store.rowsVisible());
    const next = Math.max(0, Math.min(max, store.state.laneOffset + delta));
    if (next === store.state.laneOffset) return;
    store.state.laneOffset = next;
    store.interacted('pan');
    this.screen.scheduleRender();
    store.requestView();
    store.save();
    this.screen.updateStatus();
  }

  /** The collapsed group drawn under a point of the lanes canvas, if any (the narrowest). */
  groupAt(x: number, y: number): GroupMark | undefined {
    const store = this.store;
    const view = store.view;
    if (!view || x < store.labelWidth()) return undefined;
    const rank = store.rankAtY(y);
    if (rank === undefined) return undefined;
    const top = AXIS_H + (rank - store.state.laneOffset) * LANE_H;
    if (y < top + GROUP_TOP - 2 || y > top + GROUP_TOP + GROUP_H + 2) return undefined;
    const frame = { labelW: store.labelWidth(), width: store.size.width, ...store.currentWindow() };
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

  /** The collapsed group of a lane in view nearest the focus (or the window's middle). */
  nearestGroup(rank: number): GroupMark | undefined {
    const { view, focus } = this.store;
    if (!view) return undefined;
    const { t0, t1 } = this.store.currentWindow();
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

  /** Expands a collapsed group: its events are drawn again and the window zooms to them. */
  expandGroup(group: GroupMark): void {
    const state = this.store.state;
    const expanded = (state.expanded ?? []).filter((id) => id !== group.id);
    expanded.push(group.id);
    state.expanded = expanded.slice(-MAX_EXPANDED);
    this.tooltip.hide();
    this.store.focus = { rank: group.rank };
    announce(`${group.label} expanded`);
    const span = Math.max(group.last - group.first, MIN_SPAN_MS * 10);
    const pad = span * 0.1;
    this.setWindow(group.first - pad, group.first + span + pad, 'zoom');
  }

  collapseGroups(): void {
    const state = this.store.state;
    if (!state.expanded || state.expanded.length === 0) return;
    state.expanded = [];
    announce('Groups collapsed');
    this.store.interacted('other');
    this.store.requestView();
    this.store.save();
  }

  /** Asks the host for the event under a point of a lane (the answer shows the tooltip). */
  hover(rank: number, time: number): number | undefined {
    const store = this.store;
    if (!store.view) return undefined;
    const { t0, t1 } = store.currentWindow();
    this.hoverSeq++;
    store.post({ type: 'hover', seq: this.hoverSeq, modelVersion: store.view.message.modelVersion, rank, time, t0, t1, width: Math.round(store.plotWidth()) });
    return this.hoverSeq;
  }

  /** Drops the hover answer on its way (it is for another point). */
  forgetHover(): void {
    this.hoverSeq++;
  }

  /** The host's answer to `hover`: shown when it is the latest; opened when it was a click. */
  onHoverInfo(seq: number, row: HoverRow | undefined): void {
    if (seq === this.openOnHover) {
      this.openOnHover = undefined;
      if (row) this.store.post({ type: 'open', eventId: row.id });
    }
    if (seq === this.hoverSeq) this.tooltip.showEvent(row);
  }

  /** Keyboard navigation within a lane (the host answers with `navigated`). */
  navigate(direction: Direction, rank: number): void {
    const { view, focus } = this.store;
    if (!view || this.store.laneCount() === 0) return;
    const { t0, t1 } = this.store.currentWindow();
    const time = focus?.time ?? (t0 + t1) / 2;
    this.navSeq++;
    this.store.post({
      type: 'navigate',
      seq: this.navSeq,
      modelVersion: view.message.modelVersion,
      rank,
      time,
      direction,
      ...(focus?.id !== undefined && focus.rank === rank ? { from: focus.id } : {}),
    });
  }

  onNavigated(seq: number, rank: number, row: HoverRow | undefined): void {
    if (seq !== this.navSeq) return;
    // Answered (also when the focus stays on the lane's last event): UI tests wait for this.
    hooks.navigated(seq);
    if (row) this.focusEvent(rank, row);
  }

  /** Focuses an event: brings it into the window and the lanes, announces it, shows its details. */
  focusEvent(rank: number, row: HoverRow): void {
    const store = this.store;
    store.focus = { rank, id: row.id, time: row.time };
    const { t0, t1 } = store.currentWindow();
    if (row.time < t0 || row.time >= t1) {
      const span = t1 - t0;
      this.setWindow(row.time - span / 2, row.time + span / 2, 'pan');
    }
    const rows = store.rowsVisible();
    const offset = store.state.laneOffset;
    if (rank < offset) this.scrollLanes(rank - offset);
    else if (rank >= offset + rows) this.scrollLanes(rank - (offset + rows - 1));
    announce(`${row.eventName ?? 'event'} at ${formatTime(row.time)} by ${row.principalName ?? row.principal}${row.ip ? ` from ${row.ip}` : ''}${row.error ? `, error ${row.error}` : ''}${row.finding ? ', a finding' : ''}`);
    // Show the details next to the focused mark.
    const rect = lanesCanvas.getBoundingClientRect();
    const x = store.xOfTime(row.time);
    const y = AXIS_H + (rank - store.state.laneOffset + 0.5) * LANE_H;
    hooks.focus(x, y);
    this.tooltip.anchor = { x: rect.left + x, y: rect.top + y + LANE_H / 2 };
    this.tooltip.showEvent(row);
    this.screen.scheduleRender();
  }
}
