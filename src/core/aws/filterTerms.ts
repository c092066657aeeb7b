/**
 * From a parsed filter to what live sources can use: the top-level AND-ed `field:value`
 * terms (for the LookupEvents planner and the SQL generator) and the time bounds. Anything
 * else (OR, NOT, free text, `field:*`) cannot be pushed to AWS; the index applies the whole
 * filter to what arrives anyway, so it is listed, not lost.
 */
import type { FilterNode } from '../query/parser';
import type { FilterTerm } from './planner';

export interface LiveFilter {
  terms: FilterTerm[];
  /** Epoch ms, inclusive, from `time>=` / `time>` terms. */
  start?: number;
  /** Epoch ms, exclusive, from `time<` / `time<=` terms. */
  end?: number;
  /** Parts only the index can apply, described for the log. */
  indexOnly: string[];
}

function describe(node: FilterNode): string {
  switch (node.kind) {
    case 'or':
      return `(${node.children.map(describe).join(' OR ')})`;
    case 'and':
      return `(${node.children.map(describe).join(' AND ')})`;
    case 'not':
      return `NOT ${describe(node.child)}`;
    case 'text':
      return JSON.stringify(node.value);
    case 'match':
      return `${node.field}:${JSON.stringify(node.value)}`;
    case 'time':
      return `time${node.op}${new Date(node.value).toISOString()}`;
    case 'all':
      return '*';
  }
}

export function liveFilterFrom(node: FilterNode): LiveFilter {
  const out: LiveFilter = { terms: [], indexOnly: [] };
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'all':
        return;
      case 'and':
        n.children.forEach(visit);
        return;
      case 'match':
        if (n.wildcard && /^\*+$/.test(n.value)) out.indexOnly.push(describe(n)); // "field is present"
        else out.terms.push({ field: n.field, value: n.value, wildcard: n.wildcard });
        return;
      case 'time': {
        if (n.op === '>=' || n.op === '>') {
          const start = n.op === '>' ? n.value + 1 : n.value;
          out.start = out.start === undefined ? start : Math.max(out.start, start);
        } else {
          const end = n.op === '<=' ? n.value + 1 : n.value;
          out.end = out.end === undefined ? end : Math.min(out.end, end);
        }
        return;
      }
      default:
        out.indexOnly.push(describe(n));
    }
  };
  visit(node);
  return out;
}
