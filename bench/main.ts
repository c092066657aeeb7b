/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run on
 * the same data, because these machines are shared and noisy.
 *
 *   (a) baseline: one thread reads, gunzips and JSON.parses every file
 *   (b) building our index (workers, no cache), then loading it from the on-disk cache
 *   (c) an access-key pivot (p50 over many keys) and a top-N group-by
 *   (d) resident memory per indexed event beyond an empty process (measured in child processes)
 *
 * Then the trails of real shapes (bench/shapes.ts, measured by bench/real-shapes.ts): skewed file
 * sizes, 10,000 events in about 6,000 files, a folder of flat downloads, 3,000,000 events.
 *
 * Usage: node dist/bench.js [--shapes trail,skewed,small,flat,3m] [--events 300000,1000000]
 *          [--scale F] [--reps N] [--skip-jq] [--skip-live] [--skip-timeline] [--skip-table] [--skip-lenses]
 *   --shapes  which trails to measure (default all; `trail` is the original 125-events-a-file trail)
 *   --events  the sizes of the original trail
 *   --scale   multiplies every trail's events (0.02 for a quick smoke run; data kept apart per size)
 *   --reps    repetitions of each timing of the shapes (default 5, 3 above a million events)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, rmSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Investigation } from '../src/core/engine/investigation';
import { generateTrail } from './generate';
import { queryIndex } from '../src/core/query/query';
import { benchShape, ProbeResult } from './real-shapes';
import { SHAPE_NAMES, ShapeName } from './shapes';

const TARGETS = { buildRatio: 0.8, pivotP50Ms: 5, groupByMs: 50, bytesPerEvent: 200 };

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.name.endsWith('.json.gz')) out.push(full);
  }
  return out;
}

function baseline(files: string[]): { ms: number; events: number } {
  const start = performance.now();
  let events = 0;
  for (const file of files) {
    const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: unknown[] };
    events += doc.Records.length;
  }
  return { ms: performance.now() - start, events };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`;
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

/** Child-process probe: prints RSS after GC, either empty or holding a built index. */
async function memoryProbe(mode: string, root: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let keep: unknown;
  let events = 0;
  if (mode === 'index') {
    const { investigation } = await Investigation.open([root], {});
    keep = investigation;
    events = investigation.index.size;
  }
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const usage = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers, events }) + '\n');
  void keep;
}

function probe(mode: string, root: string): ProbeResult {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--memory-probe', mode, root], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ProbeResult;
}

async function benchSize(events: number, dataDir: string, lines: string[]): Promise<void> {
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  say(`\n## ${events.toLocaleString('en-US')} events`);
  const t0 = performance.now();
  const trail = generateTrail(path.join(dataDir, `trail-${events}`), events);
  const root = path.join(trail.root, 'AWSLogs');
  const files = listFiles(root);
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  say(`data: ${files.length} .json.gz files, ${(bytes / 1e6).toFixed(1)} MB compressed (ready in ${fmt(performance.now() - t0)})`);

  // Warm the page cache once so neither side pays for the first disk read.
  baseline(files.slice(0, Math.min(files.length, 200)));
  const base = baseline(files);
  if (base.events !== events) throw new Error(`baseline read ${base.events} events, expected ${events}`);

  const buildStart = performance.now();
  const { investigation, summary } = await Investigation.open([root], {});
  const buildMs = performance.now() - buildStart;
  if (summary.events !== events) throw new Error(`index holds ${summary.events} events, expected ${events}`);
  const buildRatio = buildMs / base.ms;
  say(`baseline (1 thread: read + gunzip + JSON.parse): ${fmt(base.ms)}`);
  say(`index build (${os.availableParallelism()} cores):           ${fmt(buildMs)}  ratio ${buildRatio.toFixed(2)} x baseline  (target <= ${TARGETS.buildRatio})  ${verdict(buildRatio <= TARGETS.buildRatio)}`);

  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ctinv-bench-cache-'));
  try {
    await Investigation.open([root], { cacheDir });
    const cachedStart = performance.now();
    const cached = await Investigation.open([root], { cacheDir });
    const cachedMs = performance.now() - cachedStart;
    if (!cached.summary.fromCache || cached.summary.events !== events) throw new Error('second open did not come from the cache');
    say(`second open from the on-disk cache:         ${fmt(cachedMs)}  ratio ${(cachedMs / base.ms).toFixed(2)} x baseline`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }

  const index = investigation.index;
  const keys = trail.accessKeys;
  const pivotTimes: number[] = [];
  let matched = 0;
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < Math.min(keys.length, 300); k++) {
      const key = keys[(k * 7 + round) % keys.length];
      const s = performance.now();
      const selection = queryIndex(index, `accessKey:${key}`);
      pivotTimes.push(performance.now() - s);
      matched += selection.length;
    }
  }
  const pivotP50 = median(pivotTimes);
  say(`access-key pivot p50 over ${pivotTimes.length} queries: ${fmt(pivotP50)}  (target <= ${TARGETS.pivotP50Ms} ms)  ${verdict(pivotP50 <= TARGETS.pivotP50Ms)}  [${matched} hits]`);

  const groupTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    index.top('eventName', undefined, 20);
    groupTimes.push(performance.now() - s);
  }
  const filtered = queryIndex(index, 'NOT readOnly:true');
  const filteredTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    index.top('principal', filtered, 20);
    filteredTimes.push(performance.now() - s);
  }
  const groupMs = median(groupTimes);
  const filteredMs = median(filteredTimes);
  say(`top-N group-by eventName (all events):       ${fmt(groupMs)}  (target <= ${TARGETS.groupByMs} ms)  ${verdict(groupMs <= TARGETS.groupByMs)}`);
  say(`top-N principal within "NOT readOnly:true":  ${fmt(filteredMs)}  (target <= ${TARGETS.groupByMs} ms)  ${verdict(filteredMs <= TARGETS.groupByMs)}`);

  const empty = probe('empty', root);
  const full = probe('index', root);
  const perEvent = (full.rss - empty.rss) / full.events;
  const heapPerEvent = (full.heapUsed + full.arrayBuffers - empty.heapUsed - empty.arrayBuffers) / full.events;
  say(`memory: ${(perEvent).toFixed(0)} bytes RSS per event beyond an empty process (target <= ${TARGETS.bytesPerEvent})  ${verdict(perEvent <= TARGETS.bytesPerEvent)}; heap+buffers ${heapPerEvent.toFixed(0)} bytes per event`);
}

