/**
 * The host side of one timeline webview, without vscode: validates every message from the
 * webview, answers window requests from a cached TimelineModel, and holds outgoing
 * messages until the webview says `ready`. The extension's panel and the benchmark both
 * drive this same class through a small port.
 */
import { EventIndex } from '../index/event-index';
import { Selection } from '../engine/api';
import { DerivedCache } from './derived';
import { TimelineModel } from './model';
import { LaneNoise } from './noise';
import type { DisplayZone } from '../model/display';
import {
  FilterInfo,
  HostToWebview,
  HoverRow,
  KINDS,
  LaneField,
  LaneView,
  MAX_LANES_PER_VIEW,
  ThemeInfo,
  TimelineState,
  ViewMessage,
  ViewRequest,
  WebviewToHost,
  parseWebviewMessage,
} from '../../shared/timeline-protocol';
import { queryIndex } from '../query/query';
import { WebviewPort, WebviewSession } from '../webview-session';

/** What the session needs from its surroundings (the extension services, or a benchmark). */
export interface TimelinePort extends WebviewPort<HostToWebview> {
  /** The current index: read fresh each time (it is replaced when a source is removed). */
  index(): EventIndex;
  /** The filter expression the lanes show ('' = everything); the brushed range is drawn, not applied. */
  expression(): string;
  filterInfo(): FilterInfo;
  /** Throws (FilterSyntaxError) when the expression does not parse. */
  setExpression(expression: string): void;
  setTimeRange(range: { start: number; end: number } | undefined): void;
  openEvent(id: number): Promise<void>;
  /** Event ids of detection findings, when detections have run (same array while unchanged). */
  findings?(): ArrayLike<number> | undefined;
  theme?(): ThemeInfo;
  /**
   * Whether AWS-service events and console bursts collapse into groups on the timeline
   * (setting cloudtrail.noise.collapseServiceEvents); off when absent.
   */
  collapseNoise?(): boolean;
  /**
   * What a lane of `field` with `value` is called (principals: their display name); lanes
   * without one are shortened by the webview. Also names the principal of a hover row.
   */
  laneLabel?(field: LaneField, value: string): string | undefined;
  /** The zone the webview shows times in (setting cloudtrail.display.timeZone); UTC when absent. */
  timeZone?(): 'utc' | 'local';
}

function principalNameOf(port: TimelinePort, principal: string): { principalName?: string } {
  const name = port.laneLabel?.('principal', principal);
  return name !== undefined && name !== principal ? { principalName: name } : {};
}

export class TimelineSession extends WebviewSession<HostToWebview, WebviewToHost, 'first' | 'zoom' | 'pan' | 'other'> {
  private readonly derived = new DerivedCache();
  private model?: TimelineModel;
  private modelKey?: { index: EventIndex; version: number; expression: string; laneField: LaneField; findings: unknown; within?: { start: number; end: number } };
  private modelVersion = 0;
  private noiseCache?: { model: TimelineModel; collapse: boolean; zone: DisplayZone; noise: LaneNoise };
  private selectionCache?: { index: EventIndex; version: number; expression: string; selection: Selection };
  private filterError?: string;
  /** The last view sent (for integration tests), and the largest message posted (bytes of JSON). */
  lastView?: ViewMessage;
  /** The last hover answer (integration tests check the row a click would open). */
  lastHover?: HoverRow;
  largestMessageBytes = 0;

  constructor(
    private readonly port: TimelinePort,
    private state: TimelineState,
    private readonly measureMessages = false,
  ) {
    super(
      {
        post: (message) => port.post(message),
        // Only the latest of each idempotent notification matters while waiting.
        merge: (_held, next) => (next.type === 'filterChanged' || next.type === 'invalidate' ? next : undefined),
        // A reveal, a filter or index change must reach the webview; answers to its requests need not.
        mustDeliver: (message) => message.type === 'reveal' || message.type === 'filterChanged' || message.type === 'invalidate',
      },
      { name: 'timeline', parse: parseWebviewMessage, log: (message) => port.log?.(message) },
    );
  }

  get currentState(): TimelineState {
    return { ...this.state };
  }

