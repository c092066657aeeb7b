// The main job (`npm start`): on a fresh clone installs what is missing (npm ci, the offline
// VS Code host, chromium), builds the extension, starts VS Code 1.96.4 (code-server) on
// 127.0.0.1 with the extension installed and the bundled sample trail open, prints the URL
// and serves until Ctrl-C.
//   --port=N (or CTINV_PORT)  listen on that loopback port instead of a free one
//   --smoke  (or CTINV_SMOKE=1)  start, check the workbench answers and shows the extension, exit 0
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

function stepSync(name, action) {
  try {
    return action();
  } catch (error) {
    return fail(name, error);
  }
}

stepSync('npm ci', ensureNodeModules);
stepSync('host setup (npm run setup)', ensureHost);
stepSync('build the extension (node esbuild.mjs)', () => run(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT }));

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const extensionId = `${manifest.publisher}.${manifest.name}`;
const userDataDir = path.join(STATE_DIR, 'user-data');
const extensionsDir = path.join(STATE_DIR, 'extensions');

stepSync('install the extension into the host', () => {
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
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile)) {
    writeFileSync(
      settingsFile,
      JSON.stringify(
        {
          'security.workspace.trust.enabled': false,
          'telemetry.telemetryLevel': 'off',
          'update.mode': 'none',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'workbench.startupEditor': 'none',
          'workbench.colorTheme': 'Default Light Modern',
        },
        null,
        2,
      ),
    );
  }
});

installCleanup();
const folder = fixtureWorkspace();
const logFile = path.join(STATE_DIR, 'code-server.log');
let server;
try {
  server = await startCodeServer({ userDataDir, extensionsDir, folder, logFile, port: requestedPort || undefined });
} catch (error) {
  fail('start code-server', error);
}
const url = workbenchUrl(server.baseUrl, folder);

if (smoke) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    const require = createRequire(import.meta.url);
    const { chromium } = require('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.locator('.activitybar .action-item a[aria-label^="CloudTrail"]').waitFor({ timeout: 60_000 });
    } finally {
      await browser.close();
    }
    process.stdout.write(`start --smoke: ${url} answers and shows the CloudTrail activity bar entry (VS Code ${VSCODE_VERSION})\n`);
    killAllStarted();
    process.exit(0);
  } catch (error) {
    fail('smoke check', error);
  }
}

process.stdout.write(
  [
    '',
    `  CloudTrail Investigator in VS Code ${VSCODE_VERSION} (code-server), workspace ${path.relative(REPO_ROOT, folder)}`,
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
