/**
 * The fast path for the commonest evidence: a whole S3 trail object, `{"Records":[...]}`,
 * in memory. JSON.parse would build every record as objects for the normaliser to read
 * back; instead, one pass over the bytes validates the document as strictly as JSON.parse
 * and notes where each record's top-level fields are, and the fields are then coded
 * straight from their bytes: a value seen before is found by its bytes and never decoded
 * again, and a userIdentity seen before (the same bytes) reuses everything derived from it.
 *
 * What this path does not read itself goes to the generic one: a whole document it cannot
 * validate (before anything is indexed), and single records with escaped keys, that do not
 * look like CloudTrail events, or that are CloudTrail Insights records (a few a day at most;
 * their name, source and state sit inside insightDetails). The fields are worked out by the normaliser's own
 * functions, so both paths index the same (a unit test compares them on every dataset).
 */
import { DICT_FIELDS, BatchBuilder, BatchDictionary, ScannedEvent, ScannedId } from './batch';
import { ID_ABSENT, ID_TEXT, packId, packIdBytes } from './columns';
import { CONTENT_HASH_LATER } from './content-hash';
import {
  INSIGHT_EVENT_TYPE,
  IdentityFacts,
  consoleLoginFailure,
  identityFacts,
  principalFor,
  readOnlyFlag,
  resourceArns,
  responseFacts,
  str,
} from '../model/normalize';
import { parseEventTime } from '../model/time';
import { RecordLocation, TrailRecordSink, WholeTrailReader } from '../sources/types';

// ---- the record keys this path reads -------------------------------------------------

const KEYS = [
  'eventTime',
  '@timestamp',
  'eventID',
  'eventName',
  'eventSource',
  'awsRegion',
  'recipientAccountId',
  'userIdentity',
  'sourceIPAddress',
  'userAgent',
  'readOnly',
  'errorCode',
  'errorMessage',
  'eventCategory',
  'eventType',
  'resources',
  'requestID',
  'sharedEventID',
  'responseElements',
  'sourceIdentity',
  'insightDetails',
] as const;
const K = Object.fromEntries(KEYS.map((key, i) => [key, i])) as Record<(typeof KEYS)[number], number>;

/** Keys whose plain string values are coded from their bytes (codeOf): hashed as they are scanned. */
const HASHED = new Uint8Array(KEYS.length);
for (const key of ['eventName', 'eventSource', 'awsRegion', 'recipientAccountId', 'sourceIPAddress', 'userAgent', 'errorCode', 'eventCategory', 'eventType', 'sourceIdentity'] as const) {
  HASHED[K[key]] = 1;
}

const KEY_BYTES = KEYS.map((key) => Buffer.from(key, 'latin1'));
const KEY_TABLE_BITS = 7;
const keyTable = new Int8Array(1 << KEY_TABLE_BITS).fill(-1);

/** The key table slot of a keyHash. */
function keySlot(hash: number): number {
  return (hash ^ (hash >>> KEY_TABLE_BITS) ^ (hash >>> 14)) & ((1 << KEY_TABLE_BITS) - 1);
}

/** From the key's length and three of its bytes, not all of them: keyId compares the bytes anyway. */
function keyHash(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  return (Math.imul(length, 0x9e3779b1) ^ (bytes[start] << 16) ^ (bytes[start + (length >> 1)] << 8) ^ bytes[end - 1]) | 0;
}

for (let id = 0; id < KEYS.length; id++) {
  let slot = keySlot(keyHash(KEY_BYTES[id], 0, KEY_BYTES[id].length));
  while (keyTable[slot] !== -1) slot = (slot + 1) & ((1 << KEY_TABLE_BITS) - 1);
  keyTable[slot] = id;
}

/** The id of the key whose (unescaped) name is bytes[start, end) with keyHash `hash`, or -1. */
function keyId(bytes: Uint8Array, start: number, end: number, hash: number): number {
  const length = end - start;
  for (let slot = keySlot(hash); ; slot = (slot + 1) & ((1 << KEY_TABLE_BITS) - 1)) {
    const id = keyTable[slot];
    if (id === -1) return -1;
    const key = KEY_BYTES[id];
    if (key.length !== length) continue;
    let i = 0;
    while (i < length && key[i] === bytes[start + i]) i++;
    if (i === length) return id;
  }
}

// ---- the order of keys in records ----------------------------------------------------

/** Keys KeyOrder remembers at once (it starts afresh when full), and the longest (text and `":`). */
const ORDER_KEYS = 64;
const ORDER_KEY_WORDS = 8;
const ORDER_SLOTS = 256;
/** Slots tried to find or place a key: keys alike in what keyHash reads cost time only up to this. */
const ORDER_PROBES = 8;
const NO_KEY = -1;
/** KeyOrder.next's entry for the first key of a record. */
const FIRST_KEY = ORDER_KEYS;

/**
 * The order of keys in records: after each key, the key that followed it last time. The records
 * of a trail hold their keys in (nearly) the same order, so the next key is predicted and checked
 * a word at a time (its text, closing quote and colon) instead of being scanned, hashed and
 * looked up. A prediction is only a guess: a key is taken from it only when the document holds
 * exactly the bytes it was learned from (which hold no quote, backslash or control character
 * before the closing quote, so the key's string ends where it ended then).
 */
class KeyOrder {
  /** Each key's bytes from its first character through `":`, as little-endian words, the last one masked. */
  private readonly words = new Int32Array(ORDER_KEYS * ORDER_KEY_WORDS);
  private readonly wordCounts = new Int32Array(ORDER_KEYS);
  private readonly lastMasks = new Int32Array(ORDER_KEYS);
  /** Bytes from the key's first character through `":`. */
  readonly lengths = new Int32Array(ORDER_KEYS);
  /** The KEYS id of each key, or -1. */
  readonly ids = new Int8Array(ORDER_KEYS);
  /** By key (and FIRST_KEY): the key that followed it last time, or NO_KEY. */
  readonly next = new Int16Array(ORDER_KEYS + 1).fill(NO_KEY);
  private readonly slots = new Int16Array(ORDER_SLOTS).fill(NO_KEY);
  private count = 0;

  /** Whether key `key`'s bytes (through `":`) are at b[i] on. */
  matches(b: Uint8Array, i: number, key: number): boolean {
    const count = this.wordCounts[key];
    if (i + (count << 2) > b.length) return false;
    const base = key * ORDER_KEY_WORDS;
    const last = count - 1;
    for (let w = 0; w < last; w++) if (view.getInt32(i + (w << 2), true) !== this.words[base + w]) return false;
    return (view.getInt32(i + (last << 2), true) & this.lastMasks[key]) === this.words[base + last];
  }

