/**
 * What the webview benchmarks share (bench/timeline.ts, bench/table.ts): a BUILT webview bundle
 * (media/dist/<bundle>.js and .css) served from 127.0.0.1 under the panel's CSP, a stand-in for
 * VS Code's acquireVsCodeApi bridging messages to Node, headless Chromium, a paint waiter, and
 * the figures' formatting.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CTINV_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function repoRoot(): string {
  // Works from out/bench/*.js, dist/bench.js and a ts runner alike.
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'esbuild.mjs'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const ms = (v: number): string => `${v.toFixed(2)} ms`;
export const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

/** Dark-theme variables as VS Code would set them on the webview. */
export const THEME_CSS = `:root {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-size: 12px;
  --vscode-foreground: #cccccc; --vscode-editor-foreground: #d4d4d4; --vscode-editor-background: #1e1e1e;
  --vscode-descriptionForeground: #9d9d9d; --vscode-focusBorder: #007fd4; --vscode-charts-blue: #3794ff;
  --vscode-charts-orange: #d18616; --vscode-charts-red: #f14c4c; --vscode-charts-purple: #b180d7;
  --vscode-charts-green: #89d185; --vscode-list-hoverBackground: rgba(90,93,94,0.31);
  --vscode-editorHoverWidget-background: #252526; --vscode-editorHoverWidget-border: #454545;
}`;

function page(nonce: string, bundle: string): string {
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="/theme.css"><link rel="stylesheet" href="/${bundle}.css"><title>${bundle} bench</title></head>
<body class="vscode-dark"><script nonce="${nonce}" src="/shim.js"></script><script nonce="${nonce}" src="/${bundle}.js"></script></body></html>`;
}

/** The stand-in for VS Code's acquireVsCodeApi: messages go to Node over an exposed function. */
const SHIM = `(() => {
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { window.__toHost(JSON.stringify(m)); },
    getState: () => state,
    setState: (s) => { state = s; },
  });
  window.__fromHost = (text) => window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(text) }));
})();`;

function serve(root: string, nonce: string, bundle: string): Promise<Server> {
  const dist = path.join(root, 'media', 'dist');
  const files: Record<string, [string, string]> = {
    '/': [page(nonce, bundle), 'text/html'],
    '/shim.js': [SHIM, 'text/javascript'],
    '/theme.css': [THEME_CSS, 'text/css'],
    [`/${bundle}.js`]: [readFileSync(path.join(dist, `${bundle}.js`), 'utf8'), 'text/javascript'],
    [`/${bundle}.css`]: [readFileSync(path.join(dist, `${bundle}.css`), 'utf8'), 'text/css'],
  };
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(file[0]);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Throws unless the webview bundle has been built. */
export function requireBundle(bundle: string): void {
  if (!existsSync(path.join(repoRoot(), 'media', 'dist', `${bundle}.js`))) throw new Error(`media/dist/${bundle}.js is missing: run \`node esbuild.mjs\` first`);
}

export interface BenchPage {
  tab: Page;
  context: BrowserContext;
  /** Page errors and console errors, as they come. */
  errors: string[];
  /** Loads the page; the webview starts and says `ready`. */
  load(): Promise<void>;
  /** Posts a message (JSON text) to the webview, as the panel's postMessage does. */
  send(text: string): void;
}

/**
 * Serves `bundle`, opens it in headless Chromium (1400×900) with the page's messages going to
 * `toHost` (JSON text), runs `body`, and closes everything whatever happens.
 */
export async function withBenchPage<T>(bundle: string, toHost: (text: string) => Promise<void>, body: (page: BenchPage) => Promise<T>): Promise<T> {
  const { chromium } = await import('playwright-core');
  const nonce = randomBytes(12).toString('hex');
  const server = await serve(repoRoot(), nonce, bundle);
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    tab.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await tab.exposeFunction('__toHost', toHost);
    const result = await body({
      tab,
      context,
      errors,
      load: async () => {
        await tab.goto(`http://127.0.0.1:${port}/`);
      },
      send: (text) => {
        void tab.evaluate((m) => (globalThis as unknown as { __fromHost(t: string): void }).__fromHost(m), text).catch(() => undefined);
      },
    });
    await context.close();
    return result;
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Waits for the webview's `painted` reports: `notify()` on each, `next()` for the one after now. */
export class PaintWaiter {
  private waiter?: () => void;

  notify(): void {
    this.waiter?.();
  }

  /** Resolves true at the next paint, or false after `timeoutMs` (an input that changed nothing paints nothing). */
  next(timeoutMs = 10_000): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(true);
      };
    });
  }

  /** Resolves at the next paint; rejects after `timeoutMs`. */
  async expect(timeoutMs = 10_000): Promise<void> {
    if (!(await this.next(timeoutMs))) throw new Error(`no paint within ${timeoutMs / 1000} s`);
  }
}

/** Runs a benchmark from the command line (`--events N`), printing its lines. */
export function runFromCommandLine(name: string, run: (options: { events?: number }) => Promise<string[]>): void {
  const at = process.argv.indexOf('--events');
  const events = at >= 0 ? Number(process.argv[at + 1]) : undefined;
  run({ events })
    .then((lines) => {
      for (const line of lines) process.stdout.write(line + '\n');
    })
    .catch((error: unknown) => {
      process.stderr.write(`${name} benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
