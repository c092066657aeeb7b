/**
 * Noise groups laid out for a list shown newest or oldest first (the Events view). `groupNoise`
 * needs time-ascending input; a newest-first list would otherwise see negative gaps. Groups are
 * found on the ascending order, then the list is walked in display order: a group sits where
 * its first member in display order is (its newest event when newest first), and its members are
 * listed in display order too.
 */
import { EventId, EventIndexApi } from '../engine/api';
import { groupNoise, NoiseGroup, NoiseOptions } from './group';

export type ArrangedItem =
  | { kind: 'event'; id: EventId }
  /** `ids` are the group's members in display order; `group.ids` stay ascending. */
  | { kind: 'group'; group: NoiseGroup; ids: EventId[] };

/**
 * Groups `ordered` (the display order: ascending or descending by time). Every id appears
 * exactly once: as an event or inside one group.
 */
export function arrangeNoise(index: EventIndexApi, ordered: ArrayLike<EventId>, order: 'asc' | 'desc', options: NoiseOptions = {}): ArrangedItem[] {
  const ascending = order === 'asc' ? ordered : Array.from(ordered).reverse();
  const memberOf = new Map<EventId, NoiseGroup>();
  for (const item of groupNoise(index, ascending, options)) {
    if (item.kind === 'group') for (const id of item.group.ids) memberOf.set(id, item.group);
  }
  const items: ArrangedItem[] = [];
  const emitted = new Set<NoiseGroup>();
  for (let i = 0; i < ordered.length; i++) {
    const id = ordered[i];
    const group = memberOf.get(id);
    if (!group) {
      items.push({ kind: 'event', id });
    } else if (!emitted.has(group)) {
      emitted.add(group);
      items.push({ kind: 'group', group, ids: order === 'asc' ? group.ids.slice() : group.ids.slice().reverse() });
    }
  }
  return items;
}

/** Number of events an arranged list holds (groups count their members). */
export function arrangedEventCount(items: readonly ArrangedItem[]): number {
  let n = 0;
  for (const item of items) n += item.kind === 'event' ? 1 : item.ids.length;
  return n;
}
