/**
 * Compact growable columns. Dictionary-coded columns start one byte wide and widen only
 * when their dictionary outgrows the width, so low-cardinality fields (region, event
 * category, identity type) cost one byte per event.
 */

import type { FileSeen } from '../sources/types';

type CodeArray = Uint8Array | Uint16Array | Int32Array;

/** Writes source[row] for each row in `rows` (or all of `source`) into `data` from `at`; returns the new end. */
function copyRows(data: { set(values: ArrayLike<number>, offset: number): void; [i: number]: number }, at: number, source: ArrayLike<number>, rows: Int32Array | undefined): number {
  if (!rows) {
    data.set(source, at);
    return at + source.length;
  }
  let n = at;
  for (let i = 0; i < rows.length; i++) data[n++] = source[rows[i]];
  return n;
}

/** Values adoptValues copies with one push (well under the engine's limit on arguments). */
const ADOPT_SLICE = 8192;

export class StringDictionary {
  /** Code 0 means "absent"; real values start at 1. */
  readonly values: string[] = [''];
  /** Each value's code; built on first use after adoptValues (a pivot on a reopened index looks up one field's values, of twenty). */
  private codes: Map<string, number> | undefined = new Map<string, number>();
  private lowerCase?: Map<string, number[]>;

  get size(): number {
    return this.values.length;
  }

  code(value: string): number {
    const codes = this.codes ?? this.codesOfValues();
    let code = codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      codes.set(value, code);
      this.lowerCase = undefined;
    }
    return code;
  }

  find(value: string): number | undefined {
    return (this.codes ?? this.codesOfValues()).get(value);
  }

  /**
   * Into an empty dictionary, `values` with their codes as they are: what code() of each in
   * turn would give, without looking each up now. For a batch's dictionary (BatchDictionary:
   * values[0] is the absent value's place, the others distinct). False (nothing done) when this
   * dictionary is not empty.
   */
  adoptValues(values: readonly string[]): boolean {
    if (this.values.length !== 1) return false;
    // In slices: one native push each (a push a value cost ~0.5 µs in a cold process).
    for (let c = 1; c < values.length; c += ADOPT_SLICE) this.values.push(...values.slice(c, Math.min(values.length, c + ADOPT_SLICE)));
    this.codes = undefined;
    this.lowerCase = undefined;
    return true;
  }

  private codesOfValues(): Map<string, number> {
    const codes = new Map<string, number>();
    for (let c = 1; c < this.values.length; c++) codes.set(this.values[c], c);
    this.codes = codes;
    return codes;
  }

  /** Codes whose value equals `value` ignoring case. */
  findIgnoringCase(value: string): number[] {
    if (!this.lowerCase) {
      this.lowerCase = new Map();
      for (let code = 1; code < this.values.length; code++) {
        const key = this.values[code].toLowerCase();
        const list = this.lowerCase.get(key);
        if (list) list.push(code);
        else this.lowerCase.set(key, [code]);
      }
    }
    return this.lowerCase.get(value.toLowerCase()) ?? [];
  }
}

export class CodeColumn {
  private data: CodeArray = new Uint8Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  get(index: number): number {
    return this.data[index];
  }

  /** The backing array, valid for indices below `size`; widened arrays replace it. */
  get array(): CodeArray {
    return this.data;
  }

  push(code: number): void {
    if (this.length === this.data.length) this.grow(this.data.length * 2);
    if (code > maxOf(this.data)) this.widen(code);
    this.data[this.length++] = code;
  }

  set(index: number, code: number): void {
    if (code > maxOf(this.data)) this.widen(code);
    this.data[index] = code;
  }

