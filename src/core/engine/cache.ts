/**
 * The on-disk index cache: the parsed batches of one source (combined into one). Kept outside
 * the evidence.
 *
 * Trusting it takes three checks, so that it never answers for content that changed:
 * - its name is a key over the evidence's roots (as given and as real paths) and every file's
 *   identity: path, device, inode, ctime and mtime in nanoseconds, size. Copying a file with
 *   its times kept (`cp -p`, `rsync -a`, `tar`) still gives it a new inode and ctime, and an
 *   edit in place a new ctime: either makes a new key;
 * - the file starts with a header (magic, format, SHA-256 of the rest), and the rest names the
 *   key and roots it was written for: a damaged, truncated or swapped (copied from another
 *   folder's cache) file is refused and the source parsed again, with a note saying why;
 * - in paranoid mode (`verify`) the files' contents are hashed again (SHA-256) and compared
 *   with the hashes stored when the cache was written.
 */
import { createHash } from 'node:crypto';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BatchArray, EventBatch, mapBatchArrays } from '../index/batch';
import { KnownMerge } from '../index/event-index';
import { EvidenceFile, FileProblem } from '../sources/types';
import { fileIdentity } from '../sources/walk';

/** Bump when the batch layout, normalisation or the cache file's layout changes, so old caches are ignored. */
// 5: a checksummed header with the identity of what it indexes (issue 12 §2), and each
// record's content hash in the batches (eventID conflicts, issue 12 §3), and Insights records'
// state and type (issue 12 §7).
// 6: sections instead of a V8 serialisation (issue 13): the batch's typed arrays are read as
// views of the file's bytes, the rest (strings, files, identity) is one JSON text.
// 7: what the merge into an empty index dropped and found in conflict (`merged`), so that a
// reopen adopts the batch without a de-duplication probe per event.
export const CACHE_FORMAT = 7;

const MAGIC = Buffer.from('CTINVIDX', 'latin1');
/** magic, format (uint32 LE), SHA-256 of the payload. */
const HEADER_BYTES = MAGIC.length + 4 + 32;
/**
 * The payload: the length of the description (uint32 LE), the description (JSON: everything but
 * the typed arrays, which it lists as sections), then each section at an offset that is a
 * multiple of 8 from the file's start, so that it is read as a view of the file's bytes.
 */
const SECTION_ALIGN = 8;

type SectionKind = 'u8' | 'u16' | 'i32' | 'u32' | 'f64';

/** A typed array of the batch: its kind, its first byte in the file, its length in elements. */
interface Section {
  kind: SectionKind;
  at: number;
  length: number;
}

const SECTION_TYPES: Record<SectionKind, { new (buffer: ArrayBuffer, byteOffset: number, length: number): BatchArray; BYTES_PER_ELEMENT: number }> = {
  u8: Uint8Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  f64: Float64Array,
};

function sectionKind(array: BatchArray): SectionKind {
  if (array instanceof Uint8Array) return 'u8';
  if (array instanceof Uint16Array) return 'u16';
  if (array instanceof Int32Array) return 'i32';
  if (array instanceof Uint32Array) return 'u32';
  return 'f64';
}

/** What the description holds: the cache without its typed arrays, and where they are. */
interface Description {
  format: number;
  identity: CacheIdentity;
  walkProblems: FileProblem[];
  contentHashes?: string[];
  merged?: KnownMerge;
  /** Each batch with its typed arrays left empty (mapBatchArrays order) and their sections. */
  batches: { hollow: EventBatch; sections: Section[] }[];
}

const aligned = (n: number) => Math.ceil(n / SECTION_ALIGN) * SECTION_ALIGN;

/** The payload of a cache file (everything after the header). */
function encodePayload(value: CachedSource): Buffer {
  const arrays: BatchArray[] = [];
  const batches = value.batches.map((batch) => {
    const own: BatchArray[] = [];
    const hollow = mapBatchArrays(batch, (array) => {
      own.push(array);
      return new (array.constructor as new (length: number) => typeof array)(0);
    });
    arrays.push(...own);
    return { hollow, sections: own.map((array) => ({ kind: sectionKind(array), at: 0, length: array.length })) };
  });
  const description: Description = { format: value.format, identity: value.identity, walkProblems: value.walkProblems, contentHashes: value.contentHashes, merged: value.merged, batches };
  // The sections' places depend on the description's length, which depends on them: place them
  // with a description long enough for any offset (padded with spaces, which JSON ignores).
  const sections = batches.flatMap((b) => b.sections);
  const probe = Buffer.byteLength(JSON.stringify(description));
  const room = probe + sections.length * 16;
  let at = aligned(HEADER_BYTES + 4 + room);
  for (let i = 0; i < sections.length; i++) {
    sections[i].at = at;
    at = aligned(at + arrays[i].byteLength);
  }
  const text = Buffer.from(JSON.stringify(description));
  if (text.length > room) throw new Error('index cache description outgrew its room');
  const payload = Buffer.alloc(at - HEADER_BYTES, 0);
  payload.writeUInt32LE(room, 0);
  payload.fill(0x20, 4, 4 + room);
  text.copy(payload, 4);
  arrays.forEach((array, i) => payload.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), sections[i].at - HEADER_BYTES));
  return payload;
}