  /**
   * The key whose text is b[start, end) (plain bytes, a quote at `end` and a colon after it),
   * with keyHash `hash` and KEYS id `id`; remembered now if it is new. NO_KEY when it is too
   * long or too many alike are remembered.
   */
  learn(b: Uint8Array, start: number, end: number, hash: number, id: number): number {
    const length = end + 2 - start;
    if (length > ORDER_KEY_WORDS * 4) return NO_KEY;
    let free = -1;
    for (let probes = 0, slot = keySlotOf(hash); probes < ORDER_PROBES; probes++, slot = (slot + 1) & (ORDER_SLOTS - 1)) {
      const key = this.slots[slot];
      if (key === NO_KEY) {
        free = slot;
        break;
      }
      if (this.lengths[key] === length && this.matches(b, start, key)) return key;
    }
    if (free < 0) return NO_KEY;
    if (this.count === ORDER_KEYS) {
      // Full (no trail has this many keys): start afresh, so hostile keys cannot hold the table.
      this.slots.fill(NO_KEY);
      this.next.fill(NO_KEY);
      this.count = 0;
      free = keySlotOf(hash);
    }
    const key = this.count++;
    this.slots[free] = key;
    this.lengths[key] = length;
    this.ids[key] = id;
    const count = (length + 3) >> 2;
    this.wordCounts[key] = count;
    const rest = length & 3;
    this.lastMasks[key] = rest === 0 ? -1 : (1 << (rest << 3)) - 1;
    const base = key * ORDER_KEY_WORDS;
    for (let w = 0; w < count; w++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const at = start + (w << 2) + k;
        if (at < start + length) word |= b[at] << (k << 3);
      }
      this.words[base + w] = word;
    }
    this.next[key] = NO_KEY;
    return key;
  }
}

function keySlotOf(hash: number): number {
  return (hash ^ (hash >>> 8) ^ (hash >>> 16)) & (ORDER_SLOTS - 1);
}

// ---- validation: the JSON grammar, byte by byte -------------------------------------

/** Bytes that may stand in a string as they are. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = 1;
PLAIN[0x22] = 0;
PLAIN[0x5c] = 0;
/** Characters that may follow a backslash (u is checked apart). */
const ESCAPABLE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPABLE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** Nesting deeper than this is left to JSON.parse (the scanner recurses). */
const MAX_DEPTH = 256;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipSpace(b: Uint8Array, i: number): number {
  let c = b[i];
  if (c > 0x20) return i;
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
  return i;
}

/**
 * The document being located, read four bytes at a time (unaligned little-endian words), so
 * that plain string bytes (most of a trail document) and known keys are passed a word at a
 * time. Set by useView() for each document: view.getInt32(i, true) holds b[i] .. b[i + 3].
 */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function useView(b: Uint8Array): void {
  view = new DataView(b.buffer, b.byteOffset, b.length);
}

/**
 * Whether a word holds a byte that may not stand in a string as it is: below 0x20, or 0x22 or
 * 0x5c (the exact zero-byte tests of "Bit Twiddling Hacks").
 */
function hasSpecial(x: number): boolean {
  const quote = x ^ 0x22222222;
  const backslash = x ^ 0x5c5c5c5c;
  return (((((x - 0x20202020) | 0) & ~x) | (((quote - 0x01010101) | 0) & ~quote) | (((backslash - 0x01010101) | 0) & ~backslash)) & 0x80808080) !== 0;
}

/**
 * The index of the first byte from b[i] on that is not PLAIN (a quote, a backslash, a control
 * character, or the end); a word that may hold one is read byte by byte.
 */
function skipPlain(b: Uint8Array, i: number): number {
  const last = b.length - 4;
  while (i <= last && !hasSpecial(view.getInt32(i, true))) i += 4;
  while (PLAIN[b[i]] === 1) i++;
  return i;
}

/** b[i] is '"': the index after the closing quote, or -1. */
function skipString(b: Uint8Array, i: number): number {
  i++;
  for (;;) {
    i = skipPlain(b, i);
    if (i >= b.length) return -1;
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) return -1; // a control character
    const e = b[i + 1];
    if (e === 0x75) {
      if (!(HEX[b[i + 2]] && HEX[b[i + 3]] && HEX[b[i + 4]] && HEX[b[i + 5]])) return -1;
      i += 6;
    } else if (ESCAPABLE[e] === 1) {
      i += 2;
    } else {
      return -1;
    }
  }
}

function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) while (isDigit(b[++i]));
  else return -1;
  if (b[i] === 0x2e) {
    if (!isDigit(b[++i])) return -1;
    while (isDigit(b[++i]));
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[++i]));
  }
  return i;
}

function skipLiteral(b: Uint8Array, i: number, literal: Uint8Array): number {
  for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) return -1;
  return i + literal.length;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** b[i] starts a value (no space before it): the index after it, or -1. */
function skipValue(b: Uint8Array, i: number, depth: number): number {
  switch (b[i]) {
    case 0x22:
      return skipString(b, i);
    case 0x7b: {
      if (depth > MAX_DEPTH) return -1;
      i = skipSpace(b, i + 1);
      if (b[i] === 0x7d) return i + 1;
      for (;;) {
        if (b[i] !== 0x22) return -1;
        i = skipString(b, i);
        if (i < 0) return -1;
        i = skipSpace(b, i);
        if (b[i] !== 0x3a) return -1;
        i = skipValue(b, skipSpace(b, i + 1), depth + 1);
        if (i < 0) return -1;
        i = skipSpace(b, i);
        if (b[i] === 0x2c) i = skipSpace(b, i + 1);
        else if (b[i] === 0x7d) return i + 1;
        else return -1;
      }
    }
    case 0x5b: {
      if (depth > MAX_DEPTH) return -1;
      i = skipSpace(b, i + 1);
      if (b[i] === 0x5d) return i + 1;
      for (;;) {
        i = skipValue(b, i, depth + 1);
        if (i < 0) return -1;
        i = skipSpace(b, i);
        if (b[i] === 0x2c) i = skipSpace(b, i + 1);
        else if (b[i] === 0x5d) return i + 1;
        else return -1;
      }
    }
    case 0x74:
      return skipLiteral(b, i, TRUE);
    case 0x66:
      return skipLiteral(b, i, FALSE);
    case 0x6e:
      return skipLiteral(b, i, NULL);
    default:
      return skipNumber(b, i);
  }
}

// ---- pass one: where every record's fields are ----------------------------------------

const ABSENT = 0;
/** A string without escapes: start/end are its content. */
const PLAIN_STRING = 1;
/** A string with escapes: start/end are its content. */
const ESCAPED_STRING = 2;
/** Any other value: start/end are its JSON text. */
const OTHER = 3;