  /** Appends remap[source[row]] for each row in `rows` (`largest`: the largest code in remap): the column-wise bulk path of a merge. */
  appendMapped(source: ArrayLike<number>, remap: Int32Array, largest: number, rows: Int32Array): void {
    if (largest > maxOf(this.data)) this.widen(largest);
    if (this.length + rows.length > this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity < this.length + rows.length) capacity *= 2;
      this.grow(capacity);
    }
    const data = this.data;
    let n = this.length;
    for (let i = 0; i < rows.length; i++) data[n++] = remap[source[rows[i]]];
    this.length = n;
  }

  /**
   * Takes `array` as the column's content, without copying it (an empty column only): a batch
   * read from the cache, whose arrays are views of the cache file's bytes. A later push copies
   * it into a larger array.
   */
  adopt(array: CodeArray): void {
    if (this.length !== 0) throw new Error('only an empty column adopts an array');
    this.data = array;
    this.length = array.length;
  }

  /** Appends source[row] for each row in `rows` (`largest`: at least the largest of them). */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined, largest: number): void {
    if (largest > maxOf(this.data)) this.widen(largest);
    const count = rows ? rows.length : source.length;
    this.room(count);
    this.length = copyRows(this.data, this.length, source, rows);
  }

  private room(extra: number): void {
    if (this.length + extra > this.data.length) {
      let capacity = Math.max(1, this.data.length * 2);
      while (capacity < this.length + extra) capacity *= 2;
      this.grow(capacity);
    }
  }

  /** Makes room for `capacity` entries in one step, so a large load does not regrow (and leave freed copies behind). */
  reserve(capacity: number): void {
    if (capacity > this.data.length) this.grow(capacity);
  }

  /** Drops spare capacity once loading is over, when it is worth a copy. */
  trim(): void {
    if (this.data.length > worthTrimming(this.length)) this.data = this.data.slice(0, this.length);
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }

  private widen(code: number): void {
    const next: CodeArray =
      code <= 0xffff ? new Uint16Array(this.data.length) : new Int32Array(this.data.length);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  private grow(capacity: number): void {
    const next = new (this.data.constructor as { new (n: number): CodeArray })(capacity);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/** Capacity beyond which trim() copies: a quarter spare, and not for small columns. */
function worthTrimming(length: number): number {
  return Math.max(length + 4096, Math.floor(length * 1.25));
}

function maxOf(array: CodeArray): number {
  return array instanceof Uint8Array ? 0xff : array instanceof Uint16Array ? 0xffff : 0x7fffffff;
}

type NumberArray = Float64Array | Uint32Array;

/** A growable column of numbers over one typed-array kind. */
class NumberColumn<T extends NumberArray> {
  protected data: T;
  private length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.data = make(1024);
  }

  get size(): number {
    return this.length;
  }

  get(index: number): number {
    return this.data[index];
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** Takes `array` as the column's content, without copying it (an empty column only; see CodeColumn.adopt). */
  adopt(array: T): void {
    if (this.length !== 0) throw new Error('only an empty column adopts an array');
    this.data = array;
    this.length = array.length;
  }

  /** Appends source[row] for each row in `rows`. */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    const count = rows ? rows.length : source.length;
    if (this.length + count > this.data.length) this.reserve(Math.max(this.data.length * 2, this.length + count));
    this.length = copyRows(this.data, this.length, source, rows);
  }

  reserve(capacity: number): void {
    if (capacity > this.data.length) {
      const next = this.make(capacity);
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
  }

  trim(): void {
    if (this.data.length > worthTrimming(this.length)) this.data = this.data.slice(0, this.length) as T;
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }
}

export class Float64Column extends NumberColumn<Float64Array> {
  constructor() {
    super((length) => new Float64Array(length));
  }

  get array(): Float64Array {
    return this.data;
  }
}

/**
 * Whole numbers kept at a CodeColumn's width (one byte while they are small, as record
 * ordinals are) until one does not fit; then as doubles (a byte offset past 2 GiB).
 */
export class CompactNumberColumn {
  /**
   * While every value is 0 (the record lengths of files read whole, which are located by
   * ordinal), only their number: no array at all.
   */
  private zeros: number | undefined = 0;
  private small: CodeColumn | undefined;
  private large: Float64Column | undefined;
  private reserved = 0;

  get size(): number {
    return this.zeros ?? (this.small ? this.small.size : this.large!.size);
  }

  push(value: number): void {
    if (this.zeros !== undefined) {
      if (value === 0) {
        this.zeros++;
        return;
      }
      this.becomeSmall();
    }
    if (this.small) {
      if (Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) {
        this.small.push(value);
        return;
      }
      this.becomeLarge();
    }
    this.large!.push(value);
  }

  /** Appends source[row] for each row in `rows`: at a code width while every one fits, as push() would. */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    const count = rows ? rows.length : source.length;
    if (this.zeros !== undefined) {
      let allZero = true;
      for (let i = 0; i < count && allZero; i++) allZero = source[rows ? rows[i] : i] === 0;
      if (allZero) {
        this.zeros += count;
        return;
      }
      this.becomeSmall();
    }
    if (this.small) {
      let largest = 0;
      let whole = true;
      for (let i = 0; i < count; i++) {
        const value = source[rows ? rows[i] : i];
        if (!(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff)) {
          whole = false;
          break;
        }
        if (value > largest) largest = value;
      }
      if (whole) {
        this.small.appendRows(source, rows, largest);
        return;
      }
      this.becomeLarge();
    }
    this.large!.appendRows(source, rows);
  }

  get(index: number): number {
    if (this.zeros !== undefined) return index < this.zeros ? 0 : NaN;
    return this.small ? this.small.get(index) : this.large!.get(index);
  }

  /** Replaces the value at `index` (below size), widening the column as push() would. */
  set(index: number, value: number): void {
    if (this.zeros !== undefined) {
      if (value === 0) return;
      this.becomeSmall();
    }
    if (this.small) {
      if (Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) {
        this.small.set(index, value);
        return;
      }
      this.becomeLarge();
    }
    this.large!.set(index, value);
  }

  /**
   * Takes `array` as the column's content without copying it (an empty column only; see
   * CodeColumn.adopt): doubles as they are, whole numbers that all fit as 32-bit codes.
   */
  adopt(array: Float64Array | Uint32Array): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    if (array instanceof Float64Array) {
      const large = new Float64Column();
      large.adopt(array);
      this.large = large;
      this.small = undefined;
      this.zeros = undefined;
      return;
    }
    let allZero = true;
    for (let i = 0; i < array.length; i++) {
      if (array[i] > 0x7fffffff) {
        this.appendRows(array, undefined);
        return;
      }
      if (array[i] !== 0) allZero = false;
    }
    if (allZero) {
      this.zeros = array.length;
      return;
    }
    this.zeros = undefined;
    this.small = new CodeColumn();
    this.small.adopt(new Int32Array(array.buffer, array.byteOffset, array.length));
  }

  /** Takes `count` zeros as the column's content (an empty column only): what adopting an array of them does, without the array. */
  adoptZeros(count: number): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    this.zeros = count;
    this.small = undefined;
    this.large = undefined;
  }

  /**
   * Takes `array` as the column's content without copying it (an empty column only; see
   * CodeColumn.adopt): whole numbers, none above 0x7fffffff (an Int32Array holds none below 0),
   * as the narrowest array that holds them (a cache stores ordinals so).
   */
  adoptCodes(array: CodeArray): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    this.zeros = undefined;
    this.large = undefined;
    this.small = new CodeColumn();
    this.small.adopt(array);
  }

  reserve(capacity: number): void {
    this.reserved = Math.max(this.reserved, capacity);
    if (this.small) this.small.reserve(capacity);
    else this.large?.reserve(capacity);
  }

  trim(): void {
    if (this.small) this.small.trim();
    else this.large?.trim();
  }

  truncate(length: number): void {
    if (this.zeros !== undefined) this.zeros = Math.min(this.zeros, length);
    else if (this.small) this.small.truncate(length);
    else this.large!.truncate(length);
  }

  get byteLength(): number {
    if (this.zeros !== undefined) return 0;
    return this.small ? this.small.byteLength : this.large!.byteLength;
  }

  private becomeSmall(): void {
    const small = new CodeColumn();
    small.reserve(Math.max(this.reserved, this.zeros!));
    for (let i = 0; i < this.zeros!; i++) small.push(0);
    this.small = small;
    this.zeros = undefined;
  }

  private becomeLarge(): void {
    const small = this.small!;
    const large = new Float64Column();
    large.reserve(Math.max(this.reserved, small.size));
    for (let i = 0; i < small.size; i++) large.push(small.get(i));
    this.large = large;
    this.small = undefined;
  }
}

