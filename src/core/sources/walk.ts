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
import { describeFsError } from './content';
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
  identities?: Map<string, string>;
}

/**
 * A file's identity: what a copy cannot keep (device, inode, ctime) besides what it can (size,
 * mtime), in nanoseconds. The cache is keyed on it (see engine/cache).
 */
export function identityOf(s: fs.BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.ctimeNs}:${s.mtimeNs}:${s.size}`;
}

/** A file's identity read now (links followed: the content is the target's); a marker when it cannot be stat'ed. */
export function fileIdentity(file: string): string {
  try {
    return identityOf(fs.statSync(file, { bigint: true }));
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

interface PendingFolder {
  path: string;
  realPath: string;
}

type AnyStats = fs.Stats | fs.BigIntStats;

function evidenceFile(path: string, stat: AnyStats, layout = parseTrailKeyLayout(path)): EvidenceFile {
  const mtimeMs = typeof stat.mtimeMs === 'bigint' ? Number((stat as fs.BigIntStats).mtimeNs) / 1e6 : stat.mtimeMs;
  const file: EvidenceFile = { path, size: Number(stat.size), mtimeMs };
  if (layout) file.layout = layout;
  return file;
}

/**
 * Yields the files in slices (a folder's files, at most STAT_SLICE at a time). Slices, not
 * single files: every step of an async generator allocates, and on the host's main thread
 * what a walk of thousands of files leaves alive at each scavenge makes V8 grow the young
 * generation, which stays resident (about 7 MB more after loading 2,400 trail files).
 */
export async function* walkEvidence(paths: string[], options: WalkOptions): AsyncGenerator<EvidenceFile[]> {
  const { signal, onProblem, identities } = options;
  // Nanosecond times only when a cache key wants them: a BigIntStats costs more to make.
  const bigint = identities !== undefined;
  const found = (path: string, stat: AnyStats, layout?: TrailKeyLayout): EvidenceFile => {
    if (identities) identities.set(path, identityOf(stat as fs.BigIntStats));
    return layout === undefined ? evidenceFile(path, stat) : evidenceFile(path, stat, layout);
  };
  const report = (path: string, reason: string): void => onProblem({ path, reason });
  const walkedFolders = new Set<string>();
  const seenFiles = new Set<string>();

  const folders: PendingFolder[] = [];
  for (const given of paths) {
    signal?.throwIfAborted();
    const path = nodePath.resolve(given);
    let stat: AnyStats;
    let realPath: string;
    try {
      stat = await fs.promises.stat(path, { bigint });
      realPath = await fs.promises.realpath(path);
    } catch (error) {
      report(path, `cannot read: ${describeFsError(error)}`);
      continue;
    }
    if (stat.isDirectory()) {
      folders.push({ path, realPath });
      // Folders are walked depth-first, each in name order.
      while (folders.length > 0) {
        const folder = folders.pop() as PendingFolder;
        yield* walkFolder(folder);
      }
    } else if (stat.isFile()) {
      if (seenFiles.has(realPath)) continue;
      seenFiles.add(realPath);
      yield [found(path, stat)];
    } else {
      report(path, 'not a regular file (a pipe, socket or device): not read');
    }
  }

  async function* walkFolder(folder: PendingFolder): AsyncGenerator<EvidenceFile[]> {
    signal?.throwIfAborted();
    if (walkedFolders.has(folder.realPath)) return;
    walkedFolders.add(folder.realPath);
    let entries: fs.Dirent[];
    try {
      // Synchronous: through the thread pool each folder cost a round trip (a trail has one per day and region).
      entries = fs.readdirSync(folder.path, { withFileTypes: true });
    } catch (error) {
      report(folder.path, `cannot list folder: ${describeFsError(error)}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Without links on the way here, a file's real path is its path: one string, not two.
    const unlinked = folder.realPath === folder.path;
    const subfolders: PendingFolder[] = [];
    const files: { path: string; realPath?: string }[] = [];
    for (const entry of entries) {
      const path = nodePath.join(folder.path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
        subfolders.push({ path, realPath: nodePath.join(folder.realPath, entry.name) });
      } else if (entry.isFile()) {
        if (!isSkippedByName(entry.name)) files.push({ path, realPath: unlinked ? path : nodePath.join(folder.realPath, entry.name) });
      } else if (entry.isSymbolicLink() || isUnknownType(entry)) {
        if (entry.name.startsWith('.')) continue;
        // Resolved below with the other stat calls; its target decides what it is.
        files.push({ path });
      } else {
        report(path, 'not a regular file (a pipe, socket or device): not read');
      }
    }

    // The layout comes from the folders alone, so the files of one folder share it.
    const layout = files.length > 0 ? parseTrailKeyLayout(files[0].path) : undefined;
    for (let start = 0; start < files.length; start += STAT_SLICE) {
      if (start > 0) await yieldToEventLoop();
      signal?.throwIfAborted();
      const batch = files.slice(start, start + STAT_SLICE);
      const stats = batch.map((file) => statEntry(file.path, file.realPath, bigint));
      const slice: EvidenceFile[] = [];
      for (let i = 0; i < batch.length; i++) {
        const result = stats[i];
        const path = batch[i].path;
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
        if (batch[i].realPath === undefined && isSkippedByName(nodePath.basename(result.realPath))) continue;
        if (seenFiles.has(result.realPath)) continue;
        seenFiles.add(result.realPath);
        slice.push(found(path, result.stat, layout));
      }
      if (slice.length > 0) yield slice;
    }
    subfolders.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
    folders.push(...subfolders);
  }
}

function isUnknownType(entry: fs.Dirent): boolean {
  return !entry.isFile() && !entry.isDirectory() && !entry.isSymbolicLink() && !entry.isFIFO() && !entry.isSocket() && !entry.isBlockDevice() && !entry.isCharacterDevice();
}

function isAncestor(candidate: string, folder: string): boolean {
  return folder === candidate || folder.startsWith(candidate.endsWith(nodePath.sep) ? candidate : candidate + nodePath.sep);
}

type StatResult = { stat: AnyStats; realPath: string } | { error: string };

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function statEntry(path: string, knownRealPath: string | undefined, bigint: boolean): StatResult {
  try {
    const stat = fs.statSync(path, { bigint });
    const realPath = knownRealPath ?? fs.realpathSync(path);
    return { stat, realPath };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && knownRealPath === undefined) return { error: 'broken symbolic link (its target does not exist)' };
    if (code === 'ELOOP') return { error: 'symbolic link loop (the link resolves to itself)' };
    return { error: `cannot read: ${describeFsError(error)}` };
  }
}
