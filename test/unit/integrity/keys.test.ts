import * as assert from 'assert';
import { createHash, generateKeyPairSync } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { KeyFileError, keyFingerprints, loadPublicKeyFile, parsePublicKeys, pkcs1Fingerprint } from '../../../src/core/integrity/keys';
import { DigestFormatError, parseDigest, parseSignatureSidecar, signingString } from '../../../src/core/integrity/digest';
import { awsLogsSuffix, parseAwsLogsKey } from '../../../src/core/integrity/layout';
import { sha256OfDecompressed, DecompressError } from '../../../src/core/integrity/hash';
import { Readable } from 'stream';
import { fingerprintOf, tempDir, testKeyPair } from './chain';

describe('integrity: public keys', () => {
  const { publicKey, privateKey } = testKeyPair();
  const expected = fingerprintOf(publicKey);
  let dir: string;

  before(async () => {
    dir = await tempDir('keys');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('fingerprints a key as the MD5 of its PKCS#1 DER (also answering to the SPKI DER MD5)', () => {
    assert.strictEqual(pkcs1Fingerprint(publicKey), expected);
    const spki = createHash('md5').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    assert.deepStrictEqual(keyFingerprints(publicKey), [expected, spki]);
  });

  const forms: [string, () => Buffer][] = [
    ['PEM SubjectPublicKeyInfo', () => Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string)],
    ['PEM PKCS#1', () => Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)],
    ['DER PKCS#1 (what ListPublicKeys returns)', () => publicKey.export({ type: 'pkcs1', format: 'der' })],
    ['DER SubjectPublicKeyInfo', () => publicKey.export({ type: 'spki', format: 'der' })],
  ];
  for (const [name, make] of forms) {
    it(`loads a ${name} key file`, async () => {
      const file = path.join(dir, `${name.replace(/\W+/g, '_')}.key`);
      await fs.writeFile(file, make());
      const keys = await loadPublicKeyFile(file);
      assert.strictEqual(keys.length, 1);
      assert.ok(keys[0].fingerprints.includes(expected));
      assert.strictEqual(keys[0].source, file);
    });
  }

  it('loads several PEM blocks from one file', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const pem = `${publicKey.export({ type: 'spki', format: 'pem' })}\n${other.export({ type: 'pkcs1', format: 'pem' })}`;
    const keys = parsePublicKeys(Buffer.from(pem), 'bundle.pem');
    assert.strictEqual(keys.length, 2);
    assert.ok(keys[1].fingerprints.includes(fingerprintOf(other)));
  });

  it('loads the JSON `aws cloudtrail list-public-keys` prints, keeping the fingerprint AWS reported', () => {
    const json = JSON.stringify({
      PublicKeyList: [
        {
          Value: publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
          ValidityStartTime: '2026-11-01T00:00:00+00:00',
          ValidityEndTime: '2026-12-01T00:00:00+00:00',
          Fingerprint: 'ABCDEF0123456789ABCDEF0123456789',
        },
      ],
    });
    const keys = parsePublicKeys(Buffer.from(json), 'keys.json');
    assert.strictEqual(keys[0].fingerprints[0], 'abcdef0123456789abcdef0123456789');
    assert.ok(keys[0].fingerprints.includes(expected));
    assert.strictEqual(keys[0].validityStart?.toISOString(), '2026-11-01T00:00:00.000Z');
  });

  it('refuses a private key, garbage, and a missing file, naming the file and the reason', async () => {
    const priv = Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    assert.throws(() => parsePublicKeys(priv, 'secret.pem'), (e: Error) => e instanceof KeyFileError && /secret\.pem: .*private key/.test(e.message));
    assert.throws(() => parsePublicKeys(Buffer.from('hello'), 'junk.txt'), (e: Error) => e instanceof KeyFileError && e.message.startsWith('junk.txt: '));
    assert.throws(() => parsePublicKeys(Buffer.from('{"x":1}'), 'x.json'), /PublicKeyList/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => parsePublicKeys(Buffer.from(ec), 'ec.pem'), /not an RSA public key/);
    const missing = path.join(dir, 'nope.pem');
    await assert.rejects(loadPublicKeyFile(missing), (e: Error) => e instanceof KeyFileError && e.message.includes(missing) && /ENOENT/.test(e.message));
  });
});

