/**
 * What the timeline and the Events table panels share: a nonce CSP, resources limited to the
 * built webview assets, a core session answering the webview's typed messages (held until it
 * says `ready`), and at most one panel of a kind that comes back after a window reload with
 * its saved state. Each panel is a Disposable owning everything it registers.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from './disposables';

/** The folder holding the built webviews (`<bundle>.js` and `<bundle>.css`): the only resource root. */
function webviewAssetsRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'media', 'dist');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, enableCommandUris: false, enableForms: false, localResourceRoots: [webviewAssetsRoot(extensionUri)] };
}

/** The page: no event data in it; the script of `bundle` builds the DOM and pulls data by message. */
function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): string {
  const nonce = randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
  const root = webviewAssetsRoot(extensionUri);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, `${bundle}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, `${bundle}.css`));
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
<title>${title}</title>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** What a panel needs of its core session (src/core/timeline/session.ts, src/core/table/session.ts). */
export interface PanelSession<S> {
  readonly currentState: S;
  /** Handles one raw message from the webview. */
  handle(raw: unknown): Promise<void>;
  /** The webview was torn down: hold messages until it is ready again. */
  resetReady(): void;
  /** Builds the first answer while the webview loads. */
  warm(): void;
  dispose(): void;
}

export interface SessionPanelOptions {
  extensionUri: vscode.Uri;
  /** The built webview's name in media/dist: `<bundle>.js` and `<bundle>.css`. */
  bundle: string;
  title: string;
  /** How the log names the panel ("timeline", "events table"). */
  name: string;
  log: { warn(message: string): void; error(message: string): void };
  /** Posted to the webview when one of its messages could not be answered. */
  failure: unknown;
}

/** A WebviewPanel wired to its session; subclasses push their own subscriptions. */
export class SessionPanel<S, Session extends PanelSession<S>> extends Disposable {
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly session: Session,
    options: SessionPanelOptions,
  ) {
    super();
    const { extensionUri, name, log } = options;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'cloudtrail.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) =>
        session.handle(message).catch((error: unknown) => {
          log.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          void panel.webview.postMessage(options.failure);
        }),
      ),
      // A hidden webview is torn down (no retainContextWhenHidden): hold messages until it is ready again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) session.resetReady();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, options.bundle, options.title);
    // The webview takes a few hundred ms to load: build the first answer meanwhile.
    const warm = setTimeout(() => {
      try {
        session.warm();
      } catch (error) {
        log.warn(`${name}: ${error instanceof Error ? error.message : String(error)}`);
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

export interface SinglePanelOptions<S, P> {
  viewType: string;
  title: string;
  context: vscode.ExtensionContext;
  /** Where the state is saved when the panel closes (workspaceState). */
  stateKey: string;
  /** A saved or restored state, checked (it may be anything). */
  parseState(raw: unknown): S;
  create(webviewPanel: vscode.WebviewPanel, state: S): P;
}

/**
 * At most one panel of a kind: opening reveals the open one; a panel restored after a window
 * reload replaces any other; a closed panel's state is saved for the next one.
 */
export class SinglePanel<S, P extends SessionPanel<S, PanelSession<S>>> extends Disposable {
  private panel?: P;

  constructor(private readonly options: SinglePanelOptions<S, P>) {
    super();
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(options.viewType, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          this.adopt(panel, options.parseState(state));
        },
      }),
    );
  }

  get current(): P | undefined {
    return this.panel;
  }

  /** Reveals the open panel, or opens one with `initial` (the saved state when absent). */
  open(initial?: S): P {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const { viewType, title, context } = this.options;
    const panel = vscode.window.createWebviewPanel(viewType, title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(context.extensionUri));
    return this.adopt(panel, initial ?? this.options.parseState(context.workspaceState.get(this.options.stateKey)));
  }

  private adopt(webviewPanel: vscode.WebviewPanel, state: S): P {
    // One at a time: a restored panel replaces any other.
    this.panel?.dispose();
    const panel = this.options.create(webviewPanel, state);
    this.panel = panel;
    const subscription = panel.onDidDispose(() => {
      void this.options.context.workspaceState.update(this.options.stateKey, panel.session.currentState);
      if (this.panel === panel) this.panel = undefined;
      subscription.dispose();
    });
    return panel;
  }

  override dispose(): void {
    this.panel?.dispose();
    this.panel = undefined;
    super.dispose();
  }
}
