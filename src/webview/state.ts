/**
 * The timeline webview's state and its requests to the host: what survives hiding (the
 * protocol's TimelineState, saved with `setState`), the last view, the filter, the focus and
 * hover, the canvas size and the geometry derived from it, and `requestView` with its
 * one-request-in-flight rule.
 */
import { DEFAULT_STATE, FilterInfo, MAX_LANES_PER_VIEW, TimelineState, WebviewToHost, parseState } from '../shared/timeline-protocol';
import { AXIS_H, DecodedView, LANE_H, Palette, readPalette } from './render';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: TimelineState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** An answer lost on the way (the panel was hidden meanwhile) must not block later requests. */
const LOST_REQUEST_MS = 3000;

export type InteractionKind = 'zoom' | 'pan' | 'other';

export class TimelineStore {
  private readonly vscode = acquireVsCodeApi();
  /** Whether the webview had a saved state when it started (else the host's state is used). */
  readonly restored: boolean;
  state: TimelineState;
  /** False until the first request: it asks the host for its own state when nothing was saved. */
  private haveState: boolean;
  view: DecodedView | undefined;
  filter: FilterInfo = { expression: '' };
  palette: Palette = readPalette();
  findingColor: string | undefined;
  focus: { rank: number; id?: number; time?: number } | undefined;
  hoverRank: number | undefined;
  dragBrush: { start: number; end: number } | undefined;
  size = { width: 600, height: 300, dpr: 1 };
  /** The interaction whose frame is being waited for (reported to the host as `painted`). */
  interaction: { kind: InteractionKind; at: number } | undefined;
  pendingRevealValue: string | undefined;
  readyAt = performance.now();
  private seq = 0;
  private inFlight: number | undefined;
  private inFlightSince = 0;
  /** A request was wanted while one was in flight: send it when the answer comes. */
  private dirty = false;
  /** The last request that asked the host to choose the window (a fit). */
  private fitSeq: number | undefined;

  constructor() {
    const saved = this.vscode.getState();
    this.restored = saved !== undefined && saved !== null;
    this.state = this.restored ? parseState(saved) : { ...DEFAULT_STATE };
    this.haveState = this.restored;
    setInterval(() => {
      if (this.inFlight !== undefined && this.dirty && performance.now() - this.inFlightSince >= LOST_REQUEST_MS) {
        this.dirty = false;
        this.requestView();
      }
    }, 1000);
  }

  post(message: WebviewToHost): void {
    this.vscode.postMessage(message);
  }

  save(): void {
    this.vscode.setState(this.state);
  }

  /** Notes the interaction a coming frame answers (kept if one is already pending). */
  interacted(kind: InteractionKind): void {
    this.interaction ??= { kind, at: performance.now() };
  }

  // ---- geometry -----------------------------------------------------------------------------

  labelWidth(): number {
    return Math.round(Math.max(140, Math.min(320, this.size.width * 0.24)));
  }

  plotWidth(): number {
    return Math.max(1, this.size.width - this.labelWidth());
  }

  rowsVisible(): number {
    return Math.max(1, Math.floor((this.size.height - AXIS_H) / LANE_H));
  }

  laneCount(): number {
    return this.view?.message.laneCount ?? 0;
  }

  currentWindow(): { t0: number; t1: number } {
    const { t0, t1 } = this.state;
    if (t0 !== undefined && t1 !== undefined) return { t0, t1 };
    if (this.view) return { t0: this.view.message.t0, t1: this.view.message.t1 };
    return { t0: Date.now() - 3_600_000, t1: Date.now() };
  }

  timeAtX(x: number): number {
    const { t0, t1 } = this.currentWindow();
    return t0 + ((x - this.labelWidth()) / this.plotWidth()) * (t1 - t0);
  }

  xOfTime(t: number): number {
    const { t0, t1 } = this.currentWindow();
    return this.labelWidth() + ((t - t0) / (t1 - t0)) * this.plotWidth();
  }

  /** The lane rank drawn at a y of the lanes canvas, if any. */
  rankAtY(y: number): number | undefined {
    if (y < AXIS_H) return undefined;
    const rank = this.state.laneOffset + Math.floor((y - AXIS_H) / LANE_H);
    return rank < this.laneCount() && rank - this.state.laneOffset < this.rowsVisible() ? rank : undefined;
  }

  // ---- requests -----------------------------------------------------------------------------

  /** Asks for the current window; while one request is in flight, the next waits for its answer. */
  requestView(): void {
    if (this.inFlight !== undefined && performance.now() - this.inFlightSince < LOST_REQUEST_MS) {
      this.dirty = true;
      return;
    }
    this.seq++;
    this.inFlight = this.seq;
    this.inFlightSince = performance.now();
    const revealing = this.pendingRevealValue;
    const useHostState = !this.haveState;
    this.haveState = true;
    const state = this.state;
    if (state.t0 === undefined || state.t1 === undefined) this.fitSeq = this.seq;
    this.post({
      type: 'requestView',
      seq: this.seq,
      width: Math.min(4096, Math.max(1, Math.round(this.plotWidth()))),
      laneField: state.laneField,
      lanes: { offset: state.laneOffset, limit: Math.min(MAX_LANES_PER_VIEW, this.rowsVisible()) },
      ...(state.t0 !== undefined && state.t1 !== undefined ? { t0: state.t0, t1: state.t1 } : {}),
      ...(revealing !== undefined ? { focusValue: revealing } : {}),
      ...(useHostState ? { useHostState: true } : { expanded: state.expanded ?? [] }),
    });
  }

  /** Whether an answer is the one awaited; if so, it is no longer in flight. */
  accept(seq: number): boolean {
    if (seq !== this.inFlight) return false;
    this.inFlight = undefined;
    return true;
  }

  /**
   * Whether an answer is to a request that left the window to the host (a fit). Only such an
   * answer's window is adopted: one for an earlier request, still on its way when the fit was
   * asked for, shows the old window, and adopting it would lose the fit.
   */
  answersFit(seq: number): boolean {
    return seq === this.fitSeq;
  }

  /** A request is waiting to be sent after the current answer. */
  get pending(): boolean {
    return this.dirty;
  }

  /** Sends the request that waited for the answer just handled, if any. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.requestView();
  }
}
