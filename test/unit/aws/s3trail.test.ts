import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsClientFactory } from '../../../src/core/aws/clients';
import { DOWNLOAD_MANIFEST, SIGNATURE_SUFFIX, dayPrefixes, downloadTrailBucket, TrailDownloadOptions } from '../../../src/core/aws/s3trail';
import { safeLocalPath } from '../../../src/core/aws/safePath';
import { parseSignatureSidecar } from '../../../src/core/integrity/digest';
import { SIGNATURE_SIDECAR_SUFFIX } from '../../../src/core/integrity/store';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { LocalS3Server } from '../../servers/s3Server';
import { TempAws, tempAws, tmpDir } from './helpers';

const ORG = 'o-abc1234567';
const ACCOUNTS = ['111122223333', '444455556666'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const DAYS = ['2026/11/01', '2026/11/02', '2026/11/03', '2026/11/04', '2026/11/05'];

interface Seeded {
  logs: string[];
  digests: Map<string, string>;
  outside: string[];
}

async function seed(endpoint: string, bucket: string, perDay: number, digestsPerDay: number): Promise<Seeded> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET },
  });
  const puts: Array<() => Promise<unknown>> = [];
  const seeded: Seeded = { logs: [], digests: new Map(), outside: [] };
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      for (const day of [...DAYS, '2026/10/31']) {
        const compact = day.replace(/\//g, '');
        for (let i = 0; i < perDay; i++) {
          const key = `trails/AWSLogs/${ORG}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${compact}T${String(i).padStart(4, '0')}Z_abc${i}.json.gz`;
          (day === '2026/10/31' ? seeded.outside : seeded.logs).push(key);
          const body = JSON.stringify({ Records: [{ eventID: `${account}-${region}-${compact}-${i}`, eventTime: `${day.replace(/\//g, '-')}T00:00:00Z` }] });
          puts.push(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
        }
        if (day === '2026/10/31') continue;
        for (let h = 0; h < digestsPerDay; h++) {
          const key = `trails/AWSLogs/${ORG}/${account}/CloudTrail-Digest/${region}/${day}/${account}_CloudTrail-Digest_${region}_trail_${region}_${compact}T${String(h).padStart(2, '0')}0000Z.json.gz`;
          const signature = `${account}${region}${compact}${h}`.replace(/[^0-9a-f]/g, 'a').padEnd(64, 'f');
          seeded.digests.set(key, signature);
          puts.push(() =>
            client.send(
              new PutObjectCommand({ Bucket: bucket, Key: key, Body: `{"digest":${h}}`, Metadata: { signature, 'signature-algorithm': 'SHA256withRSA' } }),
            ),
          );
        }
      }
    }
  }
  // A key that must never become a local path, inside a listed day.
  const evil = `trails/AWSLogs/${ORG}/${ACCOUNTS[0]}/CloudTrail/${REGIONS[0]}/${DAYS[0]}/..\\..\\evil.json`;
  puts.push(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: evil, Body: 'x' })));
  let next = 0;
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < puts.length) await puts[next++]();
    }),
  );
  client.destroy();
  return seeded;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

