/**
 * Noise groups on the timeline (issue 7): AWS-service events (invokedBy / AWSService) and the
 * bursts one console click makes, grouped by src/core/noise per lane, so a group never spans
 * two lanes. Computed lazily for the lanes a view shows (one pass of `groupNoise` over the
 * lane's events, which are already in time order), cached for the model's lifetime.
 *
 * A collapsed group is drawn as one span with its count and its events leave the lane's cells,
 * hover and keyboard navigation; an expanded one (the user clicked it) shows its events again.
 */
import type { EventIndexApi } from '../engine/api';
import { InsightIndex, insightLabel, insightSpans } from '../insights/pairs';
import type { TimeDisplayOptions } from '../model/display';
import { groupNoise } from '../noise';
import { GroupMark, NoiseGroupKind, groupIdOf } from '../../shared/timeline-protocol';

export interface LaneGroup {
  id: string;
  rank: number;
  kind: NoiseGroupKind;
  label: string;
  /** Lane-sorted positions of the members (ascending, so in time order). */
  positions: Int32Array;
  first: number;
  last: number;
  /** Members by kind (read, write, error) and how many of them are findings. */
  kinds: [number, number, number, number];
  openStart?: boolean;
  openEnd?: boolean;
}

/** What TimelineModel needs to leave collapsed groups out of a view. */
export interface NoiseView {
  groupsOf(rank: number): readonly LaneGroup[];
  isCollapsed(group: LaneGroup): boolean;
  /** True when the lane-sorted position belongs to a collapsed group. */
  hidden(position: number): boolean;
}

/** The slice of TimelineModel the grouping reads. */
export interface LaneSource {
  readonly laneStart: Int32Array;
  readonly ids: Int32Array;
  /** Lane-sorted times, parallel to `ids`. */
  readonly times: Float64Array;
  /** The selection's first and last time (the range an open Insight runs to). */
  readonly start: number;
  readonly end: number;
  kindAt(position: number): number;
  findingAt(position: number): boolean;
}

export interface LaneGroupOptions {
  /** Group AWS-service events and console bursts (the noise setting); default true. */
  noise?: boolean;
  /** Group each CloudTrail Insight's Start and End records into one span (whatever the noise setting). */
  insights?: InsightIndex;
  /** How an Insight's label shows its times (the one display form, core/model/display); UTC when absent. */
  times?: TimeDisplayOptions;
}

export class LaneNoise implements NoiseView {
  private readonly lanes = new Map<number, LaneGroup[]>();
  /** Group (index into `all`) per lane-sorted position, -1 when none; filled per lane on demand. */
  private readonly groupAt: Int32Array;
  private readonly all: LaneGroup[] = [];
  private positionOf?: Int32Array;
  private expanded: ReadonlySet<string> = new Set();
  private insightLanes?: Map<number, number[]>;

  /**
   * @param candidates per event id: 1 when it might be grouped (derived.ts noiseCandidates);
   *   only those are classified, which keeps a million-event lane cheap.
   */
  constructor(
    private readonly index: EventIndexApi,
    private readonly model: LaneSource,
    private readonly candidates?: Uint8Array,
    private readonly options: LaneGroupOptions = {},
  ) {
    this.groupAt = new Int32Array(model.ids.length).fill(-1);
  }

  /** The groups the user expanded (ids from GroupMark); every other group is collapsed. */
  setExpanded(ids: readonly string[] | undefined): void {
    this.expanded = new Set(ids ?? []);
  }

  isCollapsed(group: LaneGroup): boolean {
    return !this.expanded.has(group.id);
  }

  hidden(position: number): boolean {
    const g = this.groupAt[position];
    if (g < 0) return false;
    return this.isCollapsed(this.all[g]);
  }

  /** The lane's groups in order of their first event (computed once). */
  groupsOf(rank: number): readonly LaneGroup[] {
    const cached = this.lanes.get(rank);
    if (cached) return cached;
    const lo = this.model.laneStart[rank];
    const hi = this.model.laneStart[rank + 1];
    const groups: LaneGroup[] = [];
    if (hi > lo && this.options.noise !== false) {
      let ids = this.model.ids.subarray(lo, hi);
      const candidates = this.candidates;
      if (candidates) {
        const picked = new Int32Array(hi - lo);
        let n = 0;
        for (let i = 0; i < ids.length; i++) if (candidates[ids[i]] === 1) picked[n++] = ids[i];
        ids = picked.subarray(0, n);
      }
      const positionOf = this.positions();
      for (const item of groupNoise(this.index, ids)) {
        if (item.kind !== 'group') continue;
        const g = item.group;
        const positions = new Int32Array(g.ids.length);
        const kinds: [number, number, number, number] = [0, 0, 0, 0];
        const at = this.all.length;
        for (let i = 0; i < g.ids.length; i++) {
          const p = positionOf[g.ids[i]];
          positions[i] = p;
          this.groupAt[p] = at;
          kinds[this.model.kindAt(p)]++;
          if (this.model.findingAt(p)) kinds[3]++;
        }
        const group: LaneGroup = { id: groupIdOf(g.kind, g.key, g.first), rank, kind: g.kind, label: g.label, positions, first: g.first, last: g.last, kinds };
        this.all.push(group);
        groups.push(group);
      }
    }
    if (hi > lo && this.options.insights) groups.push(...this.insightGroups(rank, lo, hi, this.options.insights));
    if (groups.length > 1) groups.sort((a, b) => a.first - b.first);
    this.lanes.set(rank, groups);
    return groups;
  }

