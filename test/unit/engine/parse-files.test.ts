/**
 * parseFiles reads the files of a run one after the other with the same context: one read
 * buffer, one inflater, one builder, and the reader's callbacks made once. Whatever a file
 * leaves behind in them must never show in the next one: every file parsed in a run gives
 * exactly what it gives parsed alone, with a context of its own.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BATCH_EVENTS, newParseContext, parseFiles } from '../../../src/core/engine/parse-files';
import { EventBatch } from '../../../src/core/index/batch';
import { JsonObject } from '../../../src/core/model/event';
import { ReadBuffer, openEvidenceSync } from '../../../src/core/sources/content';
import { readEvidenceFile, readEvidenceFileNow } from '../../../src/core/sources/read';
import { EvidenceFile, ReadResult } from '../../../src/core/sources/types';
import { FORMATS } from '../sources/helpers';
import { decode, record } from './helpers';

function trail(count: number, name: string, padding = 0): string {
  const records: JsonObject[] = [];
  for (let i = 0; i < count; i++) records.push(record({ eventName: `${name}${i % 7}`, requestParameters: padding ? { note: 'x'.repeat(padding) } : null }));
  return JSON.stringify({ Records: records });
}

function evidence(file: string): EvidenceFile {
  const stat = fs.statSync(file);
  return { path: file, size: stat.size, mtimeMs: stat.mtimeMs };
}

async function parse(files: EvidenceFile[]): Promise<EventBatch[]> {
  const batches: EventBatch[] = [];
  await parseFiles(files, (batch) => batches.push(batch), undefined, newParseContext());
  return batches;
}

/** Each file's entries and events, decoded, with what the reader saw of it (its identity and CRC). */
function byFile(batches: EventBatch[]): Map<string, { files: unknown[]; events: unknown[]; seen: unknown[] }> {
  const out = new Map<string, { files: unknown[]; events: unknown[]; seen: unknown[] }>();
  const of = (file: string) => {
    let entry = out.get(file);
    if (!entry) out.set(file, (entry = { files: [], events: [], seen: [] }));
    return entry;
  };
  const { files, events } = decode(batches);
  for (const file of files as { path: string }[]) of(file.path).files.push(file);
  for (const event of events as { file: string }[]) of(event.file).events.push(event);
  for (const batch of batches) for (const file of batch.files) of(file.path).seen.push({ seen: file.seen, layout: file.layout, size: file.size, mtimeMs: file.mtimeMs });
  return out;
}

