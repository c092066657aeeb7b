/**
 * Per-index facts the timeline needs for every event, computed once per index version
 * from the posting lists (no raw events read): each event's mark kind, its code in a
 * lane field, and whether it is the first time its principal used a source IP or a user
 * agent ("first-seen").
 */
import { EventIndex } from '../index/event-index';
import { PivotField } from '../index/fields';
import { KIND_ERROR, KIND_READ, KIND_WRITE } from '../../shared/timeline-protocol';

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
 * mutating and unclassified calls, e.g. ConsoleLogin). Findings are flagged apart
 * (`findingFlags`): a finding that failed is still drawn as an error.
 */
export function computeKinds(index: EventIndex): Uint8Array {
  const kinds = new Uint8Array(index.size).fill(KIND_WRITE);
  const readIds = index.postings('readOnly', 'true');
  for (let i = 0; i < readIds.length; i++) kinds[readIds[i]] = KIND_READ;
  const errors = index.dictionary('error');
  for (let code = 1; code < errors.length; code++) {
    const ids = index.postingsOf('error', code);
    for (let i = 0; i < ids.length; i++) kinds[ids[i]] = KIND_ERROR;
  }
  return kinds;
}

/** 1 per event id a detection finding names (ids out of range ignored); undefined without findings. */
export function findingFlags(index: EventIndex, findings: ArrayLike<number> | undefined): Uint8Array | undefined {
  if (!findings) return undefined;
  const flags = new Uint8Array(index.size);
  for (let i = 0; i < findings.length; i++) {
    const id = findings[i];
    if (id >= 0 && id < flags.length) flags[id] = 1;
  }
  return flags;
}

/**
 * First-seen flags over the whole index in time order: FIRST_IP when a principal already
 * seen earlier calls from a source IP it never used before, FIRST_UA likewise for a user
 * agent. A principal's very first event is its baseline, not a marker.
 */
export function computeFirstSeen(index: EventIndex, order: Int32Array = timeOrder(index), principal = codeArray(index, 'principal')): Uint8Array {
  const n = index.size;
  const flags = new Uint8Array(n);
  const ip = codeArray(index, 'ip');
  const ua = codeArray(index, 'userAgent');
  const principals = index.dictionary('principal').length;
  const seenPrincipal = new Uint8Array(principals);
  const ipPairs = new PairSet(principals, index.dictionary('ip').length);
  const uaPairs = new PairSet(principals, index.dictionary('userAgent').length);
  const times = index.timeColumn();
  for (let i = 0; i < order.length; i++) {
    const id = order[i];
    if (Number.isNaN(times.get(id))) break;
    const p = principal[id];
    const known = seenPrincipal[p] === 1;
    let flag = 0;
    if (ipPairs.add(p, ip[id]) && known && ip[id] !== 0) flag |= FIRST_IP;
    if (uaPairs.add(p, ua[id]) && known && ua[id] !== 0) flag |= FIRST_UA;
    seenPrincipal[p] = 1;
    flags[id] = flag;
  }
  return flags;
}

/** A set of (a, b) code pairs: a bitmap when it fits in 32 MB, else a hash set. */
class PairSet {
  private readonly bits?: Uint8Array;
  private readonly set?: Set<number>;

  private readonly bSize: number;

  constructor(aSize: number, bSize: number) {
    this.bSize = bSize;
    const cells = aSize * bSize;
    if (cells <= 2 ** 28) this.bits = new Uint8Array(Math.ceil(cells / 8));
    else this.set = new Set();
  }

  /** Adds the pair; true when it was not there before. */
  add(a: number, b: number): boolean {
    const key = a * this.bSize + b;
    if (this.bits) {
      const byte = key >>> 3;
      const bit = 1 << (key & 7);
      if (this.bits[byte] & bit) return false;
      this.bits[byte] |= bit;
      return true;
    }
    if (this.set!.has(key)) return false;
    this.set!.add(key);
    return true;
  }
}

/**
 * Every event id ordered by time (equal times in place order: EventIndex.placeOrder), events
 * without a time last. An LSD radix sort on the whole-millisecond offset from the earliest time, so a
 * million events sort in tens of milliseconds; a comparison sort when times have fractions.
 */
