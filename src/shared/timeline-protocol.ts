/**
 * The timeline's message protocol, imported by both the extension host and the webview
 * bundle. No DOM, no vscode: plain data and pure validation.
 *
 * The webview pulls windows of aggregated data (`requestView`); the host never streams raw
 * events. Everything that crosses is validated on arrival (`parseWebviewMessage`), and no
 * message names a command to run or a path to open: `open` carries an event id only.
 */

/** Lane groupings: each maps to a pivot field of the index. */
export const LANE_FIELDS = ['principal', 'session', 'accessKey', 'ip', 'region', 'account', 'eventSource'] as const;
export type LaneField = (typeof LANE_FIELDS)[number];

export const LANE_FIELD_LABELS: Record<LaneField, string> = {
  principal: 'Principal',
  session: 'Role session',
  accessKey: 'Access key',
  ip: 'Source IP',
  region: 'Region',
  account: 'Account',
  eventSource: 'Event source',
};

/**
 * Mark kinds. An event is one of read, write or error (drawn in those colours); 'finding' is
 * not a kind of its own but a flag on top (a detection marks it), counted apart so a finding
 * that was an error or a write is still drawn as one, with a badge.
 */
export const KINDS = ['read', 'write', 'error', 'finding'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_READ = 0;
export const KIND_WRITE = 1;
export const KIND_ERROR = 2;
export const KIND_FINDING = 3;

/** Limits the host enforces on requests (and the webview respects). */
export const MAX_WIDTH = 4096;
export const MAX_LANES_PER_VIEW = 60;
const MAX_FILTER_LENGTH = 4000;
export const MAX_MARKERS_PER_VIEW = 2000;
export const MAX_GROUPS_PER_VIEW = 2000;
/** Expanded noise groups remembered (oldest dropped first), and the longest group id kept. */
export const MAX_EXPANDED = 200;
const MAX_GROUP_ID_LENGTH = 1000;
/** Smallest visible span (ms): zooming stops here. */
export const MIN_SPAN_MS = 1000;

/** What survives hiding and a window reload (webview `setState`, panel serializer). */
export interface TimelineState {
  laneField: LaneField;
  /** The visible window [t0, t1) in epoch ms; undefined: fit the whole range. */
  t0?: number;
  t1?: number;
  laneOffset: number;
  /** The lane value last focused or revealed (a key, compared, never executed). */
  focusValue?: string;
  /** Noise groups the user expanded (GroupMark ids: compared, never executed). */
  expanded?: string[];
  /**
   * The user zoomed or panned since the last fit: a filter change keeps their window (else
   * the view fits the newly filtered events).
   */
  zoomed?: boolean;
}

export const DEFAULT_STATE: TimelineState = { laneField: 'principal', laneOffset: 0 };

/** One lane of a view: per pixel column counts by kind, sparse. */
export interface LaneView {
  /** Rank of the lane in the model (0 = busiest). */
  rank: number;
  /** The field value (attacker-controlled text: draw with fillText / textContent only). */
  value: string;
  /**
   * What the lane is called, when the host names it (principals: one display name, qualified
   * by account when names collide, src/core/model/display.ts); else the webview shortens `value`.
   * Attacker-controlled text as well.
   */
  label?: string;
  /** Events of the lane in the whole selection, and within the window. */
  total: number;
  inWindow: number;
  /**
   * Sparse columns, flattened: for each non-empty column, `dx, mask, c…` where dx is the
   * column minus the previous non-empty column (the first is relative to -1), mask has bit k
   * set when kind k has events, followed by one count per set bit in kind order. The read,
   * write and error counts add up to the column's events; the finding count (bit 3) is how
   * many of those events are findings (they are also counted in their own kind).
   */
  cells: number[];
  /** Events in the window inside collapsed noise groups (left out of `cells`); absent when none. */
  collapsed?: number;
}

/**
 * An event name to draw beside a mark when there is room (sent only for lanes with few events
 * in the window): the first visible event of a column, how many the column holds, and the
 * error code when that event failed. `name` and `error` are attacker-controlled: fillText only.
 */
export interface MarkLabel {
  rank: number;
  x: number;
  name: string;
  count: number;
  error?: string;
  /** The event is a detection finding. */
  finding?: boolean;
}

/** Lanes with at most this many events in the window carry labels (per visible column). */
export const MAX_LABELED_EVENTS_PER_LANE = 400;
export const MAX_LABELS_PER_VIEW = 4000;
/** Longest event name or error code sent as a label (longer ones end with an ellipsis). */
export const MAX_LABEL_LENGTH = 80;

/** Legend entries (and their CSS classes): the canvas draws each in the colour its swatch shows. */
export type LegendKey = 'read' | 'write' | 'error' | 'finding' | 'first-seen' | 'group' | 'insight';

export interface FirstSeenMark {
  rank: number;
  x: number;
  /** 1: first source IP for this principal, 2: first user agent, 3: both. */
  what: number;
  id: number;
}

/**
 * Group kinds: noise (src/core/noise: AWS-service events and console bursts) and CloudTrail
 * Insights (src/core/insights: one Insight's Start and End records, shown whatever the noise setting).
 */
export type NoiseGroupKind = 'aws-service' | 'console-burst' | 'insight';

/**
 * A noise group of one lane overlapping the window: drawn as one span from its first to its
 * last event with its count while collapsed (its events are then left out of the lane's
 * cells, hover and keyboard navigation); drawn as a bracket over its events once expanded.
 */
export interface GroupMark {
  /** Stable across views: kind, key and first time (attacker text inside: compare only). */
  id: string;
  rank: number;
  kind: NoiseGroupKind;
  /** "config.amazonaws.com: 12 events" (attacker-controlled: textContent / fillText only). */
  label: string;
  count: number;
  first: number;
  last: number;
  /** Members by kind: read, write, error, and how many of them are findings. */
  kinds: [number, number, number, number];
  /**
   * The legend entry the span is drawn as: 'group' (AWS-service events, console bursts) or
   * 'insight'. Not the colour of its members' kinds: an error among AWS-service calls is not
   * an attacker's error, and a red span would read as one.
   */
  legend: 'group' | 'insight';
  expanded: boolean;
  /** An Insight without its Start among the events: `first` is the range's start, not the Insight's. */
  openStart?: boolean;
  /** An Insight without its End (still open): `last` is the range's end. */
  openEnd?: boolean;
}

export interface ViewMessage {
  type: 'view';
  /** Echo of the request's sequence number: older answers are dropped by the webview. */
  seq: number;
  /** Changes whenever the model behind the lanes changes (filter, index, grouping). */
  modelVersion: number;
  laneField: LaneField;
  t0: number;
  t1: number;
  width: number;
  /** The whole selection's time range (NaN when empty) and its density strip. */
  start: number;
  end: number;
  /** Totals per column across the whole range [start, end], `width` buckets. */
  density: number[];
  /** Error and finding totals per density bucket (sparse: index, count pairs). */
  densityAlerts: number[];
  laneCount: number;
  laneOffset: number;
  lanes: LaneView[];
  firstSeen: FirstSeenMark[];
  /** Noise groups of the visible lanes in the window (empty when collapsing is off). */
  groups: GroupMark[];
  /** Event names for the marks of lanes with few events in the window (see MarkLabel). */
  labels: MarkLabel[];
  /** Lanes left out because none of their events is within the filter's time range. */
  hiddenLanes: number;
  /** Whether AWS-service events and console bursts are collapsed (cloudtrail.noise.collapseServiceEvents). */
  collapseNoise: boolean;
  /** Events in the selection (timed), and events without a time (not drawn). */
  events: number;
  untimed: number;
  /** Whether detection findings are marked (the legend shows "Finding" then). */
  findings: boolean;
  /** Rank of the lane holding `focusValue` when the request named one. */
  focusRank?: number;
  /** The zone times are shown in (setting cloudtrail.display.timeZone); UTC when absent. */
  timeZone?: 'utc' | 'local';
  /** Host-side aggregation time for this answer (ms), for the benchmark. */
  hostMs: number;
}

export interface HoverRow {
  id: number;
  time: number;
  eventName?: string;
  eventSource?: string;
  principal: string;
  /** The principal's display name (see LaneView.label), when the host gives one. */
  principalName?: string;
  /** The role session (issuer ARN / session name). */
  session?: string;
  accessKey?: string;
  ip?: string;
  userAgent?: string;
  error?: string;
  errorMessage?: string;
  region?: string;
  readOnly?: boolean;
  /** read, write or error (a finding keeps its kind; see `finding`). */
  kind: Kind;
  /** The event is a detection finding. */
  finding?: boolean;
  /** Events drawn in the same column of the same lane. */
  sameColumn: number;
}

export interface FilterInfo {
  expression: string;
  timeRange?: { start: number; end: number };
  /** Set when the last `setFilter` failed: the parser's message. */
  error?: string;
}

export interface ThemeInfo {
  /** Finding mark colour when detections assign one (CSS colour); default purple. */
  findingColor?: string;
}

export type HostToWebview =
  | { type: 'init'; state: TimelineState; filter: FilterInfo; theme: ThemeInfo; findings: boolean }
  | ViewMessage
  | { type: 'hoverInfo'; seq: number; row: HoverRow | undefined }
  | { type: 'navigated'; seq: number; rank: number; row: HoverRow | undefined }
  | { type: 'filterChanged'; filter: FilterInfo }
  | { type: 'invalidate' }
  | { type: 'reveal'; laneField: LaneField; value: string }
  | { type: 'error'; message: string };

export interface ViewRequest {
  type: 'requestView';
  seq: number;
  t0?: number;
  t1?: number;
  width: number;
  laneField: LaneField;
  lanes: { offset: number; limit: number };
  /** Page the lanes so that this value's lane is visible, and report its rank. */
  focusValue?: string;
  /**
   * The webview's first request when it has no saved state: the host answers with its own
   * state (the last session's grouping and window, or a lane to reveal) in place of the
   * request's grouping, window, lane offset and focus.
   */
  useHostState?: boolean;
  /** Noise groups to show expanded (GroupMark ids). */
  expanded?: string[];
}

export type Direction = 'next' | 'prev' | 'nearest';

export type WebviewToHost =
  | { type: 'ready' }
  | ViewRequest
  | { type: 'hover'; seq: number; modelVersion: number; rank: number; time: number; t0: number; t1: number; width: number }
  | { type: 'open'; eventId: number }
  | { type: 'brush'; start: number; end: number }
  | { type: 'clearBrush' }
  | { type: 'setFilter'; expression: string }
  | { type: 'navigate'; seq: number; modelVersion: number; rank: number; from?: number; time: number; direction: Direction }
  | { type: 'painted'; ms: number; frame: 'first' | 'zoom' | 'pan' | 'other'; renderMs: number };

// ---- validation ---------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function int(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isGroupIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_EXPANDED && value.every((v) => typeof v === 'string' && v.length <= MAX_GROUP_ID_LENGTH);
}

