/**
 * Validation straight from an S3 bucket, with the AWS SDK v3 S3 client: objects
 * are listed under `<prefix>AWSLogs/`, digests read with their object metadata
 * (`signature`, `signature-algorithm`), log objects hashed as they stream in.
 */
import { GetObjectCommand, ListObjectsV2Command, ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'stream';
import { DigestFormatError, MAX_DIGEST_BYTES } from './digest';
import { parseAwsLogsKey } from './layout';
import { DigestContent, EvidenceStore, Listing, StoredFile } from './store';

/** Normalises a key prefix: no leading slash, one trailing slash unless empty. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

export class S3Store implements EvidenceStore {
  readonly target: string;
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix?: string,
    /** Keys per ListObjectsV2 page (S3's default, 1000, when omitted). */
    private readonly pageSize?: number,
  ) {
    this.prefix = normalizePrefix(prefix);
    this.target = `s3://${bucket}/${this.prefix}`;
  }

  /**
   * Everything under `<prefix>AWSLogs/`, paged with ListObjectsV2 continuation
   * tokens (the server keeps the position, whatever order it returns keys in).
   * Keys outside the CloudTrail log and digest layout (CloudTrail-Insight...) are
   * dropped.
   */
  async list(signal?: AbortSignal, onFound?: (count: number) => void): Promise<Listing> {
    const files: StoredFile[] = [];
    let token: string | undefined;
    do {
      signal?.throwIfAborted();
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}AWSLogs/`, ContinuationToken: token, MaxKeys: this.pageSize }),
        { abortSignal: signal },
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const layout = parseAwsLogsKey(object.Key.slice(this.prefix.length));
        if (!layout) continue;
        files.push({
          path: `s3://${this.bucket}/${object.Key}`,
          root: this.target,
          layout,
          bucket: this.bucket,
          fullKey: object.Key,
          size: object.Size ?? 0,
        });
      }
      onFound?.(files.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) throw new Error(`s3://${this.bucket}/${this.prefix}AWSLogs/: listing truncated without a continuation token`);
    } while (token);
    return { files, problems: [] };
  }

  async readDigest(file: StoredFile, signal?: AbortSignal): Promise<DigestContent> {
    if (file.size > MAX_DIGEST_BYTES) throw new DigestFormatError(`${file.size} bytes is too large for a digest file`);
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: file.fullKey }), {
      abortSignal: signal,
    });
    if (!response.Body) throw new DigestFormatError('empty response body');
    const body = Buffer.from(await response.Body.transformToByteArray());
    const metadata = response.Metadata ?? {};
    const signature = metadata['signature'];
    if (!signature) return { body, signatureProblem: `signature metadata not found (x-amz-meta-signature on ${file.path})` };
    return { body, signature: { signature, algorithm: metadata['signature-algorithm'] ?? 'SHA256withRSA' } };
  }

  async openLog(file: StoredFile, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: file.fullKey }), {
      abortSignal: signal,
    });
    const body = response.Body;
    if (!body) return Readable.from([]);
    if (body instanceof Readable) return body;
    return Readable.from([Buffer.from(await body.transformToByteArray())]);
  }

  expectedPath(root: string, key: string): string {
    return `${root}${key}`;
  }
}
