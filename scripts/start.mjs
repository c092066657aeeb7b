// The main job (`npm start`): on a fresh clone installs what is missing (npm ci, the offline
// VS Code host, chromium), builds the extension, starts VS Code 1.96.4 (code-server) on
// 127.0.0.1 with the extension installed and the bundled sample trail open, prints the URL
// and serves until Ctrl-C.
//   --port=N (or CTINV_PORT)  listen on that loopback port instead of a free one
//   --smoke  (or CTINV_SMOKE=1)  start, check the workbench answers, shows the extension and the loaded sample, exit 0
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  REPO_ROOT,
  VSCODE_VERSION,
  ensureHost,
  ensureNodeModules,
  fixtureWorkspace,
  installCleanup,
  killAllStarted,
  run,
  startCodeServer,
  workbenchUrl,
} from './lib/host.mjs';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke') || process.env.CTINV_SMOKE === '1';
const requestedPort = Number(argv.find((a) => a.startsWith('--port='))?.slice(7) ?? process.env.CTINV_PORT ?? 0);
const STATE_DIR = path.join(REPO_ROOT, '.vscode-test', 'start');

function fail(step, error) {
  process.stderr.write(`\nstart FAILED at step "${step}": ${error instanceof Error ? error.message : String(error)}\n`);
  killAllStarted();
  process.exit(1);
}

const STEPS = smoke ? 6 : 5;
let stepNumber = 0;
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Says what it is doing before each step and how long it took after; a failure names the step. */
async function step(name, action) {
  stepNumber++;
  process.stdout.write(`start [${stepNumber}/${STEPS}] ${name}\n`);
  const started = Date.now();
  try {
    const result = await action();
    process.stdout.write(`start [${stepNumber}/${STEPS}] ${name}: done (${seconds(started)})\n`);
    return result;
  } catch (error) {
    return fail(name, error);
  }
}

await step('check node_modules (npm ci on a fresh clone)', ensureNodeModules);
await step('check the offline VS Code host, chromium and ripgrep (npm run setup)', ensureHost);
await step('build the extension (node esbuild.mjs)', () => run(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT }));

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const extensionId = `${manifest.publisher}.${manifest.name}`;
const userDataDir = path.join(STATE_DIR, 'user-data');
const extensionsDir = path.join(STATE_DIR, 'extensions');

await step('install the extension and the start settings into the host', () => {
  // A copy of what the .vsix ships, not a link to the working tree: the host writes its own
  // metadata into an installed extension's package.json.
  rmSync(extensionsDir, { recursive: true, force: true });
  const installed = path.join(extensionsDir, `${extensionId}-${manifest.version}`);
  mkdirSync(installed, { recursive: true });
  const shipped = (file) => !file.startsWith(path.join(REPO_ROOT, 'dist') + path.sep) || /[/\\](extension|worker)\.js(\.map)?$/.test(file);
  for (const item of ['package.json', 'README.md', 'LICENSE', 'dist', 'media']) {
    const from = path.join(REPO_ROOT, item);
    if (existsSync(from)) cpSync(from, path.join(installed, item), { recursive: true, filter: (file) => file === from || shipped(file) });
  }
  writeStartSettings(path.join(userDataDir, 'User', 'settings.json'));
});

/**
 * The user settings of the `npm start` profile (.vscode-test/start/user-data, used for nothing
 * else): these keys are set on every start, whatever else the user changed there.
 */
function writeStartSettings(settingsFile) {
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  let settings = {};
  if (existsSync(settingsFile)) {
    try {
      settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    } catch {
      // Settings written with comments (JSONC) are left as they are, with a word about it.
      process.stdout.write(`  note: ${settingsFile} is not plain JSON; the start settings were not merged into it\n`);
      return;
    }
  }
  Object.assign(settings, {
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'workbench.startupEditor': 'none',
    // No "a Git repository was found in the parent folders" notification: the sample sits inside this repository.
    'git.openRepositoryInParentFolders': 'never',
    // The sample trail is loaded and shown when the workbench opens (off by default: an opt-in of this profile).
    'cloudtrail.autoLoadWorkspaceTrails': true,
  });
  if (!('workbench.colorTheme' in settings)) settings['workbench.colorTheme'] = 'Default Light Modern';
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
}

installCleanup();
const folder = fixtureWorkspace();
const logFile = path.join(STATE_DIR, 'code-server.log');
const server = await step(`start VS Code ${VSCODE_VERSION} (code-server) on 127.0.0.1`, () =>
  startCodeServer({ userDataDir, extensionsDir, folder, logFile, port: requestedPort || undefined }),
);
const url = workbenchUrl(server.baseUrl, folder);

if (smoke) {
  await step('smoke check: open the workbench in headless chromium', async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    const require = createRequire(import.meta.url);
    const { chromium } = require('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.locator('.activitybar .action-item a[aria-label^="CloudTrail"]').waitFor({ timeout: 60_000 });
      // The start settings load the workspace's trail and show it: the Sources view lists it with its events.
      const source = page.locator('.part.sidebar .pane .monaco-list-row', { hasText: / events · / }).first();
      await source.waitFor({ timeout: 60_000 });
      process.stdout.write(`  Sources: ${(await source.innerText()).replace(/\s+/g, ' ')}\n`);
    } finally {
      await browser.close();
    }
    process.stdout.write(`start --smoke: ${url} answers, shows the CloudTrail activity bar entry and the workspace's trail loaded (VS Code ${VSCODE_VERSION})\n`);
  });
  killAllStarted();
  process.exit(0);
}

process.stdout.write(
  [
    '',
    `  CloudTrail Investigator in VS Code ${VSCODE_VERSION} (code-server), workspace ${path.relative(REPO_ROOT, folder)}`,
    '  The sample trail loads when the workbench opens (cloudtrail.autoLoadWorkspaceTrails in this profile).',
    '',
    `  Open:  ${url}`,
    '',
    `  Log:   ${path.relative(REPO_ROOT, logFile)}    Stop: Ctrl-C`,
    '',
  ].join('\n') + '\n',
);
server.child.on('exit', (code, signal) => {
  process.stderr.write(`code-server stopped (${signal ?? `exit code ${code}`}); see ${logFile}\n`);
  process.exit(code === 0 ? 0 : 1);
});
