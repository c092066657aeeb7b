/**
 * The timeline's aggregation: events of a selection grouped in lanes (one per value of the
 * lane field, busiest first), each lane's events kept in time order, so a window request
 * costs two binary searches per visible lane plus one step per event in the window.
 *
 * Built once per (index version, selection, lane field, findings); every zoom or pan frame
 * is then `view()`, which bins the visible lanes per pixel column by kind.
 */
import { EventIndex } from '../index/event-index';
import type { TimeReader } from '../index/time-column';
import { Selection } from '../engine/api';
import type { NoiseView } from './noise';
import { groupMark } from './noise';
import { compareText } from '../model/text-order';
import {
  FirstSeenMark,
  GroupMark,
  KIND_ERROR,
  LaneField,
  LaneView,
  MAX_GROUPS_PER_VIEW,
  MAX_LABEL_LENGTH,
  MAX_LABELED_EVENTS_PER_LANE,
  MAX_LABELS_PER_VIEW,
  MAX_LANES_PER_VIEW,
  MAX_MARKERS_PER_VIEW,
  MAX_WIDTH,
  MIN_SPAN_MS,
  MarkLabel,
  fullWindowOf,
} from '../../shared/timeline-protocol';

/** Budget for a view's encoded lanes (characters of JSON); the whole message stays under 1 MB. */
export const VIEW_CELLS_BUDGET = 800_000;

export interface ViewQuery {
  t0?: number;
  t1?: number;
  width: number;
  offset: number;
  limit: number;
}

export interface ViewResult {
  t0: number;
  t1: number;
  width: number;
  laneOffset: number;
  lanes: LaneView[];
  firstSeen: FirstSeenMark[];
  groups: GroupMark[];
  labels: MarkLabel[];
}

export interface Pick {
  id: number;
  /** Events of the lane in the same pixel column as the picked one. */
  sameColumn: number;
}

export interface TimelineModelInput {
  index: EventIndex;
  selection: Selection;
  /** Every id of the index by time (timeOrder); the selection's order is filtered from it. */
  order?: Int32Array;
  laneField: LaneField;
  /** Lane code per event id (codeArray of the lane field). */
  codes: Int32Array;
  /** Mark kind per event id: read, write or error (derived.ts computeKinds). */
  kinds: Uint8Array;
  /** 1 per event id that is a detection finding (derived.ts findingFlags); none when absent. */
  findings?: Uint8Array;
  firstSeen: Uint8Array;
  /** A dictionary field's code per event id and its values (derived.ts codeArray). */
  eventNames?: CodedField;
  errorCodes?: CodedField;
  /**
   * The filter's time range: lanes without an event inside it are left out (the events of
   * the lanes shown are still drawn outside it, where the range is only shaded).
   */
  within?: { start: number; end: number };
}

export interface CodedField {
  codes: Int32Array;
  values: readonly string[];
}

export class TimelineModel {
  readonly laneField: LaneField;
  /** Lane value code per rank. */
  readonly laneCodes: Int32Array;
  /** Events of rank r are ids[laneStart[r] .. laneStart[r+1]), by time. */
  readonly laneStart: Int32Array;
  readonly ids: Int32Array;
  readonly times: Float64Array;
  private readonly kindsSorted: Uint8Array;
  private readonly findingSorted: Uint8Array;
  private readonly flagsSorted: Uint8Array;
  private readonly eventNames?: CodedField;
  private readonly errorCodes?: CodedField;
  /** Lanes left out because none of their events is within the `within` range. */
  readonly hiddenLanes: number;
  /**
   * cum[4*i + k]: events of kind k (k < 3) among lane-sorted positions < i, and findings
   * (k = 3) among them (count a column by subtraction).
   */
  private readonly cum: Uint32Array;
  /** Lane-sorted positions holding a first-seen marker, ascending. */
  private readonly flagged: Int32Array;
  /** All timed events' times in order, for the density strip, and alert counts before each. */
  private readonly allTimes: Float64Array;
  private readonly allAlerts: Uint32Array;
  private readonly values: readonly string[];
  /** Timed events, first and last time (NaN when none). */
  readonly events: number;
  readonly untimed: number;
  readonly start: number;
  readonly end: number;
  private densityCache?: { width: number; density: number[]; alerts: number[] };
  private scratch = new Uint32Array(0);