export function timeOrder(index: EventIndex): Int32Array {
  const n = index.size;
  const times = index.timeColumn();
  let min = Infinity;
  let max = -Infinity;
  let timed = 0;
  let integral = true;
  for (let id = 0; id < n; id++) {
    const t = times.get(id);
    if (Number.isNaN(t)) continue;
    timed++;
    if (t < min) min = t;
    if (t > max) max = t;
    if (integral && !Number.isInteger(t)) integral = false;
  }
  let ids = new Int32Array(timed);
  const out = new Int32Array(n);
  let w = 0;
  let u = timed;
  // Taken in place order, so that the stable sorts below leave events of one time in it.
  const places = index.placeOrder();
  for (let p = 0; p < n; p++) {
    const id = places[p];
    if (Number.isNaN(times.get(id))) out[u++] = id;
    else ids[w++] = id;
  }
  if (timed > 1 && (!integral || max - min >= 2 ** 48)) {
    const place = new Int32Array(n);
    for (let p = 0; p < n; p++) place[places[p]] = p;
    ids.sort((a, b) => times.get(a) - times.get(b) || place[a] - place[b]);
  } else if (timed > 1) {
    let keys = new Float64Array(timed);
    for (let i = 0; i < timed; i++) keys[i] = times.get(ids[i]) - min;
    let tmpIds = new Int32Array(timed);
    let tmpKeys = new Float64Array(timed);
    const counts = new Int32Array(65536);
    for (let pass = 0, div = 1; pass < 3 && div <= max - min; pass++, div *= 65536) {
      counts.fill(0);
      for (let i = 0; i < timed; i++) counts[Math.floor(keys[i] / div) % 65536]++;
      let sum = 0;
      for (let d = 0; d < 65536; d++) {
        const c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < timed; i++) {
        const at = counts[Math.floor(keys[i] / div) % 65536]++;
        tmpIds[at] = ids[i];
        tmpKeys[at] = keys[i];
      }
      [ids, tmpIds] = [tmpIds, ids];
      [keys, tmpKeys] = [tmpKeys, keys];
    }
  }
  out.set(ids, 0);
  return out;
}

/**
 * A superset of what src/core/noise can group: AWS-service identities, calls with `invokedBy`,
 * and browser or console user agents. Only these events are handed to `groupNoise`, which
 * then classifies them exactly; the rest can never join a group, so the groups are the same.
 */
const MAYBE_CONSOLE = /mozilla\/|console\.|signin\.amazonaws\.com/i;

export function noiseCandidates(index: EventIndex): Uint8Array {
  const out = new Uint8Array(index.size);
  const mark = (field: PivotField, code: number): void => {
    const ids = index.postingsOf(field, code);
    for (let i = 0; i < ids.length; i++) out[ids[i]] = 1;
  };
  const invokedBy = index.dictionary('invokedBy');
  for (let code = 1; code < invokedBy.length; code++) mark('invokedBy', code);
  const types = index.dictionary('principalType');
  for (let code = 1; code < types.length; code++) if (types[code] === 'AWSService') mark('principalType', code);
  const agents = index.dictionary('userAgent');
  for (let code = 1; code < agents.length; code++) if (MAYBE_CONSOLE.test(agents[code])) mark('userAgent', code);
  return out;
}

/** Caches the per-index arrays by index identity and version. */
export class DerivedCache {
  private index?: EventIndex;
  private version = -1;
  private findingsKey: unknown;
  private findings?: Uint8Array;
  private kinds?: Uint8Array;
  private firstSeen?: Uint8Array;
  private codes = new Map<PivotField, Int32Array>();
  private order?: Int32Array;
  private candidates?: Uint8Array;

  private check(index: EventIndex): void {
    if (this.index !== index || this.version !== index.version) {
      this.index = index;
      this.version = index.version;
      this.kinds = undefined;
      this.findings = undefined;
      this.findingsKey = undefined;
      this.firstSeen = undefined;
      this.order = undefined;
      this.candidates = undefined;
      this.codes.clear();
    }
  }

  kindsOf(index: EventIndex): Uint8Array {
    this.check(index);
    return (this.kinds ??= computeKinds(index));
  }

  /** Finding flags per event id (undefined without findings), recomputed when the findings array changes. */
  findingsOf(index: EventIndex, findings: ArrayLike<number> | undefined): Uint8Array | undefined {
    this.check(index);
    if (this.findingsKey !== findings) {
      this.findings = findingFlags(index, findings);
      this.findingsKey = findings;
    }
    return this.findings;
  }

  firstSeenOf(index: EventIndex): Uint8Array {
    this.check(index);
    return (this.firstSeen ??= computeFirstSeen(index, this.timeOrderOf(index), this.codesOf(index, 'principal')));
  }

  noiseCandidatesOf(index: EventIndex): Uint8Array {
    this.check(index);
    return (this.candidates ??= noiseCandidates(index));
  }

  timeOrderOf(index: EventIndex): Int32Array {
    this.check(index);
    return (this.order ??= timeOrder(index));
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
