/**
 * Issue 13: a pivot on a reopened index reads each record back from where the cache says it
 * lies in its file's content (EventBatch.spans, kept by the trail scanner when the file was
 * indexed): the file is inflated only to the record's end and nothing is scanned to find it.
 * The text printed stays byte for byte what a cold index prints, and a file that changed is
 * still found out.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { random } from '../../../bench/records';
import { CACHE_FORMAT, decodeCache } from '../../../src/core/engine/cache';
import { Investigation } from '../../../src/core/engine/investigation';
import { EventIndex } from '../../../src/core/index/event-index';
import { RecordChangedError, readRawRecordsAt } from '../../../src/core/index/read-back';
import { oneLine } from '../../../src/core/model/raw-record';
import { queryIndex } from '../../../src/core/query/query';
import { forgeCacheForCurrentEvidence, spySteps, walked, scratchFolder } from './cache-helpers';

/** Text that is not ASCII, quotes and escapes included: every byte offset past it differs from a character offset. */
const ODD_TEXT = ['café', '日本語のテキスト', 'emoji 🙂🚀', 'quote " and \\ backslash', 'tab\tand\nnewline', 'ünïcödé', '\u2028line separator'];

function event(rand: () => number, n: number): Record<string, unknown> {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rand() * values.length)];
  const record: Record<string, unknown> = {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${pick(ODD_TEXT)}-${n % 7}`, accountId: '111122223333', accessKeyId: `AKIA${String(n % 5).padStart(16, '0')}` },
    eventTime: new Date(Date.UTC(2026, 2, 4) + n * 1000).toISOString().replace('.000', ''),
    eventSource: pick(['s3.amazonaws.com', 'ec2.amazonaws.com', 'iam.amazonaws.com']),
    eventName: pick(['GetObject', 'RunInstances', 'CreateUser']),
    awsRegion: pick(['us-east-1', 'eu-west-1']),
    sourceIPAddress: `10.0.${n % 9}.${Math.floor(rand() * 250)}`,
    userAgent: `${pick(ODD_TEXT)}/${Math.floor(rand() * 100)}`,
    requestParameters: { text: pick(ODD_TEXT).repeat(1 + Math.floor(rand() * 40)), nested: [{ a: '}]"{[' }, rand() > 0.5 ? null : 3.25] },
    eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    requestID: `req-${n}`,
  };
  return record;
}

/** A trail document's text: compact, or pretty-printed with two spaces or tabs and CRLF line ends. */
function documentText(records: unknown[], style: 'compact' | 'pretty' | 'tabs-crlf'): string {
  if (style === 'compact') return JSON.stringify({ Records: records });
  if (style === 'pretty') return JSON.stringify({ Records: records }, null, 2);
  return JSON.stringify({ Records: records }, null, '\t').replace(/\n/g, '\r\n');
}

/** Each event's raw text, by eventID. */
async function textsById(index: EventIndex): Promise<Map<string, string | undefined>> {
  const ids = Array.from(queryIndex(index, ''));
  const records = await index.rawRecords(ids);
  return new Map(ids.map((id, i) => [index.value('eventId', id) ?? `#${id}`, records[i].text]));
}

