/**
 * Content hashes computed on demand (index/lazy-hash.ts): the trail scanner leaves them out,
 * and the index reads a record's file again only when a second record with its eventID
 * comes. Re-deliveries must still collapse and conflicts still be kept and reported, across
 * files, parse workers and sources; a record whose file cannot be read again is kept.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { Investigation } from '../../../src/core/engine/investigation';
import { newParseContext, parseFiles } from '../../../src/core/engine/parse-files';
import { EventBatch } from '../../../src/core/index/batch';
import { CompactNumberColumn } from '../../../src/core/index/columns';
import { CONTENT_HASH_LATER, contentHashOfValue } from '../../../src/core/index/content-hash';
import { RecordHashes } from '../../../src/core/index/lazy-hash';
import { JsonObject } from '../../../src/core/model/event';
import { random } from '../../../bench/generate';
import { record } from './helpers';

describe('content hashes computed on demand', function () {
  this.timeout(120_000);
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-lazy-hash-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  let folders = 0;
  function folder(): string {
    const dir = path.join(scratch, `case-${folders++}`);
    fs.mkdirSync(dir);
    return dir;
  }
  const trail = (records: JsonObject[], pretty = false) => JSON.stringify({ Records: records }, null, pretty ? 2 : undefined);

  it('leaves a scanned record’s content hash for later, and RecordHashes gives the generic reader’s by ordinal', async () => {
    const dir = folder();
    const records = [record({ sourceIPAddress: '198.51.100.1' }), record({ sourceIPAddress: '198.51.100.2' }), record()];
    const same = records[0];
    const file = path.join(dir, 'a.json.gz');
    // The first record again at the end, at another place in memory (one byte of space before it).
    fs.writeFileSync(file, gzipSync(`{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}, ${JSON.stringify(same)}]}`));
    const batches: EventBatch[] = [];
    await parseFiles([{ path: file, size: fs.statSync(file).size, mtimeMs: 0 }], (b) => batches.push(b), undefined, newParseContext());
    const [batch] = batches.filter((b) => b.count > 0);
    assert.equal(batch.count, 4);
    const hashes = new RecordHashes();
    const seen = batch.files[0].seen!;
    assert.equal(seen.crc, crc32(gunzipSync(fs.readFileSync(file))), 'a scanned gzip file has gzip’s CRC (of its content)');
    for (let i = 0; i < 3; i++) {
      assert.equal(batch.contentHash[i], CONTENT_HASH_LATER, 'left for later');
      assert.equal(hashes.hash(file, batch.offset[i], seen), contentHashOfValue(records[i]));
    }
    assert.equal(hashes.hash(file, 3, seen), contentHashOfValue(same));
    assert.equal(hashes.hash(file, 4, seen), undefined, 'no record 4');
    assert.equal(hashes.hash(path.join(dir, 'missing.json'), 0, { size: 1, mtimeMs: 0 }), undefined, 'no file');
    assert.equal(new RecordHashes().hash(file, 0, { ...seen, size: seen.size + 1 }), undefined, 'not the file indexed');
  });

  it('finds the same duplicates and conflicts with 0, 1 and 2 workers on seeded trails (re-deliveries across files, edited copies)', async () => {
    const rng = random(1307);
    const dir = folder();
    const pool: JsonObject[] = [];
    let expectedEvents = 0;
    let expectedDuplicates = 0;
    let expectedConflicts = 0;
    const firstSeen = new Map<string, Set<number>>();
    for (let f = 0; f < 40; f++) {
      const records: JsonObject[] = [];
      const count = 1 + Math.floor(rng() * 30);
      for (let r = 0; r < count; r++) {
        const roll = rng();
        let next: JsonObject;
        if (pool.length > 0 && roll < 0.15) next = pool[Math.floor(rng() * pool.length)]; // delivered again
        else if (pool.length > 0 && roll < 0.22) next = { ...pool[Math.floor(rng() * pool.length)], sourceIPAddress: `203.0.113.${Math.floor(rng() * 250)}` }; // edited copy
        else next = record({ sourceIPAddress: `198.51.100.${Math.floor(rng() * 250)}` });
        pool.push(next);
        records.push(next);
        // The expected outcome, from the content itself.
        const id = String(next.eventID);
        const hash = contentHashOfValue(next);
        const seen = firstSeen.get(id);
        if (!seen) {
          firstSeen.set(id, new Set([hash]));
          expectedEvents++;
        } else if (seen.has(hash)) {
          expectedDuplicates++;
        } else {
          seen.add(hash);
          expectedEvents++;
          expectedConflicts++;
        }
      }
      const text = trail(records, rng() < 0.3);
      if (rng() < 0.5) fs.writeFileSync(path.join(dir, `f${f}.json.gz`), gzipSync(text));
      else fs.writeFileSync(path.join(dir, `f${f}.json`), text);
    }
    assert.ok(expectedDuplicates > 20 && expectedConflicts > 10, `the seed makes both (${expectedDuplicates}, ${expectedConflicts})`);
    for (const workers of [0, 1, 2]) {
      const { summary } = await Investigation.open([dir], { workers });
      assert.deepEqual(
        { events: summary.events, duplicates: summary.duplicates, conflicts: summary.conflicts },
        { events: expectedEvents, duplicates: expectedDuplicates, conflicts: expectedConflicts },
        `${workers} workers`,
      );
    }
  });

  it('collapses a re-delivery onto a record of an earlier source whose hash was never needed until then', async () => {
    const event = record();
    const investigation = new Investigation({ workers: 0 });
    const first = folder();
    fs.writeFileSync(path.join(first, 'a.json.gz'), gzipSync(trail([record(), event, record()])));
    await investigation.addSource([first]).loaded;
    const second = folder();
    fs.writeFileSync(path.join(second, 'b.json'), trail([event, { ...event, userAgent: 'edited' }], true));
    const again = await investigation.addSource([second]).loaded;
    assert.equal(again.duplicates, 1);
    assert.equal(again.conflicts, 1);
    assert.equal(investigation.index.size, 4);
  });

  it('collapses the same files loaded again (same CRC, then the same SHA-256 read again) at the same places', async () => {
    const events = [record(), record(), record()];
    const investigation = new Investigation({ workers: 0 });
    const first = folder();
    const bytes = gzipSync(trail(events));
    fs.writeFileSync(path.join(first, 'a.json.gz'), bytes);
    await investigation.addSource([first]).loaded;
    const second = folder();
    fs.writeFileSync(path.join(second, 'b.json.gz'), bytes);
    const again = await investigation.addSource([second]).loaded;
    assert.deepEqual([again.events, again.duplicates, again.conflicts], [0, 3, 0]);
  });

  it('never takes files of one CRC and size for the same bytes: a crafted collision keeps both records (0 and 2 workers)', async () => {
    const event = record({ userAgent: 'b'.repeat(64) });
    const a = Buffer.from(trail([event]));
    // Another record under the same eventID, time and name, in a file of the same size, its
    // userAgent's letters changed (b to c) where that brings the file to the same CRC-32.
    const ip = String(event.sourceIPAddress);
    const b = Buffer.from(trail([{ ...event, sourceIPAddress: ip.slice(0, -1) + (ip.endsWith('1') ? '2' : '1') }]));
    const from = b.indexOf('b'.repeat(64));
    const forged = forceCrc(b, crc32(a), Array.from({ length: 64 }, (_, k) => from + k));
    assert.ok(forged && forged.length === a.length && crc32(forged) === crc32(a) && !forged.equals(a), 'the forgery holds');
    for (const workers of [0, 2]) {
      const dir = folder();
      fs.writeFileSync(path.join(dir, 'a.json'), a);
      fs.writeFileSync(path.join(dir, 'b.json'), forged);
      const { summary } = await Investigation.open([dir], { workers });
      assert.deepEqual([summary.events, summary.duplicates, summary.conflicts], [2, 0, 1], `${workers} workers`);
    }
  });

  it('does not collapse the same file loaded again once the earlier copy changed (same size and mtime): never digests what is there now', async () => {
    const events = [record(), record()];
    const investigation = new Investigation({ workers: 0 });
    const first = folder();
    const bytes = Buffer.from(trail(events));
    const stamp = 1_780_000_000;
    const earlier = path.join(first, 'a.json');
    fs.writeFileSync(earlier, bytes);
    fs.utimesSync(earlier, stamp, stamp);
    await investigation.addSource([first]).loaded;
    // Rewritten with its own bytes, times set back: the same bytes, but not provably (its ctime moved).
    fs.writeFileSync(earlier, bytes);
    fs.utimesSync(earlier, stamp, stamp);
    const second = folder();
    fs.writeFileSync(path.join(second, 'b.json'), bytes);
    const again = await investigation.addSource([second]).loaded;
    assert.deepEqual([again.events, again.duplicates, again.conflicts], [2, 0, 2]);
  });

  it('collapses the same bytes elsewhere (another file, another place) by their content, read again', async () => {
    const event = record();
    const investigation = new Investigation({ workers: 0 });
    const first = folder();
    fs.writeFileSync(path.join(first, 'a.json'), trail([event]));
    await investigation.addSource([first]).loaded;
    const second = folder();
    fs.writeFileSync(path.join(second, 'b.json.gz'), gzipSync(trail([record(), event])));
    const again = await investigation.addSource([second]).loaded;
    assert.deepEqual([again.events, again.duplicates, again.conflicts], [1, 1, 0]);
  });

  /** Indexes `event` in a file, removes that file, then loads `second` (written by `write`) beside it. */
  async function afterEarlierCopyRemoved(event: JsonObject, write: (dir: string) => void): Promise<{ counts: number[]; size: number }> {
    const investigation = new Investigation({ workers: 0 });
    const first = folder();
    fs.writeFileSync(path.join(first, 'a.json'), trail([event]));
    await investigation.addSource([first]).loaded;
    fs.rmSync(path.join(first, 'a.json'));
    const second = folder();
    write(second);
    const again = await investigation.addSource([second]).loaded;
    return { counts: [again.events, again.duplicates, again.conflicts], size: investigation.index.size };
  }

  it('never takes equal byte hashes for the same bytes unconfirmed: the earlier file gone, the same bytes elsewhere are kept', async () => {
    // The byte hash is a CRC: equal ones are confirmed by the files' digests (same place) or the
    // content read again. Neither is possible here, so the record is kept and reported.
    const event = record();
    const { counts } = await afterEarlierCopyRemoved(event, (dir) => fs.writeFileSync(path.join(dir, 'b.json.gz'), gzipSync(trail([record(), event]))));
    assert.deepEqual(counts, [2, 0, 1]);
  });

  it('keeps a record whose earlier copy changed since it was indexed, even to the same content: never hashes what is there now', async () => {
    // The first file's record is replaced, after it was indexed, by the second file's record (other
    // bytes, so its content must be read again): what is there now would hash equal to the
    // second record, but it is not what was indexed. With 0 workers and with 2.
    for (const workers of [0, 2]) {
      const event = record();
      const ip = String(event.sourceIPAddress);
      const edited = { ...event, sourceIPAddress: ip.slice(0, -1) + (ip.endsWith('1') ? '2' : '1') };
      const dir = folder();
      const investigation = new Investigation({ workers });
      const first = path.join(dir, 'a.json');
      // Whole seconds, which utimes sets exactly.
      const stamp = 1_780_000_000;
      fs.writeFileSync(first, trail([event]));
      fs.utimesSync(first, stamp, stamp);
      await investigation.addSource([dir]).loaded;
      // The same size, and the mtime set back as it was: only the ctime tells.
      const before = fs.statSync(first);
      fs.writeFileSync(first, trail([edited]));
      fs.utimesSync(first, stamp, stamp);
      assert.equal(fs.statSync(first).size, before.size);
      assert.equal(fs.statSync(first).mtimeMs, before.mtimeMs);
      const second = folder();
      fs.writeFileSync(path.join(second, 'b.json'), trail([edited], true));
      const again = await investigation.addSource([second]).loaded;
      assert.deepEqual([again.events, again.duplicates, again.conflicts], [1, 0, 1], `${workers} workers`);
      assert.equal(investigation.index.size, 2);
    }
  });

  it('keeps a record whose earlier copy (other bytes) can no longer be read, its file removed: a conflict, never dropped', async () => {
    const event = record();
    const { counts, size } = await afterEarlierCopyRemoved(event, (dir) => fs.writeFileSync(path.join(dir, 'b.json'), trail([event], true)));
    assert.deepEqual(counts, [1, 0, 1]);
    assert.equal(size, 2);
  });
});

