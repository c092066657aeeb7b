/**
 * Issue 13, "open only what the query needs": the cache (since format 11) stores no array a reopen
 * does not need (one value throughout, or small whole numbers at a wider type), and a reopened
 * index makes a file's entry only when the file is first used. What it answers is the cold
 * index's answer; whatever part of the cache is damaged or cut off, a query ends as it did before
 * (the cache refused with a note naming it, the evidence read again, the same output).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CACHE_FORMAT } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { DICT_FIELDS } from '../../../src/core/index/batch';
import { EventIndex } from '../../../src/core/index/event-index';
import { PIVOT_FIELDS } from '../../../src/core/index/fields';
import { UniqueIdColumn } from '../../../src/core/index/columns';
import { queryIndex } from '../../../src/core/query/query';
import { generateTrail, random } from '../../../bench/generate';
import { runCli } from '../run-cli';
import { tableOfContents, scratchFolder } from './cache-helpers';

interface StoredSection {
  kind: string;
  at: number;
  length: number;
}

interface StoredBatch {
  facts: Record<string, unknown>;
  files: { refs: number[]; other: unknown[] };
  sections: StoredSection[];
}

const WIDTH: Record<string, number> = { u8: 1, u16: 2, i32: 4, u32: 4, f64: 8 };

/** The batches a cache file describes. */
function storedBatches(data: Buffer): StoredBatch[] {
  const { description } = tableOfContents(data).toc;
  return (JSON.parse(data.toString('utf8', description.at, description.at + description.bytes)) as { batches: StoredBatch[] }).batches;
}

/** The sections of a batch by the array they hold (mapBatchArrays order). */
function sectionNames(): string[] {
  return ['fileOf', 'offset', 'length', 'time', 'contentHash', 'spans', ...DICT_FIELDS.map((f) => `codes.${f}`), 'resourceStart', 'resourceCodes', 'eventIds.words', 'eventIds.kinds', 'requestIds.words', 'requestIds.kinds'];
}

function section(batch: StoredBatch, name: string): StoredSection {
  const at = sectionNames().indexOf(name);
  assert.ok(at >= 0, name);
  assert.equal(batch.sections.length, sectionNames().length, 'one section an array');
  return batch.sections[at];
}

/** A query's whole answer: its events in time order, their rows, where they are, and their text read back. */
async function answer(index: EventIndex, where: string) {
  const ids = Array.from(index.sortByTime(queryIndex(index, where), 'asc'));
  return {
    ids,
    rows: ids.map((id) => index.row(id)),
    places: ids.map((id) => [index.origin(id), index.location(id), index.value('source', id), index.values('resource', id)]),
    text: (await index.rawRecords(ids)).map((r) => r.text),
  };
}

