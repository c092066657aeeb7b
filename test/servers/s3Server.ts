/**
 * A real S3-compatible server from the npm registry (s3rver 3.7.1) on 127.0.0.1, behind a
 * thin loopback front that answers the designated test keys the way S3 does (403
 * AccessDenied, 400 ExpiredToken, as XML) and can cut a response mid-body. s3rver itself
 * verifies the SigV4 signatures: the test keys are registered with it.
 *
 * s3rver's ETag is always the MD5 of the content; S3's is not for SSE-KMS, SSE-C and
 * multipart objects. `setObjectTraits` makes the front serve an object as S3 would serve
 * such an object: another ETag (in listings, GetObject, HeadObject and If-Match), the
 * `x-amz-server-side-encryption` header, and, when the request asks with
 * `x-amz-checksum-mode: ENABLED`, an `x-amz-checksum-sha256` (right or, to test the client,
 * wrong).
 */
import type * as Crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { promises as fs } from 'node:fs';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_KEYS, TEST_SECRET } from './awsJson';

/**
 * s3rver 3.7.1 under Node >= 17: its ListObjectsV2 continuation tokens are DES-encrypted,
 * and OpenSSL 3 no longer offers DES, so every truncated listing answers InternalError.
 * 'des' (used by nothing else: Node 20 cannot run it) is mapped to AES-128-CBC with the
 * same 8-byte key and IV zero-padded, so s3rver's tokens round-trip and paging works.
 */
type CipherFactory = (algorithm: string, key: Crypto.CipherKey, iv: Crypto.BinaryLike | null) => Crypto.Cipher;
const pad16 = (b: Crypto.CipherKey | Crypto.BinaryLike | null): Buffer => {
  const out = Buffer.alloc(16);
  Buffer.from(b as Buffer).copy(out, 0, 0, 16);
  return out;
};
// The shared CommonJS exports object, the one s3rver's `require('crypto')` sees.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cryptoMutable = require('crypto') as { createCipheriv: CipherFactory; createDecipheriv: CipherFactory };
if (!(cryptoMutable.createCipheriv as { ctinvPatched?: boolean }).ctinvPatched) {
  const { createCipheriv, createDecipheriv } = cryptoMutable;
  const patchedCipher: CipherFactory = (algorithm, key, iv) =>
    algorithm === 'des' ? createCipheriv('aes-128-cbc', pad16(key), pad16(iv)) : createCipheriv(algorithm, key, iv);
  const patchedDecipher: CipherFactory = (algorithm, key, iv) =>
    algorithm === 'des' ? createDecipheriv('aes-128-cbc', pad16(key), pad16(iv)) : createDecipheriv(algorithm, key, iv);
  Object.assign(patchedCipher, { ctinvPatched: true });
  cryptoMutable.createCipheriv = patchedCipher;
  cryptoMutable.createDecipheriv = patchedDecipher;
}

// s3rver ships no types; this is the part of its API used here.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const accountModel = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
for (const key of [TEST_KEYS.ok, TEST_KEYS.other]) accountModel.DUMMY_ACCOUNT.createKeyPair(key, TEST_SECRET);

/**
 * s3rver 3.7.1 bug: with a Delimiter, its filesystem walk prunes every folder below the
 * prefix that contains the delimiter, so keys nested two levels deep never yield their
 * common prefix (`ListObjectsV2 Prefix=AWSLogs/ Delimiter=/` answers nothing, where S3
 * answers `AWSLogs/111122223333/`). Delimiter listings are computed here from the full
 * listing instead, as S3 does: keys with the delimiter after the prefix roll up into
 * CommonPrefixes.
 */
