import * as vscode from 'vscode';
import { FIELD_INFO } from '../../core/index/fields';
import { Commands } from '../commandIds';
import { EVENT_SCHEME, GZ_SCHEME } from '../documents/eventUri';
import type { ExtensionServices } from '../services';
import type { DisplayFormat } from '../display';
import type { FilterValue } from '../filter/filterState';
import { escapeMarkdown, oneLine, plural, withoutIconSyntax } from '../util/text';
import { lineageSummary } from '../../core/lineage/lineage';
import { lineageEnd, lineageOf, valueFacts, type ValueFacts } from './facts';
import { holdsCloudTrailEvents, LENS_KINDS, type LensKind, scanValues, type ScanResult, type ValueSite } from './scan';
import { Disposable } from '../util/disposables';
import { affectsSetting, getSetting } from '../settings';

const LENS_SELECTOR: vscode.DocumentSelector = [
  { language: 'json' },
  { language: 'jsonc' },
  { language: 'jsonl' },
  { pattern: '**/*.{jsonl,ndjson}' },
  { scheme: EVENT_SCHEME },
  { scheme: GZ_SCHEME },
];

/** Hovers look at this much text around the pointer, whatever the size of the document. */
const HOVER_WINDOW = 4096;

interface LensSettings {
  enabled: boolean;
  kinds: ReadonlySet<LensKind>;
  maxPerDocument: number;
  maxPerValue: number;
}

function readSettings(): LensSettings {
  const fields = getSetting('lenses.fields');
  return {
    enabled: getSetting('lenses.enabled'),
    kinds: new Set(LENS_KINDS.filter((k) => fields.includes(k))),
    maxPerDocument: Math.max(1, getSetting('lenses.maxPerDocument')),
    maxPerValue: Math.max(1, getSetting('lenses.maxPerValue')),
  };
}

class ValueLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly site: ValueSite,
    readonly role: 'facts' | 'issuance',
  ) {
    super(range);
  }
}

interface CachedScan {
  version: number;
  settingsKey: string;
  result: ScanResult;
  holdsEvents: boolean;
  scanMs: number;
}

/** Where a lens counts: '' over everything, else the filter's scope ("in the selected time" when only the brush applies). */
function scopeOf(filter: ExtensionServices['filter']): string {
  const { expression, hideReadOnly } = filter.value;
  if (expression.kind === 'all' && !hideReadOnly) return filter.timeRange ? 'in the selected time' : '';
  return 'within the filter';
}

/** The lineage lens's title stays within this many characters; the chain is in its tooltip and the hover. */
export const LINEAGE_TITLE_MAX = 80;

/**
 * `sourceIPAddress: 53 events, first …, last … · Pivot`: the lens names the key it counts,
 * within the filter's scope (a pivot narrows the filter, so the count is what it selects). A
 * value's first `maxPerValue` sites in a document carry the time span; later ones (`repeat`)
 * only the count, so the same span is not repeated on every record.
 */
function factsTitle(kind: LensKind, facts: ValueFacts, scope: string, repeat: boolean, display: DisplayFormat): string {
  if (facts.total === 0) return `${kind}: not in the loaded events`;
  if (facts.count === 0) return `${kind}: none ${scope} (${plural(facts.total, 'event')} in all) · Pivot`;
  const inRange = scope ? ` ${scope} (${facts.total.toLocaleString('en-US')} in all)` : '';
  if (repeat) return `${kind}: ${plural(facts.count, 'event')}${inRange} · Pivot`;
  const span = facts.count === 1 ? `at ${display.time(facts.first)}` : `first ${display.time(facts.first)}, last ${display.time(facts.last)}`;
  return `${kind}: ${plural(facts.count, 'event')}${inRange}, ${span} · Pivot`;
}

/** `lineage: issued by AssumeRole · origin IAM user ci-deployer`, at most LINEAGE_TITLE_MAX characters. */
function lineageTitle(issuedThrough: string | undefined, origin: string): string {
  const issued = issuedThrough ? `issued by ${oneLine(issuedThrough, 30)}` : 'issuing call not loaded';
  return oneLine(withoutIconSyntax(`lineage: ${issued} · ${origin}`), LINEAGE_TITLE_MAX);
}

/**
 * Lenses above accessKeyId, the principal, the session issuer, sourceIPAddress, userAgent and
 * eventName on every record: "sourceIPAddress: N events, first …, last … · Pivot" (after a
 * value's first `cloudtrail.lenses.maxPerValue` sites in the document, only the count), and
 * for an ASIA key a short lineage lens (the issuing call and the origin; the chain is in its
 * tooltip and the hover). At most `cloudtrail.lenses.maxPerDocument` lenses, from the top.
 * Placement comes from a scan cached per document version; the counts are looked up in
 * resolveCodeLens.
 */