/** What HashColumn answers for every negative hash: CONTENT_HASH_LATER (content-hash.ts). */
const HASH_LATER = -1;

/**
 * The content hash each record's reader gave: never negative, or negative for "computed when
 * needed" (CONTENT_HASH_LATER; caches of earlier builds hold other negative values, which mean
 * the same, so every negative reads back as HASH_LATER). A trail scanned from bytes gives only
 * the latter: while every value is negative the column keeps only their number, not 8 bytes an
 * event (24 MB at 3M events).
 */
export class HashColumn {
  private later: number | undefined = 0;
  private values: Float64Column | undefined;
  private reserved = 0;

  get size(): number {
    return this.later ?? this.values!.size;
  }

  get(index: number): number {
    if (this.later !== undefined) return index < this.later ? HASH_LATER : NaN;
    const value = this.values!.get(index);
    return value < 0 ? HASH_LATER : value;
  }

  /** Replaces the hash at `index` (below size). */
  set(index: number, value: number): void {
    if (this.later !== undefined) {
      if (value < 0) return;
      this.becomeValues();
    }
    this.values!.set(index, value);
  }

  push(value: number): void {
    if (this.later !== undefined) {
      if (value < 0) {
        this.later++;
        return;
      }
      this.becomeValues();
    }
    this.values!.push(value);
  }

  /** Appends source[row] for each row in `rows`. */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    if (this.later !== undefined) {
      const count = rows ? rows.length : source.length;
      if (allNegative(source, rows, count)) {
        this.later += count;
        return;
      }
      this.becomeValues();
    }
    this.values!.appendRows(source, rows);
  }

  /** Takes `array` as the column's content (an empty column only): no copy, and not kept at all when every hash is negative. */
  adopt(array: Float64Array): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    if (allNegative(array, undefined, array.length)) {
      this.later = array.length;
      return;
    }
    this.later = undefined;
    this.values = new Float64Column();
    this.values.adopt(array);
  }

  /** Takes `count` negative hashes as the column's content (an empty column only): what adopting an array of them does, without the array. */
  adoptLater(count: number): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    this.later = count;
    this.values = undefined;
  }

  reserve(capacity: number): void {
    this.reserved = Math.max(this.reserved, capacity);
    this.values?.reserve(capacity);
  }

  trim(): void {
    this.values?.trim();
  }

  truncate(length: number): void {
    if (this.later !== undefined) this.later = Math.min(this.later, length);
    else this.values!.truncate(length);
  }

  get byteLength(): number {
    return this.values ? this.values.byteLength : 0;
  }

  private becomeValues(): void {
    const values = new Float64Column();
    values.reserve(Math.max(this.reserved, this.later!));
    for (let i = 0; i < this.later!; i++) values.push(HASH_LATER);
    this.values = values;
    this.later = undefined;
  }
}

function allNegative(source: ArrayLike<number>, rows: Int32Array | undefined, count: number): boolean {
  for (let i = 0; i < count; i++) if (!(source[rows ? rows[i] : i] < 0)) return false;
  return true;
}

export class Uint32Column extends NumberColumn<Uint32Array> {
  constructor() {
    super((length) => new Uint32Array(length));
  }

  get array(): Uint32Array {
    return this.data;
  }
}

/**
 * Small whole numbers that come in runs: the file of each event, since a file's events are
 * appended together. Each run is its first index and its value (eight bytes a run instead of
 * up to four an event), found by binary search from the run of the last lookup. Correct for
 * any order; when the runs are too short to pay (values interleaved), it becomes a plain
 * CodeColumn for good. An adopted array (a batch from the cache, a view of the file's bytes,
 * resident anyway) is kept as it is.
 */
