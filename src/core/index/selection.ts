/** Set operations on selections: sorted Int32Arrays of event ids. */

export const EMPTY: Int32Array = new Int32Array(0);

export function range(size: number): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = i;
  return out;
}

export function intersect(a: Int32Array, b: Int32Array): Int32Array {
  if (a.length > b.length) [a, b] = [b, a];
  if (a.length === 0) return EMPTY;
  // Galloping would help for very skewed sizes; a linear merge is ample at our sizes.
  const out = new Int32Array(a.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

export function union(a: Int32Array, b: Int32Array): Int32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) {
      out[n++] = x;
      i++;
    } else {
      out[n++] = y;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out.subarray(0, n);
}

/** Union of many sorted lists, through a bitmap when they are numerous. */
export function unionAll(lists: Int32Array[], size: number): Int32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0];
  if (lists.length <= 4) return lists.reduce(union);
  const bits = new Uint8Array(size);
  for (const list of lists) for (let i = 0; i < list.length; i++) bits[list[i]] = 1;
  return fromBitmap(bits);
}

export function complement(a: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size - a.length);
  let n = 0;
  let j = 0;
  for (let id = 0; id < size; id++) {
    if (j < a.length && a[j] === id) j++;
    else out[n++] = id;
  }
  return out.subarray(0, n);
}

function fromBitmap(bits: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < bits.length; i++) count += bits[i];
  const out = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[n++] = i;
  return out;
}

export function fromUnsorted(ids: Iterable<number>): Int32Array {
  const out = Int32Array.from(new Set(ids));
  out.sort();
  return out;
}
