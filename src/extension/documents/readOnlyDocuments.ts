import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { jsonText } from '../../core/model/json-text';
import { Commands } from '../commandIds';
import type { ExtensionServices } from '../services';
import { errorMessage } from '../util/cancellation';
import { EVENT_SCHEME, GZ_SCHEME, gzSourcePath, gzUri, parseEventUri } from './eventUri';
import { Disposable } from '../util/disposables';
import { getSetting } from '../settings';

const gunzip = promisify(zlib.gunzip);

/** A decompressed trail file larger than this is refused rather than loaded into an editor. */
const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;
/** Below this size a minified trail file is pretty-printed so lenses land on separate lines. */
const PRETTY_PRINT_LIMIT = 16 * 1024 * 1024;

/**
 * Read-only views of evidence: one event's JSON (`cloudtrail-event:`) and a `.json.gz`
 * trail file decompressed (`cloudtrail-gz:`). Content providers cannot write back, so the
 * evidence stays untouched whatever the user types.
 */
export class ReadOnlyDocuments extends Disposable {
  private readonly gzChanged = new vscode.EventEmitter<vscode.Uri>();

  constructor(private readonly services: Pick<ExtensionServices, 'investigation' | 'log' | 'openEvent'>) {
    super();
    this.disposables.push(
      this.gzChanged,
      vscode.workspace.registerTextDocumentContentProvider(EVENT_SCHEME, { provideTextDocumentContent: (uri) => this.eventContent(uri) }),
      vscode.workspace.registerTextDocumentContentProvider(GZ_SCHEME, {
        onDidChange: this.gzChanged.event,
        provideTextDocumentContent: (uri) => this.gzContent(uri),
      }),
      vscode.commands.registerCommand(Commands.openEvent, (id: unknown) => this.openEvent(id)),
      vscode.commands.registerCommand(Commands.openTrailFileDecompressed, (uri?: vscode.Uri) => this.openDecompressed(uri)),
      vscode.window.tabGroups.onDidChangeTabs((change) => this.redirectGzTabs(change.opened)),
    );
  }

  private async eventContent(uri: vscode.Uri): Promise<string> {
    const { investigation } = this.services;
    const id = parseEventUri(investigation, uri);
    if (id === undefined) return `// This event is no longer loaded (its source was removed or reloaded).\n`;
    try {
      // Without recursion: an event may nest deeper than JSON.stringify's stack allows.
      return `${jsonText(await investigation.index.raw(id), { indent: 2 })}\n`;
    } catch (error) {
      const origin = investigation.index.origin(id);
      this.services.log.error(`reading event ${id} from ${origin.path} failed: ${errorMessage(error)}`);
      return `// Could not read this event from ${origin.path}: ${errorMessage(error)}\n`;
    }
  }

  private async gzContent(uri: vscode.Uri): Promise<string> {
    const file = gzSourcePath(uri);
    if (!file) return '// No file named.\n';
    try {
      const compressed = await fs.readFile(file);
      const text = (await gunzip(compressed, { maxOutputLength: MAX_DECOMPRESSED_BYTES })).toString('utf8');
      if (text.length <= PRETTY_PRINT_LIMIT) {
        try {
          return `${jsonText(JSON.parse(text) as unknown, { indent: 2 })}\n`;
        } catch {
          return text; // not one JSON document (e.g. JSON lines): show it as it is
        }
      }
      return text;
    } catch (error) {
      const reason = /maxOutputLength|RangeError|Cannot create a string/i.test(errorMessage(error))
        ? `it decompresses to more than ${MAX_DECOMPRESSED_BYTES / 1024 / 1024} MB; add it as a source instead`
        : errorMessage(error);
      this.services.log.error(`opening ${file} decompressed failed: ${reason}`);
      void vscode.window.showErrorMessage(`CloudTrail: could not open ${file} decompressed: ${reason}`);
      return `// Could not decompress ${file}: ${reason}\n`;
    }
  }

  private async openEvent(arg: unknown): Promise<void> {
    const id = typeof arg === 'number' ? arg : typeof arg === 'object' && arg && 'eventId' in arg ? Number((arg as { eventId: unknown }).eventId) : NaN;
    if (!Number.isInteger(id) || id < 0 || id >= this.services.investigation.index.size) {
      void vscode.window.showWarningMessage('CloudTrail: pick an event in the Events view to open it.');
      return;
    }
    await this.services.openEvent(id);
  }

  async openDecompressed(uri?: vscode.Uri): Promise<vscode.TextEditor | undefined> {
    let target = uri;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Open Decompressed',
        filters: { 'Compressed trail files': ['gz'] },
      });
      target = picked?.[0];
    }
    if (!target) return undefined;
    const document = await vscode.workspace.openTextDocument(gzUri(target));
    return vscode.window.showTextDocument(document, { preview: true });
  }

  /**
   * A `.json.gz` opened from the Explorer or Quick Open would show as binary: show it
   * decompressed instead, in the same group and pinned or preview as it was, and close the
   * binary tab. The tab is found again by its URI when closing: the `Tab` object of the open
   * event can be stale by then (the host sends the whole tab model again after some changes, so
   * closing a pinned tab, as Quick Open opens it, by that object failed and left it open).
   */
  private redirectGzTabs(opened: readonly vscode.Tab[]): void {
    if (!getSetting('openCompressedTrailFilesDecompressed')) return;
    for (const tab of opened) {
      const input = tab.input;
      if (!(input instanceof vscode.TabInputText) || input.uri.scheme === GZ_SCHEME || !/\.json\.gz$/i.test(input.uri.path)) continue;
      const options: vscode.TextDocumentShowOptions = { viewColumn: tab.group.viewColumn, preview: tab.isPreview };
      void (async () => {
        const document = await vscode.workspace.openTextDocument(gzUri(input.uri));
        await vscode.window.showTextDocument(document, options);
        await closeTabsShowing(input.uri);
      })().catch((error: unknown) => this.services.log.error(`showing ${input.uri.fsPath} decompressed failed: ${errorMessage(error)}`));
    }
  }
}

/** Closes every tab showing `uri` as text (in any group). */
async function closeTabsShowing(uri: vscode.Uri): Promise<void> {
  const key = uri.toString();
  const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
