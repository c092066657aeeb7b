/**
 * The Lineage view: the hops from an access key, role session or event back to the identity
 * behind it (principal, issuing event, time), the origin, and, when a hop is not loaded,
 * exactly what to load with actions to copy the filter or fetch it with LookupEvents.
 */
import * as vscode from 'vscode';
import type { EventId } from '../../core/engine/api';
import { originLabelIn, type Lineage, type LineageHop, type MissingHop } from '../../core/lineage/lineage';
import { termFor } from '../../core/query/parser';
import type { DisplayFormat } from '../display';
import { escapeMarkdown, oneLine, plural } from '../util/text';
import { IntelContextKeys, LINEAGE_VIEW_ID } from './intelCommands';
import { Disposable } from '../util/disposables';
import { Commands, IntelCommands } from '../commandIds';

export type LineageNode =
  | { readonly kind: 'hop'; readonly index: number; readonly hop: LineageHop }
  | { readonly kind: 'detail'; readonly id: string; readonly label: string; readonly value: string; readonly eventId?: EventId; readonly icon: string }
  | { readonly kind: 'origin' }
  | { readonly kind: 'missing'; readonly missing: MissingHop }
  | { readonly kind: 'action'; readonly id: string; readonly label: string; readonly command: vscode.Command; readonly icon: string }
  | { readonly kind: 'note'; readonly index: number; readonly text: string };

/** Where a traced lineage started, in words ("access key ASIA…"). */
export function describeStart(lineage: Lineage): string {
  const start = lineage.start;
  if ('accessKey' in start) return `access key ${start.accessKey}`;
  if ('session' in start) return `session ${start.session}`;
  return `event #${start.eventId}`;
}

const LOOKUP_FIELD: Record<MissingHop['lookup']['attributeKey'], string> = {
  EventName: 'eventName',
  ResourceName: 'resource',
  AccessKeyId: 'accessKey',
  Username: 'user',
};

/** The filter-language expression that describes the missing hop (what LookupEvents would fetch). */
export function missingHopFilter(missing: MissingHop): string {
  const { lookup } = missing;
  return `${termFor(LOOKUP_FIELD[lookup.attributeKey], lookup.attributeValue)} AND time>=${lookup.startTime} AND time<${lookup.endTime}`;
}

/** The advice in plain words, for the clipboard and the log. */
export function missingHopAdvice(missing: MissingHop): string {
  const lines = [
    `Missing hop: ${missing.reason}`,
    `Load: account ${missing.account ?? '?'}, regions ${missing.regions.join(', ') || '?'}, events ${missing.eventNames.join(', ') || 'any'}, ${missing.window.start} to ${missing.window.end}`,
    `LookupEvents (once per region): --lookup-attributes AttributeKey=${missing.lookup.attributeKey},AttributeValue=${missing.lookup.attributeValue} --start-time ${missing.lookup.startTime} --end-time ${missing.lookup.endTime}`,
    `Filter: ${missingHopFilter(missing)}`,
  ];
  if (missing.sharedEventID) lines.push(`The other account's copy has sharedEventID ${missing.sharedEventID}`);
  return lines.join('\n');
}

