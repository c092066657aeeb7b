/**
 * Noise grouping for event lists and the timeline: AWS-service events (invokedBy / AWSService)
 * and bursts of one console session (page loads fire several calls within a second or two)
 * collapse into expandable groups. Works on index columns only (no raw events are read).
 */
import { EventId, EventIndexApi } from '../engine/api';

export type NoiseKind = 'aws-service' | 'console-burst';

export interface NoiseGroup {
  kind: NoiseKind;
  /** What the members share: "service:config.amazonaws.com", or the console session's key. */
  key: string;
  /** Short text for a tree item or timeline band ("config.amazonaws.com: 12 events"). Event text inside. */
  label: string;
  /** Member event ids in time order. */
  ids: EventId[];
  first: number;
  last: number;
}

export type NoiseItem = { kind: 'event'; id: EventId } | { kind: 'group'; group: NoiseGroup };

export interface NoiseOptions {
  /** AWS-service events of one service closer than this join one group; default 5 minutes. */
  serviceGapMs?: number;
  /** Console calls of one session closer than this form a burst; default 3 seconds. */
  burstGapMs?: number;
  /** Smaller groups are shown as plain events; default 3. */
  minGroup?: number;
  signal?: AbortSignal;
}

const BROWSER = /Mozilla\/|console\.(?:aws\.)?amazon(?:aws)?\.com|signin\.amazonaws\.com/i;

/** The group an event could belong to, or undefined for ordinary events. */
function classify(index: EventIndexApi, id: EventId): { kind: NoiseKind; key: string; label: string } | undefined {
  const invokedBy = index.value('invokedBy', id);
  const type = index.value('principalType', id);
  if (type === 'AWSService' || invokedBy !== undefined) {
    const service = invokedBy ?? index.value('principal', id) ?? 'AWS service';
    const name = service.replace(/^service:/, '');
    return { kind: 'aws-service', key: `service:${name}`, label: name };
  }
  const agent = index.value('userAgent', id);
  if (agent !== undefined && BROWSER.test(agent) && index.value('eventName', id) !== 'ConsoleLogin') {
    const session = index.value('accessKey', id) ?? index.value('session', id) ?? index.value('principal', id) ?? '?';
    const who = index.value('principal', id) ?? '?';
    return { kind: 'console-burst', key: `console:${session}`, label: `console ${who.split('/').pop() ?? who}` };
  }
  return undefined;
}

/**
 * Groups a time-sorted list of events. Every input id appears exactly once in the output, either
 * as an event or inside a group; a group sits where its first member was.
 */
export function groupNoise(index: EventIndexApi, sorted: ArrayLike<EventId>, options: NoiseOptions = {}): NoiseItem[] {
  const serviceGap = options.serviceGapMs ?? 5 * 60_000;
  const burstGap = options.burstGapMs ?? 3_000;
  const minGroup = Math.max(2, options.minGroup ?? 3);
  const open = new Map<string, NoiseGroup>();
  const memberOf: Array<NoiseGroup | undefined> = new Array(sorted.length);

  // Pass 1: assign events to groups.
  for (let i = 0; i < sorted.length; i++) {
    if (i % 10_000 === 0) options.signal?.throwIfAborted();
    const id = sorted[i];
    const c = classify(index, id);
    if (!c) continue;
    const time = index.time(id);
    const gap = c.kind === 'aws-service' ? serviceGap : burstGap;
    let group = open.get(c.key);
    if (!group || !Number.isFinite(time) || !(time - group.last <= gap)) {
      group = { kind: c.kind, key: c.key, label: c.label, ids: [], first: time, last: time };
      open.set(c.key, group);
    }
    group.ids.push(id);
    group.last = time;
    memberOf[i] = group;
  }

  // Pass 2: a big-enough group takes its first member's place; other events keep their order.
  const items: NoiseItem[] = [];
  const emitted = new Set<NoiseGroup>();
  for (let i = 0; i < sorted.length; i++) {
    const group = memberOf[i];
    if (!group || group.ids.length < minGroup) {
      items.push({ kind: 'event', id: sorted[i] });
    } else if (!emitted.has(group)) {
      emitted.add(group);
      group.label = `${group.label}: ${group.ids.length} events`;
      items.push({ kind: 'group', group });
    }
  }
  return items;
}