describe('integrity: digest format', () => {
  const base = {
    awsAccountId: '111122223333',
    digestStartTime: '2015-08-17T14:01:31Z',
    digestEndTime: '2015-08-17T15:01:31Z',
    digestS3Bucket: 'amzn-s3-demo-bucket',
    digestS3Object: 'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz',
    digestPublicKeyFingerprint: '31E8B5433410DFB61A9DC45CC65B22FF',
    digestSignatureAlgorithm: 'SHA256withRSA',
    previousDigestS3Bucket: null,
    previousDigestS3Object: null,
    previousDigestHashValue: null,
    previousDigestHashAlgorithm: null,
    previousDigestSignature: null,
    logFiles: [],
  };

  it('builds the documented signing string, with "null" for the first digest of a chain', () => {
    const content = Buffer.from(JSON.stringify(base));
    const parsed = parseDigest(gzipSync(content));
    const sha = createHash('sha256').update(content).digest('hex');
    assert.strictEqual(parsed.sha256, sha);
    assert.strictEqual(parsed.digestPublicKeyFingerprint, '31e8b5433410dfb61a9dc45cc65b22ff');
    assert.strictEqual(
      signingString(parsed),
      `2015-08-17T15:01:31Z\namzn-s3-demo-bucket/${base.digestS3Object}\n${sha}\nnull`,
    );
    assert.strictEqual(signingString({ ...parsed, previousDigestSignature: 'ab12' }).split('\n')[3], 'ab12');
  });

  it('rejects a digest that is not gzip JSON or lacks required fields, saying which', () => {
    assert.throws(() => parseDigest(Buffer.from([0x1f, 0x8b, 1, 2, 3])), (e: Error) => e instanceof DigestFormatError && /decompress/.test(e.message));
    assert.throws(() => parseDigest(Buffer.from('[1]')), /not a JSON object/);
    const { digestEndTime: _omit, ...noEnd } = base;
    assert.throws(() => parseDigest(Buffer.from(JSON.stringify(noEnd))), /digestEndTime/);
    const { previousDigestSignature: _omit2, ...noPrev } = base;
    assert.throws(() => parseDigest(Buffer.from(JSON.stringify(noPrev))), /previousDigestSignature/);
  });

  it('reads the signature sidecar shape the S3 downloader writes', () => {
    assert.deepStrictEqual(parseSignatureSidecar(Buffer.from('{"signature":"abcd","signatureAlgorithm":"SHA256withRSA"}')), {
      signature: 'abcd',
      algorithm: 'SHA256withRSA',
    });
    assert.throws(() => parseSignatureSidecar(Buffer.from('{}')), /no "signature"/);
  });

  it('parses the documented key layout, organisation trails and backfill digests included', () => {
    const log = parseAwsLogsKey('AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/03/04/111122223333_CloudTrail_eu-west-1_20260304T0455Z_VJ2VB5L5N66EXPLI.json.gz');
    assert.deepStrictEqual(
      { kind: log?.kind, org: log?.orgId, account: log?.account, region: log?.region, time: log?.fileTime },
      { kind: 'log', org: 'o-abc123def4', account: '111122223333', region: 'eu-west-1', time: Date.UTC(2026, 2, 4, 4, 55) },
    );
    const digest = parseAwsLogsKey(
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/04/111122223333_CloudTrail-Digest_us-east-1_my_trail_us-east-1_20260304T050000Z_backfill.json.gz',
    );
    assert.strictEqual(digest?.trail, 'my_trail (us-east-1)');
    assert.strictEqual(digest?.backfill, true);
    assert.strictEqual(awsLogsSuffix('prefix/AWSLogs/x/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/f.json.gz'), 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/f.json.gz');
    assert.strictEqual(awsLogsSuffix('AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/../../../../etc/passwd'), undefined);
    assert.strictEqual(parseAwsLogsKey('AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/notes.txt'), undefined);
  });
});

describe('integrity: streaming hash of decompressed content', () => {
  const content = Buffer.from('{"Records":[{"eventName":"ConsoleLogin"}]}\n'.repeat(5000));
  const sha = createHash('sha256').update(content).digest('hex');
  const chunks = (buffer: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(buffer.length / size) }, (_, i) => buffer.subarray(i * size, (i + 1) * size)));

  it('hashes gzip content after decompression, whatever the chunking (1-byte chunks included)', async () => {
    const gz = gzipSync(content);
    for (const size of [1, 7, 4096, gz.length]) {
      const result = await sha256OfDecompressed(chunks(gz, size));
      assert.strictEqual(result.sha256, sha, `chunk size ${size}`);
      assert.strictEqual(result.bytesRead, gz.length);
      assert.strictEqual(result.bytesHashed, content.length);
      assert.strictEqual(result.gzipped, true);
    }
  });

  it('hashes content that is not gzip as it is, and an empty file as empty', async () => {
    assert.strictEqual((await sha256OfDecompressed(chunks(content, 1000))).sha256, sha);
    assert.strictEqual((await sha256OfDecompressed(Readable.from([]))).sha256, createHash('sha256').digest('hex'));
  });

  it('reports corrupt or truncated gzip as DecompressError', async () => {
    const gz = gzipSync(content);
    await assert.rejects(sha256OfDecompressed(chunks(gz.subarray(0, gz.length - 20), 100)), DecompressError);
    const flipped = Buffer.from(gz);
    flipped[gz.length - 6] ^= 0xff; // CRC32 trailer
    await assert.rejects(sha256OfDecompressed(chunks(flipped, 100)), DecompressError);
  });
});
