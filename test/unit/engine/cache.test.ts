import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pruneCache } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { RecordChangedError } from '../../../src/core/index/read-back';
import { editKeepingSizeAndTimes, forgeCacheForCurrentEvidence, WHOLE_SECOND } from './cache-helpers';
import { record } from './helpers';
import { queryIndex } from '../../../src/core/query/query';

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
    // Whole seconds, so that putting the times back (editKeepingSizeAndTimes) restores them exactly.
    for (const name of await fs.readdir(evidence)) await fs.utimes(path.join(evidence, name), WHOLE_SECOND, WHOLE_SECOND);
  });
  afterEach(async () => {
    await fs.rm(evidence, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  async function snapshot(investigation: Investigation) {
    const index = investigation.index;
    const ids = queryIndex(index, 'event:CreateUser');
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

  it('a same-size edit with its times put back (cp -p, rsync -a, tar) invalidates the cache', async () => {
    const file = path.join(evidence, 'trail-1.json');
    const first = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(queryIndex(first.investigation.index, 'event:DeleteUser').length, 0);
    await editKeepingSizeAndTimes(file, '"eventName":"CreateUser"', '"eventName":"DeleteUser"');
    const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(again.summary.fromCache, false, 'the ctime changed: the cache is not used');
    const index = again.investigation.index;
    assert.equal(queryIndex(index, 'event:DeleteUser').length, 1);
    assert.equal(queryIndex(index, 'event:CreateUser').length, 3 * 14 - 1);
    const raw = await index.rawMany(Array.from(queryIndex(index, 'event:DeleteUser')));
    assert.equal(raw[0].eventName, 'DeleteUser');
  });

  it('a cache file copied over another folder\'s is refused, with a note, and that folder read again', async () => {
    const other = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-evidence-other-'));
    try {
      await fs.writeFile(path.join(other, 'other.json'), JSON.stringify({ Records: [record({ eventName: 'StopLogging' })] }));
      await Investigation.open([evidence], { cacheDir, workers: 0 });
      const ours = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
      await Investigation.open([other], { cacheDir, workers: 0 });
      const theirs = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx') && !ours.includes(n));
      assert.equal(ours.length, 1);
      assert.equal(theirs.length, 1);
      await fs.copyFile(path.join(cacheDir, ours[0]), path.join(cacheDir, theirs[0]));
      const again = await Investigation.open([other], { cacheDir, workers: 0 });
      assert.equal(again.summary.fromCache, false);
      assert.equal(again.summary.events, 1, "the other folder's own single event, not the 120 of the copied cache");
      assert.equal(queryIndex(again.investigation.index, 'event:StopLogging').length, 1);
      assert.match((again.summary.notes ?? []).join('\n'), /written for other evidence/);
      const third = await Investigation.open([other], { cacheDir, workers: 0 });
      assert.equal(third.summary.fromCache, true, 'rebuilt: the next load uses the new cache');
      assert.equal(third.summary.events, 1);
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  for (const [damage, reason] of [
    ['truncated', /damaged or truncated/],
    ['bit-flipped', /damaged or truncated/],
    ['emptied', /not an index cache/],
  ] as const) {
    it(`the cache file ${damage}: refused, with a note, and the folder read again`, async () => {
      await Investigation.open([evidence], { cacheDir, workers: 0 });
      const [name] = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
      const file = path.join(cacheDir, name);
      const data = await fs.readFile(file);
      if (damage === 'truncated') await fs.writeFile(file, data.subarray(0, data.length - 100));
      else if (damage === 'bit-flipped') {
        data[Math.floor(data.length / 2)] ^= 0x10;
        await fs.writeFile(file, data);
      } else await fs.writeFile(file, '');
      const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
      assert.equal(again.summary.fromCache, false);
      assert.equal(again.summary.events, 120);
      assert.match((again.summary.notes ?? []).join('\n'), reason);
      assert.ok((again.summary.notes ?? []).join('\n').includes(file), 'the note names the cache file');
    });
  }

  it('a record read back that no longer matches the index is refused, and its cache discarded', async () => {
    const file = path.join(evidence, 'trail-2.json');
    await Investigation.open([evidence], { cacheDir, workers: 0 });
    const { investigation, summary } = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(summary.fromCache, true);
    const index = investigation.index;
    const creates = Array.from(queryIndex(index, 'event:CreateUser'));
    // Changed under the open index (a same-size edit): what the index says and the file hold differ.
    await editKeepingSizeAndTimes(file, '"eventName":"CreateUser"', '"eventName":"DeleteUser"');
    await assert.rejects(index.rawMany(creates), (error: unknown) => {
      assert.ok(error instanceof RecordChangedError, String(error));
      assert.match(error.message, /trail-2\.json: the record (at byte \d+|#\d+) no longer matches the index \(its eventName changed/);
      return true;
    });
    assert.deepEqual((await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx')), [], 'the cache was discarded');
    const fresh = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(fresh.summary.fromCache, false);
    assert.equal(queryIndex(fresh.investigation.index, 'event:DeleteUser').length, 1);
  });

  it('a record that is no longer there (file truncated) is refused the same way', async () => {
    const { investigation } = await Investigation.open([evidence], { cacheDir, workers: 0 });
    const index = investigation.index;
    const last = index.size - 1;
    const { path: file } = index.origin(last);
    await fs.writeFile(file, '{"Records": []}');
    await assert.rejects(index.rawMany([last]), RecordChangedError);
    assert.deepEqual((await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx')), []);
  });

  it('verify: a cache whose identity matches but whose index is stale is caught by the content hashes', async () => {
    // A verify run writes the files' hashes with the cache.
    const first = await Investigation.open([evidence], { cacheDir, workers: 0, verify: true });
    assert.equal(first.summary.fromCache, false);
    const second = await Investigation.open([evidence], { cacheDir, workers: 0, verify: true });
    assert.equal(second.summary.fromCache, true, 'unchanged content: the cache is trusted');
    assert.deepEqual(second.summary.notes ?? [], []);
    await editKeepingSizeAndTimes(path.join(evidence, 'trail-0.json'), '"eventName":"CreateUser"', '"eventName":"DeleteUser"');
    await forgeCacheForCurrentEvidence(cacheDir, evidence);
    const trusting = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(trusting.summary.fromCache, true, 'without verify the forged identity is believed');
    const verified = await Investigation.open([evidence], { cacheDir, workers: 0, verify: true });
    assert.equal(verified.summary.fromCache, false);
    assert.match((verified.summary.notes ?? []).join('\n'), /verify: .*trail-0\.json changed since it was indexed/);
    assert.equal(queryIndex(verified.investigation.index, 'event:DeleteUser').length, 1);
  });

  it('verify: a cache written without content hashes is not trusted; the rebuilt one is', async () => {
    await Investigation.open([evidence], { cacheDir, workers: 0 });
    const verified = await Investigation.open([evidence], { cacheDir, workers: 0, verify: true });
    assert.equal(verified.summary.fromCache, false);
    assert.match((verified.summary.notes ?? []).join('\n'), /verify: the index cache holds no content hashes/);
    const again = await Investigation.open([evidence], { cacheDir, workers: 0, verify: true });
    assert.equal(again.summary.fromCache, true);
    assert.equal(again.summary.events, 120);
  });

  it('an index cache folder reached through a link into the evidence is not used, and nothing is written there', async () => {
    const link = path.join(cacheDir, 'sneaky');
    await fs.symlink(evidence, link);
    const before = (await fs.readdir(evidence)).sort();
    for (const dir of [link, path.join(link, 'cache'), path.join(link, 'new', 'deeper')]) {
      const opened = await Investigation.open([evidence], { cacheDir: dir, workers: 0 });
      assert.equal(opened.summary.events, 120);
      assert.deepEqual((await fs.readdir(evidence)).sort(), before, `nothing written into the evidence through ${dir}`);
      assert.match((opened.summary.notes ?? []).join('\n'), /is inside the evidence/);
    }
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
