import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pruneCache } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { record } from './helpers';

describe('on-disk index cache', () => {
  let evidence: string;
  let cacheDir: string;
  beforeEach(async () => {
    evidence = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-evidence-'));
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-cache-'));
    for (let f = 0; f < 3; f++) {
      const records = Array.from({ length: 40 }, (_, i) => record({ eventName: i % 3 ? 'ListUsers' : 'CreateUser', sourceIPAddress: `198.51.100.${f * 40 + i}` }));
      await fs.writeFile(path.join(evidence, `trail-${f}.json`), JSON.stringify({ Records: records }));
    }
    await fs.writeFile(path.join(evidence, 'broken.json'), '{"Records": [');
  });
  afterEach(async () => {
    await fs.rm(evidence, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  async function snapshot(investigation: Investigation) {
    const index = investigation.index;
    const ids = index.query('event:CreateUser');
    return {
      size: index.size,
      createUsers: ids.length,
      ips: index.top('ip', undefined, 1000).length,
      raw: await index.rawMany(Array.from(ids.slice(0, 3))),
    };
  }

  it('a second open of an unchanged folder comes from the cache, with the same index and problems', async () => {
    const first = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(first.summary.fromCache, false);
    const second = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(second.summary.fromCache, true);
    assert.equal(second.summary.events, 120);
    assert.deepEqual(second.summary.skipped, first.summary.skipped, 'the broken file is still reported');
    assert.deepEqual(await snapshot(second.investigation), await snapshot(first.investigation));
    const entries = await fs.readdir(evidence);
    assert.deepEqual(entries.sort(), ['broken.json', 'trail-0.json', 'trail-1.json', 'trail-2.json'], 'nothing written beside the evidence');
  });

  it('a changed file invalidates the cache', async () => {
    await Investigation.open([evidence], { cacheDir, workers: 0 });
    await fs.writeFile(path.join(evidence, 'trail-0.json'), JSON.stringify({ Records: [record()] }));
    const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(again.summary.fromCache, false);
    assert.equal(again.summary.events, 81);
  });

  it('a corrupt cache file is ignored and the folder parsed again', async () => {
    await Investigation.open([evidence], { cacheDir, workers: 0 });
    for (const name of await fs.readdir(cacheDir)) await fs.writeFile(path.join(cacheDir, name), 'garbage');
    const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(again.summary.fromCache, false);
    assert.equal(again.summary.events, 120);
  });

  it('never writes a cache inside the evidence', async () => {
    const inside = path.join(evidence, '.cache');
    const opened = await Investigation.open([evidence], { cacheDir: inside, workers: 0 });
    assert.equal(opened.summary.events, 120);
    await assert.rejects(fs.stat(inside), 'no cache folder was created in the evidence');
  });

  it('keeps the most recently used cache files and deletes the rest (only .idx files)', async () => {
    for (let i = 0; i < 5; i++) {
      const file = path.join(cacheDir, `k${i}.idx`);
      await fs.writeFile(file, 'x');
      const when = new Date(Date.UTC(2026, 0, 1 + i));
      await fs.utimes(file, when, when);
    }
    await fs.writeFile(path.join(cacheDir, 'other.txt'), 'not ours');
    await pruneCache(cacheDir, 2);
    assert.deepEqual((await fs.readdir(cacheDir)).sort(), ['k3.idx', 'k4.idx', 'other.txt']);
  });
});
