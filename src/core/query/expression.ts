/**
 * The filter as a value: operations on the parsed tree, so no feature joins or splits filter
 * text by hand. `formatFilter` turns a tree back into text that parses to the same tree (what
 * the filter input and the status bar show); everything else works on trees.
 */
import type { PivotField } from '../index/fields';
import { FilterNode, parseFilter, quoteValue, termFor } from './parser';

export const MATCH_ALL: FilterNode = { kind: 'all' };

/** The term that hides read-only calls: `NOT readOnly:true`. */
export const HIDE_READ_ONLY: FilterNode = { kind: 'not', child: { kind: 'match', field: 'readOnly', value: 'true', wildcard: false } };

/** `field:value` as a tree: what a pivot, "Add to filter" and "Exclude" apply. */
export function termNode(field: PivotField, value: string): FilterNode {
  return parseFilter(termFor(field, value));
}

/** Two trees are the same filter when they are the same tree (the order of terms counts). */
export function sameFilter(a: FilterNode, b: FilterNode): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'all':
      return true;
    case 'text':
      return a.value === (b as typeof a).value;
    case 'time':
      return a.op === (b as typeof a).op && a.value === (b as typeof a).value;
    case 'match': {
      const m = b as typeof a;
      return a.field === m.field && a.value === m.value && a.wildcard === m.wildcard;
    }
    case 'not':
      return sameFilter(a.child, (b as typeof a).child);
    case 'and':
    case 'or': {
      const other = (b as typeof a).children;
      return a.children.length === other.length && a.children.every((c, i) => sameFilter(c, other[i]));
    }
  }
}

/** The terms joined by AND at the top of the tree (none for "everything"). */
export function conjuncts(node: FilterNode): FilterNode[] {
  if (node.kind === 'all') return [];
  return node.kind === 'and' ? [...node.children] : [node];
}

/** All the filters at once (AND); "everything" drops out, an AND inside joins the outer one. */
export function andFilters(...nodes: FilterNode[]): FilterNode {
  const children = nodes.flatMap(conjuncts);
  if (children.length === 0) return MATCH_ALL;
  return children.length === 1 ? children[0] : { kind: 'and', children };
}

/** The filter without the events that match `term`. */
export function excludeFilter(node: FilterNode, term: FilterNode): FilterNode {
  return andFilters(node, { kind: 'not', child: term });
}

/** True when `term` is one of the terms joined by AND at the top (so it narrows every match). */
export function hasTerm(node: FilterNode, term: FilterNode): boolean {
  return conjuncts(node).some((c) => sameFilter(c, term));
}

/** The filter with `term` taken out of the top-level AND (terms inside an OR stay). */
export function withoutTerm(node: FilterNode, term: FilterNode): FilterNode {
  return andFilters(...conjuncts(node).filter((c) => !sameFilter(c, term)));
}

/** True when the filter hides read-only calls: `NOT readOnly:true` narrows the whole filter. */
export function hidesReadOnly(node: FilterNode): boolean {
  return hasTerm(node, HIDE_READ_ONLY);
}

/** Text the parser reads as one bare word (a `field:` value or a search word). */
function isBareWord(value: string): boolean {
  return /^[^\s()"<>=!&|]+$/.test(value);
}

/**
 * `user:alice` parses to "the key is alice, or ends in /alice or :alice" (parser.ts `term`);
 * recognised here so it is written back as the name the user typed.
 */
function principalName(node: FilterNode): string | undefined {
  if (node.kind !== 'or' || node.children.length !== 3) return undefined;
  const [whole, slash, colon] = node.children;
  if (whole.kind !== 'match' || slash.kind !== 'match' || colon.kind !== 'match') return undefined;
  if (whole.field !== 'principal' || slash.field !== 'principal' || colon.field !== 'principal') return undefined;
  const v = whole.value;
  if (!slash.wildcard || slash.value !== `*/${v}` || !colon.wildcard || colon.value !== `*:${v}`) return undefined;
  if (whole.wildcard) return isBareWord(v) && /[*?]/.test(v) ? `user:${v}` : undefined;
  return /[*?]/.test(v) ? undefined : `user:${quoteValue(v)}`;
}

function formatMatch(node: Extract<FilterNode, { kind: 'match' }>): string {
  if (!node.wildcard) return `${node.field}:${quoteValue(node.value)}`;
  // A wildcard is an unquoted word (quoting makes the value literal).
  if (!isBareWord(node.value) || !/[*?]/.test(node.value)) {
    throw new Error(`the wildcard ${JSON.stringify(node.value)} of ${node.field} cannot be written in the filter language`);
  }
  return `${node.field}:${node.value}`;
}

function formatText(value: string): string {
  // A bare word must not read as a field (`a:b`), an exclusion (`-a`) or a keyword.
  return isBareWord(value) && !value.includes(':') && !value.startsWith('-') && !/^(AND|OR|NOT)$/i.test(value) && !/[*?]/.test(value)
    ? value
    : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** True when the node prints as a single term (no AND/OR showing at its top). */
function isAtom(node: FilterNode): boolean {
  return (node.kind !== 'and' && node.kind !== 'or') || principalName(node) !== undefined;
}

function format(node: FilterNode): string {
  switch (node.kind) {
    case 'all':
      throw new Error('"everything" can only stand alone in a filter');
    case 'match':
      return formatMatch(node);
    case 'text':
      return formatText(node.value);
    case 'time':
      return `time${node.op}${new Date(node.value).toISOString()}`;
    case 'not':
      return `NOT ${isAtom(node.child) ? format(node.child) : `(${format(node.child)})`}`;
    case 'and':
      // An AND inside an AND keeps its parentheses, so the text parses to this very tree.
      return node.children.map((c) => (isAtom(c) ? format(c) : `(${format(c)})`)).join(' AND ');
    case 'or':
      return principalName(node) ?? node.children.map((c) => (c.kind === 'or' && !isAtom(c) ? `(${format(c)})` : format(c))).join(' OR ');
  }
}

/** The filter as text that parses back to the same tree ('' for everything). */
export function formatFilter(node: FilterNode): string {
  return node.kind === 'all' ? '' : format(node);
}
