import * as vscode from 'vscode';
import type { EventId, EventIndexApi, EventRow } from '../../core/engine/api';
import { insightLabel, insightSpans, insightWhen, type InsightSpan } from '../../core/insights/pairs';
import { arrangeNoise, type ArrangedItem } from '../../core/noise/arrange';
import type { NoiseGroup } from '../../core/noise/group';
import { ContextKeys } from '../commands';
import { describeFilter } from '../filter/describeFilter';
import { affectsNoiseGrouping, noiseGroupingEnabled } from '../intel/noise';
import type { ExtensionServices } from '../services';
import type { DisplayFormat, TimeForm } from '../display';
import { escapeMarkdown, oneLine, plural } from '../util/text';
import { Disposable } from '../util/disposables';
import { Commands } from '../commandIds';

export const EVENTS_VIEW_ID = 'cloudtrail.events';
const PAGE_SIZE = 200;

/** A collapsed run of AWS-service events or of one console session's calls (see core/noise). */
export interface EventsGroupNode {
  readonly kind: 'group';
  /** Unique in the list: the tree item id, so the group stays expanded across refreshes. */
  readonly id: string;
  readonly group: NoiseGroup;
  /** Members in display order. */
  readonly ids: readonly EventId[];
}

/** One CloudTrail Insight: its Start and End records (always grouped, whatever the noise setting). */
export interface EventsInsightNode {
  readonly kind: 'insight';
  readonly id: string;
  readonly span: InsightSpan;
  /** Its records in display order. */
  readonly ids: readonly EventId[];
}

export type EventsNode =
  | { readonly kind: 'event'; readonly eventId: EventId }
  | EventsGroupNode
  | EventsInsightNode
  /** `group` set: the rest of that group's members; otherwise the rest of the list. */
  | { readonly kind: 'more'; readonly shown: number; readonly total: number; readonly group?: EventsGroupNode };

type ListItem = { readonly kind: 'event'; readonly eventId: EventId } | EventsGroupNode | EventsInsightNode;

/** `4 s`, `3 min`, `2 h`: how long a group lasted. */
function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}

/** "AWS service: config.amazonaws.com · 3 events", "Console burst: alice.dev · 6 events in 2 s". */
function groupLabel(index: EventIndexApi, display: DisplayFormat, group: NoiseGroup): string {
  const count = plural(group.ids.length, 'event');
  if (group.kind === 'aws-service') return `AWS service: ${oneLine(group.key.replace(/^service:/, ''), 80)} · ${count}`;
  const who = display.principal(index.value('principal', group.ids[0]));
  return `Console burst: ${oneLine(who, 80)} · ${count} in ${duration(group.last - group.first)}`;
}

