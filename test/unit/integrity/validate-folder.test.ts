import * as assert from 'assert';
import { createHash, generateKeyPairSync } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { validateFolder } from '../../../src/core/integrity/validate';
import { DigestPublicKey, keyFingerprints, loadPublicKeyFile } from '../../../src/core/integrity/keys';
import { ValidationProgress } from '../../../src/core/integrity/types';
import {
  ACCOUNT,
  aws,
  BUCKET,
  buildChain,
  BuiltChain,
  digestKey,
  flagged,
  localPath,
  logKey,
  makeDigest,
  PREFIX,
  tempDir,
  writeToFolder,
} from './chain';

function keyList(chain: BuiltChain): DigestPublicKey[] {
  return [{ fingerprints: keyFingerprints(chain.publicKey), key: chain.publicKey, source: 'test key' }];
}


function s3(key: string): string {
  return `s3://${BUCKET}/${key}`;
}

async function fileHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        const stat = await fs.stat(full);
        out.set(full, `${createHash('sha256').update(await fs.readFile(full)).digest('hex')}:${stat.mtimeMs}`);
      }
    }
  };
  await walk(dir);
  return out;
}

describe('integrity: validateFolder on a real signed digest chain', function () {
  let chain: BuiltChain;
  let dir: string;

  before(() => {
    chain = buildChain({ periods: 3, logsPerPeriod: 2 });
  });

  beforeEach(async () => {
    dir = await tempDir('integrity');
    await writeToFolder(dir, chain.objects);
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds every log file and digest valid in an untouched chain', async () => {
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.counts.logs.valid, 6);
    assert.strictEqual(result.counts.digests.valid, 3);
    assert.strictEqual(result.ok, true);
    assert.deepStrictEqual(result.range, { start: chain.windows[0].start, end: chain.windows[2].end });
    for (const log of result.logFiles) assert.strictEqual(log.actualSha256, log.expectedSha256);
  });

  it('validates when pointed at the AWSLogs folder itself, or at a parent of the bucket folder', async () => {
    const awsLogs = path.join(dir, BUCKET, PREFIX, 'AWSLogs');
    for (const target of [awsLogs, dir]) {
      const result = await validateFolder(target, { publicKeys: keyList(chain) });
      assert.strictEqual(result.ok, true, target);
      assert.strictEqual(result.counts.logs.valid, 6, target);
    }
  });

  it('never modifies the evidence it validates', async () => {
    const before = await fileHashes(dir);
    await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(await fileHashes(dir), before);
  });

  it('flags exactly the log file whose compressed bytes changed by one byte', async () => {
    const target = chain.logs[1][0];
    const file = localPath(dir, target);
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await fs.writeFile(file, bytes);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: { [aws(target)]: 'changed' }, digests: {}, findings: [] });
    assert.strictEqual(result.ok, false);
  });

  it('flags a log file whose events were edited and re-gzipped (hash mismatch, both hashes reported)', async () => {
    const target = chain.logs[2][1];
    const file = localPath(dir, target);
    const text = gunzipSync(await fs.readFile(file)).toString('utf8').replace('StopLogging', 'StartLogging');
    await fs.writeFile(file, gzipSync(Buffer.from(text)));
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: { [aws(target)]: 'changed' }, digests: {}, findings: [] });
    const log = result.logFiles.find((l) => l.key === aws(target));
    assert.ok(log?.actualSha256 && log.expectedSha256 && log.actualSha256 !== log.expectedSha256);
    assert.match(log?.reason ?? '', /SHA-256/);
  });

  it('accepts a log file the user decompressed (hashValue is over the uncompressed content)', async () => {
    const target = chain.logs[0][1];
    const file = localPath(dir, target);
    await fs.writeFile(file.replace(/\.gz$/, ''), gunzipSync(await fs.readFile(file)));
    await fs.rm(file);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
  });

  it('reports a deleted log file as missing', async () => {
    const target = chain.logs[0][0];
    await fs.rm(localPath(dir, target));
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: { [aws(target)]: 'missing' }, digests: {}, findings: [] });
    const log = result.logFiles.find((l) => l.key === aws(target));
    assert.strictEqual(log?.path, undefined);
    assert.ok(log?.digest?.endsWith('.json.gz'));
  });

  it('reports a digest moved from its recorded location as moved, and still trusts the logs it signs', async () => {
    const target = chain.digests[0];
    const from = localPath(dir, target);
    const to = path.join(path.dirname(path.dirname(from)), '19', path.basename(from));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(from, to);
    await fs.rename(`${from}.signature.json`, `${to}.signature.json`);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: { [s3(target)]: 'moved' }, findings: [] });
    const digest = result.digests.find((d) => d.recordedLocation === s3(target));
    assert.strictEqual(digest?.path, to);
    assert.match(digest?.reason ?? '', /moved/);
  });

  it('reports a deleted middle digest as missing, a gap naming the window, and its logs as not verifiable', async () => {
    const target = chain.digests[1];
    await fs.rm(localPath(dir, target));
    await fs.rm(`${localPath(dir, target)}.signature.json`);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(chain.logs[1][0])]: 'not-verifiable', [aws(chain.logs[1][1])]: 'not-verifiable' },
      digests: { [s3(target)]: 'missing' },
      findings: ['gap'],
    });
    const gap = result.findings[0];
    assert.strictEqual(gap.from, chain.windows[0].end);
    assert.strictEqual(gap.to, chain.windows[2].start);
    assert.strictEqual(gap.account, ACCOUNT);
    assert.match(gap.message, /missing/);
    for (const key of chain.logs[1]) assert.match(result.logFiles.find((l) => l.key === aws(key))?.reason ?? '', /missing/);
  });

  it('reports an altered middle digest as signature-invalid and the logs it lists as not verifiable', async () => {
    const target = chain.digests[1];
    const file = localPath(dir, target);
    const json = JSON.parse(gunzipSync(await fs.readFile(file)).toString('utf8'));
    json.logFiles[0].hashValue = 'f'.repeat(64);
    await fs.writeFile(file, gzipSync(Buffer.from(JSON.stringify(json))));
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(chain.logs[1][0])]: 'not-verifiable', [aws(chain.logs[1][1])]: 'not-verifiable' },
      digests: { [s3(target)]: 'signature-invalid' },
      findings: [],
    });
    assert.match(result.logFiles.find((l) => l.key === aws(chain.logs[1][0]))?.reason ?? '', /signature-invalid/);
  });

  it('reports a digest that no longer decompresses as not verifiable, and the chain gap it leaves', async () => {
    const target = chain.digests[1];
    await fs.writeFile(localPath(dir, target), Buffer.from('not gzip at all'));
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(chain.logs[1][0])]: 'not-verifiable', [aws(chain.logs[1][1])]: 'not-verifiable' },
      digests: { [aws(target)]: 'not-verifiable' },
      findings: ['gap'],
    });
    assert.strictEqual(result.problems.length, 1);
    assert.match(result.problems[0].reason, /cannot be read/);
  });

  it('reports a log file that no digest lists as not-covered', async () => {
    const at = new Date(Date.UTC(2026, 10, 20, 11, 45, 0));
    const extra = logKey(at, 'INJECTED1');
    await writeToFolder(dir, [{ key: extra, body: gzipSync(Buffer.from('{"Records":[]}')) }]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: { [aws(extra)]: 'not-covered' }, digests: {}, findings: [] });
  });

  it('says why a log file is not covered: after the newest digest, or no digest at all for its region', async () => {
    const late = logKey(new Date(Date.UTC(2026, 10, 20, 13, 20, 0)), 'LATE0001');
    const otherRegion = logKey(new Date(Date.UTC(2026, 10, 20, 10, 20, 0)), 'EUW10001').replace(/us-east-1/g, 'eu-west-1');
    await writeToFolder(dir, [
      { key: late, body: gzipSync(Buffer.from('{"Records":[]}')) },
      { key: otherRegion, body: gzipSync(Buffer.from('{"Records":[]}')) },
    ]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: { [aws(late)]: 'not-covered', [aws(otherRegion)]: 'not-covered' }, digests: {}, findings: [] });
    assert.match(result.logFiles.find((l) => l.key === aws(late))?.reason ?? '', /after the newest digest, which ends 2026-11-20T13:00:00Z/);
    assert.match(result.logFiles.find((l) => l.key === aws(otherRegion))?.reason ?? '', /no digest for account \d+ in eu-west-1/);
  });

  it('trusts a backfill digest for the late log files it lists, outside the regular chain', async () => {
    const at = new Date(Date.UTC(2026, 10, 20, 11, 55, 0));
    const late = logKey(at, 'BACKFILL1');
    const content = Buffer.from('{"Records":[]}');
    const key = digestKey(new Date(Date.UTC(2026, 10, 20, 14, 5, 0))).replace(/\.json\.gz$/, '_backfill.json.gz');
    const backfill = makeDigest({
      start: new Date(chain.windows[1].start),
      end: new Date(chain.windows[1].end),
      key,
      logs: [{ key: late, content }],
      privateKey: chain.privateKey,
      fingerprint: chain.fingerprint,
    });
    await writeToFolder(dir, [
      { key: late, body: gzipSync(content) },
      { key, body: backfill.body, metadata: { signature: backfill.signature, 'signature-algorithm': 'SHA256withRSA' } },
    ]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.digests.find((d) => d.backfill)?.recordedLocation, s3(key));
    assert.strictEqual(result.counts.logs.valid, 7);
  });

  it('does not call an evidence folder without CloudTrail files ok', async () => {
    const empty = await tempDir('empty');
    try {
      await fs.writeFile(path.join(empty, 'notes.txt'), 'nothing here');
      const result = await validateFolder(empty, { publicKeys: keyList(chain) });
      assert.strictEqual(result.ok, false);
      assert.strictEqual(result.logFiles.length + result.digests.length, 0);
      assert.match(result.problems[0].reason, /no CloudTrail log files or digest files/);
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });

  it('reports every digest not verifiable with the reason when the public key is wrong', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const result = await validateFolder(dir, { publicKeys: [{ fingerprints: keyFingerprints(other), key: other, source: 'wrong key' }] });
    const expectedLogs = Object.fromEntries(chain.logs.flat().map((k) => [aws(k), 'not-verifiable']));
    const expectedDigests = Object.fromEntries(chain.digests.map((k) => [s3(k), 'not-verifiable']));
    assert.deepStrictEqual(flagged(result), { logs: expectedLogs, digests: expectedDigests, findings: [] });
    for (const digest of result.digests) assert.strictEqual(digest.reason, `no public key with fingerprint ${chain.fingerprint}`);
    for (const log of result.logFiles) assert.match(log.reason ?? '', new RegExp(`no public key with fingerprint ${chain.fingerprint}`));
  });

  it('reports a key whose fingerprint matches but that did not sign the digests as signature-invalid', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const result = await validateFolder(dir, { publicKeys: [{ fingerprints: [chain.fingerprint], key: other, source: 'impostor' }] });
    assert.strictEqual(result.counts.digests['signature-invalid'], 3);
    assert.strictEqual(result.counts.logs['not-verifiable'], 6);
  });

  it('reports a digest without its signature sidecar as not verifiable, naming the expected path', async () => {
    const target = localPath(dir, chain.digests[2]);
    await fs.rm(`${target}.signature.json`);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(chain.logs[2][0])]: 'not-verifiable', [aws(chain.logs[2][1])]: 'not-verifiable' },
      digests: { [s3(chain.digests[2])]: 'not-verifiable' },
      findings: [],
    });
    assert.strictEqual(
      result.digests.find((d) => d.recordedLocation === s3(chain.digests[2]))?.reason,
      `signature metadata not found (${target}.signature.json)`,
    );
  });

  it('reports a chain that restarts (previousDigestSignature null) as a gap, with the uncovered logs in it', async () => {
    // Replace digest 3 with one that does not link to digest 2, and remove digest 2 and its sidecar.
    await fs.rm(localPath(dir, chain.digests[1]));
    await fs.rm(`${localPath(dir, chain.digests[1])}.signature.json`);
    const start = new Date(chain.windows[2].start);
    const end = new Date(chain.windows[2].end);
    const logs = await Promise.all(
      chain.logs[2].map(async (key) => ({ key, content: gunzipSync(await fs.readFile(localPath(dir, key))) })),
    );
    const restarted = makeDigest({ start, end, key: chain.digests[2], logs, privateKey: chain.privateKey, fingerprint: chain.fingerprint });
    await writeToFolder(dir, [{ key: chain.digests[2], body: restarted.body, metadata: { signature: restarted.signature, 'signature-algorithm': 'SHA256withRSA' } }]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), {
      logs: { [aws(chain.logs[1][0])]: 'not-verifiable', [aws(chain.logs[1][1])]: 'not-verifiable' },
      digests: {},
      findings: ['gap'],
    });
    assert.match(result.findings[0].message, /restarts/);
  });

  it('never opens a path a digest names: a hostile s3Object is reported, not read', async () => {
    const end = new Date(Date.UTC(2026, 10, 20, 13, 0, 0));
    const previous = chain.digestJson[2];
    const hostileKey = digestKey(new Date(end.getTime() + 3_600_000));
    const outside = path.join(dir, 'outside.json');
    await fs.writeFile(outside, '{"Records":[]}');
    const hostile = makeDigest({
      start: end,
      end: new Date(end.getTime() + 3_600_000),
      key: hostileKey,
      logs: [
        { key: '../../../../outside.json', content: Buffer.from('{"Records":[]}') },
        { key: `${PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/../../../../../../outside.json`, content: Buffer.from('{"Records":[]}') },
      ],
      previous: {
        key: chain.digests[2],
        signature: chain.objects.find((o) => o.key === chain.digests[2])?.metadata?.signature ?? '',
        sha256: createHash('sha256').update(JSON.stringify(previous)).digest('hex'),
      },
      privateKey: chain.privateKey,
      fingerprint: chain.fingerprint,
    });
    await writeToFolder(dir, [{ key: hostileKey, body: hostile.body, metadata: { signature: hostile.signature, 'signature-algorithm': 'SHA256withRSA' } }]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    const flags = flagged(result);
    assert.deepStrictEqual(Object.values(flags.logs), ['missing', 'missing']);
    assert.deepStrictEqual(flags.digests, {});
    for (const log of result.logFiles.filter((l) => l.verdict === 'missing')) assert.strictEqual(log.path, undefined);
  });

  it('reports a digest the chain skips (inserted between two linked digests) as a link-mismatch', async () => {
    const start = new Date(Date.UTC(2026, 10, 20, 12, 0, 0));
    const end = new Date(Date.UTC(2026, 10, 20, 12, 30, 0));
    const key = digestKey(end);
    const inserted = makeDigest({ start, end, key, logs: [], privateKey: chain.privateKey, fingerprint: chain.fingerprint,
      previous: { key: chain.digests[1], signature: chain.objects.find((o) => o.key === chain.digests[1])?.metadata?.signature ?? '', sha256: createHash('sha256').update(JSON.stringify(chain.digestJson[1])).digest('hex') } });
    await writeToFolder(dir, [{ key, body: inserted.body, metadata: { signature: inserted.signature, 'signature-algorithm': 'SHA256withRSA' } }]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: ['link-mismatch'] });
    assert.match(result.findings[0].message, /is not part of the chain/);
  });

  it('reports a digest whose previousDigestHashValue does not match the previous digest as a link-mismatch', async () => {
    const logs = await Promise.all(chain.logs[2].map(async (key) => ({ key, content: gunzipSync(await fs.readFile(localPath(dir, key))) })));
    const relinked = makeDigest({
      start: new Date(chain.windows[2].start), end: new Date(chain.windows[2].end), key: chain.digests[2], logs,
      privateKey: chain.privateKey, fingerprint: chain.fingerprint,
      previous: { key: chain.digests[1], signature: chain.objects.find((o) => o.key === chain.digests[1])?.metadata?.signature ?? '', sha256: '0'.repeat(64) },
    });
    await writeToFolder(dir, [{ key: chain.digests[2], body: relinked.body, metadata: { signature: relinked.signature, 'signature-algorithm': 'SHA256withRSA' } }]);
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: ['link-mismatch'] });
    assert.match(result.findings[0].message, /previousDigestHashValue/);
  });

  it('keeps each bucket folder apart when two buckets sit side by side', async () => {
    await writeToFolder(dir, chain.objects, 'second-bucket');
    await fs.rm(localPath(dir, chain.logs[0][0], 'second-bucket'));
    const result = await validateFolder(dir, { publicKeys: keyList(chain) });
    assert.strictEqual(result.counts.logs.valid, 11);
    assert.strictEqual(result.counts.logs.missing, 1);
    assert.strictEqual(result.counts.digests.valid, 6);
  });

  it('reports progress through every phase', async () => {
    const phases = new Set<string>();
    let last: ValidationProgress | undefined;
    await validateFolder(dir, {
      publicKeys: keyList(chain),
      onProgress: (p) => {
        phases.add(p.phase);
        last = p;
      },
    });
    assert.deepStrictEqual([...phases].sort(), ['digests', 'listing', 'logs']);
    assert.strictEqual(last?.done, 6);
    assert.strictEqual(last?.total, 6);
    assert.ok((last?.bytesDone ?? 0) > 0);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(validateFolder(dir, { publicKeys: keyList(chain), signal: controller.signal }), (error: Error) => error.name === 'AbortError');
  });

  it('fetches keys it lacks through fetchPublicKeys, asking for the fingerprints and the time span', async () => {
    const requests: { region: string; fingerprints: string[]; start: string; end: string }[] = [];
    const result = await validateFolder(dir, {
      fetchPublicKeys: async (request) => {
        requests.push({ region: request.region, fingerprints: request.fingerprints, start: request.start.toISOString(), end: request.end.toISOString() });
        return keyList(chain);
      },
    });
    assert.strictEqual(result.ok, true);
    assert.deepStrictEqual(requests, [
      { region: 'us-east-1', fingerprints: [chain.fingerprint], start: new Date(chain.windows[0].start).toISOString(), end: new Date(chain.windows[2].end).toISOString() },
    ]);
  });

  it('asks the trail home region for a key the digest region does not know', async () => {
    const other = await tempDir('home-region');
    try {
      const key = `${PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_eu-west-1_org_trail_us-east-1_20261120T110000Z.json.gz`;
      const digest = makeDigest({ start: new Date(Date.UTC(2026, 10, 20, 10)), end: new Date(Date.UTC(2026, 10, 20, 11)), key, logs: [], privateKey: chain.privateKey, fingerprint: chain.fingerprint });
      await writeToFolder(other, [{ key, body: digest.body, metadata: { signature: digest.signature, 'signature-algorithm': 'SHA256withRSA' } }]);
      const asked: string[] = [];
      const result = await validateFolder(other, {
        fetchPublicKeys: async (request) => {
          asked.push(request.region);
          return request.region === 'us-east-1' ? keyList(chain) : [];
        },
      });
      assert.deepStrictEqual(asked, ['eu-west-1', 'us-east-1']);
      assert.strictEqual(result.ok, true);
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  it('rejects a path that is not a folder with a message naming it', async () => {
    const file = localPath(dir, chain.logs[0][0]);
    await assert.rejects(validateFolder(file), (error: Error) => error.message.includes(file) && /not a folder/.test(error.message));
    await assert.rejects(validateFolder(path.join(dir, 'nope')), (error: Error) => error.message.includes(path.join(dir, 'nope')));
  });
});

describe('integrity: the sample trail shipped in fixtures/ (signed by its own generator)', () => {
  const root = path.resolve(__dirname, '../../../../fixtures');
  const sample = path.join(root, 'sample-trail');
  const keyFile = path.join(root, 'sample-trail-public-key.pem');

  it('validates in place, reading only', async () => {
    const before = await fileHashes(sample);
    const result = await validateFolder(sample, { publicKeys: await loadPublicKeyFile(keyFile) });
    assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
    assert.strictEqual(result.counts.digests.valid, 6);
    assert.strictEqual(result.counts.logs.valid, 12);
    assert.deepStrictEqual(await fileHashes(sample), before);
  });

  it('flags one tampered log file in a temporary copy', async () => {
    const copy = await tempDir('sample');
    try {
      await fs.cp(sample, copy, { recursive: true });
      const first = (await validateFolder(copy, { publicKeys: await loadPublicKeyFile(keyFile) })).logFiles[0];
      const file = first.path as string;
      const text = gunzipSync(await fs.readFile(file)).toString('utf8');
      await fs.writeFile(file, gzipSync(Buffer.from(text.replace(/"eventName":"[^"]+"/, '"eventName":"Nothing"'))));
      const result = await validateFolder(copy, { publicKeys: await loadPublicKeyFile(keyFile) });
      assert.deepStrictEqual(flagged(result), { logs: { [first.key]: 'changed' }, digests: {}, findings: [] });
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  });
});
