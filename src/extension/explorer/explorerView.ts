import * as vscode from 'vscode';
import { FIELD_INFO } from '../../core/index/fields';
import { termNode } from '../../core/query/expression';
import { TIMELINE_LANE_FIELDS } from '../commands';
import { asPivotTarget, type PivotTarget } from '../pivots/target';
import type { ExtensionServices } from '../services';
import { errorMessage } from '../util/cancellation';
import { describeFilter } from '../filter/describeFilter';
import { ExplorerTreeProvider, type ExplorerNode } from './explorerTree';
import { DEFAULT_GROUPING, GROUPINGS } from './groupings';
import { Disposable } from '../util/disposables';
import { Commands, TimelineCommands } from '../commandIds';

export const EXPLORER_VIEW_ID = 'cloudtrail.explorer';
const GROUPING_KEY = 'cloudtrail.explorer.grouping';

/** The Explorer view and the actions every value item offers (pivot, add, exclude, timeline, copy). */
export class ExplorerView extends Disposable {
  readonly provider: ExplorerTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.provider = new ExplorerTreeProvider(services);
    const saved = services.context.workspaceState.get<string>(GROUPING_KEY);
    const grouping = GROUPINGS.find((g) => g.id === saved);
    if (grouping) this.provider.setGrouping(grouping);
    this.treeView = vscode.window.createTreeView(EXPLORER_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(
      this.provider,
      this.treeView,
      services.filter.onDidChange(() => this.updateDescription()),
      services.onDidChangeIndex(() => this.updateDescription()),
      vscode.commands.registerCommand(Commands.explorerGroupBy, (id?: string) => this.groupBy(id)),
      vscode.commands.registerCommand(Commands.explorerLoadMore, (parentId?: string) => this.provider.loadMore(parentId ?? '')),
      vscode.commands.registerCommand(Commands.explorerRefresh, () => this.provider.refreshNow()),
      vscode.commands.registerCommand(Commands.itemPivot, (node: unknown) => this.act(node, (t) => services.filter.replace(termNode(t.field, t.value)))),
      vscode.commands.registerCommand(Commands.itemAddToFilter, (node: unknown) => this.act(node, (t) => services.filter.narrow(termNode(t.field, t.value)))),
      vscode.commands.registerCommand(Commands.itemExclude, (node: unknown) => this.act(node, (t) => services.filter.exclude(termNode(t.field, t.value)))),
      vscode.commands.registerCommand(Commands.itemShowOnTimeline, (node: unknown) => this.showOnTimeline(node)),
      vscode.commands.registerCommand(Commands.itemCopyValue, (node: unknown) => this.copyValue(node)),
    );
    this.updateDescription();
  }

  private updateDescription(): void {
    this.treeView.description = `${describeFilter(this.services)} · by ${this.provider.currentGrouping.id}`;
    const empty = this.services.investigation.index.size > 0 && this.services.filter.effective && this.services.filter.selection().length === 0;
    this.treeView.message = empty ? 'No events match the active filter. Clear it or go back.' : undefined;
  }

  private async groupBy(id?: string): Promise<void> {
    let grouping = GROUPINGS.find((g) => g.id === id);
    if (!grouping) {
      const current = this.provider.currentGrouping;
      const picked = await vscode.window.showQuickPick(
        GROUPINGS.map((g) => ({ label: g.label, description: g.id === current.id ? 'current' : undefined, grouping: g })),
        { title: 'Group the Explorer by', placeHolder: 'Choose the tree levels' },
      );
      grouping = picked?.grouping;
    }
    if (!grouping) return;
    this.provider.setGrouping(grouping);
    await this.services.context.workspaceState.update(GROUPING_KEY, grouping.id === DEFAULT_GROUPING.id ? undefined : grouping.id);
    this.updateDescription();
  }

  private act(node: unknown, action: (target: PivotTarget) => void): void {
    const target = asPivotTarget(node);
    if (!target) {
      void vscode.window.showWarningMessage('CloudTrail: choose an item in the Explorer view first.');
      return;
    }
    try {
      action(target);
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: could not filter on ${FIELD_INFO[target.field].label}: ${errorMessage(error)}`);
    }
  }

  /** Lane fields reveal their lane on the timeline; other fields filter to the value and open it. */
  private async showOnTimeline(node: unknown): Promise<void> {
    const target = asPivotTarget(node);
    if (!target) return this.act(node, () => undefined);
    if (TIMELINE_LANE_FIELDS.has(target.field)) {
      await vscode.commands.executeCommand(TimelineCommands.showItem, { field: target.field, value: target.value });
      return;
    }
    this.act(target, (t) => this.services.filter.replace(termNode(t.field, t.value)));
    await vscode.commands.executeCommand(TimelineCommands.open);
  }

  private async copyValue(node: unknown): Promise<void> {
    const target = asPivotTarget(node);
    if (!target) return;
    await vscode.env.clipboard.writeText(target.value);
    vscode.window.setStatusBarMessage(`Copied ${FIELD_INFO[target.field].label.toLowerCase()}`, 2000);
  }
}
