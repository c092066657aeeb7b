/**
 * The benchmark of real shapes (issue 13): for each trail of bench/shapes.ts, every figure
 * against the one-thread baseline measured in the same run on the same files.
 *
 *   baseline   in this process, one thread: read, gunzip (.json.gz) and JSON.parse every
 *              file; median of the repetitions, after one pass that warms the page cache
 *   baseline, whole process
 *              the same loop as the simplest script a user would run (`node -e` below): start
 *              Node, list the folder, then read, gunzip and JSON.parse every file. The cold
 *              build, reopen and pivot are whole processes too, so their verdicts use this one
 *              (like against like); their ratio to the in-process loop is printed beside it
 *   cold       `ctinv stats --no-cache` as a whole process (node start included), the CLI's own
 *              choice of workers (the main thread below 8 MB of evidence, else one per core);
 *              `--workers 2` printed beside it
 *   reopen     `ctinv stats` as a whole process with its cache already built: every file is
 *              still validated against the cache (the engine's walk and key check)
 *   pivot      `ctinv query --where accessKeyId:<key>` as a whole process, cache built, raw
 *              records printed (ndjson); the key is a real one, carried by about 0.1% of events
 *   memory     a separate process loads the trail (no cache); its RSS after GC minus an empty
 *              process's, divided by the events
 *   per file   (cold median − whole-process baseline median) / files: what the engine pays for each file
 *              beyond reading and parsing it; cold median / files is printed beside it
 *   jq         `zcat -f FILES | jq -c '.Records[] | select(.userIdentity.accessKeyId == KEY)'`
 *              where jq is installed (a note otherwise)
 *
 * Whole-process timings print min and median over the repetitions; ratios use the median.
 * They are taken by a small Node process of their own (TIMER_SCRIPT), not by this one: after
 * the in-process baseline this process holds a gigabyte or more, and starting a child from it
 * cost ~45 ms more than from a shell (the fork copies the parent's page tables), which is no
 * part of what is measured.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GeneratedShape, SHAPES, ShapeName, generateShape, listEvidence, medianOf } from './shapes';

interface Targets {
  cold?: number;
  reopen?: number;
  pivot?: number;
  bytesPerEvent?: number;
}

/** Issue 13's targets; a figure without one is printed with "no target". */
export const SHAPE_TARGETS: Record<ShapeName, Targets> = {
  skewed: { cold: 0.6, reopen: 0.1, pivot: 0.15 },
  small: { cold: 1.0 },
  flat: {},
  '3m': { bytesPerEvent: 120 },
};

export interface ProbeResult {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  events: number;
}

