/**
 * Loads that used to wait forever (issue 12, section 1): the parse pool never told a worker
 * that got no chunk to close, so any load cut into 2 to 2×(workers−1) chunks (24 files or
 * 32 MiB a chunk) never ended. Each reproduction runs under a deadline, so a regression fails
 * here instead of hanging the suite; the deadline's abort ends the load and its workers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Investigation } from '../../../src/core/engine/investigation';
import { LoadOptions } from '../../../src/core/engine/api';
import { MAX_WORKERS, ParsePool } from '../../../src/core/engine/pool';
import { EventBatch } from '../../../src/core/index/batch';
import { EvidenceFile } from '../../../src/core/sources/types';
import { walkEvidence } from '../../../src/core/sources/walk';
import { runCli } from '../run-cli';
import { withDeadline } from './differential';

/** Far above what these loads take even on a busy 2-core machine (well under a second each). */
const DEADLINE_MS = 45_000;

let counter = 0;
function record(day = '2026-03-04', extra = ''): string {
  counter++;
  const id = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return (
    `{"eventVersion":"1.09","eventTime":"${day}T05:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",` +
    `"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0${extra}","eventID":"${id}",` +
    `"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"recipientAccountId":"111122223333"}`
  );
}

function writeTrail(file: string, records: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `{"Records":[${records.join(',')}]}`);
}

function writeGzTrail(file: string, records: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, gzipSync(`{"Records":[${records.join(',')}]}`));
}

async function load(paths: string[], options: LoadOptions = {}): Promise<{ events: number; files: number }> {
  return withDeadline(DEADLINE_MS, `loading ${paths.length === 1 ? paths[0] : `${paths.length} files`}`, async (signal) => {
    const { summary } = await Investigation.open(paths, { ...options, signal });
    assert.deepEqual(summary.skipped, []);
    return { events: summary.events, files: summary.files };
  });
}

describe('loading ends whatever the number of chunks and workers (issue 12 hang)', function () {
  this.timeout(DEADLINE_MS + 30_000);
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-hang-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('a plain folder of 25 small trail files, default workers', async () => {
    for (let i = 0; i < 25; i++) writeTrail(path.join(base, `trail-${i}.json`), [record()]);
    assert.deepEqual(await load([base]), { events: 25, files: 25 });
  });

  it('ctinv stats --json --no-cache on that folder', async () => {
    for (let i = 0; i < 25; i++) writeTrail(path.join(base, `trail-${i}.json`), [record()]);
    const { code, stdout } = await withDeadline(DEADLINE_MS, 'ctinv stats', (signal) => runCli(['stats', base, '--json', '--no-cache'], signal));
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).events, 25);
  });

  it('25 files in one day folder of the AWSLogs layout', async () => {
    const day = path.join(base, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '03', '04');
    for (let i = 0; i < 25; i++) writeGzTrail(path.join(day, `111122223333_CloudTrail_us-east-1_20260304T05${String(i).padStart(2, '0')}Z_a${i}.json.gz`), [record(), record()]);
    assert.deepEqual(await load([base]), { events: 50, files: 25 });
  });

  it('40 files spread over 28 day folders', async () => {
    for (let i = 0; i < 40; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const dir = path.join(base, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2026', '02', day);
      writeGzTrail(path.join(dir, `111122223333_CloudTrail_eu-west-1_202602${day}T0000Z_b${i}.json.gz`), [record(`2026-02-${day}`)]);
    }
    assert.deepEqual(await load([base]), { events: 40, files: 40 });
  });

  it('one 34 MB trail file plus a one-event file (two chunks by size)', async () => {
    // ~500-byte records: about 70,000 of them make a file over 32 MiB, a chunk of its own.
    const big: string[] = [];
    let bytes = 0;
    while (bytes < 34 * 1000 * 1000) {
      const r = record('2026-03-04', ' padding'.repeat(20));
      big.push(r);
      bytes += r.length + 1;
    }
    writeTrail(path.join(base, 'big.json'), big);
    writeTrail(path.join(base, 'small.json'), [record()]);
    assert.ok(fs.statSync(path.join(base, 'big.json')).size > 32 * 1024 * 1024);
    assert.deepEqual(await load([base], { workers: 2 }), { events: big.length + 1, files: 2 });
  });

  it('--workers 8 with 25 to 336 files (2 to 14 chunks), and more workers than chunks', async () => {
    const files: string[] = [];
    for (let i = 0; i < 337; i++) {
      const file = path.join(base, `trail-${String(i).padStart(3, '0')}.json`);
      writeTrail(file, [record()]);
      files.push(file);
    }
    // Each count from 25 to 336 hung; the ends, the chunk boundaries around them, and a few between.
    for (const count of [1, 24, 25, 49, 169, 336, 337]) {
      assert.deepEqual(await load(files.slice(0, count), { workers: 8 }), { events: count, files: count }, `${count} files`);
    }
  });

  it('with 2 and 3 workers at the chunk counts around the ones that hung', async () => {
    const files: string[] = [];
    for (let i = 0; i < 97; i++) {
      const file = path.join(base, `trail-${String(i).padStart(3, '0')}.json`);
      writeTrail(file, [record()]);
      files.push(file);
    }
    for (const workers of [2, 3]) {
      for (const count of [25, 48, 49, 96, 97]) {
        assert.deepEqual(await load(files.slice(0, count), { workers }), { events: count, files: count }, `${count} files, ${workers} workers`);
      }
    }
  });
});