describe('compact columns', () => {
  it('CompactNumberColumn holds only a count while every value is 0', () => {
    const column = new CompactNumberColumn();
    for (let i = 0; i < 500; i++) column.push(0);
    column.appendRows(new Uint32Array([0, 0]), undefined);
    assert.equal(column.size, 502);
    assert.equal(column.byteLength, 0);
    assert.equal(column.get(501), 0);
    column.appendRows(new Uint32Array([0, 7, 0]), new Int32Array([1, 2]));
    assert.equal(column.size, 504);
    assert.deepEqual([column.get(501), column.get(502), column.get(503)], [0, 7, 0]);
    column.push(2 ** 40);
    assert.equal(column.get(504), 2 ** 40);
    assert.equal(column.get(502), 7);
  });
});

/**
 * `bytes` with bit 0 flipped at some of `positions` so that its CRC-32 is `target`, or
 * undefined when those positions cannot reach it. CRC-32 is affine over GF(2): each flip adds
 * a fixed 32-bit vector, so this solves a linear system (what a forger would do).
 */
function forceCrc(bytes: Buffer, target: number, positions: number[]): Buffer | undefined {
  const base = crc32(bytes);
  const rows = positions.map((at) => {
    const flipped = Buffer.from(bytes);
    flipped[at] ^= 1;
    return { effect: (crc32(flipped) ^ base) >>> 0, picks: new Set([at]) };
  });
  // Gaussian elimination, one pivot bit at a time.
  const pivots: typeof rows = [];
  for (const row of rows) {
    for (const pivot of pivots) {
      const top = 31 - Math.clz32(pivot.effect);
      if ((row.effect >>> top) & 1) {
        row.effect = (row.effect ^ pivot.effect) >>> 0;
        for (const at of pivot.picks) if (!row.picks.delete(at)) row.picks.add(at);
      }
    }
    if (row.effect !== 0) pivots.push(row);
  }
  let need = (base ^ target) >>> 0;
  const flips = new Set<number>();
  for (const pivot of pivots) {
    const top = 31 - Math.clz32(pivot.effect);
    if ((need >>> top) & 1) {
      need = (need ^ pivot.effect) >>> 0;
      for (const at of pivot.picks) if (!flips.delete(at)) flips.add(at);
    }
  }
  if (need !== 0) return undefined;
  const out = Buffer.from(bytes);
  for (const at of flips) out[at] ^= 1;
  return out;
}
