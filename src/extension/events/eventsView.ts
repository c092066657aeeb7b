import * as vscode from 'vscode';
import type { EventId, EventRow } from '../../core/engine/api';
import { insightLabel, insightSpans, insightWhen, type InsightSpan } from '../../core/insights/pairs';
import { arrangeNoise, type ArrangedItem } from '../../core/noise/arrange';
import type { NoiseGroup } from '../../core/noise/group';
import { ContextKeys } from '../commands';
import { describeFilter } from '../filter/describeFilter';
import { affectsNoiseGrouping, noiseGroupingEnabled } from '../intel/noise';
import type { ExtensionServices } from '../services';
import type { IdentityType } from '../../core/model/event';
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

/**
 * Consecutive events (in display order) by one principal from one source IP: the header names
 * who and from where once, its rows show only their time, event name and error. What every
 * listed event shares (SharedColumns) is not part of the key: the view's title names it.
 */
export interface EventsRunNode {
  readonly kind: 'run';
  /** `run:` and its oldest member's event id: stable across refreshes and live appends, so a collapsed run stays so. */
  readonly id: string;
  /** The principal key and source IP the run pins (undefined: not part of the key, the list shares it). */
  readonly principal?: string;
  readonly ip?: string;
  /** Members in display order. */
  readonly ids: ArrayLike<EventId>;
  /** Earliest and latest member time. */
  readonly first: number;
  readonly last: number;
  /** Cut at MAX_RUN events: the next run carries on with the same principal and IP. */
  readonly cut: boolean;
}

export type EventsNode =
  /** `parent` set: a row of that run or group (its rows leave out what it pins). */
  | { readonly kind: 'event'; readonly eventId: EventId; readonly parent?: EventsGroupNode | EventsRunNode }
  | EventsGroupNode
  | EventsInsightNode
  | EventsRunNode
  /** `group` set: the rest of that group's (or run's) members; otherwise the rest of the list. */
  | { readonly kind: 'more'; readonly shown: number; readonly total: number; readonly group?: EventsGroupNode | EventsRunNode };

type ListItem = { readonly kind: 'event'; readonly eventId: EventId } | EventsGroupNode | EventsInsightNode;

/** The list's items without building a million of them: the plain list is the sorted ids. */
interface ItemList {
  readonly length: number;
  at(i: number): ListItem;
  /** The event id at `i`, or -1 when the item there is a group or an Insight. */
  eventAt(i: number): EventId;
}

/** What the top level shows so far: built a page at a time (runs are found as the list is paged). */
interface TopLevel {
  readonly items: ItemList;
  /** Whether rows gather into runs (not when every listed event shares principal and IP). */
  readonly runs: boolean;
  readonly nodes: (ListItem | EventsRunNode)[];
  /** Items the nodes cover. */
  covered: number;
}

/**
 * A run is cut after this many events (the next run carries on with the same principal and IP):
 * finding a run's end reads each member's principal and IP, and a page must stay cheap on a
 * million events from one actor.
 */
export const MAX_RUN = 5000;

/** `4 s`, `3 min`, `2 h`: how long a group lasted. */
function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}

/**
 * A noise group's label, who and from where as a run's (`alice.dev · 198.51.100.23`,
 * `config.amazonaws.com`), and its description: what kind of group, how many, when.
 */
function groupText(group: NoiseGroup, who: string, ips: { top?: string; others: number }, span: string): { label: string; description: string } {
  const count = plural(group.ids.length, 'event');
  if (group.kind === 'aws-service') return { label: oneLine(group.key.replace(/^service:/, ''), 80), description: `AWS service · ${count} · ${span}` };
  const where = ips.top === undefined ? '' : ` · ${oneLine(ips.top, 60)}${ips.others > 0 ? ` +${ips.others}` : ''}`;
  return { label: `${oneLine(who, 80)}${where}`, description: `console burst · ${count} in ${duration(group.last - group.first)} · ${span}` };
}

