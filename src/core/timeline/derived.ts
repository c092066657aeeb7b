/**
 * Per-index facts the timeline needs for every event, computed once per index version
 * from the posting lists (no raw events read): each event's mark kind, its code in a
 * lane field, and whether it is the first time its principal used a source IP or a user
 * agent ("first-seen").
 */
import { EventIndex } from '../index/event-index';
import { PivotField } from '../index/fields';
import { KIND_ERROR, KIND_FINDING, KIND_READ, KIND_WRITE } from '../../shared/timeline-protocol';

/** First-seen flags. */
export const FIRST_IP = 1;
export const FIRST_UA = 2;

/** Each event's value code in a dictionary field (0 = absent), from the posting lists. */
export function codeArray(index: EventIndex, field: PivotField): Int32Array {
  const out = new Int32Array(index.size);
  const values = index.dictionary(field);
  for (let code = 1; code < values.length; code++) {
    const ids = index.postingsOf(field, code);
    for (let i = 0; i < ids.length; i++) out[ids[i]] = code;
  }
  return out;
}

/**
 * Mark kind per event: error when it has an error code (AccessDenied, UnauthorizedOperation
 * and every other failure), else read when `readOnly` is true, else write (CloudTrail's
 * mutating and unclassified calls, e.g. ConsoleLogin). Findings override all three.
 */
export function computeKinds(index: EventIndex, findings?: ArrayLike<number>): Uint8Array {
  const kinds = new Uint8Array(index.size).fill(KIND_WRITE);
  const readIds = index.postings('readOnly', 'true');
  for (let i = 0; i < readIds.length; i++) kinds[readIds[i]] = KIND_READ;
  const errors = index.dictionary('error');
  for (let code = 1; code < errors.length; code++) {
    const ids = index.postingsOf('error', code);
    for (let i = 0; i < ids.length; i++) kinds[ids[i]] = KIND_ERROR;
  }
  if (findings) {
    for (let i = 0; i < findings.length; i++) {
      const id = findings[i];
      if (id >= 0 && id < kinds.length) kinds[id] = KIND_FINDING;
    }
  }
  return kinds;
}

/**
 * First-seen flags over the whole index in time order: FIRST_IP when a principal already
 * seen earlier calls from a source IP it never used before, FIRST_UA likewise for a user
 * agent. A principal's very first event is its baseline, not a marker.
 */
export function computeFirstSeen(index: EventIndex): Uint8Array {
  const n = index.size;
  const flags = new Uint8Array(n);
  const principal = codeArray(index, 'principal');
  const ip = codeArray(index, 'ip');
  const ua = codeArray(index, 'userAgent');
  const ipSpan = index.dictionary('ip').length + 1;
  const uaSpan = index.dictionary('userAgent').length + 1;
  const seenPrincipal = new Uint8Array(index.dictionary('principal').length);
  const ipPairs = new Set<number>();
  const uaPairs = new Set<number>();
  const order = index.sortByTime(index.all(), 'asc');
  const times = index.timeArray();
  for (let i = 0; i < order.length; i++) {
    const id = order[i];
    if (Number.isNaN(times[id])) break;
    const p = principal[id];
    const ipKey = p * ipSpan + ip[id];
    const uaKey = p * uaSpan + ua[id];
    const known = seenPrincipal[p] === 1;
    let flag = 0;
    if (!ipPairs.has(ipKey)) {
      ipPairs.add(ipKey);
      if (known && ip[id] !== 0) flag |= FIRST_IP;
    }
    if (!uaPairs.has(uaKey)) {
      uaPairs.add(uaKey);
      if (known && ua[id] !== 0) flag |= FIRST_UA;
    }
    seenPrincipal[p] = 1;
    flags[id] = flag;
  }
  return flags;
}

/** Caches the per-index arrays by index identity and version. */
export class DerivedCache {
  private index?: EventIndex;
  private version = -1;
  private findingsKey: unknown;
  private kinds?: Uint8Array;
  private firstSeen?: Uint8Array;
  private codes = new Map<PivotField, Int32Array>();

  private check(index: EventIndex): void {
    if (this.index !== index || this.version !== index.version) {
      this.index = index;
      this.version = index.version;
      this.kinds = undefined;
      this.firstSeen = undefined;
      this.codes.clear();
    }
  }

  kindsOf(index: EventIndex, findings: ArrayLike<number> | undefined): Uint8Array {
    this.check(index);
    if (!this.kinds || this.findingsKey !== findings) {
      this.kinds = computeKinds(index, findings);
      this.findingsKey = findings;
    }
    return this.kinds;
  }

  firstSeenOf(index: EventIndex): Uint8Array {
    this.check(index);
    return (this.firstSeen ??= computeFirstSeen(index));
  }

  codesOf(index: EventIndex, field: PivotField): Int32Array {
    this.check(index);
    let codes = this.codes.get(field);
    if (!codes) {
      codes = codeArray(index, field);
      this.codes.set(field, codes);
    }
    return codes;
  }
}
