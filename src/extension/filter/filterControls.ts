import * as vscode from 'vscode';
import { FilterSyntaxError, parseFilter } from '../../core/query/parser';
import { ContextKeys } from '../commands';
import { describeFilter } from './describeFilter';
import type { ExtensionServices } from '../services';
import { withoutIconSyntax } from '../util/text';
import { Disposable } from '../util/disposables';
import { Commands } from '../commandIds';

/** The filter in the status bar, its editor (an input box that explains syntax errors), clear, back and forward. */
export class FilterControls extends Disposable {
  readonly statusBarItem: vscode.StatusBarItem;

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
    const value = await vscode.window.showInputBox({
      title: 'CloudTrail filter',
      prompt: 'e.g. accessKey:AKIA* AND NOT readOnly:true AND time>=2026-03-04T05:00Z (empty shows everything)',
      value: filter.expression,
      valueSelection: [0, filter.expression.length],
      validateInput: (text) => {
        if (!text.trim()) return undefined;
        try {
          parseFilter(text);
          return undefined;
        } catch (error) {
          return error instanceof FilterSyntaxError ? error.message : String(error);
        }
      },
    });
    if (value === undefined) return;
    filter.setExpression(value);
  }
}
