/**
 * S3 keys are attacker-controlled text: anyone who can write to the bucket chooses them.
 * Before a key becomes a local path it must stay inside the destination folder.
 */
import * as path from 'node:path';

export class UnsafeKeyError extends Error {
  override readonly name = 'UnsafeKeyError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`Refused S3 key ${JSON.stringify(key)}: ${reason}`);
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** The local path for `key` under `dest`, or an UnsafeKeyError saying why not. */
export function safeLocalPath(dest: string, key: string): string {
  if (key.length === 0) throw new UnsafeKeyError(key, 'empty key');
  if (key.length > 1024) throw new UnsafeKeyError(key, 'longer than S3 allows');
  if (key.includes('\0')) throw new UnsafeKeyError(key, 'contains a NUL character');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new UnsafeKeyError(key, 'contains a control character');
  if (key.includes('\\')) throw new UnsafeKeyError(key, 'contains a backslash (a path separator on Windows)');
  if (key.startsWith('/')) throw new UnsafeKeyError(key, 'absolute path');
  if (/^[A-Za-z]:/.test(key)) throw new UnsafeKeyError(key, 'starts with a drive letter');
  if (key.endsWith('/')) throw new UnsafeKeyError(key, 'a folder marker, not a file');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw new UnsafeKeyError(key, 'empty path segment (//)');
    if (segment === '..' || segment === '.') throw new UnsafeKeyError(key, `path segment '${segment}'`);
    if (/[:*?"<>|]/.test(segment)) throw new UnsafeKeyError(key, `character not allowed in a file name in '${segment}'`);
    if (WINDOWS_RESERVED.test(segment) || /[. ]$/.test(segment)) throw new UnsafeKeyError(key, `'${segment}' is not a portable file name`);
  }
  const root = path.resolve(dest);
  const full = path.resolve(root, ...segments);
  if (full !== root && !full.startsWith(root + path.sep)) throw new UnsafeKeyError(key, 'escapes the destination folder');
  return full;
}
