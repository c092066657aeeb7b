/**
 * The Findings view: severity groups, then findings, then the events of each finding (click
 * opens the event). Sigma rules that could not be used and rules that failed appear as a
 * warning group, never silently dropped. All finding text comes from events or rule files:
 * tree labels are plain text, tooltips escape it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SEVERITIES, type Finding, type Severity } from '../../core/detect/types';
import type { DisplayFormat } from '../display';
import { escapeMarkdown, oneLine, plural } from '../util/text';
import type { FindingsStore } from './findingsStore';
import { FINDINGS_VIEW_ID, IntelContextKeys } from './intelCommands';
import { Disposable } from '../util/disposables';
import { Commands, IntelCommands } from '../commandIds';

export type FindingsNode =
  | { readonly kind: 'severity'; readonly severity: Severity; readonly findings: readonly Finding[] }
  | { readonly kind: 'finding'; readonly finding: Finding }
  | { readonly kind: 'event'; readonly finding: Finding; readonly eventId: number; readonly eventName?: string; readonly time: number; readonly eventID?: string }
  | { readonly kind: 'problems'; readonly count: number }
  | { readonly kind: 'problem'; readonly label: string; readonly reason: string; readonly file?: string; readonly problemKind: string }
  | { readonly kind: 'stale' };

const SEVERITY_ICONS: Record<Severity, vscode.ThemeIcon> = {
  critical: new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground')),
  high: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  medium: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  low: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
  info: new vscode.ThemeIcon('circle-outline'),
};

function severityLabel(severity: Severity): string {
  return severity[0].toUpperCase() + severity.slice(1);
}

export class FindingsTreeProvider implements vscode.TreeDataProvider<FindingsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FindingsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly displaySubscription: vscode.Disposable;

  constructor(
    private readonly store: FindingsStore,
    private readonly display: DisplayFormat,
  ) {
    this.subscription = store.onDidChange(() => this.changed.fire(undefined));
    this.displaySubscription = display.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: FindingsNode): FindingsNode[] {
    const run = this.store.current;
    if (!run) return [];
    if (!element) {
      const roots: FindingsNode[] = [];
      if (this.store.stale) roots.push({ kind: 'stale' });
      for (const severity of SEVERITIES) {
        const findings = run.findings.filter((f) => f.severity === severity);
        if (findings.length > 0) roots.push({ kind: 'severity', severity, findings });
      }
      const problems = run.sigmaProblems.length + run.ruleErrors.length;
      if (problems > 0) roots.push({ kind: 'problems', count: problems });
      return roots;
    }
    switch (element.kind) {
      case 'severity':
        return element.findings.map((finding) => ({ kind: 'finding', finding }));
      case 'finding':
        return element.finding.events.map((e) => ({ kind: 'event', finding: element.finding, eventId: e.id, eventName: e.eventName, time: e.time, eventID: e.eventID }));
      case 'problems':
        return [
          ...run.sigmaProblems.map(
            (p): FindingsNode => ({ kind: 'problem', label: p.title ? `${p.title} (${path.basename(p.file)})` : path.basename(p.file), reason: p.reason, file: p.file, problemKind: p.kind }),
          ),
          ...run.ruleErrors.map((e): FindingsNode => ({ kind: 'problem', label: e.ruleId, reason: `failed while running and was stopped: ${e.message}`, problemKind: 'error' })),
        ];
      default:
        return [];
    }
  }

  getParent(element: FindingsNode): FindingsNode | undefined {
    const run = this.store.current;
    if (!run) return undefined;
    if (element.kind === 'finding') {
      return { kind: 'severity', severity: element.finding.severity, findings: run.findings.filter((f) => f.severity === element.finding.severity) };
    }
    if (element.kind === 'event') return { kind: 'finding', finding: element.finding };
    if (element.kind === 'problem') return { kind: 'problems', count: run.sigmaProblems.length + run.ruleErrors.length };
    return undefined;
  }

  getTreeItem(element: FindingsNode): vscode.TreeItem {
    switch (element.kind) {
      case 'stale': {
        const item = new vscode.TreeItem('Events were added since this run: run detections again');
        item.iconPath = new vscode.ThemeIcon('refresh', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.command = { command: IntelCommands.runDetections, title: 'Run Detections' };
        item.id = 'stale';
        return item;
      }
      case 'severity': {
        const item = new vscode.TreeItem(severityLabel(element.severity), vscode.TreeItemCollapsibleState.Expanded);
        item.description = plural(element.findings.length, 'finding');
        item.iconPath = SEVERITY_ICONS[element.severity];
        item.id = `severity:${element.severity}`;
        item.contextValue = 'cloudtrail.intel.severity';
        return item;
      }
      case 'finding': {
        const f = element.finding;
        const item = new vscode.TreeItem(oneLine(f.title, 100), vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${this.display.principal(f.principal)} · ${plural(f.events.length, 'event')} · ${this.display.span(f.first, f.last)}`;
        item.iconPath = SEVERITY_ICONS[f.severity];
        item.id = `finding:${f.id}`;
        item.contextValue = 'cloudtrail.intel.finding';
        item.tooltip = findingTooltip(f, this.display);
        item.accessibilityInformation = { label: `${severityLabel(f.severity)} finding: ${oneLine(f.title, 100)}, ${f.events.length} events` };
        return item;
      }
      case 'event': {
        const item = new vscode.TreeItem(`${this.display.time(element.time)}  ${oneLine(element.eventName ?? '(no event name)', 80)}`);
        item.description = element.eventID ? oneLine(element.eventID, 60) : undefined;
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.id = `finding:${element.finding.id}/event:${element.eventId}`;
        item.command = { command: Commands.openEvent, title: 'Open Event', arguments: [element.eventId] };
        item.contextValue = 'cloudtrail.intel.findingEvent';
        return item;
      }
      case 'problems': {
        const item = new vscode.TreeItem('Rules not used', vscode.TreeItemCollapsibleState.Expanded);
        item.description = plural(element.count, 'problem');
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.id = 'problems';
        item.tooltip = 'Sigma rules with constructs this engine does not evaluate, invalid rule files, and rules that failed while running. Details are in the CloudTrail Investigator output channel.';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(oneLine(element.label, 100));
        item.description = `${element.problemKind}: ${oneLine(element.reason, 140)}`;
        item.iconPath = new vscode.ThemeIcon(element.problemKind === 'unsupported' ? 'warning' : 'error', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        const tooltip = new vscode.MarkdownString();
        if (element.file) tooltip.appendMarkdown(`**File**: ${escapeMarkdown(element.file)}  \n`);
        tooltip.appendMarkdown(`**${escapeMarkdown(element.problemKind)}**: ${escapeMarkdown(element.reason)}`);
        item.tooltip = tooltip;
        item.id = `problem:${element.file ?? ''}:${element.label}:${element.reason}`;
        if (element.file) item.resourceUri = vscode.Uri.file(element.file);
        if (element.file) item.command = { command: 'vscode.open', title: 'Open Rule File', arguments: [vscode.Uri.file(element.file)] };
        item.contextValue = 'cloudtrail.intel.ruleProblem';
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.displaySubscription.dispose();
    this.changed.dispose();
  }
}

function findingTooltip(f: Finding, display: DisplayFormat): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  const line = (label: string, value: string): void => {
    tooltip.appendMarkdown(`**${label}**: ${escapeMarkdown(value)}  \n`);
  };
  line('Severity', severityLabel(f.severity));
  line('Rule', `${f.ruleId} (${f.origin})`);
  const who = display.principal(f.principal);
  line('Principal', who === f.principal ? who : `${who} (${f.principal})`);
  line('When', `${display.span(f.first, f.last)}, ${f.events.length} events`);
  if (f.mitre.length > 0) line('ATT&CK', f.mitre.map((m) => `${m.id} ${m.name}`).join('; '));
  tooltip.appendMarkdown(`\n${escapeMarkdown(oneLine(f.description, 500))}\n`);
  for (const detail of f.details.slice(0, 5)) tooltip.appendMarkdown(`\n- ${escapeMarkdown(oneLine(detail, 200))}`);
  if (f.details.length > 5) tooltip.appendMarkdown(`\n- … ${f.details.length - 5} more`);
  return tooltip;
}

/** The view: tree, title description, and the context key its welcome text depends on. */
export class FindingsView extends Disposable {
  readonly provider: FindingsTreeProvider;
  readonly treeView: vscode.TreeView<FindingsNode>;

  constructor(
    private readonly store: FindingsStore,
    display: DisplayFormat,
  ) {
    super();
    this.provider = new FindingsTreeProvider(store, display);
    this.treeView = vscode.window.createTreeView(FINDINGS_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(this.provider, this.treeView, store.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const run = this.store.current;
    void vscode.commands.executeCommand('setContext', IntelContextKeys.hasFindings, run !== undefined);
    if (!run) {
      this.treeView.description = undefined;
      this.treeView.badge = undefined;
      return;
    }
    const urgent = run.findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length;
    this.treeView.description = `${plural(run.findings.length, 'finding')} · ${plural(run.eventsScanned, 'event')} scanned${this.store.stale ? ' · stale' : ''}`;
    this.treeView.badge = urgent > 0 ? { value: urgent, tooltip: `${urgent} critical or high findings` } : undefined;
  }
}
