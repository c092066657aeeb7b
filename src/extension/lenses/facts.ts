import type { EventId } from '../../core/engine/api';
import type { EventIndex } from '../../core/index/event-index';
import type { PivotField } from '../../core/index/fields';

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
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly issuance?: Issuance;
}

/** What the index knows about one value: counts and time span (whole index, not the filter). */
export function valueFacts(index: EventIndex, field: PivotField, value: string): ValueFacts {
  const ids = index.postings(field, value);
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const time = index.time(ids[i]);
    if (time < first) first = time;
    if (time > last) last = time;
  }
  const issuance = field === 'accessKey' && value.startsWith('ASIA') ? issuanceOf(index, value) : undefined;
  return { count: ids.length, first, last, issuance };
}

/** ASIA key → the event that issued it (responseElements.credentials.accessKeyId = the key). */
export function issuanceOf(index: EventIndex, key: string): Issuance | undefined {
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
