/**
 * The whole loading path (walk, cache, parse pool, index, raw records read back) held to a
 * reference reader that shares no code with it, on a fixed budget of seeded random evidence
 * trees; `npm run fuzz` runs the same check on as many trees as asked. See differential.ts.
 */
import * as assert from 'node:assert/strict';
import { Layout, TreeOptions } from './evidence-gen';
import { LoadConfig, checkTree, configsFor } from './differential';

const SEED = 20_261_204;

interface Case {
  name: string;
  options: TreeOptions;
  configs: LoadConfig[];
}

/** The trees at the edges (chunk boundaries, layouts, sizes), then random ones. */
function cases(): Case[] {
  const out: Case[] = [];
  const fixed: [number, Layout][] = [
    [0, 'flat'],
    [1, 'flat'],
    [2, 'awslogs'],
    [24, 'flat'],
    [25, 'flat'],
    [25, 'awslogs'],
    [40, 'awslogs'],
    [48, 'deep'],
    [49, 'mixed'],
    [97, 'mixed'],
    [400, 'mixed'],
  ];
  fixed.forEach(([files, layout], n) => out.push({ name: `${files} files, ${layout}`, options: { maxFiles: files, files, layout, bigFileChance: 0 }, configs: configsFor(n) }));
  for (let n = 0; n < 16; n++) out.push({ name: 'random', options: { maxFiles: 120, bigFileChance: 0 }, configs: configsFor(n) });
  // One file over 32 MiB (more than a chunk, read by the streaming reader) among small ones.
  out.push({
    name: 'a file over 32 MiB among small ones',
    options: { maxFiles: 6, files: 6, layout: 'flat', bigFileChance: 1 },
    configs: [
      { workers: 3, cache: 'cold' },
      { workers: 2, cache: 'warm' },
    ],
  });
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
      if (c.options.bigFileChance === 1) assert.ok(report.tree.big && report.tree.bytes > 32 * 1024 * 1024);
    });
  });
});
