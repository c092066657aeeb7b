/**
 * Parse workers hand their batches over through shared slots (engine/batch-slots.ts). What
 * arrives must be exactly what a single thread reads, whether a batch came through a slot,
 * was too large for one and was copied, or its worker had to wait for a slot.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { SlotReader, SlotWriter, newBatchSlots } from '../../../src/core/engine/batch-slots';
import { parseFiles } from '../../../src/core/engine/parse-files';
import { ParsePool } from '../../../src/core/engine/pool';
import { sameShape } from '../../../src/core/engine/worker-protocol';
import { BatchBuilder, EventBatch, copyBatch, mapBatchArrays } from '../../../src/core/index/batch';
import { walkEvidence } from '../../../src/core/sources/walk';
import { EvidenceFile } from '../../../src/core/sources/types';
import { generateTrail } from '../../../bench/generate';
import { decode, record } from './helpers';

function batchOf(events: number, resourcesEach = 0): EventBatch {
  const builder = new BatchBuilder();
  const file = builder.addFile({ path: '/evidence/a.json', size: 1, mtimeMs: 0, records: events, problems: [] });
  for (let i = 0; i < events; i++) {
    const resources = Array.from({ length: resourcesEach }, (_, r) => ({ ARN: `arn:aws:s3:::bucket-${i}-${r}` }));
    builder.addRecord(record({ eventName: `Call${i % 300}`, resources }), file, { offset: i * 100, length: 99 });
  }
  return builder.take();
}

/** Events in a canonical order (by file and offset) and each file's record total. */
function canonical(batches: EventBatch[]): { events: unknown[]; records: Map<string, number> } {
  const { events } = decode(batches);
  const key = (e: unknown) => {
    const { file, offset } = e as { file: string; offset: number };
    return `${file}\u0000${String(offset).padStart(12, '0')}`;
  };
  events.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const records = new Map<string, number>();
  for (const batch of batches) for (const file of batch.files) records.set(file.path, (records.get(file.path) ?? 0) + file.records);
  return { events, records };
}

describe('batch slots (worker to main thread through shared memory)', () => {
  it('give back every array with its type and values, and post only a hollow batch', () => {
    const slots = newBatchSlots(2, 1 << 20);
    const writer = new SlotWriter(slots);
    const reader = new SlotReader(slots);
    const batch = batchOf(300, 2);
    const placed = writer.place(batch);
    assert.ok(placed, 'a 300-event batch fits in 1 MiB');
    // What is posted carries no array contents: those wait in the shared buffer.
    let arrays = 0;
    mapBatchArrays(placed.hollow, (array) => {
      arrays++;
      assert.equal(array.buffer.byteLength, 0);
      return array;
    });
    assert.equal(arrays, placed.arrays.length);
    const read = reader.read(placed);
    assert.deepEqual(decode([read]), decode([batch]));
    for (let f = 0; f < batch.codes.length; f++) assert.equal(read.codes[f].constructor, batch.codes[f].constructor);
    assert.ok(read.offset instanceof Float64Array && read.eventIds.words instanceof Uint32Array && read.eventIds.kinds instanceof Uint8Array);
    reader.release(placed.slot);
  });

  it('use the slots in turn, reuse a released one, and refuse a batch larger than a slot', () => {
    const slots = newBatchSlots(2, 64 * 1024);
    const writer = new SlotWriter(slots);
    const reader = new SlotReader(slots);
    const small = batchOf(50);
    const first = writer.place(small)!;
    const second = writer.place(batchOf(60))!;
    assert.deepEqual([first.slot, second.slot], [0, 1]);
    assert.equal(writer.place(batchOf(2000, 4)), undefined, 'too large for 64 KiB: left to a plain copy');
    reader.release(first.slot);
    const third = writer.place(batchOf(70))!;
    assert.equal(third.slot, 0);
    assert.equal(reader.read(third).count, 70);
    // The second slot still holds its batch, untouched by the third.
    assert.deepEqual(decode([reader.read(second)]).events.length, 60);
  });
});