export function isLaneField(value: unknown): value is LaneField {
  return typeof value === 'string' && (LANE_FIELDS as readonly string[]).includes(value);
}

const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** Times are epoch ms; anything beyond ±year 10000 is not a time. */
const MAX_TIME = 253402300800000;

function time(value: unknown): value is number {
  return finite(value) && Math.abs(value) <= MAX_TIME;
}

/**
 * Checks a message from the webview; undefined when it is not a well-formed message.
 * Ranges against the data (event ids, lane ranks) are checked again where the data is.
 */
export function parseWebviewMessage(message: unknown): WebviewToHost | undefined {
  if (!isObject(message) || typeof message.type !== 'string') return undefined;
  const m = message;
  const type = m.type as WebviewToHost['type'];
  switch (type) {
    case 'ready':
      return { type };
    case 'clearBrush':
      return { type };
    case 'requestView': {
      if (!int(m.seq, 0, MAX_SEQ) || !int(m.width, 1, MAX_WIDTH) || !isLaneField(m.laneField)) return undefined;
      const lanes = m.lanes;
      if (!isObject(lanes) || !int(lanes.offset, 0, 1e9) || !int(lanes.limit, 0, MAX_LANES_PER_VIEW)) return undefined;
      const hasWindow = m.t0 !== undefined || m.t1 !== undefined;
      if (hasWindow && !(time(m.t0) && time(m.t1) && m.t1 > m.t0)) return undefined;
      if (m.focusValue !== undefined && (typeof m.focusValue !== 'string' || m.focusValue.length > 10_000)) return undefined;
      if (m.expanded !== undefined && !isGroupIdList(m.expanded)) return undefined;
      return {
        type,
        seq: m.seq,
        width: m.width,
        laneField: m.laneField,
        lanes: { offset: lanes.offset, limit: lanes.limit },
        ...(hasWindow ? { t0: m.t0 as number, t1: m.t1 as number } : {}),
        ...(m.focusValue !== undefined ? { focusValue: m.focusValue as string } : {}),
        ...(m.useHostState === true ? { useHostState: true } : {}),
        ...(m.expanded !== undefined ? { expanded: [...(m.expanded as string[])] } : {}),
      };
    }
    case 'hover': {
      if (!int(m.seq, 0, MAX_SEQ) || !int(m.modelVersion, 0, MAX_SEQ) || !int(m.rank, 0, 1e9)) return undefined;
      if (!time(m.time) || !time(m.t0) || !time(m.t1) || !(m.t1 > m.t0) || !int(m.width, 1, MAX_WIDTH)) return undefined;
      return { type, seq: m.seq, modelVersion: m.modelVersion, rank: m.rank, time: m.time, t0: m.t0, t1: m.t1, width: m.width };
    }
    case 'open':
      return int(m.eventId, 0, 2 ** 31 - 1) ? { type, eventId: m.eventId } : undefined;
    case 'brush':
      return time(m.start) && time(m.end) && m.end > m.start ? { type, start: m.start, end: m.end } : undefined;
    case 'setFilter':
      return typeof m.expression === 'string' && m.expression.length <= MAX_FILTER_LENGTH ? { type, expression: m.expression } : undefined;
    case 'navigate': {
      if (!int(m.seq, 0, MAX_SEQ) || !int(m.modelVersion, 0, MAX_SEQ) || !int(m.rank, 0, 1e9) || !time(m.time)) return undefined;
      if (m.direction !== 'next' && m.direction !== 'prev' && m.direction !== 'nearest') return undefined;
      if (m.from !== undefined && !int(m.from, 0, 2 ** 31 - 1)) return undefined;
      return {
        type,
        seq: m.seq,
        modelVersion: m.modelVersion,
        rank: m.rank,
        time: m.time,
        direction: m.direction,
        ...(m.from !== undefined ? { from: m.from as number } : {}),
      };
    }
    case 'painted': {
      if (!finite(m.ms) || !finite(m.renderMs)) return undefined;
      const frame = m.frame;
      if (frame !== 'first' && frame !== 'zoom' && frame !== 'pan' && frame !== 'other') return undefined;
      return { type, ms: m.ms, frame, renderMs: m.renderMs };
    }
    default: {
      const unknownType: never = type;
      void unknownType;
      return undefined;
    }
  }
}

