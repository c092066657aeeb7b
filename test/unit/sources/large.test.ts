import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecordsAt } from '../../../src/core/index/read-back';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { RecordLocation } from '../../../src/core/sources/types';

const execFileAsync = promisify(execFile);

interface ChildReport {
  format?: string;
  records: number;
  problems: unknown[];
  lastId: string;
  baseRss: number;
  peakRss: number;
  kept: { location: RecordLocation; id: string }[];
}

const GIB = 1024 * 1024 * 1024;

function freeBytes(folder: string): number {
  const stats = fs.statfsSync(folder);
  return stats.bavail * stats.bsize;
}

/** Writes {"Records":[...]} of more than `minimumBytes` with a stream; returns the record count written. */
async function writeLargeTrail(file: string, minimumBytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      out.write(text, (error) => (error ? reject(error) : resolve()));
    });
  await write('{"Records":[');
  let written = 12;
  let count = 0;
  const padding = 'p'.repeat(700);
  while (written < minimumBytes) {
    const batch: string[] = [];
    for (let i = 0; i < 4096; i++, count++) {
      batch.push(
        JSON.stringify({
          eventVersion: '1.09',
          userIdentity: { type: 'IAMUser', accountId: '111122223333', userName: `user-${count % 97}` },
          eventTime: '2024-03-01T10:00:00Z',
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          awsRegion: 'us-east-1',
          eventID: `id-${count}`,
          requestParameters: { key: `a "quoted" \\ key ${count}`, padding },
        }),
      );
    }
    const text = (count > 4096 ? ',' : '') + batch.join(',');
    written += Buffer.byteLength(text);
    await write(text);
  }
  await write(']}');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return count;
}

describe('sources: a file over 1 GB streams with bounded memory', function () {
  this.timeout(30 * 60_000);
  let folder: string;
  let file: string;
  let written = 0;

  before(async function () {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-large-'));
    const free = freeBytes(folder);
    if (free < 3 * GIB) {
      console.log(`      skipped: only ${(free / GIB).toFixed(1)} GB free in ${os.tmpdir()}, the test needs 3 GB`);
      this.skip();
    }
    file = path.join(folder, 'large-trail.json');
    written = await writeLargeTrail(file, GIB + 16 * 1024 * 1024);
  });

  after(() => {
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('reads every record, RSS grows by less than 300 MB, and records can be fetched back by byte range', async () => {
    assert.ok(fs.statSync(file).size > GIB);
    // A fresh process, so that the memory measured is the reader's alone and not what writing the file left behind.
    const { stdout } = await execFileAsync(process.execPath, [path.join(__dirname, 'large-read-child.js'), file], { maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout) as ChildReport;
    assert.deepEqual(report.problems, []);
    assert.equal(report.format, 'trail');
    assert.equal(report.records, written);
    assert.equal(report.lastId, `id-${written - 1}`);
    const growthMb = (report.peakRss - report.baseRss) / (1024 * 1024);
    console.log(`      ${written} records, ${(fs.statSync(file).size / GIB).toFixed(2)} GB, RSS grew by ${growthMb.toFixed(0)} MB`);
    assert.ok(growthMb < 300, `RSS grew by ${growthMb.toFixed(0)} MB`);
    assert.ok(report.kept.length === 3 && report.kept.every((k) => k.location.length > 0), 'large files get byte-range locations');
    const again = await readRecordsAt(
      file,
      'trail',
      report.kept.map((k) => k.location),
    );
    assert.deepEqual(
      again.map((event) => event.eventID),
      report.kept.map((k) => k.id),
    );
  });
});
