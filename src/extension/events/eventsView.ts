import * as vscode from 'vscode';
import type { EventId } from '../../core/engine/api';
import { Commands, ContextKeys } from '../commands';
import { describeFilter } from '../filter/describeFilter';
import { shortPrincipal } from '../explorer/groupings';
import type { ExtensionServices } from '../services';
import { escapeMarkdown, oneLine, shortTime } from '../util/text';

export const EVENTS_VIEW_ID = 'cloudtrail.events';
const PAGE_SIZE = 200;

export type EventsNode = { readonly kind: 'event'; readonly eventId: EventId } | { readonly kind: 'more'; readonly shown: number; readonly total: number };

/** The events matching the filter, newest or oldest first, a page at a time. */
export class EventsTreeProvider implements vscode.TreeDataProvider<EventsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EventsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private order: 'asc' | 'desc' = 'desc';
  private shown = PAGE_SIZE;
  private sorted: { index: object; version: number; effective: string; order: string; ids: Int32Array } | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly services: ExtensionServices) {
    this.subscriptions = [services.filter.onDidChange(() => this.scheduleRefresh()), services.onDidChangeIndex(() => this.scheduleRefresh())];
  }

  get newestFirst(): boolean {
    return this.order === 'desc';
  }

  toggleOrder(): void {
    this.order = this.order === 'desc' ? 'asc' : 'desc';
    this.shown = PAGE_SIZE;
    this.changed.fire(undefined);
  }

  loadMore(): void {
    this.shown += PAGE_SIZE;
    this.changed.fire(undefined);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.shown = PAGE_SIZE;
      this.changed.fire(undefined);
    }, 80);
  }

  /** Every matching event in display order. */
  orderedIds(): Int32Array {
    const { investigation, filter } = this.services;
    const index = investigation.index;
    const effective = filter.effective;
    const s = this.sorted;
    if (s && s.index === index && s.version === index.version && s.effective === effective && s.order === this.order) return s.ids;
    const ids = index.sortByTime(filter.selection(), this.order);
    this.sorted = { index, version: index.version, effective, order: this.order, ids };
    return ids;
  }

  getChildren(element?: EventsNode): EventsNode[] {
    if (element) return [];
    const ids = this.orderedIds();
    const nodes: EventsNode[] = [];
    const end = Math.min(ids.length, this.shown);
    for (let i = 0; i < end; i++) nodes.push({ kind: 'event', eventId: ids[i] });
    if (ids.length > end) nodes.push({ kind: 'more', shown: end, total: ids.length });
    return nodes;
  }

  getTreeItem(element: EventsNode): vscode.TreeItem {
    if (element.kind === 'more') {
      const item = new vscode.TreeItem(`Load more… (${element.shown.toLocaleString('en-US')} of ${element.total.toLocaleString('en-US')} shown)`);
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: Commands.eventsLoadMore, title: 'Load More' };
      return item;
    }
    const row = this.services.investigation.index.row(element.eventId);
    const item = new vscode.TreeItem(`${shortTime(row.time)}  ${oneLine(row.eventName ?? '(no event name)', 80)}`);
    const parts = [shortPrincipal(row.principal), row.ip ?? '', row.error ?? ''].filter(Boolean).map((p) => oneLine(p, 60));
    item.description = parts.join(' · ');
    item.iconPath = row.error
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : row.readOnly === false
        ? new vscode.ThemeIcon('edit')
        : new vscode.ThemeIcon('eye');
    const tooltip = new vscode.MarkdownString();
    const line = (label: string, value: string | undefined): void => {
      if (value === undefined) return;
      tooltip.appendMarkdown(`**${label}**: ${escapeMarkdown(value)}  \n`);
    };
    line('Time', shortTime(row.time));
    line('Event', [row.eventSource, row.eventName].filter(Boolean).join(' '));
    line('Principal', row.principal);
    line('Access key', row.accessKey);
    line('Source IP', row.ip);
    line('Region', row.region);
    line('Error', row.error);
    line('Event ID', row.eventId);
    item.tooltip = tooltip;
    item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
    item.contextValue = 'cloudtrail.event';
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

export class EventsView implements vscode.Disposable {
  readonly provider: EventsTreeProvider;
  readonly treeView: vscode.TreeView<EventsNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: ExtensionServices) {
    this.provider = new EventsTreeProvider(services);
    this.treeView = vscode.window.createTreeView(EVENTS_VIEW_ID, { treeDataProvider: this.provider });
    this.disposables.push(
      this.provider,
      this.treeView,
      services.filter.onDidChange(() => this.updateDescription()),
      services.onDidChangeIndex(() => this.updateDescription()),
      vscode.commands.registerCommand(Commands.eventsToggleOrder, () => {
        this.provider.toggleOrder();
        this.updateDescription();
      }),
      vscode.commands.registerCommand(Commands.eventsLoadMore, () => this.provider.loadMore()),
    );
    this.updateDescription();
  }

  private updateDescription(): void {
    const order = this.provider.newestFirst ? 'newest first' : 'oldest first';
    this.treeView.description = `${describeFilter(this.services)} · ${order}`;
    void vscode.commands.executeCommand('setContext', ContextKeys.eventsNewestFirst, this.provider.newestFirst);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