  /** Posts now, or holds the message until the webview is ready; measures it for the benchmark. */
  protected override post(message: HostToWebview): void {
    if (this.disposed) return;
    if (this.measureMessages) this.largestMessageBytes = Math.max(this.largestMessageBytes, Buffer.byteLength(JSON.stringify(message)));
    super.post(message);
  }

  protected async dispatch(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.opened({ type: 'init', state: this.state, filter: this.filter(), theme: this.port.theme?.() ?? {}, findings: !!this.port.findings?.() });
        return;
      }
      case 'requestView':
        this.post(this.view(message));
        return;
      case 'hover': {
        const model = this.currentModel();
        if (message.modelVersion !== this.modelVersion) return this.post({ type: 'hoverInfo', seq: message.seq, row: undefined });
        const perPixel = (message.t1 - message.t0) / message.width;
        const noise = this.noiseOf(model, message.rank);
        const pick = model.pick(message.rank, message.time, perPixel * 4, { t0: message.t0, t1: message.t1, width: message.width }, noise && ((p) => noise.hidden(p)));
        const row = pick ? await this.hoverRow(pick.id, pick.sameColumn) : undefined;
        this.lastHover = row;
        this.post({ type: 'hoverInfo', seq: message.seq, row });
        return;
      }
      case 'navigate': {
        const model = this.currentModel();
        if (message.modelVersion !== this.modelVersion) return;
        const noise = this.noiseOf(model, message.rank);
        const id = model.navigate(message.rank, message.time, message.direction, message.from, noise && ((p) => noise.hidden(p)));
        const row = id === undefined ? undefined : await this.hoverRow(id, 1);
        this.post({ type: 'navigated', seq: message.seq, rank: message.rank, row });
        return;
      }
      case 'open': {
        const index = this.port.index();
        if (message.eventId >= index.size) {
          this.post({ type: 'error', message: 'That event is no longer in the index.' });
          return;
        }
        await this.port.openEvent(message.eventId);
        return;
      }
      case 'brush':
        this.port.setTimeRange({ start: Math.floor(message.start), end: Math.ceil(message.end) });
        return;
      case 'clearBrush':
        this.port.setTimeRange(undefined);
        return;
      case 'setFilter': {
        try {
          this.port.setExpression(message.expression.trim());
          this.filterError = undefined;
        } catch (error) {
          this.filterError = error instanceof Error ? error.message : String(error);
        }
        this.post({ type: 'filterChanged', filter: this.filter() });
        return;
      }
      case 'painted':
        this.painted(message);
        return;
      default: {
        const unhandled: never = message;
        void unhandled;
      }
    }
  }

  private filter(): FilterInfo {
    const info = this.port.filterInfo();
    return this.filterError ? { ...info, error: this.filterError } : info;
  }

  /** The filter changed elsewhere (tree, palette): tell the webview, which requests a fresh view. */
  filterChanged(): void {
    this.filterError = undefined;
    this.post({ type: 'filterChanged', filter: this.filter() });
  }

  /** The index changed (sources added, removed, live appends): the webview re-requests its window. */
  indexChanged(): void {
    this.post({ type: 'invalidate' });
  }

  /**
   * Prepares the first answer while the webview loads: builds the model for the saved grouping,
   * groups the noise of its first page of lanes, and bins one view (which also warms the JIT),
   * so the first paint after `ready` is one cheap window request.
   */
  warm(width = 1200, lanes = MAX_LANES_PER_VIEW): void {
    if (this.disposed) return;
    const model = this.currentModel();
    const noise = this.noiseOf(model);
    noise?.setExpanded(this.state.expanded);
    const offset = Math.min(this.state.laneOffset, Math.max(0, model.laneCount - 1));
    model.view({ t0: this.state.t0, t1: this.state.t1, width, offset, limit: lanes }, noise);
  }

  /** The noise setting changed: the webview re-requests its window (collapsed or not). */
  noiseChanged(): void {
    this.post({ type: 'invalidate' });
  }

  /**
   * The lane groups for a model (its lane `rank` grouped): noise when collapsing is on, and
   * CloudTrail Insights (each Start/End pair one span) whenever the index holds any.
   */
  private noiseOf(model: TimelineModel, rank?: number): LaneNoise | undefined {
    const collapse = this.port.collapseNoise?.() ?? false;
    const index = this.port.index();
    const insights = index.insightCount > 0;
    if (!collapse && !insights) return undefined;
    // Insight labels carry times: in the zone the webview shows every other time in.
    const zone = this.port.timeZone?.() ?? 'utc';
    if (this.noiseCache?.model !== model || this.noiseCache.collapse !== collapse || this.noiseCache.zone !== zone) {
      const candidates = collapse ? this.derived.noiseCandidatesOf(index) : undefined;
      const noise = new LaneNoise(index, model, candidates, { noise: collapse, insights: insights ? index : undefined, times: { zone } });
      this.noiseCache = { model, collapse, zone, noise };
    }
    const noise = this.noiseCache.noise;
    if (rank !== undefined && rank >= 0 && rank < model.laneCount) noise.groupsOf(rank);
    return noise;
  }

  /** Asks the webview to switch grouping and scroll to a lane ("Show on timeline"). */
  reveal(laneField: LaneField, value: string): void {
    this.state = { ...this.state, laneField, focusValue: value };
    this.post({ type: 'reveal', laneField, value });
  }

  private selection(index: EventIndex, expression: string): Selection {
    const cached = this.selectionCache;
    if (cached && cached.index === index && cached.version === index.version && cached.expression === expression) return cached.selection;
    let selection: Selection;
    if (expression.trim() === '') selection = index.all();
    else {
      try {
        selection = queryIndex(index, expression);
      } catch {
        // The shared filter was validated when set; if it no longer parses, show everything.
        selection = index.all();
      }
    }
    this.selectionCache = { index, version: index.version, expression, selection };
    return selection;
  }

  /** The model for the current index, filter and grouping (rebuilt only when one changed). */
  currentModel(laneField: LaneField = this.state.laneField): TimelineModel {
    const index = this.port.index();
    const expression = this.port.expression();
    const findings = this.port.findings?.();
    const within = this.port.filterInfo().timeRange;
    const key = this.modelKey;
    if (
      this.model &&
      key &&
      key.index === index &&
      key.version === index.version &&
      key.expression === expression &&
      key.laneField === laneField &&
      key.findings === findings &&
      key.within?.start === within?.start &&
      key.within?.end === within?.end
    ) {
      return this.model;
    }
    this.model = new TimelineModel({
      index,
      selection: this.selection(index, expression),
      order: this.derived.timeOrderOf(index),
      laneField,
      codes: this.derived.codesOf(index, laneField),
      kinds: this.derived.kindsOf(index),
      findings: this.derived.findingsOf(index, findings),
      firstSeen: this.derived.firstSeenOf(index),
      eventNames: { codes: this.derived.codesOf(index, 'eventName'), values: index.dictionary('eventName') },
      errorCodes: { codes: this.derived.codesOf(index, 'error'), values: index.dictionary('error') },
      ...(within ? { within } : {}),
    });
    this.modelKey = { index, version: index.version, expression, laneField, findings, ...(within ? { within: { ...within } } : {}) };
    this.modelVersion++;
    return this.model;
  }

  get currentModelVersion(): number {
    return this.modelVersion;
  }

  /** Answers a window request: the visible lanes binned per pixel column, the density strip, markers. */
  view(request: Omit<ViewRequest, 'type'>): ViewMessage {
    const started = performance.now();
    if (request.useHostState) {
      const s = this.state;
      request = {
        seq: request.seq,
        width: request.width,
        laneField: s.laneField,
        lanes: { offset: s.laneOffset, limit: request.lanes.limit },
        ...(s.t0 !== undefined && s.t1 !== undefined ? { t0: s.t0, t1: s.t1 } : {}),
        ...(s.focusValue !== undefined ? { focusValue: s.focusValue } : {}),
        ...(s.expanded !== undefined ? { expanded: s.expanded } : {}),
      };
    }
    const model = this.currentModel(request.laneField);
    let offset = request.lanes.offset;
    let focusRank: number | undefined;
    if (request.focusValue !== undefined) {
      const rank = model.rankOfValue(request.focusValue);
      if (rank >= 0) {
        focusRank = rank;
        if (rank < offset || rank >= offset + request.lanes.limit) offset = Math.max(0, rank - Math.floor(request.lanes.limit / 3));
      }
    }
    const expanded = request.expanded ?? this.state.expanded;
    const noise = this.noiseOf(model);
    noise?.setExpanded(expanded);
    const result = model.view({ t0: request.t0, t1: request.t1, width: request.width, offset, limit: request.lanes.limit }, noise);
    const { density, alerts } = model.density(request.width);
    this.state = {
      laneField: request.laneField,
      t0: result.t0,
      t1: result.t1,
      laneOffset: result.laneOffset,
      ...(request.focusValue !== undefined ? { focusValue: request.focusValue } : this.state.focusValue !== undefined ? { focusValue: this.state.focusValue } : {}),
      ...(expanded !== undefined && expanded.length > 0 ? { expanded } : {}),
    };
    const hostMs = this.measured(started);
    const message: ViewMessage = {
      type: 'view',
      seq: request.seq,
      modelVersion: this.modelVersion,
      laneField: request.laneField,
      t0: result.t0,
      t1: result.t1,
      width: result.width,
      start: model.start,
      end: model.end,
      density,
      densityAlerts: alerts,
      laneCount: model.laneCount,
      laneOffset: result.laneOffset,
      lanes: this.labelled(request.laneField, result.lanes),
      firstSeen: result.firstSeen,
      groups: result.groups,
      labels: result.labels,
      hiddenLanes: model.hiddenLanes,
      collapseNoise: this.port.collapseNoise?.() ?? false,
      events: model.events,
      untimed: model.untimed,
      findings: !!this.port.findings?.(),
      ...(focusRank !== undefined ? { focusRank } : {}),
      ...(this.port.timeZone ? { timeZone: this.port.timeZone() } : {}),
      hostMs,
    };
    this.lastView = message;
    return message;
  }

  /** The lanes with the names the port gives them (the model's lanes are cached: copies are labelled). */
  private labelled(field: LaneField, lanes: LaneView[]): LaneView[] {
    const name = this.port.laneLabel;
    if (!name) return lanes;
    return lanes.map((lane) => {
      const label = name(field, lane.value);
      return label === undefined ? lane : { ...lane, label };
    });
  }

  /** The timeline's setting for times changed: the webview re-requests its window. */
  displayChanged(): void {
    this.post({ type: 'invalidate' });
  }

  /** The hover projection of one event; its errorMessage is read from the raw event. */
  private async hoverRow(id: number, sameColumn: number): Promise<HoverRow> {
    const index = this.port.index();
    const row = index.row(id);
    const kinds = this.derived.kindsOf(index);
    const finding = this.derived.findingsOf(index, this.port.findings?.())?.[id] === 1;
    let errorMessage: string | undefined;
    if (row.error !== undefined) {
      try {
        const raw = await index.raw(id);
        if (typeof raw.errorMessage === 'string') errorMessage = raw.errorMessage.slice(0, 2000);
      } catch {
        // The file moved or changed: the hover still shows the indexed fields.
      }
    }
    return {
      id,
      time: row.time,
      principal: row.principal,
      ...principalNameOf(this.port, row.principal),
      kind: KINDS[kinds[id]],
      ...(finding ? { finding: true } : {}),
      sameColumn,
      ...(row.eventName !== undefined ? { eventName: row.eventName } : {}),
      ...(row.eventSource !== undefined ? { eventSource: row.eventSource } : {}),
      ...(row.session !== undefined ? { session: row.session } : {}),
      ...(row.accessKey !== undefined ? { accessKey: row.accessKey } : {}),
      ...(row.ip !== undefined ? { ip: row.ip } : {}),
      ...(row.userAgent !== undefined ? { userAgent: row.userAgent } : {}),
      ...(row.error !== undefined ? { error: row.error } : {}),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
      ...(row.region !== undefined ? { region: row.region } : {}),
      ...(row.readOnly !== undefined ? { readOnly: row.readOnly } : {}),
    };
  }
}