describe('parseFiles: the files of a run share one context and leave nothing in it for the next', function () {
  this.timeout(120_000);
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-parse-files-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it('reads into one reused buffer: files of very different sizes each give exactly what they give alone', async () => {
    const gz = (text: string) => zlib.gzipSync(text);
    const whole = gz(trail(300, 'Cut'));
    const paths = [
      write('01-tiny.json.gz', gz(trail(1, 'Tiny'))),
      // Over the buffer's first size (64 KiB): it grows.
      write('02-mid.json', trail(150, 'Mid', 900)),
      // Much smaller than what the buffer last held: not a byte of the last file may show.
      write('03-small.json', trail(2, 'Small')),
      // Damaged gzip: inflated whole it fails, so it is streamed from the bytes read, which stay
      // the reader's until the stream ends; the records before the damage are kept.
      write('04-truncated.json.gz', whole.subarray(0, Math.floor(whole.length * 0.6))),
      // Over what the buffer keeps (1 MiB): read into a buffer of its own.
      write('05-big.json', trail(1200, 'Big', 1200)),
      write('06-tiny.json.gz', gz(trail(1, 'Again'))),
      write('07-empty.json', ''),
      write('08-lines.jsonl', `${JSON.stringify(record({ eventName: 'Line' }))}\n{broken\n${JSON.stringify(record({ eventName: 'Line2' }))}\n`),
      write('09-small.json', trail(1, 'Last')),
    ];
    fs.mkdirSync(path.join(scratch, '10-folder.json'));
    paths.push(path.join(scratch, '10-folder.json'));
    for (const name of fs.readdirSync(FORMATS).sort()) paths.push(path.join(FORMATS, name));
    paths.push(paths[0], paths[2]);
    const files = paths.map((file) => (file.endsWith('10-folder.json') ? { path: file, size: 0, mtimeMs: 0 } : evidence(file)));
    // As the walk gives them in the AWSLogs layout: the entries carry it.
    const layout = { account: '111122223333', region: 'us-east-1', date: '2026-03-04', digest: false };
    files[0] = { ...files[0], layout };
    files[5] = { ...files[5], layout };

    const together = byFile(await parse(files));
    const alone = new Map<string, ReturnType<typeof byFile> extends Map<string, infer V> ? V : never>();
    for (const file of files) {
      const one = byFile(await parse([file])).get(file.path)!;
      const seen = alone.get(file.path);
      // A file given twice: twice its entries and events.
      alone.set(file.path, seen ? { files: [...seen.files, ...one.files], events: [...seen.events, ...one.events], seen: [...seen.seen, ...one.seen] } : one);
    }
    assert.deepEqual([...together.keys()].sort(), [...alone.keys()].sort());
    for (const [file, expected] of alone) assert.deepEqual(together.get(file), expected, file);

    // And what they hold is what they should, not only the same twice.
    const get = (name: string) => together.get(path.join(scratch, name))!;
    assert.equal(get('02-mid.json').events.length, 150);
    assert.equal(get('03-small.json').events.length, 4, 'given twice');
    assert.equal(get('05-big.json').events.length, 1200);
    assert.deepEqual(get('09-small.json').events.map((e) => (e as { eventName: string }).eventName), ['Last0']);
    const truncated = get('04-truncated.json.gz');
    assert.ok(truncated.events.length > 0 && truncated.events.length < 300, `${truncated.events.length} records before the damage`);
    assert.match(JSON.stringify(truncated.files), /gzip data is corrupt or truncated after \d+ bytes of content/);
    assert.match(JSON.stringify(get('07-empty.json').files), /empty file/);
    assert.match(JSON.stringify(get('10-folder.json').files), /is a folder, not a file/);
    assert.match(JSON.stringify(get('08-lines.jsonl').files), /not valid JSON/);
    assert.equal((get('06-tiny.json.gz').seen[0] as { layout: unknown }).layout, layout);
    assert.equal((get('02-mid.json').seen[0] as { layout: unknown }).layout, undefined);
  });

  it('a file whose records run over a batch continues in the next one: its identity on both parts, its format and problems on the last', async () => {
    const big = write('big-trail.json', trail(BATCH_EVENTS + 100, 'Many'));
    const tiny = write('tiny-trail.json.gz', zlib.gzipSync(trail(1, 'After')));
    const batches = await parse([evidence(big), evidence(tiny)]);
    const entries = batches.flatMap((batch) => batch.files);
    assert.deepEqual(
      entries.map((file) => [path.basename(file.path), file.records, file.format, file.continuation, file.problems.length]),
      [
        ['big-trail.json', BATCH_EVENTS, undefined, undefined, 0],
        ['big-trail.json', 100, 'trail', true, 0],
        ['tiny-trail.json.gz', 1, 'trail', undefined, 0],
      ],
    );
    const opened = openEvidenceSync(big);
    fs.closeSync(opened.fd);
    for (const entry of entries.slice(0, 2)) {
      assert.equal(entry.seen?.ino, opened.ino);
      assert.equal(entry.seen?.size, fs.statSync(big).size);
    }
    assert.equal(entries[0].seen, entries[1].seen, 'one identity for both parts');
    assert.equal(entries[2].seen?.ino, fs.statSync(tiny).ino);
    assert.deepEqual(
      batches.map((batch) => batch.count),
      [BATCH_EVENTS, 101],
    );
  });
});