describe('parse pool: every way a parse can end', function () {
  this.timeout(DEADLINE_MS + 30_000);
  let base: string;
  let files: EvidenceFile[];
  before(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-pool-end-'));
    for (let i = 0; i < 60; i++) writeTrail(path.join(base, `trail-${String(i).padStart(2, '0')}.json`), [record(), record()]);
    files = [];
    for await (const slice of walkEvidence([base], { onProblem: () => undefined })) files.push(...slice);
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  /** Parses with a fresh pool under the deadline; the pool is always closed. */
  async function parse(workers: number, input: readonly EvidenceFile[], onBatch: (batch: EventBatch, pool: ParsePool) => void = () => undefined, signal?: AbortSignal): Promise<number> {
    const pool = new ParsePool(workers);
    let events = 0;
    try {
      await withDeadline(DEADLINE_MS, `a parse of ${input.length} files with ${workers} workers`, async (deadline) => {
        const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
        await pool.parse(
          input,
          (batch) => {
            events += batch.count;
            onBatch(batch, pool);
          },
          both,
        );
      });
    } finally {
      await pool.close();
    }
    return events;
  }

  it('no files: ends at once, whatever the number of workers', async () => {
    for (const workers of [0, 1, 3, 8]) assert.equal(await parse(workers, []), 0);
  });

  it('more workers than chunks, and as many', async () => {
    assert.equal(await parse(8, files.slice(0, 1)), 2);
    assert.equal(await parse(8, files.slice(0, 30)), 60);
    assert.equal(await parse(3, files.slice(0, 60)), 120);
  });

  it('an error thrown while handling a batch fails the parse, and nothing reaches the caller after it', async () => {
    let after = 0;
    let failed = false;
    await assert.rejects(
      parse(2, files, () => {
        if (failed) after++;
        failed = true;
        throw new Error('merge failed');
      }),
      /merge failed/,
    );
    assert.equal(after, 0);
  });

  it('a worker that dies with chunks in hand fails the parse instead of hanging it', async () => {
    // 20 chunks: while any is queued, every worker that has not failed holds one.
    const many = Array.from({ length: 8 }, () => files).flat();
    await assert.rejects(
      parse(2, many, (_batch, pool) => {
        // The first batch has arrived: every worker holds a chunk. End one of them.
        const workers = (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers;
        void workers[1].terminate();
      }),
      /parse worker stopped|terminated/,
    );
  });

  it('an abort before the parse starts, or during it, rejects with its reason', async () => {
    const before = new AbortController();
    before.abort(new Error('cancelled before'));
    await assert.rejects(parse(2, files, undefined, before.signal), /cancelled before/);
    const during = new AbortController();
    await assert.rejects(
      parse(2, files, () => during.abort(new Error('cancelled during')), during.signal),
      /cancelled during/,
    );
  });

  it(`refuses a worker count that is not a whole number from 0 to ${MAX_WORKERS}`, () => {
    for (const count of [-1, 1.5, MAX_WORKERS + 1, 2000, Number.NaN]) assert.throws(() => new ParsePool(count), RangeError, String(count));
  });
});

describe('ctinv --workers bound', () => {
  it(`is a usage error past ${MAX_WORKERS}, before any evidence is read or worker started`, async () => {
    for (const value of [String(MAX_WORKERS + 1), '2000', '99999999', '1e3', '-1']) {
      const { code, stdout, stderr } = await runCli(['stats', '/nonexistent-evidence', '--workers', value, '--no-cache']);
      assert.equal(code, 2, value);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`--workers takes a whole number from 0 to ${MAX_WORKERS}`), value);
    }
  });
});
