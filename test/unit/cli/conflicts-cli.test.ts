/**
 * eventID conflicts through the CLI (issue 12 §3): `stats` counts them and names both sides,
 * `query` finds both records, and an export's provenance lists them.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExportResult } from '../../../src/core/export/export';
import { runCli } from '../run-cli';

const EVENT_ID = '3f5c2a9e-0d7b-4a8e-9c1d-2b6e7f8a9b0c';

function record(sourceIPAddress: string): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventTime: '2026-03-04T05:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateAccessKey',
    awsRegion: 'us-east-1',
    sourceIPAddress,
    userAgent: 'aws-cli/2.15.0',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEALICE0001' },
    eventID: EVENT_ID,
    recipientAccountId: '111122223333',
  };
}

describe('ctinv: records sharing an eventID', function () {
  this.timeout(60_000);
  let root: string;
  let evidence: string;
  const load = ['--no-cache', '--workers', '0'];

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-cli-conflicts-'));
    evidence = path.join(root, 'evidence');
    await fs.mkdir(evidence);
    await fs.writeFile(path.join(evidence, 'a.json'), JSON.stringify({ Records: [record('198.51.100.7')] }));
    await fs.writeFile(path.join(evidence, 'b.json'), JSON.stringify({ Records: [record('203.0.113.99')] }));
    // The first record delivered again: a duplicate, not a conflict.
    await fs.writeFile(path.join(evidence, 'c.json'), JSON.stringify({ Records: [record('198.51.100.7')] }));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('stats --json counts the conflict and names both files', async () => {
    const { code, stdout, stderr } = await runCli(['stats', evidence, '--json', ...load]);
    assert.equal(code, 0, stderr);
    const stats = JSON.parse(stdout) as { events: number; duplicates: number; conflicts: number; conflictList: { eventId: string; first: { path: string }; second: { path: string } }[] };
    assert.equal(stats.events, 2);
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.conflicts, 1);
    assert.equal(stats.conflictList.length, 1);
    assert.equal(stats.conflictList[0].eventId, EVENT_ID);
    assert.deepEqual(
      [stats.conflictList[0].first.path, stats.conflictList[0].second.path].map((p) => path.basename(p)).sort(),
      ['a.json', 'b.json'],
    );
  });

  it('stats says it in words, with both places', async () => {
    const { code, stdout } = await runCli(['stats', evidence, ...load]);
    assert.equal(code, 0);
    assert.match(stdout, /^conflicts: +1 \(records sharing an eventID with different content: all kept\)$/m);
    const line = stdout.split('\n').find((l) => l.includes(`eventID "${EVENT_ID}"`));
    assert.ok(line, stdout);
    assert.ok(line.includes(`${path.join(evidence, 'a.json')} record 1`) && line.includes(`${path.join(evidence, 'b.json')} record 1`), line);
  });

  it('query finds the second record by its address', async () => {
    const { code, stdout } = await runCli(['query', evidence, '--where', 'ip:203.0.113.99', '--format', 'ndjson', ...load]);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]) as { sourceIPAddress: string }).sourceIPAddress, '203.0.113.99');
  });

  it('an export lists the conflict in its provenance', async () => {
    const out = path.join(root, 'out');
    const { code, stdout, stderr } = await runCli(['export', evidence, '--out', out, '--json', ...load]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as ExportResult;
    assert.equal(result.eventsWritten, 2);
    const provenance = (JSON.parse(await fs.readFile(path.join(result.folder, 'provenance.json'), 'utf8')) as { _provenance: Record<string, unknown> })._provenance;
    const conflicts = provenance.eventIdConflicts as { count: number; note: string; conflicts: { eventId: string; first: { path: string }; second: { path: string } }[] };
    assert.ok(conflicts, JSON.stringify(provenance));
    assert.equal(conflicts.count, 1);
    assert.match(conflicts.note, /kept/);
    assert.equal(conflicts.conflicts[0].eventId, EVENT_ID);
    assert.deepEqual([conflicts.conflicts[0].first.path, conflicts.conflicts[0].second.path].map((p) => path.basename(p)).sort(), ['a.json', 'b.json']);
    const header = JSON.parse((await fs.readFile(path.join(result.folder, 'events.jsonl'), 'utf8')).split('\n')[0]) as { _provenance: { eventIdConflicts?: { count: number } } };
    assert.equal(header._provenance.eventIdConflicts?.count, 1, 'the events.jsonl header says it too');
  });

  it('an export of evidence without conflicts has no such entry', async () => {
    const clean = path.join(root, 'clean');
    await fs.mkdir(clean);
    await fs.copyFile(path.join(evidence, 'a.json'), path.join(clean, 'a.json'));
    const { code, stdout } = await runCli(['export', clean, '--out', path.join(root, 'out-clean'), '--json', ...load]);
    assert.equal(code, 0);
    const result = JSON.parse(stdout) as ExportResult;
    const provenance = (JSON.parse(await fs.readFile(path.join(result.folder, 'provenance.json'), 'utf8')) as { _provenance: Record<string, unknown> })._provenance;
    assert.equal('eventIdConflicts' in provenance, false);
  });
});