/** RunColumn judges whether runs pay only from this many values on. */
const DENSE_AFTER_EVENTS = 1 << 16;

export class RunColumn {
  private starts = new Uint32Array(64);
  private values = new Int32Array(64);
  private runs = 0;
  private length = 0;
  /** The run the last get() found. */
  private cursor = 0;
  /** The largest value pushed: the width a CodeColumn would need. */
  private largest = 0;
  private dense: CodeColumn | undefined;

  get size(): number {
    return this.dense ? this.dense.size : this.length;
  }

  /** The number of runs (0 once it has become a plain column). */
  get runCount(): number {
    return this.dense ? 0 : this.runs;
  }

  get(index: number): number {
    if (this.dense) return this.dense.get(index);
    const starts = this.starts;
    let r = this.cursor;
    if (r < this.runs && starts[r] <= index) {
      if (r + 1 === this.runs || index < starts[r + 1]) return this.values[r];
      if (r + 2 === this.runs || index < starts[r + 2]) {
        this.cursor = r + 1;
        return this.values[r + 1];
      }
    }
    r = this.runOf(index);
    this.cursor = r;
    return this.values[r];
  }

  push(value: number): void {
    if (this.dense) {
      this.dense.push(value);
      return;
    }
    if (this.runs === 0 || this.values[this.runs - 1] !== value) {
      if (this.runs === this.starts.length) {
        // From 64 (a trimmed empty column has no room at all).
        const capacity = Math.max(64, this.runs * 2);
        const starts = new Uint32Array(capacity);
        starts.set(this.starts);
        this.starts = starts;
        const values = new Int32Array(capacity);
        values.set(this.values);
        this.values = values;
      }
      this.starts[this.runs] = this.length;
      this.values[this.runs++] = value;
      if (value > this.largest) this.largest = value;
      this.length++;
      // Judged on enough events: the first files of a trail can be a quiet region's, an event
      // or two each, and a trail of 3,000,000 events in 79,000 files was made dense by them.
      if (this.length >= DENSE_AFTER_EVENTS && this.runs * 8 > this.length * widthOf(this.largest)) this.becomeDense();
      return;
    }
    this.length++;
  }

  /** Appends source[row] for each row in `rows` (or all of `source`). */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    const count = rows ? rows.length : source.length;
    for (let i = 0; i < count; i++) this.push(source[rows ? rows[i] : i]);
  }

  /**
   * Replaces the value at `index` (below size): its run is split in up to three. Rare (a
   * re-delivered record found earlier in place order), so the runs are copied.
   */
  set(index: number, value: number): void {
    if (this.dense) {
      this.dense.set(index, value);
      return;
    }
    const r = this.runOf(index);
    const old = this.values[r];
    if (old === value) return;
    const start = this.starts[r];
    const end = r + 1 < this.runs ? this.starts[r + 1] : this.length;
    const pieces: [start: number, value: number][] = [];
    if (index > start) pieces.push([start, old]);
    pieces.push([index, value]);
    if (index + 1 < end) pieces.push([index + 1, old]);
    const runs = this.runs - 1 + pieces.length;
    const starts = new Uint32Array(Math.max(runs, this.starts.length));
    const values = new Int32Array(starts.length);
    starts.set(this.starts.subarray(0, r));
    values.set(this.values.subarray(0, r));
    pieces.forEach(([pieceStart, pieceValue], k) => {
      starts[r + k] = pieceStart;
      values[r + k] = pieceValue;
    });
    starts.set(this.starts.subarray(r + 1, this.runs), r + pieces.length);
    values.set(this.values.subarray(r + 1, this.runs), r + pieces.length);
    this.starts = starts;
    this.values = values;
    this.runs = runs;
    this.cursor = 0;
    if (value > this.largest) this.largest = value;
  }

  /** The last run whose start is at or before `index`. */
  private runOf(index: number): number {
    let lo = 0;
    let hi = this.runs - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Takes `array` as the column's content, without copying it (an empty column only; see CodeColumn.adopt). */
  adopt(array: CodeArray): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    const dense = new CodeColumn();
    dense.adopt(array);
    this.dense = dense;
  }

  reserve(capacity: number): void {
    this.dense?.reserve(capacity);
  }

  trim(): void {
    if (this.dense) this.dense.trim();
    else if (this.starts.length > this.runs) {
      // Runs are few next to events: copying them costs little.
      this.starts = this.starts.slice(0, this.runs);
      this.values = this.values.slice(0, this.runs);
    }
  }

  truncate(length: number): void {
    if (this.dense) {
      this.dense.truncate(length);
      return;
    }
    if (length >= this.length) return;
    this.length = Math.max(0, length);
    while (this.runs > 0 && this.starts[this.runs - 1] >= this.length) this.runs--;
    this.cursor = 0;
  }

  get byteLength(): number {
    return this.dense ? this.dense.byteLength : this.starts.byteLength + this.values.byteLength;
  }

  private becomeDense(): void {
    const dense = new CodeColumn();
    dense.reserve(this.length);
    for (let r = 0; r < this.runs; r++) {
      const end = r + 1 < this.runs ? this.starts[r + 1] : this.length;
      for (let i = this.starts[r]; i < end; i++) dense.push(this.values[r]);
    }
    this.dense = dense;
    this.starts = new Uint32Array(0);
    this.values = new Int32Array(0);
    this.runs = 0;
  }
}

