/**
 * Sort orders for the Events table, over the index's columns (no raw events read, no vscode).
 *
 * An order is every event id of the index sorted by one column; it is computed once per
 * (index version, column, direction) and cached, and a filtered selection takes its rows from
 * it in one pass over a membership bitmap. Dictionary columns sort by a counting sort on each
 * value's rank among the distinct values, so a million events sort in tens of milliseconds
 * whatever the column; the time column reuses the timeline's radix sort.
 *
 * The order, defined once so a naive comparison sort can check it (test/unit/table):
 *   ascending:  by the column's value as shown (code-unit order; times numerically), then by time
 *               (events without a time last), then by id; events without the value last;
 *   descending: the exact reverse of ascending, except that events without the value stay last.
 */
import type { Selection } from '../engine/api';
import type { EventIndex } from '../index/event-index';
import { compareText } from '../model/text-order';
import { codeArray, timeOrder } from '../timeline/derived';
import { ColumnId, SortDirection, UNSORTABLE_COLUMNS } from '../../shared/table-protocol';

/** How a column's value reads in the table, when it reads otherwise than the value (a principal's display name). */
export type DisplayText = (column: ColumnId, value: string) => string | undefined;

/**
 * Each event's sort key for a column: 0 when the event lacks the value, else the value's rank
 * (1-based) among the column's distinct values in ascending order. Resources sort by an
 * event's first resource, the one the table shows.
 */
export function rankArray(index: EventIndex, column: Exclude<ColumnId, 'time'>, display?: DisplayText): { keys: Int32Array; ranks: number } {
  if (UNSORTABLE_COLUMNS.has(column)) throw new RangeError(`the ${column} column is not sortable`);
  const values = index.dictionary(column);
  // Ranked by what the table shows (a principal's display name), so the order reads sorted.
  const shown = values.map((value, code) => (code === 0 ? '' : (display?.(column, value) ?? value)));
  const byValue = Array.from({ length: values.length - 1 }, (_, i) => i + 1).sort((a, b) => compareText(shown[a], shown[b]));
  const rankOfCode = new Int32Array(values.length);
  let rank = 0;
  for (let i = 0; i < byValue.length; i++) {
    if (i === 0 || shown[byValue[i]] !== shown[byValue[i - 1]]) rank++;
    rankOfCode[byValue[i]] = rank;
  }
  const n = index.size;
  const keys = new Int32Array(n);
  if (column === 'resource') {
    // Postings hold every resource of an event; the table sorts by the first one it shows.
    const rankOfValue = new Map<string, number>();
    for (let code = 1; code < values.length; code++) rankOfValue.set(values[code], rankOfCode[code]);
    for (let id = 0; id < n; id++) {
      const first = index.value('resource', id);
      keys[id] = first === undefined ? 0 : (rankOfValue.get(first) ?? 0);
    }
  } else {
    const codes = codeArray(index, column);
    for (let id = 0; id < n; id++) keys[id] = rankOfCode[codes[id]];
  }
  return { keys, ranks: rank };
}

/** Every event id by time, descending per the rule above, from the ascending order. */
function reverseTimeOrder(index: EventIndex, ascending: Int32Array): Int32Array {
  const times = index.timeColumn();
  const out = Int32Array.from(ascending);
  let timed = out.length;
  while (timed > 0 && Number.isNaN(times.get(out[timed - 1]))) timed--;
  out.subarray(0, timed).reverse();
  out.subarray(timed).reverse();
  return out;
}

/** A stable counting sort of `source` by key (key 0 last); descending reverses the ranks and walks `source` backwards. */
function countingSort(source: Int32Array, keys: Int32Array, ranks: number, direction: SortDirection): Int32Array {
  const n = source.length;
  const keyOf = direction === 'asc' ? (k: number) => (k === 0 ? ranks : k - 1) : (k: number) => (k === 0 ? ranks : ranks - k);
  const start = new Int32Array(ranks + 2);
  for (let i = 0; i < n; i++) start[keyOf(keys[source[i]]) + 1]++;
  for (let b = 1; b < start.length; b++) start[b] += start[b - 1];
  const out = new Int32Array(n);
  if (direction === 'asc') {
    for (let i = 0; i < n; i++) {
      const id = source[i];
      out[start[keyOf(keys[id])]++] = id;
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      const id = source[i];
      out[start[keyOf(keys[id])]++] = id;
    }
  }
  return out;
}

/** The cached sort orders of one index (dropped when the index or its version changes). */
export class SortOrders {
  private index?: EventIndex;
  private version = -1;
  private timeAscending?: Int32Array;
  private readonly orders = new Map<string, Int32Array>();
  /** Orders computed so far (tests check the cache is used). */
  computed = 0;

  private check(index: EventIndex): void {
    if (this.index === index && this.version === index.version) return;
    this.index = index;
    this.version = index.version;
    this.timeAscending = undefined;
    this.orders.clear();
  }

  /** Every event id of the index in the column's order (cached; do not modify the array). */
  orderOf(index: EventIndex, column: ColumnId, direction: SortDirection, display?: DisplayText): Int32Array {
    this.check(index);
    const key = `${column}:${direction}`;
    const cached = this.orders.get(key);
    if (cached) return cached;
    this.timeAscending ??= timeOrder(index);
    let order: Int32Array;
    if (column === 'time') order = direction === 'asc' ? this.timeAscending : reverseTimeOrder(index, this.timeAscending);
    else {
      const { keys, ranks } = rankArray(index, column, display);
      order = countingSort(this.timeAscending, keys, ranks, direction);
    }
    this.orders.set(key, order);
    this.computed++;
    return order;
  }
}

/** The members of `selection` (ascending ids) in the order of `order` (every id of an index of `size` events). */
export function restrictOrder(order: Int32Array, selection: Selection, size: number): Int32Array {
  if (selection.length === size) return order;
  const member = new Uint8Array(size);
  for (let i = 0; i < selection.length; i++) member[selection[i]] = 1;
  const out = new Int32Array(selection.length);
  let n = 0;
  for (let i = 0; i < order.length && n < out.length; i++) if (member[order[i]]) out[n++] = order[i];
  return out;
}