interface Flags {
  shapes: Set<'trail' | ShapeName>;
  events: number[];
  scale: number;
  reps?: number;
  jq: boolean;
  skip: Set<string>;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      shapes: { type: 'string' },
      events: { type: 'string' },
      scale: { type: 'string' },
      reps: { type: 'string' },
      'skip-jq': { type: 'boolean' },
      'skip-live': { type: 'boolean' },
      'skip-timeline': { type: 'boolean' },
      'skip-table': { type: 'boolean' },
      'skip-lenses': { type: 'boolean' },
    },
    strict: true,
  });
  const known = ['trail', ...SHAPE_NAMES];
  const shapes = values.shapes === undefined ? known : values.shapes.split(',').map((s) => s.trim());
  for (const shape of shapes) if (!known.includes(shape)) throw new Error(`--shapes: unknown shape "${shape}" (known: ${known.join(', ')})`);
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0 && scale <= 10)) throw new Error(`--scale takes a number above 0 and at most 10, not "${values.scale}"`);
  const events = (values.events ?? '300000,1000000').split(',').map(Number);
  if (events.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--events takes whole numbers, not "${values.events}"`);
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps takes a whole number from 1, not "${values.reps}"`);
  const skip = new Set<string>();
  if (values['skip-live']) skip.add('live');
  if (values['skip-timeline']) skip.add('timeline');
  if (values['skip-table']) skip.add('table');
  if (values['skip-lenses']) skip.add('lenses');
  return { shapes: new Set(shapes as ('trail' | ShapeName)[]), events: events.map((n) => Math.max(1, Math.round(n * scale))), scale, reps, jq: !values['skip-jq'], skip };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory-probe') {
    await memoryProbe(argv[1], argv[2]);
    return;
  }
  const flags = parseFlags(argv);
  const dataDir = path.resolve(__dirname, '..', 'bench', 'data');
  const lines: string[] = [];
  process.stdout.write(`# CloudTrail Investigator benchmark (node ${process.version}, ${os.availableParallelism()} cores${flags.scale !== 1 ? `, scale ${flags.scale}` : ''})\n`);
  if (flags.shapes.has('trail')) for (const size of flags.events) await benchSize(size, dataDir, lines);
  const cli = path.resolve(__dirname, '..', 'dist', 'cli.js');
  for (const shape of SHAPE_NAMES) {
    if (!flags.shapes.has(shape)) continue;
    await benchShape(shape, {
      dataDir,
      scale: flags.scale,
      reps: flags.reps,
      jq: flags.jq,
      cli,
      probe,
      say: (line) => {
        lines.push(line);
        process.stdout.write(line + '\n');
      },
    });
  }
  // The other benchmarks run as their own processes (compiled by tsc into out/bench), so
  // memory and CPU state do not leak between them.
  const others: [string, string, string[]][] = [
    ['live', 'Live LookupEvents fetch (5,000 events, 4 regions, rate-limited local server)', []],
    ['timeline', 'Timeline webview in headless Chromium (1,000,000 events)', []],
    ['table', 'Events table webview in headless Chromium (1,000,000 events)', []],
    ['lenses', 'Code lens placement on a 50 MB Records file', []],
  ];
  for (const [name, title, extra] of others) {
    if (flags.skip.has(name)) continue;
    process.stdout.write(`\n## ${title}\n`);
    const script = path.resolve(__dirname, '..', 'out', 'bench', `${name}.js`);
    try {
      const output = execFileSync(process.execPath, ['--expose-gc', script, ...extra], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
      process.stdout.write(output);
    } catch (error) {
      process.stdout.write(`${name} benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