describe('worker protocol: sameShape', () => {
  it('keeps every key and value of a batch (a key added to EventBatch must be added to it too)', () => {
    const builder = new BatchBuilder();
    const file = builder.addFile({ path: '/evidence/a.json', size: 1, mtimeMs: 0, records: 2, problems: [] });
    builder.addRecord(record({ eventID: 'not-a-uuid', sharedEventID: 'aaaaaaaa-1111-4111-8111-000000000001', resources: [{ ARN: 'arn:aws:s3:::b' }] }), file, { offset: 0, length: 99 });
    builder.addRecord(record({ requestID: 'req-text' }), file, { offset: 100, length: 99 });
    const batch = builder.take();
    const shaped = sameShape(batch, batch.files);
    assert.deepEqual(Object.keys(shaped).sort(), Object.keys(batch).sort());
    assert.deepEqual(shaped, batch);
  });
});

describe('parse pool', function () {
  this.timeout(120_000);
  let root: string;
  let files: EvidenceFile[];
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-pool-'));
    // 480 files of 125 events: 20 chunks of 24 files, two or three batches each.
    generateTrail(root, 60_000);
    files = [];
    for await (const slice of walkEvidence([root], { onProblem: () => undefined })) files.push(...slice.filter((f) => f.path.endsWith('.json.gz')));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('hands over exactly what one thread reads, through slots, copies and waits', async () => {
    const single: EventBatch[] = [];
    await parseFiles(files, (batch) => single.push(batch));

    // One small slot a worker: a chunk's full batches (2,048 events and more) are copied, its
    // last, smaller ones go through the slot. A slow consumer makes the workers wait for it.
    const pool = new ParsePool(2, { count: 1, bytes: 256 * 1024 });
    const pooled: EventBatch[] = [];
    try {
      await pool.parse(files, (batch) => {
        // A borrowed batch is only valid during this call.
        pooled.push(copyBatch(batch));
        const until = Date.now() + 10;
        while (Date.now() < until) {
          // Busy, as a long merge would be.
        }
      });
    } finally {
      await pool.close();
    }
    const expected = canonical(single);
    const actual = canonical(pooled);
    assert.equal(actual.events.length, 60_000);
    assert.deepEqual(actual.records, expected.records);
    for (let i = 0; i < expected.events.length; i++) assert.deepEqual(actual.events[i], expected.events[i], `event ${i}`);
  });

  /** Offers files early with `offer`, then parses them all: the batches must be one thread's. */
  async function parsedWithEarly(pool: ParsePool, offer: (pool: ParsePool) => Promise<void>, label: string): Promise<void> {
    const single: EventBatch[] = [];
    await parseFiles(files, (batch) => single.push(batch));
    const pooled: EventBatch[] = [];
    try {
      await offer(pool);
      await pool.parse(files, (batch) => pooled.push(copyBatch(batch)));
    } finally {
      await pool.close();
    }
    const expected = canonical(single);
    const actual = canonical(pooled);
    assert.equal(actual.events.length, 60_000, label);
    assert.deepEqual(actual.records, expected.records);
    for (let i = 0; i < expected.events.length; i++) assert.deepEqual(actual.events[i], expected.events[i], `event ${i}, ${label}`);
  }

  it('parses files handed early (as a walk finds them) once each, their batches held for parse(), with the rest', async () => {
    for (const workers of [1, 2, 3]) {
      // Half the files in slices, with time for the workers to finish some before parse() runs.
      await parsedWithEarly(
        new ParsePool(workers, { count: 1, bytes: 256 * 1024 }),
        async (pool) => {
          for (let at = 0; at < files.length / 2; at += 40) {
            pool.early(files.slice(at, Math.min(at + 40, files.length / 2)));
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
        `${workers} workers`,
      );
    }
  });

  it('hands early only up to its byte limit: the files past it are parsed by parse(), each once', async () => {
    // Every file offered early; a third of the bytes taken.
    const total = files.reduce((sum, file) => sum + file.size, 0);
    await parsedWithEarly(
      new ParsePool(2, { count: 1, bytes: 256 * 1024 }, Math.floor(total / 3)),
      async (pool) => {
        for (let at = 0; at < files.length; at += 40) pool.early(files.slice(at, at + 40));
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      'a third early',
    );
  });

  it('stops when cancelled mid-parse, and close() ends its worker threads', async () => {
    const pool = new ParsePool(2, { count: 1, bytes: 256 * 1024 });
    // The pool does not expose its threads; the test looks at them to see each one really exit.
    const workers = (pool as unknown as { workers: Worker[] }).workers;
    assert.equal(workers.length, 2);
    const exits: number[] = [];
    for (const worker of workers) worker.once('exit', (code) => exits.push(code));
    const controller = new AbortController();
    let batches = 0;
    try {
      await assert.rejects(
        pool.parse(
          files,
          () => {
            // The user cancels after the second batch.
            if (++batches === 2) controller.abort(new Error('cancelled by the user'));
          },
          controller.signal,
        ),
        /cancelled by the user/,
      );
    } finally {
      await pool.close();
    }
    assert.equal(exits.length, 2, 'both workers emitted exit by the time close() returned');
    // A thread that has ended has no id any more.
    assert.deepEqual(workers.map((worker) => worker.threadId), [-1, -1]);
  });

  it("gives every file back with what its worker found (records, format, identity, problems), chunks interleaved over workers", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-pool-files-'));
    try {
      // Two files of 10,000 events (their records run over into a second batch), 96 small ones,
      // and files that cannot be read whole, each with its own problem.
      generateTrail(path.join(dir, 'large'), 20_000, 7, 10_000);
      generateTrail(path.join(dir, 'small'), 12_000, 8);
      const gzipped = fs.readdirSync(path.join(dir, 'small'), { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith('.json.gz'))!;
      const whole = fs.readFileSync(path.join(dir, 'small', gzipped));
      fs.writeFileSync(path.join(dir, 'cut.json.gz'), whole.subarray(0, whole.length >> 1));
      fs.writeFileSync(path.join(dir, 'lines.jsonl'), `${JSON.stringify(record({ eventName: 'A' }))}\n{"eventName": \n${JSON.stringify(record({ eventName: 'B' }))}\n`);
      fs.writeFileSync(path.join(dir, 'other.json'), '{"not": "CloudTrail \u2028 <b>"}');
      const all: EvidenceFile[] = [];
      for await (const slice of walkEvidence([dir], { onProblem: () => undefined })) all.push(...slice);
      const perFile = (batches: EventBatch[]) => {
        const out = new Map<string, { records: number; format?: string; problems: unknown[]; seen?: unknown; entries: number; layout?: unknown }>();
        for (const batch of batches) {
          for (const file of batch.files) {
            const entry = out.get(file.path) ?? { records: 0, problems: [], entries: 0, layout: file.layout };
            assert.equal(entry.entries > 0, file.continuation === true, `${file.path}: a continuation exactly after its first entry`);
            entry.entries++;
            entry.records += file.records;
            entry.problems.push(...file.problems);
            if (file.format !== undefined) entry.format = file.format;
            entry.seen ??= file.seen;
            out.set(file.path, entry);
          }
        }
        return out;
      };
      const single: EventBatch[] = [];
      await parseFiles(all, (batch) => single.push(batch));
      const expected = perFile(single);
      assert.ok([...expected.values()].filter((f) => f.problems.length > 0).length >= 3, 'files with problems');
      assert.ok([...expected.values()].some((f) => f.entries > 1), 'a file over two batches');
      for (const workers of [2, 3]) {
        const pool = new ParsePool(workers);
        const pooled: EventBatch[] = [];
        try {
          await pool.parse(all, (batch) => pooled.push(copyBatch(batch)));
        } finally {
          await pool.close();
        }
        assert.deepEqual(perFile(pooled), expected, `${workers} workers`);
        const events = canonical(pooled).events;
        assert.deepEqual(events, canonical(single).events, `${workers} workers: events under their own files`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
