// What a Playwright UI test gets: a real VS Code 1.96.4 workbench (code-server, started by
// scripts/run-integration.mjs) with the extension under development loaded and the fixture
// workspace open, in headless Chromium. UI tests run in plain Node (mocha, BDD), not in the
// extension host; they look at what the workbench renders.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Frame, Locator, Page } from 'playwright-core';
import { readPng } from './png';

/** Set by the runner before the UI test files load. */
export interface HarnessConfig {
  readonly browser: Browser;
  /** The workbench URL: the fixture workspace with the extension under development loaded. */
  readonly workbenchUrl: string;
  readonly workspace: string;
  readonly screenshotsDir: string;
  /** The host's logs folder (`<user-data-dir>/logs`): each window's extension host logs there. */
  readonly hostLogsDir: string;
  readonly extensionId: string;
}

const HARNESS_KEY = Symbol.for('cloudtrail-investigator.ui-harness');
const openWorkbenches = new Set<Workbench>();
/** Every workbench page's size, so a screenshot can be checked against it. */
const VIEWPORT = { width: 1400, height: 900 } as const;

/**
 * A screenshot shows something: it is the whole page (the viewport's size) and not one flat
 * colour (a blank or a page that never painted). A workbench with text has hundreds of colours.
 */
export function assertScreenshot(file: string): void {
  const png = readPng(file);
  assert.deepEqual({ width: png.width, height: png.height }, VIEWPORT, `${file}: size`);
  assert.ok(png.colours >= 16, `${file}: only ${png.colours} colour(s), the page shows nothing`);
}

export function configureHarness(config: HarnessConfig): void {
  (globalThis as Record<symbol, unknown>)[HARNESS_KEY] = config;
}

export function harnessConfig(): HarnessConfig {
  const config = (globalThis as Record<symbol, unknown>)[HARNESS_KEY] as HarnessConfig | undefined;
  if (!config) throw new Error('UI tests run through the integration runner: `npm run test:integration`');
  return config;
}

function extensionHostLogs(logsDir: string): string[] {
  if (!fs.existsSync(logsDir)) return [];
  return fs
    .readdirSync(logsDir, { recursive: true, encoding: 'utf8' })
    .filter((relative) => relative.endsWith('remoteexthost.log'))
    .map((relative) => path.join(logsDir, relative));
}

/**
 * Waits until this window's (new) extension host has activated the extension. A command run
 * from the palette while the extension is still activating can reach the workbench before
 * the output channel it shows is registered; a person would not be that quick.
 */
