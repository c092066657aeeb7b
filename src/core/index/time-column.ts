/**
 * The index's event times (epoch milliseconds, NaN for none) in four bytes an event while they
 * allow it. CloudTrail gives eventTime to the second (`2026-03-04T12:34:56Z`), so nearly every
 * index holds only whole seconds from 1970 on: kept as seconds since 1970 plus one in a
 * Uint32Array (0: no time), which holds them to 2106-02-07T06:28:14Z. The first time that is
 * not such a second (milliseconds, before 1970 or after 2106, ±Infinity, -0) turns the column
 * into doubles once, for good. Either way get() answers exactly the number that went in
 * (Object.is), so the index's record checks compare as they did.
 */

/** The largest stored value: seconds since 1970 plus one, in a Uint32Array. */
const MAX_STORED = 0xffffffff;

/** Entries a new column has room for. */
const FIRST_CAPACITY = 1024;

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
  private seconds: Uint32Array | undefined = new Uint32Array(FIRST_CAPACITY);
  /** Once a time came that has no compact form: each time as it is. */
  private millis: Float64Array | undefined;
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** Whether the times are held as seconds (four bytes each). */
  get compact(): boolean {
    return this.seconds !== undefined;
  }

  get(index: number): number {
    const seconds = this.seconds;
    if (seconds !== undefined) {
      const stored = seconds[index];
      return stored === 0 ? NaN : (stored - 1) * 1000;
    }
    return this.millis![index];
  }

  /** The stored seconds of the events held (a view), while compact: what a cache stores. */
  storedSeconds(): Uint32Array | undefined {
    return this.seconds?.subarray(0, this.length);
  }

  push(time: number): void {
    if (this.length === this.capacity) this.grow(Math.max(FIRST_CAPACITY, this.capacity * 2));
    const seconds = this.seconds;
    if (seconds !== undefined) {
      const stored = storedSecond(time);
      if (stored >= 0) {
        seconds[this.length++] = stored;
        return;
      }
      this.toMillis();
    }
    this.millis![this.length++] = time;
  }

  /** Appends source[row] for each row in `rows` (or all of `source`), as push() of each would. */
  appendRows(source: ArrayLike<number>, rows: Int32Array | undefined): void {
    const count = rows ? rows.length : source.length;
    this.room(count);
    let i = 0;
    let n = this.length;
    const seconds = this.seconds;
    if (seconds !== undefined) {
      for (; i < count; i++) {
        const stored = storedSecond(source[rows ? rows[i] : i]);
        if (stored < 0) break;
        seconds[n++] = stored;
      }
      this.length = n;
      if (i === count) return;
      this.toMillis();
    }
    const millis = this.millis!;
    for (; i < count; i++) millis[n++] = source[rows ? rows[i] : i];
    this.length = n;
  }

  /** Appends stored[row] (compact forms, as storedSeconds gives) for each row in `rows`. */
  appendStoredRows(stored: Uint32Array, rows: Int32Array): void {
    this.room(rows.length);
    let n = this.length;
    const seconds = this.seconds;
    if (seconds !== undefined) for (let i = 0; i < rows.length; i++) seconds[n++] = stored[rows[i]];
    else {
      const millis = this.millis!;
      for (let i = 0; i < rows.length; i++) millis[n++] = timeOfStored(stored[rows[i]]);
    }
    this.length = n;
  }

  /**
   * Takes `times` as the column's content (an empty column only): in their compact form when
   * every one has one (one pass, a new array), else the array itself, not copied.
   */
  adopt(times: Float64Array): void {
    if (this.length !== 0) throw new Error('only an empty column adopts an array');
    const compact = compactTimes(times, times.length);
    if (compact) this.seconds = compact;
    else {
      this.seconds = undefined;
      this.millis = times;
    }
    this.length = times.length;
  }

  /**
   * Takes `stored` (compact forms, as storedSeconds gives: a cache stores them so) as the
   * column's content without copying or reading it (an empty column only).
   */
  adoptStored(stored: Uint32Array): void {
    if (this.length !== 0) throw new Error('only an empty column adopts an array');
    this.seconds = stored;
    this.millis = undefined;
    this.length = stored.length;
  }

  /** Makes room for `capacity` entries in one step, so a large load does not regrow. */
  reserve(capacity: number): void {
    if (capacity > this.capacity) this.grow(capacity);
  }

  /** Drops spare capacity once loading is over, when it is worth a copy. */
  trim(): void {
    if (this.capacity > Math.max(this.length + 4096, Math.floor(this.length * 1.25))) {
      if (this.seconds) this.seconds = this.seconds.slice(0, this.length);
      else this.millis = this.millis!.slice(0, this.length);
    }
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.seconds ? this.seconds.byteLength : this.millis!.byteLength;
  }

  private get capacity(): number {
    return this.seconds ? this.seconds.length : this.millis!.length;
  }

  private room(extra: number): void {
    if (this.length + extra > this.capacity) {
      let capacity = Math.max(FIRST_CAPACITY, this.capacity * 2);
      while (capacity < this.length + extra) capacity *= 2;
      this.grow(capacity);
    }
  }

  private grow(capacity: number): void {
    if (this.seconds) {
      const next = new Uint32Array(capacity);
      next.set(this.seconds.subarray(0, this.length));
      this.seconds = next;
    } else {
      const next = new Float64Array(capacity);
      next.set(this.millis!.subarray(0, this.length));
      this.millis = next;
    }
  }

  /** Turns the column into doubles (once: a time came that has no compact form), room kept. */
  private toMillis(): void {
    const seconds = this.seconds!;
    const millis = new Float64Array(seconds.length);
    for (let i = 0; i < this.length; i++) millis[i] = timeOfStored(seconds[i]);
    this.millis = millis;
    this.seconds = undefined;
  }
}
