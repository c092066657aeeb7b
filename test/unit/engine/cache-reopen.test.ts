/**
 * Issue 13: a cache that reopens without reading what the command does not use. A source found
 * in the cache reports its summary from the table of contents; its columns are read (and each
 * part checked) on the index's first use, taken as views of the file's bytes.
 */
import * as assert from 'node:assert/strict';
import fsCallbacks from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { SourceSummary } from '../../../src/core/engine/api';
import { CacheDamagedError } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { EventIndex } from '../../../src/core/index/event-index';
import { RecordChangedError } from '../../../src/core/index/read-back';
import { queryIndex } from '../../../src/core/query/query';
import { generateTrail } from '../../../bench/generate';
import { runCli } from '../run-cli';
import { HEADER, tableOfContents, scratchFolder } from './cache-helpers';

const comparable = (summary: SourceSummary) => ({ ...summary, fromCache: undefined, notes: undefined });

/** Everything a pivot, a listing or a report answers from. */
async function everything(index: EventIndex) {
  const ids = Array.from(queryIndex(index, ''));
  return {
    size: index.size,
    rows: ids.map((id) => index.row(id)),
    places: ids.map((id) => [index.origin(id), index.location(id), index.values('resource', id), index.value('requestId', id), index.value('source', id)]),
    files: index.files.map((f) => ({ ...f })),
    top: (['ip', 'accessKey', 'principal', 'resource', 'eventName'] as const).map((field) => index.top(field, undefined, 1000)),
    raw: (await index.rawRecords(ids)).map((r) => r.text),
  };
}

/** Counts EventIndex.adopt and merge calls until restore(). */
function spyLoads(): { loads: () => number; restore: () => void } {
  let loads = 0;
  const adopt = EventIndex.prototype.adopt;
  const merge = EventIndex.prototype.merge;
  EventIndex.prototype.adopt = function (this: EventIndex, ...args: Parameters<EventIndex['adopt']>) {
    loads++;
    return adopt.apply(this, args);
  };
  EventIndex.prototype.merge = function (this: EventIndex, ...args: Parameters<EventIndex['merge']>) {
    loads++;
    return merge.apply(this, args);
  };
  return {
    loads: () => loads,
    restore: () => {
      EventIndex.prototype.adopt = adopt;
      EventIndex.prototype.merge = merge;
    },
  };
}

/** The sections a cache file lists: where each is and how long, in bytes. */
function sectionsOf(data: Buffer): { kind: string; at: number; bytes: number }[] {
  const { description } = tableOfContents(data).toc;
  const text = data.toString('utf8', description.at, description.at + description.bytes);
  const parsed = JSON.parse(text) as { batches: { sections: { kind: string; at: number; length: number }[] }[] };
  const width: Record<string, number> = { u8: 1, u16: 2, i32: 4, u32: 4, f64: 8 };
  return parsed.batches.flatMap((b) => b.sections.map((s) => ({ kind: s.kind, at: s.at, bytes: s.length * width[s.kind] })));
}

