/**
 * The cache (format 12) stores the events' times as the index holds them: whole seconds in a u32
 * section when every time is one, which a reopen adopts as it is (no conversion, no copy);
 * doubles otherwise. Either way a reopened index answers as the cold one; a damaged or cut time
 * section is refused as any other is; a cache of format 11 is not used.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CACHE_FORMAT, CacheDamagedError, decodeCache } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { EventIndex } from '../../../src/core/index/event-index';
import { TimeColumn } from '../../../src/core/index/time-column';
import { JsonObject } from '../../../src/core/model/event';
import { queryIndex } from '../../../src/core/query/query';
import { timeOrder } from '../../../src/core/timeline/derived';
import { random } from '../../../bench/generate';
import { HEADER, WHOLE_SECOND, tableOfContents, walked, scratchFolder } from './cache-helpers';
import { record } from './helpers';

const T0 = Date.UTC(2026, 2, 4, 5, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** The time section of the cache's one batch (its fourth array, mapBatchArrays order) and the batch's stored facts. */
function timeSection(data: Buffer): { kind: string; at: number; bytes: number; facts: Record<string, unknown> } {
  const { description } = tableOfContents(data).toc;
  const parsed = JSON.parse(data.toString('utf8', description.at, description.at + description.bytes)) as { batches: { facts: Record<string, unknown>; sections: { kind: string; at: number; length: number }[] }[] };
  assert.equal(parsed.batches.length, 1, 'one batch');
  const [batch] = parsed.batches;
  const s = batch.sections[3];
  return { kind: s.kind, at: s.at, bytes: s.length * (s.kind === 'f64' ? 8 : s.kind === 'u32' ? 4 : NaN), facts: batch.facts };
}

/** Whether the index holds its times in four bytes an event. */
function compactIn(index: EventIndex): boolean {
  const column = index.timeColumn();
  assert.ok(column instanceof TimeColumn);
  return column.compact;
}

/** Everything that reads the times: rows, orders, pivots, histograms, time queries, the records read back. */
async function everything(index: EventIndex) {
  const all = Array.from(queryIndex(index, ''));
  const times = index.timeColumn();
  return {
    times: Array.from({ length: index.size }, (_, id) => times.get(id)),
    rows: all.map((id) => index.row(id)),
    asc: Array.from(index.sortByTime(index.all(), 'asc')),
    desc: Array.from(index.sortByTime(index.all(), 'desc')),
    order: Array.from(timeOrder(index)),
    top: (['principal', 'eventName', 'ip'] as const).map((field) => index.top(field, undefined, 100)),
    histogram: index.histogram(undefined, 600_000),
    queries: [`time>=${iso(T0 + 3600_000)}`, `time<${iso(T0 + 7200_000)} AND eventName:ListUsers`, 'time:2026-03-04T05'].map((where) => Array.from(queryIndex(index, where))),
    raw: (await index.rawRecords(all)).map((r) => r.text),
  };
}

