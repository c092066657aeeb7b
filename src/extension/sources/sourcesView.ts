import * as path from 'node:path';
import * as vscode from 'vscode';
import { describePlace, type EventIdConflict, type SourceSummary } from '../../core/engine/api';
import type { FileProblem } from '../../core/sources/types';
import { Commands } from '../commandIds';
import type { ExtensionServices } from '../services';
import { plural } from '../util/text';
import { Disposable } from '../util/disposables';

export type SourcesNode =
  | { readonly kind: 'source'; readonly sourceId: string }
  | { readonly kind: 'detail'; readonly sourceId: string; readonly label: string; readonly icon: string }
  | { readonly kind: 'problems'; readonly sourceId: string }
  | { readonly kind: 'problem'; readonly sourceId: string; readonly position: number }
  /** Records sharing an eventID with different content (position in conflictList; -1: the ones not listed). */
  | { readonly kind: 'conflict'; readonly sourceId: string; readonly position: number };

export const SOURCES_VIEW_ID = 'cloudtrail.sources';

/** Problems of a source: files or parts it could not read, and eventID conflicts (all records kept). */
function problemCount(summary: SourceSummary): number {
  return summary.skipped.length + summary.conflicts;
}

/** The Sources view: each source with its counts, time span, every file it could not read and every eventID conflict. */
export class SourcesTreeProvider implements vscode.TreeDataProvider<SourcesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SourcesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Node objects are kept per id so reveal() finds the same element again. */
  private readonly nodes = new Map<string, SourcesNode>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'addSource' | 'investigation' | 'loadingSources' | 'onDidChangeSources' | 'reloadSource' | 'removeSource'>) {
    this.subscription = vscode.Disposable.from(
      services.onDidChangeSources(() => this.refresh()),
      services.display.onDidChange(() => this.changed.fire(undefined)),
    );
  }

  refresh(): void {
    this.nodes.clear();
    this.changed.fire(undefined);
  }

  private summary(sourceId: string): SourceSummary | undefined {
    return this.services.investigation.summaries().find((s) => s.id === sourceId);
  }

  private node<T extends SourcesNode>(key: string, create: () => T): T {
    let node = this.nodes.get(key);
    if (!node) {
      node = create();
      this.nodes.set(key, node);
    }
    return node as T;
  }

  sourceNode(sourceId: string): SourcesNode {
    return this.node(`source/${sourceId}`, () => ({ kind: 'source', sourceId }));
  }

  problemsNode(sourceId: string): SourcesNode {
    return this.node(`problems/${sourceId}`, () => ({ kind: 'problems', sourceId }));
  }

  getChildren(element?: SourcesNode): SourcesNode[] {
    if (!element) return this.services.investigation.summaries().map((s) => this.sourceNode(s.id));
    const summary = this.summary(element.sourceId);
    if (!summary) return [];
    if (element.kind === 'source') {
      const details: SourcesNode[] = [];
      const detail = (label: string, icon: string): SourcesNode => ({ kind: 'detail', sourceId: summary.id, label, icon });
      details.push(detail(`${plural(summary.files, 'file')} with events · ${plural(summary.digests, 'digest file')}`, 'files'));
      if (summary.duplicates > 0) details.push(detail(`${plural(summary.duplicates, 'duplicate record')} counted once`, 'copy'));
      if (summary.eventsWithoutTime > 0) details.push(detail(`${plural(summary.eventsWithoutTime, 'event')} without a time (kept)`, 'watch'));
      for (const p of summary.paths) details.push(detail(p, 'folder'));
      if (problemCount(summary) > 0) details.push(this.problemsNode(summary.id));
      return details;
    }
    if (element.kind === 'problems') {
      const rows: SourcesNode[] = summary.skipped.map((_, position) =>
        this.node(`problem/${summary.id}/${position}`, () => ({ kind: 'problem', sourceId: summary.id, position })),
      );
      summary.conflictList.forEach((_, position) =>
        rows.push(this.node(`conflict/${summary.id}/${position}`, () => ({ kind: 'conflict', sourceId: summary.id, position }))),
      );
      if (summary.conflicts > summary.conflictList.length) {
        rows.push(this.node(`conflict/${summary.id}/more`, () => ({ kind: 'conflict', sourceId: summary.id, position: -1 })));
      }
      return rows;
    }
    return [];
  }

  getParent(element: SourcesNode): SourcesNode | undefined {
    if (element.kind === 'source') return undefined;
    if (element.kind === 'problem' || element.kind === 'conflict') return this.problemsNode(element.sourceId);
    return this.sourceNode(element.sourceId);
  }

  getTreeItem(element: SourcesNode): vscode.TreeItem {
    const summary = this.summary(element.sourceId);
    switch (element.kind) {
      case 'source':
        return this.sourceItem(element, summary);
      case 'detail': {
        const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(element.icon);
        item.tooltip = element.label;
        return item;
      }
      case 'problems': {
        const count = summary?.skipped.length ?? 0;
        const conflicts = summary?.conflicts ?? 0;
        const item = new vscode.TreeItem('Problems', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `sources/${element.sourceId}/problems`;
        item.description = [
          count > 0 || conflicts === 0 ? plural(count, 'file or part', 'files or parts') + ' skipped' : undefined,
          conflicts > 0 ? plural(conflicts, 'eventID conflict') : undefined,
        ]
          .filter((part) => part !== undefined)
          .join(' · ');
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.contextValue = 'cloudtrail.problems';
        return item;
      }
      case 'problem': {
        const problem: FileProblem | undefined = summary?.skipped[element.position];
        const item = new vscode.TreeItem(problem ? path.basename(problem.path) : '(gone)', vscode.TreeItemCollapsibleState.None);
        item.id = `sources/${element.sourceId}/problem/${element.position}`;
        if (problem) {
          item.description = problem.reason;
          const tooltip = new vscode.MarkdownString();
          tooltip.appendText(problem.path);
          tooltip.appendMarkdown('\n\n');
          tooltip.appendText(problem.offset !== undefined ? `at byte ${problem.offset}: ${problem.reason}` : problem.reason);
          item.tooltip = tooltip;
        }
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.contextValue = 'cloudtrail.problem';
        return item;
      }
      case 'conflict':
        return this.conflictItem(element, summary);
    }
  }

  /** One eventID conflict: both records are kept, and the tooltip says where each one is. */
  private conflictItem(element: Extract<SourcesNode, { kind: 'conflict' }>, summary: SourceSummary | undefined): vscode.TreeItem {
    const conflict: EventIdConflict | undefined = element.position >= 0 ? summary?.conflictList[element.position] : undefined;
    const id = `sources/${element.sourceId}/conflict/${element.position >= 0 ? element.position : 'more'}`;
    if (element.position < 0) {
      const unlisted = (summary?.conflicts ?? 0) - (summary?.conflictList.length ?? 0);
      const item = new vscode.TreeItem(`${plural(unlisted, 'more eventID conflict')}`, vscode.TreeItemCollapsibleState.None);
      item.id = id;
      item.description = 'not listed; every record was kept';
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.contextValue = 'cloudtrail.conflict';
      return item;
    }
    const item = new vscode.TreeItem(conflict ? `eventID ${conflict.eventId}` : '(gone)', vscode.TreeItemCollapsibleState.None);
    item.id = id;
    if (conflict) {
      item.description = `records differ, both kept: ${path.basename(conflict.first.path)} · ${path.basename(conflict.second.path)}`;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendText(`Two records share the eventID ${conflict.eventId} but differ in content. Both are kept; neither is taken for the other.`);
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(`first: ${describePlace(conflict.first)}`);
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(`second: ${describePlace(conflict.second)}`);
      item.tooltip = tooltip;
    }
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.contextValue = 'cloudtrail.conflict';
    return item;
  }

  private sourceItem(element: SourcesNode, summary: SourceSummary | undefined): vscode.TreeItem {
    const loading = this.services.loadingSources.has(element.sourceId);
    const item = new vscode.TreeItem(summary?.label ?? element.sourceId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sources/${element.sourceId}`;
    if (!summary) return item;
    const problems = problemCount(summary) > 0 ? ` · ${plural(problemCount(summary), 'problem')}` : '';
    item.description = loading
      ? `loading… ${plural(summary.events, 'event')}`
      : `${plural(summary.events, 'event')} · ${this.services.display.span(summary.first, summary.last)}${problems}`;
    item.iconPath = loading
      ? new vscode.ThemeIcon('loading~spin')
      : problemCount(summary) > 0
        ? new vscode.ThemeIcon('database', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon('database');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${summary.label}: ${plural(summary.events, 'event')}, ${this.services.display.span(summary.first, summary.last)}`);
    for (const p of summary.paths) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(p);
    }
    if (summary.fromCache) tooltip.appendMarkdown('\n\n*loaded from the index cache*');
    item.tooltip = tooltip;
    item.contextValue = loading ? 'cloudtrail.source.loading' : 'cloudtrail.source';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Commands on sources: add folder/files, the Explorer context menu, remove, reload, show problems. */
export class SourcesView extends Disposable {
  readonly provider: SourcesTreeProvider;
  readonly treeView: vscode.TreeView<SourcesNode>;
  private workspaceTrailFiles = { count: 0, capped: false };

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'addSource' | 'investigation' | 'loadingSources' | 'onDidChangeSources' | 'reloadSource' | 'removeSource'>) {
    super();
    this.provider = new SourcesTreeProvider(services);
    this.treeView = vscode.window.createTreeView(SOURCES_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(
      this.provider,
      this.treeView,
      vscode.commands.registerCommand(Commands.addFolder, () => this.pickAndAdd(true)),
      vscode.commands.registerCommand(Commands.addFiles, () => this.pickAndAdd(false)),
      vscode.commands.registerCommand(Commands.addFromExplorer, (uri?: vscode.Uri, selected?: vscode.Uri[]) => this.addFromExplorer(uri, selected)),
      vscode.commands.registerCommand(Commands.removeSource, (node?: SourcesNode) => this.remove(node)),
      vscode.commands.registerCommand(Commands.reloadSource, (node?: SourcesNode) => this.reload(node)),
      vscode.commands.registerCommand(Commands.showSkipped, (sourceId?: string) => this.showSkipped(sourceId)),
      services.onDidChangeSources(() => this.updateDescription()),
    );
  }

  /**
   * The number of trail files in the workspace, shown beside the view's title while nothing is
   * loaded (the welcome content's "Load" button cannot carry a number).
   */
  showWorkspaceTrailFiles(count: number, capped: boolean): void {
    this.workspaceTrailFiles = { count, capped };
    this.updateDescription();
  }

  private updateDescription(): void {
    const { count, capped } = this.workspaceTrailFiles;
    const empty = this.services.investigation.summaries().length === 0;
    this.treeView.description = empty && count > 0 ? `${capped ? 'over ' : ''}${plural(count, 'trail file')} found` : undefined;
  }

  private async pickAndAdd(folders: boolean): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: !folders,
      canSelectFolders: folders,
      canSelectMany: true,
      openLabel: 'Add to Investigation',
      title: folders ? 'Add folders of CloudTrail logs' : 'Add CloudTrail files',
      filters: folders ? undefined : { 'CloudTrail evidence': ['json', 'gz', 'jsonl', 'ndjson', 'csv'], 'All files': ['*'] },
    });
    if (!picked || picked.length === 0) return;
    await this.services.addSource(picked.map((uri) => uri.fsPath));
  }

  private async addFromExplorer(uri?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
    const uris = selected && selected.length > 0 ? selected : uri ? [uri] : [];
    if (uris.length === 0) return this.pickAndAdd(true);
    await this.services.addSource(uris.map((u) => u.fsPath));
  }

  /** The source a command acts on: the clicked node, else a pick when there are several. */
  private async sourceFor(node?: SourcesNode, verb = 'act on'): Promise<SourceSummary | undefined> {
    const summaries = this.services.investigation.summaries();
    if (node) return summaries.find((s) => s.id === node.sourceId);
    if (summaries.length <= 1) return summaries[0];
    const picked = await vscode.window.showQuickPick(
      summaries.map((s) => ({ label: s.label, description: plural(s.events, 'event'), detail: s.paths.join(', '), id: s.id })),
      { title: `Which source to ${verb}?` },
    );
    return picked ? summaries.find((s) => s.id === picked.id) : undefined;
  }

  private async remove(node?: SourcesNode): Promise<void> {
    const summary = await this.sourceFor(node, 'remove');
    if (summary) await this.services.removeSource(summary.id);
  }

  private async reload(node?: SourcesNode): Promise<void> {
    const summary = await this.sourceFor(node, 'reload');
    if (summary) await this.services.reloadSource(summary.id);
  }

  private async showSkipped(sourceId?: string): Promise<void> {
    const summary = sourceId
      ? this.services.investigation.summaries().find((s) => s.id === sourceId)
      : this.services.investigation.summaries().find((s) => problemCount(s) > 0);
    if (!summary || problemCount(summary) === 0) return;
    await this.treeView.reveal(this.provider.problemsNode(summary.id), { expand: true, focus: true, select: true });
  }
}
