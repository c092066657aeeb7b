/**
 * Builds a real CloudTrail digest chain for tests: gzipped log files of real
 * CloudTrail records, hourly digests listing their decompressed SHA-256, each
 * digest signed with RSA PKCS#1 v1.5 SHA-256 over the documented signing string,
 * linked by previousDigestSignature / previousDigestS3Object.
 */
import { createHash, generateKeyPairSync, KeyObject, sign } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import type { ValidationResult } from '../../../src/core/integrity/types';

/** Written out here, not imported, so the tests do not share the code under test. */
const SIGNATURE_SIDECAR_SUFFIX = '.signature.json';

/** MD5 of the DER PKCS#1 RSAPublicKey bytes (the shape ListPublicKeys returns). */
export function fingerprintOf(key: KeyObject): string {
  return createHash('md5').update(key.export({ type: 'pkcs1', format: 'der' })).digest('hex');
}

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const BUCKET = 'ct-evidence-bucket';
export const PREFIX = 'org-trail';
export const TRAIL = 'management-events';

export interface ChainObject {
  /** Full S3 key (prefix included). */
  key: string;
  body: Buffer;
  /** S3 user metadata for digests. */
  metadata?: { signature: string; 'signature-algorithm': string };
}

export interface BuiltChain {
  privateKey: KeyObject;
  publicKey: KeyObject;
  fingerprint: string;
  objects: ChainObject[];
  /** logs[period] = full keys of that period's log files. */
  logs: string[][];
  /** Full keys of the digests, oldest first. */
  digests: string[];
  /** Parsed JSON of each digest, oldest first. */
  digestJson: Record<string, unknown>[];
  /** digestStartTime/EndTime per period. */
  windows: { start: string; end: string }[];
}

let keyCache: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/** One 2048-bit key pair per test run (generation is the slow part). */
export function testKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  keyCache ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyCache;
}

function basic(date: Date, seconds: boolean): string {
  const isoText = date.toISOString();
  const ymd = isoText.slice(0, 10).replace(/-/g, '');
  const hm = isoText.slice(11, 16).replace(':', '');
  return `${ymd}T${hm}${seconds ? isoText.slice(17, 19) : ''}Z`;
}

function ymdPath(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '/');
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Real-looking CloudTrail records for one log file. */
export function records(period: number, file: number, at: Date, region = REGION): Record<string, unknown>[] {
  const t = (minutes: number) => isoSeconds(new Date(at.getTime() - minutes * 60_000));
  return [
    {
      eventVersion: '1.08',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEROLEID:alice',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
        accountId: ACCOUNT,
        accessKeyId: 'ASIAEXAMPLEKEY00001',
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEROLEID', arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, accountId: ACCOUNT, userName: 'Admin' },
          attributes: { creationDate: t(30), mfaAuthenticated: 'true' },
        },
      },
      eventTime: t(5),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetBucketPolicy',
      awsRegion: region,
      sourceIPAddress: '203.0.113.10',
      userAgent: '[aws-cli/2.15.0 Python/3.11.6 Linux/6.5 exe/x86_64]',
      requestParameters: { bucketName: `payroll-${period}-${file}`, policy: '' },
      responseElements: null,
      requestID: `REQ${period}${file}A`,
      eventID: `00000000-0000-4000-8000-0000000${period}${file}001`,
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
    {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSER', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLEKEY00002', userName: 'mallory' },
      eventTime: t(3),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      awsRegion: region,
      sourceIPAddress: '198.51.100.7',
      userAgent: 'Boto3/1.34.0',
      requestParameters: { name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL}` },
      responseElements: null,
      errorCode: 'AccessDenied',
      errorMessage: 'User: arn:aws:iam::123456789012:user/mallory is not authorized to perform: cloudtrail:StopLogging',
      requestID: `REQ${period}${file}B`,
      eventID: `00000000-0000-4000-8000-0000000${period}${file}002`,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  ];
}

export function logKey(at: Date, unique: string, prefix = PREFIX, region = REGION): string {
  const base = `AWSLogs/${ACCOUNT}/CloudTrail/${region}/${ymdPath(at)}/${ACCOUNT}_CloudTrail_${region}_${basic(at, false)}_${unique}.json.gz`;
  return prefix ? `${prefix}/${base}` : base;
}

/** A digest key; `region` is where it was delivered, the trail's home region stays REGION. */
export function digestKey(end: Date, prefix = PREFIX, region = REGION): string {
  const base = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${region}/${ymdPath(end)}/${ACCOUNT}_CloudTrail-Digest_${region}_${TRAIL}_${REGION}_${basic(end, true)}.json.gz`;
  return prefix ? `${prefix}/${base}` : base;
}

export interface DigestInput {
  start: Date;
  end: Date;
  key: string;
  logs: { key: string; content: Buffer }[];
  /** The digest before this one; `bucket` when it was delivered to another bucket than this one. */
  previous?: { key: string; signature: string; sha256: string; bucket?: string };
  privateKey: KeyObject;
  fingerprint: string;
  bucket?: string;
}