export class LineageTreeProvider implements vscode.TreeDataProvider<LineageNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LineageNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private lineage: Lineage | undefined;
  /** True when the fetch command of the live-sources feature is registered. */
  canFetch = false;
  private readonly displaySubscription: vscode.Disposable;

  constructor(private readonly display: DisplayFormat) {
    this.displaySubscription = display.onDidChange(() => this.changed.fire(undefined));
  }

  get current(): Lineage | undefined {
    return this.lineage;
  }

  show(lineage: Lineage | undefined): void {
    this.lineage = lineage;
    this.changed.fire(undefined);
  }

  getChildren(element?: LineageNode): LineageNode[] {
    const lineage = this.lineage;
    if (!lineage) return [];
    if (!element) {
      const roots: LineageNode[] = lineage.hops.map((hop, index) => ({ kind: 'hop', index, hop }));
      if (lineage.origin) roots.push({ kind: 'origin' });
      if (lineage.missing) roots.push({ kind: 'missing', missing: lineage.missing });
      lineage.notes.forEach((text, index) => roots.push({ kind: 'note', index, text }));
      return roots;
    }
    if (element.kind === 'hop') return hopDetails(element.index, element.hop, this.display);
    if (element.kind === 'origin') return originDetails(lineage, this.display);
    if (element.kind === 'missing') return this.missingDetails(element.missing);
    return [];
  }

  private missingDetails(missing: MissingHop): LineageNode[] {
    const details: LineageNode[] = [
      { kind: 'detail', id: 'missing/account', label: 'Account', value: missing.account ?? '?', icon: 'organization' },
      { kind: 'detail', id: 'missing/regions', label: 'Regions', value: missing.regions.join(', ') || '?', icon: 'globe' },
      { kind: 'detail', id: 'missing/events', label: 'Event names', value: missing.eventNames.join(', ') || 'any', icon: 'symbol-event' },
      { kind: 'detail', id: 'missing/window', label: 'Time window', value: `${missing.window.start} → ${missing.window.end}`, icon: 'history' },
      {
        kind: 'detail',
        id: 'missing/lookup',
        label: 'LookupEvents',
        value: `${missing.lookup.attributeKey}=${missing.lookup.attributeValue}`,
        icon: 'cloud-download',
      },
    ];
    if (missing.sharedEventID) details.push({ kind: 'detail', id: 'missing/shared', label: 'sharedEventID', value: missing.sharedEventID, icon: 'link' });
    details.push({
      kind: 'action',
      id: 'missing/copy',
      label: 'Copy filter and LookupEvents parameters',
      command: { command: IntelCommands.copyMissingHopFilter, title: 'Copy Filter', arguments: [missing] },
      icon: 'copy',
    });
    if (this.canFetch) {
      details.push({
        kind: 'action',
        id: 'missing/fetch',
        label: 'Fetch the missing hop with LookupEvents…',
        command: { command: IntelCommands.fetchMissingHop, title: 'Fetch with LookupEvents', arguments: [missing] },
        icon: 'cloud-download',
      });
    }
    return details;
  }

  getTreeItem(element: LineageNode): vscode.TreeItem {
    const lineage = this.lineage;
    switch (element.kind) {
      case 'hop': {
        const hop = element.hop;
        const { display } = this;
        const who = display.principal(hop.principal);
        const title = hop.accessKey ?? who;
        const item = new vscode.TreeItem(`${element.index + 1}. ${oneLine(title, 80)}`, vscode.TreeItemCollapsibleState.Collapsed);
        const issued = hop.issuedBy ? ` · ${oneLine(hop.issuedBy.eventName, 40)} ${isoDisplay(display, hop.issuedBy.time)}` : '';
        item.description = `${who}${issued}`;
        item.iconPath = new vscode.ThemeIcon(hop.keyKind === 'temporary' ? 'key' : hop.keyKind === 'long-term' ? 'lock' : 'person');
        item.id = `hop:${element.index}`;
        item.contextValue = 'cloudtrail.intel.hop';
        const tooltip = new vscode.MarkdownString();
        const line = (label: string, value: string | undefined): void => {
          if (value !== undefined) tooltip.appendMarkdown(`**${label}**: ${escapeMarkdown(value)}  \n`);
        };
        line('Key', hop.accessKey ? `${hop.accessKey} (${hop.keyKind})` : 'none');
        line('Principal', who === hop.principal ? who : `${who} (${hop.principal})`);
        line('Identity type', hop.principalType);
        line('Issued by', hop.issuedBy ? `${hop.issuedBy.eventName} at ${isoDisplay(display, hop.issuedBy.time)}` : undefined);
        line('Events using it', String(hop.eventsUsingKey));
        item.tooltip = tooltip;
        item.accessibilityInformation = { label: `Hop ${element.index + 1}: ${title}, used by ${who}${issued ? `, issued by ${issued}` : ''}` };
        return item;
      }
      case 'origin': {
        const origin = lineage?.origin;
        const label = lineage ? originLabel(lineage, this.display) : '?';
        const item = new vscode.TreeItem(`Origin: ${oneLine(label, 140)}`, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
        item.id = 'origin';
        item.tooltip = origin ? new vscode.MarkdownString().appendMarkdown(`**Origin** (${escapeMarkdown(origin.kind)}): ${escapeMarkdown(label)}`) : undefined;
        if (lineage && originDetails(lineage, this.display).length === 0) item.collapsibleState = vscode.TreeItemCollapsibleState.None;
        return item;
      }
      case 'missing': {
        const item = new vscode.TreeItem(`Missing hop: ${oneLine(element.missing.reason, 160)}`, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.id = 'missing';
        item.tooltip = new vscode.MarkdownString().appendMarkdown(escapeMarkdown(element.missing.reason));
        item.contextValue = 'cloudtrail.intel.missingHop';
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(`${element.label}: ${oneLine(element.value, 140)}`);
        item.iconPath = new vscode.ThemeIcon(element.icon);
        item.id = element.id;
        item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${escapeMarkdown(element.label)}**: ${escapeMarkdown(element.value)}`);
        if (element.eventId !== undefined) {
          item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
          item.contextValue = 'cloudtrail.intel.lineageEvent';
        }
        return item;
      }
      case 'action': {
        const item = new vscode.TreeItem(element.label);
        item.iconPath = new vscode.ThemeIcon(element.icon);
        item.id = element.id;
        item.command = element.command;
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(oneLine(element.text, 200));
        item.iconPath = new vscode.ThemeIcon('info');
        item.id = `note:${element.index}`;
        item.tooltip = element.text;
        return item;
      }
    }
  }

  dispose(): void {
    this.displaySubscription.dispose();
    this.changed.dispose();
  }
}

/** A lineage time (the core keeps ISO-8601 text for the CLI's JSON) in the one display form. */
function isoDisplay(display: DisplayFormat, iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? display.time(ms) : iso;
}

/** The origin's label with its times in the display form. */
export function originLabel(lineage: Lineage, display: DisplayFormat): string {
  return lineage.origin ? originLabelIn(lineage.origin, { time: (ms) => display.time(ms), principal: (key) => display.principal(key) }) : '?';
}

function principalValue(display: DisplayFormat, key: string): string {
  const who = display.principal(key);
  return who === key ? key : `${who} (${key})`;
}

function hopDetails(index: number, hop: LineageHop, display: DisplayFormat): LineageNode[] {
  const base = `hop:${index}`;
  const details: LineageNode[] = [{ kind: 'detail', id: `${base}/principal`, label: 'Principal', value: principalValue(display, hop.principal), icon: 'person' }];
  if (hop.account) details.push({ kind: 'detail', id: `${base}/account`, label: 'Account', value: hop.account, icon: 'organization' });
  if (hop.session) details.push({ kind: 'detail', id: `${base}/session`, label: 'Session', value: hop.session, icon: 'vm' });
  if (hop.sourceIdentity) details.push({ kind: 'detail', id: `${base}/sourceIdentity`, label: 'Source identity', value: hop.sourceIdentity, icon: 'tag' });
  if (hop.issuedBy) {
    const by = hop.issuedBy;
    const extra = [by.roleArn ? `role ${by.roleArn}` : '', by.roleSessionName ? `session ${by.roleSessionName}` : '', by.sourceIp ? `from ${by.sourceIp}` : '']
      .filter(Boolean)
      .join(', ');
    details.push({
      kind: 'detail',
      id: `${base}/issuedBy`,
      label: `Issued by ${by.eventName}`,
      value: `${isoDisplay(display, by.time)}${by.eventID ? ` (${by.eventID})` : ''}${extra ? `; ${extra}` : ''}`,
      eventId: by.id,
      icon: 'go-to-file',
    });
    if (hop.joinedBy === 'sharedEventID') details.push({ kind: 'detail', id: `${base}/joined`, label: 'Joined', value: "through the other account's copy (sharedEventID)", icon: 'link' });
  }
  if (hop.firstUse !== undefined) {
    details.push({ kind: 'detail', id: `${base}/firstUse`, label: 'First use', value: `${plural(hop.eventsUsingKey, 'event')} in all; open the earliest`, eventId: hop.firstUse, icon: 'go-to-file' });
  }
  return details;
}

function originDetails(lineage: Lineage, display: DisplayFormat): LineageNode[] {
  const origin = lineage.origin;
  if (!origin) return [];
  const details: LineageNode[] = [{ kind: 'detail', id: 'origin/principal', label: 'Principal', value: principalValue(display, origin.principal), icon: 'person' }];
  if (origin.consoleLogin) {
    details.push({ kind: 'detail', id: 'origin/login', label: 'Console login', value: `${isoDisplay(display, origin.consoleLogin.time)}${origin.consoleLogin.sourceIp ? ` from ${origin.consoleLogin.sourceIp}` : ''}`, eventId: origin.consoleLogin.id, icon: 'sign-in' });
  }
  if (origin.keyCreatedBy) {
    details.push({ kind: 'detail', id: 'origin/keyCreated', label: 'Key created by', value: `${display.principal(origin.keyCreatedBy.principal)} at ${isoDisplay(display, origin.keyCreatedBy.time)}`, eventId: origin.keyCreatedBy.id, icon: 'key' });
  }
  if (lineage.sourceIdentity) details.push({ kind: 'detail', id: 'origin/sourceIdentity', label: 'Source identity', value: lineage.sourceIdentity, icon: 'tag' });
  return details;
}

export class LineageView extends Disposable {
  readonly provider: LineageTreeProvider;
  readonly treeView: vscode.TreeView<LineageNode>;

  constructor(display: DisplayFormat) {
    super();
    this.provider = new LineageTreeProvider(display);
    this.treeView = vscode.window.createTreeView(LINEAGE_VIEW_ID, { treeDataProvider: this.provider });
    this.disposables.push(this.provider, this.treeView);
  }

  show(lineage: Lineage | undefined, canFetch: boolean): void {
    this.provider.canFetch = canFetch;
    this.provider.show(lineage);
    void vscode.commands.executeCommand('setContext', IntelContextKeys.hasLineage, lineage !== undefined);
    if (!lineage) {
      this.treeView.description = undefined;
      this.treeView.message = undefined;
      return;
    }
    this.treeView.description = `${oneLine(describeStart(lineage), 60)} · ${lineage.complete ? 'complete' : lineage.missing ? 'hop missing' : 'incomplete'}`;
    this.treeView.message = lineage.complete
      ? undefined
      : lineage.missing
        ? 'A hop is not loaded: expand it to see what to load.'
        : lineage.hops.length === 0
          ? `Nothing to trace: ${oneLine(lineage.notes[0] ?? 'no loaded event matches', 200)}`
          : undefined;
  }
}
