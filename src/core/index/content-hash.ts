/**
 * A record's content hash: what decides whether two records with the same eventID are one
 * event delivered twice (collapsed, counted as a duplicate) or two different records (both
 * kept, reported as an eventID conflict).
 *
 * The rule: two records are the same when they are the same JSON value, written the same
 * way once parsed — the hash is that of `JSON.stringify(JSON.parse(record))`, i.e. of the
 * record with insignificant whitespace and escape spelling removed, keys in the order they
 * were written. Not of the raw bytes, because the same event reaches us through different
 * wrappers: a Records element of a trail file, the `CloudTrailEvent` string of a
 * LookupEvents page (JSON inside a JSON string, every quote escaped), a pretty-printed copy,
 * a JSON line. Those are one event when their content is equal, so an Event history export
 * loaded beside the trail files collapses onto them when AWS gave the same content, and is
 * kept and reported when it did not (a trail file edited after delivery, or an export that
 * rebuilt the event from summary columns): we never decide which of two differing copies
 * is right, and never drop one.
 *
 * 52 bits (two 32-bit FNV-1a lanes, each finalised, kept in a double): the hash is only ever
 * compared between records that already share an eventID, time and name. With 32 bits, 40,000
 * records sharing one eventID (a hostile file; conflicts.test.ts) held a colliding pair, and
 * one record vanished as a "duplicate"; with n such records the chance of any collision is
 * about n²/2^53 (40,000: 1 in 10^7). Someone who can write the evidence can still craft one,
 * but could as well delete the record.
 *
 * Two ways to the same number: `contentHashOfValue` walks a parsed value (the generic
 * readers), `contentHashOfBytes` reads a record's JSON text (the trail scanner, which never
 * parses records) and, for anything whose stringified form would differ from its bytes
 * (escapes other than the short ones, non-ASCII bytes, numbers JSON.stringify rewrites,
 * keys V8 reorders), parses that one record and walks it. Neither recurses, so a record
 * nested 100,000 deep costs time in proportion to its size and nothing else (JSON.stringify
 * itself throws on such a record).
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** The second lane: another odd multiplier and start, so its collisions are not the first's. */
const LANE2_OFFSET = 0x9747b28c;
const LANE2_PRIME = 0x5bd1e995;

/** Both lanes' finals as one number of 52 bits (exact in a double). */
function combine(hash: number, hash2: number, length: number): number {
  return (finish(hash2, length) & 0xfffff) * 0x100000000 + finish(hash, length);
}

/** murmur3's finaliser: every input bit reaches every output bit. */
function finish(hash: number, length: number): number {
  let h = (hash ^ length) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The running hash of a canonical text, one UTF-16 code unit at a time. */
class TextHash {
  hash = FNV_OFFSET;
  hash2 = LANE2_OFFSET;
  length = 0;

  unit(c: number): void {
    this.hash = Math.imul(this.hash ^ c, FNV_PRIME);
    this.hash2 = Math.imul(this.hash2 ^ c, LANE2_PRIME);
    this.length++;
  }

  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.unit(text.charCodeAt(i));
  }

  /** A string as JSON.stringify writes it, quotes included. */
  string(text: string): void {
    this.unit(0x22);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) {
        this.unit(c);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A surrogate pair stands as it is; a lone surrogate is written \udxxx.
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          this.unit(c);
          this.unit(next);
          i++;
        } else {
          this.ascii(`\\u${c.toString(16)}`);
        }
        continue;
      }
      this.unit(0x5c);
      switch (c) {
        case 0x22:
          this.unit(0x22);
          break;
        case 0x5c:
          this.unit(0x5c);
          break;
        case 0x08:
          this.unit(0x62);
          break;
        case 0x0c:
          this.unit(0x66);
          break;
        case 0x0a:
          this.unit(0x6e);
          break;
        case 0x0d:
          this.unit(0x72);
          break;
        case 0x09:
          this.unit(0x74);
          break;
        default:
          this.ascii(`u${c.toString(16).padStart(4, '0')}`);
      }
    }
    this.unit(0x22);
  }

  value(): number {
    return combine(this.hash, this.hash2, this.length);
  }
}