describe('ReadBuffer: one buffer for the files read one after the other', () => {
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-read-buffer-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('gives each file exactly its bytes, reusing the buffer up to 1 MiB and growing it as needed', () => {
    const reads = new ReadBuffer();
    const buffers: ArrayBufferLike[] = [];
    [5, 70_000, 3, 1_048_576, 1_048_577, 2_500_000, 10, 0].forEach((size, n) => {
      const bytes = Buffer.alloc(size, n + 1);
      if (size > 0) bytes[size - 1] = 0xee;
      const file = path.join(scratch, `f${n}`);
      fs.writeFileSync(file, bytes);
      const fd = fs.openSync(file, 'r');
      try {
        const read = reads.read(fd, size);
        assert.ok(read.equals(bytes), `file ${n} (${size} bytes)`);
        buffers.push(read.buffer);
      } finally {
        fs.closeSync(fd);
      }
    });
    assert.equal(buffers[2], buffers[1], 'a smaller file after a larger one: the same buffer');
    assert.notEqual(buffers[3], buffers[2], 'grown to 1 MiB');
    assert.notEqual(buffers[4], buffers[3], 'over 1 MiB: a buffer of its own');
    assert.notEqual(buffers[5], buffers[3], 'over 1 MiB: a buffer of its own');
    assert.equal(buffers[6], buffers[3], 'the kept buffer again after the large files');
  });

  it('gives only the bytes there are when the file is shorter than asked (it shrank after fstat)', () => {
    const reads = new ReadBuffer();
    const first = path.join(scratch, 'long');
    const second = path.join(scratch, 'short');
    fs.writeFileSync(first, Buffer.alloc(4000, 0x61));
    fs.writeFileSync(second, 'short');
    for (const [file, length, expected] of [
      [first, 4000, 'a'.repeat(4000)],
      [second, 4000, 'short'],
    ] as const) {
      const fd = fs.openSync(file, 'r');
      try {
        assert.equal(reads.read(fd, length).toString('latin1'), expected);
      } finally {
        fs.closeSync(fd);
      }
    }
  });
});

describe('readEvidenceFileNow: the result itself, or a promise only when the content is streamed', () => {
  const collect = () => {
    const names: unknown[] = [];
    return { names, onRecord: (event: JsonObject) => names.push(event.eventName) };
  };

  it('answers a whole file at once and streams a damaged gzip from the bytes read, as readEvidenceFile does', async () => {
    const reads = new ReadBuffer();
    for (const [name, streamed] of [
      ['trail.json.gz', false],
      ['trail-truncated.json.gz', true],
      ['trail-multimember.json.gz', false],
      ['lines-corrupt.jsonl', false],
      ['image.png', false],
    ] as const) {
      const file = path.join(FORMATS, name);
      const now = collect();
      const answer = readEvidenceFileNow(file, now.onRecord, { readBuffer: reads });
      assert.equal(answer instanceof Promise, streamed, name);
      const result: ReadResult = answer instanceof Promise ? await answer : answer;
      const before = collect();
      assert.deepEqual(result, await readEvidenceFile(file, before.onRecord), name);
      assert.deepEqual(now.names, before.names, name);
    }
  });

  it('streams a file over the whole-document limit, and throws at once for an aborted signal', async () => {
    const file = path.join(FORMATS, 'trail.json');
    const now = collect();
    const answer = readEvidenceFileNow(file, now.onRecord, { wholeDocumentLimit: 0 });
    assert.ok(answer instanceof Promise);
    const before = collect();
    assert.deepEqual(await answer, await readEvidenceFile(file, before.onRecord, { wholeDocumentLimit: 0 }));
    assert.deepEqual(now.names, before.names);
    assert.ok(now.names.length > 0);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    assert.throws(() => readEvidenceFileNow(file, () => undefined, { signal: controller.signal }), /stop/);
  });
});
