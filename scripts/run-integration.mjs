// Integration runner for the offline VS Code host (VS Code 1.96.4 via code-server):
//   1. builds the extension (esbuild) and compiles the tests (tsc),
//   2. starts code-server on a free 127.0.0.1 port with a fresh user-data folder and the
//      fixture workspace, and opens it in headless Chromium (playwright-core),
//   3. runs test/integration/suite/**/*.test.ts inside the extension host and prints
//      their results in mocha's spec form,
//   4. runs test/ui/**/*.test.ts (Playwright checks on the workbench, screenshots in
//      test-results/screenshots/),
//   5. ends every process it started; exits non-zero on any failure or timeout, with the
//      host's logs attached (copied to test-results/logs/).
// Options: --skip-build (test-all already built), --only=host|ui, --grep=PATTERN,
//          --extension=DIR (test another copy of the built extension, e.g. an unpacked .vsix).
// Env: CTINV_INTEGRATION_TIMEOUT (seconds for the in-host suites, default 300),
//      CTINV_STATS_FILE (appends {stage, passes, failures, pending} lines for test-all).
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  REPO_ROOT,
  SCREENSHOTS_DIR,
  TEST_RESULTS_DIR,
  VSCODE_VERSION,
  fixtureWorkspace,
  freshUserDataDir,
  installCleanup,
  killAllStarted,
  remoteUri,
  removeDir,
  requireHost,
  startCodeServer,
  workbenchUrl,
} from './lib/host.mjs';
import { SpecPrinter } from './lib/spec-printer.mjs';

const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('only');
const grep = option('grep') ?? process.env.CTINV_TEST_GREP ?? '';
const extensionPath = path.resolve(option('extension') ?? REPO_ROOT);
const hostTimeoutMs = Number(process.env.CTINV_INTEGRATION_TIMEOUT ?? 300) * 1000;

const EXTENSION_ID = (() => {
  const manifest = JSON.parse(readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  return `${manifest.publisher}.${manifest.name}`;
})();
const OUT_DIR = path.join(REPO_ROOT, 'out', 'test');
const LOGS_DIR = path.join(TEST_RESULTS_DIR, 'logs');

const results = [];
let browser;
let userDataDir;
let failedForLogs = false;

function record(stage, passes, failures, pending = 0) {
  results.push({ stage, passes, failures, pending });
  if (process.env.CTINV_STATS_FILE) appendFileSync(process.env.CTINV_STATS_FILE, JSON.stringify({ stage, passes, failures, pending }) + '\n');
}

function listTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

function build() {
  process.stdout.write('integration: building the extension (esbuild) and compiling tests (tsc)\n');
  const esbuild = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (esbuild.status !== 0) throw new Error('`node esbuild.mjs` failed: the extension did not build');
  // tsc emits even with type errors; those are reported by `npm run typecheck` / `npm test`.
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) process.stdout.write('integration: note: tsc reported type errors (see `npm run typecheck`); running what compiled\n');
  if (!existsSync(path.join(OUT_DIR, 'integration', 'index.js'))) throw new Error('tsc did not produce out/test/integration/index.js');
}

function tail(file, lines = 60) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

function findFiles(dir, predicate) {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => predicate(f) && statSync(f).isFile());
}

/** Keeps the logs of the last few runs only. */
function pruneOldLogs(keep = 5) {
  if (!existsSync(LOGS_DIR)) return;
  const runs = readdirSync(LOGS_DIR).sort();
  for (const run of runs.slice(0, Math.max(0, runs.length - keep + 1))) rmSync(path.join(LOGS_DIR, run), { recursive: true, force: true });
}

/** Copies the host's logs to test-results/logs and prints their tails. */
function attachHostLogs(runLogDir) {
  if (userDataDir) cpSync(path.join(userDataDir, 'logs'), path.join(runLogDir, 'host'), { recursive: true, force: true });
  const extHostLogs = findFiles(path.join(runLogDir, 'host'), (f) => /exthost\.log$|remoteagent\.log$|CloudTrail/i.test(f));
  for (const file of [path.join(runLogDir, 'code-server.log'), path.join(runLogDir, 'browser-console.log'), ...extHostLogs]) {
    const text = tail(file);
    if (!text.trim()) continue;
    process.stdout.write(`\n----- ${path.relative(REPO_ROOT, file)} (last lines) -----\n${text}\n`);
  }
  process.stdout.write(`\nintegration: host logs kept in ${path.relative(REPO_ROOT, runLogDir)}\n`);
}