describe('a pivot opens what it needs (cache format 12)', function () {
  this.timeout(120_000);
  const scratch = scratchFolder('ctinv-pivot-open-');

  async function trail(name: string, seed: number, events = 900): Promise<string> {
    const root = path.join(scratch(), name);
    generateTrail(root, events, seed, 9 + seed);
    await fs.rm(path.join(root, 'generated.json'));
    return root;
  }

  async function cacheFile(cacheDir: string): Promise<string> {
    const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    assert.equal(names.length, 1, 'one cache file');
    return path.join(cacheDir, names[0]);
  }

  it('stores no array of one value, and ordinals and file numbers at their width; reopened, alone or merged after another source, the index answers as the cold one', async () => {
    const first = await trail('facts-a', 4);
    const second = await trail('facts-b', 5);
    const cacheDir = path.join(scratch(), 'cache-facts');
    await Investigation.open([second], { workers: 0, cacheDir });
    const data = await fs.readFile(await cacheFile(cacheDir));
    assert.equal(data.readUInt32LE(8), CACHE_FORMAT);
    const [batch] = storedBatches(data);
    // A trail scanned from bytes: hashes left for later, records by ordinal, lower-case UUIDs.
    assert.deepEqual(
      { hashesLater: batch.facts.hashesLater, lengthsZero: batch.facts.lengthsZero, offsets: batch.facts.offsets, fileOf: batch.facts.fileOf },
      { hashesLater: 1, lengthsZero: 1, offsets: 1, fileOf: 1 },
    );
    assert.equal(typeof batch.facts.eventIdKind, 'number');
    assert.equal(typeof batch.facts.requestIdKind, 'number');
    assert.ok(Array.isArray(batch.facts.times), 'the time range');
    for (const name of ['contentHash', 'length', 'eventIds.kinds', 'requestIds.kinds']) assert.equal(section(batch, name).length, 0, `${name} is not stored`);
    for (const name of ['offset', 'fileOf']) assert.ok(['u8', 'u16'].includes(section(batch, name).kind), `${name} at its width, not ${section(batch, name).kind}`);
    assert.ok(batch.files.refs.length > 1 && batch.files.refs.every((ref) => ref >= 0), 'each file by its place in the walk');
    // Whole seconds (CloudTrail's eventTime) in four bytes an event, as the index holds them.
    assert.equal(batch.facts.storedTimes, 1);
    assert.ok(section(batch, 'time').length > 0 && section(batch, 'time').kind === 'u32');

    const cold = await Investigation.open([second], { workers: 0 });
    const reopened = await Investigation.open([second], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(reopened.summary.fromCache, true);
    const queries = ['', 'event:*', `accessKey:${cold.investigation.index.top('accessKey', undefined, 1)[0].value}`, 'NOT readOnly:true'];
    for (const where of queries) assert.deepEqual(await answer(reopened.investigation.index, where), await answer(cold.investigation.index, where), where);
    assert.deepEqual(
      reopened.investigation.index.files.map((f) => ({ ...f })),
      cold.investigation.index.files.map((f) => ({ ...f })),
      'every file entry, made when asked for',
    );

    // Into an index that holds another source, the batch is merged: its arrays are made on use.
    const both = new Investigation({ workers: 0, cacheDir });
    await both.addSource([first]).loaded;
    const merged = await both.addSource([second]).loaded;
    assert.equal(merged.fromCache, true, 'the second source came from the cache');
    const coldBoth = new Investigation({ workers: 0 });
    await coldBoth.addSource([first]).loaded;
    await coldBoth.addSource([second]).loaded;
    for (const where of queries) assert.deepEqual(await answer(both.index, where), await answer(coldBoth.index, where), `merged: ${where}`);
    assert.deepEqual(
      both.index.files.map((f) => ({ ...f })),
      coldBoth.index.files.map((f) => ({ ...f })),
    );
  });

  for (const seed of [21, 22, 23]) {
    it(`seed ${seed}: random queries on a reopened index answer as on the cold index (ids, rows, places, text read back)`, async () => {
      const folder = await trail(`random-${seed}`, seed, 600 + seed * 10);
      const cacheDir = path.join(scratch(), `cache-random-${seed}`);
      const cold = (await Investigation.open([folder], { workers: 0, cacheDir })).investigation.index;
      const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
      assert.equal(reopened.summary.fromCache, true);
      const warm = reopened.investigation.index;
      const next = random(seed);
      const fields = PIVOT_FIELDS.filter((f) => f !== 'source');
      const some = (field: (typeof fields)[number]) => {
        const values = cold.top(field, undefined, 50);
        return values.length > 0 ? values[Math.floor(next() * values.length)].value : 'none';
      };
      let answered = 0;
      for (let q = 0; q < 12; q++) {
        const field = fields[Math.floor(next() * fields.length)];
        const value = some(field).replace(/"/g, '');
        const other = fields[Math.floor(next() * fields.length)];
        const shapes = [`${field}:"${value}"`, `${field}:"${value}" AND NOT ${other}:*`, `${field}:"${value}" OR ${other}:"${some(other).replace(/"/g, '')}"`];
        const where = shapes[q % shapes.length];
        const expected = await answer(cold, where);
        if (expected.ids.length > 0) answered++;
        assert.deepEqual(await answer(warm, where), expected, where);
      }
      assert.ok(answered >= 6, `most queries find events (${answered} of 12)`);
    });
  }

  it('an identifier column says whether it holds a text exactly as comparing with its text would (a record read back is checked so)', () => {
    const uuid = 'a1b2c3d4-0000-4fff-8abc-0123456789ab';
    const texts = [uuid, uuid.toUpperCase(), 'A1b2c3d4-0000-4fff-8abc-0123456789ab', '01234567-0000-4000-8000-012345678901', 'not-a-uuid', '', undefined, 'a1b2c3d4-0000-4fff-8abc-0123456789ac', `${uuid} `];
    for (const stored of [texts, texts.map((t) => (t === undefined ? undefined : t.toUpperCase()))]) {
      const column = new UniqueIdColumn();
      for (const text of stored) column.push(text);
      for (let i = 0; i < stored.length; i++) {
        for (const text of texts) assert.equal(column.holds(i, text), column.get(i) === text, `entry ${i} (${String(stored[i])}) against ${String(text)}`);
      }
    }
  });

  /** Flips a byte of `name`'s section in the cache file. */
  async function damage(file: string, name: string): Promise<void> {
    const data = await fs.readFile(file);
    const s = section(storedBatches(data)[0], name);
    const bytes = s.length * WIDTH[s.kind];
    assert.ok(bytes > 0, `${name} is stored`);
    data[s.at + Math.floor(bytes / 2)] ^= 0x20;
    await fs.writeFile(file, data);
  }

  for (const [name, touched] of [
    ['codes.accessKey', 'the pivot scans it'],
    ['fileOf', 'the pivot reads its records through it'],
    ['spans', 'the pivot reads its records through it'],
    ['resourceCodes', 'the pivot never reads it'],
    ['requestIds.words', 'the pivot compares each record read back with it'],
    ['time', 'the pivot lists its events in time order'],
  ] as const) {
    it(`a damaged ${name} section (${touched}): the query answers as without a cache, notes the damaged cache by name, and rebuilds it`, async () => {
      const folder = await trail(`damaged-${name}`, 31);
      const cacheDir = path.join(scratch(), `cache-damaged-${name}`);
      const key = (await Investigation.open([folder], { workers: 0 })).investigation.index.top('accessKey', undefined, 1)[0].value;
      const args = ['query', folder, '--where', `accessKeyId:${key}`, '--workers', '0'];
      const expected = await runCli([...args, '--no-cache']);
      assert.equal(expected.code, 0, expected.stderr);
      assert.ok(expected.stdout.length > 0);
      const first = await runCli([...args, '--cache-dir', cacheDir]);
      assert.equal(first.stdout, expected.stdout);
      const file = await cacheFile(cacheDir);
      await damage(file, name);
      const again = await runCli([...args, '--cache-dir', cacheDir]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, expected.stdout, 'the answer is the cold one');
      assert.ok(again.stderr.includes(file), `the note names the cache file: ${again.stderr}`);
      assert.match(again.stderr, /note: .*index cache is damaged or truncated \(a section .* does not match its checksum\).*reading the evidence again/);
      const third = await runCli([...args, '--cache-dir', cacheDir]);
      assert.equal(third.stdout, expected.stdout);
      assert.doesNotMatch(third.stderr, /note:/, 'the rebuilt cache is used without a note');
    });
  }

  it('a truncated cache file (cut in its sections, after its description, or a byte short): the query answers as without a cache and notes it by name', async () => {
    const folder = await trail('truncated', 33);
    const cacheDir = path.join(scratch(), 'cache-truncated');
    const args = ['query', folder, '--where', 'event:*', '--workers', '0'];
    const expected = await runCli([...args, '--no-cache']);
    assert.equal(expected.code, 0, expected.stderr);
    await runCli([...args, '--cache-dir', cacheDir]);
    const file = await cacheFile(cacheDir);
    const whole = await fs.readFile(file);
    const { description } = tableOfContents(whole).toc;
    for (const length of [whole.length - 1, Math.floor(whole.length / 2), description.at + description.bytes + 3, description.at + 10]) {
      await fs.writeFile(file, whole.subarray(0, length));
      const again = await runCli([...args, '--cache-dir', cacheDir]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, expected.stdout, `cut at ${length} of ${whole.length}`);
      assert.ok(again.stderr.includes(file), `the note names the cache file: ${again.stderr}`);
      assert.match(again.stderr, /damaged or truncated/);
      // Rebuilt by that run: cut the same file again.
      assert.equal((await fs.readFile(await cacheFile(cacheDir))).length, whole.length);
    }
  });
});
