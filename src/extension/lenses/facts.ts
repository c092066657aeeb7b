import type { EventId, Selection } from '../../core/engine/api';
import { intersect } from '../../core/index/selection';
import type { EventIndex } from '../../core/index/event-index';
import type { PivotField } from '../../core/index/fields';
import { originLabelIn, traceLineage, type Lineage, type LineageTextFormat } from '../../core/lineage/lineage';

export interface Issuance {
  /** The event that issued the temporary key (AssumeRole, GetSessionToken, ...). */
  readonly eventId: EventId;
  readonly eventName: string;
  /** Who made the issuing call. */
  readonly caller: string;
  readonly time: number;
  /** The identity that then used the key, when its events are loaded. */
  readonly usedBy?: string;
}

export interface ValueFacts {
  /** Events with the value (within `within` when one was given): what a pivot on it selects. */
  readonly count: number;
  /** Events with the value in the whole index. */
  readonly total: number;
  readonly first: number;
  readonly last: number;
  readonly issuance?: Issuance;
}

/**
 * What the index knows about one value: counts and time span within the active filter's
 * events when one applies (a pivot narrows the filter, so that is what it selects), else over
 * the whole index.
 */
export function valueFacts(index: EventIndex, field: PivotField, value: string, within?: Selection): ValueFacts {
  const all = index.postings(field, value);
  const ids = within ? intersect(all, within) : all;
  let first = Infinity;
  let last = -Infinity;
  let count = 0;
  for (let i = 0; i < ids.length; i++) {
    const time = index.time(ids[i]);
    count++;
    if (time < first) first = time;
    if (time > last) last = time;
  }
  const issuance = field === 'accessKey' && value.startsWith('ASIA') ? issuanceOf(index, value) : undefined;
  return { count, total: all.length, first, last, issuance };
}

/** ASIA key → the event that issued it (responseElements.credentials.accessKeyId = the key). */
function issuanceOf(index: EventIndex, key: string): Issuance | undefined {
  const issuing = index.postings('issuedKey', key);
  if (issuing.length === 0) return undefined;
  const eventId = issuing[0];
  const row = index.row(eventId);
  const users = index.top('principal', index.postings('accessKey', key), 1);
  return {
    eventId,
    eventName: row.eventName ?? '(unnamed call)',
    caller: row.principal,
    time: row.time,
    usedBy: users[0]?.value,
  };
}

const lineages = new WeakMap<EventIndex, { version: number; byKey: Map<string, Promise<Lineage>> }>();

/** The lineage of a temporary key back to its long-term identity, traced once per index version. */
export function lineageOf(index: EventIndex, key: string): Promise<Lineage> {
  let cache = lineages.get(index);
  if (!cache || cache.version !== index.version) {
    cache = { version: index.version, byKey: new Map() };
    lineages.set(index, cache);
  }
  let lineage = cache.byKey.get(key);
  if (!lineage) {
    lineage = traceLineage(index, { accessKey: key });
    cache.byKey.set(key, lineage);
  }
  return lineage;
}

/** Where the chain ends, in a few words: the origin, or what is missing. */
export function lineageEnd(lineage: Lineage, format: LineageTextFormat): string {
  if (lineage.origin) return `origin ${originLabelIn(lineage.origin, format)}`;
  if (lineage.missing) return `origin not loaded (${lineage.missing.eventNames.join('/') || 'the issuing call'} in account ${lineage.missing.account ?? '?'})`;
  return 'origin unknown';
}
