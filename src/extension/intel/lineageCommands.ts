/**
 * "Trace Lineage": from an argument (an access key, a session, an event id, an Explorer or
 * Events item, a finding), else the editor selection, else what the user types. The result
 * goes to the Lineage view; a missing hop can be copied as a filter or fetched with the
 * live-sources feature's LookupEvents command when it is registered.
 */
import * as vscode from 'vscode';
import type { EventIndexApi } from '../../core/engine/api';
import { traceLineage, type Lineage, type LineageStart, type MissingHop } from '../../core/lineage/lineage';
import type { ExtensionServices } from '../services';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import { oneLine } from '../util/text';
import { describeStart, type LineageView, missingHopAdvice, missingHopFilter } from './lineageView';
import { LiveCommands } from '../commandIds';
import { LINEAGE_VIEW_ID } from './intelCommands';
import { recordOfEventId } from '../../core/index/lookup';

const ACCESS_KEY = /^(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{8,124}$/;
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns free text (a selection, typed input) into a lineage start, looked up in the index. */
function startFromText(index: EventIndexApi, raw: string): LineageStart | undefined {
  const text = raw.trim().replace(/^["']|["'],?$/g, '');
  if (!text) return undefined;
  if (ACCESS_KEY.test(text)) return { accessKey: text };
  if (EVENT_ID.test(text)) {
    const eventId = recordOfEventId(index, text);
    return eventId === undefined ? undefined : { eventId };
  }
  if (index.postings('session', text).length > 0) return { session: text };
  if (index.postings('accessKey', text).length > 0 || index.postings('issuedKey', text).length > 0) return { accessKey: text };
  const principal = index.postings('principal', text);
  if (principal.length > 0) return { eventId: index.sortByTime(principal, 'desc')[0] };
  return undefined;
}

/** Accepts `{accessKey}`, `{session}`, `{eventId}`, a `{field, value}` tree item, an events item, a finding node or text. */
function startFromArgument(index: EventIndexApi, arg: unknown): LineageStart | undefined {
  if (typeof arg === 'string') return startFromText(index, arg);
  if (typeof arg === 'number' && Number.isInteger(arg) && arg >= 0 && arg < index.size) return { eventId: arg };
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as Record<string, unknown>;
  if (typeof o.accessKey === 'string' && o.accessKey.trim()) return { accessKey: o.accessKey.trim() };
  if (typeof o.session === 'string' && o.session) return { session: o.session };
  if (typeof o.eventId === 'number' && Number.isInteger(o.eventId) && o.eventId >= 0 && o.eventId < index.size) return { eventId: o.eventId };
  if (o.kind === 'finding' && typeof o.finding === 'object' && o.finding !== null) {
    const ids = (o.finding as { eventIds?: unknown }).eventIds;
    if (Array.isArray(ids) && typeof ids[0] === 'number') return { eventId: ids[0] };
  }
  if (typeof o.field === 'string' && typeof o.value === 'string') {
    switch (o.field) {
      case 'accessKey':
      case 'issuedKey':
        return { accessKey: o.value };
      case 'session':
        return { session: o.value };
      case 'eventId': {
        const eventId = recordOfEventId(index, o.value);
        return eventId === undefined ? undefined : { eventId };
      }
      default:
        return startFromText(index, o.value);
    }
  }
  return undefined;
}

export class LineageCommands {
  constructor(
    private readonly services: Pick<ExtensionServices, 'investigation' | 'filter' | 'log'>,
    private readonly view: LineageView,
  ) {}

  private async canFetch(): Promise<boolean> {
    return (await vscode.commands.getCommands(true)).includes(LiveCommands.lookupEvents);
  }

  /** Traces and shows the lineage; resolves with it (undefined when nothing was traced). */
  async trace(arg?: unknown): Promise<Lineage | undefined> {
    const index = this.services.investigation.index;
    if (index.size === 0) {
      void vscode.window.showWarningMessage('CloudTrail: no events are loaded; add a folder of trail files first.');
      return undefined;
    }
    let start = arg === undefined ? undefined : startFromArgument(index, arg);
    if (arg !== undefined && !start) {
      void vscode.window.showErrorMessage(`CloudTrail: cannot trace lineage from ${oneLine(typeof arg === 'string' ? `"${arg}"` : 'this item', 120)}: it is not an access key, role session or event in the loaded events.`);
      return undefined;
    }
    if (!start) {
      const editor = vscode.window.activeTextEditor;
      const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
      const word = editor && editor.selection.isEmpty ? wordAt(editor) : undefined;
      start = selected ? startFromText(index, selected) : word ? startFromText(index, word) : undefined;
    }
    if (!start) {
      const typed = await vscode.window.showInputBox({
        title: 'Trace Lineage',
        prompt: 'An access key (AKIA…/ASIA…), a role session, an eventID or a principal ARN',
        placeHolder: 'ASIA…',
        validateInput: (value) => (value.trim() && !startFromText(this.services.investigation.index, value) ? 'Not an access key, session, eventID or principal of the loaded events' : undefined),
      });
      if (!typed) return undefined;
      start = startFromText(this.services.investigation.index, typed);
      if (!start) return undefined;
    }
    const chosen = start;
    const lineage = await vscode.window.withProgress(
      { location: { viewId: LINEAGE_VIEW_ID }, title: 'Tracing lineage', cancellable: true },
      async (_progress, token) => {
        const abort = abortSignalFor(token);
        try {
          return await traceLineage(index, chosen, { signal: abort.signal });
        } catch (error) {
          if (isAbort(error)) return undefined;
          this.services.log.error(`lineage of ${describeStart({ start: chosen } as Lineage)} failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: tracing lineage failed: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (!lineage) return undefined;
    this.view.show(lineage, await this.canFetch());
    this.services.log.info(`lineage of ${describeStart(lineage)}: ${lineage.hops.length} hops, ${lineage.complete ? `origin ${lineage.origin?.label ?? '?'}` : 'incomplete'}`);
    if (lineage.missing) this.services.log.info(missingHopAdvice(lineage.missing));
    void vscode.commands.executeCommand(`${LINEAGE_VIEW_ID}.focus`);
    return lineage;
  }

  async copyMissingHop(arg?: unknown): Promise<string | undefined> {
    const missing = asMissingHop(arg) ?? this.view.provider.current?.missing;
    if (!missing) return undefined;
    const text = missingHopAdvice(missing);
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage('CloudTrail: the missing hop\u2019s filter and LookupEvents parameters are on the clipboard', 4000);
    return text;
  }

  /** Sets the filter to the missing hop and runs the live-sources LookupEvents fetch (which reads the filter). */
  async fetchMissingHop(arg?: unknown): Promise<void> {
    const missing = asMissingHop(arg) ?? this.view.provider.current?.missing;
    if (!missing) return;
    const filter = missingHopFilter(missing);
    if (!(await this.canFetch())) {
      await vscode.env.clipboard.writeText(missingHopAdvice(missing));
      void vscode.window.showInformationMessage('CloudTrail: fetching with LookupEvents is not available here; the filter and LookupEvents parameters are on the clipboard.');
      return;
    }
    const regions = missing.regions.join(', ') || 'the session\u2019s region and us-east-1';
    const go = await vscode.window.showInformationMessage(
      `CloudTrail: fetch ${missing.eventNames.join('/') || 'the events'} for account ${missing.account ?? '?'} with LookupEvents? The filter becomes "${oneLine(filter, 200)}"; it asks LookupEvents in ${regions}.`,
      { modal: true },
      'Fetch',
    );
    if (go !== 'Fetch') return;
    try {
      this.services.filter.setExpression(filter);
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
      return;
    }
    // The regions and window come from the advice, so only the profile is asked for.
    const start = Date.parse(missing.lookup.startTime);
    const end = Date.parse(missing.lookup.endTime);
    await vscode.commands.executeCommand(LiveCommands.lookupEvents, {
      regions: missing.regions.length > 0 ? missing.regions : undefined,
      start: Number.isFinite(start) ? start : undefined,
      end: Number.isFinite(end) ? end : undefined,
    });
  }
}

function asMissingHop(arg: unknown): MissingHop | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as Partial<MissingHop> & { kind?: unknown; missing?: unknown };
  if (o.kind === 'missing' && typeof o.missing === 'object') return asMissingHop(o.missing);
  return typeof o.reason === 'string' && typeof o.lookup === 'object' && o.lookup !== null && Array.isArray(o.regions) ? (o as MissingHop) : undefined;
}

function wordAt(editor: vscode.TextEditor): string | undefined {
  const range = editor.document.getWordRangeAtPosition(editor.selection.active, /[A-Za-z0-9:/@._+=,-]+/);
  return range ? editor.document.getText(range) : undefined;
}
