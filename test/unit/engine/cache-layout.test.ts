/**
 * Issue 13: the cache's section layout (format 12: a checksummed table of contents, description
 * and sections), the key read from the walk's one stat pass, and raw records read back by
 * ordinal from one read of their file.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CACHE_FORMAT, cacheIdentity, decodeCache, inKeyOrder } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { FileIdentities, IDENTITY_NUMBERS, fileIdentity } from '../../../src/core/sources/walk';
import { walkEvidence } from '../../../src/core/sources/index';
import { EvidenceFile } from '../../../src/core/sources/types';
import { random } from '../../../bench/generate';
import { HEADER, WHOLE_SECOND, tableOfContents } from './cache-helpers';
import { record } from './helpers';
import { queryIndex } from '../../../src/core/query/query';

/** Rewrites a cache file's checksums (description, table of contents) so that only the layout checks can refuse it. */
function resealed(data: Buffer): Buffer {
  const { toc, bytes } = tableOfContents(data);
  const { at, bytes: length } = toc.description;
  toc.description.crc = zlib.crc32(data.subarray(at, at + length));
  const text = Buffer.from(JSON.stringify(toc).padEnd(bytes, ' '));
  assert.equal(text.length, bytes);
  text.copy(data, HEADER);
  data.writeUInt32LE(zlib.crc32(data.subarray(HEADER, HEADER + bytes)), 16);
  return data;
}

