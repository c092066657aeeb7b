/**
 * Log file integrity validation: the result model.
 *
 * Validation follows what `aws cloudtrail validate-logs` does (and the "custom
 * implementation" procedure in the CloudTrail user guide), for an evidence folder
 * on disk or for an S3 bucket. Every string that comes out of a digest is
 * attacker-controlled text: it is compared and displayed, never used as a path.
 */

/** What happened to one CloudTrail log file. */
export type LogVerdict =
  /** Listed in a digest whose signature verified, and its decompressed SHA-256 matches. */
  | 'valid'
  /** Listed in a verified digest, but the content differs (hash mismatch, or it no longer decompresses). */
  | 'changed'
  /** Listed in a digest, not found in the evidence. */
  | 'missing'
  /** Found in the evidence, listed in no digest. */
  | 'not-covered'
  /** Cannot be proven either way; `reason` says why (digest signature invalid, digest missing, no key...). */
  | 'not-verifiable';

export const LOG_VERDICTS: readonly LogVerdict[] = ['valid', 'changed', 'missing', 'not-covered', 'not-verifiable'];

/** What happened to one digest file. */
export type DigestVerdict =
  /** Signature verified with the public key its fingerprint names, found where it says it was delivered. */
  | 'valid'
  /** The RSA signature does not verify: the digest (or its signature metadata) was changed. */
  | 'signature-invalid'
  /** Signature verified, but the file is not at the location recorded inside it (`digestS3Object`). */
  | 'moved'
  /** Referenced by the next digest in the chain (`previousDigestS3Object`), not found. */
  | 'missing'
  /** Cannot be checked; `reason` says why (no signature metadata, no public key, unreadable...). */
  | 'not-verifiable';

export const DIGEST_VERDICTS: readonly DigestVerdict[] = ['valid', 'signature-invalid', 'moved', 'missing', 'not-verifiable'];

export interface LogFileResult {
  /** Where the file was found: a local path or `s3://bucket/key`. Absent when missing. */
  path?: string;
  /** The key from `AWSLogs/` on, as recorded in the digest (or derived from where the file was found). */
  key: string;
  verdict: LogVerdict;
  /** Why, for every verdict but `valid`. */
  reason?: string;
  /** The digest that lists this file (its path, or recorded location when it is missing). */
  digest?: string;
  /** `hashValue` from the digest (hex SHA-256 of the decompressed content). */
  expectedSha256?: string;
  /** SHA-256 of the decompressed content we read. */
  actualSha256?: string;
}

export interface DigestResult {
  /** Where the digest was found: a local path or `s3://bucket/key`. Absent when missing. */
  path?: string;
  /** `s3://digestS3Bucket/digestS3Object` as recorded inside the digest (or as referenced by the next one). */
  recordedLocation: string;
  verdict: DigestVerdict;
  reason?: string;
  account?: string;
  region?: string;
  /** Trail name from the digest file name, when it follows the documented naming. */
  trail?: string;
  startTime?: string;
  endTime?: string;
  fingerprint?: string;
  /** Number of log files the digest lists. */
  logFiles: number;
  backfill: boolean;
}

/** A problem with the chain of digests rather than with one file. */
export interface ChainFinding {
  /**
   * gap: a stretch of time the chain does not prove (a digest is missing or unreadable,
   *   or the chain restarts with a null previousDigestSignature);
   * link-mismatch: a digest names a previous digest whose signature or hash differ
   *   from what it recorded.
   */
  kind: 'gap' | 'link-mismatch';
  account: string;
  region: string;
  trail?: string;
  /** Start of the unproven window (ISO time), when known. */
  from?: string;
  /** End of the unproven window (ISO time). */
  to?: string;
  message: string;
}

/** A file that could not be read at all; the rest of the validation goes on. */
export interface IntegrityProblem {
  path: string;
  reason: string;
}

export interface ValidationCounts {
  logs: Record<LogVerdict, number>;
  digests: Record<DigestVerdict, number>;
  findings: number;
}

export interface ValidationResult {
  /** What was validated: the folder or `s3://bucket/prefix`. */
  target: string;
  logFiles: LogFileResult[];
  digests: DigestResult[];
  findings: ChainFinding[];
  problems: IntegrityProblem[];
  counts: ValidationCounts;
  /** Oldest digestStartTime and newest digestEndTime seen (in the window), ISO. */
  range?: { start: string; end: string };
  /**
   * The time window checked: the start and end given, or else the span the evidence
   * covers (its earliest and latest digest or listed log file, by delivery time).
   */
  window: ValidationWindow;
  /**
   * What was not checked, in words: digests a held digest names as its previous one but
   * that lie before the window, and files outside a given window. Empty when nothing was left out.
   */
  notChecked: string[];
  /** True when at least one digest was found, every log file and digest is valid, and the chain has no findings. */
  ok: boolean;
}

export interface ValidationWindow {
  /** ISO; absent when nothing in the evidence has a time and none was given. */
  start?: string;
  end?: string;
  /** Whether each bound was given (true) or taken from the evidence (false). */
  given: { start: boolean; end: boolean };
}

export interface ValidationProgress {
  phase: 'listing' | 'digests' | 'logs';
  done: number;
  total: number;
  bytesDone: number;
  currentPath?: string;
}

export interface ValidationOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ValidationProgress) => void;
  /** Public keys to verify digest signatures with (see keys.ts to load them). */
  publicKeys?: readonly import('./keys').DigestPublicKey[];
  /**
   * Called with the fingerprints the digests name that `publicKeys` does not hold,
   * and the time span of those digests; returns more keys (e.g. from ListPublicKeys).
   */
  fetchPublicKeys?: (request: PublicKeyRequest) => Promise<import('./keys').DigestPublicKey[]>;
  /** Log files hashed at the same time; default 4. */
  concurrency?: number;
  /**
   * Check what was delivered on or after this time, as `validate-logs --start-time`:
   * a digest a held digest names as its previous one must be present when it ends on or
   * after it. Default: the earliest digest or log file of the same trail, in any region.
   */
  startTime?: Date;
  /** Check what was delivered on or before this time (`--end-time`). Default: no bound. */
  endTime?: Date;
}

export interface PublicKeyRequest {
  region: string;
  fingerprints: string[];
  start: Date;
  end: Date;
  signal?: AbortSignal;
}
