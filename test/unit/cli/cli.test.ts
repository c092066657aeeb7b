import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../run-cli';

const SAMPLE = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'sample-trail');

async function ctinv(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // --no-cache: tests never write the user's cache folder.
  return runCli([...argv, ...(argv.length > 1 ? ['--no-cache'] : [])]);
}

function record(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventTime: `2026-03-04T05:00:${String(i).padStart(2, '0')}Z`,
    eventSource: 'iam.amazonaws.com',
    eventName: i % 2 ? 'ListUsers' : 'CreateUser',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEALICE0001' },
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: i % 2 === 1,
    recipientAccountId: '111122223333',
    ...extra,
  };
}

describe('ctinv CLI contract', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-cli-'));
    await fs.writeFile(path.join(dir, 'trail.json'), JSON.stringify({ Records: [0, 1, 2, 3].map((i) => record(i)) }));
    await fs.writeFile(path.join(dir, 'not-cloudtrail.json'), JSON.stringify({ hello: 'world' }));
    // A file name an attacker chose: its escape sequence must not reach the terminal.
    await fs.writeFile(path.join(dir, 'evil\u001b[31m.json'), '{"Records": [');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('COMMAND --help prints that command\'s usage and exits 0, loading nothing', async () => {
    const { code, stdout, stderr } = await runCli(['validate', '--help']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Usage: ctinv validate PATH .*--start-time ISO/);
    const query = await runCli(['query', 'no-such-folder', '-h']);
    assert.equal(query.code, 0, query.stderr);
    assert.match(query.stdout, /^Usage: ctinv query PATH\.\.\./);
  });

  it('stats --json prints the one object of the contract', async () => {
    const { code, stdout } = await ctinv(['stats', dir, '--json']);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const stats = JSON.parse(lines[0]);
    assert.equal(stats.events, 4);
    assert.equal(stats.files, 1);
    assert.equal(stats.digests, 0);
    assert.equal(stats.first, '2026-03-04T05:00:00.000Z');
    assert.equal(stats.last, '2026-03-04T05:00:03.000Z');
    const skipped = (stats.skipped as { path: string; reason: string }[]).map((s) => path.basename(s.path)).sort();
    assert.deepEqual(skipped, ['evil\u001b[31m.json', 'not-cloudtrail.json']);
    for (const s of stats.skipped) assert.ok(s.reason.length > 0);
  });

  it('stats on the sample trail counts its digests and no signature sidecar as skipped', async () => {
    const { code, stdout } = await ctinv(['stats', path.join(SAMPLE, 'AWSLogs'), '--json']);
    assert.equal(code, 0);
    const stats = JSON.parse(stdout);
    assert.equal(stats.events, 345);
    assert.equal(stats.files, 12);
    assert.equal(stats.digests, 6);
    assert.deepEqual(stats.skipped, []);
  });

  it('lists skipped files on stderr with their reasons, control characters made harmless', async () => {
    const { stderr } = await ctinv(['stats', dir, '--json']);
    assert.match(stderr, /skipped: .*not-cloudtrail\.json.*not CloudTrail/);
    assert.match(stderr, /skipped: .*evil\\u001b\[31m\.json/, 'shown as a visible escape');
    assert.ok(!stderr.includes('\u001b'), 'no escape character reaches the terminal');
    assert.ok(!stderr.includes('\r'), 'no progress line when not interactive');
  });

  it('query --format ndjson prints each matching raw event as one line of JSON', async () => {
    const { code, stdout } = await ctinv(['query', dir, '--where', 'NOT readOnly:true AND accessKey:AKIA*', '--format', 'ndjson', '--order', 'asc']);
    assert.equal(code, 0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events, [record(0), record(2)]);
  });

  it('query --limit and --format csv', async () => {
    const { code, stdout } = await ctinv(['query', dir, '--where', 'event:ListUsers', '--format', 'csv', '--limit', '1']);
    assert.equal(code, 0);
    const rows = stdout.trim().split('\n');
    assert.equal(rows.length, 2, 'a header and one row');
    assert.match(rows[1], /ListUsers/);
  });

  it('top FIELD --json counts values within the filter', async () => {
    const { code, stdout } = await ctinv(['top', 'eventName', dir, '--json']);
    assert.equal(code, 0);
    const top = JSON.parse(stdout) as { value: string; count: number }[];
    assert.deepEqual(top.map((t) => [t.value, t.count]), [['CreateUser', 2], ['ListUsers', 2]]);
  });

  it('usage errors exit 2 with a message', async () => {
    const unknown = await ctinv(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const badFilter = await ctinv(['query', '/nonexistent/evidence', '--where', 'eventName:(']);
    assert.equal(badFilter.code, 2, 'the filter is checked before any evidence is read');
    assert.match(badFilter.stderr, /--where: /);
    const noPath = await ctinv(['stats']);
    assert.equal(noPath.code, 2);
  });
});