/** Bytes a CodeColumn needs an entry for `value`. */
function widthOf(value: number): number {
  return value <= 0xff ? 1 : value <= 0xffff ? 2 : 4;
}

/** Entries per block of a BlockDeltaColumn. */
const BLOCK_SHIFT = 6;

/**
 * Whole numbers that grow slowly (where each event's resources start): per block of 64
 * entries, the first one as a double, and each entry as its difference from it at a
 * CodeColumn's width (one byte while events have few resources). An entry below its block's
 * first, or not a whole number, turns it into plain doubles for good. An adopted array (a view
 * of the cache file's bytes) is kept as it is.
 */
export class BlockDeltaColumn {
  private bases = new Float64Array(16);
  private readonly deltas = new CodeColumn();
  private dense: Float64Column | Uint32Column | undefined;

  get size(): number {
    return this.dense ? this.dense.size : this.deltas.size;
  }

  get(index: number): number {
    if (this.dense) return this.dense.get(index);
    return this.bases[index >> BLOCK_SHIFT] + this.deltas.get(index);
  }

  push(value: number): void {
    if (this.dense) {
      this.dense.push(value);
      return;
    }
    const index = this.deltas.size;
    const block = index >> BLOCK_SHIFT;
    if ((index & ((1 << BLOCK_SHIFT) - 1)) === 0) {
      if (block === this.bases.length) {
        const bases = new Float64Array(Math.max(16, block * 2));
        bases.set(this.bases);
        this.bases = bases;
      }
      this.bases[block] = value;
    }
    const delta = value - this.bases[block];
    if (!(Number.isInteger(delta) && delta >= 0 && delta <= 0x7fffffff)) {
      this.becomeDense();
      this.dense!.push(value);
      return;
    }
    this.deltas.push(delta);
  }

  /** Takes `array` as the column's content, without copying it (an empty column only; see CodeColumn.adopt). */
  adopt(array: Uint32Array): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
    const dense = new Uint32Column();
    dense.adopt(array);
    this.dense = dense;
  }

  reserve(capacity: number): void {
    if (this.dense) {
      this.dense.reserve(capacity);
      return;
    }
    this.deltas.reserve(capacity);
    const blocks = (capacity >> BLOCK_SHIFT) + 1;
    if (blocks > this.bases.length) {
      const bases = new Float64Array(blocks);
      bases.set(this.bases);
      this.bases = bases;
    }
  }

  trim(): void {
    if (this.dense) {
      this.dense.trim();
      return;
    }
    this.deltas.trim();
    const blocks = (this.deltas.size >> BLOCK_SHIFT) + 1;
    if (this.bases.length > worthTrimming(blocks)) this.bases = this.bases.slice(0, blocks);
  }

  truncate(length: number): void {
    if (this.dense) this.dense.truncate(length);
    else this.deltas.truncate(length);
  }

  get byteLength(): number {
    return this.dense ? this.dense.byteLength : this.bases.byteLength + this.deltas.byteLength;
  }

  private becomeDense(): void {
    const dense = new Float64Column();
    const size = this.deltas.size;
    dense.reserve(size);
    for (let i = 0; i < size; i++) dense.push(this.get(i));
    this.dense = dense;
    this.bases = new Float64Array(0);
    this.deltas.truncate(0);
    this.deltas.trim();
  }
}

export const ID_ABSENT = 0;
export const ID_UUID = 1;
export const ID_UUID_UPPER = 2;
export const ID_TEXT = 3;

/**
 * Per UTF-16 code unit: the hex digit's value in the low four bits, HEX_LOWER or HEX_UPPER
 * for a letter, HEX_INVALID for anything else. OR-ing the entries of a run of characters
 * tells at once whether all were hex digits and which letter cases occurred.
 */
const HEX_LOWER = 0x10;
const HEX_UPPER = 0x20;
const HEX_INVALID = 0xc0;
const HEX_TABLE = (() => {
  const table = new Uint8Array(0x10000).fill(HEX_INVALID);
  for (let c = 48; c <= 57; c++) table[c] = c - 48;
  for (let c = 97; c <= 102; c++) table[c] = (c - 87) | HEX_LOWER;
  for (let c = 65; c <= 70; c++) table[c] = (c - 55) | HEX_UPPER;
  return table;
})();

/** Flags of the last hexWord call (HEX_* bits OR-ed over its characters). */
let hexFlags = 0;

/** The value of `count` hex digits at text[at...]; check hexFlags for HEX_INVALID. */
function hexWord(text: string, at: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const entry = HEX_TABLE[text.charCodeAt(at + k)];
    hexFlags |= entry;
    value = (value << 4) | (entry & 0xf);
  }
  return value;
}

/** After the four hexWord calls of a UUID: stores the words when all was hex in one case, and says which. */
function storePacked(words: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  const flags = hexFlags;
  if (flags & HEX_INVALID || (flags & (HEX_LOWER | HEX_UPPER)) === (HEX_LOWER | HEX_UPPER)) return ID_TEXT;
  words[at] = w0;
  words[at + 1] = w1;
  words[at + 2] = w2;
  words[at + 3] = w3;
  return flags & HEX_UPPER ? ID_UUID_UPPER : ID_UUID;
}

