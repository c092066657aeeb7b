import * as vscode from 'vscode';
import type { Selection } from '../../core/engine/api';
import type { Investigation } from '../../core/engine/investigation';
import { parseFilter } from '../../core/query/parser';
import type { FilterState, TimeRange } from '../services';

interface HistoryEntry {
  expression: string;
  timeRange: TimeRange | undefined;
}

const HISTORY_LIMIT = 100;

/** Wraps an expression in parentheses when joining it with AND could change its meaning. */
function groupedForAnd(expression: string): string {
  return /\bOR\b|\|\|/i.test(expression) ? `(${expression})` : expression;
}

/**
 * The active filter with a pivot history (back/forward like a browser).
 * The selection is cached per index object and version, since the investigation replaces
 * its index on remove/reload.
 */
export class ActiveFilter implements FilterState, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private history: HistoryEntry[] = [{ expression: '', timeRange: undefined }];
  private cursor = 0;
  private cached: { index: object; version: number; effective: string; selection: Selection } | undefined;

  constructor(private readonly investigation: Investigation) {}

  get expression(): string {
    return this.history[this.cursor].expression;
  }

  get timeRange(): TimeRange | undefined {
    return this.history[this.cursor].timeRange;
  }

  get effective(): string {
    const parts: string[] = [];
    if (this.expression.trim()) parts.push(groupedForAnd(this.expression.trim()));
    const range = this.timeRange;
    if (range) parts.push(`time>=${new Date(range.start).toISOString()}`, `time<${new Date(range.end).toISOString()}`);
    return parts.join(' AND ');
  }

  get canGoBack(): boolean {
    return this.cursor > 0;
  }

  get canGoForward(): boolean {
    return this.cursor < this.history.length - 1;
  }

  selection(): Selection {
    const index = this.investigation.index;
    const effective = this.effective;
    const cached = this.cached;
    if (cached && cached.index === index && cached.version === index.version && cached.effective === effective) return cached.selection;
    const selection = effective ? index.query(effective) : index.all();
    this.cached = { index, version: index.version, effective, selection };
    return selection;
  }

  setExpression(expression: string): void {
    const trimmed = expression.trim();
    if (trimmed) parseFilter(trimmed); // throws FilterSyntaxError before anything changes
    this.push({ expression: trimmed, timeRange: this.timeRange });
  }

  setTimeRange(range: TimeRange | undefined): void {
    const current = this.timeRange;
    if (current?.start === range?.start && current?.end === range?.end) return;
    // Brushing is not a pivot: replace the current entry instead of growing the history.
    this.history[this.cursor] = { expression: this.expression, timeRange: range };
    this.changed.fire();
  }

  addTerm(term: string, exclude = false): void {
    const addition = exclude ? `NOT ${term}` : term;
    const current = this.expression.trim();
    this.setExpression(current ? `${groupedForAnd(current)} AND ${addition}` : addition);
  }

  clear(): void {
    if (!this.expression && !this.timeRange) return;
    this.push({ expression: '', timeRange: undefined });
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

  private push(entry: HistoryEntry): void {
    const current = this.history[this.cursor];
    if (current.expression === entry.expression && current.timeRange === entry.timeRange) return;
    this.history = this.history.slice(0, this.cursor + 1);
    this.history.push(entry);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.cursor = this.history.length - 1;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
