import * as vscode from 'vscode';
import type { Selection } from '../../core/engine/api';
import type { Investigation } from '../../core/engine/investigation';
import {
  HIDE_READ_ONLY,
  MATCH_ALL,
  andFilters,
  excludeFilter,
  formatFilter,
  hidesReadOnly,
  withoutTerm,
} from '../../core/query/expression';
import { FilterNode, parseFilter } from '../../core/query/parser';
import { queryIndex } from '../../core/query/query';

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * The filter as a value, parsed once: the expression's tree, the range brushed on the timeline,
 * and whether read-only calls are hidden. Entries of the pivot history; never changed in place.
 */
export interface FilterValue {
  /** The expression without the read-only term (MATCH_ALL for everything). */
  readonly expression: FilterNode;
  readonly timeRange: TimeRange | undefined;
  /** `NOT readOnly:true` applies on top of the expression (the noise setting, or typed by the user). */
  readonly hideReadOnly: boolean;
}

export const EMPTY_FILTER: FilterValue = { expression: MATCH_ALL, timeRange: undefined, hideReadOnly: false };

/**
 * A typed expression as a value: a top-level `NOT readOnly:true` (decided on the tree, so a
 * quoted `OR` or one inside parentheses is read as the parser reads it) becomes `hideReadOnly`.
 */
export function valueOfExpression(expression: FilterNode, timeRange: TimeRange | undefined): FilterValue {
  const hideReadOnly = hidesReadOnly(expression);
  return { expression: hideReadOnly ? withoutTerm(expression, HIDE_READ_ONLY) : expression, timeRange, hideReadOnly };
}

/** The expression as the filter input shows it: with `NOT readOnly:true` when read-only calls are hidden. */
export function expressionOf(value: FilterValue): FilterNode {
  return value.hideReadOnly ? andFilters(value.expression, HIDE_READ_ONLY) : value.expression;
}

/** Everything the value applies, as one tree: the expression, the read-only term and the time range. */
export function effectiveOf(value: FilterValue): FilterNode {
  const range = value.timeRange;
  return andFilters(
    expressionOf(value),
    ...(range ? [{ kind: 'time', op: '>=', value: range.start } as const, { kind: 'time', op: '<', value: range.end } as const] : []),
  );
}

/** The value with `term` joined by AND (a pivot that narrows). */
export function narrowedBy(value: FilterValue, term: FilterNode): FilterValue {
  return { ...value, expression: andFilters(value.expression, term) };
}

/** The value with its expression replaced by `term`; the time range and the read-only choice stay. */
export function replacedBy(value: FilterValue, term: FilterNode): FilterValue {
  return { ...value, expression: term };
}

const HISTORY_LIMIT = 100;

/** The active filter, shared by the tree, the events list, the lenses and the timeline. */
export interface FilterState {
  /** The current value (a new object whenever the filter changes: a cache key). */
  readonly value: FilterValue;
  /** The expression as text, as the filter input shows it ('' = everything). */
  readonly expression: string;
  /** The brushed time range from the timeline, applied on top of the expression. */
  readonly timeRange: TimeRange | undefined;
  readonly hideReadOnly: boolean;
  /** Everything that applies, as one tree. */
  readonly effectiveNode: FilterNode;
  /** Everything that applies, as text (reports, exports, tooltips); '' when nothing does. */
  readonly effective: string;
  /** Events matching the filter in the current index (cached per index version). */
  selection(): Selection;
  /** The events another filter value would select: what a pivot or the filter input will show. */
  selectionOf(value: FilterValue): Selection;
  /** Sets the expression from text (recorded in the pivot history); throws FilterSyntaxError when invalid. */
  setExpression(expression: string): void;
  /** Makes `value` the filter (recorded in the pivot history). */
  setValue(value: FilterValue): void;
  setTimeRange(range: TimeRange | undefined): void;
  /** Joins `term` with AND: a pivot that narrows. */
  narrow(term: FilterNode): void;
  /** Joins `NOT term` with AND. */
  exclude(term: FilterNode): void;
  /** Replaces the expression by `term`, keeping the time range and the read-only choice. */
  replace(term: FilterNode): void;
  setHideReadOnly(hide: boolean): void;
  clear(): void;
  back(): void;
  forward(): void;
  readonly canGoBack: boolean;
  readonly canGoForward: boolean;
  readonly onDidChange: vscode.Event<void>;
}