/**
 * Packs a UUID's 128 bits into four words and says how to print it back: ID_UUID (lower
 * case), ID_UUID_UPPER, or ID_TEXT when the text is not a UUID in one case (nothing packed).
 */
export function packId(text: string, words: Uint32Array, at: number): number {
  if (
    text.length !== 36 ||
    text.charCodeAt(8) !== 45 ||
    text.charCodeAt(13) !== 45 ||
    text.charCodeAt(18) !== 45 ||
    text.charCodeAt(23) !== 45
  ) {
    return ID_TEXT;
  }
  hexFlags = 0;
  const w0 = hexWord(text, 0, 8);
  const w1 = (hexWord(text, 9, 4) << 16) | hexWord(text, 14, 4);
  const w2 = (hexWord(text, 19, 4) << 16) | hexWord(text, 24, 4);
  const w3 = hexWord(text, 28, 8);
  return storePacked(words, at, w0, w1, w2, w3);
}

/** HEX_TABLE for a byte: 256 entries, where the trail scanner's id bytes are looked up. */
const HEX_BYTES = HEX_TABLE.slice(0, 0x100);

/**
 * packId for the UTF-8 bytes [start, end) of a JSON string without escapes: the same answer as
 * for the decoded text. Run for two ids of every record the trail scanner reads, so written
 * out: the words and flags in locals, each group of digits one loop over HEX_BYTES.
 */
export function packIdBytes(bytes: Uint8Array, start: number, end: number, words: Uint32Array, at: number): number {
  // 36 bytes that are not all ASCII decode to fewer than 36 characters: never a UUID either way.
  if (
    end - start !== 36 ||
    bytes[start + 8] !== 45 ||
    bytes[start + 13] !== 45 ||
    bytes[start + 18] !== 45 ||
    bytes[start + 23] !== 45
  ) {
    return ID_TEXT;
  }
  let flags = 0;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let entry: number;
  for (let k = start; k < start + 8; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w0 = (w0 << 4) | (entry & 0xf);
  }
  for (let k = start + 9; k < start + 13; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w1 = (w1 << 4) | (entry & 0xf);
  }
  for (let k = start + 14; k < start + 18; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w1 = (w1 << 4) | (entry & 0xf);
  }
  for (let k = start + 19; k < start + 23; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w2 = (w2 << 4) | (entry & 0xf);
  }
  for (let k = start + 24; k < start + 28; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w2 = (w2 << 4) | (entry & 0xf);
  }
  for (let k = start + 28; k < start + 36; k++) {
    entry = HEX_BYTES[bytes[k]];
    flags |= entry;
    w3 = (w3 << 4) | (entry & 0xf);
  }
  if (flags & HEX_INVALID || (flags & (HEX_LOWER | HEX_UPPER)) === (HEX_LOWER | HEX_UPPER)) return ID_TEXT;
  words[at] = w0;
  words[at + 1] = w1;
  words[at + 2] = w2;
  words[at + 3] = w3;
  return flags & HEX_UPPER ? ID_UUID_UPPER : ID_UUID;
}

/** Writes a UUID's 128 bits into four words; false when the text is not a UUID. */
function packUuid(text: string, words: Uint32Array, at: number): boolean {
  return packId(text.toLowerCase(), words, at) === ID_UUID;
}

/** Identifiers packed in a batch: four words per event where the id is a UUID. */
export interface PackedIds {
  words: Uint32Array;
  kinds: Uint8Array;
  /** Identifiers that are not UUIDs, by event index within the batch. */
  texts: [number, string][];
}

/** Scratch words for UniqueIdColumn.holds. */
const ID_PROBE = new Uint32Array(4);

function unpackUuid(words: Uint32Array, at: number, upper: boolean): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += words[at + i].toString(16).padStart(8, '0');
  const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return upper ? text.toUpperCase() : text;
}

/**
 * A column of mostly-unique identifiers (eventID, requestID). UUIDs are packed into 16
 * bytes; anything else is kept as text in a side map. Interning a million unique strings
 * would cost several times more.
 */
