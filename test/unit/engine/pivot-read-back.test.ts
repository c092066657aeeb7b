/**
 * Issue 13: a pivot on a cached index reads back only what its output needs. Records located by
 * ordinal in a gzip trail file are read by inflating the file only as far as the last wanted
 * record ends; the answers stay exactly the cold build's, and a record that changed is still
 * found out.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { generateTrail } from '../../../bench/generate';
import { Investigation } from '../../../src/core/engine/investigation';
import { RecordChangedError, readRawRecordsAt, readRecordsAt } from '../../../src/core/index/read-back';
import { queryIndex } from '../../../src/core/query/query';
import { GzipInflater } from '../../../src/core/sources/inflate';
import { RecordLocation } from '../../../src/core/sources/types';
import { runCli } from '../run-cli';
import { readAll } from '../sources/helpers';
import { forgeCacheForCurrentEvidence, spySteps, scratchFolder } from './cache-helpers';
import { random } from '../../../bench/records';

describe('pivot read-back: only as far as the wanted records', function () {
  this.timeout(120_000);
  const scratch = scratchFolder('ctinv-pivot-');

  it('GzipInflater.steps hands out prefixes of the content, no more than asked for by much, and finds damage where it reaches it', () => {
    const rand = random(5);
    const text = Buffer.from(Array.from({ length: 40_000 }, () => Math.floor(rand() * 1e9).toString(36)).join(','));
    const compressed = zlib.gzipSync(text);
    const inflater = new GzipInflater();
    for (const ask of [1, 1000, 65_536, 200_000, text.length, text.length * 2]) {
      const steps = inflater.steps(compressed, 1 << 24);
      const step = steps.upTo(ask);
      assert.ok(step);
      assert.ok(step.content.length >= Math.min(ask, text.length), `at least ${ask} bytes`);
      assert.ok(step.content.length <= Math.max(ask, 8192) || step.complete, 'not the whole file when a prefix was asked for');
      assert.ok(step.content.equals(text.subarray(0, step.content.length)), 'a prefix of the content');
      if (step.complete) assert.equal(step.content.length, text.length);
      const more = steps.upTo(text.length + 1);
      assert.ok(more?.complete);
      assert.ok(more.content.equals(text));
      steps.stop();
    }
    // A file cut short: its beginning is there; asking past the cut finds it damaged.
    const cut = compressed.subarray(0, Math.floor(compressed.length / 2));
    const steps = inflater.steps(cut, 1 << 24);
    const head = steps.upTo(1000);
    assert.ok(head && head.content.equals(text.subarray(0, head.content.length)));
    assert.equal(steps.upTo(text.length), undefined);
    steps.stop();
    // Larger than allowed.
    const capped = inflater.steps(compressed, 10_000);
    assert.equal(capped.upTo(text.length), undefined);
    capped.stop();
    // The inflater is whole again for the next file.
    assert.ok(inflater.inflate(compressed, text.length, 1 << 24)?.equals(text));
  });

  it('records by ordinal from gzip trail files: each what the reader emitted, whatever was read before, inflating only a prefix when the last wanted record is early', async () => {
    const rand = random(11);
    const event = (i: number, pad: number) => ({ eventVersion: '1.08', eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z', eventID: `id-${i}`, awsRegion: 'us-east-1', requestParameters: { pad: 'x'.repeat(pad), nested: [{ a: '}]"\\' }] } });
    const files: { file: string; events: unknown[]; locations: RecordLocation[] }[] = [];
    for (const [name, count, pad, items] of [
      ['tiny.json.gz', 300, 0, null],
      ['large.json.gz', 400, 3000, null],
      ['mixed.json.gz', 200, 500, 'mixed'],
      ['one.json.gz', 1, 10, null],
    ] as const) {
      const file = path.join(scratch(), name);
      const records: unknown[] = Array.from({ length: count }, (_, i) => event(i, pad + Math.floor(rand() * 200)));
      // Items that are not events, before and between: ordinals count events only.
      if (items === 'mixed') for (let k = 0; k < 20; k++) records.splice(Math.floor(rand() * records.length), 0, k % 2 ? { note: `not an event ${k}` } : k);
      await fs.writeFile(file, zlib.gzipSync(JSON.stringify({ Records: records })));
      const read = await readAll(file);
      assert.ok(read.locations.every((l) => l.length === 0), `${name} is read whole, by ordinal`);
      assert.equal(read.events.length, count);
      files.push({ file, events: read.events, locations: read.locations });
    }
    const spy = spySteps();
    try {
      // Random picks in a random order of files, so that each read starts from another's estimate.
      for (let round = 0; round < 40; round++) {
        const { file, events, locations } = files[Math.floor(rand() * files.length)];
        const picks = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Math.floor(rand() * Math.min(events.length, round % 5 === 0 ? 3 : events.length)));
        // The index's hint that every item is an event (no problem found in the file) is given for the files where it holds.
        const hint = { everyItemAnEvent: !file.includes('mixed') && round % 2 === 0 };
        const got = await readRecordsAt(file, 'trail', picks.map((p) => locations[p]), hint);
        assert.deepEqual(got, picks.map((p) => events[p]), `${path.basename(file)} #${picks.join(',')}`);
        const raw = await readRawRecordsAt(file, 'trail', picks.map((p) => locations[p]), hint);
        assert.deepEqual(raw.map((r) => JSON.parse(r.text!) as unknown), picks.map((p) => events[p]));
      }
      // The first records of the large file: a prefix of it is inflated, not the whole.
      const large = files[1];
      const whole = zlib.gunzipSync(await fs.readFile(large.file)).length;
      for (const everyItemAnEvent of [false, true]) {
        assert.deepEqual(await readRecordsAt(large.file, 'trail', [large.locations[2]], { everyItemAnEvent }), [large.events[2]]);
        const last = spy.inflated().at(-1)!;
        assert.equal(last.complete, false);
        assert.ok(last.bytes < whole / 10, `${last.bytes} bytes of ${whole} inflated`);
      }
    } finally {
      spy.restore();
    }
  });

  it('with the count of records as a hint, a record is found by inflating about its share of the content, and found still when records differ in length or the trailer lies about the length', async () => {
    const rand = random(31);
    const event = (i: number, pad: number) => ({ eventVersion: '1.08', eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z', eventID: `id-${i}`, requestParameters: { pad: 'p'.repeat(pad) } });
    const even = Array.from({ length: 200 }, (_, i) => event(i, 1000 + Math.floor(rand() * 100)));
    // The first record is most of the content: record 1's share of it says far too little.
    const uneven = [event(0, 400_000), ...Array.from({ length: 9 }, (_, i) => event(i + 1, 10))];
    const spy = spySteps();
    try {
      for (const [name, records] of [
        ['uneven.json.gz', uneven],
        ['even.json.gz', even],
      ] as const) {
        const file = path.join(scratch(), name);
        const compressed = zlib.gzipSync(JSON.stringify({ Records: records }));
        await fs.writeFile(file, compressed);
        const { events, locations } = await readAll(file);
        const whole = zlib.gunzipSync(compressed).length;
        for (let round = 0; round < 12; round++) {
          const picks = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => Math.floor(rand() * records.length));
          const raw = await readRawRecordsAt(file, 'trail', picks.map((p) => locations[p]), { everyItemAnEvent: true, records: records.length });
          assert.deepEqual(raw.map((r) => JSON.parse(r.text!) as unknown), picks.map((p) => events[p]), `${name} #${picks.join(',')}`);
        }
        if (name === 'even.json.gz') {
          // After a file of one huge record (the estimate from the files read before is then
          // far too large), record 19 of 200 ends about a tenth into this one's content: not much
          // more is inflated.
          const huge = path.join(scratch(), 'huge.json.gz');
          await fs.writeFile(huge, zlib.gzipSync(JSON.stringify({ Records: [event(0, 300_000)] })));
          await readRawRecordsAt(huge, 'trail', [{ offset: 0, length: 0 }], { everyItemAnEvent: true, records: 1 });
          await readRawRecordsAt(file, 'trail', [locations[19]], { everyItemAnEvent: true, records: records.length });
          const last = spy.inflated().at(-1)!;
          assert.equal(last.complete, false);
          assert.ok(last.bytes < whole * 0.2, `${last.bytes} bytes of ${whole} inflated`);
        }
        // A trailer that says the content is empty, or huge, is only a first guess: an early record
        // is found from a prefix (the trailer, checked at the end of the content, is not reached).
        if (name === 'uneven.json.gz') continue;
        for (const size of [0, 0xffffffff]) {
          const lying = Buffer.from(compressed);
          lying.writeUInt32LE(size, lying.length - 4);
          const liar = path.join(scratch(), `lying-${size}-${name}`);
          await fs.writeFile(liar, lying);
          const raw = await readRawRecordsAt(liar, 'trail', [locations[1]], { everyItemAnEvent: true, records: records.length });
          assert.deepEqual(JSON.parse(raw[0].text!), events[1]);
        }
      }
    } finally {
      spy.restore();
    }
  });

  it('a record past the end of a shorter file, with or without the hint, is named as not there any more', async () => {
    const file = path.join(scratch(), 'short.json.gz');
    const records = Array.from({ length: 5 }, (_, i) => ({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z', eventID: `id-${i}` }));
    await fs.writeFile(file, zlib.gzipSync(JSON.stringify({ Records: records })));
    for (const everyItemAnEvent of [false, true]) {
      await assert.rejects(readRecordsAt(file, 'trail', [{ offset: 7, length: 0 }], { everyItemAnEvent }), (error: unknown) => error instanceof RecordChangedError && /record #7 is not there any more/.test(error.message));
      assert.deepEqual(await readRecordsAt(file, 'trail', [{ offset: 4, length: 0 }], { everyItemAnEvent }), [records[4]]);
    }
  });

  /** A seeded trail in the AWSLogs layout, files of `perFile` events. */
  async function trail(name: string, seed: number, events: number, perFile: number): Promise<string> {
    const root = path.join(scratch(), name);
    generateTrail(root, events, seed, perFile);
    await fs.rm(path.join(root, 'generated.json'));
    return root;
  }

  for (const [seed, events, perFile] of [
    [21, 900, 7],
    [22, 1200, 150],
    [23, 700, 400],
  ] as const) {
    it(`seed ${seed}, ${perFile} events a file: ctinv query on a lazily opened cache prints exactly what the cold build prints, single and combined filters`, async () => {
      const folder = await trail(`cli-${seed}`, seed, events, perFile);
      const cacheDir = path.join(scratch(), `cache-cli-${seed}`);
      const cold = await Investigation.open([folder], { workers: 0 });
      const index = cold.investigation.index;
      const rand = random(seed);
      const ids = Array.from(queryIndex(index, ''));
      const pick = () => index.row(ids[Math.floor(rand() * ids.length)]);
      const a = pick();
      const b = pick();
      const byTime = index.sortByTime(queryIndex(index, ''), 'asc');
      const middle = new Date(index.row(byTime[byTime.length >> 1]).time).toISOString();
      const early = index.row(byTime[Math.floor(rand() * (byTime.length >> 1))]);
      const filters = [
        `accessKeyId:${a.accessKey}`,
        `ip:${a.ip}`,
        `accessKeyId:${a.accessKey} AND eventName:${a.eventName}`,
        `accessKeyId:${a.accessKey} OR accessKeyId:${b.accessKey}`,
        `NOT accessKeyId:${a.accessKey} AND eventName:${b.eventName}`,
        `accessKeyId:${b.accessKey} AND time>=${new Date(b.time).toISOString()}`,
        `eventName:${early.eventName} AND time<${middle}`,
      ];
      // The first run writes the cache; every later one opens it lazily.
      const warmUp = await runCli(['query', folder, '--where', filters[0], '--cache-dir', cacheDir, '--workers', '0']);
      assert.equal(warmUp.code, 0, warmUp.stderr);
      for (const where of filters) {
        for (const format of ['ndjson', 'csv']) {
          const expected = await runCli(['query', folder, '--where', where, '--format', format, '--no-cache', '--workers', '0']);
          const cached = await runCli(['query', folder, '--where', where, '--format', format, '--cache-dir', cacheDir, '--workers', '0']);
          assert.equal(expected.code, 0, expected.stderr);
          assert.equal(cached.code, 0, cached.stderr);
          assert.ok(expected.stdout.length > 0, `${where} (${format}) matches something`);
          assert.equal(cached.stdout, expected.stdout, `${where} (${format})`);
          assert.equal(cached.stderr, expected.stderr);
        }
      }
      const all = await runCli(['query', folder, '--where', filters[0], '--cache-dir', cacheDir, '--workers', '0']);
      assert.doesNotMatch(all.stderr, /note:/, 'the cache was used throughout');
    });
  }

  it('a record edited since the cache was written (its file forged to look unchanged) is found out when read back from a prefix', async () => {
    const folder = await trail('changed', 31, 600, 200);
    const cacheDir = path.join(scratch(), 'cache-changed');
    await Investigation.open([folder], { workers: 0, cacheDir });
    // The file of an early record: its third record's source IP is changed, same length.
    const opened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    const index = opened.investigation.index;
    const id = Array.from(queryIndex(index, '')).find((i) => index.location(i).offset === 2 && index.location(i).length === 0)!;
    assert.ok(id !== undefined);
    const file = index.origin(id).path;
    const ip = index.row(id).ip!;
    const content = zlib.gunzipSync(await fs.readFile(file)).toString('utf8');
    const records = (JSON.parse(content) as { Records: { sourceIPAddress: string }[] }).Records;
    assert.equal(records[2].sourceIPAddress, ip);
    const other = ip.replace(/\d(?=[^\d]*$)/, (d) => String((Number(d) + 1) % 10));
    records[2].sourceIPAddress = other;
    await fs.writeFile(file, zlib.gzipSync(JSON.stringify({ Records: records })));
    await forgeCacheForCurrentEvidence(cacheDir, folder);

    const forged = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(forged.summary.fromCache, true, 'the forged cache is taken for the evidence');
    const spy = spySteps();
    try {
      const lazy = forged.investigation.index;
      const hits = Array.from(queryIndex(lazy, `ip:${ip}`)).filter((i) => lazy.origin(i).path === file && lazy.location(i).offset === 2);
      assert.equal(hits.length, 1);
      await assert.rejects(lazy.rawRecords(hits), (error: unknown) => error instanceof RecordChangedError && error.message.includes(file) && /sourceIPAddress|ip|no longer matches/.test(error.message));
      assert.equal(spy.inflated().at(-1)?.complete, false, 'found from a prefix of the file');
    } finally {
      spy.restore();
    }
    const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    assert.equal(names.length, 0, 'the cache that disagrees with the evidence was deleted');
  });
});
