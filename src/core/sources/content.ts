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

/**
 * Where the numbers are in what the binding's stat calls return, of how many (Node 20 to 24:
 * getStatsFromBinding in lib/internal/fs/utils.js). The walk's lstat reads them too.
 */
export const STAT_DEV = 0;
export const STAT_MODE = 1;
export const STAT_INO = 7;
export const STAT_SIZE = 8;
const STAT_MTIME_SEC = 12;
const STAT_MTIME_NSEC = 13;
const STAT_CTIME_SEC = 14;
const STAT_CTIME_NSEC = 15;
const STAT_FIELDS = 18;

/** What a stat call of the binding returned, when it is its array of numbers; else undefined. */
export function bindingStatArray(values: unknown): Float64Array | undefined {
  return values instanceof Float64Array && values.length >= STAT_FIELDS ? values : undefined;
}

// Node's milliseconds from seconds and nanoseconds (msFromTimeSpec): the very doubles a Stats holds.
export function statMtimeMs(values: Float64Array): number {
  return values[STAT_MTIME_SEC] * 1e3 + values[STAT_MTIME_NSEC] / 1e6;
}

export function statCtimeMs(values: Float64Array): number {
  return values[STAT_CTIME_SEC] * 1e3 + values[STAT_CTIME_NSEC] / 1e6;
}

/**
 * Node's binding of the file system (the object fs.lstatSync, fs.fstatSync and fs.readSync
 * call), where it can be used without a trace: not on Windows (where fs makes each path a
 * namespaced one first), not under Node's permission model (which fs checks in JavaScript),
 * only while `process.binding` is Node's own (`--pending-deprecation` wraps it in one that
 * prints a deprecation warning), and only where its stat arrays are the ones described above.
 */
export function nodeFsBinding(): Record<string, unknown> | undefined {
  if (process.platform === 'win32' || 'permission' in process) return undefined;
  const binding = (process as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function' || binding.name !== 'binding') return undefined;
  try {
    const fsBinding = binding.call(process, 'fs') as Record<string, unknown> | undefined;
    return fsBinding?.kFsStatsFieldsNumber === STAT_FIELDS ? fsBinding : undefined;
  } catch {
    return undefined;
  }
}

/** What openEvidenceSync and ReadBuffer call of the binding: open, fstat and read, as fs.openSync, fs.fstatSync and fs.readSync call them. */
export interface DescriptorBinding {
  open(path: string, flags: number, mode: number): unknown;
  fstat(fd: number, bigint: false, request: undefined, shouldNotThrow: false): unknown;
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): unknown;
}

/**
 * The binding's open, fstat and read where this Node's own fs.openSync, fs.fstatSync and
 * fs.readSync are thin wrappers that call them just so (checked on their source: a Node whose
 * binding takes other arguments, or reports errors otherwise than by throwing, is never called
 * with these), else undefined. Through them a file of a trail of small files costs about 4 µs
 * less (a fifth of its open, fstat and read): no Stats object (with its getters) a file, none
 * of fs's checks of arguments made here. What the binding throws or returns otherwise than
 * expected is left to the public call, so that the errors reported are fs's own.
 * `fsBinding` and the sources: for tests.
 */
export function chooseDescriptorBinding(
  fsBinding: Record<string, unknown> | undefined = nodeFsBinding(),
  fstatSource = fs.fstatSync.toString(),
  readSource = fs.readSync.toString(),
  openSource = fs.openSync.toString(),
): DescriptorBinding | undefined {
  if (!fsBinding || typeof fsBinding.open !== 'function' || typeof fsBinding.fstat !== 'function' || typeof fsBinding.read !== 'function') return undefined;
  if (!/\bbinding\.fstat\(fd, options\.bigint, undefined, false\);/.test(fstatSource)) return undefined;
  if (!/\breturn binding\.read\(fd, buffer, offset, length, position\);\s*\}\s*$/.test(readSource)) return undefined;
  if (!/\breturn binding\.open\(\s*pathModule\.toNamespacedPath\(path\),\s*stringToFlags\(flags\),\s*parseFileMode\(mode, 'mode', 0o666\),?\s*\);\s*\}\s*$/.test(openSource)) return undefined;
  return fsBinding as unknown as DescriptorBinding;
}

/**
 * Opens `path` through the binding (once chosen) as fs.openSync would, for a path it takes as
 * it is (a string without a NUL: fs.openSync refuses one, the binding would cut the path there;
 * POSIX, where the namespaced path is the path); fs.openSync, whose error is the one
 * reported, for anything else.
 */
function openForReading(path: string): number {
  const binding = descriptorBinding;
  if (binding && path.indexOf('\0') === -1) {
    try {
      const fd = binding.open(path, OPEN_FLAGS, 0o666);
      if (typeof fd === 'number' && (fd | 0) === fd && fd >= 0) return fd;
    } catch {
      // fs.openSync tries again and throws its own error.
    }
  }
  return fs.openSync(path, OPEN_FLAGS);
}

/** The process's descriptor binding: chosen (and checked against fs on a real descriptor) on the first open; null: the public calls. */
let descriptorBinding: DescriptorBinding | null | undefined;
/** What offers the binding to check on the next first open. */
let offerBinding: () => DescriptorBinding | undefined = () => chooseDescriptorBinding();

