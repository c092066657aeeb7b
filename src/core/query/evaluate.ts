import type { EventIndex } from '../index/event-index';
import { PivotField } from '../index/fields';
import { FilterNode } from './parser';
import { compileWildcard } from './wildcard';
import { EMPTY, complement, fromUnsorted, intersect, union, unionAll } from '../index/selection';

/** Fields a bare word searches. */
const TEXT_FIELDS: PivotField[] = [
  'principal',
  'eventName',
  'ip',
  'accessKey',
  'userAgent',
  'resource',
  'issuer',
  'sessionName',
  'error',
];

function difference(a: Int32Array, b: Int32Array): Int32Array {
  if (b.length === 0 || a.length === 0) return a;
  const out = new Int32Array(a.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j < b.length && b[j] === a[i]) i++;
    else out[n++] = a[i++];
  }
  return out.subarray(0, n);
}

function matchField(index: EventIndex, field: PivotField, value: string, wildcard: boolean): Int32Array {
  if (field === 'eventId' || field === 'requestId') {
    if (!wildcard) return index.postings(field, value);
    const pattern = compileWildcard(value);
    return Int32Array.from(index.uniqueIds(field).matching((v) => pattern.test(v)));
  }
  if (field === 'sharedEventId') {
    const pattern = wildcard ? compileWildcard(value) : undefined;
    const ids: number[] = [];
    for (const [id, v] of index.sharedEventIdEntries()) if (pattern ? pattern.test(v) : v === value) ids.push(id);
    return fromUnsorted(ids);
  }
  let codes: number[];
  if (!wildcard) codes = index.codesFor(field, value);
  else if (value === '*') codes = index.codesMatching(field, { test: () => true });
  else codes = index.codesMatching(field, compileWildcard(value));
  return unionAll(
    codes.map((code) => index.postingsOf(field, code)),
    index.size,
  );
}

function matchTime(index: EventIndex, op: string, value: number): Int32Array {
  const times = index.timeColumn();
  const out = new Int32Array(index.size);
  let n = 0;
  for (let id = 0; id < index.size; id++) {
    const t = times.get(id);
    if (op === '>=' ? t >= value : op === '>' ? t > value : op === '<=' ? t <= value : t < value) out[n++] = id;
  }
  return out.subarray(0, n);
}

function matchText(index: EventIndex, value: string): Int32Array {
  const pattern = compileWildcard(/[*?]/.test(value) ? value : `*${value}*`);
  return unionAll(
    TEXT_FIELDS.flatMap((field) => index.codesMatching(field, pattern).map((code) => index.postingsOf(field, code))),
    index.size,
  );
}

export function evaluateFilter(index: EventIndex, node: FilterNode): Int32Array {
  switch (node.kind) {
    case 'all':
      return index.all();
    case 'match':
      return matchField(index, node.field, node.value, node.wildcard);
    case 'time':
      return matchTime(index, node.op, node.value);
    case 'text':
      return matchText(index, node.value);
    case 'not':
      return complement(evaluateFilter(index, node.child), index.size);
    case 'or':
      return node.children.map((child) => evaluateFilter(index, child)).reduce(union, EMPTY);
    case 'and': {
      // Intersect the positive terms smallest first, then subtract the negated ones,
      // so "NOT x" never materialises the complement.
      const positives = node.children.filter((c) => c.kind !== 'not').map((c) => evaluateFilter(index, c));
      const negatives = node.children.flatMap((c) => (c.kind === 'not' ? [c.child] : []));
      positives.sort((a, b) => a.length - b.length);
      let result = positives.length > 0 ? positives.reduce(intersect) : index.all();
      for (const negative of negatives) {
        if (result.length === 0) break;
        result = difference(result, evaluateFilter(index, negative));
      }
      return result;
    }
  }
}
