// `npm test`: type-check, lint, build, unit tests, then the integration suites (which
// include the contributes.commands ⇄ registered commands check) and the Playwright UI
// checks in the real VS Code host. Prints each stage's output as it goes and ends with ONE
// line `N passed, N failed`, summed over all stages: mocha stages count their tests;
// type-check, lint and build count as one check each; a stage that cannot run counts as failed.
// Skipped tests are counted too (`N passed, N failed, N skipped`). Where ../shared/datasets is
// present (as in CI), a dataset test that cannot find its dataset fails instead of skipping.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, ensureHost, ensureNodeModules } from './lib/host.mjs';

const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');
const requireDatasets = existsSync(DATASETS);
const statsDir = mkdtempSync(path.join(tmpdir(), 'ctinv-test-all-'));
const statsFile = path.join(statsDir, 'stats.jsonl');
const stages = [];

function banner(title) {
  process.stdout.write(`\n=== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}\n`);
}

function runStage(title, command, args, env = {}) {
  banner(title);
  const started = Date.now();
  const datasetEnv = requireDatasets ? { CTINV_REQUIRE_DATASETS: '1' } : {};
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, ...datasetEnv, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error) process.stdout.write(`${title}: could not start: ${result.error.message}\n`);
  return { ok: result.status === 0, seconds };
}

/** For stages that report a single yes/no: type-check, lint, build. */
function checkStage(stage, title, command, args) {
  const { ok, seconds } = runStage(title, command, args);
  stages.push({ stage, passes: ok ? 1 : 0, failures: ok ? 0 : 1, skipped: 0, seconds });
  process.stdout.write(`${stage}: ${ok ? 'ok' : 'FAILED'} (${seconds}s)\n`);
  return ok;
}

/** For mocha stages: counts come from the lines they append to the stats file. */
function mochaStage(stage, title, command, args, env = {}) {
  const before = readStats().length;
  const { ok, seconds } = runStage(title, command, args, { CTINV_STATS_FILE: statsFile, ...env });
  const reported = readStats().slice(before);
  if (reported.length === 0) {
    // It died before reporting (crash, load error): that is one failure.
    stages.push({ stage, passes: 0, failures: 1, skipped: 0, seconds });
    return;
  }
  for (const stats of reported) stages.push({ stage: stats.stage, passes: stats.passes, failures: stats.failures, skipped: stats.pending ?? 0, seconds });
  if (!ok && reported.every((stats) => stats.failures === 0)) {
    // A non-zero exit with no failing test (e.g. a crash after reporting) still fails.
    stages.push({ stage: `${stage} (exit)`, passes: 0, failures: 1, skipped: 0, seconds });
  }
}

function readStats() {
  if (!existsSync(statsFile)) return [];
  return readFileSync(statsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function prepare() {
  banner('prepare: node_modules and the offline VS Code host');
  try {
    ensureNodeModules();
    ensureHost();
    return true;
  } catch (error) {
    process.stdout.write(`prepare FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    stages.push({ stage: 'prepare', passes: 0, failures: 1, skipped: 0, seconds: '0' });
    return false;
  }
}

const started = Date.now();
process.stdout.write(
  requireDatasets
    ? `datasets: ${DATASETS} is present, so every dataset test must run (a missing dataset fails)\n`
    : `datasets: ${DATASETS} is absent, so the dataset tests are skipped and counted as skipped\n`,
);
if (prepare()) {
  const bin = (pkg, file) => path.join(REPO_ROOT, 'node_modules', pkg, 'bin', file);
  const tsc = bin('typescript', 'tsc');
  const eslint = bin('eslint', 'eslint.js');
  const mocha = bin('mocha', 'mocha.js');

  checkStage('typecheck', 'type-check (tsc -p .)', process.execPath, [tsc, '-p', '.']);
  // The webview has its own DOM-typed project, outside the root one.
  checkStage('typecheck', 'type-check the webview (tsc -p src/webview)', process.execPath, [tsc, '-p', 'src/webview']);
  checkStage('lint', 'lint (eslint)', process.execPath, [eslint, 'src', 'test', 'scripts', 'bench', 'esbuild.mjs', 'eslint.config.mjs']);
  const built = checkStage('build', 'build (node esbuild.mjs)', process.execPath, ['esbuild.mjs']);
  mochaStage('unit', 'unit tests (mocha, plain Node)', process.execPath, [mocha, '--reporter', path.join(REPO_ROOT, 'scripts', 'lib', 'spec-stats-reporter.cjs')], {
    CTINV_STATS_STAGE: 'unit',
  });
  if (built) {
    mochaStage('integration', 'integration + UI tests (real VS Code 1.96.4 host)', process.execPath, [path.join(REPO_ROOT, 'scripts', 'run-integration.mjs'), '--skip-build']);
  } else {
    process.stdout.write('\nintegration: not run, the extension did not build\n');
    stages.push({ stage: 'integration', passes: 0, failures: 1, skipped: 0, seconds: '0' });
  }
}
rmSync(statsDir, { recursive: true, force: true });

banner(`summary (${((Date.now() - started) / 1000).toFixed(0)}s)`);
for (const s of stages) {
  process.stdout.write(`  ${s.stage.padEnd(12)} ${String(s.passes).padStart(5)} passed ${String(s.failures).padStart(4)} failed ${String(s.skipped).padStart(4)} skipped\n`);
}
const passed = stages.reduce((n, s) => n + s.passes, 0);
const failed = stages.reduce((n, s) => n + s.failures, 0);
const skipped = stages.reduce((n, s) => n + s.skipped, 0);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 ? 1 : 0;