/** Runs the in-host suites in their own page; resolves with mocha's end counts. */
async function runHostSuites(server, eventsFile, consoleLog, progress) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => appendFileSync(consoleLog, `[tests window] ${message.type()}: ${message.text()}\n`));
  page.on('pageerror', (error) => appendFileSync(consoleLog, `[tests window] pageerror: ${error.message}\n`));
  const url = workbenchUrl(server.baseUrl, fixtureWorkspace(), [
    ['extensionDevelopmentPath', remoteUri(server.port, extensionPath)],
    ['extensionTestsPath', remoteUri(server.port, path.join(OUT_DIR, 'integration', 'index.js'))],
  ]);
  await page.goto(url);

  const printer = progress.printer;
  let offset = 0;
  let pending = '';
  const deadline = Date.now() + hostTimeoutMs;
  process.stdout.write(`\nIn-host integration suites (real VS Code ${VSCODE_VERSION})\n`);
  for (;;) {
    if (existsSync(eventsFile)) {
      const text = readFileSync(eventsFile, 'utf8');
      pending += text.slice(offset);
      offset = text.length;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line);
        if (printer.print(event)) {
          await context.close();
          return event;
        }
      }
    }
    if (server.child.exitCode !== null) throw new Error(`code-server exited (code ${server.child.exitCode}) while the suites ran`);
    if (Date.now() > deadline) {
      throw new Error(`the in-host suites did not finish within ${hostTimeoutMs / 1000}s (CTINV_INTEGRATION_TIMEOUT)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs the Playwright UI tests in this process with mocha's spec reporter. */
async function runUiTests(server) {
  const files = listTests(path.join(OUT_DIR, 'ui'));
  if (files.length === 0) throw new Error('no UI tests under out/test/ui (expected at least test/ui/workbench.test.ts)');
  const { configureHarness, screenshotOpenWorkbenches } = require(path.join(OUT_DIR, 'ui', 'harness.js'));
  configureHarness({
    browser,
    workbenchUrl: workbenchUrl(server.baseUrl, fixtureWorkspace(), [['extensionDevelopmentPath', remoteUri(server.port, extensionPath)]]),
    workspace: fixtureWorkspace(),
    screenshotsDir: SCREENSHOTS_DIR,
    hostLogsDir: path.join(userDataDir, 'logs'),
    extensionId: EXTENSION_ID,
  });
  const mochaModule = require('mocha');
  const Mocha = mochaModule.default ?? mochaModule;
  Mocha.reporters.Base.useColors = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 120_000, grep: grep || undefined });
  mocha.suite.afterEach(async function screenshotOnFailure() {
    if (this.currentTest?.state === 'failed') {
      for (const file of await screenshotOpenWorkbenches(this.currentTest.title)) {
        process.stdout.write(`      screenshot of the failure: ${path.relative(REPO_ROOT, file)}\n`);
      }
    }
  });
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  process.stdout.write(`\nPlaywright UI checks on the workbench (screenshots in ${path.relative(REPO_ROOT, SCREENSHOTS_DIR)}/)\n`);
  return new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
}

async function main() {
  installCleanup(() => {
    if (userDataDir) removeDir(userDataDir);
  });
  try {
    if (!argv.includes('--skip-build')) build();
    requireHost();
  } catch (error) {
    process.stdout.write(`\nintegration FAILED before starting the host: ${error instanceof Error ? error.message : String(error)}\n`);
    record('integration', 0, 1);
    process.stdout.write('integration: 0 passed, 1 failed\n');
    return 1;
  }

  pruneOldLogs();
  const runLogDir = path.join(LOGS_DIR, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runLogDir, { recursive: true });
  rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  userDataDir = freshUserDataDir('ctinv-it-');
  const eventsFile = path.join(userDataDir, 'test-events.jsonl');
  const consoleLog = path.join(runLogDir, 'browser-console.log');
  writeFileSync(consoleLog, '');

  let exitCode = 0;
  try {
    const server = await startCodeServer({
      userDataDir,
      extensionsDir: path.join(userDataDir, 'extensions'),
      folder: fixtureWorkspace(),
      logFile: path.join(runLogDir, 'code-server.log'),
      env: { CTINV_TEST_EVENTS: eventsFile, CTINV_EXPECT_VSCODE: VSCODE_VERSION, CTINV_TEST_GREP: grep },
    });
    process.stdout.write(`integration: VS Code ${VSCODE_VERSION} host on ${server.baseUrl}, workspace ${path.relative(REPO_ROOT, fixtureWorkspace())}\n`);
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });

    if (only !== 'ui') {
      const progress = { printer: new SpecPrinter() };
      try {
        const end = await runHostSuites(server, eventsFile, consoleLog, progress);
        record('integration', end.passes, end.failures, end.pending);
        if (end.failures > 0) failedForLogs = true;
      } catch (error) {
        process.stdout.write(`\nintegration FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
        // What ran before the host stopped answering still counts; the stop is one more failure.
        record('integration', progress.printer.passes, progress.printer.failures + 1);
        failedForLogs = true;
      }
    }
    if (only !== 'host') {
      try {
        const stats = await runUiTests(server);
        record('ui', stats.passes, stats.failures, stats.pending);
        if (stats.failures > 0) failedForLogs = true;
      } catch (error) {
        process.stdout.write(`\nUI checks FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        record('ui', 0, 1);
        failedForLogs = true;
      }
    }
  } catch (error) {
    process.stdout.write(`\nintegration FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    record('integration', 0, 1);
    failedForLogs = true;
  } finally {
    await browser?.close().catch(() => {});
    killAllStarted();
    if (failedForLogs) attachHostLogs(runLogDir);
    removeDir(userDataDir);
    userDataDir = undefined;
  }

  const passes = results.reduce((n, r) => n + r.passes, 0);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  if (failures > 0) exitCode = 1;
  process.stdout.write(`integration: ${passes} passed, ${failures} failed\n`);
  return exitCode;
}

process.exitCode = await main();