/** Per record: start, end, generic flag, then kind/start/end/hash for each key (hash: plain strings only). */
const RECORD_HEAD = 3;
const PER_KEY = 4;
const STRIDE = RECORD_HEAD + PER_KEY * KEYS.length;
/** The record needs the generic path: not an object, or a key with escapes. */
const GENERIC = 1;

const RECORDS_KEY = Buffer.from('"Records"');
const INSIGHT_TYPE_BYTES = Buffer.from(INSIGHT_EVENT_TYPE, 'latin1');

// ---- dictionaries keyed by bytes ----------------------------------------------------

/*
 * Fields that are replaced as they grow (a table's slots, an arena, the per-record notes) are
 * declared without a value and set in the constructor. V8 takes a field written only once, as
 * an initialiser does, for a constant: optimised code that relied on it is thrown away the
 * first time it changes, with every function it was inlined into, and compiled again. A parse
 * worker compiles the scanner afresh, so each worker paid that several times (measured on one
 * thread over the skewed 300,000-event trail: about 60 ms of a first pass of 1,200 ms); set
 * twice, the field is known to change before anything is compiled.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The dictionary hash of a plain string's content, as locateRecord computes it while it finds
 * the string's end: FNV-1a over its words (four content bytes at a time, read as
 * view.getInt32 does), then over the bytes after the last whole word of plain bytes, then
 * stringHash() of that and the length. A function of the content alone (a word is hashed only
 * when all four of its bytes are plain content).
 */
function stringHash(hash: number, length: number): number {
  // Words move the low bits of FNV's product only by their first byte: mixed down (murmur3's finaliser).
  hash = Math.imul(hash ^ length ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) | 0;
}

/** FNV-1a over bytes[start, end), then the length. */
function hashBytes(b: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ b[i], FNV_PRIME);
  return (hash ^ (end - start)) | 0;
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}

/** sameBytes, four bytes at a time: `a` and `b` are views of the two buffers compared. */
function sameWords(a: DataView, aStart: number, b: DataView, bStart: number, length: number): boolean {
  let k = 0;
  for (; k + 4 <= length; k += 4) if (a.getInt32(aStart + k, true) !== b.getInt32(bStart + k, true)) return false;
  for (; k < length; k++) if (a.getUint8(aStart + k) !== b.getUint8(bStart + k)) return false;
  return true;
}

/**
 * hashBytes for short spans; for long ones (a userIdentity, a resources list), the head,
 * the tail and sixteen bytes between. Equal hashes are always confirmed byte for byte.
 */
function hashSpan(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length <= 96) return hashBytes(b, start, end);
  let hash = FNV_OFFSET ^ length;
  for (let i = start; i < start + 40; i++) hash = Math.imul(hash ^ b[i], FNV_PRIME);
  for (let i = end - 40; i < end; i++) hash = Math.imul(hash ^ b[i], FNV_PRIME);
  const step = ((length - 80) >> 4) + 1;
  for (let i = start + 40; i < end - 40; i += step) hash = Math.imul(hash ^ b[i], FNV_PRIME);
  return hash | 0;
}

/** Lookups give up after this many probes, so crafted collisions cost time only up to a bound. */
const MAX_PROBES = 32;
const NOT_FOUND = -1;
/** Not found, and the run of colliding entries is too long to add to. */
const CROWDED = -2;

/**
 * What one table may hold before it starts afresh (all values new is slower, never wrong):
 * hostile input cannot grow it without bound.
 */
interface TableLimit {
  bytes: number;
  entries: number;
}
/** One field's values (about twenty such tables). */
const VALUE_TABLE_LIMIT: TableLimit = { bytes: 1024 * 1024, entries: 32 * 1024 };
/** userIdentity objects, resources lists. */
/** A copy of `arena`'s first `used` bytes in one at least `needed` long (doubling). */
function grownArena(arena: Buffer, used: number, needed: number): Buffer<ArrayBuffer> {
  let size = arena.length * 2;
  while (size < needed) size *= 2;
  const next = Buffer.alloc(size);
  arena.copy(next, 0, 0, used);
  return next;
}

const OBJECT_TABLE_LIMIT: TableLimit = { bytes: 4 * 1024 * 1024, entries: 64 * 1024 };

/**
 * More records than this in one document (a real trail object has a few thousand at most)
 * and the scanner leaves the document to the generic path: its per-record notes would cost
 * more memory than they save.
 */
const MAX_RECORDS = 64 * 1024;
/** After a document needing more, the per-record notes shrink back to this many records. */
const KEPT_RECORDS = 4 * 1024;

/**
 * An open-addressing table from byte strings to numbers (a dictionary code, an entry
 * index); the bytes are kept in an arena of its own.
 */
class BytesTable {
  private slots: Int32Array;
  private arena: Buffer<ArrayBuffer>;
  private arenaView: DataView;
  private used = 0;
  private count = 0;

  constructor(private readonly limit: TableLimit) {
    this.slots = new Int32Array(4 * 256);
    this.arena = Buffer.alloc(16 * 1024);
    this.arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
  }

  /** The number stored for bytes[start, end) (with its hash), NOT_FOUND or CROWDED. `b` is the document in `view`. */
  find(b: Buffer, start: number, end: number, hash: number): number {
    const length = end - start;
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    let slot = hash & mask;
    for (let probes = 0; probes < MAX_PROBES; probes++, slot = (slot + 1) & mask) {
      const at = slot << 2;
      const stored = slots[at + 3];
      if (stored === 0) return NOT_FOUND;
      if (slots[at] !== hash || slots[at + 2] !== length) continue;
      const from = slots[at + 1];
      if (length > 256 ? b.compare(this.arena, from, from + length, start, end) === 0 : sameWords(this.arenaView, from, view, start, length)) return stored - 1;
    }
    return CROWDED;
  }

  /** Adds bytes[start, end) after find() answered NOT_FOUND. */
  add(b: Uint8Array, start: number, end: number, hash: number, value: number): void {
    const length = end - start;
    if ((this.count + 1) * 2 > this.slots.length >> 2) this.resize((this.slots.length >> 2) * 2);
    if (this.used + length > this.arena.length) {
      this.arena = grownArena(this.arena, this.used, this.used + length);
      this.arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
    }
    this.arena.set(b.subarray(start, end), this.used);
    const mask = (this.slots.length >> 2) - 1;
    let slot = hash & mask;
    while (this.slots[(slot << 2) + 3] !== 0) slot = (slot + 1) & mask;
    const at = slot << 2;
    this.slots[at] = hash;
    this.slots[at + 1] = this.used;
    this.slots[at + 2] = length;
    this.slots[at + 3] = value + 1;
    this.used += length;
    this.count++;
  }

