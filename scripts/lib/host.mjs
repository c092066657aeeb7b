// Shared by the host setup, the main job (`npm start`) and the integration runner:
// where the offline VS Code host lives, how to start it on loopback, and how to end
// every process we start. Plain Node, no dependencies, so it runs before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CODE_SERVER_VERSION = '4.96.4';
export const VSCODE_VERSION = '1.96.4';
/** Bump when the install recipe changes so existing hosts are rebuilt. */
export const HOST_RECIPE = 1;
export const HOST_DIR = path.join(REPO_ROOT, '.vscode-test', 'host');
export const HOST_MARKER = path.join(HOST_DIR, 'ctinv-host.json');
export const CODE_SERVER_ENTRY = path.join(HOST_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM_PATH = process.env.CTINV_CHROMIUM ?? '/usr/bin/chromium';
export const RIPGREP_PATH = '/usr/bin/rg';
/** Where VS Code looks for ripgrep (workspace.findFiles, search). */
export const HOST_RIPGREP = path.join(HOST_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
export const TEST_RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
export const SCREENSHOTS_DIR = path.join(TEST_RESULTS_DIR, 'screenshots');
/** The output of apt-get and npm during `npm run setup` (kept out of the terminal). */
export const SETUP_LOG = path.join(REPO_ROOT, '.vscode-test', 'setup.log');

/** The workspace the host opens: the bundled sample trail when present, else all fixtures. */
export function fixtureWorkspace() {
  const sample = path.join(REPO_ROOT, 'fixtures', 'sample-trail');
  return existsSync(sample) ? sample : path.join(REPO_ROOT, 'fixtures');
}

/** Chromium flags that keep a headless browser off the network and quiet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function hostIsInstalled() {
  if (!existsSync(HOST_MARKER) || !existsSync(CODE_SERVER_ENTRY)) return false;
  try {
    const marker = JSON.parse(readFileSync(HOST_MARKER, 'utf8'));
    return marker.codeServer === CODE_SERVER_VERSION && marker.recipe === HOST_RECIPE;
  } catch {
    return false;
  }
}

export function requireHost() {
  if (!hostIsInstalled()) {
    throw new Error(`the offline VS Code host is not installed in ${HOST_DIR}; run \`npm run setup\` first`);
  }
  if (!existsSync(HOST_RIPGREP)) {
    throw new Error(`no ripgrep for the host at ${HOST_RIPGREP}; run \`npm run setup\``);
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no browser at ${CHROMIUM_PATH}; run \`npm run setup\` (installs Debian's chromium) or set CTINV_CHROMIUM`);
  }
}

/** Runs a command synchronously with inherited output; throws naming the command on failure. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`\`${command} ${args.join(' ')}\` could not start: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`;
    throw new Error(`\`${command} ${args.join(' ')}\` failed with ${how}`);
  }
}

/**
 * Runs a command synchronously with its output appended to `logFile` instead of the terminal
 * (apt-get's progress lines); throws naming the command and the log, with the log's last lines.
 */
export function runLogged(command, args, logFile, options = {}) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  appendFileSync(logFile, `\n$ ${command} ${args.join(' ')}    (${new Date().toISOString()})\n`);
  const fd = openSync(logFile, 'a');
  let result;
  try {
    result = spawnSync(command, args, { ...options, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const failed = result.error ? `could not start: ${result.error.message}` : result.status !== 0 ? `failed with ${result.signal ? `signal ${result.signal}` : `exit code ${result.status}`}` : undefined;
  if (failed) {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).map((line) => `    ${line}`).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` ${failed}; its output is in ${logFile}, ending:\n${tail}`);
  }
}

export function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Processes started through `startProcess` are put in their own process group and
 * killed as a group, so grandchildren (the extension host, chromium's renderers) go too.
 */
const started = new Set();

export function startProcess(command, args, options = {}) {
  const child = spawn(command, args, { detached: true, ...options });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return child;
}

export function killProcessGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.1']);
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function killAllStarted() {
  for (const child of [...started]) killProcessGroup(child);
}

let cleanupInstalled = false;
/** On Ctrl-C, SIGTERM or exit, end every process this script started. */
export function installCleanup(extra = () => {}) {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const finish = (code) => {
    try {
      extra();
    } finally {
      killAllStarted();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => finish(130));
  process.on('SIGTERM', () => finish(143));
  process.on('exit', () => killAllStarted());
}

/** A fresh user-data folder with settings that keep the host quiet and offline. */
export function freshUserDataDir(prefix = 'ctinv-host-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(path.join(dir, 'User'), { recursive: true });
  mkdirSync(path.join(dir, 'extensions'), { recursive: true });
  writeFileSync(
    path.join(dir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'workbench.startupEditor': 'none',
        'workbench.colorTheme': 'Default Light Modern',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'chat.commandCenter.enabled': false,
        'git.enabled': false,
        'npm.autoDetect': 'off',
      },
      null,
      2,
    ),
  );
  return dir;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it answers HTTP.
 * Its output goes to `logFile` (attached to failures by the callers).
 */
export async function startCodeServer({ userDataDir, extensionsDir, folder, logFile, port: requestedPort, env = {}, timeoutMs = 60_000 }) {
  requireHost();
  const port = requestedPort ?? (await freeLoopbackPort());
  const logFd = openSync(logFile, 'a');
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--config', path.join(userDataDir, 'code-server.yaml'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    folder,
  ];
  const child = startProcess(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...hostEnv(), ...env },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with code ${child.exitCode} before answering; log: ${logFile}`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) return { child, port, baseUrl };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  killProcessGroup(child);
  throw new Error(`code-server did not answer on ${baseUrl} within ${timeoutMs / 1000}s; log: ${logFile}`);
}

/**
 * Environment for code-server: no extension gallery (it would query open-vsx.org; this
 * machine is offline and tests must not touch the network).
 */
export function hostEnv() {
  return { EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '', itemUrl: '', resourceUrlTemplate: '' }) };
}

/** The workbench URL that opens `folder` with extra launch options (`payload`). */
export function workbenchUrl(baseUrl, folder, payload = []) {
  // Slashes stay readable in the printed URL; everything else is escaped.
  let url = `${baseUrl}/?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}`;
  if (payload.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** A path on the code-server machine as the remote URI the web workbench understands. */
export function remoteUri(port, absolutePath) {
  return `vscode-remote://127.0.0.1:${port}${absolutePath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/** A fresh clone has no node_modules: install exactly the lockfile (`npm ci`). Says which it did. */
export function ensureNodeModules() {
  if (existsSync(path.join(REPO_ROOT, 'node_modules', '.package-lock.json'))) {
    process.stdout.write('setup: node_modules present\n');
    return;
  }
  process.stdout.write('setup: node_modules missing, running `npm ci`\n');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: REPO_ROOT });
}

/** Runs the (idempotent, seconds when done) host setup: code-server + chromium. */
export function ensureHost() {
  run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'setup-host.mjs')], { cwd: REPO_ROOT });
}