/**
 * The cache in `data` (a whole cache file whose checksum was checked): the description parsed,
 * each section a view of `data`'s bytes (copied only where `data` is not aligned for it).
 * Throws, saying what, when the description or a section does not fit the file.
 */
export function decodeCache(data: Buffer): CachedSource {
  if (data.length < HEADER_BYTES + 4) throw new Error('no description');
  const room = data.readUInt32LE(HEADER_BYTES);
  if (room > data.length - HEADER_BYTES - 4) throw new Error('its description runs past the end');
  const description = JSON.parse(data.toString('utf8', HEADER_BYTES + 4, HEADER_BYTES + 4 + room)) as Description;
  if (!description || typeof description !== 'object' || !Array.isArray(description.batches)) throw new Error('its description is not one of an index cache');
  const firstSection = HEADER_BYTES + 4 + room;
  const batches = description.batches.map(({ hollow, sections }) => {
    if (!hollow || !Array.isArray(sections)) throw new Error('a batch has no sections');
    let next = 0;
    const batch = mapBatchArrays(hollow, <A extends BatchArray>() => {
      const section = sections[next++];
      const type = section && SECTION_TYPES[section.kind];
      if (!type || !Number.isSafeInteger(section.at) || !Number.isSafeInteger(section.length) || section.length < 0) throw new Error('a section is not described');
      const bytes = section.length * type.BYTES_PER_ELEMENT;
      if (section.at < firstSection || section.at + bytes > data.length) throw new Error('a section lies outside the file');
      const start = data.byteOffset + section.at;
      if (start % type.BYTES_PER_ELEMENT === 0) return new type(data.buffer as ArrayBuffer, start, section.length) as A;
      return new type(data.buffer.slice(start, start + bytes) as ArrayBuffer, 0, section.length) as A;
    });
    if (next !== sections.length) throw new Error('a batch has sections it does not use');
    return batch;
  });
  return { format: description.format, identity: description.identity, batches, walkProblems: description.walkProblems ?? [], contentHashes: description.contentHashes, merged: description.merged };
}

/** What a cache was written for: checked against what is being loaded before it is used. */
export interface CacheIdentity {
  key: string;
  /** The evidence paths as given (resolved) and as real paths (every link resolved). */
  roots: string[];
  realRoots: string[];
  /** Evidence files the key covers. */
  files: number;
}

export interface CachedSource {
  format: number;
  identity: CacheIdentity;
  batches: EventBatch[];
  walkProblems: FileProblem[];
  /** SHA-256 of each file's content in key order (files sorted by path), when written in verify mode. */
  contentHashes?: string[];
  /**
   * What merging the one batch into an empty index did (dropped duplicates, conflicts), when the
   * load that wrote the cache started from an empty index: a reopen into an empty index adopts
   * the batch without probing every event again (EventIndex.adopt).
   */
  merged?: KnownMerge;
}

