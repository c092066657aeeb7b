import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceSummary } from '../../core/engine/api';
import type { FileProblem } from '../../core/sources/types';
import { Commands } from '../commands';
import type { ExtensionServices } from '../services';
import { plural, timeSpan } from '../util/text';

export type SourcesNode =
  | { readonly kind: 'source'; readonly sourceId: string }
  | { readonly kind: 'detail'; readonly sourceId: string; readonly label: string; readonly icon: string }
  | { readonly kind: 'problems'; readonly sourceId: string }
  | { readonly kind: 'problem'; readonly sourceId: string; readonly position: number };

export const SOURCES_VIEW_ID = 'cloudtrail.sources';

/** The Sources view: each source with its counts, time span and every file it could not read. */
export class SourcesTreeProvider implements vscode.TreeDataProvider<SourcesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SourcesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Node objects are kept per id so reveal() finds the same element again. */
  private readonly nodes = new Map<string, SourcesNode>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly services: ExtensionServices) {
    this.subscription = services.onDidChangeSources(() => this.refresh());
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
      if (summary.skipped.length > 0) details.push(this.problemsNode(summary.id));
      return details;
    }
    if (element.kind === 'problems') {
      return summary.skipped.map((_, position) =>
        this.node(`problem/${summary.id}/${position}`, () => ({ kind: 'problem', sourceId: summary.id, position })),
      );
    }
    return [];
  }

  getParent(element: SourcesNode): SourcesNode | undefined {
    if (element.kind === 'source') return undefined;
    if (element.kind === 'problem') return this.problemsNode(element.sourceId);
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
        const item = new vscode.TreeItem('Problems', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `sources/${element.sourceId}/problems`;
        item.description = plural(count, 'file or part', 'files or parts') + ' skipped';
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
    }
  }

  private sourceItem(element: SourcesNode, summary: SourceSummary | undefined): vscode.TreeItem {
    const loading = this.services.loadingSources.has(element.sourceId);
    const item = new vscode.TreeItem(summary?.label ?? element.sourceId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sources/${element.sourceId}`;
    if (!summary) return item;
    const problems = summary.skipped.length > 0 ? ` · ${plural(summary.skipped.length, 'problem')}` : '';
    item.description = loading
      ? `loading… ${plural(summary.events, 'event')}`
      : `${plural(summary.events, 'event')} · ${timeSpan(summary.first, summary.last)}${problems}`;
    item.iconPath = loading
      ? new vscode.ThemeIcon('loading~spin')
      : summary.skipped.length > 0
        ? new vscode.ThemeIcon('database', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon('database');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${summary.label}: ${plural(summary.events, 'event')}, ${timeSpan(summary.first, summary.last)}`);
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
export class SourcesView implements vscode.Disposable {
  readonly provider: SourcesTreeProvider;
  readonly treeView: vscode.TreeView<SourcesNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: ExtensionServices) {
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
    );
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
      : this.services.investigation.summaries().find((s) => s.skipped.length > 0);
    if (!summary || summary.skipped.length === 0) return;
    await this.treeView.reveal(this.provider.problemsNode(summary.id), { expand: true, focus: true, select: true });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
