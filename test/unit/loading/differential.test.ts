/**
 * The whole loading path (walk, cache, parse pool, index, raw records read back) held to a
 * reference reader that shares no code with it, on a fixed budget of seeded random evidence
 * trees; `npm run fuzz` runs the same check on as many trees as asked. See differential.ts.
 */
import * as assert from 'node:assert/strict';
import { Layout, TreeOptions } from './evidence-gen';
import { LoadConfig, checkTree } from './differential';

const SEED = 20_261_204;

interface Case {
  name: string;
  options: TreeOptions;
  configs: LoadConfig[];
}

/**
 * The loads of a fixed tree: without the cache, into a cold cache, from the warm one. Eight
 * workers (each boots its own V8) only where `eight` is set, to keep the budget small.
 */
function loads(n: number, eight: boolean): LoadConfig[] {
  const w = (k: number) => [1, 2, 3][(n + k) % 3];
  return [
    // Every other tree as the CLI loads it (files to the workers as the walk finds them).
    { workers: eight ? 8 : w(0), cache: 'off', feedWhileWalking: n % 2 === 0 },
    { workers: w(1), cache: 'cold' },
    { workers: w(2), cache: 'warm' },
    // The CLI's default: these trees are small, so parsed on the calling thread; the same index as the threads'.
    ...(n % 2 === 0 ? [{ workers: 'auto', cache: n % 4 === 0 ? 'off' : 'cold' } as const] : []),
  ];
}

/**
 * The trees at the edges (chunk boundaries of 24 files, each layout, 400 files), then random
 * ones. Files over 32 MiB are left to `npm run fuzz` (`--big`) and to pool-hang.test.ts: one
 * such tree costs more than the rest of this budget.
 */
function cases(): Case[] {
  const out: Case[] = [];
  const fixed: [number, Layout, boolean][] = [
    [0, 'flat', true],
    [1, 'flat', false],
    [2, 'awslogs', false],
    [24, 'flat', false],
    [25, 'flat', true],
    [25, 'awslogs', false],
    [40, 'awslogs', true],
    [48, 'deep', false],
    [49, 'mixed', true],
    [97, 'mixed', false],
    [400, 'mixed', true],
  ];
  fixed.forEach(([files, layout, eight], n) => out.push({ name: `${files} files, ${layout}`, options: { maxFiles: files, files, layout, bigFileChance: 0 }, configs: loads(n, eight) }));
  for (let n = 0; n < 13; n++) out.push({ name: 'random', options: { maxFiles: 60, bigFileChance: 0 }, configs: loads(n, n % 4 === 0) });
  return out;
}

describe('loading: the engine against a reference reader on random evidence trees', function () {
  // Each load has its own deadline (differential.ts); this only bounds the whole tree.
  this.timeout(10 * 60_000);

  cases().forEach((c, n) => {
    const seed = SEED + n;
    it(`tree ${n} (seed ${seed}): ${c.name}; ${c.configs.map((k) => `${k.workers} workers cache ${k.cache}`).join(', ')}`, async () => {
      const report = await checkTree(seed, c.options, c.configs);
      assert.deepEqual(report.failures, [], `seed ${seed} (${report.tree.layout}, ${report.tree.files} files, ${report.records} records); rerun with npx mocha out/test/unit/loading/differential.test.js --grep 'seed ${seed}'`);
      if (c.options.files !== undefined) assert.equal(report.tree.files, c.options.files);
    });
  });
});
