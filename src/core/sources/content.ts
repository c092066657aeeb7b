/**
 * Opening evidence read-only and getting its (decompressed) bytes, whole or as a stream.
 * Nothing here writes, moves or renames a file.
 */
import * as fs from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';

/** O_NONBLOCK so that a named pipe in an evidence folder cannot block the open. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
const STREAM_CHUNK_BYTES = 1 << 20;

export class EvidenceAccessError extends Error {}

export interface OpenEvidence {
  fd: number;
  size: number;
  mtimeMs: number;
  /** What else fstat said of the descriptor: with size and mtime, the file's identity as opened. */
  ctimeMs: number;
  ino: number;
  dev: number;
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (moved or deleted?)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error from the disk';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Opens a regular file for reading only; throws EvidenceAccessError with a readable reason. */
export function openEvidenceSync(path: string): OpenEvidence {
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw new EvidenceAccessError(`cannot open: ${describeFsError(error)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new EvidenceAccessError('is a folder, not a file');
    if (!stat.isFile()) throw new EvidenceAccessError('not a regular file (a pipe, socket or device): not read');
    return { fd, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, dev: stat.dev };
  } catch (error) {
    fs.closeSync(fd);
    if (error instanceof EvidenceAccessError) throw error;
    throw new EvidenceAccessError(`cannot read: ${describeFsError(error)}`);
  }
}

/** Reads `length` bytes at `position`; fewer only when the file is shorter than that. */
export function readBytesSync(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  const filled = fillSync(fd, buffer, position, length);
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** Reads up to `length` bytes at `position` into the start of `buffer`; how many (fewer only at the end of the file). */
function fillSync(fd: number, buffer: Buffer, position: number, length: number): number {
  let filled = 0;
  while (filled < length) {
    const read = fs.readSync(fd, buffer, filled, length - filled, position + filled);
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

/** Files up to this size are read into the reused buffer of a ReadBuffer; larger ones into one of their own. */
const RETAINED_READ_BYTES = 1024 * 1024;
const FIRST_READ_BYTES = 64 * 1024;

/**
 * One buffer the files of a run are read into, one after the other (a parse worker's life, a
 * parse on the caller's thread), instead of one allocated for each. Real trails are mostly
 * files of a few KB: `Buffer.allocUnsafe` gave each a slice of an 8 KB pool, and a new pool
 * every few files, all garbage a moment later.
 */
export class ReadBuffer {
  private buffer: Buffer | undefined;

  /**
   * Reads the first `length` bytes of `fd` (fewer only when the file is shorter). Up to
   * RETAINED_READ_BYTES, the bytes are a view of the reused buffer, valid only until the next call.
   */
  read(fd: number, length: number): Buffer {
    if (length > RETAINED_READ_BYTES) return readBytesSync(fd, 0, length);
    let buffer = this.buffer;
    if (!buffer || buffer.length < length) {
      let size = FIRST_READ_BYTES;
      while (size < length) size *= 2;
      buffer = this.buffer = Buffer.allocUnsafeSlow(size);
    }
    return buffer.subarray(0, fillSync(fd, buffer, 0, length));
  }
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The file's bytes from `fd`, streamed; the stream closes the descriptor when done or destroyed. */
export function fileStream(fd: number): Readable {
  return fs.createReadStream('', { fd, highWaterMark: STREAM_CHUNK_BYTES, autoClose: true });
}

/** Decompressed content of a source stream (every gzip member, in order). */
export function decompressedStream(source: Readable, gzip: boolean): Readable {
  if (!gzip) return source;
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  // pipeline forwards errors from either side and destroys both: the descriptor is always closed.
  return pipeline(source, gunzip, () => undefined);
}

export function memoryStream(buffer: Buffer): Readable {
  return Readable.from([buffer], { objectMode: false });
}

/** Content start after a UTF-8 byte-order mark. */
export function bomLength(content: Buffer): number {
  return content.length >= 3 && content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? 3 : 0;
}

export function isUtf16(head: Buffer): boolean {
  return head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
}