/** Checks the state handed back by the serializer or the webview's getState(). */
export function parseState(value: unknown): TimelineState {
  if (!isObject(value)) return { ...DEFAULT_STATE };
  const state: TimelineState = {
    laneField: isLaneField(value.laneField) ? value.laneField : DEFAULT_STATE.laneField,
    laneOffset: int(value.laneOffset, 0, 1e9) ? value.laneOffset : 0,
  };
  if (time(value.t0) && time(value.t1) && value.t1 - value.t0 >= MIN_SPAN_MS / 2) {
    state.t0 = value.t0;
    state.t1 = value.t1;
  }
  if (typeof value.focusValue === 'string' && value.focusValue.length <= 10_000) state.focusValue = value.focusValue;
  if (isGroupIdList(value.expanded) && value.expanded.length > 0) state.expanded = [...value.expanded];
  if (value.zoomed === true && state.t0 !== undefined) state.zoomed = true;
  return state;
}

// ---- cells encoding (shared so the host encodes and the webview decodes the same way) ---------

/** Decodes a lane's `cells` into (column, counts[4]) calls. */
export function forEachCell(cells: readonly number[], visit: (x: number, read: number, write: number, error: number, finding: number) => void): void {
  let x = -1;
  let i = 0;
  const counts = [0, 0, 0, 0];
  while (i < cells.length) {
    x += cells[i++];
    const mask = cells[i++];
    for (let k = 0; k < 4; k++) counts[k] = mask & (1 << k) ? cells[i++] : 0;
    visit(x, counts[0], counts[1], counts[2], counts[3]);
  }
}

/** A group's id: its kind, key and first time (stable while the group's events stay). */
export function groupIdOf(kind: NoiseGroupKind, key: string, first: number): string {
  return `${kind}|${first}|${key}`.slice(0, MAX_GROUP_ID_LENGTH);
}

/** The window that shows a whole range [start, end]: padded 2% each side, at least a minute. */
export function fullWindowOf(start: number, end: number): { t0: number; t1: number } {
  const span = Math.max(end - start, MIN_SPAN_MS * 60);
  const pad = span * 0.02;
  const mid = (start + end) / 2;
  return { t0: mid - span / 2 - pad, t1: mid + span / 2 + pad };
}
