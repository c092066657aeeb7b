import * as vscode from 'vscode';
import { MATCH_ALL } from '../../core/query/expression';
import { FilterSyntaxError, parseFilter } from '../../core/query/parser';
import { ContextKeys } from '../commands';
import { describeFilter } from './describeFilter';
import type { ExtensionServices } from '../services';
import { plural, withoutIconSyntax } from '../util/text';
import { errorMessage } from '../util/cancellation';
import { valueOfExpression } from './filterState';
import { Disposable } from '../util/disposables';
import { Commands } from '../commandIds';

/** The filter in the status bar, its editor (an input box that explains syntax errors), clear, back and forward. */
export class FilterControls extends Disposable {
  readonly statusBarItem: vscode.StatusBarItem;
  /** The filter input on screen, if any (in-host tests read its live count). */
  activeInput: FilterInput | undefined;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.statusBarItem = vscode.window.createStatusBarItem('cloudtrail.filter', vscode.StatusBarAlignment.Left, 50);
    this.statusBarItem.name = 'CloudTrail Filter';
    this.statusBarItem.command = Commands.filterEdit;
    const { filter } = services;
    this.disposables.push(
      this.statusBarItem,
      filter.onDidChange(() => this.update()),
      services.onDidChangeIndex(() => this.update()),
      vscode.commands.registerCommand(Commands.filterEdit, (expression?: string) => this.edit(expression)),
      vscode.commands.registerCommand(Commands.filterClear, () => filter.clear()),
      vscode.commands.registerCommand(Commands.filterBack, () => filter.back()),
      vscode.commands.registerCommand(Commands.filterForward, () => filter.forward()),
    );
    this.update();
  }

  private update(): void {
    const { filter, investigation } = this.services;
    const active = Boolean(filter.effective);
    if (investigation.index.size === 0 && !active) {
      this.statusBarItem.hide();
    } else {
      this.statusBarItem.text = `$(filter${active ? '-filled' : ''}) ${withoutIconSyntax(describeFilter(this.services))}`;
      this.statusBarItem.tooltip = active ? `CloudTrail filter: ${filter.effective}\nClick to edit` : 'CloudTrail: no filter. Click to set one.';
      this.statusBarItem.backgroundColor = undefined;
      this.statusBarItem.show();
    }
    void vscode.commands.executeCommand('setContext', ContextKeys.filterActive, active);
    void vscode.commands.executeCommand('setContext', ContextKeys.canGoBack, filter.canGoBack);
    void vscode.commands.executeCommand('setContext', ContextKeys.canGoForward, filter.canGoForward);
  }

  /** With an argument (tests, other features) the expression is set directly; errors are thrown. */
  private async edit(expression?: string): Promise<void> {
    const { filter } = this.services;
    if (typeof expression === 'string') {
      filter.setExpression(expression);
      return;
    }
    this.activeInput?.dispose();
    const input = new FilterInput(this.services);
    this.activeInput = input;
    try {
      await input.show();
    } finally {
      input.dispose();
      if (this.activeInput === input) this.activeInput = undefined;
    }
  }

  override dispose(): void {
    this.activeInput?.dispose();
    super.dispose();
  }
}

/** How long typing pauses before the count is taken: one query per pause, not per key. */
const COUNT_DEBOUNCE_MS = 150;
const EXAMPLE = 'e.g. accessKey:AKIA* AND NOT readOnly:true AND time>=2026-03-04T05:00Z (empty shows everything)';

/** What the input box says about the text typed so far. */
export interface FilterInputState {
  readonly text: string;
  /** Events the filter will select when the text is accepted (with the time range); undefined on a syntax error. */
  readonly count?: number;
  readonly error?: string;
}

/**
 * The filter's input box: as you type it shows how many events the text selects (with the time
 * range brushed on the timeline), or the parser's message; Enter with an error keeps it open.
 */
export class FilterInput implements vscode.Disposable {
  readonly inputBox: vscode.InputBox;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly updatedEmitter = new vscode.EventEmitter<FilterInputState>();
  /** Fires each time the count or the error shown changed (in-host tests wait on it). */
  readonly onDidUpdate = this.updatedEmitter.event;
  private last: FilterInputState | undefined;
  private done!: () => void;
  private readonly closed = new Promise<void>((resolve) => (this.done = resolve));

  constructor(private readonly services: ExtensionServices) {
    const { filter } = services;
    this.inputBox = vscode.window.createInputBox();
    this.inputBox.title = 'CloudTrail filter';
    this.inputBox.placeholder = EXAMPLE;
    this.inputBox.value = filter.expression;
    this.inputBox.valueSelection = [0, filter.expression.length];
    this.disposables.push(
      this.inputBox,
      this.updatedEmitter,
      this.inputBox.onDidChangeValue(() => this.schedule()),
      this.inputBox.onDidAccept(() => this.accept()),
      this.inputBox.onDidHide(() => this.done()),
    );
    this.update();
  }

  /** What the box shows now (the last count or error). */
  get state(): FilterInputState | undefined {
    return this.last;
  }

  show(): Promise<void> {
    this.inputBox.show();
    return this.closed;
  }

  /**
   * Puts text in the box as if typed (other features, and in-host tests: a value set from the
   * extension host does not fire onDidChangeValue, keys typed in the workbench do).
   */
  setText(text: string): void {
    this.inputBox.value = text;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, COUNT_DEBOUNCE_MS);
  }

  /** Parses the text and counts what it selects; shows the count in the prompt, or the error. */
  private update(): void {
    const text = this.inputBox.value;
    const { filter, investigation } = this.services;
    let state: FilterInputState;
    try {
      const trimmed = text.trim();
      const value = valueOfExpression(trimmed ? parseFilter(trimmed) : MATCH_ALL, filter.timeRange);
      state = { text, count: filter.selectionOf(value).length };
    } catch (error) {
      state = { text, error: error instanceof FilterSyntaxError ? error.message : errorMessage(error) };
    }
    const total = investigation.index.size;
    if (state.error !== undefined) {
      this.inputBox.validationMessage = { message: state.error, severity: vscode.InputBoxValidationSeverity.Error };
      this.inputBox.prompt = EXAMPLE;
    } else {
      this.inputBox.validationMessage = undefined;
      const range = filter.timeRange ? ' in the time range brushed on the timeline' : '';
      this.inputBox.prompt = `${(state.count ?? 0).toLocaleString('en-US')} of ${plural(total, 'event')} match${range} · Enter applies`;
    }
    this.last = state;
    this.updatedEmitter.fire(state);
  }

  private accept(): void {
    if (this.timer) this.update();
    if (this.last?.error !== undefined) return;
    try {
      this.services.filter.setExpression(this.inputBox.value);
      this.inputBox.hide();
    } catch (error) {
      this.inputBox.validationMessage = { message: errorMessage(error), severity: vscode.InputBoxValidationSeverity.Error };
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.done();
    for (const d of this.disposables) d.dispose();
  }
}