export class UniqueIdColumn {
  private words: Uint32Array = new Uint32Array(4096);
  /**
   * Each entry's kind (ID_ABSENT, ID_UUID, ...), once two kinds are held; until then undefined,
   * and every entry is of kind `uniform` (-1 while there is none): a trail whose eventIDs are
   * all lower-case UUIDs needs no byte an event to say so.
   */
  private kinds: Uint8Array | undefined;
  private uniform = -1;
  private readonly texts = new Map<number, string>();
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** Entries there is room for (in both arrays: an adopted batch's may differ in length). */
  private get capacity(): number {
    return Math.min(this.words.length >> 2, this.kinds ? this.kinds.length : Infinity);
  }

  reserve(capacity: number): void {
    this.ensure(capacity - this.length, true);
  }

  private ensure(extra: number, exact = false): void {
    const needed = this.length + extra;
    if (needed <= this.capacity) return;
    let capacity = exact ? needed : this.capacity * 2;
    while (capacity < needed) capacity *= 2;
    if (this.kinds) {
      const kinds = new Uint8Array(capacity);
      kinds.set(this.kinds.subarray(0, this.length));
      this.kinds = kinds;
    }
    // Grown from what it holds (an adopted batch's words may be longer than its entries).
    const words = new Uint32Array(capacity * 4);
    words.set(this.words.subarray(0, this.length * 4));
    this.words = words;
  }

  private kindAt(index: number): number {
    return this.kinds ? this.kinds[index] : index < this.length ? this.uniform : ID_ABSENT;
  }

  /** Sets entry `index`'s kind: no array while every entry has one kind. */
  private setKind(index: number, kind: number): void {
    if (this.kinds) this.kinds[index] = kind;
    else if (this.uniform === kind || this.uniform === -1) this.uniform = kind;
    else this.kindsOfEach()[index] = kind;
  }

  /** The array of each entry's kind, made from `uniform` the first time a second kind comes. */
  private kindsOfEach(): Uint8Array {
    if (!this.kinds) {
      this.kinds = new Uint8Array(this.capacity);
      if (this.uniform >= 0) this.kinds.fill(this.uniform, 0, this.length);
    }
    return this.kinds;
  }

  push(value: string | undefined): void {
    this.ensure(1);
    const index = this.length++;
    if (value === undefined) {
      this.setKind(index, ID_ABSENT);
      return;
    }
    const kind = packId(value, this.words, index * 4);
    this.setKind(index, kind);
    if (kind === ID_TEXT) this.texts.set(index, value);
  }

  /**
   * Takes a batch's packed identifiers as the column's content, without copying them (an empty
   * column only; see CodeColumn.adopt). `kind`: the one kind of all of them, when known (a
   * cache stores it instead of their kinds): their kinds are then not read.
   */
  adopt(ids: PackedIds, count: number, kind?: number): void {
    if (this.length !== 0) throw new Error('only an empty column adopts an array');
    if ((kind === undefined && ids.kinds.length < count) || ids.words.length < count * 4) throw new Error('the identifiers do not cover the batch');
    const first = kind ?? (count > 0 ? ids.kinds[0] : -1);
    let one = true;
    if (kind === undefined) for (let i = 1; i < count && one; i++) one = ids.kinds[i] === first;
    this.kinds = one ? undefined : ids.kinds;
    this.uniform = one ? first : -1;
    this.words = ids.words;
    this.length = count;
    for (const [index, text] of ids.texts) if (index >= 0 && index < count && this.kindAt(index) === ID_TEXT) this.texts.set(index, text);
  }

  /** Appends entry `from` of a batch's packed identifiers. */
  pushPacked(ids: PackedIds, from: number, text: string | undefined): void {
    this.ensure(1);
    const index = this.length++;
    const kind = ids.kinds[from];
    this.setKind(index, kind);
    if (kind === ID_UUID || kind === ID_UUID_UPPER) {
      const at = index * 4;
      const src = from * 4;
      this.words[at] = ids.words[src];
      this.words[at + 1] = ids.words[src + 1];
      this.words[at + 2] = ids.words[src + 2];
      this.words[at + 3] = ids.words[src + 3];
    } else if (kind === ID_TEXT && text !== undefined) {
      this.texts.set(index, text);
    }
  }

  /**
   * Appends entry rows[k] of a batch's packed identifiers for each k; `idOf` maps a batch entry
   * to its place among the rows (-1: not appended), identity when absent.
   */
  appendRows(ids: PackedIds, rows: Int32Array, idOf?: Int32Array): void {
    this.ensure(rows.length);
    const base = this.length;
    const words = this.words;
    for (let r = 0; r < rows.length; r++) {
      const from = rows[r];
      const kind = ids.kinds[from];
      this.length = base + r + 1;
      this.setKind(base + r, kind);
      if (kind === ID_UUID || kind === ID_UUID_UPPER) {
        const at = (base + r) * 4;
        const src = from * 4;
        words[at] = ids.words[src];
        words[at + 1] = ids.words[src + 1];
        words[at + 2] = ids.words[src + 2];
        words[at + 3] = ids.words[src + 3];
      }
    }
    this.length = base + rows.length;
    for (const [from, text] of ids.texts) {
      const to = idOf ? idOf[from] : from;
      if (to !== undefined && to >= 0 && to < rows.length && this.kindAt(base + to) === ID_TEXT) this.texts.set(base + to, text);
    }
  }

  get(index: number): string | undefined {
    switch (this.kindAt(index)) {
      case ID_UUID:
        return unpackUuid(this.words, index * 4, false);
      case ID_UUID_UPPER:
        return unpackUuid(this.words, index * 4, true);
      case ID_TEXT:
        return this.texts.get(index);
      default:
        return undefined;
    }
  }

  isPresent(index: number): boolean {
    return this.kindAt(index) !== ID_ABSENT;
  }

  /** Whether get(index) would be `text` (undefined: absent), without making the identifier's text. */
  holds(index: number, text: string | undefined): boolean {
    const kind = this.kindAt(index);
    if (text === undefined || kind === ID_ABSENT) return text === undefined && kind === ID_ABSENT;
    if (kind === ID_TEXT) return this.texts.get(index) === text;
    const probe = ID_PROBE;
    if (packId(text, probe, 0) !== kind) return false;
    const at = index * 4;
    const words = this.words;
    return words[at] === probe[0] && words[at + 1] === probe[1] && words[at + 2] === probe[2] && words[at + 3] === probe[3];
  }

  /** A cheap 32-bit hash of the identifier, for duplicate detection. */
  hash(index: number): number {
    const kind = this.kindAt(index);
    if (kind === ID_UUID || kind === ID_UUID_UPPER) {
      const at = index * 4;
      return (this.words[at] ^ this.words[at + 1] ^ this.words[at + 2] ^ this.words[at + 3]) >>> 0;
    }
    if (kind === ID_TEXT) return stringHash(this.texts.get(index) ?? '');
    return 0;
  }

  equal(a: number, b: number): boolean {
    const kindA = this.kindAt(a);
    if (kindA !== this.kindAt(b)) return false;
    if (kindA === ID_TEXT) return this.texts.get(a) === this.texts.get(b);
    if (kindA === ID_ABSENT) return true;
    const x = a * 4;
    const y = b * 4;
    return (
      this.words[x] === this.words[y] &&
      this.words[x + 1] === this.words[y + 1] &&
      this.words[x + 2] === this.words[y + 2] &&
      this.words[x + 3] === this.words[y + 3]
    );
  }

  /** Indices whose identifier equals `value` (ignoring case for UUIDs). */
  find(value: string): number[] {
    const out: number[] = [];
    const probe = new Uint32Array(4);
    if (packUuid(value, probe, 0)) {
      const [p0, p1, p2, p3] = probe;
      const words = this.words;
      const kinds = this.kinds;
      const uniformUuid = this.uniform === ID_UUID || this.uniform === ID_UUID_UPPER;
      if (kinds || uniformUuid) {
        for (let i = 0; i < this.length; i++) {
          if (kinds) {
            const kind = kinds[i];
            if (kind !== ID_UUID && kind !== ID_UUID_UPPER) continue;
          }
          const at = i * 4;
          if (words[at] === p0 && words[at + 1] === p1 && words[at + 2] === p2 && words[at + 3] === p3) out.push(i);
        }
      }
      const lower = value.toLowerCase();
      for (const [index, text] of this.texts) if (text.toLowerCase() === lower) out.push(index);
      return out.sort((a, b) => a - b);
    }
    for (const [index, text] of this.texts) if (text === value) out.push(index);
    return out.sort((a, b) => a - b);
  }

  /** Every distinct identifier matching a predicate (used by wildcard queries). */
  matching(predicate: (value: string) => boolean): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const value = this.get(i);
      if (value !== undefined && predicate(value)) out.push(i);
    }
    return out;
  }

  trim(): void {
    if (this.capacity > worthTrimming(this.length)) {
      if (this.kinds) this.kinds = this.kinds.slice(0, this.length);
      this.words = this.words.slice(0, this.length * 4);
    }
  }

  truncate(length: number): void {
    for (let i = length; i < this.length; i++) this.texts.delete(i);
    this.length = Math.min(length, this.length);
    if (this.length === 0 && !this.kinds) this.uniform = -1;
  }

  get byteLength(): number {
    return this.words.byteLength + (this.kinds?.byteLength ?? 0) + this.texts.size * 64;
  }
}