describe('aws/s3trail: trail bucket download through the real SDK against s3rver', function () {
  // Thousands of objects through a real S3 server take as long as the machine makes them take:
  // no wall-clock limit here, the assertions are on what was downloaded, never on how fast.
  this.timeout(0);
  let aws: TempAws;
  let server: LocalS3Server;
  let seeded: Seeded;
  let factory: AwsClientFactory;
  const options = (dest: string, extra: Partial<TrailDownloadOptions> = {}): TrailDownloadOptions => ({
    factory,
    region: 'us-east-1',
    bucket: 'trail-bucket',
    prefix: 'trails',
    orgId: ORG,
    from: '2026-11-01',
    to: '2026-11-05',
    dest,
    concurrency: 8,
    ...extra,
  });

  before(async () => {
    aws = await tempAws();
    server = new LocalS3Server(['trail-bucket']);
    await server.start();
    // 2 accounts × 2 regions × 5 days × 100 logs = 2,000 logs in range, 80 digests, 400 outside it.
    seeded = await seed(server.endpoint, 'trail-bucket', 100, 4);
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { s3: server.endpoint } });
  });
  after(async () => {
    factory.dispose();
    await server.stop();
    await aws.cleanup();
  });

  it('writes signature sidecars where the integrity validator looks for them', () => {
    assert.equal(SIGNATURE_SUFFIX, SIGNATURE_SIDECAR_SUFFIX);
  });

  it('downloads a bucket with thousands of objects, keeping the key layout and digest signatures', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const summary = await downloadTrailBucket(options(dest, { listPageSize: 37, maxQueued: 10 }));
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.downloaded, 2000 + 80);
    assert.deepEqual(summary.accounts, ACCOUNTS, 'accounts discovered under the organisation folder');
    assert.deepEqual(summary.regions, [...REGIONS].sort(), 'regions discovered');
    assert.equal(summary.rejected.length, 1);
    assert.match(summary.rejected[0].reason, /backslash/);
    const files = await walk(dest);
    const rel = new Set(files.map((f) => path.relative(dest, f).split(path.sep).join('/')));
    for (const key of seeded.logs) assert.ok(rel.has(key), key);
    for (const key of seeded.outside) assert.ok(!rel.has(key), `outside the date range: ${key}`);
    for (const [key, signature] of seeded.digests) {
      const sidecar = await fs.readFile(path.join(dest, `${key}${SIGNATURE_SUFFIX}`));
      // The integrity validator (issue #7) reads exactly this sidecar.
      assert.deepEqual(parseSignatureSidecar(sidecar), { signature, algorithm: 'SHA256withRSA' });
    }
    assert.ok(![...rel].some((f) => f.includes('evil') || f.endsWith('.ctinv-part')));
    assert.ok(rel.has(DOWNLOAD_MANIFEST));
    const sample = seeded.logs[17];
    const content = JSON.parse(await fs.readFile(path.join(dest, sample), 'utf8'));
    assert.equal(content.Records.length, 1);

    // Run again: everything present and identical is skipped without a single GetObject.
    const before = server.requests.length;
    const again = await downloadTrailBucket(options(dest));
    const gets = server.requests.slice(before).filter((r) => r.method === 'GET' && !r.url.includes('list-type=2'));
    assert.equal(again.downloaded, 0);
    assert.equal(again.skipped, 2080);
    assert.equal(gets.length, 0);
    const listings = server.requests.filter((r) => r.url.includes('list-type=2') && r.url.includes('continuation-token'));
    assert.ok(listings.length > 0, 'listing went through ContinuationToken pages');
    await fs.rm(dest, { recursive: true, force: true });
  });

  it('cancel leaves no half file under a final name; the next run resumes with the rest', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const controller = new AbortController();
    const first = await downloadTrailBucket(
      options(dest, {
        accounts: [ACCOUNTS[0]],
        regions: ['us-east-1'],
        signal: controller.signal,
        onProgress: (p) => {
          if (p.downloaded >= 120) controller.abort();
        },
      }),
    );
    assert.equal(first.cancelled, true);
    assert.ok(first.downloaded >= 120 && first.downloaded < 520, `downloaded ${first.downloaded}`);
    const files = await walk(dest);
    assert.ok(!files.some((f) => f.endsWith('.ctinv-part')), 'no temp file left');
    for (const f of files.filter((x) => x.endsWith('.json.gz') && !x.includes('Digest'))) {
      const text = await fs.readFile(f, 'utf8');
      assert.doesNotThrow(() => JSON.parse(text), `complete file ${f}`);
    }
    const second = await downloadTrailBucket(options(dest, { accounts: [ACCOUNTS[0]], regions: ['us-east-1'] }));
    assert.equal(second.cancelled, false);
    assert.equal(second.skipped, first.downloaded);
    assert.equal(second.downloaded + second.skipped, 520);
    await fs.rm(dest, { recursive: true, force: true });
  });

  it('never overwrites a local file that differs; reports it instead', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const narrow = { accounts: [ACCOUNTS[1]], regions: ['eu-west-1'], from: '2026-11-02', to: '2026-11-02', includeDigests: false };
    await downloadTrailBucket(options(dest, narrow));
    const key = seeded.logs.find((k) => k.includes(`${ACCOUNTS[1]}/CloudTrail/eu-west-1/2026/11/02/`))!;
    const local = path.join(dest, key);
    await fs.writeFile(local, 'tampered');
    const second = await downloadTrailBucket(options(dest, narrow));
    assert.equal(second.conflicts.length, 1);
    assert.equal(second.conflicts[0].key, key);
    assert.equal(await fs.readFile(local, 'utf8'), 'tampered', 'the local file is kept as it is');
    // A file that was there before any manifest, identical to S3: recognised by its MD5.
    const fresh = await tmpDir('ctinv-evidence-');
    const copy = path.join(fresh, key);
    await fs.mkdir(path.dirname(copy), { recursive: true });
    const other = seeded.logs.find((k) => k.includes(`${ACCOUNTS[1]}/CloudTrail/eu-west-1/2026/11/02/`) && k !== key)!;
    const original = path.join(dest, other);
    await fs.mkdir(path.dirname(path.join(fresh, other)), { recursive: true });
    await fs.copyFile(original, path.join(fresh, other));
    const third = await downloadTrailBucket(options(fresh, narrow));
    assert.equal(third.skipped, 1);
    assert.equal(third.downloaded, 99);
    await fs.rm(dest, { recursive: true, force: true });
    await fs.rm(fresh, { recursive: true, force: true });
  });

  it('recovers from a connection dropped mid-body', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    server.dropNextObjectResponses(2);
    const summary = await downloadTrailBucket(options(dest, { accounts: [ACCOUNTS[0]], regions: ['eu-west-1'], from: '2026-11-03', to: '2026-11-03' }));
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.downloaded, 104);
    assert.ok(summary.retries >= 2, `retries ${summary.retries}`);
    await fs.rm(dest, { recursive: true, force: true });
  });

  it('access denied names the missing permission; bad input names what is wrong', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const denied = new AwsClientFactory({ profile: 'denied', files: aws.files, endpoints: { s3: server.endpoint } });
    const summary = await downloadTrailBucket(options(dest, { factory: denied }));
    denied.dispose();
    assert.equal(summary.downloaded, 0);
    assert.match(summary.errors[0], /profile 'denied' is missing the permission s3:ListBucket/);
    const expired = new AwsClientFactory({ profile: 'expired', files: aws.files, endpoints: { s3: server.endpoint } });
    const stale = await downloadTrailBucket(options(dest, { factory: expired }));
    expired.dispose();
    assert.match(stale.errors[0], /credentials of profile 'expired' have expired/);
    await assert.rejects(downloadTrailBucket(options(dest, { orgId: 'org-1' })), /'org-1' is not an organisation id/);
    await assert.rejects(downloadTrailBucket(options(dest, { accounts: ['12345'] })), /'12345' is not a 12-digit account id/);
    await assert.rejects(downloadTrailBucket(options(dest, { from: '2026-11-05', to: '2026-11-01' })), /date range .* is empty/);
    await fs.rm(dest, { recursive: true, force: true });
  });
});