/** One signed digest: returns the gzipped body, its signature (hex) and the SHA-256 of the decompressed JSON. */
export function makeDigest(input: DigestInput): { body: Buffer; signature: string; sha256: string; json: Record<string, unknown> } {
  const bucket = input.bucket ?? BUCKET;
  const json: Record<string, unknown> = {
    awsAccountId: ACCOUNT,
    digestStartTime: isoSeconds(input.start),
    digestEndTime: isoSeconds(input.end),
    digestS3Bucket: bucket,
    digestS3Object: input.key,
    digestPublicKeyFingerprint: input.fingerprint,
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: isoSeconds(new Date(input.end.getTime() - 60_000)),
    oldestEventTime: isoSeconds(input.start),
    previousDigestS3Bucket: input.previous ? (input.previous.bucket ?? bucket) : null,
    previousDigestS3Object: input.previous ? input.previous.key : null,
    previousDigestHashValue: input.previous ? input.previous.sha256 : null,
    previousDigestHashAlgorithm: input.previous ? 'SHA-256' : null,
    previousDigestSignature: input.previous ? input.previous.signature : null,
    logFiles: input.logs.map((log) => ({
      s3Bucket: bucket,
      s3Object: log.key,
      hashValue: createHash('sha256').update(log.content).digest('hex'),
      hashAlgorithm: 'SHA-256',
      newestEventTime: isoSeconds(input.end),
      oldestEventTime: isoSeconds(input.start),
    })),
  };
  const content = Buffer.from(JSON.stringify(json), 'utf8');
  const sha256 = createHash('sha256').update(content).digest('hex');
  // The data signing string, per the CloudTrail user guide: end time, bucket/key,
  // hex SHA-256 of the uncompressed digest, previous signature ("null" for the first).
  const toSign = `${json.digestEndTime as string}\n${bucket}/${input.key}\n${sha256}\n${input.previous ? input.previous.signature : 'null'}`;
  const signature = sign('sha256', Buffer.from(toSign, 'utf8'), input.privateKey).toString('hex');
  return { body: gzipSync(content), signature, sha256, json };
}

/**
 * `periods` hourly digests of one region's chain (the trail's home region unless `region`
 * says otherwise), each listing `logsPerPeriod` gzipped log files; the first has null
 * previous fields, as after logging starts.
 */
export function buildChain(options: { periods?: number; logsPerPeriod?: number; start?: Date; prefix?: string; region?: string } = {}): BuiltChain {
  const periods = options.periods ?? 3;
  const perPeriod = options.logsPerPeriod ?? 2;
  const start = options.start ?? new Date(Date.UTC(2026, 10, 20, 10, 0, 0));
  const prefix = options.prefix ?? PREFIX;
  const region = options.region ?? REGION;
  const { privateKey, publicKey } = testKeyPair();
  const fingerprint = fingerprintOf(publicKey);
  const objects: ChainObject[] = [];
  const logs: string[][] = [];
  const digests: string[] = [];
  const digestJson: Record<string, unknown>[] = [];
  const windows: { start: string; end: string }[] = [];
  let previous: DigestInput['previous'];
  for (let p = 0; p < periods; p++) {
    const periodStart = new Date(start.getTime() + p * 3_600_000);
    const periodEnd = new Date(periodStart.getTime() + 3_600_000);
    const periodLogs: { key: string; content: Buffer }[] = [];
    for (let f = 0; f < perPeriod; f++) {
      const at = new Date(periodStart.getTime() + (f + 1) * 10 * 60_000);
      const content = Buffer.from(JSON.stringify({ Records: records(p, f, at, region) }), 'utf8');
      const key = logKey(at, `p${p}f${f}Ab12Cd34`, prefix, region);
      periodLogs.push({ key, content });
      objects.push({ key, body: gzipSync(content) });
    }
    logs.push(periodLogs.map((l) => l.key));
    const key = digestKey(periodEnd, prefix, region);
    const digest = makeDigest({ start: periodStart, end: periodEnd, key, logs: periodLogs, previous, privateKey, fingerprint });
    objects.push({ key, body: digest.body, metadata: { signature: digest.signature, 'signature-algorithm': 'SHA256withRSA' } });
    digests.push(key);
    digestJson.push(digest.json);
    windows.push({ start: isoSeconds(periodStart), end: isoSeconds(periodEnd) });
    previous = { key, signature: digest.signature, sha256: digest.sha256 };
  }
  return { privateKey, publicKey, fingerprint, objects, logs, digests, digestJson, windows };
}

/** Writes objects into `<dir>/<bucket>/<key>`, each digest's signature beside it as `<digest>.signature.json`. */
export async function writeToFolder(dir: string, objects: readonly ChainObject[], bucket = BUCKET): Promise<void> {
  for (const object of objects) {
    const target = path.join(dir, bucket, ...object.key.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, object.body);
    if (object.metadata) {
      await fs.writeFile(
        `${target}${SIGNATURE_SIDECAR_SUFFIX}`,
        JSON.stringify({ signature: object.metadata.signature, signatureAlgorithm: object.metadata['signature-algorithm'] }),
      );
    }
  }
}

export function localPath(dir: string, key: string, bucket = BUCKET): string {
  return path.join(dir, bucket, ...key.split('/'));
}

export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `ctinv-${label}-`));
}

/** Everything not valid, by key/location, so a test can expect exactly that and nothing else. */
export function flagged(result: ValidationResult): { logs: Record<string, string>; digests: Record<string, string>; findings: string[] } {
  const logs: Record<string, string> = {};
  for (const log of result.logFiles) if (log.verdict !== 'valid') logs[log.key] = log.verdict;
  const digests: Record<string, string> = {};
  for (const digest of result.digests) if (digest.verdict !== 'valid') digests[digest.recordedLocation] = digest.verdict;
  return { logs, digests, findings: result.findings.map((f) => f.kind) };
}

/** A key as validation reports it: from AWSLogs/ on. */
export function aws(key: string): string {
  return key.slice(key.indexOf('AWSLogs/'));
}
