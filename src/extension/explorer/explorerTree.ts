import * as vscode from 'vscode';
import type { EventId, Selection } from '../../core/engine/api';
import { insightSpans, type InsightSpan } from '../../core/insights/pairs';
import { FIELD_INFO } from '../../core/index/fields';
import type { IdentityType } from '../../core/model/event';
import { intersect } from '../../core/index/selection';
import { Commands } from '../commandIds';
import type { PivotTarget } from '../pivots/target';
import type { ExtensionServices } from '../services';
import { eventTreeItem, insightTreeItem, type SharedColumns } from '../events/eventsView';
import { escapeMarkdown, oneLine, plural } from '../util/text';
import { DEFAULT_GROUPING, FIELD_ICONS, type Grouping, IDENTITY_ICONS, shortValue } from './groupings';
import { Disposable } from '../util/disposables';

export interface ValueNode extends PivotTarget {
  readonly kind: 'value';
  /** Ancestry path: unique even when one principal appears under several parents. */
  readonly id: string;
  readonly depth: number;
  /** The terms of this node and its ancestors, outermost first. */
  readonly path: readonly PivotTarget[];
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly principalType?: IdentityType;
}

export interface LoadMoreNode {
  readonly kind: 'loadMore';
  readonly id: string;
  /** Id of the node whose children page (the root is ''). */
  readonly parentId: string;
  readonly shown: number;
  readonly total: number;
}

/** "CloudTrail Insights" at the top of the tree, when the filter's events hold any. */
export interface InsightsRootNode {
  readonly kind: 'insights';
  readonly id: string;
  readonly spans: readonly InsightSpan[];
}

/** One CloudTrail Insight (its Start and End records). */
export interface InsightNode {
  readonly kind: 'insight';
  readonly id: string;
  readonly span: InsightSpan;
}

/** One record of an Insight. */
export interface InsightRecordNode {
  readonly kind: 'insightRecord';
  readonly id: string;
  readonly eventId: EventId;
  readonly parent: InsightNode;
}

/**
 * One event under a node of the last level (its events, newest first): the row leaves out what
 * the ancestry names (see eventPins).
 */
export interface EventRowNode {
  readonly kind: 'event';
  /** The parent's id and the event: stable across refreshes. */
  readonly id: string;
  readonly eventId: EventId;
  readonly parent: ValueNode;
}

export type ExplorerNode = ValueNode | LoadMoreNode | InsightsRootNode | InsightNode | InsightRecordNode | EventRowNode;

export const PAGE_SIZE = 200;

/** A value node's who-and-where is computed from its events up to this many (see whoAndWhere). */
export const MAX_WHO_WHERE_EVENTS = 20_000;

/**
 * Accounts › Regions › Principals › Sessions and keys › Event names (or another grouping),
 * always within the active filter. Children are computed from `index.top` over the
 * filter's selection narrowed by the ancestry, cached per index version and filter.
 */