export interface ShapeBenchOptions {
  dataDir: string;
  scale: number;
  /** Repetitions of each timing; undefined: 5, or 3 above a million events. */
  reps?: number;
  jq: boolean;
  /** The built CLI (dist/cli.js). */
  cli: string;
  /** Memory probe in a child process: 'empty', or 'index' of the given folder. */
  probe: (mode: string, root: string) => ProbeResult;
  say: (line: string) => void;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/**
 * The whole-process baseline: the plainest reader of a trail folder, as a user would write it.
 * It prints the events it counted, so the bench checks it read the whole trail.
 */
const BASELINE_SCRIPT = `
const fs = require('node:fs'), path = require('node:path'), zlib = require('node:zlib');
let events = 0;
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (entry.name.endsWith('.json.gz')) events += JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')).Records.length;
    else if (entry.name.endsWith('.json')) events += JSON.parse(fs.readFileSync(file, 'utf8')).Records.length;
  }
})(process.argv[1]);
process.stdout.write(String(events));
`;

function baselinePass(files: string[]): { ms: number; events: number } {
  const start = performance.now();
  let events = 0;
  for (const file of files) {
    const raw = readFileSync(file);
    const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    events += (JSON.parse(text) as { Records: unknown[] }).Records.length;
  }
  return { ms: performance.now() - start, events };
}

interface Timed {
  min: number;
  median: number;
}

/**
 * Runs a command `reps` times in a row from a small Node process (see the header), which times
 * each run from before its start to its exit, as a shell's `time` would.
 */
const TIMER_SCRIPT = `
const { spawnSync } = require('node:child_process');
const job = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const runs = [];
for (let r = 0; r < job.reps; r++) {
  const start = performance.now();
  const result = spawnSync(job.command, job.args, { encoding: 'utf8', env: job.env, maxBuffer: 1 << 30 });
  const ms = performance.now() - start;
  runs.push({ ms, status: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error ? String(result.error) : undefined });
  if (result.status !== 0) break;
}
process.stdout.write(JSON.stringify(runs));
`;

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

function timedRuns(command: string, args: string[], env: NodeJS.ProcessEnv, reps: number): Run[] {
  const job = JSON.stringify({ command, args, env, reps });
  const timer = spawnSync(process.execPath, ['-e', TIMER_SCRIPT], { input: job, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (timer.status !== 0) throw new Error(`the bench's timer exited with ${timer.status}: ${timer.stderr.trim().slice(0, 500)}`);
  const runs = JSON.parse(timer.stdout) as Run[];
  for (const run of runs) {
    if (run.error) throw new Error(`${command} ${args.join(' ')} could not run: ${run.error}`);
    if (run.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited with ${run.status}: ${run.stderr.trim().slice(0, 2000)}`);
  }
  return runs;
}

/** Times `reps` runs of a command (see timedRuns); `check` is given each run's output and throws when it is wrong. */
function repeatWhole(reps: number, command: string, args: string[], env: NodeJS.ProcessEnv, check: (stdout: string) => void): Timed {
  const times = timedRuns(command, args, env, reps).map((run) => {
    check(run.stdout);
    return run.ms;
  });
  return { min: Math.min(...times), median: medianOf(times) };
}

function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv): Run {
  return timedRuns(process.execPath, [cli, ...args], env, 1)[0];
}

function statsEvents(stdout: string): number {
  return (JSON.parse(stdout) as { events: number }).events;
}

function hasJq(): boolean {
  return spawnSync('jq', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('zcat', ['--version'], { stdio: 'ignore' }).status === 0;
}

function verdictText(ratio: number, target: number | undefined): string {
  return target === undefined ? '(no target)' : `(target <= ${target})  ${ratio <= target ? 'PASS' : 'MISS'}`;
}

export async function benchShape(shape: ShapeName, options: ShapeBenchOptions): Promise<void> {
  const { say, cli } = options;
  const targets = SHAPE_TARGETS[shape];
  const t0 = performance.now();
  const data: GeneratedShape = generateShape(options.dataDir, shape, options.scale);
  const reps = options.reps ?? (data.events > 1_000_000 ? 3 : 5);
  const files = listEvidence(data.root);
  if (files.length !== data.files) throw new Error(`${data.root} holds ${files.length} files, the generator wrote ${data.files}`);
  const sorted = [...data.sizes].sort((a, b) => a - b);
  say(`\n## ${SHAPES[shape].title}: ${data.events.toLocaleString('en-US')} events`);
  say(
    `data: ${data.files} files (${data.gzFiles} .json.gz, ${data.jsonFiles} .json), ${(data.bytes / 1e6).toFixed(1)} MB on disk, ${data.days} days; ` +
      `events a file: median ${medianOf(data.sizes)}, mean ${(data.events / data.files).toFixed(1)}, p99 ${sorted[Math.floor(sorted.length * 0.99)]}, max ${sorted[sorted.length - 1]} ` +
      `(ready in ${fmt(performance.now() - t0)}; ${reps} repetitions)`,
  );

  baselinePass(files); // warms the page cache for every reader below
  const baseTimes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const pass = baselinePass(files);
    if (pass.events !== data.events) throw new Error(`baseline read ${pass.events} events, expected ${data.events}`);
    baseTimes.push(pass.ms);
  }
  const base = medianOf(baseTimes);
  say(`${'baseline (in process, 1 thread: read + gunzip + JSON.parse)'.padEnd(62)} min ${fmt(Math.min(...baseTimes))}, median ${fmt(base)}`);
  const whole = repeatWhole(reps, process.execPath, ['-e', BASELINE_SCRIPT, data.root], process.env, (stdout) => {
    if (Number(stdout) !== data.events) throw new Error(`the whole-process baseline read ${stdout} events, expected ${data.events}`);
  });
  const wholeBase = whole.median;
  say(`${'baseline, whole process (node -e: list, read, gunzip, parse)'.padEnd(62)} min ${fmt(whole.min)}, median ${fmt(wholeBase)}`);
  const ratio = (ms: number) => `ratio ${(ms / wholeBase).toFixed(2)} x whole-process baseline (${(ms / base).toFixed(2)} x in-process)`;
  const line = (label: string, t: Timed) => `${label.padEnd(62)} min ${fmt(t.min)}, median ${fmt(t.median)}  ${ratio(t.median)}`;

  const home = mkdtempSync(path.join(os.tmpdir(), 'ctinv-bench-shape-'));
  const cacheDir = path.join(home, 'cache');
  // The CLI's default cache folder points into the scratch folder too, so nothing of the user's is touched.
  const env = { ...process.env, XDG_CACHE_HOME: path.join(home, 'xdg') };
  try {
    const startup = repeatWhole(reps, process.execPath, [cli, '--help'], env, () => undefined);
    say(`${'empty CLI process (ctinv --help), for scale'.padEnd(62)} min ${fmt(startup.min)}, median ${fmt(startup.median)}`);

    const coldWith = (workerArgs: string[]) =>
      repeatWhole(reps, process.execPath, [cli, 'stats', '--json', '--no-cache', ...workerArgs, data.root], env, (stdout) => {
        const events = statsEvents(stdout);
        if (events !== data.events) throw new Error(`cold build (${workerArgs.join(' ') || 'default workers'}) counted ${events} events, expected ${data.events}`);
      });
    // As a user types it: the CLI picks its workers (threads once the evidence comes to 8 MB).
    const cold = coldWith([]);
    say(`${line('cold build, whole process (stats --no-cache)', cold)}  ${verdictText(cold.median / wholeBase, targets.cold)}`);
    const coldTwo = coldWith(['--workers', '2']);
    say(`${line('cold build, whole process, --workers 2', coldTwo)}  (information)`);

    const write = runCli(cli, ['stats', '--json', '--cache-dir', cacheDir, '--workers', '2', data.root], env);
    if (statsEvents(write.stdout) !== data.events) throw new Error('the build that writes the cache counted the wrong events');
    const reopen = repeatWhole(reps, process.execPath, [cli, 'stats', '--json', '--cache-dir', cacheDir, data.root], env, (stdout) => {
      if (statsEvents(stdout) !== data.events) throw new Error('the cache reopen counted the wrong events');
    });
    say(`${line('cache reopen, whole process (stats, every file validated)', reopen)}  ${verdictText(reopen.median / wholeBase, targets.reopen)}  [cache written in ${fmt(write.ms)}]`);

    const pivot = repeatWhole(reps, process.execPath, [cli, 'query', '--cache-dir', cacheDir, '--where', `accessKeyId:${data.pivotKey}`, data.root], env, (stdout) => {
      const lines = stdout.split('\n').filter(Boolean).length;
      if (lines !== data.pivotHits) throw new Error(`the pivot on ${data.pivotKey} printed ${lines} events, the trail holds ${data.pivotHits}`);
    });
    say(`${line(`key pivot, whole process (query, cache built, ${data.pivotHits} matching)`, pivot)}  ${verdictText(pivot.median / wholeBase, targets.pivot)}`);

    const perFile = ((cold.median - wholeBase) * 1000) / data.files;
    say(`cost per file: ${perFile.toFixed(0)} µs beyond the whole-process baseline ((cold − baseline) / files); cold / files ${((cold.median * 1000) / data.files).toFixed(0)} µs, baseline / files ${((wholeBase * 1000) / data.files).toFixed(0)} µs`);

    const empty = options.probe('empty', data.root);
    const full = options.probe('index', data.root);
    if (full.events !== data.events) throw new Error(`the memory probe indexed ${full.events} events, expected ${data.events}`);
    const perEvent = (full.rss - empty.rss) / full.events;
    const memVerdict = targets.bytesPerEvent === undefined ? '(no target)' : `(target <= ${targets.bytesPerEvent})  ${perEvent <= targets.bytesPerEvent ? 'PASS' : 'MISS'}`;
    say(`memory: ${perEvent.toFixed(0)} bytes RSS per event beyond an empty process ${memVerdict}; heap+buffers ${((full.heapUsed + full.arrayBuffers - empty.heapUsed - empty.arrayBuffers) / full.events).toFixed(0)} bytes per event`);

    let jqCell = '—';
    if (!options.jq) {
      say('jq: skipped (--skip-jq)');
    } else if (!hasJq()) {
      say('jq: not installed here (or no zcat): no figure');
    } else {
      const select = `.Records[] | select(.userIdentity.accessKeyId == "${data.pivotKey}")`;
      const script = `set -o pipefail; find "$1" -type f \\( -name '*.json.gz' -o -name '*.json' \\) -print0 | xargs -0 zcat -f | jq -c "$2" | wc -l`;
      const jq = repeatWhole(reps, 'bash', ['-c', script, 'jq-bench', data.root, select], process.env, (stdout) => {
        if (Number(stdout.trim()) !== data.pivotHits) throw new Error(`jq found ${stdout.trim()} events, the trail holds ${data.pivotHits}`);
      });
      say(`${line("jq (zcat -f … | jq -c '.Records[] | select(key)')", jq)}`);
      jqCell = `${fmt(jq.median)} (${(jq.median / wholeBase).toFixed(2)}×)`;
    }
    const cell = (t: Timed) => `${fmt(t.median)} (${(t.median / wholeBase).toFixed(2)}×; ${(t.median / base).toFixed(2)}× in-process)`;
    say(
      `README row: | \`${shape}\` | ${data.events.toLocaleString('en-US')} | ${data.files.toLocaleString('en-US')} | ${fmt(wholeBase)} (${fmt(base)} in process) | ${cell(cold)} | ${cell(reopen)} | ${cell(pivot)} | ${perEvent.toFixed(0)} B | ${perFile.toFixed(0)} µs | ${jqCell} |`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
