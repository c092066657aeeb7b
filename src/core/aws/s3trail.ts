/**
 * Downloads a trail bucket's log, Insights and digest files for chosen accounts, regions and
 * days into an evidence folder, keeping the S3 key layout. Listing is by date prefix
 * (`[prefix/]AWSLogs/[o-xxxx/]ACCOUNT/CloudTrail[-Insight|-Digest]/REGION/YYYY/MM/DD/`);
 * regions are discovered under all three. Downloads run
 * with bounded concurrency, each written to a temp file and renamed, so a cancel never
 * leaves a half file under the final name. Objects already present and identical are
 * skipped (a manifest `.ctinv-download.json` remembers size and ETag); a local file that
 * differs is never overwritten. Digest files get their `x-amz-meta-signature` metadata
 * saved beside them (`<file>.signature.json`) for offline integrity validation.
 *
 * Content is checked only against what S3 guarantees: the ETag is the MD5 of the content
 * only for single-part objects stored plain or with SSE-S3 (not SSE-KMS, DSSE-KMS, SSE-C or
 * multipart), and a full-object `x-amz-checksum-sha256`, when S3 has one, is the SHA-256.
 * Otherwise nothing is claimed: the SHA-256 computed here is recorded in the manifest. A
 * mismatch with a guaranteed value is reported as such, never as a network failure.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AwsClientFactory } from './clients';
import type { ProfileInfo } from './profiles';
import { isAbort } from '../abort';
import { AwsSourceError, describeAwsError } from './errors';
import { DEFAULT_RETRY, RetryCounters, RetryOptions, withRetry } from './retry';
import { UnsafeKeyError, safeLocalPath } from './safePath';

export const DOWNLOAD_MANIFEST = '.ctinv-download.json';
export const SIGNATURE_SUFFIX = '.signature.json';
const PART_SUFFIX = '.ctinv-part';
/** Listed objects waiting for a downloader, at most (memory stays bounded on huge buckets). */
const QUEUE_LIMIT = 5000;

export interface TrailDownloadOptions {
  factory: AwsClientFactory;
  /** Region of the bucket (the client follows a redirect if it is wrong). */
  region: string;
  bucket: string;
  /** Key prefix the trail was configured with, before `AWSLogs/`; may be empty. */
  prefix?: string;
  /** Organisation trail id `o-xxxxxxxxxx`. */
  orgId?: string;
  /** Account ids; empty or absent: every account found under AWSLogs/. */
  accounts?: readonly string[];
  /** Regions; empty or absent: every region found for each account. */
  regions?: readonly string[];
  /** First and last delivery day, `YYYY-MM-DD`, UTC, inclusive. */
  from: string;
  to: string;
  /** Also fetch CloudTrail-Digest files; default true. */
  includeDigests?: boolean;
  /** Also fetch CloudTrail-Insight files; default true. */
  includeInsights?: boolean;
  /** The evidence folder the user picked. */
  dest: string;
  /** Parallel downloads; default 8. */
  concurrency?: number;
  /** Listed objects allowed to wait for a downloader; default 5,000. */
  maxQueued?: number;
  /** Keys per ListObjectsV2 page, 1..1000; default 1000 (tests use less to exercise paging). */
  listPageSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadProgress {
  listed: number;
  listedBytes: number;
  downloaded: number;
  skipped: number;
  failed: number;
  bytes: number;
  listing: boolean;
}

export interface KeyProblem {
  key: string;
  reason: string;
}

export interface DownloadSummary {
  dest: string;
  listed: number;
  downloaded: number;
  /** Already present and identical. */
  skipped: number;
  bytes: number;
  /** Keys that could not be made into a safe local path. */
  rejected: KeyProblem[];
  /** Present locally with different content, or changed in S3 since downloaded: local file kept. */
  conflicts: KeyProblem[];
  failed: KeyProblem[];
  accounts: string[];
  regions: string[];
  /** Local paths of every log and digest file now in place (downloaded or already there). */
  files: string[];
  cancelled: boolean;
  /** User-facing errors that stopped part of the work (listing refused, credentials). */
  errors: string[];
  retries: number;
  /** Downloaded objects S3 gave no content guarantee for (SSE-KMS or multipart ETag, no checksum): their SHA-256 is recorded. */
  unverified: number;
}

interface ManifestEntry {
  size: number;
  etag: string;
  /** SHA-256 (hex) of the content as downloaded. */
  sha256?: string;
  /** What S3 guaranteed the content against: its MD5 ETag, its SHA-256 checksum, or nothing. */
  verified?: 'md5-etag' | 'checksum-sha256' | 'none';
  lastModified?: string;
  signature?: string;
  signatureAlgorithm?: string;
}

/** Per bucket, per key: what was downloaded. Several buckets may share one evidence folder. */
interface Manifest {
  version: 1;
  buckets: Record<string, Record<string, ManifestEntry>>;
}

interface Listed {
  key: string;
  size: number;
  etag: string;
  lastModified?: Date;
  digest: boolean;
}

const ACCOUNT_RE = /^\d{12}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ORG_RE = /^o-[a-z0-9]{10,32}$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** Days from `from` to `to` inclusive as `YYYY/MM/DD`. */
export function dayPrefixes(from: string, to: string): string[] {
  const parse = (s: string, name: string): number => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) throw new RangeError(`The ${name} date '${s}' is not YYYY-MM-DD.`);
    return Date.parse(`${s}T00:00:00Z`);
  };
  const start = parse(from, 'from');
  const end = parse(to, 'to');
  if (end < start) throw new RangeError(`The date range ${from}..${to} is empty: the last day is before the first.`);
  if ((end - start) / 86400_000 > 3660) throw new RangeError('The date range is longer than ten years.');
  const out: string[] = [];
  for (let t = start; t <= end; t += 86400_000) out.push(new Date(t).toISOString().slice(0, 10).replace(/-/g, '/'));
  return out;
}

function cleanEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

/** The parts of a GetObject / HeadObject answer that say what the content is. */
export interface ObjectHead {
  ServerSideEncryption?: string;
  SSECustomerAlgorithm?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
}

/** What S3 guarantees about an object's content: its MD5 and SHA-256 (hex), where it does. */
export interface ContentClaims {
  md5?: string;
  sha256?: string;
}

/**
 * S3's ETag is the MD5 of the content only for objects uploaded in one part and stored plain
 * or with SSE-S3; for SSE-KMS, DSSE-KMS and SSE-C it is not, and a multipart ETag
 * (`<hex>-<parts>`) never is. A full-object `x-amz-checksum-sha256` is the content's
 * SHA-256; a composite one (`…-<parts>`) is not.
 */
function contentClaims(etag: string, head: ObjectHead): ContentClaims {
  const claims: ContentClaims = {};
  const sse = (head.ServerSideEncryption ?? '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(etag) && !sse.startsWith('aws:kms') && !head.SSECustomerAlgorithm) claims.md5 = etag;
  const checksum = head.ChecksumSHA256;
  if (checksum && !checksum.includes('-') && (head.ChecksumType ?? 'FULL_OBJECT') === 'FULL_OBJECT') {
    const hex = Buffer.from(checksum, 'base64').toString('hex');
    if (hex.length === 64) claims.sha256 = hex;
  }
  return claims;
}

/** The content differs from what S3 guarantees: not a network failure, never retried. */
class ContentMismatchError extends Error {}

function checkClaims(claims: ContentClaims, md5: string, sha256: string, what: string): ManifestEntry['verified'] {
  if (claims.sha256 !== undefined && claims.sha256 !== sha256) {
    throw new ContentMismatchError(`${what}'s SHA-256 (${sha256}) does not match S3's x-amz-checksum-sha256 (${claims.sha256})`);
  }
  if (claims.md5 !== undefined && claims.md5 !== md5) {
    throw new ContentMismatchError(`${what}'s MD5 (${md5}) does not match the ETag, which S3 guarantees to be the MD5 for this object (${claims.md5})`);
  }
  return claims.sha256 !== undefined ? 'checksum-sha256' : claims.md5 !== undefined ? 'md5-etag' : 'none';
}

async function hashFile(file: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const handle = await fs.open(file);
  try {
    for await (const chunk of handle.createReadStream()) {
      md5.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** A small async queue: producers push, consumers await `next()` until closed and drained. */
class Queue<T> {
  private items: T[] = [];
  private waiters: Array<(item: T | undefined) => void> = [];
  private roomWaiters: Array<() => void> = [];
  private closed = false;
  /** Resolves once fewer than `limit` items wait: listing never runs far ahead of downloading. */
  room(limit: number): Promise<void> {
    if (this.items.length < limit || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }
  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
    for (const w of this.roomWaiters.splice(0)) w();
  }
  next(): Promise<T | undefined> {
    if (this.items.length) {
      const item = this.items.shift();
      for (const w of this.roomWaiters.splice(0)) w();
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function validateTrailOptions(options: TrailDownloadOptions): void {
  if (!BUCKET_RE.test(options.bucket)) throw new RangeError(`'${options.bucket}' is not an S3 bucket name.`);
  if (options.orgId !== undefined && options.orgId !== '' && !ORG_RE.test(options.orgId)) {
    throw new RangeError(`'${options.orgId}' is not an organisation id (o-xxxxxxxxxx).`);
  }
  for (const a of options.accounts ?? []) if (!ACCOUNT_RE.test(a)) throw new RangeError(`'${a}' is not a 12-digit account id.`);
  for (const r of options.regions ?? []) if (!REGION_RE.test(r)) throw new RangeError(`'${r}' is not a region name.`);
  const c = options.concurrency ?? 8;
  if (!Number.isInteger(c) || c < 1 || c > 64) throw new RangeError(`concurrency must be 1..64, not ${c}`);
  const page = options.listPageSize ?? 1000;
  if (!Number.isInteger(page) || page < 1 || page > 1000) throw new RangeError(`listPageSize must be 1..1000, not ${page}`);
  dayPrefixes(options.from, options.to);
}

/** One download of a trail bucket: the listing feeds a queue that a few downloaders drain. */
class TrailDownload {
  private readonly signal: AbortSignal | undefined;
  private readonly client: S3Client;
  private readonly counters: RetryCounters = { throttleRetries: 0, transientRetries: 0 };
  private readonly retryOpts: RetryOptions;
  private readonly summary: DownloadSummary;
  private listedBytes = 0;
  private listing = true;
  /** What was downloaded from this bucket (the manifest's entry for it). */
  private readonly objects: Record<string, ManifestEntry>;
  private saving: Promise<void> = Promise.resolve();
  private unsaved = 0;
  /** `[prefix/]AWSLogs/[o-xxxx/]` */
  private readonly base: string;
  private readonly downloads = new Queue<Listed>();
  private readonly days: string[];
  private readonly kinds: string[];
  private readonly seenRegions = new Set<string>();

  constructor(
    private readonly options: TrailDownloadOptions,
    dest: string,
    private readonly profile: ProfileInfo,
    private readonly manifestFile: string,
    private readonly manifestAll: Manifest,
  ) {
    this.signal = options.signal;
    this.client = options.factory.s3(options.region);
    const factory = options.factory;
    this.retryOpts = { signal: this.signal, counters: this.counters, policy: { ...DEFAULT_RETRY, maxThrottleRetries: 6 }, refreshCredentials: () => factory.refreshCredentials() };
    this.summary = {
      dest,
      listed: 0,
      downloaded: 0,
      skipped: 0,
      bytes: 0,
      rejected: [],
      conflicts: [],
      failed: [],
      accounts: [],
      regions: [],
      files: [],
      cancelled: false,
      errors: [],
      retries: 0,
      unverified: 0,
    };
    this.objects = manifestAll.buckets[options.bucket] ??= {};
    this.base = `${normalizePrefix(options.prefix)}AWSLogs/${options.orgId ? `${options.orgId}/` : ''}`;
    this.days = dayPrefixes(options.from, options.to);
    this.kinds = [
      'CloudTrail',
      ...(options.includeInsights === false ? [] : ['CloudTrail-Insight']),
      ...(options.includeDigests === false ? [] : ['CloudTrail-Digest']),
    ];
  }

  async run(): Promise<DownloadSummary> {
    const { summary, signal } = this;
    await Promise.all([this.list(), ...Array.from({ length: this.options.concurrency ?? 8 }, () => this.downloader())]);
    summary.regions = [...this.seenRegions].sort();
    summary.retries = this.counters.throttleRetries + this.counters.transientRetries;
    if (signal?.aborted) summary.cancelled = true;
    await this.saveManifest();
    // Access denied on every object is one message, not thousands.
    const denied = summary.failed.find((f) => /Access denied/.test(f.reason));
    if (denied && !summary.errors.includes(denied.reason)) summary.errors.push(denied.reason);
    this.progress();
    return summary;
  }

  private context(operation: string) {
    return { profile: this.profile.name, profileKind: this.profile.kind, region: this.options.region, operation };
  }

  private progress(): void {
    const { summary } = this;
    this.options.onProgress?.({
      listed: summary.listed,
      listedBytes: this.listedBytes,
      downloaded: summary.downloaded,
      skipped: summary.skipped,
      failed: summary.failed.length + summary.conflicts.length + summary.rejected.length,
      bytes: summary.bytes,
      listing: this.listing,
    });
  }

  private saveManifest(): Promise<void> {
    this.unsaved = 0;
    this.saving = this.saving.then(async () => {
      const temp = `${this.manifestFile}${PART_SUFFIX}`;
      await fs.writeFile(temp, JSON.stringify(this.manifestAll, null, 1));
      await fs.rename(temp, this.manifestFile);
    });
    return this.saving;
  }

  private fatal(error: unknown, operation: string): void {
    if (isAbort(error, this.signal)) {
      this.summary.cancelled = true;
      return;
    }
    const described = error instanceof AwsSourceError ? error : describeAwsError(error, this.context(operation));
    if (!this.summary.errors.includes(described.message)) this.summary.errors.push(described.message);
  }

  /** Common prefixes one level under `prefix` (accounts, regions). */
  private async discover(prefix: string): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await withRetry(
        (s) => this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }), { abortSignal: s }),
        this.retryOpts,
      );
      for (const cp of page.CommonPrefixes ?? []) {
        const name = (cp.Prefix ?? '').slice(prefix.length).replace(/\/$/, '');
        if (name) found.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Lists every day prefix of the accounts and regions chosen (or found) into the download queue. */
  private async list(): Promise<void> {
    try {
      await this.listPrefixes(await this.prefixes());
    } catch (error) {
      this.fatal(error, 'ListObjectsV2');
    } finally {
      this.listing = false;
      this.downloads.close();
      this.progress();
    }
  }

  /** The accounts chosen or found, and for each region and kind the day prefixes to list. */
  private async prefixes(): Promise<Array<{ prefix: string; digest: boolean }>> {
    const accounts = this.options.accounts?.length ? [...this.options.accounts] : (await this.discover(this.base)).filter((a) => ACCOUNT_RE.test(a));
    this.summary.accounts = accounts;
    if (!accounts.length) this.summary.errors.push(`No account folders under s3://${this.options.bucket}/${this.base}: check the bucket, prefix and organisation id.`);
    const prefixes: Array<{ prefix: string; digest: boolean }> = [];
    for (const account of accounts) {
      const regions = await this.regionsOf(account);
      for (const region of regions) {
        this.seenRegions.add(region);
        for (const kind of this.kinds) for (const day of this.days) prefixes.push({ prefix: `${this.base}${account}/${kind}/${region}/${day}/`, digest: kind === 'CloudTrail-Digest' });
      }
    }
    return prefixes;
  }

  private async regionsOf(account: string): Promise<string[]> {
    // A region can hold digests or Insights files without log files (a day with no events):
    // regions are the union of what each kind's folder holds.
    if (this.options.regions?.length) return [...this.options.regions];
    const found = new Set<string>();
    for (const kind of ['CloudTrail', 'CloudTrail-Insight', 'CloudTrail-Digest']) {
      for (const r of await this.discover(`${this.base}${account}/${kind}/`)) if (REGION_RE.test(r)) found.add(r);
    }
    return [...found].sort();
  }

  /** A few listings in parallel; each feeds the download queue as its pages arrive. */
  private async listPrefixes(prefixes: ReadonlyArray<{ prefix: string; digest: boolean }>): Promise<void> {
    // A few listings in parallel; each feeds the download queue as its pages arrive.
    let next = 0;
    const listOne = async (): Promise<void> => {
      while (next < prefixes.length && !this.signal?.aborted) {
        const { prefix, digest } = prefixes[next++];
        let token: string | undefined;
        do {
          const page = await withRetry(
            (s) => this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.options.listPageSize }), { abortSignal: s }),
            this.retryOpts,
          );
          for (const o of page.Contents ?? []) {
            if (!o.Key || o.Key.endsWith('/')) continue;
            this.summary.listed++;
            this.listedBytes += o.Size ?? 0;
            this.downloads.push({ key: o.Key, size: o.Size ?? 0, etag: cleanEtag(o.ETag), lastModified: o.LastModified, digest });
          }
          this.progress();
          await this.downloads.room(this.options.maxQueued ?? QUEUE_LIMIT);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, prefixes.length) }, listOne));
  }

  /**
   * GetObject into `part` (retried on network failures), hashing as it streams. Checks the
   * content against what S3 guarantees for this object and returns the answer's metadata.
   */
  private fetchToPart(item: Listed, part: string): Promise<{ metadata?: Record<string, string>; sha256: string; verified: ManifestEntry['verified'] }> {
    return withRetry(async (s) => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: item.key, IfMatch: `"${item.etag}"`, ChecksumMode: 'ENABLED' }),
        { abortSignal: s },
      );
      const body = response.Body;
      if (!(body instanceof Readable)) throw new Error('GetObject returned no readable body');
      const md5 = createHash('md5');
      const sha256 = createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          md5.update(chunk);
          sha256.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, tap, createWriteStream(part, { flags: 'w' }), { signal: s });
      } catch (error) {
        // The SDK checks some checksums itself; its mismatch is the content's, not the network's.
        if (/checksum mismatch/i.test((error as Error).message ?? '')) throw new ContentMismatchError(`the downloaded content does not match S3's checksum: ${(error as Error).message}`);
        throw error;
      }
      if (size !== item.size) throw Object.assign(new Error(`received ${size} of ${item.size} bytes`), { code: 'ECONNRESET' });
      const digest = sha256.digest('hex');
      const verified = checkClaims(contentClaims(item.etag, response), md5.digest('hex'), digest, 'the downloaded content');
      return { metadata: response.Metadata, sha256: digest, verified };
    }, this.retryOpts);
  }

  private async downloader(): Promise<void> {
    for (;;) {
      const item = await this.downloads.next();
      if (item === undefined) return;
      if (this.signal?.aborted) {
        this.summary.cancelled = true;
        continue; // drain the queue without work
      }
      try {
        await this.downloadOne(item);
      } catch (error) {
        if (isAbort(error, this.signal)) this.summary.cancelled = true;
        else this.summary.failed.push({ key: item.key, reason: describeAwsError(error, this.context('GetObject')).message });
      }
    }
  }

  private async downloadOne(item: Listed): Promise<void> {
    let local: string;
    try {
      local = safeLocalPath(this.summary.dest, item.key);
    } catch (error) {
      this.summary.rejected.push({ key: item.key, reason: (error as UnsafeKeyError).reason });
      return;
    }
    const stat = await fs.stat(local).catch(() => undefined);
    if (stat) await this.keepExisting(item, local, stat);
    else await this.fetchNew(item, local);
  }

  /**
   * A file is already at the object's place: skipped when it is the object (by the manifest,
   * by what S3 guarantees, or by the object itself), else a conflict; never overwritten.
   */
  private async keepExisting(item: Listed, local: string, stat: Stats): Promise<void> {
    const known = this.objects[item.key];
    if (!stat.isFile()) {
      this.summary.conflicts.push({ key: item.key, reason: `${local} exists and is not a file; kept as it is` });
      return;
    }
    let identical = false;
    let reason = '';
    let entry: ManifestEntry | undefined;
    if (known) {
      if (known.etag !== item.etag) reason = `changed in S3 since it was downloaded (ETag was ${known.etag}, now ${item.etag}); the downloaded copy is kept`;
      else if (known.size !== stat.size) reason = `the local file's size (${stat.size}) differs from the downloaded object's (${known.size}); kept as it is`;
      else identical = true;
    } else if (stat.size !== item.size) {
      reason = `exists locally with a different size (${stat.size}, S3 has ${item.size}); kept as it is`;
    } else {
      // No record of downloading it: compare with what S3 guarantees about the object, or,
      // where S3 guarantees nothing (SSE-KMS, multipart), with the object itself.
      const head = await withRetry(
        (s) => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: item.key, IfMatch: `"${item.etag}"`, ChecksumMode: 'ENABLED' }), { abortSignal: s }),
        this.retryOpts,
      );
      const claims = contentClaims(item.etag, head);
      const mine = await hashFile(local);
      if (claims.md5 !== undefined || claims.sha256 !== undefined) {
        try {
          const verified = checkClaims(claims, mine.md5, mine.sha256, 'the local file');
          identical = true;
          entry = { size: item.size, etag: item.etag, sha256: mine.sha256, verified };
        } catch (error) {
          if (!(error instanceof ContentMismatchError)) throw error;
          reason = `exists locally with different content (${error.message}); kept as it is`;
        }
      } else {
        const part = `${local}${PART_SUFFIX}`;
        try {
          const fetched = await this.fetchToPart(item, part);
          identical = fetched.sha256 === mine.sha256;
          if (identical) entry = { size: item.size, etag: item.etag, sha256: mine.sha256, verified: 'none' };
          else reason = `exists locally with different content (SHA-256 ${mine.sha256}, the object's is ${fetched.sha256}); kept as it is`;
        } finally {
          await fs.rm(part, { force: true });
        }
      }
    }
    if (!identical) {
      this.summary.conflicts.push({ key: item.key, reason });
      return;
    }
    if (!known) {
      this.objects[item.key] = entry ?? { size: item.size, etag: item.etag };
      this.objects[item.key].lastModified = item.lastModified?.toISOString();
      this.unsaved++;
    }
    if (item.digest && !(await exists(`${local}${SIGNATURE_SUFFIX}`))) {
      const head = await withRetry((s) => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: item.key, IfMatch: `"${item.etag}"` }), { abortSignal: s }), this.retryOpts);
      await writeSignature(local, item, head.Metadata, this.objects[item.key]);
    }
    this.summary.skipped++;
    this.summary.files.push(local);
  }

  /** Downloads the object to a temp file and renames it into place. */
  private async fetchNew(item: Listed, local: string): Promise<void> {
    await fs.mkdir(path.dirname(local), { recursive: true });
    const part = `${local}${PART_SUFFIX}`;
    try {
      const fetched = await this.fetchToPart(item, part);
      await fs.rename(part, local);
      if (item.lastModified) await fs.utimes(local, item.lastModified, item.lastModified).catch(() => undefined);
      const entry: ManifestEntry = { size: item.size, etag: item.etag, sha256: fetched.sha256, verified: fetched.verified, lastModified: item.lastModified?.toISOString() };
      if (fetched.verified === 'none') this.summary.unverified++;
      if (item.digest) await writeSignature(local, item, fetched.metadata, entry);
      this.objects[item.key] = entry;
      this.summary.downloaded++;
      this.summary.bytes += item.size;
      this.summary.files.push(local);
      if (++this.unsaved >= 100) await this.saveManifest();
    } catch (error) {
      await fs.rm(part, { force: true });
      if (isAbort(error, this.signal)) {
        this.summary.cancelled = true;
        return;
      }
      const reason =
        error instanceof ContentMismatchError
          ? `${error.message}; not kept. S3 holds different content than it vouches for: download it again, and if it persists, treat the object as suspect.`
          : describeAwsError(error, this.context('GetObject')).message;
      this.summary.failed.push({ key: item.key, reason });
    } finally {
      this.progress();
    }
  }
}

