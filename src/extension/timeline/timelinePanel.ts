/**
 * The timeline's WebviewPanel: a nonce CSP, resources limited to the built webview assets,
 * and a TimelineSession (src/core/timeline/session.ts) answering the webview's typed
 * messages. The panel is a Disposable owning everything it registers.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { TimelinePort, TimelineSession } from '../../core/timeline/session';
import { HostToWebview, TimelineState } from '../../shared/timeline-protocol';
import { Disposable } from '../util/disposables';
import { affectsSetting, getSetting } from '../settings';
import { shortValue } from '../explorer/groupings';
import { openEventDocument } from '../documents/eventUri';

export const TIMELINE_VIEW_TYPE = 'cloudtrail.timeline';
export const TIMELINE_TITLE = 'CloudTrail Timeline';
/** AWS-service events and console bursts collapse into groups (issue 7; contributed by the noise feature). */

/** Detection findings, when a detection run has produced some (optional). */
export interface FindingsSource {
  /** Event ids of findings; the same array while they do not change. */
  eventIds(): ArrayLike<number> | undefined;
  readonly onDidChange: vscode.Event<void>;
}

/** The folder holding the built webview (timeline.js and timeline.css): the only resource root. */
function webviewAssetsRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'media', 'dist');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, enableForms: false, localResourceRoots: [webviewAssetsRoot(extensionUri)] };
}

/** The page: no event data in it; the script builds the DOM and pulls data by message. */
function timelineHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
  const root = webviewAssetsRoot(extensionUri);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'timeline.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'timeline.css'));
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
<title>${TIMELINE_TITLE}</title>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

export class TimelinePanel extends Disposable {
  readonly session: TimelineSession;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    services: Pick<ExtensionServices, 'display' | 'context' | 'investigation' | 'filter' | 'log' | 'openEvent' | 'onDidChangeIndex'>,
    state: TimelineState,
    findings: FindingsSource | undefined,
  ) {
    super();
    const extensionUri = services.context.extensionUri;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'cloudtrail.svg');
    const port: TimelinePort = {
      index: () => services.investigation.index,
      expression: () => services.filter.expression,
      filterInfo: () => ({ expression: services.filter.expression, ...(services.filter.timeRange ? { timeRange: { ...services.filter.timeRange } } : {}) }),
      setExpression: (expression) => services.filter.setExpression(expression),
      setTimeRange: (range) => services.filter.setTimeRange(range),
      // Beside the timeline, keeping the focus on it: the timeline is never replaced by the event.
      openEvent: (id) => openEventDocument(services.investigation, services.display, id, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }),
      findings: findings ? () => findings.eventIds() : undefined,
      collapseNoise: () => getSetting('noise.collapseServiceEvents'),
      // Principals by their one display name, role sessions with their creation time in the display form.
      laneLabel: (field, value) =>
        value === '' ? undefined : field === 'principal' ? services.display.principal(value) : field === 'session' ? shortValue('session', value, (ms) => services.display.time(ms)) : undefined,
      timeZone: () => services.display.zone,
      post: (message: HostToWebview) => panel.webview.postMessage(message),
      log: (message) => services.log.warn(message),
    };
    this.session = new TimelineSession(port, state);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) =>
        this.session.handle(message).catch((error: unknown) => {
          services.log.error(`timeline: ${error instanceof Error ? error.message : String(error)}`);
          void panel.webview.postMessage({ type: 'error', message: 'The timeline could not answer; see the CloudTrail Investigator log.' } satisfies HostToWebview);
        }),
      ),
      // A hidden webview is torn down (no retainContextWhenHidden): hold messages until it is ready again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.session.resetReady();
      }),
      services.filter.onDidChange(() => this.session.filterChanged()),
      services.onDidChangeIndex(() => this.session.indexChanged()),
      services.display.onDidChange(() => this.session.displayChanged()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'noise.collapseServiceEvents')) this.session.noiseChanged();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (findings) this.disposables.push(findings.onDidChange(() => this.session.indexChanged()));
    panel.webview.html = timelineHtml(panel.webview, extensionUri);
    // The webview takes a few hundred ms to load: build the first answer meanwhile.
    const warm = setTimeout(() => {
      try {
        this.session.warm();
      } catch (error) {
        services.log.warn(`timeline: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, 0);
    this.disposables.push({ dispose: () => clearTimeout(warm) });
  }

  get visible(): boolean {
    return !this.disposed && this.panel.visible;
  }

  /** Test and command access: handles a message exactly as if the webview had sent it. */
  receive(message: unknown): Promise<void> {
    return this.session.handle(message);
  }

  reveal(column?: vscode.ViewColumn): void {
    this.panel.reveal(column, false);
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
