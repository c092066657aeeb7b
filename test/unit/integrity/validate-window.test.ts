/**
 * Chain heads and the time window: a digest that a held digest names as its previous one,
 * and whose time falls inside the span checked, must be present. The span is the one given
 * (--start-time / --end-time, as `aws cloudtrail validate-logs` takes them) or, by default,
 * the span the evidence itself covers: from the earliest digest or log file of the same
 * trail, in any region.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { validateFolder } from '../../../src/core/integrity/validate';
import { DigestPublicKey, keyFingerprints } from '../../../src/core/integrity/keys';
import { runCli } from '../run-cli';
import { aws, BUCKET, buildChain, BuiltChain, digestKey, flagged, localPath, logKey, makeDigest, tempDir, writeToFolder } from './chain';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;

function keyList(chain: BuiltChain): DigestPublicKey[] {
  return [{ fingerprints: keyFingerprints(chain.publicKey), key: chain.publicKey, source: 'test key' }];
}

function s3(key: string): string {
  return `s3://${BUCKET}/${key}`;
}

async function removeDigest(dir: string, key: string): Promise<void> {
  await fs.rm(localPath(dir, key));
  await fs.rm(`${localPath(dir, key)}.signature.json`);
}

describe('integrity: chain heads and the time window', function () {
  /** One chain per region, all starting at 10:00, three hourly digests of two log files each. */
  const chains = new Map<string, BuiltChain>();
  let dir: string;

  before(() => {
    for (const region of REGIONS) chains.set(region, buildChain({ periods: 3, logsPerPeriod: 2, region }));
  });

  beforeEach(async () => {
    dir = await tempDir('window');
    for (const chain of chains.values()) await writeToFolder(dir, chain.objects);
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const eu = (): BuiltChain => chains.get('eu-west-1') as BuiltChain;
  const keys = (): DigestPublicKey[] => keyList(eu());

  /** Deletes eu-west-1's first digest, its signature file and the log files it lists. */
  async function deleteEuHead(): Promise<void> {
    await removeDigest(dir, eu().digests[0]);
    for (const log of eu().logs[0]) await fs.rm(localPath(dir, log));
  }

  it('finds three clean chains valid, with nothing left unchecked', async () => {
    const result = await validateFolder(dir, { publicKeys: keys() });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.counts.digests.valid, 9);
    assert.strictEqual(result.counts.logs.valid, 18);
    assert.deepStrictEqual(result.notChecked, []);
    assert.deepStrictEqual(result.window, { start: '2026-11-20T10:10:59Z', end: '2026-11-20T13:00:00Z', given: { start: false, end: false } });
    assert.strictEqual(result.ok, true);
  });

  it('reports the deleted head of one region as missing when the other regions start at the same hour', async () => {
    await deleteEuHead();
    const result = await validateFolder(dir, { publicKeys: keys() });
    const head = eu().digests[0];
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: { [s3(head)]: 'missing' }, findings: ['gap'] });
    assert.strictEqual(result.ok, false);
    const missing = result.digests.find((d) => d.verdict === 'missing');
    assert.strictEqual(missing?.region, 'eu-west-1');
    assert.strictEqual(missing?.endTime, eu().windows[0].end);
    assert.ok(missing?.reason?.includes(localPath(dir, eu().digests[1])), missing?.reason);
    assert.ok(missing?.reason?.includes(localPath(dir, head)), missing?.reason);
    assert.match(missing?.reason ?? '', /inside the span checked \(from 2026-11-20T10:10:59Z, the earliest digest or log file of this trail\)/);
    const gap = result.findings[0];
    assert.strictEqual(gap.region, 'eu-west-1');
    assert.strictEqual(gap.to, eu().windows[1].start);
    assert.ok(gap.message.includes(s3(head)), gap.message);
  });

  it('still reports a deleted middle digest as missing, and its logs as not verifiable', async () => {
    await removeDigest(dir, eu().digests[1]);
    const result = await validateFolder(dir, { publicKeys: keys() });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(eu().logs[1][0])]: 'not-verifiable', [aws(eu().logs[1][1])]: 'not-verifiable' },
      digests: { [s3(eu().digests[1])]: 'missing' },
      findings: ['gap'],
    });
  });

  it('with --start-time after the deleted head: valid, and says what was not checked', async () => {
    await deleteEuHead();
    const result = await validateFolder(dir, { publicKeys: keys(), startTime: new Date('2026-11-20T11:30:00Z') });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.ok, true);
    // The first digest of each region (10:00-11:00) and its two logs lie before the window.
    assert.strictEqual(result.counts.digests.valid, 6);
    assert.strictEqual(result.counts.logs.valid, 12);
    assert.deepStrictEqual(result.window, { start: '2026-11-20T11:30:00Z', end: '2026-11-20T13:00:00Z', given: { start: true, end: false } });
    const euNote = result.notChecked.find((n) => n.includes('eu-west-1') && n.includes(s3(eu().digests[0])));
    assert.ok(euNote, result.notChecked.join('\n'));
    assert.match(euNote, /before the start of the window \(2026-11-20T11:30:00Z\)/);
    assert.ok(result.notChecked.some((n) => /^2 digests and 4 log files outside the window were not checked/.test(n)), result.notChecked.join('\n'));
  });

  it('with --start-time at or before the deleted head: missing (the time bound comes from outside)', async () => {
    await deleteEuHead();
    const result = await validateFolder(dir, { publicKeys: keys(), startTime: new Date('2026-11-20T11:00:00Z') });
    assert.deepStrictEqual(flagged(result).digests, { [s3(eu().digests[0])]: 'missing' });
    assert.strictEqual(result.ok, false);
  });

  it('a single chain whose head and its logs were deleted is only caught with a --start-time', async () => {
    const single = await tempDir('single');
    try {
      await writeToFolder(single, eu().objects);
      await removeDigest(single, eu().digests[0]);
      for (const log of eu().logs[0]) await fs.rm(localPath(single, log));
      const unbounded = await validateFolder(single, { publicKeys: keys() });
      assert.strictEqual(unbounded.ok, true);
      assert.ok(
        unbounded.notChecked.some((n) => n.includes(s3(eu().digests[0])) && /before the span the evidence covers/.test(n)),
        unbounded.notChecked.join('\n'),
      );
      const bounded = await validateFolder(single, { publicKeys: keys(), startTime: new Date('2026-11-20T10:00:00Z') });
      assert.deepStrictEqual(flagged(bounded).digests, { [s3(eu().digests[0])]: 'missing' });
      assert.strictEqual(bounded.ok, false);
    } finally {
      await fs.rm(single, { recursive: true, force: true });
    }
  });

  it('evidence that starts mid-chain in every region (a time slice) is not a finding', async () => {
    for (const chain of chains.values()) {
      await removeDigest(dir, chain.digests[0]);
      for (const log of chain.logs[0]) await fs.rm(localPath(dir, log));
    }
    const result = await validateFolder(dir, { publicKeys: keys() });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.ok, true);
    assert.strictEqual(result.notChecked.length, 3, result.notChecked.join('\n'));
  });

  it('log names carry minutes: a log named 11:10 may have been delivered at 11:10:59', async () => {
    // us-east-1's hours end on the hour, sa-east-1's at 40 seconds past ten past.
    const offset = await tempDir('offset');
    try {
      const east = chains.get('us-east-1') as BuiltChain;
      const south = buildChain({ periods: 3, logsPerPeriod: 2, region: 'sa-east-1', start: new Date(Date.UTC(2026, 10, 20, 10, 10, 40)) });
      for (const chain of [east, south]) await writeToFolder(offset, chain.objects);
      // Only sa-east-1's head gone: us-east-1 reaches back to 10:10, before it ends (11:10:40).
      await removeDigest(offset, south.digests[0]);
      for (const log of south.logs[0]) await fs.rm(localPath(offset, log));
      const headGone = await validateFolder(offset, { publicKeys: keys() });
      assert.deepStrictEqual(flagged(headGone).digests, { [s3(south.digests[0])]: 'missing' });
      // Cut at the first hour of both: us-east-1's first log left is named 11:10, which may be
      // after sa-east-1's first digest ended (11:10:40): that digest is not demanded.
      await removeDigest(offset, east.digests[0]);
      for (const log of east.logs[0]) await fs.rm(localPath(offset, log));
      const cut = await validateFolder(offset, { publicKeys: keys() });
      assert.deepStrictEqual(flagged(cut), { logs: {}, digests: {}, findings: [] });
      assert.strictEqual(cut.window.start, '2026-11-20T11:10:59Z');
      assert.strictEqual(cut.notChecked.length, 2, cut.notChecked.join('\n'));
    } finally {
      await fs.rm(offset, { recursive: true, force: true });
    }
  });

  it('a trail moved to another bucket finds the digest before the move in the old bucket beside it', async () => {
    const moved = await tempDir('moved');
    try {
      const east = chains.get('us-east-1') as BuiltChain;
      await writeToFolder(moved, east.objects);
      // The next hour was delivered to new-bucket; its digest names the last one in the old bucket.
      const start = new Date(east.windows[2].end);
      const end = new Date(start.getTime() + 3_600_000);
      const logContent = Buffer.from(JSON.stringify({ Records: [] }));
      const log = logKey(new Date(start.getTime() + 600_000), 'MOVED0001', '');
      const last = east.digests[2];
      const next = makeDigest({
        start,
        end,
        key: digestKey(end, ''),
        bucket: 'new-bucket',
        logs: [{ key: log, content: logContent }],
        previous: {
          key: last,
          bucket: BUCKET,
          signature: east.objects.find((o) => o.key === last)?.metadata?.signature ?? '',
          sha256: createHash('sha256').update(JSON.stringify(east.digestJson[2])).digest('hex'),
        },
        privateKey: east.privateKey,
        fingerprint: east.fingerprint,
      });
      await writeToFolder(
        moved,
        [
          { key: log, body: gzipSync(logContent) },
          { key: digestKey(end, ''), body: next.body, metadata: { signature: next.signature, 'signature-algorithm': 'SHA256withRSA' } },
        ],
        'new-bucket',
      );
      const result = await validateFolder(moved, { publicKeys: keys(), startTime: new Date('2026-11-20T10:00:00Z') });
      assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
      assert.strictEqual(result.counts.digests.valid, 4);
      assert.strictEqual(result.ok, true);
    } finally {
      await fs.rm(moved, { recursive: true, force: true });
    }
  });

  it('with --end-time: later digests and the log files they list are not checked', async () => {
    const late = eu().logs[2][0];
    const file = localPath(dir, late);
    await fs.writeFile(file, gzipSync(Buffer.from(gunzipSync(await fs.readFile(file)).toString('utf8').replace('StopLogging', 'StartLogging'))));
    const whole = await validateFolder(dir, { publicKeys: keys() });
    assert.deepStrictEqual(flagged(whole).logs, { [aws(late)]: 'changed' });
    const bounded = await validateFolder(dir, { publicKeys: keys(), endTime: new Date('2026-11-20T11:59:00Z') });
    assert.deepStrictEqual(flagged(bounded), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(bounded.ok, true);
    assert.strictEqual(bounded.counts.digests.valid, 6);
    assert.ok(bounded.notChecked.some((n) => /^3 digests and 6 log files outside the window were not checked/.test(n)), bounded.notChecked.join('\n'));
  });

  it('a window with nothing in it proves nothing', async () => {
    const result = await validateFolder(dir, { publicKeys: keys(), startTime: new Date('2027-01-01T00:00:00Z') });
    assert.strictEqual(result.ok, false);
    assert.strictEqual(result.digests.length, 0);
    assert.match(result.problems.map((p) => p.reason).join('\n'), /no digest or log file in the window/);
  });

  it('refuses a start after the end', async () => {
    await assert.rejects(
      validateFolder(dir, { publicKeys: keys(), startTime: new Date('2026-11-20T12:00:00Z'), endTime: new Date('2026-11-20T11:00:00Z') }),
      /start .* is after the end/,
    );
  });

  describe('ctinv validate', () => {
    let keyFile: string;
    beforeEach(async () => {
      keyFile = path.join(dir, 'key.pem');
      await fs.writeFile(keyFile, eu().publicKey.export({ type: 'spki', format: 'pem' }) as string);
    });

    it('exits 1 and names the missing head digest; exits 0 with --start-time after it, saying what was not checked', async () => {
      await deleteEuHead();
      const failed = await runCli(['validate', dir, '--public-key', keyFile]);
      assert.strictEqual(failed.code, 1, failed.stdout);
      assert.ok(failed.stdout.includes(`DIGEST MISSING    ${s3(eu().digests[0])}`), failed.stdout);
      assert.match(failed.stdout, /GAP +gap in the chain up to 2026-11-20T11:00:00Z: the digest that covers it \(s3:\/\/.*eu-west-1.*20261120T110000Z\.json\.gz\) is missing/);
      assert.match(failed.stdout, /Window: 2026-11-20T10:10:59Z to 2026-11-20T13:00:00Z \(the span the evidence covers/);
      assert.doesNotMatch(failed.stdout, /every log file and digest is valid/);

      const passed = await runCli(['validate', dir, '--public-key', keyFile, '--start-time', '2026-11-20T11:30:00Z']);
      assert.strictEqual(passed.code, 0, passed.stdout);
      assert.match(passed.stdout, /Window: 2026-11-20T11:30:00Z \(--start-time\) to 2026-11-20T13:00:00Z/);
      assert.match(passed.stdout, /Not checked:\n/);
      assert.ok(passed.stdout.includes(s3(eu().digests[0])), passed.stdout);
      assert.match(passed.stdout, /Result: every log file and digest in the window is valid/);
    });

    it('exits 2 on a start or end time that is not ISO 8601, or a start after the end', async () => {
      const bad = await runCli(['validate', dir, '--public-key', keyFile, '--start-time', 'yesterday']);
      assert.strictEqual(bad.code, 2);
      assert.match(bad.stderr, /--start-time: "yesterday" is not an ISO 8601 time/);
      const empty = await runCli(['validate', dir, '--public-key', keyFile, '--end-time=']);
      assert.strictEqual(empty.code, 2);
      assert.match(empty.stderr, /--end-time/);
      const reversed = await runCli(['validate', dir, '--public-key', keyFile, '--start-time', '2026-11-20T12:00Z', '--end-time', '2026-11-20T11:00Z']);
      assert.strictEqual(reversed.code, 2);
      assert.match(reversed.stderr, /--start-time .* is after --end-time/);
      const dateOnly = await runCli(['validate', dir, '--public-key', keyFile, '--start-time', '2026-11-20', '--json']);
      assert.strictEqual(dateOnly.code, 0, dateOnly.stderr);
      assert.strictEqual(JSON.parse(dateOnly.stdout).window.start, '2026-11-20T00:00:00Z');
    });
  });
});
