/** Finding the record an identifier names, the same one whichever order the evidence was parsed in. */
import { EventId, EventIndexApi } from './api';

/**
 * The record `eventId` names: with an eventID conflict (records of other content sharing it),
 * the earliest, then the first by where it is (sortByTime's order). Not the lowest event id:
 * ids follow the order in which the parse workers' batches arrived, so that was not always
 * the same record of the same evidence.
 */
export function recordOfEventId(index: Pick<EventIndexApi, 'postings' | 'sortByTime'>, eventId: string): EventId | undefined {
  const ids = index.postings('eventId', eventId);
  if (ids.length <= 1) return ids.length === 1 ? ids[0] : undefined;
  return index.sortByTime(ids, 'asc')[0];
}
