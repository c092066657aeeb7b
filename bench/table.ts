/**
 * Events table benchmark: 1,000,000 synthetic events indexed in Node, the BUILT webview bundle
 * (media/dist/table.js) in headless Chromium, and the real host-side session
 * (src/core/table/session.ts) answering it over a Playwright bridge. Prints:
 *
 *   - first rows: the webview's first window request received by the host → those rows
 *     rendered (target ≤ 200 ms)
 *   - scrolling frames, in the time order and sorted by principal: render time in the page
 *     per frame and host time per window request (target ≤ 16 ms at p95 and max)
 *   - sorting a million events by a column: the header click → the sorted rows rendered
 *
 * Run alone: `node esbuild.mjs && npx tsc -p . && node out/bench/table.js [--events N]`,
 * or through `npm run bench` (bench/main.ts; `--skip-table` leaves it out).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { TableSession } from '../src/core/table/session';
import { DEFAULT_TABLE_STATE, HostToTable } from '../src/shared/table-protocol';
import { formatDisplayTime } from '../src/core/model/display';
import { CHROMIUM, CHROMIUM_ARGS, THEME_CSS, quantile, repoRoot, syntheticIndex } from './timeline';

const TARGETS = { firstRowsMs: 200, frameMs: 16 };

const ms = (v: number): string => `${v.toFixed(2)} ms`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

function page(nonce: string): string {
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="/theme.css"><link rel="stylesheet" href="/table.css"><title>table bench</title></head>
<body class="vscode-dark"><script nonce="${nonce}" src="/shim.js"></script><script nonce="${nonce}" src="/table.js"></script></body></html>`;
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

function serve(root: string, nonce: string): Promise<Server> {
  const dist = path.join(root, 'media', 'dist');
  const files: Record<string, [string, string]> = {
    '/': [page(nonce), 'text/html'],
    '/shim.js': [SHIM, 'text/javascript'],
    '/theme.css': [THEME_CSS, 'text/css'],
    '/table.js': [readFileSync(path.join(dist, 'table.js'), 'utf8'), 'text/javascript'],
    '/table.css': [readFileSync(path.join(dist, 'table.css'), 'utf8'), 'text/css'],
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

interface Paint {
  frame: string;
  ms: number;
  renderMs: number;
}

export interface TableBenchOptions {
  events?: number;
}

export async function runTableBenchmark(options: TableBenchOptions = {}): Promise<string[]> {
  const events = options.events ?? 1_000_000;
  const root = repoRoot();
  if (!existsSync(path.join(root, 'media', 'dist', 'table.js'))) throw new Error('media/dist/table.js is missing: run `node esbuild.mjs` first');
  const { chromium } = await import('playwright-core');
  const lines: string[] = [];

  let t = performance.now();
  const index = syntheticIndex(events);
  const buildIndexMs = performance.now() - t;

  let deliver: (message: HostToTable) => void = () => undefined;
  const session = new TableSession(
    {
      index: () => index,
      selection: () => index.all(),
      filterInfo: () => ({ expression: '' }),
      formatTime: (ms) => formatDisplayTime(ms, { zone: 'utc' }),
      openEvent: async () => undefined,
      applyFilter: () => undefined,
      copy: async () => undefined,
      post: (message) => deliver(message),
    },
    { ...DEFAULT_TABLE_STATE },
  );
  // The panel sorts the selection for the saved order while the webview loads, as the extension's panel does.
  t = performance.now();
  session.warm();
  const warmMs = performance.now() - t;

  const nonce = randomBytes(12).toString('hex');
  const server = await serve(root, nonce);
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
    const painted: Paint[] = [];
    let firstRequestAt: number | undefined;
    let firstPaintAt: number | undefined;
    let paintWaiter: (() => void) | undefined;
    deliver = (message) => {
      const text = JSON.stringify(message);
      void tab.evaluate((m) => (globalThis as unknown as { __fromHost(t: string): void }).__fromHost(m), text).catch(() => undefined);
    };
    await tab.exposeFunction('__toHost', async (text: string) => {
      const message = JSON.parse(text) as { type: string; frame?: string; ms?: number; renderMs?: number };
      if (message.type === 'requestRows' && firstRequestAt === undefined) firstRequestAt = performance.now();
      await session.handle(message);
      if (message.type === 'painted') {
        if (message.frame === 'first') firstPaintAt = performance.now();
        painted.push({ frame: message.frame!, ms: message.ms!, renderMs: message.renderMs! });
        paintWaiter?.();
      }
    });
    /** Resolves at the next paint, or after `timeoutMs` (an input that changed nothing paints nothing). */
    const nextPaint = (timeoutMs = 10_000): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          paintWaiter = undefined;
          resolve(false);
        }, timeoutMs);
        paintWaiter = () => {
          clearTimeout(timer);
          paintWaiter = undefined;
          resolve(true);
        };
      });

    const first = nextPaint(30_000);
    await tab.goto(`http://127.0.0.1:${port}/`);
    if (!(await first)) throw new Error('the table painted no rows within 30 s');
    const firstRowsMs = firstPaintAt! - firstRequestAt!;
    const firstHostMs = session.hostMs[0];
    await tab.waitForTimeout(300);

    const scrollRun = async (label: string): Promise<string[]> => {
      session.hostMs.length = 0;
      const before = painted.length;
      const grid = tab.locator('#grid');
      await grid.focus();
      const box = (await tab.locator('#scroller').boundingBox())!;
      await tab.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      // Wheel scrolling, a few rows at a time (rows come from the cache and from prefetched windows).
      for (let i = 0; i < 40; i++) {
        const p = nextPaint(2000);
        await tab.mouse.wheel(0, 300);
        await p;
      }
      // Page Down through the keyboard, then jumps as when the scrollbar is dragged (each needs a new window).
      for (let i = 0; i < 20; i++) {
        const p = nextPaint(2000);
        await tab.keyboard.press('PageDown');
        await p;
      }
      for (let i = 1; i <= 10; i++) {
        const p = nextPaint(5000);
        await scrollTo(tab, i / 11);
        await p;
      }
      const frames = painted.slice(before).filter((f) => f.frame === 'scroll' || f.frame === 'other');
      const render = frames.map((f) => f.renderMs);
      const host = [...session.hostMs];
      const worst = Math.max(quantile(render, 0.95), quantile(host, 0.95));
      const worstMax = Math.max(Math.max(...render), Math.max(...host));
      return [
        `  ${label}: ${frames.length} frames: render p50 ${ms(quantile(render, 0.5))}, p95 ${ms(quantile(render, 0.95))}, max ${ms(Math.max(...render))}; host per window request (${host.length}): p50 ${ms(quantile(host, 0.5))}, p95 ${ms(quantile(host, 0.95))}, max ${ms(Math.max(...host))}`,
        `  ${label}: frame budget p95 ${ms(worst)}, max ${ms(worstMax)}   target ≤ ${TARGETS.frameMs} ms   ${verdict(worst <= TARGETS.frameMs && worstMax <= TARGETS.frameMs)}   (scroll → rows shown, bridge included: p50 ${ms(quantile(frames.map((f) => f.ms), 0.5))})`,
      ];
    };

    const unsorted = await scrollRun('time order (newest first)');
    // Sort a million events by principal: the header click → the sorted rows rendered.
    await scrollTo(tab, 0);
    await tab.waitForTimeout(200);
    const sortPaint = nextPaint(30_000);
    session.hostMs.length = 0;
    await tab.locator('.th button[data-column="principal"]').click();
    await sortPaint;
    const sort = painted.filter((p) => p.frame === 'sort').at(-1);
    const sortHostMs = session.hostMs[0];
    await tab.waitForTimeout(300);
    const sorted = await scrollRun('sorted by principal');

    lines.push(`Events table (${events.toLocaleString('en-US')} events, headless Chromium 1400×900, built media/dist/table.js)`);
    lines.push(`  setup: synthetic index built in ${(buildIndexMs / 1000).toFixed(2)} s; time order sorted in ${ms(warmMs)} while the webview loads`);
    lines.push(`  first rows (host receives the first window request → rows rendered, bridge included): ${ms(firstRowsMs)} (host ${ms(firstHostMs)})   target ≤ ${TARGETS.firstRowsMs} ms   ${verdict(firstRowsMs <= TARGETS.firstRowsMs)}`);
    lines.push(...unsorted);
    lines.push(`  sort by principal (click → rendered, counting sort of every event included): ${sort ? ms(sort.ms) : 'no paint'} (host ${ms(sortHostMs ?? NaN)}, information; cached afterwards)`);
    lines.push(...sorted);
    lines.push(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared: figures are wall-clock under that load)`);
    if (errors.length > 0) lines.push(`  page errors: ${errors.slice(0, 5).join(' | ')}`);
    await context.close();
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
  return lines;
}

/** Scrolls the table to a fraction of its height, as dragging the scrollbar does. */
async function scrollTo(tab: Page, fraction: number): Promise<void> {
  await tab.evaluate((f) => {
    const scroller = (globalThis as unknown as { document: { getElementById(id: string): { scrollTop: number; scrollHeight: number; clientHeight: number } } }).document.getElementById('scroller');
    scroller.scrollTop = Math.floor((scroller.scrollHeight - scroller.clientHeight) * f);
  }, fraction);
}

if (require.main === module) {
  const at = process.argv.indexOf('--events');
  const events = at >= 0 ? Number(process.argv[at + 1]) : undefined;
  runTableBenchmark({ events })
    .then((lines) => {
      for (const line of lines) process.stdout.write(line + '\n');
    })
    .catch((error: unknown) => {
      process.stderr.write(`table benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