describe('pivot read-back through the spans the cache keeps', function () {
  this.timeout(120_000);
  const scratch = scratchFolder('ctinv-spans-');

  /** A folder of seeded trail files in several shapes: gzip and plain, compact and pretty, a BOM, an item that is not an event. */
  async function folderOf(name: string, seed: number): Promise<string> {
    const rand = random(seed);
    const folder = path.join(scratch(), name);
    await fs.mkdir(folder, { recursive: true });
    let n = seed * 10_000;
    const shapes = [
      ['a.json.gz', 'compact', true],
      ['b.json.gz', 'pretty', true],
      ['c.json.gz', 'tabs-crlf', true],
      ['d.json', 'pretty', false],
      ['e.json', 'compact', false],
      ['f.json.gz', 'compact', true],
    ] as const;
    for (const [file, style, gzip] of shapes) {
      const records: unknown[] = Array.from({ length: 3 + Math.floor(rand() * 60) }, () => event(rand, n++));
      // An item that is not an event (the file then has a problem: its ordinals are not its items').
      if (file === 'f.json.gz') records.splice(2, 0, { note: 'not an event' });
      let data = Buffer.from(documentText(records, style));
      if (file === 'd.json') data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), data]);
      await fs.writeFile(path.join(folder, file), gzip ? zlib.gzipSync(data) : data);
    }
    return folder;
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every record read back from a reopened cache is byte for byte what the cold index reads back (multi-byte text, pretty-printed, gzip and plain, a BOM)`, async () => {
      const folder = await folderOf(`same-${seed}`, seed);
      const cacheDir = path.join(scratch(), `cache-same-${seed}`);
      const cold = await Investigation.open([folder], { workers: 0 });
      const expected = await textsById(cold.investigation.index);
      assert.ok(expected.size > 20);
      await Investigation.open([folder], { workers: 0, cacheDir });
      // The cache holds every record's span, and each is exactly its record's text in its file's content.
      const [name] = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
      const files = (await walked(folder)).sort((a, b) => (a.path < b.path ? -1 : 1));
      const [batch] = decodeCache(await fs.readFile(path.join(cacheDir, name)), files).batches;
      // The index adopts the batch row for row: event i is row i.
      const rows = (await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true })).investigation.index;
      assert.equal(rows.size, batch.count);
      assert.equal(batch.spans.length, batch.count * 2);
      for (let i = 0; i < batch.count; i++) {
        const file = batch.files[batch.fileOf[i]].path;
        const data = await fs.readFile(file);
        const content = file.endsWith('.gz') ? zlib.gunzipSync(data) : data;
        const [start, end] = [batch.spans[2 * i], batch.spans[2 * i + 1]];
        assert.ok(end > start, `event ${i} of ${path.basename(file)} has a span`);
        assert.equal(oneLine(content.toString('utf8', start, end)), expected.get(rows.value('eventId', i)!), `event ${i} of ${path.basename(file)}`);
      }
      const spy = spySteps();
      try {
        const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
        assert.equal(reopened.summary.fromCache, true);
        const got = await textsById(reopened.investigation.index);
        assert.deepEqual(got, expected);
        assert.ok([...got.values()].some((text) => text?.includes('🙂')), 'multi-byte text read back');
        // Each gzip file inflated once, straight to its last record's end.
        assert.equal(spy.inflated().length, 4);
      } finally {
        spy.restore();
      }
    });
  }

  it('with its span, a record is inflated only to its end (not found by inflating more and more), and a span that is off is not trusted', async () => {
    const rand = random(7);
    const records = [{ ...event(rand, 0), requestParameters: { pad: 'é'.repeat(200_000) } }, ...Array.from({ length: 5 }, (_, i) => event(rand, i + 1))];
    const texts = records.map((r) => JSON.stringify(r));
    const prefix = '{"Records":[';
    const starts: number[] = [];
    let at = Buffer.byteLength(prefix);
    for (const text of texts) {
      starts.push(at);
      at += Buffer.byteLength(text) + 1;
    }
    const file = path.join(scratch(), 'uneven.json.gz');
    const content = Buffer.from(`${prefix}${texts.join(',')}]}`);
    await fs.writeFile(file, zlib.gzipSync(content));
    const span = (i: number) => [starts[i], starts[i] + Buffer.byteLength(texts[i])];
    const spy = spySteps();
    try {
      for (const wanted of [[0], [1], [0, 3]]) {
        const raw = await readRawRecordsAt(file, 'trail', wanted.map((i) => ({ offset: i, length: 0 })), { everyItemAnEvent: true, records: records.length, spans: wanted.flatMap(span) });
        assert.deepEqual(raw.map((r) => r.text), wanted.map((i) => texts[i]));
        const end = Math.max(...wanted.map((i) => span(i)[1]));
        const last = spy.inflated().at(-1)!;
        assert.equal(last.complete, false);
        assert.ok(last.bytes >= end && last.bytes <= end + 8192, `${last.bytes} bytes inflated for a record ending at ${end}`);
      }
      // Spans one byte off, or past the end: the record is found as without them.
      for (const spans of [[starts[2] + 1, starts[2] + 1 + Buffer.byteLength(texts[2])], [starts[2] - 1, starts[2] - 1 + Buffer.byteLength(texts[2])], [content.length + 10, content.length + 20]]) {
        const raw = await readRawRecordsAt(file, 'trail', [{ offset: 2, length: 0 }], { everyItemAnEvent: true, records: records.length, spans });
        assert.equal(raw[0].text, texts[2]);
      }
    } finally {
      spy.restore();
    }
  });

  it('a file changed after caching is found out through its spans (records swapped), and one only moved (spaces before its records) still reads back right', async () => {
    const folder = await folderOf('changed', 9);
    const cacheDir = path.join(scratch(), 'cache-changed');
    const cold = await Investigation.open([folder], { workers: 0 });
    const expected = await textsById(cold.investigation.index);
    await Investigation.open([folder], { workers: 0, cacheDir });

    // Moved: the same records, each further into the file (every span now points elsewhere).
    const moved = path.join(folder, 'a.json.gz');
    const movedText = zlib.gunzipSync(await fs.readFile(moved)).toString('utf8');
    await fs.writeFile(moved, zlib.gzipSync(movedText.replace('{"Records":[', '{"Records":   [  ')));
    await forgeCacheForCurrentEvidence(cacheDir, folder);
    const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(reopened.summary.fromCache, true, 'the forged cache is taken for the evidence');
    assert.deepEqual(await textsById(reopened.investigation.index), expected);

    // Swapped: records 1 and 2 of a file change places: what lies at record 1's span is record 2.
    const swapped = path.join(folder, 'b.json.gz');
    const document = JSON.parse(zlib.gunzipSync(await fs.readFile(swapped)).toString('utf8')) as { Records: unknown[] };
    [document.Records[1], document.Records[2]] = [document.Records[2], document.Records[1]];
    await fs.writeFile(swapped, zlib.gzipSync(documentText(document.Records, 'pretty')));
    await forgeCacheForCurrentEvidence(cacheDir, folder);
    const forged = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(forged.summary.fromCache, true);
    const index = forged.investigation.index;
    const inFile = Array.from(queryIndex(index, '')).filter((id) => index.origin(id).path === swapped && index.location(id).offset === 1);
    assert.equal(inFile.length, 1);
    await assert.rejects(index.rawRecords(inFile), (error: unknown) => error instanceof RecordChangedError && error.message.includes(swapped) && /no longer matches/.test(error.message));
    assert.deepEqual((await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx')), [], 'the cache that disagrees with the evidence was deleted');
  });

  it('a cache of the previous format is not used: the evidence is read again (the same answers), and the cache rewritten in this one', async () => {
    const folder = await folderOf('older', 4);
    const cacheDir = path.join(scratch(), 'cache-older');
    const cold = await Investigation.open([folder], { workers: 0 });
    const expected = await textsById(cold.investigation.index);
    await Investigation.open([folder], { workers: 0, cacheDir });
    const [name] = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
    const file = path.join(cacheDir, name);
    const data = await fs.readFile(file);
    assert.equal(data.readUInt32LE(8), CACHE_FORMAT);
    // Format 10 stored every array (one value throughout too) and its files as a list of arrays: read as this one, it would not fit.
    data.writeUInt32LE(CACHE_FORMAT - 1, 8);
    await fs.writeFile(file, data);
    const again = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(again.summary.fromCache, false);
    assert.deepEqual(await textsById(again.investigation.index), expected);
    const rewritten = await fs.readFile(file);
    assert.equal(rewritten.readUInt32LE(8), CACHE_FORMAT);
    const reopened = await Investigation.open([folder], { workers: 0, cacheDir, deferIndex: true });
    assert.equal(reopened.summary.fromCache, true);
    assert.deepEqual(await textsById(reopened.investigation.index), expected);
  });
});
