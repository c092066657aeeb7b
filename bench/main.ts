/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run on
 * the same data, because these machines are shared and noisy.
 *
 *   (a) baseline: one thread reads, gunzips and JSON.parses every file
 *   (b) building our index (workers, no cache), then loading it from the on-disk cache
 *   (c) an access-key pivot (p50 over many keys) and a top-N group-by
 *   (d) resident memory per indexed event beyond an empty process (measured in child processes)
 *
 * Usage: node dist/bench.js [--events 300000,1000000] [--skip-live] [--skip-timeline] [--skip-lenses]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, rmSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Investigation } from '../src/core/engine/investigation';
import { generateTrail } from './generate';
import { queryIndex } from '../src/core/query/query';

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

interface ProbeResult {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  events: number;
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory-probe') {
    await memoryProbe(argv[1], argv[2]);
    return;
  }
  const sizesArg = argv.indexOf('--events');
  const sizes = sizesArg >= 0 ? argv[sizesArg + 1].split(',').map(Number) : [300_000, 1_000_000];
  const dataDir = path.resolve(__dirname, '..', 'bench', 'data');
  const lines: string[] = [];
  process.stdout.write(`# CloudTrail Investigator benchmark (node ${process.version}, ${os.availableParallelism()} cores)\n`);
  for (const size of sizes) await benchSize(size, dataDir, lines);
  // The other benchmarks run as their own processes (compiled by tsc into out/bench), so
  // memory and CPU state do not leak between them.
  const others: [string, string, string[]][] = [
    ['live', 'Live LookupEvents fetch (5,000 events, 4 regions, rate-limited local server)', []],
    ['timeline', 'Timeline webview in headless Chromium (1,000,000 events)', []],
    ['lenses', 'Code lens placement on a 50 MB Records file', []],
  ];
  for (const [name, title, extra] of others) {
    if (argv.includes(`--skip-${name}`)) continue;
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