const byPath = (a: EvidenceFile, b: EvidenceFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

async function walkedInKeyOrder(folder: string): Promise<EvidenceFile[]> {
  const files: EvidenceFile[] = [];
  for await (const slice of walkEvidence([folder], { onProblem: () => undefined })) files.push(...slice);
  return files.sort(byPath);
}

describe('index cache layout (format 12) and reopening', () => {
  let evidence: string;
  let cacheDir: string;
  beforeEach(async () => {
    evidence = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-layout-'));
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-layout-cache-'));
    const rand = random(1313);
    for (let f = 0; f < 4; f++) {
      const records = Array.from({ length: 1 + Math.floor(rand() * 300) }, (_, i) =>
        record({ eventName: ['ListUsers', 'CreateUser', 'GetObject'][i % 3], sourceIPAddress: `198.51.100.${Math.floor(rand() * 250)}`, userAgent: `agent-${Math.floor(rand() * 1000)}` }),
      );
      await fs.writeFile(path.join(evidence, `trail-${f}.json`), JSON.stringify({ Records: records }));
    }
    for (const name of await fs.readdir(evidence)) await fs.utimes(path.join(evidence, name), WHOLE_SECOND, WHOLE_SECOND);
  });
  afterEach(async () => {
    await fs.rm(evidence, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  async function cacheFile(): Promise<string> {
    const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    assert.equal(names.length, 1);
    return path.join(cacheDir, names[0]);
  }

  /** Everything a pivot or a listing answers from, per event. */
  async function everything(investigation: Investigation) {
    const index = investigation.index;
    const ids = Array.from(queryIndex(index, ''));
    return { rows: ids.map((id) => index.row(id)), ips: index.top('ip', undefined, 1000), raw: (await index.rawRecords(ids)).map((r) => r.text) };
  }

  it('decodes to the batches it was written from: the reopened index equals the parsed one', async () => {
    const cold = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(cold.summary.fromCache, false);
    const data = await fs.readFile(await cacheFile());
    assert.equal(data.readUInt32LE(8), CACHE_FORMAT);
    const decoded = decodeCache(data, await walkedInKeyOrder(evidence));
    assert.equal(decoded.batches.reduce((sum, b) => sum + b.count, 0), cold.summary.events);
    const storedTimes = decoded.facts?.[0].storedTimes;
    assert.ok(storedTimes instanceof Uint32Array && storedTimes.buffer === data.buffer, 'sections are views of the file, not copies');
    const warm = await Investigation.open([evidence], { cacheDir, workers: 0 });
    assert.equal(warm.summary.fromCache, true);
    assert.deepEqual(await everything(warm.investigation), await everything(cold.investigation));
  });

  for (const [damage, edit] of [
    ['a section placed past the end of the file', (text: string) => text.replace(/"at":(\d+)/, (_m, at: string) => `"at":${'9'.repeat(at.length)}`)],
    ['a section of an unknown kind', (text: string) => text.replace(/"kind":"f64"/, '"kind":"f65"')],
    ['a section missing from a batch', (text: string) => text.replace(/\{"kind":"[a-z0-9]+","at":\d+,"length":\d+,"crc":\d+\},/, '')],
    ['a description that is not JSON', (text: string) => text.replace('{', '[')],
  ] as const) {
    it(`refuses ${damage} even under a valid checksum, with a note, and reads the folder again`, async () => {
      const cold = await Investigation.open([evidence], { cacheDir, workers: 0 });
      const file = await cacheFile();
      const data = await fs.readFile(file);
      const { at, bytes: room } = tableOfContents(data).toc.description;
      const text = data.toString('utf8', at, at + room);
      const changed = Buffer.from(edit(text).padEnd(room, ' '));
      assert.notEqual(changed.toString(), text, 'the description was damaged');
      assert.equal(changed.length, room);
      changed.copy(data, at);
      await fs.writeFile(file, resealed(data));
      const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
      assert.equal(again.summary.fromCache, false);
      assert.equal(again.summary.events, cold.summary.events);
      assert.match((again.summary.notes ?? []).join('\n'), /cannot be decoded|not an index cache|damaged or truncated/);
    });
  }

  it('the walk gives each file the identity a stat of it gives, and the same key as a separate stat pass', async () => {
    const identities = new FileIdentities();
    const files: EvidenceFile[] = [];
    for await (const slice of walkEvidence([evidence], { onProblem: () => undefined, identities })) files.push(...slice);
    assert.equal(identities.size, 4);
    for (const file of files) assert.equal(identities.get(file.path), fileIdentity(file.path));
    assert.equal(cacheIdentity([evidence], files, identities).key, cacheIdentity([evidence], files).key);
  });

  it('the walk\'s identities know whether it added the files in key order; a key taken in any other order, or of files it did not walk, is the key of a separate stat pass', async () => {
    // Walked as a/x, a/z, a-b/y (each folder in name order); in key order a-b/y comes first ("-" sorts before "/").
    const mixed = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-layout-order-'));
    try {
      for (const file of ['a/x.json', 'a/z.json', 'a-b/y.json']) {
        await fs.mkdir(path.dirname(path.join(mixed, file)), { recursive: true });
        await fs.writeFile(path.join(mixed, file), '{"Records":[]}');
      }
      for (const statInFolder of [false, true]) {
        for (const [folder, ordered] of [[evidence, true], [mixed, false]] as const) {
          const identities = new FileIdentities();
          const files: EvidenceFile[] = [];
          for await (const slice of walkEvidence([folder], { onProblem: () => undefined, identities, statInFolder })) files.push(...slice);
          const what = `${path.basename(folder)}, statInFolder ${statInFolder}`;
          assert.equal(identities.inKeyOrder(files), ordered, what);
          const sorted = inKeyOrder(files, identities);
          assert.equal(sorted === files, ordered, what);
          assert.deepEqual(sorted.map((f) => f.path), [...files].sort(byPath).map((f) => f.path), what);
          const separate = cacheIdentity([folder], files).key;
          for (const list of [files, sorted, [...files].reverse(), files.slice(1)]) {
            assert.equal(identities.inKeyOrder(list), ordered && list === files, what);
            assert.equal(cacheIdentity([folder], list, identities).key, list.length === files.length ? separate : cacheIdentity([folder], list).key, what);
          }
        }
      }
    } finally {
      await fs.rm(mixed, { recursive: true, force: true });
    }
  });

  it('identities added out of key order, looked up by place or by path', () => {
    const identities = new FileIdentities();
    const number = (n: number) => Float64Array.from({ length: IDENTITY_NUMBERS }, (_, k) => n * 10 + k);
    identities.addNumbers('/e/b', number(1), false);
    identities.addNumbers('/e/c', number(2), true);
    assert.equal(identities.inKeyOrder([{ path: '/e/b' }, { path: '/e/c' }]), true);
    identities.addNumbers('/e/a', number(3), false);
    assert.equal(identities.inKeyOrder([{ path: '/e/b' }, { path: '/e/c' }, { path: '/e/a' }]), false, 'a path that sorts before the one added before it');
    const out = new Float64Array(IDENTITY_NUMBERS);
    assert.equal(identities.copyAt(2, '/e/a', out, 0), true);
    assert.deepEqual([...out], [...number(3)]);
    assert.equal(identities.copyAt(0, '/e/c', out, 0), true, 'not at that place: found by its path');
    assert.deepEqual([...out], [...number(2)]);
    assert.equal(identities.copyAt(1, '/e/missing', out, 0), false);
    assert.equal(identities.get('/e/missing'), undefined);
    assert.equal(identities.get('/e/b'), '10:11:12:13:14');
    assert.equal(identities.size, 3);
  });

  for (const [field, change] of [
    ['ctime only (a chmod)', (file: string) => fs.chmod(file, 0o600)],
    ['inode (replaced by a copy with the same size and times)', async (file: string) => {
      const copy = `${file}.tmp`;
      await fs.copyFile(file, copy);
      await fs.utimes(copy, WHOLE_SECOND, WHOLE_SECOND);
      await fs.rename(copy, file);
    }],
    ['mtime only (touched)', (file: string) => fs.utimes(file, WHOLE_SECOND, new Date(WHOLE_SECOND.getTime() + 1000))],
    ['size (one byte more)', (file: string) => fs.appendFile(file, ' ')],
  ] as const) {
    it(`a reopen notices a file whose ${field} changed, and reads the evidence again`, async () => {
      await Investigation.open([evidence], { cacheDir, workers: 0 });
      const before = fileIdentity(path.join(evidence, 'trail-2.json'));
      // ctime has nanoseconds, but a change within the same clock tick could leave it equal.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await change(path.join(evidence, 'trail-2.json'));
      assert.notEqual(fileIdentity(path.join(evidence, 'trail-2.json')), before);
      const again = await Investigation.open([evidence], { cacheDir, workers: 0 });
      assert.equal(again.summary.fromCache, false);
      const third = await Investigation.open([evidence], { cacheDir, workers: 0 });
      assert.equal(third.summary.fromCache, true, 'and caches the new state');
    });
  }
});

describe('raw records read back by ordinal (one read of the file)', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-ordinal-'));
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it("gives each record of a trail file its own bytes, also after items the trail scanner hands on (not events, escaped keys, wrapped, Insights)", async () => {
    const rand = random(77);
    const items: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = i % 10;
      if (kind === 3) items.push({ note: `not an event ${i}` });
      else if (kind === 5) items.push(record({ eventName: `Escaped${i}` }));
      else if (kind === 7) items.push({ detail: record({ eventName: `Wrapped${i}` }) });
      else if (kind === 8) items.push(record({ eventName: `Insight${i}`, eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight', insightDetails: { state: 'Start', eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com' } }));
      else items.push(record({ eventName: `Call${i}`, sourceIPAddress: `203.0.113.${Math.floor(rand() * 250)}` }));
    }
    // Pretty-printed, so each record's bytes differ from its one-line text.
    // An escaped key sends a record to the generic path; the text keeps the escape.
    const text = JSON.stringify({ Records: items }, null, kindOfSpacing(rand)).replace(/"eventName": "Escaped/g, '"event\\u004eame": "Escaped');
    assert.ok(text.includes('"event\\u004eame": "Escaped5"'));
    await fs.writeFile(path.join(folder, 'trail.json'), text);
    const { investigation, summary } = await Investigation.open([folder], { workers: 0 });
    const index = investigation.index;
    const ids = Array.from(queryIndex(index, ''));
    assert.equal(ids.length, summary.events);
    assert.ok(ids.length >= 48, `the events were read (${ids.length})`);
    const raw = await index.rawRecords(ids);
    const expected = new Map<string, unknown>();
    for (const item of items) {
      const event = (item as { detail?: unknown }).detail ?? item;
      const id = (event as { eventID?: string }).eventID;
      if (id) expected.set(id, event);
    }
    raw.forEach((r, i) => {
      assert.equal(r.event.eventID, index.value('eventId', ids[i]));
      assert.deepEqual(r.event, expected.get(r.event.eventID as string));
      assert.deepEqual(JSON.parse(r.text), r.event);
      assert.ok(!r.text.includes('\n'), 'one line');
    });
    // Records that are the file's items are printed from the file's bytes (the escaped key kept as written).
    const escaped = raw.find((r) => String(r.event.eventName).startsWith('Escaped'));
    assert.ok(escaped?.fromFile && escaped.text.includes('event\\u004eame'));
    // In a different order, one at a time: the same records.
    for (const i of [ids.length - 1, 0, 17]) assert.deepEqual((await index.rawRecords([ids[i]]))[0].text, raw[i].text);
  });
});

function kindOfSpacing(rand: () => number): number {
  return 1 + Math.floor(rand() * 3);
}
