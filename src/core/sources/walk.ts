/**
 * walkEvidence: every file that may hold evidence under the given paths.
 *
 * Rules (also in docs/inputs.md):
 * - Files given directly are always read, whatever their name.
 * - In folders: hidden files and folders (name starts with ".": .git, .DS_Store, macOS "._"
 *   resource forks) and node_modules are skipped; so are files whose extension says they are
 *   clearly not CloudTrail (images, audio and video, office documents, archives other than
 *   gzip, executables, fonts, Markdown notes, PEM keys). Everything else is read, whatever its extension or none:
 *   the reader decides from the content and reports what it cannot use.
 * - Symbolic links are followed once: a folder reached again through a link (a loop) is
 *   reported and not walked twice; a file reached twice is read once.
 * - Pipes, sockets and devices are reported and skipped; so are folders and files that
 *   cannot be listed or stat'ed. The walk goes on.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { STAT_DEV, STAT_INO, STAT_MODE, STAT_SIZE, bindingStatArray, describeFsError, nodeFsBinding, statCtimeMs, statMtimeMs } from './content';
import { parseTrailKeyLayout } from './layout';
import { EvidenceFile, FileProblem, TrailKeyLayout } from './types';

const SKIPPED_FOLDERS = new Set(['node_modules']);

const SKIPPED_EXTENSIONS = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'tif', 'tiff', 'ico', 'heic', 'psd',
  // audio and video
  'mp3', 'wav', 'flac', 'ogg', 'm4a', 'mp4', 'mov', 'avi', 'mkv', 'webm',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'key', 'pages', 'numbers',
  // archives other than gzip
  'zip', '7z', 'rar', 'tar', 'tgz', 'bz2', 'xz', 'zst', 'lz4', 'cab', 'iso', 'dmg',
  // executables, libraries, compiled code
  'exe', 'dll', 'so', 'dylib', 'bin', 'o', 'a', 'class', 'jar', 'pyc', 'wasm', 'msi', 'deb', 'rpm',
  // fonts
  'ttf', 'otf', 'woff', 'woff2', 'eot',
  // notes and keys kept beside evidence (an investigation's README, a trail's public key)
  'md', 'markdown', 'rst', 'pem', 'crt', 'cer',
]);

/**
 * Files are stat'ed synchronously (two to four times faster than through the thread pool,
 * which matters for folders of 100,000 files) in slices, yielding to the event loop between
 * slices so the host stays responsive.
 */
const STAT_SLICE = 512;

