/**
 * The differential loading check: one generated evidence tree, loaded by the engine the way
 * every command and the extension load it (Investigation: walk, cache, parse pool, index,
 * raw records read back from disk), must hold exactly the events the reference reader finds,
 * and every load must end within a deadline. Shared by the fixed budget in `npm test`
 * (differential.test.ts) and `npm run fuzz` (fuzz.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Investigation } from '../../../src/core/engine/investigation';
import { SourceSummary } from '../../../src/core/engine/api';
import { GeneratedTree, TreeOptions, generateTree } from './evidence-gen';
import { ReferenceResult, hashRecord, referenceRead } from './reference';

export type CacheMode = 'off' | 'cold' | 'warm';

export interface LoadConfig {
  /** 'auto': the CLI's default (the trees here are small: parsed on the calling thread). */
  workers: number | 'auto';
  /** As the CLI loads: files go to the workers as the walk finds them. */
  feedWhileWalking?: boolean;
  cache: CacheMode;
}

export class DeadlineError extends Error {}

/**
 * Runs `work` with a signal that is aborted after `ms`; then waits (briefly) for the work to
 * end, which ends its parse workers, and fails. A hang fails instead of hanging the run.
 */
export async function withDeadline<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const running = work(controller.signal);
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), ms)));
  try {
    const first = await Promise.race([running, expired]);
    if (first !== 'expired') return first;
  } finally {
    clearTimeout(timer);
  }
  controller.abort(new DeadlineError(`${what} did not finish within ${ms / 1000} s`));
  // An aborted load closes its pool (terminating the workers) before it settles.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([running.catch(() => undefined), new Promise((resolve) => (grace = setTimeout(resolve, 10_000)))]);
  clearTimeout(grace);
  throw new DeadlineError(`${what} did not finish within ${ms / 1000} s (a hang)`);
}

/** The engine's view of a load: the same shape as the reference's. */
export interface EngineResult {
  events: string[];
  summary: SourceSummary;
}

/** Loads `root` with the engine, within the deadline, and reads every event's raw record back. */
export async function engineRead(root: string, config: LoadConfig, cacheDir: string | undefined, deadlineMs: number): Promise<EngineResult> {
  return withDeadline(deadlineMs, `loading ${root} with ${config.workers} workers, cache ${config.cache}`, async (signal) => {
    const { investigation, summary } = await Investigation.open([root], { workers: config.workers, cacheDir, signal, feedWhileWalking: config.feedWhileWalking });
    const index = investigation.index;
    const ids = [...index.all()];
    const raws = await index.rawMany(ids);
    const events = ids.map((id, i) => `${index.row(id).eventId ?? ''}\t${hashRecord(raws[i])}`).sort();
    return { events, summary };
  });
}

/** What differs between the engine's load and the reference, or nothing. */
export function differences(reference: ReferenceResult, engine: EngineResult, config: LoadConfig): string[] {
  const out: string[] = [];
  const { summary } = engine;
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) out.push(`${what}: engine ${String(actual)}, reference ${String(expected)}`);
  };
  expect('events', summary.events, reference.events.length);
  expect('events in the index', engine.events.length, reference.events.length);
  expect('duplicates', summary.duplicates, reference.duplicates);
  expect('files', summary.files, reference.files);
  expect('digests', summary.digests, reference.digests);
  expect('events without a time', summary.eventsWithoutTime, 0);
  expect('answered from the cache', summary.fromCache, config.cache === 'warm');
  const skipped = summary.skipped.map((p) => p.path).sort();
  if (JSON.stringify(skipped) !== JSON.stringify(reference.empty)) {
    const unexpected = summary.skipped.filter((p) => !reference.empty.includes(p.path)).slice(0, 5);
    out.push(
      `skipped files differ: engine ${skipped.length}, reference (empty files) ${reference.empty.length}` +
        unexpected.map((p) => `\n    unexpected: ${p.path}: ${p.reason}`).join(''),
    );
  }
  const expected = new Set(reference.events);
  const actual = new Set(engine.events);
  const missing = reference.events.filter((e) => !actual.has(e));
  const extra = engine.events.filter((e) => !expected.has(e));
  if (missing.length > 0) out.push(`${missing.length} events missing, e.g. ${missing.slice(0, 3).join(' | ')}`);
  if (extra.length > 0) out.push(`${extra.length} events not in the reference, e.g. ${extra.slice(0, 3).join(' | ')}`);
  return out;
}

export interface TreeReport {
  seed: number;
  tree: GeneratedTree;
  records: number;
  failures: string[];
}

/**
 * Generates the tree of `seed`, reads it with the reference, then loads it with the engine in
 * each config in turn (a 'warm' config follows a 'cold' one on the same cache folder).
 * Cleans up after itself.
 */
export async function checkTree(seed: number, options: TreeOptions, configs: readonly LoadConfig[], baseDeadlineMs = 60_000): Promise<TreeReport> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-differential-'));
  const root = path.join(base, 'evidence');
  const cacheDir = path.join(base, 'cache');
  fs.mkdirSync(root);
  try {
    const tree = generateTree(root, seed, options);
    const reference = referenceRead(root);
    // Generous for a shared 2-core machine: a normal load takes well under a second.
    const deadlineMs = baseDeadlineMs + Math.ceil(tree.bytes / (1024 * 1024)) * 2_000;
    const failures: string[] = [];
    for (const config of configs) {
      if (config.cache === 'cold') fs.rmSync(cacheDir, { recursive: true, force: true });
      try {
        const engine = await engineRead(root, config, config.cache === 'off' ? undefined : cacheDir, deadlineMs);
        for (const difference of differences(reference, engine, config)) failures.push(`workers ${config.workers}, cache ${config.cache}: ${difference}`);
      } catch (error) {
        failures.push(`workers ${config.workers}, cache ${config.cache}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { seed, tree, records: reference.records, failures };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

export const WORKER_COUNTS = [1, 2, 3, 8] as const;

/** Three loads of a tree: no cache, a cold cache, the warm cache; worker counts varied by `n`. */
export function configsFor(n: number): LoadConfig[] {
  const w = (k: number) => WORKER_COUNTS[(n + k) % WORKER_COUNTS.length];
  return [
    { workers: w(0), cache: 'off' },
    { workers: w(1), cache: 'cold' },
    { workers: w(2), cache: 'warm' },
  ];
}