describe('the event times in the index cache (format 12)', function () {
  this.timeout(120_000);
  const scratch = scratchFolder('ctinv-cache-times-');

  /**
   * A folder of trail files with whole-second times (a few events without one); `odd`: one event
   * with a time in milliseconds; `redelivered`: one file twice under another name (duplicates).
   */
  async function evidence(name: string, seed: number, options: { odd?: boolean; redelivered?: boolean } = {}): Promise<string> {
    const folder = path.join(scratch(), name);
    await fs.mkdir(folder);
    const rand = random(seed);
    for (let f = 0; f < 5; f++) {
      const records: JsonObject[] = Array.from({ length: 50 + Math.floor(rand() * 200) }, (_, i) => {
        const r = record({
          eventTime: iso(T0 + Math.floor(rand() * 3 * 3600) * 1000),
          eventName: ['ListUsers', 'CreateUser', 'GetObject'][i % 3],
          sourceIPAddress: `198.51.100.${Math.floor(rand() * 30)}`,
        });
        if (rand() < 0.05) delete r.eventTime;
        return r;
      });
      if (options.odd && f === 2) records[Math.floor(records.length / 2)].eventTime = iso(T0 + 1800_000 + 250);
      await fs.writeFile(path.join(folder, `trail-${f}.json`), JSON.stringify({ Records: records }));
    }
    if (options.redelivered) await fs.copyFile(path.join(folder, 'trail-1.json'), path.join(folder, 'trail-1-again.json'));
    for (const file of await fs.readdir(folder)) await fs.utimes(path.join(folder, file), WHOLE_SECOND, WHOLE_SECOND);
    return folder;
  }

  async function cacheFile(cacheDir: string): Promise<string> {
    const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    assert.equal(names.length, 1, 'one cache file');
    return path.join(cacheDir, names[0]);
  }

  for (const [label, options] of [
    ['whole seconds', {}],
    ['whole seconds, a file delivered twice', { redelivered: true }],
    ['one time in milliseconds', { odd: true }],
    ['one time in milliseconds, a file delivered twice', { odd: true, redelivered: true }],
  ] as const) {
    it(`${label}: written and reopened (at once, lazily, after another source), the index answers as the cold one`, async () => {
      const odd = 'odd' in options;
      const folder = await evidence(label.replace(/\W+/g, '-'), label.length, options);
      const cacheDir = path.join(scratch(), `cache-${label.replace(/\W+/g, '-')}`);
      const cold = await Investigation.open([folder], { workers: 0 });
      if ('redelivered' in options) assert.ok(cold.summary.duplicates > 0, 'duplicates dropped');
      const expected = await everything(cold.investigation.index);
      assert.equal(compactIn(cold.investigation.index), !odd);

      const written = await Investigation.open([folder], { workers: 0, cacheDir });
      assert.equal(written.summary.fromCache, false);
      assert.deepEqual(await everything(written.investigation.index), expected);
      const data = await fs.readFile(await cacheFile(cacheDir));
      assert.equal(data.readUInt32LE(8), CACHE_FORMAT);
      const section = timeSection(data);
      assert.equal(section.kind, odd ? 'f64' : 'u32', 'the times as the index holds them');
      assert.equal(section.facts.storedTimes, odd ? undefined : 1);

      // Adopted from the cache file's bytes: no array made (its batch's doubles are not made either).
      if (!odd && !('redelivered' in options)) {
        const decoded = decodeCache(data, [...(await walked(folder))].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
        const index = new EventIndex(async () => []);
        assert.ok(index.adopt(decoded.batches[0], index.sources.code('cache'), decoded.merged!, decoded.facts?.[0]));
        const column = index.timeColumn() as TimeColumn;
        assert.ok(column.compact && column.storedSeconds()!.buffer === data.buffer, 'the column is a view of the cache file');
        assert.equal(typeof Object.getOwnPropertyDescriptor(decoded.batches[0], 'time')?.get, 'function', "the batch's times as doubles were never made");
        assert.deepEqual(Array.from({ length: index.size }, (_, id) => index.time(id)), expected.times);
      }

      for (const deferIndex of [false, true]) {
        const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex });
        assert.equal(reopened.summary.fromCache, true);
        assert.deepEqual(await everything(reopened.investigation.index), expected, `reopened${deferIndex ? ' lazily' : ''}`);
        assert.equal(compactIn(reopened.investigation.index), !odd);
        assert.equal(reopened.summary.first, cold.summary.first);
        assert.equal(reopened.summary.last, cold.summary.last);
        assert.equal(reopened.summary.eventsWithoutTime, cold.summary.eventsWithoutTime);
      }

      // Into an index that holds another source, the batch is merged (its times made as doubles from the compact ones).
      const other = await evidence(`${label.replace(/\W+/g, '-')}-other`, 99);
      const both = new Investigation({ workers: 0, cacheDir });
      await both.addSource([other]).loaded;
      assert.equal((await both.addSource([folder]).loaded).fromCache, true);
      const coldBoth = new Investigation({ workers: 0 });
      await coldBoth.addSource([other]).loaded;
      await coldBoth.addSource([folder]).loaded;
      assert.deepEqual(await everything(both.index), await everything(coldBoth.index), 'merged after another source');
    });
  }

  for (const [damage, edit] of [
    ['a flipped bit in the time section', (data: Buffer, s: { at: number; bytes: number }) => {
      data[s.at + Math.floor(s.bytes / 2)] ^= 0x04;
      return data;
    }],
    ['the file cut inside the time section', (data: Buffer, s: { at: number; bytes: number }) => data.subarray(0, s.at + Math.floor(s.bytes / 2))],
  ] as const) {
    it(`${damage}: a lazy reopen throws CacheDamagedError on first use and deletes the cache; read at once, it is refused with a note; the next load rebuilds it`, async () => {
      const name = damage.replace(/\W+/g, '-');
      const folder = await evidence(name, 7);
      const cacheDir = path.join(scratch(), `cache-${name}`);
      const cold = await Investigation.open([folder], { workers: 0, cacheDir });
      const expected = await everything(cold.investigation.index);
      const file = await cacheFile(cacheDir);
      const good = await fs.readFile(file);
      const section = timeSection(good);
      assert.equal(section.kind, 'u32');
      assert.ok(section.bytes > 0);

      await fs.writeFile(file, edit(Buffer.from(good), section));
      const lazily = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
      assert.equal(lazily.summary.fromCache, true, 'the table of contents is intact: the summary stands');
      assert.throws(() => lazily.investigation.index, (error: unknown) => error instanceof CacheDamagedError && /damaged or truncated/.test(error.message) && error.message.includes(file));
      await assert.rejects(fs.stat(file), { code: 'ENOENT' }, 'the damaged cache was deleted');

      const rebuilt = await Investigation.open([folder], { workers: 0, cacheDir });
      assert.equal(rebuilt.summary.fromCache, false);
      assert.deepEqual(await everything(rebuilt.investigation.index), expected);
      await fs.writeFile(file, edit(Buffer.from(good), section));
      const atOnce = await Investigation.open([folder], { workers: 0, cacheDir });
      assert.equal(atOnce.summary.fromCache, false);
      assert.match((atOnce.summary.notes ?? []).join('\n'), /damaged or truncated \(a section .*(does not match its checksum|lies past its end)\)/);
      assert.deepEqual(await everything(atOnce.investigation.index), expected);
      const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
      assert.equal(again.summary.fromCache, true, 'rebuilt');
      assert.deepEqual(await everything(again.investigation.index), expected);
    });
  }

  it('a cache of format 11 (times as doubles) is not used: the evidence is read again, the same answers, and the cache rewritten in format 12', async () => {
    const folder = await evidence('format-11', 11);
    const cacheDir = path.join(scratch(), 'cache-format-11');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const expected = await everything(cold.investigation.index);
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    assert.equal(CACHE_FORMAT, 12);
    // What format 11 wrote: its number in the header and in the (checksummed) table of contents.
    data.writeUInt32LE(11, 8);
    const { toc, bytes } = tableOfContents(data);
    const text = Buffer.from(JSON.stringify({ ...toc, format: 11 }).padEnd(bytes, ' '));
    assert.equal(text.length, bytes);
    text.copy(data, HEADER);
    await fs.writeFile(file, data);
    for (const deferIndex of [true, false]) {
      const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex });
      assert.equal(again.summary.fromCache, false, 'a miss');
      assert.doesNotMatch((again.summary.notes ?? []).join('\n'), /damaged/, 'not taken for a damaged cache');
      assert.deepEqual(await everything(again.investigation.index), expected);
      assert.equal((await fs.readFile(file)).readUInt32LE(8), CACHE_FORMAT, 'rewritten in this format');
      await fs.writeFile(file, data);
    }
  });
});