export class ExplorerTreeProvider extends Disposable implements vscode.TreeDataProvider<ExplorerNode> {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private children = new Map<string, ValueNode[]>();
  private readonly pageSizes = new Map<string, number>();
  private readonly parents = new Map<string, ValueNode>();
  private cacheKey: { index: object; version: number; filter: object; grouping: string } | undefined;
  private insightsRoot: InsightsRootNode | null | undefined;
  private insightNodes = new Map<string, InsightNode>();
  private grouping: Grouping = DEFAULT_GROUPING;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Each value node's "who · from where" description part (see whoAndWhere), cached like the children. */
  private whoWhere = new Map<string, string>();
  /** A last-level node's events, newest first, cached like the children. */
  private events = new Map<string, Int32Array>();

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'filter' | 'investigation' | 'onDidChangeIndex'>) {
    super();
    this.disposables.push(
      services.filter.onDidChange(() => this.scheduleRefresh()),
      services.onDidChangeIndex(() => this.scheduleRefresh()),
      services.display.onDidChange(() => this.refreshNow()),
    );
  }

  get currentGrouping(): Grouping {
    return this.grouping;
  }

  setGrouping(grouping: Grouping): void {
    this.grouping = grouping;
    this.refreshNow();
  }

  /** Filter and index changes come in bursts (live appends, typing): merge them. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refreshNow(), 80);
  }

  refreshNow(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.changed.fire(undefined);
  }

  loadMore(parentId: string): void {
    this.pageSizes.set(parentId, (this.pageSizes.get(parentId) ?? PAGE_SIZE) + PAGE_SIZE);
    this.changed.fire(parentId ? this.parents.get(parentId) : undefined);
  }

  private validateCache(): void {
    const index = this.services.investigation.index;
    const filter = this.services.filter.value;
    const key = this.cacheKey;
    if (key && key.index === index && key.version === index.version && key.filter === filter && key.grouping === this.grouping.id) return;
    this.children = new Map();
    this.whoWhere = new Map();
    this.events = new Map();
    this.insightsRoot = undefined;
    this.insightNodes = new Map();
    this.parents.clear();
    this.pageSizes.clear();
    this.cacheKey = { index, version: index.version, filter, grouping: this.grouping.id };
  }

  /** Every child of a node (not paged): what the counts are checked against. */
  allChildren(parent?: ValueNode): ValueNode[] {
    this.validateCache();
    const parentId = parent?.id ?? '';
    const cached = this.children.get(parentId);
    if (cached) return cached;
    const depth = parent ? parent.depth + 1 : 0;
    const level = this.grouping.levels[depth];
    if (!level) return [];
    const path = parent?.path ?? [];
    const selection = this.selectionFor(path);
    const index = this.services.investigation.index;
    const nodes: ValueNode[] = [];
    for (const field of level) {
      for (const entry of index.top(field, selection, Number.MAX_SAFE_INTEGER)) {
        const step: PivotTarget = { field, value: entry.value };
        const nodePath = [...path, step];
        nodes.push({
          kind: 'value',
          id: `${this.grouping.id}:${JSON.stringify(nodePath.map((p) => [p.field, p.value]))}`,
          depth,
          field,
          value: entry.value,
          path: nodePath,
          count: entry.count,
          first: entry.first,
          last: entry.last,
          principalType: field === 'principal' ? this.identityTypeOf(entry.value) : undefined,
        });
      }
    }
    this.children.set(parentId, nodes);
    for (const node of nodes) this.parents.set(node.id, node);
    return nodes;
  }

  /** The filter's events narrowed by each step of the path: posting lists intersected, no filter text. */
  selectionFor(path: readonly PivotTarget[]): Selection {
    const index = this.services.investigation.index;
    let selection = this.services.filter.selection();
    for (const step of path) selection = intersect(selection, index.postings(step.field, step.value));
    return selection;
  }

  private identityTypeOf(principal: string): IdentityType | undefined {
    const index = this.services.investigation.index;
    const ids = index.postings('principal', principal);
    return ids.length > 0 ? (index.value('principalType', ids[0]) as IdentityType | undefined) : undefined;
  }

  /** The filter's CloudTrail Insights, paired; undefined when it holds none (cached like the children). */
  insights(): InsightsRootNode | undefined {
    this.validateCache();
    if (this.insightsRoot === undefined) {
      const index = this.services.investigation.index;
      const spans = index.insightCount > 0 ? insightSpans(index, this.services.filter.selection()) : [];
      this.insightsRoot = spans.length > 0 ? { kind: 'insights', id: 'insights', spans } : null;
    }
    return this.insightsRoot ?? undefined;
  }

  private insightNode(span: InsightSpan): InsightNode {
    const id = `insight:${span.key}`;
    let node = this.insightNodes.get(id);
    if (!node || node.span !== span) {
      node = { kind: 'insight', id, span };
      this.insightNodes.set(id, node);
    }
    return node;
  }

  /** Whether a value node is of the grouping's last level (its children are its events). */
  isLastLevel(node: ValueNode): boolean {
    return node.depth + 1 >= this.grouping.levels.length;
  }

  /** A last-level node's events, newest first (sorted once per node; rows are built for the page shown). */
  eventIds(node: ValueNode): Int32Array {
    this.validateCache();
    let ids = this.events.get(node.id);
    if (!ids) {
      ids = this.services.investigation.index.sortByTime(this.selectionFor(node.path), 'desc');
      this.events.set(node.id, ids);
    }
    return ids;
  }

  private eventPage(node: ValueNode): ExplorerNode[] {
    const ids = this.eventIds(node);
    const shown = Math.min(ids.length, this.pageSizes.get(node.id) ?? PAGE_SIZE);
    const rows: ExplorerNode[] = [];
    for (let i = 0; i < shown; i++) rows.push({ kind: 'event', id: `${node.id}/${ids[i]}`, eventId: ids[i], parent: node });
    if (ids.length > shown) rows.push({ kind: 'loadMore', id: `${node.id}#more`, parentId: node.id, shown, total: ids.length });
    return rows;
  }

  /**
   * What an event row under `node` need not repeat: what its ancestry names. A principal, a
   * role session or an access key names who (one principal uses a key or session); an IP node
   * names where; an event-name node the event (the row's label is then the time alone) and an
   * error node the error.
   */
  eventPins(node: ValueNode): SharedColumns {
    const pins: SharedColumns = {};
    for (const step of node.path) {
      if (step.field === 'principal') pins.principal = step.value;
      else if ((step.field === 'session' || step.field === 'accessKey') && pins.principal === undefined) pins.principal = step.value;
      else if (step.field === 'ip') pins.ip = step.value;
      else if (step.field === 'eventName') pins.eventName = step.value;
      else if (step.field === 'error') pins.error = step.value;
    }
    return pins;
  }

  getChildren(element?: ExplorerNode): ExplorerNode[] {
    if (element?.kind === 'loadMore' || element?.kind === 'insightRecord' || element?.kind === 'event') return [];
    if (element?.kind === 'value' && this.isLastLevel(element)) return this.eventPage(element);
    if (element?.kind === 'insights') return element.spans.map((span) => this.insightNode(span));
    if (element?.kind === 'insight') {
      return element.span.ids.map((eventId) => ({ kind: 'insightRecord', id: `${element.id}/${eventId}`, eventId, parent: element }));
    }
    const all = this.allChildren(element);
    if (!element) {
      const insights = this.insights();
      if (insights) return [insights, ...this.page(all, '')];
    }
    return this.page(all, element?.id ?? '');
  }

  private page(all: ValueNode[], parentId: string): ExplorerNode[] {
    const pageSize = this.pageSizes.get(parentId) ?? PAGE_SIZE;
    if (all.length <= pageSize) return all;
    const more: LoadMoreNode = { kind: 'loadMore', id: `${parentId}#more`, parentId, shown: pageSize, total: all.length };
    return [...all.slice(0, pageSize), more];
  }

  getParent(element: ExplorerNode): ExplorerNode | undefined {
    if (element.kind === 'insights') return undefined;
    if (element.kind === 'insight') return this.insights();
    if (element.kind === 'insightRecord' || element.kind === 'event') return element.parent;
    const parentId = element.kind === 'loadMore' ? element.parentId : element.depth === 0 ? '' : undefined;
    if (parentId === '') return undefined;
    if (element.kind === 'value') {
      for (const [id, nodes] of this.children) if (nodes.includes(element)) return this.parents.get(id);
      return undefined;
    }
    return this.parents.get(element.parentId);
  }

  getTreeItem(element: ExplorerNode): vscode.TreeItem {
    if (element.kind === 'insights') {
      const item = new vscode.TreeItem('CloudTrail Insights', vscode.TreeItemCollapsibleState.Expanded);
      item.id = element.id;
      item.description = plural(element.spans.length, 'Insight');
      item.iconPath = new vscode.ThemeIcon('pulse', new vscode.ThemeColor('charts.orange'));
      item.tooltip = 'Unusual API call or error rates CloudTrail Insights recorded, each from its Start to its End record';
      item.contextValue = 'cloudtrail.insights';
      return item;
    }
    if (element.kind === 'insight') {
      const item = insightTreeItem(element.span, this.services.display);
      item.id = element.id;
      return item;
    }
    if (element.kind === 'insightRecord') {
      const index = this.services.investigation.index;
      const state = index.insight(element.eventId)?.state || 'record';
      const item = new vscode.TreeItem(`${oneLine(state, 40)}  ${this.services.display.time(index.time(element.eventId))}`);
      item.id = element.id;
      item.description = oneLine(index.value('eventId', element.eventId) ?? '', 60);
      item.iconPath = new vscode.ThemeIcon(/^end$/i.test(state) ? 'debug-stop' : 'debug-start');
      item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
      item.contextValue = 'cloudtrail.insightRecord';
      return item;
    }
    if (element.kind === 'event') return this.eventItem(element);
    if (element.kind === 'loadMore') {
      const item = new vscode.TreeItem(`Load more… (${element.shown.toLocaleString('en-US')} of ${element.total.toLocaleString('en-US')} shown)`);
      item.id = element.id;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: Commands.explorerLoadMore, title: 'Load More', arguments: [element.parentId] };
      item.contextValue = 'cloudtrail.loadMore';
      return item;
    }
    const { display } = this.services;
    const label = element.field === 'principal' ? display.principal(element.value) : oneLine(shortValue(element.field, element.value, (ms) => display.time(ms)));
    // The last level expands to its events.
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = element.id;
    const whoWhere = this.whoAndWhere(element);
    item.description = `${element.count.toLocaleString('en-US')}${whoWhere ? ` · ${whoWhere}` : ''}`;
    item.iconPath = this.iconFor(element);
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${escapeMarkdown(FIELD_INFO[element.field].label)}**\n\n`);
    if (element.field === 'principal' && label !== element.value) tooltip.appendMarkdown(`${escapeMarkdown(label)}\n\n`);
    tooltip.appendText(element.value);
    tooltip.appendMarkdown(`\n\n${escapeMarkdown(plural(element.count, 'event'))} · ${escapeMarkdown(display.span(element.first, element.last))}`);
    if (whoWhere) tooltip.appendMarkdown(`\n\nBy and from: ${escapeMarkdown(whoWhere)}`);
    if (element.principalType) tooltip.appendMarkdown(`\n\nIdentity type: ${escapeMarkdown(element.principalType)}`);
    item.tooltip = tooltip;
    item.contextValue = `cloudtrail.value.${element.field}`;
    item.accessibilityInformation = {
      label: `${FIELD_INFO[element.field].label} ${label}, ${plural(element.count, 'event')}${whoWhere ? `, ${whoWhere}` : ''}`,
    };
    return item;
  }

  /**
   * Who and from where a node's events came, for its row: the principal (unless the node's path
   * already names one: a principal, a role session or an access key) and the source IP (unless
   * the path names one), each the most frequent with `+N` more: `carol.admin · 203.0.113.66 +2`.
   * It reads the node's events, so it is left out (empty) above MAX_WHO_WHERE_EVENTS: the rows
   * of a page must stay cheap on a million-event index.
   */
  whoAndWhere(node: ValueNode): string {
    const cached = this.whoWhere.get(node.id);
    if (cached !== undefined) return cached;
    const named = new Set(node.path.map((p) => p.field));
    const wantWho = !named.has('principal') && !named.has('session') && !named.has('accessKey');
    const wantWhere = !named.has('ip');
    let text = '';
    if ((wantWho || wantWhere) && node.count <= MAX_WHO_WHERE_EVENTS) {
      const index = this.services.investigation.index;
      const ids = this.selectionFor(node.path);
      const tally = (field: 'principal' | 'ip'): { top: string; others: number } | undefined => {
        const counts = new Map<string, number>();
        for (let i = 0; i < ids.length; i++) {
          const value = index.value(field, ids[i]);
          if (value !== undefined && value !== '') counts.set(value, (counts.get(value) ?? 0) + 1);
        }
        let top: string | undefined;
        let best = 0;
        for (const [value, count] of counts) if (count > best || (count === best && top !== undefined && value < top)) [top, best] = [value, count];
        return top === undefined ? undefined : { top, others: counts.size - 1 };
      };
      const parts: string[] = [];
      const who = wantWho ? tally('principal') : undefined;
      if (who) parts.push(`${this.services.display.principal(who.top)}${who.others ? ` +${who.others}` : ''}`);
      const where = wantWhere ? tally('ip') : undefined;
      if (where) parts.push(`${oneLine(where.top, 60)}${where.others ? ` +${where.others}` : ''}`);
      text = parts.join(' · ');
    }
    this.whoWhere.set(node.id, text);
    return text;
  }

  /**
   * An event under a last-level node: the time (the clock alone when the node's events fall on
   * one day) and what the ancestry does not name, who and from where first.
   */
  private eventItem(node: EventRowNode): vscode.TreeItem {
    const { display, investigation } = this.services;
    const parent = node.parent;
    const oneDay = display.time(parent.first).slice(0, 10) === display.time(parent.last).slice(0, 10);
    const item = eventTreeItem(investigation.index.row(node.eventId), display, oneDay ? 'clock' : 'short', this.eventPins(parent));
    item.id = node.id;
    item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [node.eventId] };
    item.contextValue = 'cloudtrail.explorerEvent';
    return item;
  }

  private iconFor(node: ValueNode): vscode.ThemeIcon {
    if (node.field === 'principal' && node.principalType) {
      const color = node.principalType === 'Root' ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined;
      return new vscode.ThemeIcon(IDENTITY_ICONS[node.principalType], color);
    }
    if (node.field === 'error') return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    if (node.field === 'accessKey' && node.value.startsWith('ASIA')) return new vscode.ThemeIcon('key', new vscode.ThemeColor('charts.yellow'));
    return new vscode.ThemeIcon(FIELD_ICONS[node.field] ?? 'symbol-field');
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    super.dispose();
    this.changed.dispose();
  }
}