  constructor(input: TimelineModelInput) {
    const { index, selection, laneField, codes, kinds, findings, firstSeen, within } = input;
    this.laneField = laneField;
    this.eventNames = input.eventNames;
    this.errorCodes = input.errorCodes;
    this.values = index.dictionary(laneField);
    const times = index.timeColumn();
    const ordered = orderedSelection(index, selection, input.order);
    let timed = ordered.length;
    while (timed > 0 && Number.isNaN(times.get(ordered[timed - 1]))) timed--;
    this.events = timed;
    this.untimed = ordered.length - timed;
    this.start = timed > 0 ? times.get(ordered[0]) : NaN;
    this.end = timed > 0 ? times.get(ordered[timed - 1]) : NaN;

    // Count per lane code, rank lanes by count (busiest first, then by value).
    const dictSize = this.values.length;
    const counts = new Int32Array(dictSize);
    for (let i = 0; i < timed; i++) counts[codes[ordered[i]]]++;
    // With a time range, lanes with no event inside it are empty within the filter: left out.
    let inside: Uint8Array | undefined;
    if (within) {
      inside = new Uint8Array(dictSize);
      for (let i = lowerBoundTime(times, ordered, timed, within.start); i < timed && times.get(ordered[i]) < within.end; i++) inside[codes[ordered[i]]] = 1;
    }
    const present: number[] = [];
    let hiddenLanes = 0;
    for (let c = 0; c < dictSize; c++) {
      if (counts[c] === 0) continue;
      if (inside && inside[c] === 0) hiddenLanes++;
      else present.push(c);
    }
    this.hiddenLanes = hiddenLanes;
    const values = this.values;
    // Events without a value (e.g. IAM users in a role-session grouping) go in the last lane.
    // Lanes of equal counts by value, as `top` lists them (a code is the order values were first
    // met in, which the parse workers decide).
    present.sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : counts[b] - counts[a] || compareText(values[a], values[b])));
    this.laneCodes = Int32Array.from(present);
    const rankOf = new Int32Array(dictSize).fill(-1);
    present.forEach((code, rank) => (rankOf[code] = rank));
    this.laneStart = new Int32Array(present.length + 1);
    for (let r = 0; r < present.length; r++) this.laneStart[r + 1] = this.laneStart[r] + counts[present[r]];

    // Counting sort by lane, stable, so each lane stays in time order.
    const laned = this.laneStart[present.length];
    this.ids = new Int32Array(laned);
    this.times = new Float64Array(laned);
    this.kindsSorted = new Uint8Array(laned);
    this.findingSorted = new Uint8Array(laned);
    this.flagsSorted = new Uint8Array(laned);
    this.allTimes = new Float64Array(timed);
    this.allAlerts = new Uint32Array(timed + 1);
    const fill = this.laneStart.slice(0, present.length);
    let flaggedCount = 0;
    for (let i = 0; i < timed; i++) {
      const id = ordered[i];
      const t = times.get(id);
      const kind = kinds[id];
      const finding = findings ? findings[id] : 0;
      this.allTimes[i] = t;
      this.allAlerts[i + 1] = this.allAlerts[i] + (kind === KIND_ERROR || finding !== 0 ? 1 : 0);
      const rank = rankOf[codes[id]];
      if (rank < 0) continue;
      const at = fill[rank]++;
      this.ids[at] = id;
      this.times[at] = t;
      this.kindsSorted[at] = kind;
      this.findingSorted[at] = finding;
      const flag = firstSeen[id];
      this.flagsSorted[at] = flag;
      if (flag !== 0) flaggedCount++;
    }
    this.cum = new Uint32Array(4 * (laned + 1));
    this.flagged = new Int32Array(flaggedCount);
    const cum = this.cum;
    for (let i = 0, f = 0; i < laned; i++) {
      const b = 4 * i;
      cum[b + 4] = cum[b];
      cum[b + 5] = cum[b + 1];
      cum[b + 6] = cum[b + 2];
      cum[b + 7] = cum[b + 3];
      cum[b + 4 + this.kindsSorted[i]]++;
      cum[b + 7] += this.findingSorted[i];
      if (this.flagsSorted[i] !== 0) this.flagged[f++] = i;
    }
  }

  /** The mark kind (read, write, error) of a lane-sorted position. */
  kindAt(position: number): number {
    return this.kindsSorted[position];
  }

  /** Whether the event at a lane-sorted position is a detection finding. */
  findingAt(position: number): boolean {
    return this.findingSorted[position] !== 0;
  }

  get laneCount(): number {
    return this.laneCodes.length;
  }

  /** The lane's value ('' for events without one). */
  laneValue(rank: number): string {
    const code = this.laneCodes[rank];
    return code === 0 ? '' : this.values[code];
  }

  laneTotal(rank: number): number {
    return this.laneStart[rank + 1] - this.laneStart[rank];
  }

  /** Rank of the lane whose value is `value` (exact, then ignoring case), or -1. */
  rankOfValue(value: string): number {
    for (let r = 0; r < this.laneCodes.length; r++) if (this.laneValue(r) === value) return r;
    const lower = value.toLowerCase();
    for (let r = 0; r < this.laneCodes.length; r++) if (this.laneValue(r).toLowerCase() === lower) return r;
    return -1;
  }

  /** The default window: the whole range, padded by 2% each side. */
  fullWindow(): { t0: number; t1: number } {
    if (!(this.events > 0)) {
      const now = Date.now();
      return { t0: now - 3_600_000, t1: now };
    }
    return fullWindowOf(this.start, this.end);
  }

  /** Density over the whole range [start, end]: totals per bucket and error/finding totals (sparse pairs). */
  density(width: number): { density: number[]; alerts: number[] } {
    width = clampWidth(width);
    if (this.densityCache?.width === width) return this.densityCache;
    const density = new Array<number>(width).fill(0);
    const alerts: number[] = [];
    const { t0, t1 } = this.fullWindow();
    const scale = width / (t1 - t0);
    const times = this.allTimes;
    // Times are sorted: each bucket's end is one binary search away.
    let start = 0;
    for (let x = 0; x < width && start < times.length; x++) {
      let lo = start;
      let hi = times.length;
      if (x < width - 1) {
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((times[mid] - t0) * scale < x + 1) lo = mid + 1;
          else hi = mid;
        }
      } else lo = times.length;
      density[x] = lo - start;
      const a = this.allAlerts[lo] - this.allAlerts[start];
      if (a > 0) alerts.push(x, a);
      start = lo;
    }
    this.densityCache = { width, density, alerts };
    return this.densityCache;
  }

  /** First position in [lo, hi) whose time is >= t. */
  private lowerBound(lo: number, hi: number, t: number): number {
    const times = this.times;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position in [lo, hi) whose column ((t - t0) · scale) is ≥ column. */
  private columnEnd(lo: number, hi: number, t0: number, scale: number, column: number): number {
    const times = this.times;
    // Gallop first: the next column usually ends close by.
    let step = 1;
    let probe = lo;
    while (probe < hi && (times[probe] - t0) * scale < column) {
      lo = probe + 1;
      probe = lo + step;
      step *= 2;
    }
    if (probe < hi) hi = probe;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] - t0) * scale < column) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Bins the lanes [offset, offset+limit) in the window per pixel column and kind. With
   * `noise`, collapsed groups' events are left out of the columns and the groups listed.
   */
  view(query: ViewQuery, noise?: NoiseView): ViewResult {
    const width = clampWidth(query.width);
    let { t0, t1 } = query.t0 !== undefined && query.t1 !== undefined && query.t1 > query.t0 ? { t0: query.t0, t1: query.t1 } : this.fullWindow();
    if (t1 - t0 < MIN_SPAN_MS) {
      const mid = (t0 + t1) / 2;
      t0 = mid - MIN_SPAN_MS / 2;
      t1 = mid + MIN_SPAN_MS / 2;
    }
    const offset = Math.max(0, Math.min(query.offset, Math.max(0, this.laneCount - 1)));
    const limit = Math.max(0, Math.min(query.limit, MAX_LANES_PER_VIEW));
    const end = Math.min(this.laneCount, offset + limit);
    if (this.scratch.length < width * 4) this.scratch = new Uint32Array(width * 4);
    const bins = this.scratch;
    const scale = width / (t1 - t0);
    const lanes: LaneView[] = [];
    const firstSeen: FirstSeenMark[] = [];
    const groups: GroupMark[] = [];
    const labels: MarkLabel[] = [];
    let budget = VIEW_CELLS_BUDGET;
    for (let rank = offset; rank < end; rank++) {
      const lo = this.lowerBound(this.laneStart[rank], this.laneStart[rank + 1], t0);
      const hi = this.lowerBound(lo, this.laneStart[rank + 1], t1);
      let minX = width;
      let maxX = -1;
      if (hi - lo > width * 6) {
        // Many events per column: find each column's end by binary search and count its
        // kinds by subtracting prefix sums (O(width · log n) instead of O(events)).
        const cum = this.cum;
        let start = lo;
        for (let x = 0; x < width && start < hi; x++) {
          const end = x === width - 1 ? hi : this.columnEnd(start, hi, t0, scale, x + 1);
          if (end > start) {
            const a = 4 * start;
            const b = 4 * end;
            bins[x * 4] = cum[b] - cum[a];
            bins[x * 4 + 1] = cum[b + 1] - cum[a + 1];
            bins[x * 4 + 2] = cum[b + 2] - cum[a + 2];
            bins[x * 4 + 3] = cum[b + 3] - cum[a + 3];
            if (x < minX) minX = x;
            maxX = x;
          }
          start = end;
        }
      } else {
        for (let i = lo; i < hi; i++) {
          const x = Math.floor((this.times[i] - t0) * scale);
          const xx = x >= width ? width - 1 : x;
          bins[xx * 4 + this.kindsSorted[i]]++;
          bins[xx * 4 + 3] += this.findingSorted[i];
          if (xx < minX) minX = xx;
          if (xx > maxX) maxX = xx;
        }
      }
      // Collapsed noise groups: their events leave the columns; the group is one mark.
      let collapsed = 0;
      const laneGroups: GroupMark[] = [];
      let groupChars = 0;
      if (noise) {
        for (const group of noise.groupsOf(rank)) {
          if (group.last < t0 || group.first >= t1) continue;
          const isCollapsed = noise.isCollapsed(group);
          if (isCollapsed) {
            const positions = group.positions;
            for (let j = lowerBoundInt(positions, lo); j < positions.length && positions[j] < hi; j++) {
              const i = positions[j];
              const x = Math.floor((this.times[i] - t0) * scale);
              const base = (x >= width ? width - 1 : x) * 4;
              bins[base + this.kindsSorted[i]]--;
              bins[base + 3] -= this.findingSorted[i];
              collapsed++;
            }
          }
          if (groups.length + laneGroups.length < MAX_GROUPS_PER_VIEW) {
            const mark = groupMark(group, isCollapsed);
            laneGroups.push(mark);
            groupChars += (mark.label.length + mark.id.length) * 2 + 140;
          }
        }
      }
      // First-seen markers of this lane in the window (not inside a collapsed group).
      for (let f = lowerBoundInt(this.flagged, lo); f < this.flagged.length && this.flagged[f] < hi && firstSeen.length < MAX_MARKERS_PER_VIEW; f++) {
        const i = this.flagged[f];
        if (noise?.hidden(i)) continue;
        const x = Math.floor((this.times[i] - t0) * scale);
        firstSeen.push({ rank, x: x >= width ? width - 1 : x, what: this.flagsSorted[i], id: this.ids[i] });
      }
      const cells: number[] = [];
      let chars = 0;
      let prev = -1;
      for (let x = minX; x <= maxX; x++) {
        const base = x * 4;
        const r = bins[base];
        const w = bins[base + 1];
        const e = bins[base + 2];
        const f = bins[base + 3];
        if (r + w + e === 0) {
          bins[base + 3] = 0;
          continue;
        }
        const mask = (r ? 1 : 0) | (w ? 2 : 0) | (e ? 4 : 0) | (f ? 8 : 0);
        cells.push(x - prev, mask);
        chars += digits(x - prev) + digits(mask) + 2;
        if (r !== 0) {
          cells.push(r);
          chars += digits(r) + 1;
        }
        if (w !== 0) {
          cells.push(w);
          chars += digits(w) + 1;
        }
        if (e !== 0) {
          cells.push(e);
          chars += digits(e) + 1;
        }
        if (f !== 0) {
          cells.push(f);
          chars += digits(f) + 1;
        }
        bins[base] = bins[base + 1] = bins[base + 2] = bins[base + 3] = 0;
        prev = x;
      }
      const value = this.laneValue(rank);
      const laneLabels = hi - lo <= MAX_LABELED_EVENTS_PER_LANE && labels.length < MAX_LABELS_PER_VIEW ? this.labelsOf(rank, lo, hi, t0, scale, width, noise) : [];
      let labelChars = 0;
      for (const label of laneLabels) labelChars += (label.name.length + (label.error?.length ?? 0)) * 2 + 60;
      chars += value.length * 2 + 80 + groupChars + labelChars;
      if (chars > budget && lanes.length > 0) {
        // Over budget: stop here; the webview pages the remaining lanes in a later request.
        while (firstSeen.length > 0 && firstSeen[firstSeen.length - 1].rank === rank) firstSeen.pop();
        break;
      }
      budget -= chars;
      groups.push(...laneGroups);
      for (const label of laneLabels) if (labels.length < MAX_LABELS_PER_VIEW) labels.push(label);
      lanes.push({ rank, value, total: this.laneTotal(rank), inWindow: hi - lo, cells, ...(collapsed > 0 ? { collapsed } : {}) });
    }
    return { t0, t1, width, laneOffset: offset, lanes, firstSeen, groups, labels };
  }

  /**
   * A label per non-empty column of lane-sorted positions [lo, hi): the column's first event
   * not inside a collapsed group names it. Empty without the event-name codes.
   */
  private labelsOf(rank: number, lo: number, hi: number, t0: number, scale: number, width: number, noise?: NoiseView): MarkLabel[] {
    const names = this.eventNames;
    if (!names) return [];
    const labels: MarkLabel[] = [];
    let current: MarkLabel | undefined;
    for (let i = lo; i < hi; i++) {
      if (noise?.hidden(i)) continue;
      const x0 = Math.floor((this.times[i] - t0) * scale);
      const x = x0 >= width ? width - 1 : x0;
      if (current && current.x === x) {
        current.count++;
        continue;
      }
      const id = this.ids[i];
      const errorCode = this.errorCodes && this.errorCodes.codes[id] !== 0 ? this.errorCodes.values[this.errorCodes.codes[id]] : undefined;
      current = {
        rank,
        x,
        name: capLabel(names.codes[id] === 0 ? '' : names.values[names.codes[id]]),
        count: 1,
        ...(errorCode !== undefined ? { error: capLabel(errorCode) } : {}),
        ...(this.findingSorted[i] !== 0 ? { finding: true } : {}),
      };
      labels.push(current);
    }
    return labels;
  }

  /** The event of lane `rank` nearest to time t, within `tolerance` ms; undefined when none. */
  pick(rank: number, t: number, tolerance: number, column?: { t0: number; t1: number; width: number }, hidden?: (position: number) => boolean): Pick | undefined {
    if (!(rank >= 0 && rank < this.laneCount)) return undefined;
    const lo = this.laneStart[rank];
    const hi = this.laneStart[rank + 1];
    const at = this.nearest(lo, hi, t, hidden, tolerance);
    if (at < 0 || Math.abs(this.times[at] - t) > tolerance) return undefined;
    let sameColumn = 1;
    if (column) {
      const x = Math.floor(((this.times[at] - column.t0) / (column.t1 - column.t0)) * column.width);
      const c0 = column.t0 + (x * (column.t1 - column.t0)) / column.width;
      const c1 = column.t0 + ((x + 1) * (column.t1 - column.t0)) / column.width;
      const a = this.lowerBound(lo, hi, c0);
      const b = this.lowerBound(lo, hi, c1);
      sameColumn = b - a;
      if (hidden && b - a <= 100_000) for (let p = a; p < b; p++) if (hidden(p)) sameColumn--;
      sameColumn = Math.max(1, sameColumn);
    }
    return { id: this.ids[at], sameColumn };
  }

  /** The position nearest to t in [lo, hi) that is not hidden (within `tolerance` when hidden ones are skipped), or -1. */
  private nearest(lo: number, hi: number, t: number, hidden?: (position: number) => boolean, tolerance = Infinity): number {
    if (lo >= hi) return -1;
    const p = this.lowerBound(lo, hi, t);
    if (!hidden) {
      if (p >= hi) return hi - 1;
      if (p === lo) return lo;
      return t - this.times[p - 1] <= this.times[p] - t ? p - 1 : p;
    }
    let left = p - 1;
    while (left >= lo && hidden(left) && t - this.times[left] <= tolerance) left--;
    let right = p;
    while (right < hi && hidden(right) && this.times[right] - t <= tolerance) right++;
    const leftOk = left >= lo && !hidden(left);
    const rightOk = right < hi && !hidden(right);
    if (leftOk && rightOk) return t - this.times[left] <= this.times[right] - t ? left : right;
    return leftOk ? left : rightOk ? right : -1;
  }

  /**
   * Keyboard navigation within a lane: the next/previous event after `from`, or the nearest
   * to `t`; events of collapsed noise groups (`hidden`) are stepped over.
   */
  navigate(rank: number, t: number, direction: 'next' | 'prev' | 'nearest', from?: number, hidden?: (position: number) => boolean): number | undefined {
    if (!(rank >= 0 && rank < this.laneCount)) return undefined;
    const lo = this.laneStart[rank];
    const hi = this.laneStart[rank + 1];
    if (lo >= hi) return undefined;
    if (direction === 'nearest' || from === undefined) {
      const at = this.nearest(lo, hi, t, hidden);
      if (direction === 'nearest' || at < 0) return at < 0 ? undefined : this.ids[at];
    }
    // Find `from` among the events at its time; without it, start from where t falls.
    let position = -1;
    if (from !== undefined) {
      for (let p = this.lowerBound(lo, hi, t); p < hi && this.times[p] === t; p++) {
        if (this.ids[p] === from) {
          position = p;
          break;
        }
      }
    }
    let next: number;
    if (position === -1) {
      next = direction === 'next' ? this.lowerBound(lo, hi, nextUp(t)) : this.lowerBound(lo, hi, t) - 1;
    } else {
      next = direction === 'next' ? position + 1 : position - 1;
    }
    const step = direction === 'next' ? 1 : -1;
    if (hidden) while (next >= lo && next < hi && hidden(next)) next += step;
    if (next < lo || next >= hi) {
      // Past the lane's end: stay on the current event (or the lane's last visible one).
      if (position >= 0) return this.ids[position];
      const edge = this.nearest(lo, hi, direction === 'next' ? Infinity : -Infinity, hidden);
      return edge < 0 ? undefined : this.ids[edge];
    }
    return this.ids[next];
  }

  /** Rank of the lane holding an event id, or -1 (linear in the lane count). */
  rankOfEvent(id: number, codes: Int32Array): number {
    const code = codes[id];
    for (let r = 0; r < this.laneCodes.length; r++) if (this.laneCodes[r] === code) return r;
    return -1;
  }
}

/** The smallest double above t (times are whole ms, so t + 0.5 is enough). */
function nextUp(t: number): number {
  return t + 0.5;
}

/** The selection's ids by time (events without a time last), from the index's time order when given. */
function orderedSelection(index: EventIndex, selection: Selection, order: Int32Array | undefined): Int32Array {
  if (!order || order.length !== index.size) return index.sortByTime(selection, 'asc');
  if (selection.length === index.size) return order;
  const member = new Uint8Array(index.size);
  for (let i = 0; i < selection.length; i++) member[selection[i]] = 1;
  const out = new Int32Array(selection.length);
  let n = 0;
  for (let i = 0; i < order.length; i++) if (member[order[i]]) out[n++] = order[i];
  return out;
}

/** First i in [0, n) whose event's time (times.get(ordered[i])) is >= t; ordered is by time. */
function lowerBoundTime(times: TimeReader, ordered: Int32Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times.get(ordered[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function capLabel(text: string): string {
  return text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH - 1)}…` : text;
}

function lowerBoundInt(array: Int32Array, value: number): number {
  let lo = 0;
  let hi = array.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function clampWidth(width: number): number {
  return Math.max(1, Math.min(MAX_WIDTH, Math.floor(width)));
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : 7;
}
