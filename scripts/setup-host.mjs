// Installs the offline VS Code host (code-server 4.96.4 = VS Code 1.96.4, from the npm
// registry) into .vscode-test/host, and Debian's chromium and ripgrep when they are missing.
// Idempotent: a marker file records the installed version; a second run only checks it.
// Every step is named so a failure says which one broke.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  SETUP_LOG,
  CHROMIUM_PATH,
  CODE_SERVER_ENTRY,
  CODE_SERVER_VERSION,
  HOST_DIR,
  HOST_MARKER,
  HOST_RECIPE,
  HOST_RIPGREP,
  RIPGREP_PATH,
  VSCODE_VERSION,
  hostIsInstalled,
  runLogged,
} from './lib/host.mjs';

const PROXY_AGENT_VERSION = '0.27.0';
const NATIVE_MODULES = ['@parcel/watcher', '@vscode/spdlog', 'native-watchdog', 'node-pty', '@vscode/deviceid'];

async function step(name, action) {
  const started = Date.now();
  process.stdout.write(`setup: ${name}\n`);
  try {
    await action();
  } catch (error) {
    process.stderr.write(`\nsetup FAILED at step "${name}": ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(`setup: ${name} done (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}

function npm(args, cwd) {
  // Offline machine: no audit/fund round-trips; scripts are run explicitly through `npm rebuild`.
  // node-gyp's compiler lines go to the setup log with apt's.
  runLogged('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], SETUP_LOG, { cwd, env: npmEnv() });
}

function npmEnv() {
  const env = { ...process.env };
  // node-gyp must not download headers: use the ones Debian's nodejs ships when present.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_version.h')) env.npm_config_nodedir = '/usr';
  return env;
}

function registryUrl() {
  const result = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  const configured = result.status === 0 ? result.stdout.trim() : '';
  return (configured || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
}

/** Debian packages the host needs: a browser to open it, and ripgrep for workspace.findFiles and search. */
async function ensureSystemPackages() {
  const missing = [];
  if (!existsSync(CHROMIUM_PATH)) missing.push('chromium');
  if (!existsSync(RIPGREP_PATH)) missing.push('ripgrep');
  if (missing.length === 0) {
    process.stdout.write(`setup: ${CHROMIUM_PATH} and ${RIPGREP_PATH} present\n`);
    return;
  }
  logNote();
  await step(`install ${missing.join(' and ')} (apt-get)`, () => {
    if (process.getuid?.() !== 0) {
      throw new Error(`${missing.join(', ')} missing and this is not root; run \`sudo apt-get install -y ${missing.join(' ')}\``);
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // apt's progress lines go to a log, not the terminal; a failure names the log and shows its end.
    runLogged('apt-get', ['update'], SETUP_LOG, { env });
    runLogged('apt-get', ['install', '-y', '--no-install-recommends', ...missing], SETUP_LOG, { env });
    for (const file of [CHROMIUM_PATH, RIPGREP_PATH]) {
      if (!existsSync(file)) throw new Error(`apt-get finished but ${file} does not exist`);
    }
  });
}

/** @vscode/ripgrep's postinstall downloads rg from GitHub (skipped offline): use Debian's. */
async function ensureRipgrepLink() {
  if (existsSync(HOST_RIPGREP)) return;
  await step(`link ${RIPGREP_PATH} as @vscode/ripgrep's rg`, () => {
    mkdirSync(path.dirname(HOST_RIPGREP), { recursive: true });
    rmSync(HOST_RIPGREP, { force: true });
    symlinkSync(RIPGREP_PATH, HOST_RIPGREP);
  });
}

let noted = false;
/** Says once, before the first noisy step, where its output goes. */
function logNote() {
  if (noted) return;
  noted = true;
  process.stdout.write(`setup: the output of apt-get and npm goes to ${path.relative(process.cwd(), SETUP_LOG) || SETUP_LOG}\n`);
}

async function installHost() {
  logNote();
  const codeServerDir = path.join(HOST_DIR, 'node_modules', 'code-server');
  const vscodeDir = path.join(codeServerDir, 'lib', 'vscode');

  await step(`check Node version (code-server ${CODE_SERVER_VERSION} needs Node 20)`, () => {
    const major = Number(process.versions.node.split('.')[0]);
    if (major !== 20) throw new Error(`found Node ${process.versions.node}; install Node 20`);
  });

  await step(`npm install code-server@${CODE_SERVER_VERSION} --ignore-scripts`, () => {
    rmSync(HOST_MARKER, { force: true });
    mkdirSync(HOST_DIR, { recursive: true });
    writeFileSync(
      path.join(HOST_DIR, 'package.json'),
      JSON.stringify({ name: 'ctinv-vscode-host', private: true, dependencies: { 'code-server': CODE_SERVER_VERSION } }, null, 2),
    );
    npm(['install', '--ignore-scripts'], HOST_DIR);
  });

  await step(`point @vscode/proxy-agent at the registry (${PROXY_AGENT_VERSION}) in lib/vscode/npm-shrinkwrap.json`, () => {
    const shrinkwrapPath = path.join(vscodeDir, 'npm-shrinkwrap.json');
    const shrinkwrap = JSON.parse(readFileSync(shrinkwrapPath, 'utf8'));
    const entry = shrinkwrap.packages?.['node_modules/@vscode/proxy-agent'];
    if (!entry) throw new Error(`${shrinkwrapPath} has no node_modules/@vscode/proxy-agent entry`);
    entry.version = PROXY_AGENT_VERSION;
    entry.resolved = `${registryUrl()}@vscode/proxy-agent/-/proxy-agent-${PROXY_AGENT_VERSION}.tgz`;
    delete entry.integrity;
    writeFileSync(shrinkwrapPath, JSON.stringify(shrinkwrap, null, 2));
  });

  await step('npm install VS Code server dependencies (lib/vscode)', () => {
    npm(['install', '--omit=dev', '--ignore-scripts'], vscodeDir);
  });

  await step(`npm rebuild ${NATIVE_MODULES.join(' ')}`, () => {
    npm(['rebuild', ...NATIVE_MODULES], vscodeDir);
    const asar = path.join(vscodeDir, 'node_modules.asar');
    if (!existsSync(asar)) symlinkSync('node_modules', asar);
  });

  await step('npm install built-in extension dependencies (lib/vscode/extensions)', () => {
    npm(['install', '--omit=dev', '--ignore-scripts'], path.join(vscodeDir, 'extensions'));
  });

  await step('npm rebuild argon2', () => {
    npm(['rebuild', 'argon2'], HOST_DIR);
  });

  await step('verify code-server --version', () => {
    const config = path.join(HOST_DIR, 'code-server.yaml');
    const result = spawnSync(process.execPath, [CODE_SERVER_ENTRY, '--config', config, '--version'], { encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0 || !output.includes(CODE_SERVER_VERSION) || !output.includes(`Code ${VSCODE_VERSION}`)) {
      throw new Error(`expected "${CODE_SERVER_VERSION} ... with Code ${VSCODE_VERSION}", got: ${output.trim() || `exit ${result.status}`}`);
    }
    process.stdout.write(`  ${output.trim()}\n`);
  });

  writeFileSync(
    HOST_MARKER,
    JSON.stringify({ codeServer: CODE_SERVER_VERSION, vscode: VSCODE_VERSION, recipe: HOST_RECIPE, installedAt: new Date().toISOString() }, null, 2),
  );
}

const started = Date.now();
await ensureSystemPackages();
if (hostIsInstalled()) {
  process.stdout.write(`setup: VS Code host ${VSCODE_VERSION} (code-server ${CODE_SERVER_VERSION}) already installed in ${path.relative(process.cwd(), HOST_DIR) || HOST_DIR}\n`);
} else {
  await installHost();
}
await ensureRipgrepLink();
process.stdout.write(`setup: ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