async function waitForActivation(config: HarnessConfig, hostLogsBefore: Set<string>): Promise<void> {
  const activated = `_doActivateExtension ${config.extensionId},`;
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const log of extensionHostLogs(config.hostLogsDir)) {
      if (!hostLogsBefore.has(log) && fs.readFileSync(log, 'utf8').includes(activated)) {
        // Activation is logged as it starts; leave a moment for activate() to run.
        await new Promise((resolve) => setTimeout(resolve, 500));
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the extension host of this window did not activate ${config.extensionId} (see ${config.hostLogsDir})`);
}

/** Long enough for a cold extension host on a loaded 2-core machine; never asserted on. */
const UI_TIMEOUT_MS = 30_000;

export class Workbench {
  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
    private readonly screenshotsDir: string,
  ) {}

  /**
   * Opens a fresh browser context on the workbench (its own extension host) and waits
   * until the workbench and the extension's activity bar entry are rendered.
   */
  static async open(): Promise<Workbench> {
    const config = harnessConfig();
    const context = await config.browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const hostLogsBefore = new Set(extensionHostLogs(config.hostLogsDir));
    await page.goto(config.workbenchUrl);
    await page.locator('.monaco-workbench').waitFor();
    const workbench = new Workbench(context, page, config.screenshotsDir);
    openWorkbenches.add(workbench);
    await workbench.activityBarItem('CloudTrail').waitFor();
    await waitForActivation(config, hostLogsBefore);
    // Start from a clean window: no startup toasts (theme tips and the like) over screenshots.
    await workbench.runCommand('Notifications: Clear All Notifications');
    return workbench;
  }

  /** The activity bar entry whose tooltip/aria-label starts with `title`. */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).first();
  }

  /** A view pane (tree or welcome content) in the side bar, by its header title. */
  viewPane(title: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator(`.pane-header[aria-label^="${title}"]`) });
  }

  /**
   * Shows the CloudTrail side bar and waits until Sources lists the sample trail (345 events).
   * The workspace is the sample trail, so the extension usually loads it itself (or remembers
   * it); `add` loads it when it did not.
   */
  async showSampleTrail(add: () => Promise<void>): Promise<void> {
    await this.activityBarItem('CloudTrail').click();
    const sources = this.viewPane('Sources');
    await sources.waitFor();
    const loaded = sources.locator('.monaco-list-row', { hasText: /345 events/ }).first();
    const autoLoaded = await loaded.waitFor({ timeout: 15_000 }).then(
      () => true,
      () => false,
    );
    if (!autoLoaded) await add();
    await loaded.waitFor();
  }

  /**
   * "Add to CloudTrail Investigation" on the Explorer's `folderName` row, then shows the
   * CloudTrail side bar. (The simple folder dialog sometimes navigates into a folder instead of
   * accepting it when OK is clicked while it is still listing.)
   */
  async addFromExplorerMenu(folderName: string): Promise<void> {
    const page = this.page;
    // The command shows the Explorer; clicking its activity bar entry would toggle it.
    await this.runCommand('View: Show Explorer');
    const folderRow = page.locator('.part.sidebar .explorer-folders-view .monaco-list-row', { hasText: folderName }).first();
    await folderRow.waitFor();
    await folderRow.click({ button: 'right' });
    const menuItem = page.locator('.monaco-menu .action-item', { hasText: 'Add to CloudTrail Investigation' }).first();
    await menuItem.waitFor();
    // Hovering focuses the item; Enter runs it (a click right after the menu opens can be swallowed).
    await menuItem.hover();
    await page.keyboard.press('Enter');
    await page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden' });
    await this.activityBarItem('CloudTrail').click();
  }

  /** Runs a command through the command palette, as a user would, by its full palette title. */
  async runCommand(paletteTitle: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    // Under load the workbench can take focus back just after F1 (a view revealed late), and the
    // palette closes on losing focus: open it again rather than wait for an input that is gone.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
        await input.fill(`>${paletteTitle}`, { timeout: attempt < 3 ? 5_000 : UI_TIMEOUT_MS });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
    // Enter runs the focused row; wait until filtering has put the command there.
    const focusedRow = this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: paletteTitle });
    await focusedRow.waitFor();
    await input.press('Enter');
    // The palette is done once its widget hides, or once the command has reused the widget for
    // its own input box (then the text no longer starts with ">").
    // (A string: this project's TypeScript has no DOM library.)
    await this.page.waitForFunction(
      `(() => {
        const widget = document.querySelector('.quick-input-widget');
        const box = widget && widget.querySelector('.quick-input-box input');
        return !widget || widget.getClientRects().length === 0 || !((box && box.value) || '').startsWith('>');
      })()`,
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
  }

  /** The frames of a webview panel whose document contains `selector` (webviews nest two iframes deep). */
  async webviewFrame(selector: string): Promise<Frame> {
    const deadline = Date.now() + UI_TIMEOUT_MS;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (await frame.locator(selector).count().catch(() => 0)) return frame;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no webview frame contains ${selector}`);
  }

  /** Saves a full-window screenshot to test-results/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(this.screenshotsDir, { recursive: true });
    const file = path.join(this.screenshotsDir, `${name.replace(/[^a-z0-9-_]+/gi, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    openWorkbenches.delete(this);
    await this.context.close();
  }
}

/** Called by the runner after a failed UI test: a screenshot of every open workbench. */
export async function screenshotOpenWorkbenches(testTitle: string): Promise<string[]> {
  const files: string[] = [];
  let index = 0;
  for (const workbench of openWorkbenches) {
    files.push(await workbench.screenshot(`FAILED-${testTitle}${index++ ? `-${index}` : ''}`).catch((error: unknown) => String(error)));
  }
  return files;
}