export async function downloadTrailBucket(options: TrailDownloadOptions): Promise<DownloadSummary> {
  validateTrailOptions(options);
  const dest = path.resolve(options.dest);
  await fs.mkdir(dest, { recursive: true });
  const factory = options.factory;
  const profile = await factory.profile().catch((e: unknown) => {
    throw describeAwsError(e, { profile: factory.profileName, operation: 'resolve credentials' });
  });
  const manifestFile = path.join(dest, DOWNLOAD_MANIFEST);
  return new TrailDownload(options, dest, profile, manifestFile, await loadManifest(manifestFile)).run();
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function writeSignature(local: string, item: Listed, metadata: Record<string, string> | undefined, entry: ManifestEntry | undefined): Promise<void> {
  const signature = metadata?.['signature'];
  const algorithm = metadata?.['signature-algorithm'];
  if (entry) {
    entry.signature = signature;
    entry.signatureAlgorithm = algorithm;
  }
  const sidecar = {
    key: item.key,
    etag: item.etag,
    lastModified: item.lastModified?.toISOString(),
    // Hex signature and algorithm from the x-amz-meta-signature / -signature-algorithm metadata.
    signature: signature ?? null,
    signatureAlgorithm: algorithm ?? null,
  };
  const file = `${local}${SIGNATURE_SUFFIX}`;
  await fs.writeFile(`${file}${PART_SUFFIX}`, JSON.stringify(sidecar, null, 1));
  await fs.rename(`${file}${PART_SUFFIX}`, file);
}

async function loadManifest(file: string): Promise<Manifest> {
  const empty: Manifest = { version: 1, buckets: {} };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return empty;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    if (parsed.version === 1 && typeof parsed.buckets === 'object' && parsed.buckets !== null) return parsed as Manifest;
  } catch {
    // fall through: set the unreadable manifest aside, never delete it
  }
  await fs.rename(file, `${file}.corrupt-${Date.now()}`).catch(() => undefined);
  return empty;
}