/** A CloudTrail Insight's tree item (the Events view and the Explorer): label, span, tooltip. */
export function insightTreeItem(span: InsightSpan, display: Pick<DisplayFormat, 'zone'>): vscode.TreeItem {
  const times = { zone: display.zone };
  const item = new vscode.TreeItem(oneLine(insightLabel(span, times), 160), vscode.TreeItemCollapsibleState.Collapsed);
  item.description = plural(span.ids.length, 'record');
  item.iconPath = new vscode.ThemeIcon('pulse', new vscode.ThemeColor('charts.orange'));
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**CloudTrail Insight** ${escapeMarkdown(span.insightType ?? '')}  \n`);
  tooltip.appendMarkdown(`**API**: ${escapeMarkdown([span.eventSource, span.eventName].filter(Boolean).join(' '))}  \n`);
  tooltip.appendMarkdown(`**When**: ${escapeMarkdown(insightWhen(span, times))}  \n`);
  if (span.sharedEventId) tooltip.appendMarkdown(`**Shared event ID**: ${escapeMarkdown(span.sharedEventId)}  \n`);
  if (span.end === undefined && span.start !== undefined) tooltip.appendMarkdown('No End record: the unusual activity had not ended when these records were written  \n');
  if (span.start === undefined && span.end !== undefined) tooltip.appendMarkdown('No Start record among the loaded events: it began earlier  \n');
  item.tooltip = tooltip;
  item.contextValue = 'cloudtrail.insight';
  item.accessibilityInformation = { label: `${insightLabel(span, times)}, ${plural(span.ids.length, 'record')}` };
  return item;
}

/**
 * The principal and source IP every listed event shares (a pivot on a key, a principal or an
 * IP): rows leave them out, the view's description names them once, and the ~33 characters a
 * row shows at the default side bar width go to what differs.
 */
export interface SharedColumns {
  principal?: string;
  ip?: string;
}

/**
 * One event's row, shared by the Events view and the Explorer: the time (short, see
 * rowTimeForm) and event name as the label; who, from where and any error as the description,
 * in that order (what an investigator reads first, and what must fit the default ~300 px
 * sidebar); everything in the tooltip, times in the one display form.
 */
export function eventTreeItem(row: EventRow, display: DisplayFormat, timeForm: TimeForm, shared: SharedColumns = {}): vscode.TreeItem {
  const who = display.principal(row.principal);
  const item = new vscode.TreeItem(`${display.time(row.time, timeForm)} ${oneLine(row.eventName ?? '(no event name)', 80)}`);
  // A service calling from its own name (`ec2.amazonaws.com` from `ec2.amazonaws.com`) says it once.
  const where = row.ip === who ? undefined : row.ip;
  const parts = [shared.principal === undefined ? who : undefined, shared.ip === undefined ? where : undefined, row.error];
  item.description = parts.filter((p): p is string => Boolean(p)).map((p) => oneLine(p, 60)).join(' · ');
  item.iconPath = row.error
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : row.readOnly === false
      ? new vscode.ThemeIcon('edit')
      : new vscode.ThemeIcon('eye');
  const tooltip = new vscode.MarkdownString();
  const line = (label: string, value: string | undefined): void => {
    if (value === undefined || value === '') return;
    tooltip.appendMarkdown(`**${label}**: ${escapeMarkdown(value)}  \n`);
  };
  line('Time', display.time(row.time, 'full', 'auto'));
  line('Event', [row.eventSource, row.eventName].filter(Boolean).join(' '));
  line('Principal', who === row.principal ? who : `${who} (${row.principal})`);
  line('Identity type', row.principalType);
  line('Account', row.account);
  line('Access key', row.accessKey);
  line('Source IP', row.ip);
  line('Region', row.region);
  line('Error', row.error);
  line('User agent', row.userAgent === undefined ? undefined : oneLine(row.userAgent, 200));
  line('Event ID', row.eventId);
  item.tooltip = tooltip;
  item.accessibilityInformation = {
    label: `${row.eventName ?? 'event'} at ${display.time(row.time)} by ${who}${row.ip ? ` from ${row.ip}` : ''}${row.error ? `, error ${row.error}` : ''}`,
  };
  return item;
}

/**
 * The events matching the filter, newest or oldest first, a page at a time. With
 * `cloudtrail.noise.collapseServiceEvents`, AWS-service events and console bursts are one
 * expandable item each (paged like the list when large).
 */
export class EventsTreeProvider extends Disposable implements vscode.TreeDataProvider<EventsNode> {
  private readonly changed = new vscode.EventEmitter<EventsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private order: 'asc' | 'desc' = 'desc';
  private shown = PAGE_SIZE;
  /** Members shown per expanded group id (groups page like the list). */
  private readonly groupShown = new Map<string, number>();
  private sorted: { index: object; version: number; value: object; order: string; ids: Int32Array } | undefined;
  private arranged: { ids: Int32Array; grouping: boolean; items: ListItem[] } | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private rowTime: { ids: Int32Array; zone: string; form: TimeForm } | undefined;
  private shared: { ids: Int32Array; columns: SharedColumns } | undefined;

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'filter' | 'investigation' | 'onDidChangeIndex'>) {
    super();
    this.disposables.push(
      services.filter.onDidChange(() => this.scheduleRefresh()),
      services.onDidChangeIndex(() => this.scheduleRefresh()),
      services.display.onDidChange(() => this.changed.fire(undefined)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsNoiseGrouping(e)) this.scheduleRefresh();
      }),
    );
  }

  /** Whether AWS-service events and console bursts are shown as groups (the setting). */
  get grouping(): boolean {
    return noiseGroupingEnabled();
  }

  get newestFirst(): boolean {
    return this.order === 'desc';
  }

  toggleOrder(): void {
    this.order = this.order === 'desc' ? 'asc' : 'desc';
    this.shown = PAGE_SIZE;
    this.changed.fire(undefined);
  }

  /** Shows the next page of the list, or of a group when given its "Load more" node. */
  loadMore(node?: unknown): void {
    const group = typeof node === 'object' && node !== null && (node as EventsNode).kind === 'more' ? (node as Extract<EventsNode, { kind: 'more' }>).group : undefined;
    if (group) {
      this.groupShown.set(group.id, (this.groupShown.get(group.id) ?? PAGE_SIZE) + PAGE_SIZE);
      this.changed.fire(group);
      return;
    }
    this.shown += PAGE_SIZE;
    this.changed.fire(undefined);
  }

  private scheduleRefresh(): void {
    // Paging restarts at once (a "Load more" after the change is kept); the redraw is merged.
    this.shown = PAGE_SIZE;
    this.groupShown.clear();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
    }, 80);
  }

  /** Every matching event in display order. */
  orderedIds(): Int32Array {
    const { investigation, filter } = this.services;
    const index = investigation.index;
    const value = filter.value;
    const s = this.sorted;
    if (s && s.index === index && s.version === index.version && s.value === value && s.order === this.order) return s.ids;
    const ids = index.sortByTime(filter.selection(), this.order);
    this.sorted = { index, version: index.version, value, order: this.order, ids };
    return ids;
  }

  /**
   * How a row shows its time: the clock alone (`05:57:47`) when every listed event falls on one
   * day (the view's description names the day), else without the year (`03-04 05:57:47Z`).
   * Rows are narrow: the time must leave room for who and from where.
   */
  rowTimeForm(): TimeForm {
    const ids = this.orderedIds();
    const { display } = this.services;
    if (this.rowTime?.ids === ids && this.rowTime.zone === display.zone) return this.rowTime.form;
    const form: TimeForm = this.listDay() !== undefined ? 'clock' : 'short';
    this.rowTime = { ids, zone: display.zone, form };
    return form;
  }

  /** The principal and source IP all listed events share, if they do (see SharedColumns). */
  sharedColumns(): SharedColumns {
    const ids = this.orderedIds();
    if (this.shared?.ids === ids) return this.shared.columns;
    const index = this.services.investigation.index;
    const columns: SharedColumns = {};
    if (ids.length > 1) {
      const one = (field: 'principal' | 'ip'): string | undefined => {
        const first = index.value(field, ids[0]);
        if (first === undefined || first === '') return undefined;
        for (let i = 1; i < ids.length; i++) if (index.value(field, ids[i]) !== first) return undefined;
        return first;
      };
      const principal = one('principal');
      const ip = one('ip');
      if (principal !== undefined) columns.principal = principal;
      if (ip !== undefined) columns.ip = ip;
    }
    this.shared = { ids, columns };
    return columns;
  }

  /** The one day (`2026-03-04`, in the display zone) every listed event falls on, if there is one. */
  listDay(): string | undefined {
    const ids = this.orderedIds();
    if (ids.length === 0) return undefined;
    const index = this.services.investigation.index;
    const { display } = this.services;
    const a = display.time(index.time(ids[0]));
    const b = display.time(index.time(ids[ids.length - 1]));
    const day = a.slice(0, 10);
    return /^\d{4}-\d{2}-\d{2}$/.test(day) && b.slice(0, 10) === day ? day : undefined;
  }

  /**
   * The list's top-level items in display order: events, and groups when grouping is on
   * (cached per sorted list, so group nodes keep their identity between calls).
   */
  items(): readonly ListItem[] {
    const ids = this.orderedIds();
    const grouping = this.grouping;
    if (!grouping && this.services.investigation.index.insightCount === 0) return Array.from(ids, (eventId) => ({ kind: 'event' as const, eventId }));
    if (this.arranged?.ids === ids && this.arranged.grouping === grouping) return this.arranged.items;
    if (!grouping) {
      const items = this.withInsights(Array.from(ids, (eventId) => ({ kind: 'event' as const, eventId })), ids);
      this.arranged = { ids, grouping, items };
      return items;
    }
    const seen = new Map<string, number>();
    const items = arrangeNoise(this.services.investigation.index, ids, this.order).map((item: ArrangedItem): ListItem => {
      if (item.kind === 'event') return { kind: 'event', eventId: item.id };
      const base = `noise:${item.group.key}@${item.group.first}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { kind: 'group', id: n === 1 ? base : `${base}#${n}`, group: item.group, ids: item.ids };
    });
    const withInsights = this.withInsights(items, ids);
    this.arranged = { ids, grouping, items: withInsights };
    return withInsights;
  }

  /** Each CloudTrail Insight's records become one item, where its first record in display order was. */
  private withInsights(items: ListItem[], ids: Int32Array): ListItem[] {
    const index = this.services.investigation.index;
    if (index.insightCount === 0) return items;
    const spans = insightSpans(index, ids);
    if (spans.length === 0) return items;
    const spanOf = new Map<EventId, InsightSpan>();
    for (const span of spans) for (const id of span.ids) spanOf.set(id, span);
    const placed = new Set<InsightSpan>();
    const out: ListItem[] = [];
    for (const item of items) {
      const span = item.kind === 'event' ? spanOf.get(item.eventId) : undefined;
      if (!span) {
        out.push(item);
        continue;
      }
      if (placed.has(span)) continue;
      placed.add(span);
      const members = this.order === 'desc' ? [...span.ids].reverse() : span.ids;
      out.push({ kind: 'insight', id: `insight:${span.key}`, span, ids: members });
    }
    return out;
  }

  getChildren(element?: EventsNode): EventsNode[] {
    if (element?.kind === 'insight') return element.ids.map((eventId) => ({ kind: 'event', eventId }));
    if (element?.kind === 'group') {
      const end = Math.min(element.ids.length, this.groupShown.get(element.id) ?? PAGE_SIZE);
      const nodes: EventsNode[] = element.ids.slice(0, end).map((eventId) => ({ kind: 'event', eventId }));
      if (element.ids.length > end) nodes.push({ kind: 'more', shown: end, total: element.ids.length, group: element });
      return nodes;
    }
    if (element) return [];
    const items = this.items();
    const end = Math.min(items.length, this.shown);
    const nodes: EventsNode[] = items.slice(0, end);
    if (items.length > end) nodes.push({ kind: 'more', shown: end, total: items.length });
    return nodes;
  }

  getTreeItem(element: EventsNode): vscode.TreeItem {
    if (element.kind === 'more') {
      const what = element.group ? 'events of the group' : this.grouping ? 'rows' : 'events';
      const item = new vscode.TreeItem(`Load more… (${element.shown.toLocaleString('en-US')} of ${element.total.toLocaleString('en-US')} ${what} shown)`);
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: Commands.eventsLoadMore, title: 'Load More', arguments: [element] };
      return item;
    }
    if (element.kind === 'group') return this.groupItem(element);
    if (element.kind === 'insight') return this.insightItem(element);
    const row = this.services.investigation.index.row(element.eventId);
    const item = eventTreeItem(row, this.services.display, this.rowTimeForm(), this.sharedColumns());
    item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
    item.contextValue = 'cloudtrail.event';
    return item;
  }

  private insightItem(node: EventsInsightNode): vscode.TreeItem {
    const item = insightTreeItem(node.span, this.services.display);
    item.id = node.id;
    return item;
  }

  private groupItem(node: EventsGroupNode): vscode.TreeItem {
    const index = this.services.investigation.index;
    const { display } = this.services;
    const { group } = node;
    const item = new vscode.TreeItem(groupLabel(index, display, group), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const names = new Map<string, number>();
    for (const id of group.ids) {
      const name = index.value('eventName', id) ?? '(no event name)';
      names.set(name, (names.get(name) ?? 0) + 1);
    }
    const byCount = [...names].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const form = this.rowTimeForm();
    const span = group.first === group.last ? display.time(group.first, form) : `${display.time(group.first, form)} – ${display.time(group.last, 'clock')}`;
    const shownNames = byCount.slice(0, 3).map(([name]) => oneLine(name, 40));
    item.description = `${span} · ${shownNames.join(', ')}${byCount.length > 3 ? ` +${byCount.length - 3}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(group.kind === 'aws-service' ? 'cloud' : 'browser');
    const tooltip = new vscode.MarkdownString();
    const first = index.value('principal', group.ids[0]);
    tooltip.appendMarkdown(
      group.kind === 'aws-service'
        ? `**AWS service** ${escapeMarkdown(group.key.replace(/^service:/, ''))}: events it made or invoked, no more than 5 minutes apart  \n`
        : `**Console burst** of ${escapeMarkdown(display.principal(first))} (${escapeMarkdown(first ?? '?')}): calls of one console session, no more than 3 seconds apart  \n`,
    );
    tooltip.appendMarkdown(`**Time** (${display.zoneName}): ${escapeMarkdown(display.span(group.first, group.last))}  \n`);
    for (const [name, count] of byCount.slice(0, 10)) tooltip.appendMarkdown(`${escapeMarkdown(oneLine(name, 80))}: ${count}  \n`);
    if (byCount.length > 10) tooltip.appendMarkdown(`${byCount.length - 10} more event names  \n`);
    item.tooltip = tooltip;
    item.contextValue = `cloudtrail.noiseGroup.${group.kind}`;
    return item;
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    super.dispose();
    this.changed.dispose();
  }
}

