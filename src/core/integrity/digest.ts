/**
 * One CloudTrail digest file: parsing and signature verification.
 *
 * The signature lives outside the file, in the S3 object metadata
 * (`x-amz-meta-signature`, hex; `x-amz-meta-signature-algorithm`, "SHA256withRSA").
 * It is an RSA PKCS#1 v1.5 signature with SHA-256 over the data signing string:
 *
 *   digestEndTime "\n" digestS3Bucket "/" digestS3Object "\n"
 *   hex(SHA-256(decompressed digest)) "\n" previousDigestSignature
 *
 * where previousDigestSignature is the text "null" for the first digest of a chain.
 */
import { createHash, verify as rsaVerify } from 'crypto';
import { gunzipSync } from 'zlib';
import { DigestPublicKey } from './keys';

/** Digest files are small (one hour of file names); refuse to inflate anything absurd. */
export const MAX_DIGEST_BYTES = 64 * 1024 * 1024;

export interface DigestLogEntry {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
}

export interface ParsedDigest {
  awsAccountId?: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm?: string;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogEntry[];
  /** hex SHA-256 of the decompressed digest. */
  sha256: string;
}

export interface DigestSignature {
  /** hex */
  signature: string;
  algorithm: string;
}

/** A digest that cannot be read: not gzip, not JSON, or required fields missing. */
export class DigestFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestFormatError';
  }
}

function requiredString(o: Record<string, unknown>, field: string): string {
  const value = o[field];
  if (typeof value !== 'string' || value.length === 0) throw new DigestFormatError(`field "${field}" missing or not a string`);
  return value;
}

function nullableString(o: Record<string, unknown>, field: string): string | null {
  const value = o[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new DigestFormatError(`field "${field}" is not a string`);
  return value;
}

/** Inflates (when gzipped) and parses a digest file's bytes. */
export function parseDigest(raw: Buffer): ParsedDigest {
  let content: Buffer;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      content = gunzipSync(raw, { maxOutputLength: MAX_DIGEST_BYTES });
    } catch (error) {
      throw new DigestFormatError(`cannot be decompressed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    content = raw;
  }
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new DigestFormatError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new DigestFormatError('not a JSON object');
  const o = json as Record<string, unknown>;
  const files = o.logFiles;
  if (!Array.isArray(files)) throw new DigestFormatError('field "logFiles" missing or not an array');
  const logFiles: DigestLogEntry[] = files.map((entry, i) => {
    if (entry === null || typeof entry !== 'object') throw new DigestFormatError(`logFiles[${i}] is not an object`);
    const e = entry as Record<string, unknown>;
    return {
      s3Bucket: typeof e.s3Bucket === 'string' ? e.s3Bucket : '',
      s3Object: requiredString(e, 's3Object'),
      hashValue: requiredString(e, 'hashValue').toLowerCase(),
      hashAlgorithm: typeof e.hashAlgorithm === 'string' ? e.hashAlgorithm : 'SHA-256',
    };
  });
  if (!('previousDigestSignature' in o)) throw new DigestFormatError('field "previousDigestSignature" missing');
  return {
    awsAccountId: typeof o.awsAccountId === 'string' ? o.awsAccountId : undefined,
    digestStartTime: requiredString(o, 'digestStartTime'),
    digestEndTime: requiredString(o, 'digestEndTime'),
    digestS3Bucket: requiredString(o, 'digestS3Bucket'),
    digestS3Object: requiredString(o, 'digestS3Object'),
    digestPublicKeyFingerprint: requiredString(o, 'digestPublicKeyFingerprint').toLowerCase(),
    digestSignatureAlgorithm: typeof o.digestSignatureAlgorithm === 'string' ? o.digestSignatureAlgorithm : undefined,
    previousDigestS3Bucket: nullableString(o, 'previousDigestS3Bucket'),
    previousDigestS3Object: nullableString(o, 'previousDigestS3Object'),
    previousDigestHashValue: nullableString(o, 'previousDigestHashValue'),
    previousDigestSignature: nullableString(o, 'previousDigestSignature'),
    logFiles,
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

/** The data signing string, exactly as CloudTrail builds it. */
export function signingString(digest: Pick<ParsedDigest, 'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'sha256' | 'previousDigestSignature'>): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    digest.sha256,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

export type SignatureCheck =
  | { ok: true; key: DigestPublicKey }
  | { ok: false; verdict: 'signature-invalid' | 'not-verifiable'; reason: string };

/** Verifies a digest's signature with the key its fingerprint names. */
export function verifyDigestSignature(
  digest: ParsedDigest,
  signature: DigestSignature,
  keys: readonly DigestPublicKey[],
): SignatureCheck {
  if (signature.algorithm !== 'SHA256withRSA') {
    return { ok: false, verdict: 'not-verifiable', reason: `unsupported signature algorithm "${signature.algorithm}"` };
  }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(signature.signature)) {
    return { ok: false, verdict: 'signature-invalid', reason: 'signature metadata is not hex' };
  }
  const fingerprint = digest.digestPublicKeyFingerprint;
  const candidates = keys.filter((k) => k.fingerprints.includes(fingerprint));
  if (candidates.length === 0) {
    return { ok: false, verdict: 'not-verifiable', reason: `no public key with fingerprint ${fingerprint}` };
  }
  const data = Buffer.from(signingString(digest), 'utf8');
  const bytes = Buffer.from(signature.signature, 'hex');
  for (const candidate of candidates) {
    if (rsaVerify('sha256', data, candidate.key, bytes)) return { ok: true, key: candidate };
  }
  return {
    ok: false,
    verdict: 'signature-invalid',
    reason: `RSA signature does not verify with the public key ${fingerprint} (${candidates[0].source})`,
  };
}

/** Reads the on-disk signature sidecar: `{"signature": "<hex>", "signatureAlgorithm": "SHA256withRSA"}`. */
export function parseSignatureSidecar(content: Buffer): DigestSignature {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new DigestFormatError(`signature metadata is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const o = (json ?? {}) as Record<string, unknown>;
  if (typeof o.signature !== 'string') throw new DigestFormatError('signature metadata has no "signature" string');
  return {
    signature: o.signature,
    algorithm: typeof o.signatureAlgorithm === 'string' ? o.signatureAlgorithm : 'SHA256withRSA',
  };
}
