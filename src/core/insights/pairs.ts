/**
 * CloudTrail Insights: a trail records unusual API activity as two records, a Start and an
 * End, that share a `sharedEventID`. This pairs them into one span (from the Start's time to
 * the End's) for the timeline, the Explorer and the Events view, from the index alone (no raw
 * events read). An Insight still going on has no End yet (an open span); one that began before
 * the evidence has no Start.
 */
import { formatDisplaySpan, formatDisplayTime, type TimeDisplayOptions } from '../model/display';
import type { EventId } from '../engine/api';
import type { InsightOfEvent } from '../index/event-index';
import type { PivotField } from '../index/fields';

/** The slice of EventIndex the pairing reads. */
export interface InsightIndex {
  insight(id: EventId): InsightOfEvent | undefined;
  insightIds(): EventId[];
  value(field: PivotField, id: EventId): string | undefined;
  time(id: EventId): number;
}

export interface InsightSpan {
  /** Stable while the records stay: the shared event id, or the record's own event when it has none. */
  key: string;
  sharedEventId?: string;
  /** The Start and End records (the earliest Start, the latest End), when present. */
  start?: EventId;
  end?: EventId;
  /** Every record of this Insight, in time order. */
  ids: EventId[];
  /** The Start's time; NaN when no Start is among the events (it began before them). */
  first: number;
  /** The End's time; NaN while the Insight is open (no End among the events). */
  last: number;
  eventName?: string;
  eventSource?: string;
  insightType?: string;
}

function isState(state: string | undefined, wanted: string): boolean {
  return state !== undefined && state.toLowerCase() === wanted;
}

/**
 * The Insights among `ids` (every Insights record of the index when omitted), paired by
 * sharedEventID, in order of their first record's time. Every Insights record of `ids`
 * appears in exactly one span.
 */
export function insightSpans(index: InsightIndex, ids?: ArrayLike<EventId>): InsightSpan[] {
  let members: EventId[];
  if (ids) {
    const seen = new Set<number>();
    for (let i = 0; i < ids.length; i++) if (index.insight(ids[i]) !== undefined) seen.add(ids[i]);
    members = [...seen];
  } else {
    members = index.insightIds();
  }
  const byKey = new Map<string, EventId[]>();
  for (const id of members) {
    const shared = index.value('sharedEventId', id);
    const key = shared !== undefined ? `shared:${shared}` : `event:${index.value('eventId', id) ?? `#${id}`}`;
    const list = byKey.get(key);
    if (list) list.push(id);
    else byKey.set(key, [id]);
  }
  const byTime = (a: EventId, b: EventId): number => (index.time(a) || 0) - (index.time(b) || 0) || a - b;
  const spans: InsightSpan[] = [];
  for (const [key, list] of byKey) {
    list.sort(byTime);
    let start: EventId | undefined;
    let end: EventId | undefined;
    for (const id of list) {
      const state = index.insight(id)?.state;
      if (start === undefined && isState(state, 'start')) start = id;
      if (isState(state, 'end')) end = id;
    }
    const described = start ?? end ?? list[0];
    let first = start !== undefined ? index.time(start) : NaN;
    let last = end !== undefined ? index.time(end) : NaN;
    if (start === undefined && end === undefined) {
      // Neither a Start nor an End (a state CloudTrail does not write): a point at its time.
      first = index.time(list[0]);
      last = index.time(list[list.length - 1]);
    }
    const span: InsightSpan = {
      key,
      ids: list,
      first,
      last,
      eventName: index.value('eventName', described),
      eventSource: index.value('eventSource', described),
    };
    const shared = index.value('sharedEventId', described);
    if (shared !== undefined) span.sharedEventId = shared;
    if (start !== undefined) span.start = start;
    if (end !== undefined) span.end = end;
    const type = index.insight(described)?.type;
    if (type) span.insightType = type;
    spans.push(span);
  }
  const firstTime = (span: InsightSpan): number => index.time(span.ids[0]) || 0;
  return spans.sort((a, b) => firstTime(a) - firstTime(b) || a.ids[0] - b.ids[0]);
}

/**
 * When the Insight ran, in the one display form (`core/model/display.ts`):
 * "2026-03-04 05:06:00Z – 05:25:00Z", "from 2026-03-04 05:41:00Z, no End",
 * "until 2026-03-04 05:25:00Z, no Start".
 */
export function insightWhen(span: InsightSpan, options: TimeDisplayOptions = { zone: 'utc' }): string {
  const hasFirst = Number.isFinite(span.first);
  const hasLast = Number.isFinite(span.last);
  if (hasFirst && hasLast) return formatDisplaySpan(span.first, span.last, options);
  if (hasFirst) return `from ${formatDisplayTime(span.first, options)}, no End`;
  if (hasLast) return `until ${formatDisplayTime(span.last, options)}, no Start`;
  return 'no time';
}

/**
 * "Insight: ApiCallRateInsight on ec2 RunInstances, 2026-03-04 05:06:00Z – 05:25:00Z". The names come
 * from the records (attacker-controlled): show with textContent, a tree label, or escaped.
 */
export function insightLabel(span: InsightSpan, options: TimeDisplayOptions = { zone: 'utc' }): string {
  const service = span.eventSource?.replace(/\.amazonaws\.com$/, '');
  const what = [service, span.eventName].filter((part) => part !== undefined).join(' ') || 'unknown API';
  return `Insight: ${span.insightType ?? 'Insights event'} on ${what}, ${insightWhen(span, options)}`;
}
