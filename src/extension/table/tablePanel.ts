/**
 * The Events table's WebviewPanel: a nonce CSP, resources limited to the built webview assets,
 * and a TableSession (src/core/table/session.ts) answering the webview's typed messages. The
 * panel is a Disposable owning everything it registers.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import type { FilterState } from '../filter/filterState';
import { parseFilter } from '../../core/query/parser';
import { FilterAction, TablePort, TableSession } from '../../core/table/session';
import { HostToTable, TableState } from '../../shared/table-protocol';
import { eventUri } from '../documents/eventUri';
import { Disposable } from '../util/disposables';

export const TABLE_VIEW_TYPE = 'cloudtrail.table';
export const TABLE_TITLE = 'CloudTrail Events';

/**
 * The one place the table changes the shared filter: pivot replaces the expression (the time
 * range and hiding read-only calls stay), add narrows it (AND), exclude adds `NOT term`.
 */
export function applyTableFilter(filter: FilterState, action: FilterAction, term: string): void {
  switch (action) {
    case 'pivot':
      filter.replace(parseFilter(term));
      return;
    case 'add':
      filter.narrow(parseFilter(term));
      return;
    case 'exclude':
      filter.exclude(parseFilter(term));
      return;
    default: {
      const unknownAction: never = action;
      void unknownAction;
    }
  }
}

/** The folder holding the built webview (table.js and table.css): the only resource root. */
function assetsRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'media', 'dist');
}

export function tableWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, enableCommandUris: false, enableForms: false, localResourceRoots: [assetsRoot(extensionUri)] };
}

/** The page: no event data in it; the script builds the DOM and pulls rows by message. */
function tableHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
  const root = assetsRoot(extensionUri);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'table.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'table.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    "connect-src 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${TABLE_TITLE}</title>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

export class TablePanel extends Disposable {
  readonly session: TableSession;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    services: ExtensionServices,
    state: TableState,
  ) {
    super();
    const extensionUri = services.context.extensionUri;
    panel.webview.options = tableWebviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'cloudtrail.svg');
    const filter = services.filter;
    const port: TablePort = {
      index: () => services.investigation.index,
      selection: () => filter.selection(),
      filterInfo: () => ({ expression: filter.expression, ...(filter.timeRange ? { timeRange: { ...filter.timeRange } } : {}) }),
      formatTime: (ms) => services.display.time(ms),
      display: (column, value) => (column === 'principal' ? services.display.principal(value) : undefined),
      openEvent: async (id, preserveFocus) => {
        // Beside the table, so the table stays in view while events are read one after another.
        const document = await vscode.workspace.openTextDocument(eventUri(services.investigation, services.display, id));
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus, preview: true });
      },
      applyFilter: (action, term) => applyTableFilter(filter, action, term),
      copy: async (text) => {
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage('Copied the cell', 2000);
      },
      post: (message: HostToTable) => panel.webview.postMessage(message),
      log: (message) => services.log.warn(message),
    };
    this.session = new TableSession(port, state);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) =>
        this.session.handle(message).catch((error: unknown) => {
          services.log.error(`events table: ${error instanceof Error ? error.message : String(error)}`);
          void panel.webview.postMessage({ type: 'error', message: 'The events table could not answer; see the CloudTrail Investigator log.' } satisfies HostToTable);
        }),
      ),
      // A hidden webview is torn down (no retainContextWhenHidden): hold messages until it is ready again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.session.resetReady();
      }),
      filter.onDidChange(() => this.session.filterChanged()),
      services.onDidChangeIndex(() => this.session.indexChanged()),
      // The time zone setting changed: the rows read again.
      services.display.onDidChange(() => this.session.indexChanged()),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.webview.html = tableHtml(panel.webview, extensionUri);
    // The webview takes a few hundred ms to load: sort the selection meanwhile.
    const warm = setTimeout(() => {
      try {
        this.session.warm();
      } catch (error) {
        services.log.warn(`events table: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, 0);
    this.disposables.push({ dispose: () => clearTimeout(warm) });
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  /** Test access: handles a message exactly as if the webview had sent it. */
  receive(message: unknown): Promise<void> {
    return this.session.handle(message);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
    super.dispose();
    this.panel.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}