/**
 * The active filter with a pivot history (back/forward like a browser).
 * Selections are cached per index object and version, since the investigation replaces
 * its index on remove/reload.
 */
export class ActiveFilter implements FilterState, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private history: FilterValue[] = [EMPTY_FILTER];
  private cursor = 0;
  /** The last few selections: the current filter's, and those a pivot picker or the input asked about. */
  private cached: Array<{ index: object; version: number; value: FilterValue; selection: Selection }> = [];

  constructor(private readonly investigation: Investigation) {}

  get value(): FilterValue {
    return this.history[this.cursor];
  }

  get expression(): string {
    return formatFilter(expressionOf(this.value));
  }

  get timeRange(): TimeRange | undefined {
    return this.value.timeRange;
  }

  get hideReadOnly(): boolean {
    return this.value.hideReadOnly;
  }

  get effectiveNode(): FilterNode {
    return effectiveOf(this.value);
  }

  get effective(): string {
    return formatFilter(this.effectiveNode);
  }

  get canGoBack(): boolean {
    return this.cursor > 0;
  }

  get canGoForward(): boolean {
    return this.cursor < this.history.length - 1;
  }

  selection(): Selection {
    return this.selectionOf(this.value);
  }

  selectionOf(value: FilterValue): Selection {
    const index = this.investigation.index;
    const hit = this.cached.find((c) => c.index === index && c.version === index.version && c.value === value);
    if (hit) return hit.selection;
    const node = effectiveOf(value);
    const selection = node.kind === 'all' ? index.all() : queryIndex(index, node);
    this.cached = [{ index, version: index.version, value, selection }, ...this.cached.slice(0, 3)];
    return selection;
  }

  setExpression(expression: string): void {
    const trimmed = expression.trim();
    const node = trimmed ? parseFilter(trimmed) : MATCH_ALL; // throws FilterSyntaxError before anything changes
    this.setValue(valueOfExpression(node, this.timeRange));
  }

  setValue(value: FilterValue): void {
    const current = this.value;
    if (current.timeRange === value.timeRange && current.hideReadOnly === value.hideReadOnly && formatFilter(current.expression) === formatFilter(value.expression)) return;
    this.history = this.history.slice(0, this.cursor + 1);
    this.history.push(value);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.cursor = this.history.length - 1;
    this.changed.fire();
  }

  setTimeRange(range: TimeRange | undefined): void {
    const current = this.timeRange;
    if (current?.start === range?.start && current?.end === range?.end) return;
    // Brushing is not a pivot: replace the current entry instead of growing the history.
    this.history[this.cursor] = { ...this.value, timeRange: range };
    this.changed.fire();
  }

  narrow(term: FilterNode): void {
    this.setValue(narrowedBy(this.value, term));
  }

  exclude(term: FilterNode): void {
    this.setValue({ ...this.value, expression: excludeFilter(this.value.expression, term) });
  }

  replace(term: FilterNode): void {
    this.setValue(replacedBy(this.value, term));
  }

  setHideReadOnly(hide: boolean): void {
    if (this.hideReadOnly === hide) return;
    this.setValue({ ...this.value, hideReadOnly: hide });
  }

  clear(): void {
    const { expression, timeRange, hideReadOnly } = this.value;
    if (expression.kind === 'all' && !timeRange && !hideReadOnly) return;
    this.setValue(EMPTY_FILTER);
  }

  back(): void {
    if (!this.canGoBack) return;
    this.cursor--;
    this.changed.fire();
  }

  forward(): void {
    if (!this.canGoForward) return;
    this.cursor++;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