function byPath(a: EvidenceFile, b: EvidenceFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The real path of each root (as given when it cannot be resolved: the walk reports that). */
function realRoots(roots: readonly string[]): string[] {
  return roots.map((root) => {
    try {
      return fsSync.realpathSync.native(root);
    } catch {
      return root;
    }
  });
}

/**
 * The cache key of a source: one pass of synchronous stat calls over its files (or the walk's), no reading.
 * Two calls give the same key only when no file was replaced, edited, touched or re-linked.
 */
export function cacheIdentity(roots: readonly string[], files: readonly EvidenceFile[], known?: ReadonlyMap<string, string>): CacheIdentity {
  const hash = createHash('sha256');
  hash.update(`ctinv-cache-${CACHE_FORMAT}\n`);
  const sortedRoots = [...roots].sort();
  const real = realRoots(sortedRoots);
  for (let i = 0; i < sortedRoots.length; i++) hash.update(`root ${sortedRoots[i]}\0${real[i]}\n`);
  // `known`: the identities the walk read with its own stat calls (one pass over the files, not two).
  // One text hashed at once: an update per file cost more than the hashing.
  const lines = [...files].sort(byPath).map((f) => `${f.path}\0${known?.get(f.path) ?? fileIdentity(f.path)}\n`);
  hash.update(lines.join(''));
  return { key: hash.digest('hex'), roots: sortedRoots, realRoots: real, files: files.length };
}

/** SHA-256 of every file's content, in key order (sorted by path). Reads each file once, in pieces. */
export async function contentHashes(files: readonly EvidenceFile[], signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (const f of [...files].sort(byPath)) {
    signal?.throwIfAborted();
    const hash = createHash('sha256');
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(f.path, fsSync.constants.O_RDONLY | (fsSync.constants.O_NONBLOCK ?? 0));
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
      }
      out.push(hash.digest('hex'));
    } catch (error) {
      out.push(`unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    } finally {
      await handle?.close();
    }
  }
  return out;
}

/** Cache files kept per folder; the least recently used beyond this are deleted after a write. */
const MAX_CACHE_FILES = 32;

function cacheFilePath(cacheDir: string, key: string): string {
  return path.join(cacheDir, `${key}.idx`);
}

export type CacheLookup = { kind: 'hit'; value: CachedSource } | { kind: 'miss' } | { kind: 'refused'; note: string };

/**
 * The cache written for `identity`, checked: its checksum, its format, and that it was written
 * for this key and these roots. `refused` (with the reason) for a file that is there but must
 * not be used; `miss` when there is none (or only one of an older format).
 */
export async function readCache(cacheDir: string, identity: CacheIdentity): Promise<CacheLookup> {
  const file = cacheFilePath(cacheDir, identity.key);
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'miss' } : { kind: 'refused', note: `the index cache ${file} cannot be read (${code ?? String(error)})` };
  }
  const refuse = (why: string): CacheLookup => ({ kind: 'refused', note: `the index cache ${file} ${why}; the evidence was read again` });
  // Caches before format 4 are a bare V8 serialisation (first byte 0xFF): outdated, not damaged.
  if (data.length > 0 && data[0] === 0xff) return { kind: 'miss' };
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return refuse('is not an index cache (damaged or truncated)');
  const format = data.readUInt32LE(MAGIC.length);
  if (format !== CACHE_FORMAT) return { kind: 'miss' };
  const payload = data.subarray(HEADER_BYTES);
  const stored = data.subarray(MAGIC.length + 4, HEADER_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(stored)) return refuse('is damaged or truncated (its checksum does not match)');
  let value: CachedSource;
  try {
    value = decodeCache(data);
  } catch (error) {
    return refuse(`cannot be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
  const written = value?.identity;
  if (value?.format !== CACHE_FORMAT || !written || !Array.isArray(value.batches)) return refuse('is not an index cache of this version');
  if (written.key !== identity.key || written.files !== identity.files || !sameList(written.roots, identity.roots) || !sameList(written.realRoots, identity.realRoots)) {
    return refuse(`was written for other evidence (${(written.realRoots ?? []).join(', ') || 'unknown'}), not for ${identity.realRoots.join(', ')}`);
  }
  // Marks it recently used, for pruning (the cache's own file: never evidence).
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
  return { kind: 'hit', value };
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function writeCache(cacheDir: string, value: CachedSource): Promise<void> {
  await fs.mkdir(cacheDir, { recursive: true });
  const target = cacheFilePath(cacheDir, value.identity.key);
  const temporary = `${target}.${process.pid}.tmp`;
  const payload = encodePayload(value);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(CACHE_FORMAT, MAGIC.length);
  createHash('sha256').update(payload).digest().copy(header, MAGIC.length + 4);
  const handle = await fs.open(temporary, 'w');
  try {
    await handle.write(header);
    // writeFile goes on from the current position, in as many writes as it takes.
    await handle.writeFile(payload);
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, target);
  await pruneCache(cacheDir, MAX_CACHE_FILES);
}

/** Deletes a cache file (its contents were found not to match the evidence). */
export function discardCacheSync(cacheDir: string, key: string): void {
  try {
    fsSync.rmSync(cacheFilePath(cacheDir, key), { force: true });
  } catch {
    // Nothing to do: a cache that cannot be removed is still checked on its next use.
  }
}

/** Deletes the least recently used cache files beyond `keep` (only `*.idx` files: the folder may be shared). */
export async function pruneCache(cacheDir: string, keep: number): Promise<void> {
  const names = (await fs.readdir(cacheDir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'));
  if (names.length <= keep) return;
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = path.join(cacheDir, name);
      const stat = await fs.stat(file).catch(() => undefined);
      return { file, used: stat?.mtimeMs ?? 0 };
    }),
  );
  entries.sort((a, b) => b.used - a.used);
  await Promise.all(entries.slice(keep).map((e) => fs.rm(e.file, { force: true })));
}
