import * as assert from 'assert';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../run-cli';
import { toolVersion } from '../../../src/cli/commands/export';
import type { ExportResult } from '../../../src/core/export/export';
import { parseCsv } from './parse-csv';

const ctinv = runCli;

const sha256 = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

function record(i: number, eventName: string, userAgent: string): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: `2026-03-04T05:${String(59 - i).padStart(2, '0')}:00Z`,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/mallory', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEMALLORY01', userName: 'mallory' },
    sourceIPAddress: '203.0.113.9',
    userAgent,
    requestParameters: { name: 'management-events' },
    eventID: `00000000-0000-4000-8000-00000000000${i}`,
  };
}

describe('ctinv export', function () {
  let root: string;
  let evidence: string;
  let out: string;
  const args = (...more: string[]) => ['export', evidence, '--no-cache', '--workers', '0', ...more];

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-cli-export-'));
    evidence = path.join(root, 'evidence');
    out = path.join(root, 'out');
    await fs.mkdir(evidence);
    // Written newest first: the export must come out in time order.
    const records = [
      record(1, 'StopLogging', "=HYPERLINK(\"http://evil.example\",\"x\")"),
      record(2, 'DescribeTrails', 'aws-cli/2.15.0'),
      record(3, 'StopLogging', '@SUM(1+1)*cmd|\' /C calc\'!A0'),
      record(4, 'DeleteTrail', '-2+3'),
    ];
    await fs.writeFile(path.join(evidence, 'trail.json'), JSON.stringify({ Records: records }));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('writes the filtered events in time order with provenance, a formula-safe CSV and a manifest whose hashes match', async () => {
    const { code, stdout, stderr } = await ctinv(args('--where', 'eventName:StopLogging OR eventName:DeleteTrail', '--out', out, '--json'));
    assert.strictEqual(code, 0, stderr);
    const result = JSON.parse(stdout) as ExportResult;
    assert.strictEqual(result.eventsWritten, 3);
    assert.strictEqual(path.dirname(result.folder), out);
    assert.match(path.basename(result.folder), /^cloudtrail-export-\d{8}T\d{6}Z$/);

    const lines = (await fs.readFile(path.join(result.folder, 'events.jsonl'), 'utf8')).trimEnd().split('\n');
    const header = JSON.parse(lines[0]) as { _provenance: Record<string, unknown> };
    assert.strictEqual(header._provenance.filter, 'eventName:StopLogging OR eventName:DeleteTrail');
    assert.deepStrictEqual(header._provenance.sources, [evidence]);
    assert.strictEqual(header._provenance.toolVersion, toolVersion());
    assert.strictEqual(header._provenance.eventCount, 3);
    assert.ok(!Number.isNaN(Date.parse(String(header._provenance.exportedAt))));
    assert.deepStrictEqual(
      lines.slice(1).map((l) => (JSON.parse(l) as { eventTime: string }).eventTime),
      ['2026-03-04T05:55:00Z', '2026-03-04T05:56:00Z', '2026-03-04T05:58:00Z'],
    );

    const rows = parseCsv(await fs.readFile(path.join(result.folder, 'events.csv'), 'utf8'));
    const agent = rows[0].indexOf('userAgent');
    assert.deepStrictEqual(
      rows.slice(1).map((r) => r[agent]),
      ["'-2+3", "'@SUM(1+1)*cmd|' /C calc'!A0", "'=HYPERLINK(\"http://evil.example\",\"x\")"],
    );

    const sums = (await fs.readFile(path.join(result.folder, 'MANIFEST.sha256'), 'utf8')).trim().split('\n');
    assert.deepStrictEqual(sums.map((l) => l.split('  ')[1]), ['events.jsonl', 'events.csv', 'provenance.json', 'manifest.json']);
    for (const line of sums) {
      const [hash, name] = line.split('  ');
      assert.strictEqual(await sha256(path.join(result.folder, name)), hash, name);
    }
  });

  it('exports everything without --where, only the formats asked for, and prints the hashes', async () => {
    const { code, stdout } = await ctinv(args('--out', out, '--format', 'jsonl'));
    assert.strictEqual(code, 0);
    assert.match(stdout, /^exported 4 events to /);
    assert.match(stdout, /[0-9a-f]{64} {2}events\.jsonl/);
    assert.doesNotMatch(stdout, /events\.csv/);
    assert.match(stdout, /sha256sum -c MANIFEST\.sha256/);
  });

  it('refuses usage errors: no --out, an --out inside the evidence, a bad filter or format; nothing is written', async () => {
    for (const [argv, message] of [
      [args(), /--out DIR is required/],
      [args('--out', path.join(evidence, 'exports')), /inside the evidence/],
      [args('--out', out, '--where', 'eventName:('), /--where:/],
      [args('--out', out, '--format', 'xlsx'), /--format takes/],
    ] as const) {
      const { code, stderr } = await ctinv([...argv]);
      assert.strictEqual(code, 2, stderr);
      assert.match(stderr, message);
    }
    assert.deepStrictEqual(await fs.readdir(evidence), ['trail.json']);
    await assert.rejects(fs.stat(out));
  });

  it('finds the tool version in package.json', () => {
    assert.match(toolVersion(), /^\d+\.\d+\.\d+/);
    assert.strictEqual(toolVersion(os.tmpdir()), 'unknown');
  });
});