describe('index cache reopened lazily (deferIndex)', function () {
  this.timeout(120_000);
  const scratch = scratchFolder('ctinv-reopen-');

  async function cacheFile(cacheDir: string): Promise<string> {
    const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    assert.equal(names.length, 1);
    return path.join(cacheDir, names[0]);
  }

  /** A seeded trail in the AWSLogs layout; with `redelivered`, one file delivered twice (duplicates) under another name. */
  async function trail(name: string, seed: number, redelivered: boolean): Promise<string> {
    const root = path.join(scratch(), name);
    generateTrail(root, 700 + seed * 37, seed, 11 + seed);
    await fs.rm(path.join(root, 'generated.json'));
    if (redelivered) {
      const files = (await fs.readdir(root, { recursive: true })).filter((f) => f.endsWith('.json.gz')).sort();
      const original = path.join(root, files[Math.floor(files.length / 2)]);
      await fs.copyFile(original, original.replace(/\.json\.gz$/, '-again.json.gz'));
    }
    return root;
  }

  for (const [seed, redelivered] of [
    [3, false],
    [7, true],
    [11, false],
  ] as const) {
    it(`seed ${seed}${redelivered ? ', a file delivered twice' : ''}: the summary comes without reading the columns, and the index read on first use equals the cold build`, async () => {
      const folder = await trail(`seed-${seed}`, seed, redelivered);
      const cacheDir = path.join(scratch(), `cache-${seed}`);
      const cold = await Investigation.open([folder], { workers: 0 });
      await Investigation.open([folder], { workers: 0, cacheDir });
      const spy = spyLoads();
      try {
        const warm = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
        assert.equal(warm.summary.fromCache, true);
        assert.equal(spy.loads(), 0, 'no column was read for the summary');
        assert.deepEqual(comparable(warm.summary), comparable(cold.summary));
        if (redelivered) assert.ok(cold.summary.duplicates > 0, 'the twice-delivered file gives duplicates');
        assert.deepEqual(await everything(warm.investigation.index), await everything(cold.investigation.index));
        assert.equal(spy.loads(), 1, 'read once, on first use');
        assert.deepEqual(comparable(warm.investigation.summaries()[0]), comparable(cold.summary));
      } finally {
        spy.restore();
      }
    });
  }

  it('a damaged section is found when first used: the cache is deleted, never trusted, and rebuilt by the next load', async () => {
    const folder = await trail('damaged', 5, false);
    const cacheDir = path.join(scratch(), 'cache-damaged');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    // The batch's fourth array is its times (mapBatchArrays order), whole seconds here: a u32 section.
    const times = sectionsOf(data)[3];
    assert.ok(times.kind === 'u32' && times.bytes > 0);
    // One bit of an event's time: the index would answer a wrong time for it.
    data[times.at + times.bytes - 2] ^= 0x01;
    await fs.writeFile(file, data);

    const opened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(opened.summary.fromCache, true, 'the table of contents is intact: the summary stands');
    assert.equal(opened.summary.events, cold.summary.events);
    let thrown: unknown;
    try {
      void opened.investigation.index;
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof CacheDamagedError, `a CacheDamagedError, not ${String(thrown)}`);
    assert.ok(thrown instanceof RecordChangedError, 'which callers treat as evidence that changed: read again');
    assert.match(thrown.message, /damaged or truncated .*checksum/);
    assert.ok(thrown.message.includes(file), 'it names the cache file');
    await assert.rejects(fs.stat(file), { code: 'ENOENT' }, 'the damaged cache was deleted');
    assert.throws(() => opened.investigation.index, CacheDamagedError, 'and on every later use: never an empty index under its summary');

    const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(again.summary.fromCache, false);
    assert.deepEqual(await everything(again.investigation.index), await everything(cold.investigation.index));
    const third = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(third.summary.fromCache, true, 'rebuilt');
    assert.deepEqual(await everything(third.investigation.index), await everything(cold.investigation.index));
  });

  it('read at once (no deferIndex), a damaged section is refused at load, with a note', async () => {
    const folder = await trail('damaged-eager', 6, false);
    const cacheDir = path.join(scratch(), 'cache-damaged-eager');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    const last = sectionsOf(data).filter((s) => s.bytes > 0).pop()!;
    data[last.at] ^= 0x80;
    await fs.writeFile(file, data);
    const again = await Investigation.open([folder], { workers: 0, cacheDir });
    assert.equal(again.summary.fromCache, false);
    assert.match((again.summary.notes ?? []).join('\n'), /damaged or truncated \(a section .* does not match its checksum\)/);
    assert.deepEqual(await everything(again.investigation.index), await everything(cold.investigation.index));
  });

  it('a damaged table of contents or description is refused at once, even lazily', async () => {
    const folder = await trail('damaged-toc', 8, false);
    const cacheDir = path.join(scratch(), 'cache-damaged-toc');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const file = await cacheFile(cacheDir);
    const good = await fs.readFile(file);
    const { toc } = tableOfContents(good);
    for (const [what, at, reason] of [
      ['table of contents', HEADER + 10, /table of contents does not match its checksum/],
      ['description', toc.description.at + 5, /description does not match its checksum/],
    ] as const) {
      const data = Buffer.from(good);
      data[at] ^= 0x04;
      await fs.writeFile(file, data);
      const opened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
      if (what === 'table of contents') {
        assert.equal(opened.summary.fromCache, false, what);
        assert.match((opened.summary.notes ?? []).join('\n'), reason);
      } else {
        // The description is read with the columns: on first use.
        assert.equal(opened.summary.fromCache, true);
        assert.throws(() => opened.investigation.index, (error: unknown) => error instanceof CacheDamagedError && reason.test(error.message));
      }
      await fs.writeFile(file, good);
    }
    assert.equal(zlib.crc32(good), zlib.crc32(await fs.readFile(file)));
    const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(reopened.summary.fromCache, true);
    assert.deepEqual(await everything(reopened.investigation.index), await everything(cold.investigation.index));
  });

  for (const [change, edit] of [
    ['grew by a byte', (file: string) => fs.appendFile(file, Buffer.from([0]))],
    ['was touched (mtime only, a microsecond later)', async (file: string) => {
      const stat = await fs.stat(file);
      await fs.utimes(file, stat.atime, stat.mtimeMs / 1000 + 0.000001);
    }],
    ['was replaced by a copy of the same size and times', async (file: string) => {
      const stat = await fs.stat(file);
      await fs.copyFile(file, `${file}.tmp`);
      await fs.utimes(`${file}.tmp`, stat.atime, stat.mtime);
      await fs.rename(`${file}.tmp`, file);
    }],
  ] as const) {
    it(`a lazy reopen notices a file that ${change}, and reads the evidence again`, async () => {
      const folder = await trail(`identity-${change.length}`, 9, false);
      const cacheDir = path.join(scratch(), `cache-identity-${change.length}`);
      await Investigation.open([folder], { workers: 0, cacheDir });
      const files = (await fs.readdir(folder, { recursive: true })).filter((f) => f.endsWith('.json.gz')).sort();
      // ctime moves on its clock's tick: let it move.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await edit(path.join(folder, files[1]));
      const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
      assert.equal(again.summary.fromCache, false);
    });
  }

  it('ctinv query answers the same from a cache whose section is damaged: it notes it and reads the evidence again', async () => {
    const folder = await trail('cli', 4, false);
    const cacheDir = path.join(scratch(), 'cache-cli');
    const first = await runCli(['query', folder, '--where', 'event:*', '--cache-dir', cacheDir, '--workers', '0']);
    assert.equal(first.code, 0, first.stderr);
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    const section = sectionsOf(data).filter((s) => s.bytes > 0)[2];
    data[section.at] ^= 0x10;
    await fs.writeFile(file, data);
    const stats = await runCli(['stats', folder, '--json', '--cache-dir', cacheDir, '--workers', '0']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal((JSON.parse(stats.stdout) as { events: number }).events, first.stdout.trim().split('\n').length, 'stats reads the table of contents alone');
    const again = await runCli(['query', folder, '--where', 'event:*', '--cache-dir', cacheDir, '--workers', '0']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout);
    assert.match(again.stderr, /note: .*index cache is damaged or truncated.*reading the evidence again/);
    const third = await runCli(['query', folder, '--where', 'event:*', '--cache-dir', cacheDir, '--workers', '0']);
    assert.equal(third.stdout, first.stdout);
    assert.doesNotMatch(third.stderr, /note:/, 'the rebuilt cache is used without a note');
  });

  /** Counts the reads made on the thread pool (fs.read with a callback: prefetchCache's) until restore(). */
  function spyPoolReads(): { reads: () => number; restore: () => void } {
    let reads = 0;
    const read = fsCallbacks.read;
    (fsCallbacks as { read: unknown }).read = function (this: unknown, ...args: unknown[]) {
      reads++;
      return (read as (...a: unknown[]) => unknown).apply(this, args);
    };
    return { reads: () => reads, restore: () => ((fsCallbacks as { read: unknown }).read = read) };
  }

  for (const seed of [13, 17]) {
    it(`seed ${seed}: read ahead while walking (readAhead), the cache answers as the cold build does, and only the one for these paths is read`, async () => {
      const folder = await trail(`ahead-${seed}`, seed, seed === 17);
      const elsewhere = await trail(`ahead-other-${seed}`, seed + 1, false);
      const cacheDir = path.join(scratch(), `cache-ahead-${seed}`);
      const cold = await Investigation.open([folder], { workers: 0 });
      await Investigation.open([folder], { workers: 0, cacheDir });
      // Used more recently: the cache of other evidence, and a file that is no cache at all.
      await Investigation.open([elsewhere], { workers: 0, cacheDir });
      await fs.writeFile(path.join(cacheDir, 'zzz-not-a-cache.idx'), 'not an index cache');
      const spy = spyPoolReads();
      try {
        const ahead = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true, readAhead: true });
        assert.equal(ahead.summary.fromCache, true);
        assert.deepEqual(ahead.summary.notes, undefined, 'nothing refused');
        assert.ok(spy.reads() > 0, 'the cache was read on the thread pool');
        const reads = spy.reads();
        assert.deepEqual(comparable(ahead.summary), comparable(cold.summary));
        assert.deepEqual(await everything(ahead.investigation.index), await everything(cold.investigation.index));
        assert.equal(spy.reads(), reads, 'and not read again on first use');
      } finally {
        spy.restore();
      }
    });
  }

  it('read ahead, the cache of evidence that changed since is not used: the evidence is read again', async () => {
    const folder = await trail('ahead-changed', 19, false);
    const cacheDir = path.join(scratch(), 'cache-ahead-changed');
    await Investigation.open([folder], { workers: 0, cacheDir });
    const files = (await fs.readdir(folder, { recursive: true })).filter((f) => f.endsWith('.json.gz')).sort();
    // Same size, one record's source IP changed: only the file's identity tells.
    const file = path.join(folder, files[2]);
    const text = zlib.gunzipSync(await fs.readFile(file)).toString('utf8');
    const ip = /"sourceIPAddress":"([^"]+)"/.exec(text)![1];
    await fs.writeFile(file, zlib.gzipSync(text.replace(`"sourceIPAddress":"${ip}"`, `"sourceIPAddress":"${'9'.repeat(ip.length)}"`)));
    const cold = await Investigation.open([folder], { workers: 0 });
    const ahead = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true, readAhead: true });
    assert.equal(ahead.summary.fromCache, false);
    assert.deepEqual(comparable(ahead.summary), comparable(cold.summary));
    const everythingNow = await everything(ahead.investigation.index);
    assert.deepEqual(everythingNow, await everything(cold.investigation.index));
    assert.ok(everythingNow.raw.some((text) => text.includes('9'.repeat(ip.length))), 'the edited record as it is now');
  });

  it('read ahead, the bytes of a cache that is not the one for the evidence are let go before the evidence is read again', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const folder = await trail('ahead-let-go', 31, false);
    const cacheDir = path.join(scratch(), 'cache-ahead-let-go');
    await Investigation.open([folder], { workers: 0, cacheDir });
    const files = (await fs.readdir(folder, { recursive: true })).filter((f) => f.endsWith('.json.gz')).sort();
    await fs.appendFile(path.join(folder, files[0]), Buffer.alloc(0));
    await fs.rm(path.join(folder, files[1]));
    // The buffers read into on the thread pool (the cache read ahead), watched without being held.
    const read = fsCallbacks.read;
    const buffers: WeakRef<object>[] = [];
    (fsCallbacks as { read: unknown }).read = function (this: unknown, ...args: unknown[]) {
      if (args[1] instanceof Uint8Array) buffers.push(new WeakRef(args[1]));
      return (read as (...a: unknown[]) => unknown).apply(this, args);
    };
    let heldDuringTheRead: boolean | undefined;
    let looked = false;
    try {
      // One worker: the load waits for it to start (tens of milliseconds), with the evidence's
      // first progress reported and nothing of this process running: then a collection shows
      // what the load still holds.
      const again = await Investigation.open([folder], {
        workers: 1,
        cacheDir,
        deferIndex: true,
        readAhead: true,
        onProgress: () => {
          if (looked) return;
          looked = true;
          setImmediate(() => {
            gc();
            heldDuringTheRead = buffers.some((b) => b.deref() !== undefined);
          });
        },
      });
      assert.equal(again.summary.fromCache, false, 'the evidence changed: read again');
    } finally {
      (fsCallbacks as { read: unknown }).read = read;
    }
    assert.ok(buffers.length > 0, 'the old cache was read ahead');
    assert.equal(heldDuringTheRead, false, 'and let go while the evidence was read again');
  });

  it('read ahead, a damaged section is found when first used: the cache is deleted and the next load reads the evidence', async () => {
    const folder = await trail('ahead-damaged', 23, false);
    const cacheDir = path.join(scratch(), 'cache-ahead-damaged');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    const codes = sectionsOf(data).filter((s) => s.kind === 'u8' && s.bytes > 0);
    data[codes[1].at + 1] ^= 0x02;
    await fs.writeFile(file, data);
    const opened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true, readAhead: true });
    assert.equal(opened.summary.fromCache, true);
    assert.throws(() => opened.investigation.index, (error: unknown) => error instanceof CacheDamagedError && /a section .* does not match its checksum/.test(error.message) && error.message.includes(file));
    await assert.rejects(fs.stat(file), { code: 'ENOENT' }, 'the damaged cache was deleted');
    const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true, readAhead: true });
    assert.equal(again.summary.fromCache, false);
    assert.deepEqual(await everything(again.investigation.index), await everything(cold.investigation.index));
  });

  it('read ahead, a damaged table of contents is refused with a note, as when the file is opened after the walk', async () => {
    const folder = await trail('ahead-toc', 29, false);
    const cacheDir = path.join(scratch(), 'cache-ahead-toc');
    const cold = await Investigation.open([folder], { workers: 0, cacheDir });
    const file = await cacheFile(cacheDir);
    const data = await fs.readFile(file);
    data[HEADER + 12] ^= 0x01;
    await fs.writeFile(file, data);
    const opened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true, readAhead: true });
    assert.equal(opened.summary.fromCache, false);
    assert.match((opened.summary.notes ?? []).join('\n'), /table of contents does not match its checksum/);
    assert.deepEqual(await everything(opened.investigation.index), await everything(cold.investigation.index));
  });
});