export class EventLensProvider extends Disposable implements vscode.CodeLensProvider<ValueLens>, vscode.HoverProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly scans = new Map<string, CachedScan>();
  private settings = readSettings();
  private filterValue: FilterValue;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'filter' | 'investigation' | 'log' | 'onDidChangeIndex'>) {
    super();
    this.filterValue = services.filter.value;
    this.disposables.push(
      this.changed,
      vscode.languages.registerCodeLensProvider(LENS_SELECTOR, this),
      vscode.languages.registerHoverProvider(LENS_SELECTOR, this),
      services.onDidChangeIndex(() => this.scheduleRefresh()),
      // Counts are what a pivot (which narrows the filter) selects: they follow the filter.
      services.filter.onDidChange(() => {
        if (services.filter.value === this.filterValue) return;
        this.filterValue = services.filter.value;
        this.scheduleRefresh();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.scans.delete(document.uri.toString())),
      services.display.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSetting(event, 'lenses')) return;
        this.settings = readSettings();
        this.changed.fire();
      }),
    );
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire();
    }, 150);
  }

  /** The cached scan of a document (computed when its version changed); exposed for tests and the log. */
  scan(document: vscode.TextDocument): CachedScan {
    const key = document.uri.toString();
    const { kinds, maxPerDocument, maxPerValue } = this.settings;
    const settingsKey = `${[...kinds].join(',')}|${maxPerDocument}|${maxPerValue}`;
    const cached = this.scans.get(key);
    if (cached && cached.version === document.version && cached.settingsKey === settingsKey) return cached;
    const started = performance.now();
    const text = document.getText();
    const holdsEvents = holdsCloudTrailEvents(text);
    // Every site gets a lens (maxPerValue only shortens titles, in resolveCodeLens).
    const result = holdsEvents ? scanValues(text, { kinds, maxSites: maxPerDocument, maxPerValue: Number.MAX_SAFE_INTEGER }) : { sites: [], truncated: false, embedded: false };
    const scanMs = performance.now() - started;
    const entry: CachedScan = { version: document.version, settingsKey, result, holdsEvents, scanMs };
    this.scans.set(key, entry);
    if (holdsEvents && (scanMs > 200 || result.truncated)) {
      this.services.log.info(
        `lenses for ${document.uri.path}: ${result.sites.length} placed in ${scanMs.toFixed(0)} ms` +
          `${result.truncated ? ` (capped at cloudtrail.lenses.maxPerDocument = ${maxPerDocument})` : ''}`,
      );
    }
    return entry;
  }

  provideCodeLenses(document: vscode.TextDocument): ValueLens[] {
    if (!this.settings.enabled) return [];
    const { result } = this.scan(document);
    const lenses: ValueLens[] = [];
    for (const site of result.sites) {
      const range = new vscode.Range(document.positionAt(site.keyStart), document.positionAt(site.keyEnd));
      lenses.push(new ValueLens(range, site, 'facts'));
      if (site.field === 'accessKey' && site.value.startsWith('ASIA')) lenses.push(new ValueLens(range, site, 'issuance'));
    }
    return lenses;
  }

  async resolveCodeLens(lens: ValueLens): Promise<ValueLens> {
    const index = this.services.investigation.index;
    const { site } = lens;
    if (index.size === 0) {
      lens.command =
        lens.role === 'facts'
          ? { title: 'CloudTrail: no events loaded · Add Folder…', command: Commands.addFolder, tooltip: 'Load trail files to see counts here' }
          : { title: '', command: '' };
      return lens;
    }
    const { display } = this.services;
    const scope = scopeOf(this.services.filter);
    const facts = valueFacts(index, site.field, site.value, scope ? this.services.filter.selection() : undefined);
    if (lens.role === 'issuance') {
      const issued = facts.issuance;
      const lineage = await lineageOf(index, site.value);
      // The origin's name without its parenthesis (the key, the provider): those are in the tooltip.
      const origin = lineage.origin ? `origin ${oneLine(lineage.origin.label.replace(/\s*\([^()]*\)$/, ''), 40)}` : lineage.missing ? 'origin not loaded' : 'origin unknown';
      const chain = `Lineage: ${oneLine(lineageSummary(lineage, display), 500)} (${oneLine(lineageEnd(lineage, display), 200)})`;
      lens.command = issued
        ? {
            title: lineageTitle(issued.eventName, origin),
            command: Commands.openEvent,
            arguments: [issued.eventId],
            tooltip:
              `Open the event that issued this temporary key: issued to ${oneLine(issued.usedBy === undefined ? '(not seen using it)' : display.principal(issued.usedBy), 60)} ` +
              `through ${oneLine(issued.eventName, 40)} by ${oneLine(display.principal(issued.caller), 60)} at ${display.time(issued.time)}. ${chain}`,
          }
        : { title: lineageTitle(undefined, origin), command: '', tooltip: chain };
      return lens;
    }
    const repeat = site.occurrence > this.settings.maxPerValue;
    lens.command =
      facts.total > 0
        ? {
            title: factsTitle(site.kind, facts, scope, repeat, display),
            command: Commands.pivotField,
            arguments: [site.field, site.value],
            tooltip: `Narrow the filter to ${FIELD_INFO[site.field].label.toLowerCase()} = ${oneLine(site.value, 100)}`,
          }
        : { title: factsTitle(site.kind, facts, scope, repeat, display), command: '' };
    return lens;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const offset = document.offsetAt(position);
    const start = Math.max(0, offset - HOVER_WINDOW);
    // positionAt clamps to the end of the document.
    const windowText = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(offset + HOVER_WINDOW)));
    const { kinds } = this.settings;
    const site = scanValues(windowText, { kinds, maxSites: Number.MAX_SAFE_INTEGER, maxPerValue: Number.MAX_SAFE_INTEGER }, start).sites.find(
      (s) => s.keyStart <= offset && offset <= s.end,
    );
    if (!site) return undefined;
    const index = this.services.investigation.index;
    const markdown = new vscode.MarkdownString();
    markdown.isTrusted = { enabledCommands: [Commands.pivotField, Commands.openEvent, Commands.addFolder] };
    markdown.appendMarkdown(`**${escapeMarkdown(FIELD_INFO[site.field].label)}** `);
    markdown.appendMarkdown(escapeMarkdown(oneLine(site.value, 300)));
    markdown.appendMarkdown('\n\n');
    if (index.size === 0) {
      markdown.appendMarkdown(`No CloudTrail events are loaded. [Add a folder](command:${Commands.addFolder})`);
      return new vscode.Hover(markdown, new vscode.Range(document.positionAt(site.keyStart), document.positionAt(site.end)));
    }
    const { display } = this.services;
    const scope = scopeOf(this.services.filter);
    const facts = valueFacts(index, site.field, site.value, scope ? this.services.filter.selection() : undefined);
    if (facts.total === 0) markdown.appendMarkdown('Not in the loaded events.');
    else {
      const args = encodeURIComponent(JSON.stringify([site.field, site.value]));
      const inRange = scope ? ` ${scope} (${facts.total.toLocaleString('en-US')} in all)` : '';
      const span = facts.count === 0 ? '' : `, first ${escapeMarkdown(display.time(facts.first))}, last ${escapeMarkdown(display.time(facts.last))}`;
      markdown.appendMarkdown(
        `${escapeMarkdown(facts.count === 0 ? 'None' : plural(facts.count, 'event'))}${inRange}${span} · ` +
          `[Pivot](command:${Commands.pivotField}?${args} "Narrow the filter to this value")`,
      );
    }
    const issued = facts.issuance;
    if (issued) {
      markdown.appendMarkdown('\n\nIssued to ');
      markdown.appendMarkdown(escapeMarkdown(issued.usedBy === undefined ? '(not seen using it)' : `${display.principal(issued.usedBy)} (${issued.usedBy})`));
      markdown.appendMarkdown(' through ');
      markdown.appendMarkdown(escapeMarkdown(issued.eventName));
      markdown.appendMarkdown(' by ');
      markdown.appendMarkdown(escapeMarkdown(`${display.principal(issued.caller)} (${issued.caller})`));
      markdown.appendMarkdown(` at ${escapeMarkdown(display.time(issued.time))} · [Open the issuing event](command:${Commands.openEvent}?${encodeURIComponent(JSON.stringify([issued.eventId]))})`);
    } else if (site.field === 'accessKey' && site.value.startsWith('ASIA')) {
      markdown.appendMarkdown('\n\nThe call that issued this temporary key is not in the loaded events.');
    }
    if (site.field === 'accessKey' && site.value.startsWith('ASIA')) {
      const lineage = await lineageOf(index, site.value);
      markdown.appendMarkdown('\n\nLineage: ');
      markdown.appendMarkdown(escapeMarkdown(oneLine(lineageSummary(lineage, display), 1000)));
    }
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(site.keyStart), document.positionAt(site.end)));
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    super.dispose();
  }
}
