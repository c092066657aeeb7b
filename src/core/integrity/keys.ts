/**
 * CloudTrail digest public keys: loading them from a file the user supplies, or
 * from the CloudTrail `ListPublicKeys` API, and matching them to the
 * `digestPublicKeyFingerprint` a digest names.
 *
 * ListPublicKeys returns each key as DER-encoded PKCS#1 RSAPublicKey bytes with
 * its fingerprint. The user guide does not spell out how the fingerprint is
 * computed; it is 32 hex digits (an MD5). For keys from a PEM or DER file we
 * accept the MD5 of the PKCS#1 DER encoding and the MD5 of the
 * SubjectPublicKeyInfo DER encoding; keys from ListPublicKeys (or from its JSON
 * output saved to a file) also carry the fingerprint AWS reported.
 */
import { createHash, createPublicKey, KeyObject } from 'crypto';
import { promises as fs } from 'fs';
import { CloudTrailClient, ListPublicKeysCommand, ListPublicKeysCommandOutput } from '@aws-sdk/client-cloudtrail';

export interface DigestPublicKey {
  /** Lower-case hex fingerprints this key answers to. */
  fingerprints: string[];
  key: KeyObject;
  /** Where the key came from, for messages: a file path or "ListPublicKeys (region)". */
  source: string;
  validityStart?: Date;
  validityEnd?: Date;
}

/** A key file that cannot be used; names the file and the reason. */
export class KeyFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'KeyFileError';
  }
}

function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The fingerprints a key answers to: MD5 of its PKCS#1 DER and of its SubjectPublicKeyInfo DER. */
export function keyFingerprints(key: KeyObject): string[] {
  const pkcs1 = key.export({ type: 'pkcs1', format: 'der' });
  const spki = key.export({ type: 'spki', format: 'der' });
  return [md5Hex(pkcs1), md5Hex(spki)];
}

/** The fingerprint CloudTrail-style tooling in this project writes: MD5 of the PKCS#1 DER bytes. */
export function pkcs1Fingerprint(key: KeyObject): string {
  return md5Hex(key.export({ type: 'pkcs1', format: 'der' }));
}

function rsaOnly(key: KeyObject, source: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyFileError(source, `not an RSA public key (${key.asymmetricKeyType ?? 'unknown type'})`);
  }
  return key;
}

/** DER bytes: PKCS#1 RSAPublicKey (what ListPublicKeys returns) or SubjectPublicKeyInfo. */
function publicKeyFromDer(der: Uint8Array, source: string): KeyObject {
  const buffer = Buffer.from(der);
  for (const type of ['pkcs1', 'spki'] as const) {
    try {
      return rsaOnly(createPublicKey({ key: buffer, format: 'der', type }), source);
    } catch (error) {
      if (error instanceof KeyFileError) throw error;
    }
  }
  throw new KeyFileError(source, 'DER data is neither a PKCS#1 RSAPublicKey nor a SubjectPublicKeyInfo');
}

function fromPem(text: string, source: string): DigestPublicKey[] {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const keys: DigestPublicKey[] = [];
  for (const block of blocks) {
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(block)?.[1] ?? '';
    if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
      let key: KeyObject;
      try {
        key = createPublicKey(block);
      } catch (error) {
        throw new KeyFileError(source, `unreadable ${label} block: ${error instanceof Error ? error.message : String(error)}`);
      }
      rsaOnly(key, source);
      keys.push({ fingerprints: keyFingerprints(key), key, source });
    } else if (label.includes('PRIVATE KEY')) {
      throw new KeyFileError(source, 'holds a private key; supply the public key only');
    }
  }
  if (keys.length === 0) throw new KeyFileError(source, 'no "PUBLIC KEY" or "RSA PUBLIC KEY" PEM block found');
  return keys;
}

interface ListedKeyJson {
  Fingerprint?: unknown;
  Value?: unknown;
  ValidityStartTime?: unknown;
  ValidityEndTime?: unknown;
}

function jsonTime(value: unknown): Date | undefined {
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/** The JSON that `aws cloudtrail list-public-keys` prints: {"PublicKeyList": [{"Value": base64, "Fingerprint": hex}]}. */
function fromListPublicKeysJson(parsed: unknown, source: string): DigestPublicKey[] {
  const list = (parsed as { PublicKeyList?: unknown }).PublicKeyList;
  if (!Array.isArray(list)) throw new KeyFileError(source, 'JSON without a "PublicKeyList" array (expected `aws cloudtrail list-public-keys` output)');
  const keys: DigestPublicKey[] = [];
  list.forEach((entry: ListedKeyJson, i) => {
    if (typeof entry?.Value !== 'string') throw new KeyFileError(source, `PublicKeyList[${i}] has no base64 "Value"`);
    const key = publicKeyFromDer(Buffer.from(entry.Value, 'base64'), `${source} PublicKeyList[${i}]`);
    const fingerprints = keyFingerprints(key);
    if (typeof entry.Fingerprint === 'string') fingerprints.unshift(entry.Fingerprint.toLowerCase());
    keys.push({
      fingerprints: [...new Set(fingerprints)],
      key,
      source,
      validityStart: jsonTime(entry.ValidityStartTime),
      validityEnd: jsonTime(entry.ValidityEndTime),
    });
  });
  if (keys.length === 0) throw new KeyFileError(source, '"PublicKeyList" is empty');
  return keys;
}

/** Parses key material: PEM (one or more SubjectPublicKeyInfo / PKCS#1 blocks), DER, or list-public-keys JSON. */
export function parsePublicKeys(content: Buffer, source: string): DigestPublicKey[] {
  const text = content.toString('utf8').trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new KeyFileError(source, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    return fromListPublicKeysJson(parsed, source);
  }
  if (text.includes('-----BEGIN')) return fromPem(text, source);
  if (content.length > 0 && content[0] === 0x30) {
    const key = publicKeyFromDer(content, source);
    return [{ fingerprints: keyFingerprints(key), key, source }];
  }
  throw new KeyFileError(source, 'not a PEM public key, DER public key, or list-public-keys JSON');
}

/** Reads a key file the user supplies (read only). */
export async function loadPublicKeyFile(path: string): Promise<DigestPublicKey[]> {
  let content: Buffer;
  try {
    content = await fs.readFile(path);
  } catch (error) {
    throw new KeyFileError(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parsePublicKeys(content, path);
}

/** Calls ListPublicKeys (paginated) for the time range and returns every key. */
export async function listCloudTrailPublicKeys(
  client: CloudTrailClient,
  range: { start: Date; end: Date },
  signal?: AbortSignal,
): Promise<DigestPublicKey[]> {
  const keys: DigestPublicKey[] = [];
  const region = await client.config.region().catch(() => 'unknown region');
  let nextToken: string | undefined;
  do {
    signal?.throwIfAborted();
    const page: ListPublicKeysCommandOutput = await client.send(
      new ListPublicKeysCommand({ StartTime: range.start, EndTime: range.end, NextToken: nextToken }),
      { abortSignal: signal },
    );
    for (const listed of page.PublicKeyList ?? []) {
      if (!listed.Value) continue;
      const source = `ListPublicKeys (${region})`;
      const key = publicKeyFromDer(listed.Value, source);
      const fingerprints = keyFingerprints(key);
      if (listed.Fingerprint) fingerprints.unshift(listed.Fingerprint.toLowerCase());
      keys.push({
        fingerprints: [...new Set(fingerprints)],
        key,
        source,
        validityStart: listed.ValidityStartTime,
        validityEnd: listed.ValidityEndTime,
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return keys;
}