interface StoreListing {
  objects: Array<{ key: string }>;
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface ListOptions {
  delimiter?: string;
  prefix?: string;
  startAfter?: string;
  maxKeys?: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FilesystemStore = require('s3rver/lib/stores/filesystem') as {
  prototype: { listObjects(this: unknown, bucket: string, options: ListOptions): Promise<StoreListing> };
};
const originalList = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (this: unknown, bucket: string, options: ListOptions): Promise<StoreListing> {
  if (!options.delimiter) return originalList.call(this, bucket, options);
  const all = await originalList.call(this, bucket, { ...options, delimiter: '', maxKeys: Infinity });
  const prefix = options.prefix ?? '';
  const commonPrefixes = new Set<string>();
  const objects: StoreListing['objects'] = [];
  let isTruncated = false;
  for (const object of all.objects) {
    const idx = object.key.slice(prefix.length).indexOf(options.delimiter);
    if (idx !== -1) commonPrefixes.add(object.key.slice(0, prefix.length + idx + 1));
    else if (objects.length < (options.maxKeys ?? Infinity)) objects.push(object);
    else isTruncated = true;
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
};

/**
 * s3rver 3.7.1 bug: PutObject answers before the object's bytes are on disk. Its
 * FilesystemStore.putObject resolves on the 'finish' of the Transform that hashes the body,
 * not of the file stream behind it; for a body smaller than the stream buffers (every
 * CloudTrail digest) the file is then opened, truncated and written after the answer. A GET
 * right after a PUT can see no object, an empty file or the old bytes, depending on how
 * busy the disk and the thread pool are: with the open of object files delayed by 100 ms,
 * the first GET after every PUT answered NoSuchKey. The integrity tests put objects and
 * read them back at once (validate-s3.test.ts failed once in five full runs). The object is
 * written here, completely, before the metadata and the answer.
 */
interface PutInput {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}
const storePrototype = FilesystemStore.prototype as unknown as {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: PutInput): Promise<{ size: number; md5: string }>;
};
storePrototype.putObject = async function (this: typeof storePrototype, object: PutInput): Promise<{ size: number; md5: string }> {
  const chunks: Buffer[] = [];
  if (Buffer.isBuffer(object.content)) chunks.push(object.content);
  else for await (const chunk of object.content) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const body = Buffer.concat(chunks);
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdir(path.dirname(objectPath), { recursive: true });
  await fs.writeFile(objectPath, body);
  const md5 = createHash('md5').update(body).digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size: body.length, md5 };
};

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>LOCAL</RequestId></Error>`;
}

export interface S3RequestRecord {
  method: string;
  url: string;
  accessKeyId?: string;
  status?: number;
}

/** How S3 would serve one object, beyond what s3rver knows. */
export interface ObjectTraits {
  /** The ETag served instead of the content's MD5 (e.g. 32 hex digits of no meaning for SSE-KMS, `<hex>-3` for multipart). */
  etag?: string;
  /** `x-amz-server-side-encryption`: `aws:kms`, `aws:kms:dsse`, `AES256`. */
  sse?: string;
  /** Base64 SHA-256 served as `x-amz-checksum-sha256` when the client asks for checksums. */
  checksumSha256?: string;
  /** `x-amz-checksum-type`; default FULL_OBJECT. */
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export class LocalS3Server {
  readonly requests: S3RequestRecord[] = [];
  private s3rver: S3rverInstance | undefined;
  private front: http.Server | undefined;
  private directory = '';
  private backendPort = 0;
  private dropsPending = 0;
  /** `bucket/key` → traits. */
  private readonly traits = new Map<string, ObjectTraits>();

  constructor(private readonly buckets: readonly string[]) {}

  /** Serve `bucket/key` as S3 serves an SSE-KMS, multipart or checksummed object. */
  setObjectTraits(bucket: string, key: string, traits: ObjectTraits): void {
    this.traits.set(`${bucket}/${key}`, traits);
  }

  get endpoint(): string {
    const address = this.front?.address() as AddressInfo | null;
    if (!address) throw new Error('server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next `count` GET object answers are cut mid-body. */
  dropNextObjectResponses(count = 1): void {
    this.dropsPending += count;
  }

  async start(): Promise<string> {
    this.directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-s3rver-'));
    this.s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: this.directory,
      resetOnClose: true,
      configureBuckets: this.buckets.map((name) => ({ name })),
    });
    this.backendPort = (await this.s3rver.run()).port;
    this.front = http.createServer((req, res) => this.forward(req, res));
    // Idle keep-alive sockets stay open until stop() (see AwsJsonServer.start).
    this.front.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => this.front!.listen(0, '127.0.0.1', () => resolve()));
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const front = this.front;
    this.front = undefined;
    if (front) {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
    await this.s3rver?.close();
    this.s3rver = undefined;
    if (this.directory) await fs.rm(this.directory, { recursive: true, force: true });
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const auth = String(req.headers['authorization'] ?? '');
    const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(auth)?.[1];
    const record: S3RequestRecord = { method: req.method ?? '', url: req.url ?? '', accessKeyId };
    this.requests.push(record);
    const answer = (status: number, code: string, message: string): void => {
      record.status = status;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(xmlError(code, message));
    };
    if (accessKeyId === TEST_KEYS.denied) return answer(403, 'AccessDenied', 'Access Denied');
    if (accessKeyId === TEST_KEYS.expired) return answer(400, 'ExpiredToken', 'The provided token has expired.');
    const isObjectGet = req.method === 'GET' && !/[?&]list-type=2/.test(req.url ?? '') && /^\/[^/?]+\/[^?]+/.test(req.url ?? '');
    const drop = isObjectGet && this.dropsPending > 0;
    if (drop) this.dropsPending--;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const objectPath = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    const traits = objectPath && (req.method === 'GET' || req.method === 'HEAD') ? this.traits.get(`${objectPath[1]}/${decodeURIComponent(objectPath[2])}`) : undefined;
    const isListing = req.method === 'GET' && /^\/[^/]+\/?$/.test(url.pathname) && url.searchParams.get('list-type') === '2' && this.traits.size > 0;
    const headers = { ...req.headers };
    if (traits?.etag) {
      // If-Match is S3's to check against the ETag it serves, not s3rver's MD5.
      const ifMatch = headers['if-match'];
      if (ifMatch !== undefined && ifMatch !== `"${traits.etag}"` && ifMatch !== '*') return answer(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      delete headers['if-match'];
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: this.backendPort, method: req.method, path: req.url, headers },
      (backend) => {
        record.status = backend.statusCode;
        if (isListing) {
          const chunks: Buffer[] = [];
          backend.on('data', (c: Buffer) => chunks.push(c));
          backend.on('end', () => {
            const bucket = url.pathname.split('/')[1];
            const xml = Buffer.concat(chunks)
              .toString('utf8')
              .replace(/<Contents>([\s\S]*?)<\/Contents>/g, (block: string, inner: string) => {
                const key = /<Key>([\s\S]*?)<\/Key>/.exec(inner)?.[1];
                const t = key === undefined ? undefined : this.traits.get(`${bucket}/${unescapeXml(key)}`);
                return t?.etag ? block.replace(/<ETag>[\s\S]*?<\/ETag>/, `<ETag>${escapeXml(`"${t.etag}"`)}</ETag>`) : block;
              });
            const out = { ...backend.headers, 'content-length': String(Buffer.byteLength(xml)) };
            res.writeHead(backend.statusCode ?? 502, out);
            res.end(xml);
          });
          return;
        }
        const outHeaders = { ...backend.headers };
        if (traits && (backend.statusCode ?? 500) < 300) {
          if (traits.etag) outHeaders['etag'] = `"${traits.etag}"`;
          if (traits.sse) outHeaders['x-amz-server-side-encryption'] = traits.sse;
          if (traits.checksumSha256 && String(req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED') {
            outHeaders['x-amz-checksum-sha256'] = traits.checksumSha256;
            outHeaders['x-amz-checksum-type'] = traits.checksumType ?? 'FULL_OBJECT';
          }
        }
        res.writeHead(backend.statusCode ?? 502, outHeaders);
        if (!drop) {
          backend.pipe(res);
          return;
        }
        backend.once('data', (chunk: Buffer) => {
          res.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
          backend.destroy();
          setTimeout(() => req.socket.destroy(), 5);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