export function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * What the readers saw of each file when they opened it (FileSeen), by file number, for the
 * index's life: its identity (device, inode, ctime, mtime, size) for a re-read to check, and
 * the CRC of its bytes; six numbers a file, NaN when not known.
 */
export class FileSeenColumn {
  private numbers = new Float64Array(SEEN_NUMBERS * 256).fill(NaN);

  get byteLength(): number {
    return this.numbers.byteLength;
  }

  set(file: number, seen: FileSeen): void {
    if ((file + 1) * SEEN_NUMBERS > this.numbers.length) {
      const numbers = new Float64Array(Math.max(file + 1, (this.numbers.length / SEEN_NUMBERS) * 2) * SEEN_NUMBERS).fill(NaN);
      numbers.set(this.numbers);
      this.numbers = numbers;
    }
    const n = this.numbers;
    const at = file * SEEN_NUMBERS;
    n[at] = seen.dev;
    n[at + 1] = seen.ino;
    n[at + 2] = seen.ctimeMs;
    n[at + 3] = seen.mtimeMs;
    n[at + 4] = seen.size;
    n[at + 5] = seen.crc ?? NaN;
  }

  /** The identity the reader saw, or undefined when none was recorded for the file. */
  identity(file: number): Omit<FileSeen, 'crc'> | undefined {
    const at = file * SEEN_NUMBERS;
    if (at + SEEN_NUMBERS > this.numbers.length || Number.isNaN(this.numbers[at + 4])) return undefined;
    const n = this.numbers;
    return { dev: n[at], ino: n[at + 1], ctimeMs: n[at + 2], mtimeMs: n[at + 3], size: n[at + 4] };
  }

  /** The file's CRC, 0 when none, for a hash. */
  crcOf(file: number): number {
    const at = file * SEEN_NUMBERS + 5;
    return at < this.numbers.length && !Number.isNaN(this.numbers[at]) ? this.numbers[at] : 0;
  }

  /** Whether both files have a CRC, the same, and the same size: maybe the same bytes. */
  maybeSameBytes(a: number, b: number): boolean {
    const n = this.numbers;
    const x = a * SEEN_NUMBERS;
    const y = b * SEEN_NUMBERS;
    if (Math.max(x, y) + SEEN_NUMBERS > n.length) return false;
    return !Number.isNaN(n[x + 5]) && n[x + 5] === n[y + 5] && n[x + 4] === n[y + 4];
  }
}

const SEEN_NUMBERS = 6;
