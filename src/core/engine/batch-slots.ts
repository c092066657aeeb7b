/**
 * A few shared buffers through which a parse worker hands its batches' arrays to the main
 * thread.
 *
 * A posted batch arrives as a fresh copy of every array, dead once the index has merged it.
 * V8 frees such copies only when a GC finds them, and the main thread allocates so little on
 * its JS heap during a load that scores of them pile up first; the C allocator then keeps
 * that high-water mark resident after the load (about 17 MB at 300,000 events). Through
 * fixed shared slots nothing is allocated per batch on the main thread. A worker that finds
 * its next slot still in use waits for the main thread to release it, which also bounds how
 * far ahead of the index it runs.
 */
import { BatchArray, EventBatch, mapBatchArrays } from '../index/batch';

const FREE = 0;
const BUSY = 1;
/** The slot states sit at the start of the buffer, before the first slot. */
const HEADER_BYTES = 64;

/** What a worker and the pool share: `count` slots of `bytes` bytes each. */
export interface BatchSlots {
  buffer: SharedArrayBuffer;
  count: number;
  bytes: number;
}

export function newBatchSlots(count: number, bytes: number): BatchSlots {
  if (count * 4 > HEADER_BYTES || bytes % 8 !== 0) throw new Error(`bad slot layout: ${count} × ${bytes} bytes`);
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + count * bytes), count, bytes };
}

type ArrayKind = 'u8' | 'u16' | 'i32' | 'u32' | 'f64';

interface PlacedArray {
  kind: ArrayKind;
  /** Byte offset in the shared buffer. */
  at: number;
  length: number;
}

/** A batch whose arrays wait in a slot; the batch itself holds empty arrays in their place. */
export interface PlacedBatch {
  hollow: EventBatch;
  slot: number;
  arrays: PlacedArray[];
}

function kindOf(array: BatchArray): ArrayKind {
  if (array instanceof Uint8Array) return 'u8';
  if (array instanceof Uint16Array) return 'u16';
  if (array instanceof Int32Array) return 'i32';
  if (array instanceof Uint32Array) return 'u32';
  return 'f64';
}

function view(buffer: SharedArrayBuffer, { kind, at, length }: PlacedArray): BatchArray {
  switch (kind) {
    case 'u8':
      return new Uint8Array(buffer, at, length);
    case 'u16':
      return new Uint16Array(buffer, at, length);
    case 'i32':
      return new Int32Array(buffer, at, length);
    case 'u32':
      return new Uint32Array(buffer, at, length);
    case 'f64':
      return new Float64Array(buffer, at, length);
  }
}

function emptyLike<A extends BatchArray>(array: A): A {
  return new (array.constructor as new (length: number) => A)(0);
}

const aligned = (bytes: number) => (bytes + 7) & ~7;

/** Worker side: fills the slots in turn. */
export class SlotWriter {
  private readonly states: Int32Array;
  private next = 0;

  constructor(private readonly slots: BatchSlots) {
    this.states = new Int32Array(slots.buffer, 0, slots.count);
  }

  /**
   * Copies the batch's arrays into the next slot, waiting until the main thread has released
   * it; undefined (nothing copied) when they do not fit in one slot.
   */
  place(batch: EventBatch): PlacedBatch | undefined {
    const sources: BatchArray[] = [];
    const hollow = mapBatchArrays(batch, (array) => {
      sources.push(array);
      // Not a zero-length view: posting a view copies its whole underlying buffer.
      return emptyLike(array);
    });
    const bytes = sources.reduce((sum, array) => sum + aligned(array.byteLength), 0);
    if (bytes > this.slots.bytes) return undefined;
    const slot = this.next;
    this.next = (slot + 1) % this.slots.count;
    // The timeout only makes the wait re-check; release() wakes it.
    while (Atomics.load(this.states, slot) !== FREE) Atomics.wait(this.states, slot, BUSY, 1000);
    const target = new Uint8Array(this.slots.buffer);
    let at = HEADER_BYTES + slot * this.slots.bytes;
    const arrays: PlacedArray[] = [];
    for (const array of sources) {
      target.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
      arrays.push({ kind: kindOf(array), at, length: array.length });
      at += aligned(array.byteLength);
    }
    Atomics.store(this.states, slot, BUSY);
    return { hollow, slot, arrays };
  }
}

/** Main side: gives a placed batch its arrays back, as views valid until release(). */
export class SlotReader {
  private readonly states: Int32Array;

  constructor(private readonly slots: BatchSlots) {
    this.states = new Int32Array(slots.buffer, 0, slots.count);
  }

  read(placed: PlacedBatch): EventBatch {
    let next = 0;
    return mapBatchArrays(placed.hollow, <A extends BatchArray>(_empty: A) => view(this.slots.buffer, placed.arrays[next++]) as A);
  }

  release(slot: number): void {
    Atomics.store(this.states, slot, FREE);
    Atomics.notify(this.states, slot);
  }
}
