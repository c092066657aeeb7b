/**
 * The index's event times (epoch milliseconds, NaN for none) in four bytes an event while they
 * allow it. CloudTrail gives eventTime to the second (`2026-03-04T12:34:56Z`), so nearly every
 * index holds only whole seconds from 1970 on: kept as seconds since 1970 plus one in a
 * Uint32Array (0: no time), which holds them to 2106-02-07T06:28:14Z. The first time that is
 * not such a second (milliseconds, before 1970 or after 2106, ±Infinity, -0) turns the column
 * into doubles once, for good. Either way get() answers exactly the number that went in
 * (Object.is), so the index's record checks compare as they did.
 */

import { Float64Column, Uint32Column } from './columns';

/** The largest stored value: seconds since 1970 plus one, in a Uint32Array. */
const MAX_STORED = 0xffffffff;

/**
 * The compact form of `time`: whole seconds since 1970 plus one, 0 for NaN; -1 when it has
 * none (not a whole second, out of range, -0, ±Infinity), and the column must hold doubles.
 */
export function storedSecond(time: number): number {
  if (time !== time) return 0;
  const seconds = time / 1000;
  // seconds * 1000 === time: no division rounded to a whole number; 1 / time: 0, not -0.
  if (seconds >= 0 && seconds < MAX_STORED && Math.floor(seconds) === seconds && seconds * 1000 === time && (time !== 0 || 1 / time > 0)) return seconds + 1;
  return -1;
}

/** The time a stored second stands for (0: none, NaN). */
export function timeOfStored(stored: number): number {
  return stored === 0 ? NaN : (stored - 1) * 1000;
}

/**
 * The compact form of `times[0..count)` (storedSecond of each) when every one has one;
 * undefined otherwise.
 */
export function compactTimes(times: ArrayLike<number>, count: number): Uint32Array | undefined {
  if (times.length < count) return undefined;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const stored = storedSecond(times[i]);
    if (stored < 0) return undefined;
    out[i] = stored;
  }
  return out;
}

/** What the index's readers see of its times: one class behind it, so their loops stay monomorphic. */
export interface TimeReader {
  readonly size: number;
  /** Event `id`'s time in epoch milliseconds, NaN when it has none. */
  get(id: number): number;
}

export class TimeColumn implements TimeReader {
  /** While compact: each time as whole seconds since 1970 plus one, 0 for none. */
  private seconds: Uint32Column | undefined = new Uint32Column();
  /** Once a time came that has no compact form: each time as it is. */
  private millis: Float64Column | undefined;

  get size(): number {
    return this.column.size;
  }

  /** Whether the times are held as seconds (four bytes each). */
  get compact(): boolean {
    return this.seconds !== undefined;
  }

  get(index: number): number {
    const seconds = this.seconds;
    return seconds !== undefined ? timeOfStored(seconds.get(index)) : this.millis!.get(index);
  }

  /** The stored seconds of the events held (a view), while compact: what a cache stores. */
  storedSeconds(): Uint32Array | undefined {
    return this.seconds?.array.subarray(0, this.seconds.size);
  }

  push(time: number): void {
    const seconds = this.seconds;
    if (seconds !== undefined) {
      const stored = storedSecond(time);
      if (stored >= 0) {
        seconds.push(stored);
        return;
      }
      this.toMillis();
    }
    this.millis!.push(time);
  }

  /** Appends source[row] for each row in `rows` (or all of `source`), as push() of each would. */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    const count = rows ? rows.length : source.length;
    let i = 0;
    const seconds = this.seconds;
    if (seconds !== undefined) {
      seconds.reserve(seconds.size + count);
      for (; i < count; i++) {
        const stored = storedSecond(source[rows ? rows[i] : i]);
        if (stored < 0) break;
        seconds.push(stored);
      }
      if (i === count) return;
      this.toMillis();
    }
    const millis = this.millis!;
    millis.reserve(millis.size + count - i);
    for (; i < count; i++) millis.push(source[rows ? rows[i] : i]);
  }

  /** Appends stored[row] (compact forms, as storedSeconds gives) for each row in `rows`. */
  appendStoredRows(stored: Uint32Array, rows: Int32Array): void {
    if (this.seconds !== undefined) {
      this.seconds.appendRows(stored, rows);
      return;
    }
    const millis = this.millis!;
    millis.reserve(millis.size + rows.length);
    for (let i = 0; i < rows.length; i++) millis.push(timeOfStored(stored[rows[i]]));
  }

  /**
   * Takes `times` as the column's content (an empty column only): in their compact form when
   * every one has one (one pass, a new array), else the array itself, not copied.
   */
  adopt(times: Float64Array): void {
    this.mustBeEmpty();
    const compact = compactTimes(times, times.length);
    if (compact) this.adoptStored(compact);
    else {
      this.seconds = undefined;
      this.millis = new Float64Column();
      this.millis.adopt(times);
    }
  }

  /**
   * Takes `stored` (compact forms, as storedSeconds gives: a cache stores them so) as the
   * column's content without copying or reading it (an empty column only).
   */
  adoptStored(stored: Uint32Array): void {
    this.mustBeEmpty();
    this.millis = undefined;
    this.seconds = new Uint32Column();
    this.seconds.adopt(stored);
  }

  /** Makes room for `capacity` entries in one step, so a large load does not regrow. */
  reserve(capacity: number): void {
    this.column.reserve(capacity);
  }

  /** Drops spare capacity once loading is over, when it is worth a copy. */
  trim(): void {
    this.column.trim();
  }

  truncate(length: number): void {
    this.column.truncate(length);
  }

  get byteLength(): number {
    return this.column.byteLength;
  }

  private get column(): Uint32Column | Float64Column {
    return this.seconds ?? this.millis!;
  }

  private mustBeEmpty(): void {
    if (this.size !== 0) throw new Error('only an empty column adopts an array');
  }

  /** Turns the column into doubles (once: a time came that has no compact form), room kept. */
  private toMillis(): void {
    const seconds = this.seconds!;
    const millis = new Float64Column();
    millis.reserve(seconds.array.length);
    for (let i = 0; i < seconds.size; i++) millis.push(timeOfStored(seconds.get(i)));
    this.millis = millis;
    this.seconds = undefined;
  }
}
