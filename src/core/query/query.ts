/**
 * The filter language over an index: parse (once per text, cached) and evaluate.
 * This is the one entry point callers use; the index itself knows nothing of the language.
 */
import type { Selection } from '../index/api';
import type { EventIndex } from '../index/event-index';
import { evaluateFilter } from './evaluate';
import { FilterNode, parseFilter } from './parser';

const PARSE_CACHE_LIMIT = 200;
const parsed = new Map<string, FilterNode>();

/** The tree of a filter text, parsed once per distinct text; throws FilterSyntaxError with a position. */
export function parseCached(filter: string): FilterNode {
  let node = parsed.get(filter);
  if (!node) {
    node = parseFilter(filter);
    if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
    parsed.set(filter, node);
  }
  return node;
}

/** The events matching a filter, given as text (parsed here) or as a tree already parsed. */
export function queryIndex(index: EventIndex, filter: string | FilterNode): Selection {
  return evaluateFilter(index, typeof filter === 'string' ? parseCached(filter) : filter);
}