export class EventsView extends Disposable {
  readonly provider: EventsTreeProvider;
  readonly treeView: vscode.TreeView<EventsNode>;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.provider = new EventsTreeProvider(services);
    this.treeView = vscode.window.createTreeView(EVENTS_VIEW_ID, { treeDataProvider: this.provider });
    this.disposables.push(
      this.provider,
      this.treeView,
      services.filter.onDidChange(() => this.updateDescription()),
      services.onDidChangeIndex(() => this.updateDescription()),
      services.display.onDidChange(() => this.updateDescription()),
      vscode.commands.registerCommand(Commands.eventsToggleOrder, () => {
        this.provider.toggleOrder();
        this.updateDescription();
      }),
      vscode.commands.registerCommand(Commands.eventsLoadMore, (node?: unknown) => this.provider.loadMore(node)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsNoiseGrouping(e)) this.updateDescription();
      }),
    );
    this.updateDescription();
  }

  private updateDescription(): void {
    const order = this.provider.newestFirst ? 'newest first' : 'oldest first';
    // Rows show the clock alone when the list is one day long: the day is named here.
    const day = this.provider.listDay();
    const when = day ? ` · ${day}${this.services.display.zone === 'utc' ? ' UTC' : ''}` : '';
    const shared = this.provider.sharedColumns();
    const by = shared.principal !== undefined ? ` · by ${this.services.display.principal(shared.principal)}` : '';
    const from = shared.ip !== undefined ? ` · from ${oneLine(shared.ip, 60)}` : '';
    this.treeView.description = `${describeFilter(this.services)}${by}${from}${when} · ${order}${this.provider.grouping ? ' · grouped' : ''}`;
    void vscode.commands.executeCommand('setContext', ContextKeys.eventsNewestFirst, this.provider.newestFirst);
  }
}