/** What is left to write of one open object or array. */
interface Frame {
  /** The object's keys, or undefined for an array. */
  keys: string[] | undefined;
  container: Record<string, unknown> | unknown[];
  next: number;
}

/** The content hash of a parsed JSON value (see the file comment). */
export function contentHashOfValue(value: unknown): number {
  const out = new TextHash();
  const stack: Frame[] = [];
  let current: unknown = value;
  let pending = true;
  for (;;) {
    if (pending) {
      pending = false;
      if (current === null || current === undefined || typeof current === 'function' || typeof current === 'symbol') {
        out.ascii('null');
      } else if (typeof current === 'string') {
        out.string(current);
      } else if (typeof current === 'number') {
        out.ascii(Number.isFinite(current) ? String(current) : 'null');
      } else if (typeof current === 'boolean') {
        out.ascii(current ? 'true' : 'false');
      } else if (typeof current === 'bigint') {
        out.ascii(String(current));
      } else if (Array.isArray(current)) {
        out.unit(0x5b);
        stack.push({ keys: undefined, container: current, next: 0 });
      } else {
        out.unit(0x7b);
        const object = current as Record<string, unknown>;
        // As JSON.stringify: properties whose value is undefined (or a function) are left out.
        const keys = Object.keys(object).filter((k) => object[k] !== undefined && typeof object[k] !== 'function' && typeof object[k] !== 'symbol');
        stack.push({ keys, container: object, next: 0 });
      }
    }
    const top = stack[stack.length - 1];
    if (!top) return out.value();
    if (top.keys === undefined) {
      const array = top.container as unknown[];
      if (top.next === array.length) {
        out.unit(0x5d);
        stack.pop();
        continue;
      }
      if (top.next > 0) out.unit(0x2c);
      current = array[top.next++];
    } else {
      if (top.next === top.keys.length) {
        out.unit(0x7d);
        stack.pop();
        continue;
      }
      if (top.next > 0) out.unit(0x2c);
      const key = top.keys[top.next++];
      out.string(key);
      out.unit(0x3a);
      current = (top.container as Record<string, unknown>)[key];
    }
    pending = true;
  }
}

/** Nesting the byte reader follows itself; deeper records are parsed and walked. */
const MAX_FAST_DEPTH = 256;
const IN_OBJECT = 1;
const IN_ARRAY = 2;
const frames = new Uint8Array(MAX_FAST_DEPTH + 1);
/**
 * Keys seen so far in each open object (as hashes), to notice a repeated key: JSON.parse keeps
 * its last value at its first place. Objects with more keys go the slow way, so checking each
 * key against its object's others stays cheap.
 */
const MAX_FAST_KEYS = 64;
const keyHashes = new Int32Array(4096);
const keysFrom = new Int32Array(MAX_FAST_DEPTH + 1);

/**
 * The content hash of the JSON text b[start, end): contentHashOfValue(JSON.parse(text)),
 * read from the bytes when they are already in JSON.stringify's spelling apart from
 * whitespace, which is nearly always.
 */
