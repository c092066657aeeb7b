/**
 * Where the evidence lives: a folder on disk or an S3 bucket. Validation only
 * reads through this interface; nothing here writes, moves or renames a file.
 */
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { DigestFormatError, DigestSignature, MAX_DIGEST_BYTES, parseSignatureSidecar } from './digest';
import { awsLogsSuffix, AwsLogsKey, parseAwsLogsKey } from './layout';
import { IntegrityProblem } from './types';

export interface StoredFile {
  /** For display: a local path or `s3://bucket/key`. */
  path: string;
  /** The folder that holds `AWSLogs/` (or `s3://bucket/prefix`): keys are unique within a root. */
  root: string;
  /** Parsed key from `AWSLogs/` on. */
  layout: AwsLogsKey;
  /** For S3: where the object is, compared with the location a digest records. */
  bucket?: string;
  fullKey?: string;
  size: number;
}

export interface DigestContent {
  body: Buffer;
  signature?: DigestSignature;
  /** Why the signature is absent or unusable. */
  signatureProblem?: string;
}

export interface Listing {
  files: StoredFile[];
  problems: IntegrityProblem[];
}

export interface EvidenceStore {
  /** What is being validated, for the report. */
  readonly target: string;
  list(signal?: AbortSignal, onFound?: (count: number) => void): Promise<Listing>;
  readDigest(file: StoredFile, signal?: AbortSignal): Promise<DigestContent>;
  openLog(file: StoredFile, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Display form of where a key should be under a root (nothing is opened). */
  expectedPath(root: string, key: string): string;
}

/** On disk the digest's S3 signature metadata is kept beside it under this suffix. */
export const SIGNATURE_SIDECAR_SUFFIX = '.signature.json';

function toSlashes(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * A folder in the S3 layout (`AWSLogs/...` somewhere below, or the folder is
 * itself inside an `AWSLogs` tree). Symbolic links are not followed.
 */
export class FolderStore implements EvidenceStore {
  readonly target: string;
  private sidecars = new Map<string, string>();

  constructor(folder: string) {
    this.target = path.resolve(folder);
  }

  async list(signal?: AbortSignal, onFound?: (count: number) => void): Promise<Listing> {
    const files: StoredFile[] = [];
    const problems: IntegrityProblem[] = [];
    let stat;
    try {
      stat = await fs.stat(this.target);
    } catch (error) {
      throw new Error(`${this.target}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
    if (!stat.isDirectory()) throw new Error(`${this.target}: not a folder (validation needs the folder that holds AWSLogs/)`);
    const pending = [this.target];
    while (pending.length > 0) {
      signal?.throwIfAborted();
      const dir = pending.pop() as string;
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        problems.push({ path: dir, reason: `cannot list folder (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
        continue;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isSymbolicLink()) {
          problems.push({ path: full, reason: 'symbolic link not followed' });
          continue;
        }
        if (entry.isDirectory()) {
          pending.push(full);
          continue;
        }
        if (!entry.isFile()) continue;
        const slashed = toSlashes(full);
        if (slashed.endsWith(SIGNATURE_SIDECAR_SUFFIX)) {
          this.sidecars.set(full.slice(0, -SIGNATURE_SIDECAR_SUFFIX.length), full);
          continue;
        }
        const suffix = awsLogsSuffix(slashed);
        if (!suffix) continue;
        const layout = parseAwsLogsKey(suffix);
        if (!layout) continue;
        let size: number;
        try {
          size = (await fs.stat(full)).size;
        } catch (error) {
          problems.push({ path: full, reason: `cannot stat (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
          continue;
        }
        const root = full.slice(0, full.length - suffix.length).replace(/[\\/]+$/, '') || path.parse(full).root;
        files.push({ path: full, root, layout, size });
        if (onFound && files.length % 1000 === 0) onFound(files.length);
      }
    }
    onFound?.(files.length);
    return { files, problems };
  }

  async readDigest(file: StoredFile): Promise<DigestContent> {
    if (file.size > MAX_DIGEST_BYTES) throw new DigestFormatError(`${file.size} bytes is too large for a digest file`);
    const body = await fs.readFile(file.path);
    const sidecar = this.sidecars.get(file.path);
    const expected = `${file.path}${SIGNATURE_SIDECAR_SUFFIX}`;
    if (!sidecar) return { body, signatureProblem: `signature metadata not found (${expected})` };
    let signature: DigestSignature;
    try {
      signature = parseSignatureSidecar(await fs.readFile(sidecar));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { body, signatureProblem: `signature metadata unreadable (${sidecar}): ${reason}` };
    }
    return { body, signature };
  }

  async openLog(file: StoredFile): Promise<AsyncIterable<Uint8Array>> {
    return createReadStream(file.path, { highWaterMark: 1 << 20 });
  }

  expectedPath(root: string, key: string): string {
    return `${root}${path.sep}${key.split('/').join(path.sep)}`;
  }
}