  private resize(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size << 2);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 3] === 0) continue;
      let slot = old[at] & mask;
      while (this.slots[(slot << 2) + 3] !== 0) slot = (slot + 1) & mask;
      this.slots.set(old.subarray(at, at + 4), slot << 2);
    }
  }

  /** True when adding `length` more bytes would pass the table's limit: clear() first. */
  isFull(length: number): boolean {
    return this.used + length > this.limit.bytes || this.count >= this.limit.entries;
  }

  clear(): void {
    this.slots = new Int32Array(4 * 256);
    this.used = 0;
    this.count = 0;
  }
}

/** Objects and arrays are looked up only when their first closing bracket is at least this far in (smaller ones cost little to validate). */
const MEMO_MIN_BYTES = 24;
/** Longer ones are not remembered (a large responseElements rarely comes back). */
const MEMO_MAX_BYTES = 4096;
/** Entries with the same hash tried for one value: values alike in what is hashed cost time only up to this. */
const MEMO_CANDIDATES = 4;
/** find(): no entry, and too many alike to add another. */
const MEMO_CROWDED = -2;

/**
 * Objects and arrays of records validated before (a userIdentity, tlsDetails), kept as bytes
 * and found again by the bytes up to their first closing bracket (which is inside the value
 * or its end): bytes equal to a complete JSON value seen before are that value (an object or
 * array ends where its brackets close, whatever follows), so pass one jumps over them with one
 * native compare instead of validating them again, and pass two finds what it derived from
 * them by the entry's number. Entries stay valid for the whole document (a full memo takes no
 * more until the next document starts it afresh).
 */
/**
 * What the memo keeps (bytes and entries): 512 KB holds the few hundred identities and TLS
 * details of a trail; at 4 MB (the object table's limit) a load of 3,000,000 events kept about
 * 7 bytes an event more resident after its workers had ended (their allocators' high-water
 * mark), with no measurable gain in time.
 */
const MEMO_LIMIT: TableLimit = { bytes: 512 * 1024, entries: 8 * 1024 };

class ValueMemo {
  private slots: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private arena: Buffer<ArrayBuffer>;
  private arenaView: DataView;
  private used = 0;
  count = 0;
  /** Bumped each time the memo starts afresh: what was derived from the old entries is dropped. */
  generation: number;

  constructor() {
    this.slots = new Int32Array(2 * 1024);
    this.offsets = new Int32Array(256);
    this.lengths = new Int32Array(256);
    this.arena = Buffer.alloc(64 * 1024);
    this.arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
    this.generation = 0;
  }

  /**
   * The lookup hash of the object or array at b[i]: of the bytes up to its first closing
   * bracket of the same kind, found natively; 0 when that is too near (or absent). `b` is the
   * document in `view`.
   */
  lookupHash(b: Buffer, i: number): number {
    const close = b.indexOf(b[i] === 0x7b ? 0x7d : 0x5d, i + 1);
    if (close < i + MEMO_MIN_BYTES) return 0;
    // The first and the last (up to) 40 bytes, four to a multiply, and the length.
    const end = close + 1;
    const head = Math.min(end, i + 40);
    let hash = FNV_OFFSET ^ (end - i);
    let k = i;
    for (; k + 4 <= head; k += 4) hash = Math.imul(hash ^ view.getInt32(k, true), FNV_PRIME);
    for (k = Math.max(k, end - 40); k + 4 <= end; k += 4) hash = Math.imul(hash ^ view.getInt32(k, true), FNV_PRIME);
    for (; k < end; k++) hash = Math.imul(hash ^ b[k], FNV_PRIME);
    return hash | 1; // 0 marks a free slot
  }
  /** The entry whose bytes b holds from i on (prefix hash `hash`), or -1. */
  find(b: Buffer, i: number, hash: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let tried = 0;
    for (let probes = 0, slot = hash & mask; probes < MAX_PROBES; probes++, slot = (slot + 1) & mask) {
      const stored = slots[slot << 1];
      if (stored === 0) return -1;
      if (stored !== hash) continue;
      const entry = slots[(slot << 1) + 1];
      if (this.holds(b, i, entry)) return entry;
      if (++tried === MEMO_CANDIDATES) return MEMO_CROWDED;
    }
    return MEMO_CROWDED;
  }

  /** Whether b (the document in `view`) holds entry's bytes from i on. */
  private holds(b: Buffer, i: number, entry: number): boolean {
    const from = this.offsets[entry];
    const length = this.lengths[entry];
    if (i + length > b.length) return false;
    // A native compare costs about as much as comparing 250 bytes a word at a time.
    return length > 256 ? b.compare(this.arena, from, from + length, i, i + length) === 0 : sameWords(this.arenaView, from, view, i, length);
  }

  length(entry: number): number {
    return this.lengths[entry];
  }