/**
 * For tests: the binding is chosen again on the next open, from what `offer` gives (by default
 * chooseDescriptorBinding's), checked as on a first open; an offer of undefined: the public calls.
 */
export function chooseDescriptorBindingAgain(offer: () => DescriptorBinding | undefined = () => chooseDescriptorBinding()): void {
  descriptorBinding = undefined;
  offerBinding = offer;
}

/** Whether openEvidenceSync and ReadBuffer go through the binding (once an open has chosen). */
export function descriptorBindingInUse(): boolean {
  return descriptorBinding !== undefined && descriptorBinding !== null;
}

/**
 * What an fstat of `fd` through the binding says (mode, then the numbers openEvidenceSync
 * keeps), in `out`; undefined when the binding throws or returns anything but its array of numbers.
 */
function fstatThroughBinding(binding: DescriptorBinding, fd: number, out: OpenEvidence): number | undefined {
  let values: Float64Array | undefined;
  try {
    values = bindingStatArray(binding.fstat(fd, false, undefined, false));
  } catch {
    return undefined;
  }
  if (!values) return undefined;
  out.size = values[STAT_SIZE];
  out.mtimeMs = statMtimeMs(values);
  out.ctimeMs = statCtimeMs(values);
  out.ino = values[STAT_INO];
  out.dev = values[STAT_DEV];
  return values[STAT_MODE];
}

/**
 * The descriptor binding, chosen on the first call with the first descriptor opened: used
 * only if its fstat of `fd` gives the very numbers fs.fstatSync gives.
 */
function descriptorBindingFor(fd: number): DescriptorBinding | null {
  if (descriptorBinding !== undefined) return descriptorBinding;
  descriptorBinding = null;
  const binding = offerBinding();
  if (!binding) return null;
  const found: OpenEvidence = { fd, size: -1, mtimeMs: -1, ctimeMs: -1, ino: -1, dev: -1 };
  let same: boolean;
  try {
    const mode = fstatThroughBinding(binding, fd, found);
    const stat = fs.fstatSync(fd);
    same = mode === stat.mode && found.size === stat.size && Object.is(found.mtimeMs, stat.mtimeMs) && Object.is(found.ctimeMs, stat.ctimeMs) && found.ino === stat.ino && found.dev === stat.dev;
  } catch {
    // fs.fstatSync failed: the open reports it; the public calls stay.
    same = false;
  }
  if (same) descriptorBinding = binding;
  return descriptorBinding;
}

/** Opens a regular file for reading only; throws EvidenceAccessError with a readable reason. */
export function openEvidenceSync(path: string): OpenEvidence {
  let fd: number;
  try {
    fd = openForReading(path);
  } catch (error) {
    throw new EvidenceAccessError(`cannot open: ${describeFsError(error)}`);
  }
  try {
    const opened: OpenEvidence = { fd, size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0, dev: 0 };
    const binding = descriptorBindingFor(fd);
    let mode = binding ? fstatThroughBinding(binding, fd, opened) : undefined;
    if (mode === undefined) {
      // Without the binding, or when it failed: fs.fstatSync (whose error is the one reported).
      const stat = fs.fstatSync(fd);
      mode = stat.mode;
      opened.size = stat.size;
      opened.mtimeMs = stat.mtimeMs;
      opened.ctimeMs = stat.ctimeMs;
      opened.ino = stat.ino;
      opened.dev = stat.dev;
    }
    const type = mode & fs.constants.S_IFMT;
    if (type === fs.constants.S_IFDIR) throw new EvidenceAccessError('is a folder, not a file');
    if (type !== fs.constants.S_IFREG) throw new EvidenceAccessError('not a regular file (a pipe, socket or device): not read');
    return opened;
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
  // Chosen by the open that gave `fd` (openEvidenceSync); else the public call.
  const binding = descriptorBinding ?? undefined;
  let filled = 0;
  while (filled < length) {
    const read = binding ? readThroughBinding(binding, fd, buffer, filled, length - filled, position + filled) : fs.readSync(fd, buffer, filled, length - filled, position + filled);
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

/**
 * A read through the binding (the arguments as fs.readSync checks them: whole numbers within
 * the buffer, a position from 0). Anything but a count of bytes, or a throw, is left to
 * fs.readSync, whose error is then the one reported.
 */
function readThroughBinding(binding: DescriptorBinding, fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
  // The binding asserts what readSync checks (a failed assertion ends the process): anything
  // outside it goes to readSync, which throws its error.
  if (!((fd | 0) === fd && fd >= 0 && length > 0 && length <= 0x7fffffff && (length | 0) === length && offset >= 0 && (offset | 0) === offset && offset + length <= buffer.length && Number.isSafeInteger(position) && position >= 0)) {
    return fs.readSync(fd, buffer, offset, length, position);
  }
  let read: unknown;
  try {
    read = binding.read(fd, buffer, offset, length, position);
  } catch {
    read = undefined;
  }
  return typeof read === 'number' && read >= 0 && read <= length ? read : fs.readSync(fd, buffer, offset, length, position);
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