/** The principal and IP a run pins (its key parts that are set). */
function definedPins(run: EventsRunNode): SharedColumns {
  const pins: SharedColumns = {};
  if (run.principal !== undefined) pins.principal = run.principal;
  if (run.ip !== undefined) pins.ip = run.ip;
  return pins;
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
  /** The row's context names the event name (an Explorer event-name node): the label is the time alone. */
  eventName?: string;
  /** The row's context names the error code (an Explorer error node). */
  error?: string;
}

/**
 * One event's row, shared by the Events view and the Explorer: the time (short, see
 * rowTimeForm) and event name as the label; who, from where and any error as the description,
 * in that order (what an investigator reads first, and what must fit the default ~300 px
 * sidebar), each left out when the row's context (`pinned`: the list, its run or group, an
 * Explorer node's ancestry) already names it; everything in the tooltip, times in the one
 * display form.
 */
export function eventTreeItem(row: EventRow, display: DisplayFormat, timeForm: TimeForm, pinned: SharedColumns = {}): vscode.TreeItem {
  const who = display.principal(row.principal);
  const time = display.time(row.time, timeForm);
  const item = new vscode.TreeItem(pinned.eventName === undefined ? `${time} ${oneLine(row.eventName ?? '(no event name)', 80)}` : time);
  // A service calling from its own name (`ec2.amazonaws.com` from `ec2.amazonaws.com`) says it once.
  const where = row.ip === who ? undefined : row.ip;
  const parts = [pinned.principal === undefined ? who : undefined, pinned.ip === undefined ? where : undefined, pinned.error === undefined ? row.error : undefined];
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
  private top: { ids: Int32Array; grouping: boolean; top: TopLevel } | undefined;
  /** Ids of the runs the user collapsed (they show a description); kept across refreshes like VS Code's own state. */
  private readonly collapsedRuns = new Set<string>();
  /** Per noise group, the principal and IP its rows need not repeat (see groupPins). */
  private pins = new WeakMap<EventsGroupNode, SharedColumns>();

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

  /** The tree view expanded or collapsed a node: a run's header shows its summary only while collapsed. */
  setExpanded(node: EventsNode, expanded: boolean): void {
    if (node.kind !== 'run') return;
    if (expanded ? !this.collapsedRuns.delete(node.id) : this.collapsedRuns.has(node.id)) return;
    if (!expanded) this.collapsedRuns.add(node.id);
    this.changed.fire(node);
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
    // A run is shown whole at the top level, so the page may already reach past `shown`.
    this.shown = Math.max(this.shown, this.top?.top.covered ?? 0) + PAGE_SIZE;
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
   * The list's items in display order: events, and groups when grouping is on (cached per
   * sorted list, so group nodes keep their identity between calls). The plain list is read
   * from the sorted ids as it is paged.
   */
  items(): ItemList {
    const ids = this.orderedIds();
    const grouping = this.grouping;
    if (!grouping && this.services.investigation.index.insightCount === 0) {
      return { length: ids.length, at: (i) => ({ kind: 'event', eventId: ids[i] }), eventAt: (i) => ids[i] };
    }
    if (this.arranged?.ids !== ids || this.arranged.grouping !== grouping) this.arranged = { ids, grouping, items: this.arrange(ids, grouping) };
    const items = this.arranged.items;
    return { length: items.length, at: (i) => items[i], eventAt: (i) => (items[i].kind === 'event' ? (items[i] as { eventId: EventId }).eventId : -1) };
  }

  private arrange(ids: Int32Array, grouping: boolean): ListItem[] {
    if (!grouping) return this.withInsights(Array.from(ids, (eventId) => ({ kind: 'event' as const, eventId })), ids);
    const seen = new Map<string, number>();
    const items = arrangeNoise(this.services.investigation.index, ids, this.order).map((item: ArrangedItem): ListItem => {
      if (item.kind === 'event') return { kind: 'event', eventId: item.id };
      const base = `noise:${item.group.key}@${item.group.first}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { kind: 'group', id: n === 1 ? base : `${base}#${n}`, group: item.group, ids: item.ids };
    });
    return this.withInsights(items, ids);
  }

  /**
   * The top level covering at least `rows` items: consecutive events by one principal from one
   * IP gathered into runs (unless the whole list shares both), groups and Insights as they are.
   * Built on as the list is paged and kept while the list is the same, so paging reads only the
   * new page (and the end of the run it stops in) and run nodes keep their identity.
   */
  private topLevel(rows: number): TopLevel {
    const ids = this.orderedIds();
    const grouping = this.grouping;
    const cached = this.top;
    let top: TopLevel;
    if (cached && cached.ids === ids && cached.grouping === grouping) top = cached.top;
    else {
      const shared = this.sharedColumns();
      top = { items: this.items(), runs: shared.principal === undefined || shared.ip === undefined, nodes: [], covered: 0 };
      this.top = { ids, grouping, top };
    }
    const { items } = top;
    const index = this.services.investigation.index;
    const shared = this.sharedColumns();
    while (top.covered < rows && top.covered < items.length) {
      const start = top.covered;
      const first = items.eventAt(start);
      if (first < 0 || !top.runs) {
        top.nodes.push(items.at(start));
        top.covered++;
        continue;
      }
      const principal = shared.principal === undefined ? (index.value('principal', first) ?? '') : undefined;
      const ip = shared.ip === undefined ? (index.value('ip', first) ?? '') : undefined;
      let end = start + 1;
      let lo = index.time(first);
      let hi = lo;
      while (end < items.length && end - start < MAX_RUN) {
        const id = items.eventAt(end);
        if (id < 0) break;
        if (principal !== undefined && (index.value('principal', id) ?? '') !== principal) break;
        if (ip !== undefined && (index.value('ip', id) ?? '') !== ip) break;
        const t = index.time(id);
        if (t < lo) lo = t;
        if (t > hi) hi = t;
        end++;
      }
      const members = new Int32Array(end - start);
      for (let i = start; i < end; i++) members[i - start] = items.eventAt(i);
      const cut = end - start === MAX_RUN && end < items.length && this.sameKey(items.eventAt(end), principal, ip);
      // Named by its oldest event: new events (a live tail) join a run at its newest end, so the
      // id, and the expansion state VS Code keeps by it, survives them in either order.
      const oldest = this.order === 'desc' ? members[members.length - 1] : members[0];
      top.nodes.push({ kind: 'run', id: `run:${oldest}`, principal, ip, ids: members, first: lo, last: hi, cut });
      top.covered = end;
    }
    return top;
  }

  private sameKey(id: EventId, principal: string | undefined, ip: string | undefined): boolean {
    if (id < 0) return false;
    const index = this.services.investigation.index;
    return (principal === undefined || (index.value('principal', id) ?? '') === principal) && (ip === undefined || (index.value('ip', id) ?? '') === ip);
  }

  /** What a group's rows need not repeat: the principal and IP all its members share (read once per group). */
  private groupPins(node: EventsGroupNode): SharedColumns {
    let pins = this.pins.get(node);
    if (pins) return pins;
    const index = this.services.investigation.index;
    const shared = this.sharedColumns();
    pins = { ...shared };
    for (const field of ['principal', 'ip'] as const) {
      if (pins[field] !== undefined) continue;
      const first = index.value(field, node.ids[0]);
      if (first !== undefined && first !== '' && node.ids.every((id) => index.value(field, id) === first)) pins[field] = first;
    }
    this.pins.set(node, pins);
    return pins;
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
    if (element?.kind === 'group' || element?.kind === 'run') {
      const end = Math.min(element.ids.length, this.groupShown.get(element.id) ?? PAGE_SIZE);
      const nodes: EventsNode[] = [];
      for (let i = 0; i < end; i++) nodes.push({ kind: 'event', eventId: element.ids[i], parent: element });
      if (element.ids.length > end) nodes.push({ kind: 'more', shown: end, total: element.ids.length, group: element });
      return nodes;
    }
    if (element) return [];
    const top = this.topLevel(this.shown);
    const nodes: EventsNode[] = [...top.nodes];
    if (top.items.length > top.covered) nodes.push({ kind: 'more', shown: top.covered, total: top.items.length });
    return nodes;
  }

  getTreeItem(element: EventsNode): vscode.TreeItem {
    if (element.kind === 'more') {
      const what = element.group ? `events of the ${element.group.kind === 'run' ? 'run' : 'group'}` : 'rows';
      const item = new vscode.TreeItem(`Load more… (${element.shown.toLocaleString('en-US')} of ${element.total.toLocaleString('en-US')} ${what} shown)`);
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: Commands.eventsLoadMore, title: 'Load More', arguments: [element] };
      return item;
    }
    if (element.kind === 'group') return this.groupItem(element);
    if (element.kind === 'insight') return this.insightItem(element);
    if (element.kind === 'run') return this.runItem(element);
    const row = this.services.investigation.index.row(element.eventId);
    const parent = element.parent;
    const pins = parent?.kind === 'run' ? { ...this.sharedColumns(), ...definedPins(parent) } : parent?.kind === 'group' ? this.groupPins(parent) : this.sharedColumns();
    const item = eventTreeItem(row, this.services.display, this.rowTimeForm(), pins);
    item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
    item.contextValue = 'cloudtrail.event';
    return item;
  }

  /**
   * A run's header: who · from where as the label, how many and when as the description,
   * everything (full principal, identity type, account, keys, IP, span, event names) in the
   * tooltip. Expanded by default: the rows are what the run is for.
   */
  private runItem(node: EventsRunNode): vscode.TreeItem {
    const index = this.services.investigation.index;
    const { display } = this.services;
    const shared = this.sharedColumns();
    const principal = node.principal ?? shared.principal;
    const ip = node.ip ?? shared.ip;
    const who = node.principal === undefined ? undefined : display.principal(node.principal);
    // A service calling from its own name (`ec2.amazonaws.com` from `ec2.amazonaws.com`) says it once.
    const where = node.ip === undefined || (who !== undefined && node.ip === who) ? undefined : node.ip === '' ? '(no source IP)' : node.ip;
    const label = [who === undefined ? undefined : oneLine(who, 80), where === undefined ? undefined : oneLine(where, 60)].filter((p): p is string => p !== undefined).join(' · ');
    const collapsed = this.collapsedRuns.has(node.id);
    const item = new vscode.TreeItem(label, collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    const form = this.rowTimeForm();
    const span = this.runSpan(node.first, node.last, form);
    const count = `${plural(node.ids.length, 'event')}${node.cut ? '+' : ''}`;
    // At the default ~300 px a label has about 35 characters after the twistie. Whatever follows
    // a label that runs near the edge is cut with an ellipsis that covers the label's last
    // character (`root (111122223333) · 198.51.100.1…`), and an icon takes three characters more
    // (measured in test/ui/display.test.ts). So an expanded run, whose rows show their times,
    // has no description (the count and span are in the tooltip and the screen-reader text) and
    // no icon (the identity type is in the tooltip; a root or a service says so in its name);
    // a collapsed run summarises what it hides.
    if (collapsed) item.description = `${count} · ${span}`;
    const type = index.value('principalType', node.ids[0]) as IdentityType | undefined;

    const names = new Map<string, number>();
    const keys = new Map<string, number>();
    const accounts = new Set<string>();
    let errors = 0;
    for (let i = 0; i < node.ids.length; i++) {
      const id = node.ids[i];
      const name = index.value('eventName', id) ?? '(no event name)';
      names.set(name, (names.get(name) ?? 0) + 1);
      const key = index.value('accessKey', id);
      if (key) keys.set(key, (keys.get(key) ?? 0) + 1);
      const account = index.value('account', id);
      if (account) accounts.add(account);
      if (index.value('error', id)) errors++;
    }
    const byCount = [...names].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const tooltip = new vscode.MarkdownString();
    const line = (title: string, value: string | undefined): void => {
      if (value !== undefined && value !== '') tooltip.appendMarkdown(`**${title}**: ${escapeMarkdown(value)}  \n`);
    };
    const whoName = display.principal(principal);
    line('Principal', principal === undefined || principal === '' || whoName === principal ? whoName : `${whoName} (${principal})`);
    line('Identity type', type);
    line('Account', [...accounts].slice(0, 5).join(', ') + (accounts.size > 5 ? ` +${accounts.size - 5}` : ''));
    line('Access keys', [...keys].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} (${n})`).join(', ') + (keys.size > 5 ? ` +${keys.size - 5}` : ''));
    line('Source IP', ip === undefined || ip === '' ? '(none)' : ip);
    line(`Time (${display.zoneName})`, display.span(node.first, node.last));
    line('Events', `${node.ids.length.toLocaleString('en-US')}${errors > 0 ? `, ${errors.toLocaleString('en-US')} with an error` : ''}`);
    for (const [name, n] of byCount.slice(0, 10)) tooltip.appendMarkdown(`${escapeMarkdown(oneLine(name, 80))}: ${n}  \n`);
    if (byCount.length > 10) tooltip.appendMarkdown(`${byCount.length - 10} more event names  \n`);
    if (node.cut) tooltip.appendMarkdown(`Runs are cut every ${MAX_RUN.toLocaleString('en-US')} events: the next run carries on  \n`);
    item.tooltip = tooltip;
    item.contextValue = 'cloudtrail.run';
    item.accessibilityInformation = {
      label: `${plural(node.ids.length, 'event')}${who === undefined ? '' : ` by ${who}${type ? ` (${type})` : ''}`}${where === undefined ? '' : ` from ${where}`}, ${display.time(node.first)} to ${display.time(node.last)}${errors > 0 ? `, ${plural(errors, 'error')}` : ''}`,
    };
    return item;
  }

  /** `05:57:47–06:03:10` (the rows' time form; the end as a clock when on the same day). */
  private runSpan(first: number, last: number, form: TimeForm): string {
    const { display } = this.services;
    const start = display.time(first, form);
    if (first === last) return start;
    const sameDay = display.time(first).slice(0, 10) === display.time(last).slice(0, 10);
    return `${start}–${display.time(last, sameDay ? 'clock' : form)}`;
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
    const names = new Map<string, number>();
    const ips = new Map<string, number>();
    for (const id of group.ids) {
      const name = index.value('eventName', id) ?? '(no event name)';
      names.set(name, (names.get(name) ?? 0) + 1);
      const ip = index.value('ip', id);
      if (ip) ips.set(ip, (ips.get(ip) ?? 0) + 1);
    }
    const byCount = [...names].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const topIp = [...ips].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    const first = index.value('principal', group.ids[0]);
    const text = groupText(group, display.principal(first), { top: topIp, others: Math.max(0, ips.size - 1) }, this.runSpan(group.first, group.last, this.rowTimeForm()));
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const shownNames = byCount.slice(0, 3).map(([name]) => oneLine(name, 40));
    item.description = `${text.description} · ${shownNames.join(', ')}${byCount.length > 3 ? ` +${byCount.length - 3}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(group.kind === 'aws-service' ? 'cloud' : 'browser');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(
      group.kind === 'aws-service'
        ? `**AWS service** ${escapeMarkdown(group.key.replace(/^service:/, ''))}: events it made or invoked, no more than 5 minutes apart  \n`
        : `**Console burst** of ${escapeMarkdown(display.principal(first))} (${escapeMarkdown(first ?? '?')}): calls of one console session, no more than 3 seconds apart  \n`,
    );
    tooltip.appendMarkdown(`**Time** (${display.zoneName}): ${escapeMarkdown(display.span(group.first, group.last))}  \n`);
    for (const [name, count] of byCount.slice(0, 10)) tooltip.appendMarkdown(`${escapeMarkdown(oneLine(name, 80))}: ${count}  \n`);
    if (byCount.length > 10) tooltip.appendMarkdown(`${byCount.length - 10} more event names  \n`);
    if (ips.size > 0) tooltip.appendMarkdown(`**Source IP**: ${escapeMarkdown([...ips.keys()].slice(0, 5).join(', '))}${ips.size > 5 ? ` +${ips.size - 5}` : ''}  \n`);
    item.tooltip = tooltip;
    item.contextValue = `cloudtrail.noiseGroup.${group.kind}`;
    item.accessibilityInformation = { label: `${group.kind === 'aws-service' ? 'AWS service' : 'Console burst of'} ${text.label}, ${text.description}` };
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
      this.treeView.onDidCollapseElement((e) => this.provider.setExpanded(e.element, false)),
      this.treeView.onDidExpandElement((e) => this.provider.setExpanded(e.element, true)),
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
