/**
 * validateS3 against real loopback servers: s3rver for S3 (test/servers/s3Server.ts, which
 * also answers a PutObject only once the object is on disk), and a small HTTP server
 * speaking the CloudTrail JSON 1.1 protocol for ListPublicKeys. The SDK v3 clients are the
 * real ones, pointed at 127.0.0.1.
 */
import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { runCli } from '../run-cli';
import { gunzipSync, gzipSync } from 'zlib';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { validateS3 } from '../../../src/core/integrity/validate';
import { keyFingerprints } from '../../../src/core/integrity/keys';
import { LocalS3Server } from '../../servers/s3Server';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { aws, BUCKET, buildChain, BuiltChain, flagged, PREFIX, tempDir } from './chain';

const credentials = { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET };


describe('integrity: validateS3 against s3rver and a loopback CloudTrail endpoint', function () {
  let chain: BuiltChain;
  let dir: string;
  let server: LocalS3Server;
  let s3: S3Client;
  let trailServer: http.Server;
  let cloudTrail: CloudTrailClient;
  const listRequests: { target: string; body: Record<string, unknown> }[] = [];

  before(async () => {
    chain = buildChain({ periods: 3, logsPerPeriod: 2 });
    dir = await tempDir('s3rver');
    server = new LocalS3Server([]);
    s3 = new S3Client({ endpoint: await server.start(), forcePathStyle: true, region: 'us-east-1', credentials });

    trailServer = http.createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (chunk: Buffer) => parts.push(chunk));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Record<string, unknown>;
        listRequests.push({ target, body });
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (!target.endsWith('ListPublicKeys')) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'InvalidRequestException', message: 'unexpected operation' }));
          return;
        }
        response.end(
          JSON.stringify({
            PublicKeyList: [
              {
                Value: chain.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
                ValidityStartTime: Date.UTC(2026, 0, 1) / 1000,
                ValidityEndTime: Date.UTC(2027, 0, 1) / 1000,
                Fingerprint: chain.fingerprint,
              },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => trailServer.listen(0, '127.0.0.1', resolve));
    const trailPort = (trailServer.address() as AddressInfo).port;
    cloudTrail = new CloudTrailClient({ endpoint: `http://127.0.0.1:${trailPort}`, region: 'us-east-1', credentials });
  });

  after(async () => {
    s3?.destroy();
    cloudTrail?.destroy();
    await server?.stop();
    await new Promise<void>((resolve) => (trailServer ? trailServer.close(() => resolve()) : resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  let bucket: string;

  it('fetches the key with ListPublicKeys; a chain copied to another bucket has every digest moved, its logs still valid', async () => {
    bucket = 'copy-of-the-evidence';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const object of chain.objects) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, Metadata: object.metadata }));
    }
    listRequests.length = 0;
    const result = await validateS3(bucket, PREFIX, { client: s3, cloudTrailClient: cloudTrail });
    assert.deepStrictEqual(flagged(result).logs, {});
    assert.strictEqual(result.counts.logs.valid, 6);
    assert.strictEqual(result.counts.digests.moved, 3);
    assert.strictEqual(listRequests.length, 1);
    assert.match(listRequests[0].target, /ListPublicKeys$/);
    assert.strictEqual(listRequests[0].body.StartTime, Date.parse(chain.windows[0].start) / 1000);
    assert.strictEqual(listRequests[0].body.EndTime, Date.parse(chain.windows[2].end) / 1000);
  });

  it('follows ListObjectsV2 continuation tokens across pages', async () => {
    // s3rver walks folders, so across sibling folders `CloudTrail/` and `CloudTrail-Digest/`
    // its key order is not S3's byte order and its pages skip keys; this bucket holds
    // only the log folder, where its order is S3's.
    const paged = 'paged-logs';
    await s3.send(new CreateBucketCommand({ Bucket: paged }));
    for (const key of chain.logs.flat()) {
      await s3.send(new PutObjectCommand({ Bucket: paged, Key: key, Body: chain.objects.find((o) => o.key === key)?.body }));
    }
    const listingPages: number[] = [];
    const result = await validateS3(paged, PREFIX, {
      client: s3,
      listPageSize: 2,
      publicKeys: [],
      onProgress: (p) => {
        if (p.phase === 'listing' && p.done > 0) listingPages.push(p.done);
      },
    });
    assert.deepStrictEqual(listingPages, [2, 4, 6]);
    assert.deepStrictEqual(result.logFiles.map((l) => l.key).sort(), chain.logs.flat().map(aws).sort());
    assert.strictEqual(result.counts.logs['not-covered'], 6);
  });

  describe('with the chain in the bucket it was delivered to', () => {
    beforeEach(async () => {
      bucket = BUCKET;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch {
        // exists from an earlier test: objects are put again below
      }
      for (const object of chain.objects) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, Metadata: object.metadata }));
      }
      listRequests.length = 0;
    });

    it('finds everything valid', async () => {
      const result = await validateS3(bucket, `${PREFIX}/`, { client: s3, cloudTrailClient: cloudTrail });
      assert.deepStrictEqual(flagged(result), { logs: {}, digests: {}, findings: [] });
      assert.strictEqual(result.counts.logs.valid, 6);
      assert.strictEqual(result.counts.digests.valid, 3);
      assert.strictEqual(result.target, `s3://${BUCKET}/${PREFIX}/`);
      assert.ok(result.logFiles.every((l) => l.path?.startsWith(`s3://${BUCKET}/${PREFIX}/AWSLogs/`)));
    });

    it('uses a supplied key without calling ListPublicKeys', async () => {
      const result = await validateS3(bucket, PREFIX, {
        client: s3,
        cloudTrailClient: cloudTrail,
        publicKeys: [{ fingerprints: keyFingerprints(chain.publicKey), key: chain.publicKey, source: 'file' }],
      });
      assert.strictEqual(result.ok, true);
      assert.strictEqual(result.counts.logs.valid, 6);
      assert.strictEqual(result.counts.digests.valid, 3);
      assert.strictEqual(listRequests.length, 0);
    });

    it('flags a replaced log object as changed and a deleted one as missing', async () => {
      const changed = chain.logs[0][1];
      const original = chain.objects.find((o) => o.key === changed)?.body as Buffer;
      const edited = gzipSync(Buffer.from(gunzipSync(original).toString('utf8').replace('203.0.113.10', '203.0.113.99')));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: changed, Body: edited }));
      const deleted = chain.logs[2][0];
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: deleted }));
      const result = await validateS3(bucket, PREFIX, { client: s3, cloudTrailClient: cloudTrail });
      assert.deepStrictEqual(flagged(result), { logs: { [aws(changed)]: 'changed', [aws(deleted)]: 'missing' }, digests: {}, findings: [] });
    });

    it('flags a digest copied to another key and deleted from its own as moved', async () => {
      const digest = chain.digests[0];
      const movedKey = digest.replace('/2026/11/20/', '/2026/11/19/');
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: movedKey, CopySource: `${bucket}/${digest}`, MetadataDirective: 'COPY' }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: digest }));
      const result = await validateS3(bucket, PREFIX, { client: s3, cloudTrailClient: cloudTrail });
      assert.deepStrictEqual(flagged(result), { logs: {}, digests: { [`s3://${BUCKET}/${digest}`]: 'moved' }, findings: [] });
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: movedKey }));
    });

    it('reports a digest without signature metadata as not verifiable', async () => {
      const digest = chain.digests[2];
      const body = chain.objects.find((o) => o.key === digest)?.body as Buffer;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: digest, Body: body }));
      const result = await validateS3(bucket, PREFIX, { client: s3, cloudTrailClient: cloudTrail });
      assert.deepStrictEqual(flagged(result), {
        logs: { [aws(chain.logs[2][0])]: 'not-verifiable', [aws(chain.logs[2][1])]: 'not-verifiable' },
        digests: { [`s3://${BUCKET}/${digest}`]: 'not-verifiable' },
        findings: [],
      });
      assert.match(result.digests.find((d) => d.recordedLocation.endsWith(digest))?.reason ?? '', /signature metadata not found \(x-amz-meta-signature/);
    });

    it('ctinv validate s3://bucket/prefix --endpoint-url reads the same bucket through the CLI', async () => {
      const keyFile = `${dir}/key.pem`;
      await fs.writeFile(keyFile, chain.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      try {
        const endpoint = await s3.config.endpoint?.();
        const url = `http://${endpoint?.hostname}:${endpoint?.port}`;
        const { code, stdout } = await runCli(['validate', `s3://${BUCKET}/${PREFIX}`, '--public-key', keyFile, '--endpoint-url', url, '--json']);
        const result = JSON.parse(stdout);
        assert.strictEqual(code, 0);
        assert.strictEqual(result.counts.logs.valid, 6);
      } finally {
        if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        else process.env.AWS_ACCESS_KEY_ID = saved.id;
        if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
        else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
        await fs.rm(keyFile, { force: true });
      }
    });

    it('reports the deleted head of another region as missing, the trail reaching back to its hour', async () => {
      const eu = buildChain({ periods: 3, logsPerPeriod: 2, region: 'eu-west-1' });
      const kept = eu.objects.filter((o) => o.key !== eu.digests[0] && !eu.logs[0].includes(o.key));
      for (const object of kept) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, Metadata: object.metadata }));
      try {
        const result = await validateS3(bucket, PREFIX, {
          client: s3,
          publicKeys: [{ fingerprints: keyFingerprints(chain.publicKey), key: chain.publicKey, source: 'file' }],
        });
        const head = `s3://${BUCKET}/${eu.digests[0]}`;
        assert.deepStrictEqual(flagged(result), { logs: {}, digests: { [head]: 'missing' }, findings: ['gap'] });
        assert.ok(result.digests.find((d) => d.verdict === 'missing')?.reason?.includes(`(expected at ${head})`));
        assert.strictEqual(result.ok, false);
      } finally {
        for (const object of kept) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.key }));
      }
    });

    it('reports digests as not verifiable when ListPublicKeys knows no matching key', async () => {
      const result = await validateS3(bucket, PREFIX, {
        client: s3,
        fetchPublicKeys: async () => [],
      });
      assert.strictEqual(result.counts.digests['not-verifiable'], 3);
      assert.ok(result.digests.every((d) => d.reason === `no public key with fingerprint ${chain.fingerprint}`));
    });
  });
});
