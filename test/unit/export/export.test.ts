import * as assert from 'assert';
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { exportEvents, ExportProvenanceInput, inBatches } from '../../../src/core/export/export';
import { parseCsv } from './parse-csv';

const sha256 = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

const HOSTILE = [
  "=cmd|' /C calc'!A0",
  '"}\n{"_provenance":{"forged":true}}',
  'line\r\nbreak\u2028sep\u2029',
  '\u202eevil\u0000nul\u001b[31m',
  'lone surrogate \ud800 end',
  '../../../etc/passwd',
];

function event(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`,
    eventName: 'GetObject',
    eventSource: 's3.amazonaws.com',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/R/s', accountId: '111122223333' },
    sourceIPAddress: '198.51.100.1',
    userAgent: HOSTILE[i % HOSTILE.length],
    requestParameters: { bucketName: 'b', key: HOSTILE[(i + 1) % HOSTILE.length] },
    eventID: `id-${i}`,
    ...extra,
  };
}

const provenance = (extra: Partial<ExportProvenanceInput> = {}): ExportProvenanceInput => ({
  sources: ['/evidence/AWSLogs', 's3://bucket/prefix/'],
  filter: 'eventName = GetObject and userAgent ~ "cmd"',
  exportedAt: new Date(Date.UTC(2026, 10, 23, 9, 30, 0)),
  toolVersion: '0.1.0',
  ...extra,
});

describe('export: JSON lines + CSV + provenance + SHA-256 manifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-export-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes a provenance header, then every event on its own line, hostile strings round-tripping literally', async () => {
    const events = HOSTILE.map((_, i) => event(i));
    const result = await exportEvents(events, provenance({ eventCount: events.length }), { outDir: dir });
    assert.strictEqual(result.folder, path.join(dir, 'cloudtrail-export-20261123T093000Z'));
    assert.strictEqual(result.eventsWritten, events.length);
    const lines = (await fs.readFile(path.join(result.folder, 'events.jsonl'), 'utf8')).split('\n');
    assert.strictEqual(lines.pop(), '');
    assert.strictEqual(lines.length, events.length + 1);
    const header = JSON.parse(lines[0]);
    assert.deepStrictEqual(Object.keys(header), ['_provenance']);
    assert.deepStrictEqual(
      { ...header._provenance, format: undefined },
      {
        tool: 'CloudTrail Investigator',
        toolVersion: '0.1.0',
        exportedAt: '2026-11-23T09:30:00.000Z',
        sources: ['/evidence/AWSLogs', 's3://bucket/prefix/'],
        filter: 'eventName = GetObject and userAgent ~ "cmd"',
        eventCount: events.length,
        format: undefined,
      },
    );
    lines.slice(1).forEach((line, i) => {
      assert.ok(!line.includes('\r') && !line.includes('\n'));
      assert.deepStrictEqual(JSON.parse(line), events[i]);
    });
    // The forged header text stays inside a string value.
    assert.strictEqual(lines.filter((l) => l.startsWith('{"_provenance"')).length, 1);
  });

  it('writes a CSV a strict RFC 4180 reader parses into one row per event, formula cells defused', async () => {
    const events = HOSTILE.map((_, i) => event(i));
    const result = await exportEvents(events, provenance(), { outDir: dir });
    const rows = parseCsv(await fs.readFile(path.join(result.folder, 'events.csv'), 'utf8'));
    assert.strictEqual(rows.length, events.length + 1);
    const col = rows[0].indexOf('userAgent');
    assert.strictEqual(rows[1][col], "'=cmd|' /C calc'!A0");
    assert.strictEqual(rows[3][col], 'line\r\nbreak\u2028sep\u2029');
    assert.ok(rows.every((r) => r.length === rows[0].length));
    assert.ok(!(await fs.readFile(path.join(result.folder, 'events.csv'), 'utf8')).startsWith('#'));
  });

  it('records sha256 and size of every file, equal to an independent hash, in manifest.json and a sha256sum-compatible MANIFEST.sha256', async () => {
    const result = await exportEvents([event(1), event(2)], provenance(), { outDir: dir });
    const names = (await fs.readdir(result.folder)).sort();
    assert.deepStrictEqual(names, ['MANIFEST.sha256', 'events.csv', 'events.jsonl', 'manifest.json', 'provenance.json']);
    const manifest = JSON.parse(await fs.readFile(result.manifestPath, 'utf8'));
    assert.strictEqual(manifest._provenance.filter, provenance().filter);
    assert.strictEqual(manifest.eventsWritten, 2);
    for (const entry of manifest.files) {
      const file = path.join(result.folder, entry.name);
      assert.strictEqual(entry.sha256, await sha256(file), entry.name);
      assert.strictEqual(entry.size, (await fs.stat(file)).size, entry.name);
    }
    assert.deepStrictEqual(manifest.files.map((f: { name: string }) => f.name), ['events.jsonl', 'events.csv', 'provenance.json']);
    const sums = (await fs.readFile(result.checksumPath, 'utf8')).trim().split('\n');
    assert.strictEqual(sums.length, 4);
    for (const line of sums) {
      const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      assert.ok(m, line);
      assert.strictEqual(m[1], await sha256(path.join(result.folder, m[2])));
    }
    assert.ok(sums.some((l) => l.endsWith('  manifest.json')));
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', 'MANIFEST.sha256'], { cwd: result.folder });
    assert.strictEqual(stdout.trim().split('\n').filter((l) => l.endsWith(': OK')).length, 4);
    const sidecar = JSON.parse(await fs.readFile(path.join(result.folder, 'provenance.json'), 'utf8'));
    assert.deepStrictEqual(sidecar._provenance, manifest._provenance);
  });

  it('never overwrites: a second export at the same time goes to a new folder, the first left as it was', async () => {
    const first = await exportEvents([event(1)], provenance(), { outDir: dir });
    const before = await sha256(path.join(first.folder, 'events.jsonl'));
    const second = await exportEvents([event(2)], provenance(), { outDir: dir });
    assert.strictEqual(second.folder, `${first.folder}-2`);
    assert.strictEqual(await sha256(path.join(first.folder, 'events.jsonl')), before);
    await fs.mkdir(path.join(dir, 'taken'));
    await fs.writeFile(path.join(dir, 'taken', 'events.jsonl'), 'keep me');
    const third = await exportEvents([event(3)], provenance(), { outDir: dir, folderName: 'taken' });
    assert.strictEqual(third.folder, path.join(dir, 'taken-2'));
    assert.strictEqual(await fs.readFile(path.join(dir, 'taken', 'events.jsonl'), 'utf8'), 'keep me');
  });

  it('skips records that are not objects, says which and why, and writes the rest', async () => {
    const input: unknown[] = [event(0), 'a string', null, [1, 2], event(1), { big: 10n }];
    const result = await exportEvents(input, provenance({ eventCount: 6 }), { outDir: dir });
    assert.strictEqual(result.eventsWritten, 2);
    assert.deepStrictEqual(result.skipped.map((s) => s.index), [1, 2, 3, 5]);
    assert.match(result.skipped[0].reason, /not a JSON object \(string\)/);
    assert.match(result.skipped[3].reason, /cannot be serialised/);
    assert.deepStrictEqual(result.warnings, ['expected 6 events, wrote 2', '4 record(s) skipped, see "skipped"']);
    const manifest = JSON.parse(await fs.readFile(result.manifestPath, 'utf8'));
    assert.deepStrictEqual(manifest.skipped, result.skipped);
  });

  it('streams: output reaches the disk while the input is still being produced', async () => {
    let sizeSeenMidway = -1;
    let produced = 0;
    const folderName = 'streamed';
    async function* many(): AsyncGenerator<Record<string, unknown>> {
      for (let i = 0; i < 20_000; i++) {
        if (i === 15_000) sizeSeenMidway = (await fs.stat(path.join(dir, folderName, 'events.jsonl'))).size;
        produced++;
        yield event(i);
      }
    }
    const result = await exportEvents(many(), provenance(), { outDir: dir, folderName });
    assert.strictEqual(produced, 20_000);
    assert.strictEqual(result.eventsWritten, 20_000);
    assert.ok(sizeSeenMidway > 1_000_000, `only ${sizeSeenMidway} bytes on disk after 15000 events`);
    const lines = (await fs.readFile(path.join(result.folder, 'events.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.strictEqual(lines.length, 20_001);
  });

  it('writes only the formats asked for', async () => {
    const result = await exportEvents([event(1)], provenance(), { outDir: dir, formats: ['csv'] });
    assert.deepStrictEqual((await fs.readdir(result.folder)).sort(), ['MANIFEST.sha256', 'events.csv', 'manifest.json', 'provenance.json']);
  });

  it('on cancel removes what it created and leaves the rest of the folder alone', async () => {
    await fs.writeFile(path.join(dir, 'notes.txt'), 'mine');
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Record<string, unknown>> {
      for (let i = 0; i < 5000; i++) {
        if (i === 2000) controller.abort();
        yield event(i);
      }
    }
    await assert.rejects(exportEvents(slow(), provenance(), { outDir: dir, signal: controller.signal }), (e: Error) => e.name === 'AbortError');
    assert.deepStrictEqual(await fs.readdir(dir), ['notes.txt']);
  });

  it('exports a selection fetched in batches (the index rawMany shape), in selection order', async () => {
    const store = Array.from({ length: 2500 }, (_, i) => event(i));
    const selection = Int32Array.from({ length: 1200 }, (_, i) => i * 2);
    const calls: number[] = [];
    const fetchMany = async (ids: number[]) => {
      calls.push(ids.length);
      return ids.map((id) => store[id]);
    };
    const result = await exportEvents(inBatches(selection, fetchMany, { batchSize: 500 }), provenance({ eventCount: selection.length }), { outDir: dir });
    assert.deepStrictEqual(calls, [500, 500, 200]);
    assert.strictEqual(result.eventsWritten, 1200);
    assert.deepStrictEqual(result.warnings, []);
    const lines = (await fs.readFile(path.join(result.folder, 'events.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.strictEqual(JSON.parse(lines[2]).eventID, 'id-2');
    await assert.rejects(
      exportEvents(inBatches([1, 2, 3], async () => [event(1)]), provenance(), { outDir: dir }),
      /returned 1 records for 3 ids/,
    );
  });
});