  /** Remembers the validated value b[start, end) (its prefix hash `hash`), when there is room. */
  add(b: Buffer, start: number, end: number, hash: number): void {
    const length = end - start;
    if (length > MEMO_MAX_BYTES || this.used + length > MEMO_LIMIT.bytes || this.count >= MEMO_LIMIT.entries) return;
    if ((this.count + 1) * 2 > this.slots.length >> 1) {
      const old = this.slots;
      this.slots = new Int32Array(old.length * 2);
      for (let at = 0; at < old.length; at += 2) if (old[at] !== 0) this.place(old[at], old[at + 1]);
    }
    if (this.used + length > this.arena.length) {
      this.arena = grownArena(this.arena, this.used, this.used + length);
      this.arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
    }
    if (this.count === this.offsets.length) {
      const offsets = new Int32Array(this.count * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Int32Array(this.count * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    b.copy(this.arena, this.used, start, end);
    this.offsets[this.count] = this.used;
    this.lengths[this.count] = length;
    this.place(hash, this.count);
    this.used += length;
    this.count++;
  }

  private place(hash: number, entry: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let slot = hash & mask;
    while (this.slots[slot << 1] !== 0) slot = (slot + 1) & mask;
    this.slots[slot << 1] = hash;
    this.slots[(slot << 1) + 1] = entry;
  }

  /** Called as a document starts: a full memo starts afresh. */
  startDocument(): void {
    if (this.used + MEMO_MAX_BYTES <= MEMO_LIMIT.bytes && this.count < MEMO_LIMIT.entries) return;
    this.slots = new Int32Array(2 * 1024);
    this.used = 0;
    this.count = 0;
    this.generation++;
  }
}

/** A batch dictionary with a byte-keyed front: values seen before are coded without decoding them. */
class ByteCoder {
  private readonly table = new BytesTable(VALUE_TABLE_LIMIT);

  constructor(private readonly dictionary: BatchDictionary) {}

  /** Code of the plain (unescaped) JSON string content bytes[start, end), whose stringHash is `hash`. */
  code(bytes: Buffer, start: number, end: number, hash: number): number {
    if (start === end) return 0; // "" is no value (see str())
    const found = this.table.find(bytes, start, end, hash);
    if (found >= 0) return found;
    const code = this.dictionary.code(bytes.toString('utf8', start, end));
    if (found === NOT_FOUND) {
      if (this.table.isFull(end - start)) this.table.clear();
      this.table.add(bytes, start, end, hash, code);
    }
    return code;
  }

  codeText(value: string | undefined): number {
    return this.dictionary.code(value);
  }
}

/** Values made from object bytes (a userIdentity, a resources list), remembered by those bytes. */
class BytesMemo<T> {
  private readonly table = new BytesTable(OBJECT_TABLE_LIMIT);
  private readonly values: T[] = [];

  /** The value remembered for bytes[start, end); else `make` makes it, remembered when there is room. */
  get(b: Buffer, start: number, end: number, make: (b: Buffer, start: number, end: number) => T): T {
    const hash = hashSpan(b, start, end);
    const found = this.table.find(b, start, end, hash);
    if (found >= 0) return this.values[found];
    const value = make(b, start, end);
    if (found === NOT_FOUND) {
      if (this.table.isFull(end - start)) {
        this.table.clear();
        this.values.length = 0;
      }
      this.table.add(b, start, end, hash, this.values.length);
      this.values.push(value);
    }
    return value;
  }
}

/** A userIdentity's facts, coded. */
interface CodedIdentity {
  facts: IdentityFacts;
  /** The parsed userIdentity, kept for principalFor when the principal depends on the source IP. */
  value: unknown;
  callerAccount: number;
  principal: number;
  principalType: number;
  issuer: number;
  session: number;
  sessionName: number;
  sourceIdentity: number;
  accessKey: number;
  invokedBy: number;
}

const NO_CODES: readonly number[] = Object.freeze([]);

const F = Object.fromEntries(DICT_FIELDS.map((field, i) => [field, i])) as Record<(typeof DICT_FIELDS)[number], number>;

// ---- the scanner --------------------------------------------------------------------

/** Indexes whole trail documents into one builder; keeps its byte tables for the builder's life. */
export class TrailScanner {
  /** The per-record notes of pass one (set in the constructor: see "Fields that are replaced"). */
  private spans: Int32Array;
  private readonly coders: ByteCoder[];
  private readonly identities = new BytesMemo<CodedIdentity>();
  private noIdentity: CodedIdentity | undefined;
  private readonly resourceLists = new BytesMemo<readonly number[]>();
  private readonly memo = new ValueMemo();
  private readonly order = new KeyOrder();
  /** By memo entry: the identity coded from its bytes (for the memo's current generation). */
  private readonly identityOf: (CodedIdentity | undefined)[] = [];
  private readonly resourcesOf: (readonly number[] | undefined)[] = [];
  private memoGeneration: number;
  private readonly event: ScannedEvent = {
    offset: 0,
    length: 0,
    contentStart: 0,
    contentEnd: 0,
    time: NaN,
    contentHash: 0,
    codes: new Int32Array(DICT_FIELDS.length),
    resourceCodes: [],
    eventId: { kind: ID_ABSENT, words: new Uint32Array(4) },
    requestId: { kind: ID_ABSENT, words: new Uint32Array(4) },
  };

  constructor(private readonly builder: BatchBuilder) {
    this.coders = DICT_FIELDS.map((_, f) => new ByteCoder(builder.dictionary(f)));
    // Room for one record: the first documents grow it while V8 still interprets locate(),
    // so that its growth path has been run (see ValueMemo's constructor).
    this.spans = new Int32Array(STRIDE);
    this.memoGeneration = 0;
  }

  /** A WholeTrailReader that adds each event to the builder under `fileIndex()`, then calls `added`. */
  reader(fileIndex: () => number, added: () => void): WholeTrailReader {
    return { read: (content, start, records) => this.read(content, start, records, fileIndex, added) };
  }

  read(content: Buffer, start: number, records: TrailRecordSink, fileIndex: () => number, added: () => void): boolean {
    try {
      const count = this.locate(content, start);
      if (count < 0) return false;
      this.indexRecords(content, count, records, fileIndex, added);
      return true;
    } finally {
      // A document with many records grew the notes: they shrink back for the next one.
      if (this.spans.length > STRIDE * KEPT_RECORDS) this.spans = new Int32Array(STRIDE * KEPT_RECORDS);
    }
  }

  /**
   * Pass two over the `count` records pass one located. Its own function, with nothing after
   * the loop: the first large document gets the loop compiled while it runs (on-stack), before
   * anything after the loop has run once; V8 then left a deoptimisation at that point, taken at
   * the end of every later document (1,847 times in one pass over the skewed 300,000-event trail).
   */
  private indexRecords(content: Buffer, count: number, records: TrailRecordSink, fileIndex: () => number, added: () => void): void {
    const spans = this.spans;
    for (let r = 0; r < count; r++) {
      const at = r * STRIDE;
      if (spans[at + 2] & GENERIC || !this.looksLikeEvent(content, at)) {
        records.generic(JSON.parse(content.toString('utf8', spans[at], spans[at + 1])));
        continue;
      }
      this.code(content, at);
      const location = records.indexed();
      this.event.offset = location.offset;
      this.event.length = location.length;
      this.event.contentStart = spans[at];
      this.event.contentEnd = spans[at + 1];
      this.builder.addScanned(this.event, fileIndex());
      added();
    }
  }

  /**
   * The byte range of each record that read() would give the ordinals in `wanted` (the records
   * it indexes itself and the Records items it hands on that are events, counted in order),
   * found by pass one alone: nothing is parsed but the items read() would parse too. Undefined
   * when the document is not one read() takes. For reading records back by ordinal without
   * parsing the whole document again.
   */
  recordRanges(content: Buffer, start: number, wanted: ReadonlySet<number>, isEvent: (value: unknown) => boolean): Map<number, RecordLocation> | undefined {
    try {
      // Items after the last wanted record are not located: each wanted one is compared with
      // the index when read back, and the file's identity (size, times) with the cache's key.
      // With items that are not events before it, the ordinals shift: then the whole document.
      let last = -1;
      for (const ordinal of wanted) if (ordinal > last) last = ordinal;
      const found = this.rangesUpTo(content, start, wanted, isEvent, last + 1);
      if (found === undefined || found.size === wanted.size) return found;
      return this.rangesUpTo(content, start, wanted, isEvent, MAX_RECORDS);
    } finally {
      if (this.spans.length > STRIDE * KEPT_RECORDS) this.spans = new Int32Array(STRIDE * KEPT_RECORDS);
    }
  }

  private rangesUpTo(content: Buffer, start: number, wanted: ReadonlySet<number>, isEvent: (value: unknown) => boolean, limit: number): Map<number, RecordLocation> | undefined {
    {
      const count = this.locate(content, start, limit);
      if (count < 0) return undefined;
      const spans = this.spans;
      const found = new Map<number, RecordLocation>();
      let ordinal = 0;
      for (let r = 0; r < count && found.size < wanted.size; r++) {
        const at = r * STRIDE;
        if (spans[at + 2] & GENERIC || !this.looksLikeEvent(content, at)) {
          if (!isEvent(JSON.parse(content.toString('utf8', spans[at], spans[at + 1])))) continue;
        }
        if (wanted.has(ordinal)) found.set(ordinal, { offset: spans[at], length: spans[at + 1] - spans[at] });
        ordinal++;
      }
      return found;
    }
  }

  /**
   * Pass one: validates the whole document as `{"Records":[...]}` with nothing after it
   * and fills `spans`. The number of records, or -1 when the document is anything else.
   */
  private locate(b: Buffer, start: number, limit = MAX_RECORDS): number {
    useView(b);
    this.memo.startDocument();
    if (this.memo.generation !== this.memoGeneration) {
      this.memoGeneration = this.memo.generation;
      // Emptied in place: a fresh array has another elements kind, and code that read these would be thrown away.
      this.identityOf.length = 0;
      this.resourcesOf.length = 0;
    }
    let i = skipSpace(b, start + 1);
    if (!sameBytes(b, i, RECORDS_KEY, 0, RECORDS_KEY.length)) return -1;
    i = skipSpace(b, i + RECORDS_KEY.length);
    if (b[i] !== 0x3a) return -1;
    i = skipSpace(b, i + 1);
    if (b[i] !== 0x5b) return -1;
    i = skipSpace(b, i + 1);
    let count = 0;
    if (b[i] !== 0x5d) {
      for (;;) {
        if (count === MAX_RECORDS) return -1;
        if ((count + 1) * STRIDE > this.spans.length) {
          const next = new Int32Array(this.spans.length * 2);
          next.set(this.spans);
          this.spans = next;
        }
        i = this.locateRecord(b, i, count * STRIDE);
        if (i < 0) return -1;
        count++;
        if (count === limit && limit < MAX_RECORDS) return count;
        i = skipSpace(b, i);
        if (b[i] === 0x2c) i = skipSpace(b, i + 1);
        else if (b[i] === 0x5d) break;
        else return -1;
      }
    }
    i = skipSpace(b, i + 1);
    if (b[i] !== 0x7d) return -1;
    return skipSpace(b, i + 1) === b.length ? count : -1;
  }

  /** One Records item starting at b[i]: its spans at spans[at...]; the index after it, or -1. */
  private locateRecord(b: Buffer, i: number, at: number): number {
    const spans = this.spans;
    // Only the kinds: a key's other notes are read only when its kind says they were written.
    spans[at + 2] = 0;
    for (let k = at + RECORD_HEAD; k < at + STRIDE; k += PER_KEY) spans[k] = ABSENT;
    spans[at] = i;
    if (b[i] !== 0x7b) {
      spans[at + 2] = GENERIC;
      const end = skipValue(b, i, 1);
      spans[at + 1] = end;
      return end;
    }
    i = skipSpace(b, i + 1);
    if (b[i] === 0x7d) {
      spans[at + 1] = i + 1;
      return i + 1;
    }
    const order = this.order;
    let previous = FIRST_KEY;
    for (;;) {
      if (b[i] !== 0x22) return -1;
      let key = -1;
      const guess = previous === NO_KEY ? NO_KEY : order.next[previous];
      if (guess !== NO_KEY && order.matches(b, i + 1, guess)) {
        // The key that followed the previous one last time, to its colon.
        key = order.ids[guess];
        previous = guess;
        i += 1 + order.lengths[guess];
        if (b[i] <= 0x20) i = skipSpace(b, i);
      } else {
        let j = i + 1;
        let c = b[j];
        while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = b[++j];
        let keyEnd: number;
        let next = NO_KEY;
        if (c === 0x22) {
          keyEnd = j + 1;
          const hash = keyHash(b, i + 1, j);
          key = keyId(b, i + 1, j, hash);
          if (b[keyEnd] === 0x3a) next = order.learn(b, i + 1, j, hash, key);
        } else {
          // An escape (the record goes to the generic path), a control character or the end.
          keyEnd = skipString(b, i);
          if (keyEnd < 0) return -1;
          spans[at + 2] |= GENERIC;
        }
        if (previous !== NO_KEY) order.next[previous] = next;
        previous = next;
        i = skipSpace(b, keyEnd);
        if (b[i] !== 0x3a) return -1;
        i = skipSpace(b, i + 1);
      }
      const valueStart = i;
      if (b[i] === 0x22 && key >= 0) {
        const k = at + RECORD_HEAD + key * PER_KEY;
        let end = i + 1;
        if (HASHED[key] === 1) {
          // A field coded from its bytes: hashed as it is scanned (stringHash), for the dictionaries.
          let valueHash = FNV_OFFSET;
          for (const last = b.length - 4; end <= last; end += 4) {
            const x = view.getInt32(end, true);
            if (hasSpecial(x)) break;
            valueHash = Math.imul(valueHash ^ x, FNV_PRIME);
          }
          let v = b[end];
          while (v !== 0x22 && v !== 0x5c && v >= 0x20) {
            valueHash = Math.imul(valueHash ^ v, FNV_PRIME);
            v = b[++end];
          }
          spans[k + 3] = stringHash(valueHash, end - valueStart - 1);
        } else {
          end = skipPlain(b, end);
        }
        spans[k + 1] = valueStart + 1;
        if (b[end] === 0x22) {
          spans[k] = PLAIN_STRING;
          spans[k + 2] = end;
          i = end + 1;
        } else {
          i = skipString(b, i);
          if (i < 0) return -1;
          spans[k] = ESCAPED_STRING;
          spans[k + 2] = i - 1;
        }
      } else if (b[i] === 0x22) {
        i = skipString(b, i);
        if (i < 0) return -1;
      } else {
        // spans[k + 3]: the memo entry + 1 of an object or array remembered, else 0.
        let entry = -1;
        const hash = b[i] === 0x7b || b[i] === 0x5b ? this.memo.lookupHash(b, i) : 0;
        if (hash !== 0) {
          const memo = this.memo;
          entry = memo.find(b, i, hash);
          if (entry >= 0) {
            i += memo.length(entry);
          } else {
            const crowded = entry === MEMO_CROWDED;
            entry = -1;
            i = skipValue(b, i, 1);
            if (i < 0) return -1;
            if (!crowded) {
              entry = memo.count;
              memo.add(b, valueStart, i, hash);
              if (memo.count === entry) entry = -1;
            }
          }
        } else {
          i = skipValue(b, i, 1);
          if (i < 0) return -1;
        }
        if (key >= 0) {
          const k = at + RECORD_HEAD + key * PER_KEY;
          spans[k] = OTHER;
          spans[k + 1] = valueStart;
          spans[k + 2] = i;
          spans[k + 3] = entry + 1;
        }
      }
      // Compact JSON (as CloudTrail writes it) has no space to skip: one compare says so.
      let c = b[i];
      if (c <= 0x20) c = b[(i = skipSpace(b, i))];
      if (c === 0x2c) {
        if (b[++i] <= 0x20) i = skipSpace(b, i);
      } else if (c === 0x7d) {
        spans[at + 1] = i + 1;
        return i + 1;
      } else {
        return -1;
      }
    }
  }

  private kind(at: number, key: number): number {
    return this.spans[at + RECORD_HEAD + key * PER_KEY];
  }

  private isString(at: number, key: number): boolean {
    const kind = this.kind(at, key);
    return kind === PLAIN_STRING || kind === ESCAPED_STRING;
  }

  /** looksLikeCloudTrailEvent, from the spans; false for Insights records, which the generic path reads. */
  private looksLikeEvent(b: Buffer, at: number): boolean {
    if (!this.isString(at, K.eventName)) return false;
    if (this.kind(at, K.insightDetails) !== ABSENT || this.isInsightType(b, at)) return false;
    let hits = 2;
    if (this.isString(at, K.eventSource)) hits++;
    const identityAt = at + RECORD_HEAD + K.userIdentity * PER_KEY;
    if (this.spans[identityAt] === OTHER && b[this.spans[identityAt + 1]] === 0x7b) hits++;
    if (this.isString(at, K.eventTime) || this.isString(at, K['@timestamp'])) hits++;
    if (this.isString(at, K.eventID)) hits++;
    if (this.isString(at, K.awsRegion)) hits++;
    return hits >= 3;
  }

  /** Whether eventType is INSIGHT_EVENT_TYPE (isInsightRecord, which also makes the category Insight). */
  private isInsightType(b: Buffer, at: number): boolean {
    const k = at + RECORD_HEAD + K.eventType * PER_KEY;
    const kind = this.spans[k];
    if (kind === PLAIN_STRING) {
      const start = this.spans[k + 1];
      return this.spans[k + 2] - start === INSIGHT_TYPE_BYTES.length && sameBytes(b, start, INSIGHT_TYPE_BYTES, 0, INSIGHT_TYPE_BYTES.length);
    }
    return kind === ESCAPED_STRING && this.value(b, at, K.eventType) === INSIGHT_EVENT_TYPE;
  }

  /** readOnlyFlag of the field, as 'true', 'false' or undefined. */
  private readOnly(b: Buffer, at: number): string | undefined {
    const k = at + RECORD_HEAD + K.readOnly * PER_KEY;
    const kind = this.spans[k];
    if (kind === ABSENT) return undefined;
    const start = this.spans[k + 1];
    const length = this.spans[k + 2] - start;
    if (kind === OTHER || kind === PLAIN_STRING) {
      if (length === 4 && sameBytes(b, start, TRUE, 0, 4)) return 'true';
      if (length === 5 && sameBytes(b, start, FALSE, 0, 5)) return 'false';
      if (kind === PLAIN_STRING) return undefined;
    }
    const flag = readOnlyFlag(this.value(b, at, K.readOnly));
    return flag === undefined ? undefined : flag ? 'true' : 'false';
  }

  /** The JSON value of a field, as JSON.parse gives it (undefined when absent). */
  private value(b: Buffer, at: number, key: number): unknown {
    const k = at + RECORD_HEAD + key * PER_KEY;
    switch (this.spans[k]) {
      case PLAIN_STRING:
        return b.toString('utf8', this.spans[k + 1], this.spans[k + 2]);
      case ESCAPED_STRING:
        return JSON.parse(b.toString('utf8', this.spans[k + 1] - 1, this.spans[k + 2] + 1));
      case OTHER:
        return JSON.parse(b.toString('utf8', this.spans[k + 1], this.spans[k + 2]));
      default:
        return undefined;
    }
  }

  /** The code of str(field value) in DICT_FIELDS[field]'s dictionary. */
  private codeOf(b: Buffer, at: number, key: number, field: number): number {
    const k = at + RECORD_HEAD + key * PER_KEY;
    const kind = this.spans[k];
    if (kind === ABSENT) return 0;
    if (kind === PLAIN_STRING) return this.coders[field].code(b, this.spans[k + 1], this.spans[k + 2], this.spans[k + 3]);
    return this.coders[field].codeText(str(this.value(b, at, key)));
  }

  private id(b: Buffer, at: number, key: number, into: ScannedId): void {
    const k = at + RECORD_HEAD + key * PER_KEY;
    into.text = undefined;
    if (this.spans[k] === PLAIN_STRING) {
      const start = this.spans[k + 1];
      const end = this.spans[k + 2];
      if (start === end) {
        into.kind = ID_ABSENT;
        return;
      }
      into.kind = packIdBytes(b, start, end, into.words, 0);
      if (into.kind === ID_TEXT) into.text = b.toString('utf8', start, end);
      return;
    }
    const text = str(this.value(b, at, key));
    if (text === undefined) {
      into.kind = ID_ABSENT;
      return;
    }
    into.kind = packId(text, into.words, 0);
    if (into.kind === ID_TEXT) into.text = text;
  }

  /** resourceArns of the record, coded; the same bytes give the same (shared) list. */
  private resources(b: Buffer, at: number): readonly number[] {
    const k = at + RECORD_HEAD + K.resources * PER_KEY;
    const start = this.spans[k + 1];
    const end = this.spans[k + 2];
    if (this.spans[k] !== OTHER || b[start] !== 0x5b || end - start <= 2) return NO_CODES;
    const entry = this.spans[k + 3] - 1;
    const known = entry >= 0 && entry < this.resourcesOf.length ? this.resourcesOf[entry] : undefined;
    if (known !== undefined) return known;
    // One call site whether or not the memo holds the list (see identity()).
    const list = this.resourceLists.get(b, start, end, this.codeResources);
    if (entry >= 0) this.resourcesOf[entry] = list;
    return list;
  }

  private readonly codeResources = (b: Buffer, start: number, end: number): number[] => {
    const dictionary = this.builder.resourceDictionary;
    return resourceArns(JSON.parse(b.toString('utf8', start, end))).map((arn) => dictionary.code(arn));
  };

  private identity(b: Buffer, at: number): CodedIdentity {
    const k = at + RECORD_HEAD + K.userIdentity * PER_KEY;
    const start = this.spans[k + 1];
    const end = this.spans[k + 2];
    if (this.spans[k] !== OTHER || b[start] !== 0x7b) {
      // Absent, or not an object: the normaliser sees no identity either way.
      return (this.noIdentity ??= this.codeIdentity(undefined));
    }
    const entry = this.spans[k + 3] - 1;
    // Read only within the array, and one call site whether or not the memo holds the value:
    // a read past the end, or a path not taken before code() was compiled (a value the memo
    // left out is rare), threw code() away the first time it came, to compile it again.
    const known = entry >= 0 && entry < this.identityOf.length ? this.identityOf[entry] : undefined;
    if (known !== undefined) return known;
    const identity = this.identities.get(b, start, end, this.codeIdentityBytes);
    if (entry >= 0) this.identityOf[entry] = identity;
    return identity;
  }

  private readonly codeIdentityBytes = (b: Buffer, start: number, end: number): CodedIdentity =>
    this.codeIdentity(JSON.parse(b.toString('utf8', start, end)));

  private codeIdentity(value: unknown): CodedIdentity {
    const facts = identityFacts(value);
    const code = (field: number, text: string | undefined) => this.coders[field].codeText(text);
    return {
      facts,
      value,
      callerAccount: code(F.callerAccount, facts.callerAccount),
      principal: facts.principalUsesSourceIp ? -1 : code(F.principal, facts.principal),
      principalType: code(F.principalType, facts.type),
      issuer: code(F.issuer, facts.issuer),
      session: code(F.session, facts.session),
      sessionName: code(F.sessionName, facts.sessionName),
      sourceIdentity: code(F.sourceIdentity, facts.sourceIdentity),
      accessKey: code(F.accessKey, facts.accessKeyId),
      invokedBy: code(F.invokedBy, facts.invokedBy),
    };
  }

  /** Pass two for one record: everything normalizeEvent would give, as codes. */
  private code(b: Buffer, at: number): void {
    const event = this.event;
    const codes = event.codes;
    const spans = this.spans;
    event.time = this.time(b, at);
    // No hash: the content hash is computed only if another record has the same eventID and is
    // not at the same place in a file of the same digest (lazy-hash.ts).
    event.contentHash = CONTENT_HASH_LATER;
    codes[F.eventName] = this.codeOf(b, at, K.eventName, F.eventName);
    codes[F.eventSource] = this.codeOf(b, at, K.eventSource, F.eventSource);
    codes[F.region] = this.codeOf(b, at, K.awsRegion, F.region);

    const identity = this.identity(b, at);
    const account = this.codeOf(b, at, K.recipientAccountId, F.account);
    codes[F.account] = account !== 0 ? account : this.coders[F.account].codeText(identity.facts.callerAccount);
    codes[F.callerAccount] = identity.callerAccount;
    codes[F.principal] =
      identity.principal >= 0
        ? identity.principal
        : this.coders[F.principal].codeText(principalFor(identity.facts, identity.value, str(this.value(b, at, K.sourceIPAddress))));
    codes[F.principalType] = identity.principalType;
    codes[F.issuer] = identity.issuer;
    codes[F.session] = identity.session;
    codes[F.sessionName] = identity.sessionName;
    codes[F.sourceIdentity] = identity.sourceIdentity !== 0 ? identity.sourceIdentity : this.codeOf(b, at, K.sourceIdentity, F.sourceIdentity);
    codes[F.accessKey] = identity.accessKey;
    codes[F.invokedBy] = identity.invokedBy;

    codes[F.ip] = this.codeOf(b, at, K.sourceIPAddress, F.ip);
    codes[F.userAgent] = this.codeOf(b, at, K.userAgent, F.userAgent);
    codes[F.readOnly] = this.coders[F.readOnly].codeText(this.readOnly(b, at));
    codes[F.category] = this.codeOf(b, at, K.eventCategory, F.category) || this.coders[F.category].codeText('Management');
    codes[F.eventType] = this.codeOf(b, at, K.eventType, F.eventType);

    // responseElements is read only when it is an object (null for most calls).
    const responseAt = at + RECORD_HEAD + K.responseElements * PER_KEY;
    const response =
      spans[responseAt] === OTHER && b[spans[responseAt + 1]] === 0x7b ? responseFacts(this.value(b, at, K.responseElements)) : undefined;
    codes[F.issuedKey] = this.coders[F.issuedKey].codeText(response?.issuedAccessKeyId);
    let error = this.codeOf(b, at, K.errorCode, F.error);
    if (error === 0 && response?.consoleLoginFailed) {
      error = this.coders[F.error].codeText(
        consoleLoginFailure(this.value(b, at, K.eventName), true, this.value(b, at, K.errorMessage)),
      );
    }
    codes[F.error] = error;

    event.resourceCodes = this.resources(b, at);

    this.id(b, at, K.eventID, event.eventId);
    this.id(b, at, K.requestID, event.requestId);
    event.sharedEventId = this.kind(at, K.sharedEventID) === ABSENT ? undefined : str(this.value(b, at, K.sharedEventID));
  }

  /** parseEventTime(eventTime ?? @timestamp), reading the canonical form from its bytes. */
  private time(b: Buffer, at: number): number {
    const k = at + RECORD_HEAD + K.eventTime * PER_KEY;
    if (this.spans[k] === PLAIN_STRING && this.spans[k + 2] - this.spans[k + 1] === 20) {
      const s = this.spans[k + 1];
      if (b[s + 10] === 0x54 && b[s + 19] === 0x5a) {
        const year = digitsAt(b, s, 4);
        const month = digitsAt(b, s + 5, 2);
        const day = digitsAt(b, s + 8, 2);
        const hour = digitsAt(b, s + 11, 2);
        const minute = digitsAt(b, s + 14, 2);
        const second = digitsAt(b, s + 17, 2);
        if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60) {
          if (year >= 100) return utcDayMs(year, month, day) + hour * 3_600_000 + minute * 60_000 + second * 1000;
          const t = Date.UTC(year, month - 1, day, hour, minute, second);
          if (!Number.isNaN(t)) return t;
        }
      }
    }
    return parseEventTime(this.value(b, at, K.eventTime) ?? this.value(b, at, K['@timestamp']));
  }
}

/**
 * Date.UTC(year, month - 1, day) for a year from 100 on (Date.UTC reads 0-99 as 1900-1999),
 * month 1-12 and day 1-31, in integer arithmetic (days from civil, H. Hinnant): a day past the
 * month's end falls in the next month, as Date.UTC counts it. Date.UTC cost about 150 ns an event.
 */
function utcDayMs(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return (era * 146_097 + dayOfEra - 719_468) * 86_400_000;
}

function digitsAt(b: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