/** True when a file inside a walked folder is clearly not evidence (see the rules above). */
export function isSkippedByName(name: string): boolean {
  if (name.startsWith('.')) return true;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  return SKIPPED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

export interface WalkOptions {
  signal?: AbortSignal;
  onProblem: (problem: FileProblem) => void;
  /**
   * Filled with each file's identity (fileIdentity) from the walk's own stat call, so that a
   * cache key needs no second pass over the files.
   */
  identities?: FileIdentities;
  /**
   * Stat each folder's entries by their names relative to it, the process's working folder
   * moved into it meanwhile (each `lstat` then looks up one name instead of every folder of
   * its path: about a third of a walk's cost on a trail of thousands of small files). For a
   * process that owns its working folder (the CLI), never a host that shares it (the
   * extension host): the working folder is moved only within one synchronous stretch of the
   * walk and put back before anything else can run. Where it cannot be moved (a worker
   * thread, a folder that cannot be entered) the walk stats by whole paths, as without it.
   * With it, the names are stat'ed through Node's binding where that is checked to give what
   * fs.lstatSync gives (chooseLstatByName), and the files of consecutive folders come in one
   * slice (at least STAT_SLICE of them, or the last).
   */
  statInFolder?: boolean;
}

/** How many numbers make a file's identity: device, inode, ctime, mtime (milliseconds), size. */
export const IDENTITY_NUMBERS = 5;

/**
 * The identities of the files a walk stat'ed, as numbers (no text per file: formatting five
 * numbers of thousands of files cost more than hashing them), in the order the walk added them
 * (it adds each path once): a key taken in that order finds each by its place (`copyAt`), not
 * by a lookup of its path (a map of thousands of paths cost a reopen about 3 ms).
 */
export class FileIdentities {
  private numbers = new Float64Array(IDENTITY_NUMBERS * 1024);
  private readonly paths: string[] = [];
  /** Each path's place (the last one it was added at), made on the first lookup by path. */
  private places?: Map<string, number>;
  /** False once a path was added that does not sort after the one added before it. */
  private sorted = true;

  /** How many identities were added. */
  get size(): number {
    return this.paths.length;
  }

  add(path: string, stat: fs.Stats): void {
    writeIdentity(stat, this.numbers, this.place(path, false));
  }

  /**
   * Adds `path` with the identity in `identity` (IDENTITY_NUMBERS numbers from 0). `follows`:
   * the caller knows that `path` sorts after the path added before it (the next name of one
   * folder): no comparison (which would first copy each path whole, as V8 keeps a path joined
   * from its folder and name as the two until then).
   */
  addNumbers(path: string, identity: Float64Array, follows = false): void {
    // Placed first: placing may grow the array. A copy between typed arrays: no number is boxed on the way.
    const at = this.place(path, follows);
    this.numbers.set(identity, at);
  }

  private place(path: string, follows: boolean): number {
    const count = this.paths.length;
    if (this.sorted && !follows && count > 0 && !(this.paths[count - 1] < path)) this.sorted = false;
    const at = count * IDENTITY_NUMBERS;
    if (at + IDENTITY_NUMBERS > this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.places?.set(path, at);
    this.paths.push(path);
    return at;
  }

  /**
   * True when `files` are the files added here, in the order they were added, and that order
   * is key order (sorted by path, see engine/cache): as a walk of the AWSLogs layout adds them.
   */
  inKeyOrder(files: readonly { path: string }[]): boolean {
    if (!this.sorted || files.length !== this.paths.length) return false;
    // The very strings added, mostly: comparisons of references.
    for (let i = 0; i < files.length; i++) if (files[i].path !== this.paths[i]) return false;
    return true;
  }

  /** Copies the identity of `path` (the last added for it) to `out` from `at`; false when the walk did not stat it. */
  copyTo(path: string, out: Float64Array, at: number): boolean {
    if (!this.places) {
      this.places = new Map();
      for (let i = 0; i < this.paths.length; i++) this.places.set(this.paths[i], i * IDENTITY_NUMBERS);
    }
    const place = this.places.get(path);
    if (place === undefined) return false;
    this.copyFrom(place, out, at);
    return true;
  }

  /**
   * Copies the identity added `index`th, if it was added for `path` (a key taken in the walk's
   * order: no lookup by path); otherwise as copyTo.
   */
  copyAt(index: number, path: string, out: Float64Array, at: number): boolean {
    // Mostly the very string the walk added: a comparison of references.
    if (this.paths[index] !== path) return this.copyTo(path, out, at);
    this.copyFrom(index * IDENTITY_NUMBERS, out, at);
    return true;
  }

  private copyFrom(place: number, out: Float64Array, at: number): void {
    // Number by number: a subarray per file is an object per file.
    const numbers = this.numbers;
    for (let k = 0; k < IDENTITY_NUMBERS; k++) out[at + k] = numbers[place + k];
  }

  /** The identity of `path` as fileIdentity writes it; undefined when the walk did not stat it. */
  get(path: string): string | undefined {
    const numbers = new Float64Array(IDENTITY_NUMBERS);
    if (!this.copyTo(path, numbers, 0)) return undefined;
    const [dev, ino, ctimeMs, mtimeMs, size] = numbers;
    return `${dev}:${ino}:${ctimeMs}:${mtimeMs}:${size}`;
  }
}

/** Writes a file's identity (IDENTITY_NUMBERS numbers) to `out` from `at`: device, inode, ctime, mtime, size. */
function writeIdentity(s: fs.Stats, out: Float64Array, at: number): void {
  out[at] = s.dev;
  out[at + 1] = s.ino;
  out[at + 2] = s.ctimeMs;
  out[at + 3] = s.mtimeMs;
  out[at + 4] = s.size;
}

/**
 * The identity of `file` read now (links followed) into `out` from `at`; undefined, or the
 * reason it cannot be stat'ed (its numbers then -1).
 */
export function readIdentity(file: string, out: Float64Array, at: number): string | undefined {
  try {
    writeIdentity(fs.statSync(file), out, at);
    return undefined;
  } catch (error) {
    out.fill(-1, at, at + IDENTITY_NUMBERS);
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/**
 * A file's identity: what a copy cannot keep (device, inode, ctime) besides what it can (size,
 * mtime). The cache is keyed on it (see engine/cache).
 *
 * The times are Node's millisecond doubles, not BigInt nanoseconds (a BigIntStats costs half as
 * much again as the stat call, and the walk makes one per file): a double of today's epoch
 * milliseconds resolves 2^-12 ms, about 0.24 µs. Nothing finer can tell two states of a file
 * apart: Linux stamps mtime and ctime from its coarse clock (a tick of 1 to 4 ms), and ctime,
 * which every write, rename onto, chmod or `touch` moves, cannot be set by a user.
 */
export function identityOf(s: fs.Stats): string {
  return `${s.dev}:${s.ino}:${s.ctimeMs}:${s.mtimeMs}:${s.size}`;
}

/** A file's identity read now (links followed: the content is the target's); a marker when it cannot be stat'ed. */
export function fileIdentity(file: string): string {
  try {
    return identityOf(fs.statSync(file));
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/**
 * An lstat of an entry of the folder the walk is in (statInFolder), as what the walk keeps:
 * returns the entry's mode and writes its identity (IDENTITY_NUMBERS numbers, writeIdentity's
 * order) to `out` from 0. Throws as fs.lstatSync does.
 */
type LstatByName = (name: string, out: Float64Array) => number;

function lstatPublic(name: string, out: Float64Array): number {
  const stat = fs.lstatSync(name);
  writeIdentity(stat, out, 0);
  return stat.mode;
}

/** What the walk uses of Node's own binding of the file system (the one fs.lstatSync calls). */
interface FsBinding {
  lstat(path: string, bigint: false, request: undefined, throwIfNoEntry: true): unknown;
  kFsStatsFieldsNumber?: unknown;
}

/**
 * lstat through the binding: the mode, the identity written to `out` as lstatPublic writes it
 * (the times computed as Node computes a Stats' milliseconds: `sec * 1e3 + nsec / 1e6`);
 * undefined when the binding throws or returns anything but its array of numbers.
 */
function lstatThroughBinding(binding: FsBinding, name: string, out: Float64Array): number | undefined {
  let values: Float64Array | undefined;
  try {
    values = bindingStatArray(binding.lstat(name, false, undefined, true));
  } catch {
    return undefined;
  }
  if (!values) return undefined;
  out[0] = values[STAT_DEV];
  out[1] = values[STAT_INO];
  out[2] = statCtimeMs(values);
  out[3] = statMtimeMs(values);
  out[4] = values[STAT_SIZE];
  return values[STAT_MODE];
}

/** Node's binding of the file system where it can be used without a trace (nodeFsBinding), with an lstat. */
function fsBinding(): FsBinding | undefined {
  const binding = nodeFsBinding();
  return typeof binding?.lstat === 'function' ? (binding as unknown as FsBinding) : undefined;
}

/**
 * The walk's lstat by name. Through Node's binding (which fs.lstatSync calls too) when, for
 * `probe` (a real path), it gives the very mode and identity fs.lstatSync gives: without a
 * Stats object (and the four Dates Node 20 makes for each), a path check and a permission
 * check per call, 8,060 lstat calls took 19 ms instead of 36 ms, the largest part of a reopen
 * of a trail of small files. Only names read from the folder itself are stat'ed through it
 * (no "\0", no separator: nothing a path check refuses). Any error, and anything unexpected,
 * is left to fs.lstatSync, so that the errors the walk reports are its own. Otherwise
 * fs.lstatSync itself. `binding`: for tests.
 */
export function chooseLstatByName(probe: string, binding: FsBinding | undefined = fsBinding()): { lstat: LstatByName; viaBinding: boolean } {
  const publicOne = { lstat: lstatPublic, viaBinding: false };
  if (!binding) return publicOne;
  const expected = new Float64Array(IDENTITY_NUMBERS);
  const found = new Float64Array(IDENTITY_NUMBERS);
  let expectedMode: number;
  try {
    expectedMode = lstatPublic(probe, expected);
  } catch {
    return publicOne;
  }
  const foundMode = lstatThroughBinding(binding, probe, found);
  if (foundMode !== expectedMode || !expected.every((n, k) => Object.is(n, found[k]))) return publicOne;
  return {
    lstat: (name, out) => lstatThroughBinding(binding, name, out) ?? lstatPublic(name, out),
    viaBinding: true,
  };
}

/** The process's lstat by name, chosen on the first walk that stats in folders. */
let lstatByName: LstatByName | undefined;

/** What walkFolder yields where the walk lets the event loop run. */
const PAUSE = Symbol('pause');

interface PendingFolder {
  path: string;
  realPath: string;
}

function evidenceFile(path: string, size: number, mtimeMs: number, layout: TrailKeyLayout | undefined): EvidenceFile {
  const file: EvidenceFile = { path, size, mtimeMs };
  if (layout) file.layout = layout;
  return file;
}

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK } = fs.constants;

/** `folder`'s path with a separator after it (a root such as "/" has one already). */
function withSeparator(folder: string): string {
  return folder.endsWith(nodePath.sep) ? folder : folder + nodePath.sep;
}

/**
 * Yields the files in slices (a folder's files, at most STAT_SLICE at a time; with
 * statInFolder, the files of consecutive folders together once there are STAT_SLICE). Slices, not
 * single files: every step of an async generator allocates, and on the host's main thread
 * what a walk of thousands of files leaves alive at each scavenge makes V8 grow the young
 * generation, which stays resident (about 7 MB more after loading 2,400 trail files).
 *
 * One `lstat` per entry and nothing else for a plain file or folder: the names are listed
 * without types (a Dirent per entry costs more than it saves), and paths are joined by
 * concatenation (path.join normalises every one again).
 */
export async function* walkEvidence(paths: string[], options: WalkOptions): AsyncGenerator<EvidenceFile[]> {
  const { signal, onProblem, identities } = options;
  const report = (path: string, reason: string): void => onProblem({ path, reason });
  // Where to come back to (as an absolute path: given paths are resolved against it first).
  const home = options.statInFolder ? workingFolder() : undefined;
  const walkedFolders = new Set<string>();
  const seenFiles = new Set<string>();
  /** The identity of the entry being looked at (writeIdentity's order: its size is [4], its mtime [3]). */
  const identity = new Float64Array(IDENTITY_NUMBERS);
  /**
   * statInFolder: whether the working folder is moved (into the folder being walked, or the
   * one walked last), and the files found since the last yield. The files of consecutive
   * folders are yielded together, at least STAT_SLICE of them (or the last ones), so that
   * the working folder goes from folder to folder and home only before a yield: on a trail
   * of 590 small folders, half the chdir calls and a thirty-seventh of the yields.
   */
  let moved = false;
  let found: EvidenceFile[] = [];
  const goHome = (): void => {
    if (moved) moved = leave(home as string);
  };

  const folders: PendingFolder[] = [];
  try {
    for (const given of paths) {
      signal?.throwIfAborted();
      const path = nodePath.resolve(given);
      let stat: fs.Stats;
      let realPath: string;
      try {
        // Synchronous, as the folders below are: fs.promises alone costs a reopen a module load.
        stat = fs.statSync(path);
        realPath = fs.realpathSync(path);
      } catch (error) {
        report(path, `cannot read: ${describeFsError(error)}`);
        continue;
      }
      if (stat.isDirectory()) {
        folders.push({ path, realPath });
        // Folders are walked depth-first, each in name order.
        while (folders.length > 0) {
          const folder = folders.pop() as PendingFolder;
          for (const step of walkFolder(folder)) {
            if (step === PAUSE) {
              // Left home by walkFolder.
              if (found.length > 0) yield found.splice(0);
              await yieldToEventLoop();
              signal?.throwIfAborted();
            } else if (home === undefined) {
              yield step;
            } else {
              if (found.length === 0) found = step;
              else for (let i = 0; i < step.length; i++) found.push(step[i]);
              if (found.length >= STAT_SLICE) {
                goHome();
                yield found.splice(0);
              }
            }
          }
        }
        goHome();
        if (found.length > 0) yield found.splice(0);
      } else if (stat.isFile()) {
        if (seenFiles.has(realPath)) continue;
        seenFiles.add(realPath);
        identities?.add(path, stat);
        yield [evidenceFile(path, stat.size, stat.mtimeMs, parseTrailKeyLayout(path))];
      } else {
        report(path, 'not a regular file (a pipe, socket or device): not read');
      }
    }
  } finally {
    // Also when the walk stops (aborted, a folder that cannot be listed, an error).
    goHome();
  }

  /** Moves the working folder into `folder` (statInFolder); false where it cannot be. */
  function enterFolder(folder: string): boolean {
    if (home === undefined || !enter(folder)) return false;
    moved = true;
    return true;
  }

  /**
   * A folder's files in slices, and PAUSE where the walk lets the event loop run. A generator
   * of its own thread: an asynchronous one a folder cost a reopen of 590 folders about 1 MB of
   * promises and steps to collect. statInFolder: inside the folder its entries are listed and
   * stat'ed by name; its last slice is given from inside it (the caller goes home before it
   * yields anything), the others from home, before a PAUSE.
   */
  function* walkFolder(folder: PendingFolder): Generator<EvidenceFile[] | typeof PAUSE> {
    signal?.throwIfAborted();
    if (walkedFolders.has(folder.realPath)) return;
    walkedFolders.add(folder.realPath);
    let inside = enterFolder(folder.path);
    // Chosen once, inside the first folder entered (its own path the probe).
    if (inside) lstatByName ??= chooseLstatByName(folder.path).lstat;
    const lstatInside = lstatByName ?? lstatPublic;
    let names: string[];
    try {
      // Synchronous: through the thread pool each folder cost a round trip (a trail has one per day and region).
      names = fs.readdirSync(inside ? '.' : folder.path);
    } catch (error) {
      report(folder.path, `cannot list folder: ${describeFsError(error)}`);
      return;
    }
    // libuv lists them sorted by their bytes, which for most names is this order already: then
    // no sort (which copies the list twice, half a megabyte on a trail of 8,000 files).
    if (!inNameOrder(names)) names.sort();
    // Without links on the way here, a file's real path is its path: one string, not two.
    const unlinked = folder.realPath === folder.path;
    const prefix = withSeparator(folder.path);
    const realPrefix = withSeparator(folder.realPath);
    const subfolders: PendingFolder[] = [];
    // The layout comes from the folders alone, so the files of one folder share it.
    let layout: TrailKeyLayout | undefined | null = null;
    let slice: EvidenceFile[] = [];
    let inSlice = 0;
    /** Whether a file of this folder was added to `identities` already. */
    let addedHere = false;
    // By index: an iterator's step is an object a name until the loop is optimised.
    for (let n = 0; n < names.length; n++) {
      const name = names[n];
      // Hidden files, folders and links (.git, .DS_Store, macOS "._" forks) are never evidence.
      if (name.charCodeAt(0) === 0x2e) continue;
      if (inSlice === STAT_SLICE) {
        goHome();
        if (slice.length > 0) yield slice;
        slice = [];
        inSlice = 0;
        yield PAUSE;
        inside = enterFolder(folder.path);
      }
      inSlice++;
      const path = prefix + name;
      let type: number;
      try {
        // The entry's identity to `identity`, its type from its mode.
        type = (inside ? lstatInside(name, identity) : lstatPublic(path, identity)) & S_IFMT;
      } catch (error) {
        report(path, `cannot read: ${describeFsError(error)}`);
        continue;
      }
      let realPath: string;
      if (type === S_IFREG) {
        if (isSkippedByName(name)) continue;
        realPath = unlinked ? path : realPrefix + name;
      } else if (type === S_IFDIR) {
        if (!SKIPPED_FOLDERS.has(name)) subfolders.push({ path, realPath: realPrefix + name });
        continue;
      } else if (type === S_IFLNK) {
        // Its target decides what it is.
        const result = statTarget(path);
        if ('error' in result) {
          report(path, result.error);
          continue;
        }
        if (result.stat.isDirectory()) {
          if (walkedFolders.has(result.realPath) || isAncestor(result.realPath, folder.realPath)) {
            report(path, `symbolic link loop: leads back to ${result.realPath}, which is already being read`);
          } else {
            subfolders.push({ path, realPath: result.realPath });
          }
          continue;
        }
        if (!result.stat.isFile()) {
          report(path, 'not a regular file (a pipe, socket or device): not read');
          continue;
        }
        if (isSkippedByName(nodePath.basename(result.realPath))) continue;
        writeIdentity(result.stat, identity, 0);
        realPath = result.realPath;
      } else {
        report(path, 'not a regular file (a pipe, socket or device): not read');
        continue;
      }
      if (seenFiles.has(realPath)) continue;
      seenFiles.add(realPath);
      if (layout === null) layout = parseTrailKeyLayout(path);
      // The folder's names are sorted, so each of its files follows the one before it.
      identities?.addNumbers(path, identity, addedHere);
      addedHere = true;
      slice.push(evidenceFile(path, identity[4], identity[3], layout));
    }
    if (slice.length > 0) yield slice;
    subfolders.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
    folders.push(...subfolders);
  }
}

/** The process's working folder, or undefined when it cannot be known (it was removed): then the walk stats by whole paths. */
function workingFolder(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

/** Moves the working folder into `folder`; false (nothing moved) where it cannot be (a worker thread, no search permission). */
function enter(folder: string): boolean {
  try {
    process.chdir(folder);
    return true;
  } catch {
    return false;
  }
}

/** Moves the working folder back to `home`; false. Throws, naming both, when it cannot be. */
function leave(home: string): false {
  try {
    process.chdir(home);
  } catch (error) {
    throw new Error(`cannot return to the working folder ${home} after reading a folder of evidence: ${describeFsError(error)}`, { cause: error });
  }
  return false;
}

/** True when `names` are in the order Array.prototype.sort puts them in (UTF-16 code units). */
function inNameOrder(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1] > names[i]) return false;
  return true;
}

function isAncestor(candidate: string, folder: string): boolean {
  return folder === candidate || folder.startsWith(candidate.endsWith(nodePath.sep) ? candidate : candidate + nodePath.sep);
}

type StatResult = { stat: fs.Stats; realPath: string } | { error: string };

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A symbolic link's target: its stat and real path, or why it cannot be read. */
function statTarget(path: string): StatResult {
  try {
    return { stat: fs.statSync(path), realPath: fs.realpathSync(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: 'broken symbolic link (its target does not exist)' };
    if (code === 'ELOOP') return { error: 'symbolic link loop (the link resolves to itself)' };
    return { error: `cannot read: ${describeFsError(error)}` };
  }
}