describe('aws/safePath: S3 keys never escape the evidence folder', () => {
  const dest = path.resolve('/tmp/evidence');
  it('keeps ordinary keys under the folder', () => {
    assert.equal(safeLocalPath(dest, 'AWSLogs/1/CloudTrail/us-east-1/2026/11/01/a.json.gz'), path.join(dest, 'AWSLogs/1/CloudTrail/us-east-1/2026/11/01/a.json.gz'));
  });
  for (const [key, why] of [
    ['../x', /'\.\.'/],
    ['a/../../x', /'\.\.'/],
    ['/etc/passwd', /absolute/],
    ['C:/x', /drive letter/],
    ['a\\..\\x', /backslash/],
    ['a/\0b', /NUL/],
    ['a//b', /empty path segment/],
    ['a/./b', /'\.'/],
    ['a/', /folder marker/],
    ['', /empty key/],
    ['a/nul.txt', /portable/],
    ['a/b\u0007', /control/],
  ] as Array<[string, RegExp]>) {
    it(`refuses ${JSON.stringify(key)}`, () => {
      assert.throws(() => safeLocalPath(dest, key), why);
    });
  }
  it('parses the date range into day prefixes', () => {
    assert.deepEqual(dayPrefixes('2026-02-27', '2026-03-01'), ['2026/02/27', '2026/02/28', '2026/03/01']);
    assert.throws(() => dayPrefixes('2026-13-01', '2026-13-02'), /not YYYY-MM-DD/);
  });
});