export function contentHashOfBytes(b: Uint8Array, start: number, end: number): number {
  const fast = fastHash(b, start, end);
  if (fast !== undefined) return fast;
  return contentHashOfValue(JSON.parse(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8')));
}

/** undefined when the text has anything JSON.stringify would write differently. */
function fastHash(b: Uint8Array, start: number, end: number): number | undefined {
  let hash = FNV_OFFSET;
  let hash2 = LANE2_OFFSET;
  let length = 0;
  let depth = 0;
  /** The next string is an object's key. */
  let key = false;
  let keysTop = 0;
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    if (c === 0x22) {
      // A key that is an array index is moved to the front by V8's JSON.parse.
      if (key && b[i + 1] >= 0x30 && b[i + 1] <= 0x39) return undefined;
      const isKey = key;
      key = false;
      hash = Math.imul(hash ^ c, FNV_PRIME);
      hash2 = Math.imul(hash2 ^ c, LANE2_PRIME);
      let keyHash = 0;
      i++;
      for (;;) {
        if (i >= end) return undefined;
        const s = b[i];
        if (s === 0x22) break;
        if (s >= 0x80 || s < 0x20) return undefined;
        if (s === 0x5c) {
          const e = b[i + 1];
          // The short escapes JSON.stringify writes itself; \/ and \u are spelt otherwise.
          if (e !== 0x22 && e !== 0x5c && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return undefined;
          hash = Math.imul(Math.imul(hash ^ s, FNV_PRIME) ^ e, FNV_PRIME);
          hash2 = Math.imul(Math.imul(hash2 ^ s, LANE2_PRIME) ^ e, LANE2_PRIME);
          if (isKey) keyHash = (Math.imul(Math.imul(keyHash, 31) + s, 31) + e) | 0;
          length += 2;
          i += 2;
          continue;
        }
        hash = Math.imul(hash ^ s, FNV_PRIME);
        hash2 = Math.imul(hash2 ^ s, LANE2_PRIME);
        if (isKey) keyHash = (Math.imul(keyHash, 31) + s) | 0;
        length++;
        i++;
      }
      if (isKey) {
        // A repeated key (or two keys of one hash: only the slow way then) is left to JSON.parse.
        const from = keysFrom[depth];
        if (keysTop - from >= MAX_FAST_KEYS || keysTop === keyHashes.length) return undefined;
        for (let k = from; k < keysTop; k++) if (keyHashes[k] === keyHash) return undefined;
        keyHashes[keysTop++] = keyHash;
      }
      hash = Math.imul(hash ^ 0x22, FNV_PRIME);
      hash2 = Math.imul(hash2 ^ 0x22, LANE2_PRIME);
      length += 2;
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // Integers up to 15 digits read back as written; "-0", fractions and exponents do not.
      const from = i;
      if (c === 0x2d) i++;
      let digits = 0;
      while (i < end && b[i] >= 0x30 && b[i] <= 0x39) {
        i++;
        digits++;
      }
      if (digits === 0 || digits > 15 || (c === 0x2d && digits === 1 && b[from + 1] === 0x30)) return undefined;
      if (i < end && (b[i] === 0x2e || b[i] === 0x65 || b[i] === 0x45)) return undefined;
      for (let k = from; k < i; k++) {
        hash = Math.imul(hash ^ b[k], FNV_PRIME);
        hash2 = Math.imul(hash2 ^ b[k], LANE2_PRIME);
      }
      length += i - from;
      continue;
    }
    if (c >= 0x80) return undefined;
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_FAST_DEPTH) return undefined;
      frames[++depth] = c === 0x7b ? IN_OBJECT : IN_ARRAY;
      keysFrom[depth] = keysTop;
      key = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return undefined;
      keysTop = keysFrom[depth];
      depth--;
      key = false;
    } else if (c === 0x2c) {
      key = frames[depth] === IN_OBJECT;
    }
    hash = Math.imul(hash ^ c, FNV_PRIME);
    hash2 = Math.imul(hash2 ^ c, LANE2_PRIME);
    length++;
    i++;
  }
  return combine(hash, hash2, length);
}

/**
 * The content hash a reader gives a record whose content it has not hashed (the trail scanner:
 * hashing every record's bytes was a quarter of a parse worker's CPU, for the few records whose
 * eventID comes twice). Negative, as no content hash is. The index tells such records apart by
 * where they are (the same place in files of the same SHA-256 are the same bytes) and otherwise
 * by their content hash, computed then from the file read again (lazy-hash.ts).
 */
export const CONTENT_HASH_LATER = -1;
