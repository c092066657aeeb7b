/**
 * The lists a load reports (skipped files, eventID conflicts) come in an order of their own,
 * not the order in which the parse workers happened to finish their chunks: the same at every
 * worker count, and from the cache.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Investigation } from '../../../src/core/engine/investigation';
import { SourceSummary } from '../../../src/core/engine/api';
import { withDeadline } from './differential';
import { random as prng } from '../../../bench/generate';

const FILES = 120;

/** A folder of small trail files: every sixth repeats an earlier eventID with other content; some files are damaged. */
function writeEvidence(root: string, seed: number): void {
  const rand = prng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const ids: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const records = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, r) => {
      const reuse = i % 6 === 5 && r === 0 && ids.length > 0;
      const eventID = reuse ? ids[Math.floor(rand() * ids.length)] : `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
      if (!reuse) ids.push(eventID);
      return {
        eventVersion: '1.09',
        eventTime: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 86_400) * 1000).toISOString().replace('.000Z', 'Z'),
        eventSource: 'ec2.amazonaws.com',
        eventName: reuse ? `Conflicting${i}` : 'DescribeInstances',
        awsRegion: 'us-east-1',
        eventID,
        userIdentity: { type: 'IAMUser', accountId: '111122223333', accessKeyId: `AKIA${hex(16).toUpperCase()}` },
        recipientAccountId: '111122223333',
      };
    });
    const text = JSON.stringify({ Records: records });
    const name = `file-${String(i).padStart(3, '0')}`;
    if (i % 13 === 4) fs.writeFileSync(path.join(root, `${name}.json`), text.slice(0, Math.floor(text.length / 2)));
    else if (i % 17 === 8) fs.writeFileSync(path.join(root, `${name}.json`), JSON.stringify({ notCloudTrail: i }));
    else if (i % 11 === 3) {
      const gz = zlib.gzipSync(text);
      fs.writeFileSync(path.join(root, `${name}.json.gz`), gz.subarray(0, Math.floor(gz.length * 0.7)));
    } else fs.writeFileSync(path.join(root, `${name}.json.gz`), zlib.gzipSync(text));
  }
}

async function load(root: string, workers: number | 'auto', cacheDir?: string, feedWhileWalking?: boolean): Promise<SourceSummary> {
  return withDeadline(60_000, `loading with ${workers} workers`, async (signal) => (await Investigation.open([root], { workers, cacheDir, signal, feedWhileWalking })).summary);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('the order of what a load reports', function () {
  this.timeout(180_000);
  let root: string;
  let cacheRoot: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-order-'));
    cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-order-cache-'));
    writeEvidence(root, 20_261_205);
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  });

  it('skipped files and eventID conflicts are listed the same at 1, 2, 3 and 8 workers, and from the cache', async () => {
    const one = await load(root, 1);
    assert.ok(one.skipped.length >= 10, `the evidence has damaged files (${one.skipped.length} skipped)`);
    assert.ok(one.conflictList.length >= 10, `the evidence has eventID conflicts (${one.conflictList.length} listed)`);
    // The order of their own: skipped by path (then offset), conflicts by eventID.
    assert.deepEqual(one.skipped.map((p) => p.path), one.skipped.map((p) => p.path).sort(byText));
    assert.deepEqual(one.conflictList.map((c) => c.eventId), one.conflictList.map((c) => c.eventId).sort(byText));

    const cacheDir = path.join(cacheRoot, 'cache');
    const loads: Array<[string, () => Promise<SourceSummary>]> = [
      ['2 workers', () => load(root, 2)],
      ['3 workers, fed while walking', () => load(root, 3, undefined, true)],
      ['8 workers', () => load(root, 8)],
      ['8 workers again', () => load(root, 8, undefined, true)],
      ['auto', () => load(root, 'auto')],
      ['2 workers, writing the cache', () => load(root, 2, cacheDir)],
      ['from the cache', () => load(root, 1, cacheDir)],
    ];
    for (const [what, run] of loads) {
      const summary = await run();
      assert.deepEqual(summary.skipped, one.skipped, `skipped, ${what}`);
      assert.deepEqual(summary.conflictList, one.conflictList, `conflicts, ${what}`);
    }
  });
});