describe('aws/s3trail: objects as S3 really serves them (SSE-KMS, multipart, checksums, Insights, digest-only regions)', function () {
  this.timeout(0);
  const ACCOUNT = '111122223333';
  const base = `AWSLogs/${ACCOUNT}`;
  const logKey = (region: string, n: number) => `${base}/CloudTrail/${region}/2026/11/02/${ACCOUNT}_CloudTrail_${region}_20261102T0${n}00Z_k${n}.json.gz`;
  const keys = {
    kms: logKey('us-east-1', 1),
    multipart: logKey('us-east-1', 2),
    checksummed: logKey('us-east-1', 3),
    corrupt: logKey('us-east-1', 4),
    plain: logKey('us-east-1', 5),
    insight: `${base}/CloudTrail-Insight/us-east-1/2026/11/02/${ACCOUNT}_CloudTrail-Insight_us-east-1_20261102T0100Z_i1.json.gz`,
    // ap-south-1 has digests only: a day with no events still gets its hourly digests.
    digestOnly: `${base}/CloudTrail-Digest/ap-south-1/2026/11/02/${ACCOUNT}_CloudTrail-Digest_ap-south-1_trail_ap-south-1_20261102T010000Z.json.gz`,
  };
  const body = (key: string) => JSON.stringify({ Records: [{ eventID: key, eventTime: '2026-11-02T01:00:00Z' }] });
  const sha256b64 = (text: string) => createHash('sha256').update(text).digest('base64');
  let aws: TempAws;
  let server: LocalS3Server;
  let factory: AwsClientFactory;

  before(async () => {
    aws = await tempAws();
    server = new LocalS3Server(['kms-trail']);
    await server.start();
    const client = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET } });
    for (const key of Object.values(keys)) await client.send(new PutObjectCommand({ Bucket: 'kms-trail', Key: key, Body: body(key), Metadata: key.includes('Digest') ? { signature: 'ab'.repeat(32), 'signature-algorithm': 'SHA256withRSA' } : undefined }));
    client.destroy();
    // SSE-KMS: a 32-hex ETag that is not the MD5 (as S3 serves every object of a KMS-encrypted trail bucket).
    server.setObjectTraits('kms-trail', keys.kms, { etag: 'f'.repeat(32), sse: 'aws:kms' });
    server.setObjectTraits('kms-trail', keys.insight, { etag: 'e'.repeat(32), sse: 'aws:kms' });
    server.setObjectTraits('kms-trail', keys.multipart, { etag: `${'a'.repeat(32)}-3` });
    server.setObjectTraits('kms-trail', keys.checksummed, { etag: 'c'.repeat(32), sse: 'aws:kms', checksumSha256: sha256b64(body(keys.checksummed)) });
    server.setObjectTraits('kms-trail', keys.corrupt, { etag: 'd'.repeat(32), sse: 'aws:kms', checksumSha256: sha256b64('other content') });
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { s3: server.endpoint } });
  });
  after(async () => {
    factory.dispose();
    await server.stop();
    await aws.cleanup();
  });

  const run = (dest: string) => downloadTrailBucket({ factory, region: 'us-east-1', bucket: 'kms-trail', from: '2026-11-02', to: '2026-11-02', dest, concurrency: 2 });
  const gets = (key: string) => server.requests.filter((r) => r.method === 'GET' && decodeURIComponent(r.url.split('?')[0]) === `/kms-trail/${key}`).length;

  it('downloads SSE-KMS and multipart objects, checks what S3 guarantees, and blames no network for a mismatch', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const summary = await run(dest);
    assert.deepEqual(
      summary.failed.map((f) => f.key),
      [keys.corrupt],
      JSON.stringify(summary.failed, null, 1),
    );
    const reason = summary.failed[0].reason;
    assert.match(reason, /does not match S3's (x-amz-checksum-sha256|checksum)/);
    assert.doesNotMatch(reason, /connection/i);
    assert.equal(gets(keys.corrupt), 1, 'a content mismatch is not retried as a network failure');
    assert.equal(gets(keys.kms), 1);
    await assert.rejects(fs.stat(path.join(dest, keys.corrupt)), 'the mismatching content is not kept');
    assert.equal(summary.downloaded, 6);
    assert.deepEqual(summary.conflicts, []);
    for (const key of [keys.kms, keys.multipart, keys.checksummed, keys.plain, keys.insight]) {
      assert.equal(await fs.readFile(path.join(dest, key), 'utf8'), body(key));
    }
    const manifest = JSON.parse(await fs.readFile(path.join(dest, DOWNLOAD_MANIFEST), 'utf8')).buckets['kms-trail'];
    const sha = (key: string) => createHash('sha256').update(body(key)).digest('hex');
    assert.deepEqual([manifest[keys.kms].verified, manifest[keys.kms].sha256], ['none', sha(keys.kms)]);
    assert.equal(manifest[keys.multipart].verified, 'none');
    assert.equal(manifest[keys.checksummed].verified, 'checksum-sha256');
    assert.equal(manifest[keys.plain].verified, 'md5-etag');
    assert.equal(summary.unverified, 3, 'kms, insight and multipart: SHA-256 recorded, nothing claimed');

    // Copies made before any manifest (another tool, an earlier version) are recognised, not reported as conflicts.
    const fresh = await tmpDir('ctinv-evidence-');
    for (const key of [keys.kms, keys.multipart, keys.checksummed, keys.plain]) {
      await fs.mkdir(path.dirname(path.join(fresh, key)), { recursive: true });
      await fs.copyFile(path.join(dest, key), path.join(fresh, key));
    }
    const tampered = path.join(fresh, keys.kms); // changed below: same size, other content
    const again = await run(fresh);
    assert.equal(again.skipped, 4, JSON.stringify(again.conflicts));
    assert.deepEqual(again.conflicts, []);
    await fs.writeFile(tampered, body(keys.kms).replace('eventID', 'eventIX'));
    await fs.rm(path.join(fresh, DOWNLOAD_MANIFEST));
    const third = await run(fresh);
    assert.deepEqual(third.conflicts.map((c) => c.key), [keys.kms]);
    assert.match(third.conflicts[0].reason, /different content \(SHA-256/);
    assert.equal(await fs.readFile(tampered, 'utf8'), body(keys.kms).replace('eventID', 'eventIX'), 'the local file is kept as it is');
    await fs.rm(dest, { recursive: true, force: true });
    await fs.rm(fresh, { recursive: true, force: true });
  });

  it('finds regions under CloudTrail-Digest/ and CloudTrail-Insight/ too, and downloads Insights files', async () => {
    const dest = await tmpDir('ctinv-evidence-');
    const summary = await run(dest);
    assert.deepEqual(summary.regions, ['ap-south-1', 'us-east-1']);
    const rel = new Set(summary.files.map((f) => path.relative(dest, f).split(path.sep).join('/')));
    assert.ok(rel.has(keys.insight), 'the Insights file');
    assert.ok(rel.has(keys.digestOnly), 'the digest of a region with no log files');
    await fs.rm(dest, { recursive: true, force: true });
  });
});