  /**
   * The lane's CloudTrail Insights, one group per Start/End pair, from the Start to the End;
   * open ends run to the range's edge. Its records are found by time (they are few).
   */
  private insightGroups(rank: number, lo: number, hi: number, insights: InsightIndex): LaneGroup[] {
    const model = this.model;
    const members = this.insightsByLane(insights).get(rank);
    if (!members) return [];
    const positionOf = new Map<number, number>();
    for (const p of members) if (p >= lo && p < hi) positionOf.set(model.ids[p], p);
    if (positionOf.size === 0) return [];
    const groups: LaneGroup[] = [];
    for (const span of insightSpans(insights, [...positionOf.keys()])) {
      const positions = Int32Array.from(span.ids.map((id) => positionOf.get(id)!)).sort();
      if (positions.some((p) => this.groupAt[p] >= 0)) continue;
      const kinds: [number, number, number, number] = [0, 0, 0, 0];
      const at = this.all.length;
      for (const p of positions) {
        this.groupAt[p] = at;
        kinds[model.kindAt(p)]++;
        if (model.findingAt(p)) kinds[3]++;
      }
      const openStart = !Number.isFinite(span.first);
      const openEnd = !Number.isFinite(span.last);
      const first = openStart ? Math.min(model.start, model.times[positions[0]]) : span.first;
      const last = openEnd ? Math.max(model.end, model.times[positions[positions.length - 1]]) : span.last;
      const group: LaneGroup = { id: groupIdOf('insight', span.key, first), rank, kind: 'insight', label: insightLabel(span, this.options.times), positions, first, last, kinds };
      if (openStart) group.openStart = true;
      if (openEnd) group.openEnd = true;
      this.all.push(group);
      groups.push(group);
    }
    return groups;
  }

  /** Lane-sorted positions of the model's Insights records, per lane rank (found once, for every lane). */
  private insightsByLane(insights: InsightIndex): Map<number, number[]> {
    if (this.insightLanes) return this.insightLanes;
    const lanes = new Map<number, number[]>();
    const ids = insights.insightIds();
    if (ids.length > 0) {
      const positionOf = this.positions();
      const laneStart = this.model.laneStart;
      for (const id of ids) {
        const p = id < positionOf.length ? positionOf[id] : -1;
        if (p < 0) continue; // not in the selection, or without a time
        let a = 0;
        let b = laneStart.length - 1;
        while (b - a > 1) {
          const mid = (a + b) >>> 1;
          if (laneStart[mid] <= p) a = mid;
          else b = mid;
        }
        const list = lanes.get(a);
        if (list) list.push(p);
        else lanes.set(a, [p]);
      }
    }
    this.insightLanes = lanes;
    return lanes;
  }

  /** The group holding a lane-sorted position, if any (its lane must have been grouped). */
  groupAtPosition(position: number): LaneGroup | undefined {
    const g = this.groupAt[position];
    return g < 0 ? undefined : this.all[g];
  }

  private positions(): Int32Array {
    if (!this.positionOf) {
      const ids = this.model.ids;
      let max = 0;
      for (let i = 0; i < ids.length; i++) if (ids[i] > max) max = ids[i];
      this.positionOf = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) this.positionOf[ids[i]] = i;
    }
    return this.positionOf;
  }
}

/** The protocol's view of a group (label capped: it is attacker-controlled text). */
export function groupMark(group: LaneGroup, collapsed: boolean): GroupMark {
  return {
    id: group.id,
    rank: group.rank,
    kind: group.kind,
    label: group.label.length > 300 ? `${group.label.slice(0, 299)}…` : group.label,
    count: group.positions.length,
    first: group.first,
    last: group.last,
    kinds: [...group.kinds],
    legend: group.kind === 'insight' ? 'insight' : 'group',
    expanded: !collapsed,
    ...(group.openStart ? { openStart: true } : {}),
    ...(group.openEnd ? { openEnd: true } : {}),
  };
}
