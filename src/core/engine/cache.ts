/**
 * The on-disk index cache: the parsed batches of one source (combined into one), keyed by the exact list of
 * files (path, size, modification time) and the engine version. Kept outside the evidence.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { EventBatch } from '../index/batch';
import { EvidenceFile, FileProblem } from '../sources/types';

/** Bump when the batch layout or normalisation changes, so old caches are ignored. */
export const CACHE_FORMAT = 4;

export interface CachedSource {
  format: number;
  batches: EventBatch[];
  walkProblems: FileProblem[];
}

export function cacheKey(paths: readonly string[], files: readonly EvidenceFile[]): string {
  const hash = createHash('sha256');
  hash.update(`ctinv-cache-${CACHE_FORMAT}\n`);
  for (const p of [...paths].sort()) hash.update(`root ${p}\n`);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Cache files kept per folder; the least recently used beyond this are deleted after a write. */
export const MAX_CACHE_FILES = 32;

export async function readCache(cacheDir: string, key: string): Promise<CachedSource | undefined> {
  try {
    const file = path.join(cacheDir, `${key}.idx`);
    const data = await fs.readFile(file);
    const value = deserialize(data) as CachedSource;
    if (value.format !== CACHE_FORMAT) return undefined;
    // Marks it recently used, for pruning.
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined);
    return value;
  } catch {
    return undefined; // Missing or unreadable cache: parse again.
  }
}

export async function writeCache(cacheDir: string, key: string, value: CachedSource): Promise<void> {
  await fs.mkdir(cacheDir, { recursive: true });
  const target = path.join(cacheDir, `${key}.idx`);
  const temporary = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temporary, serialize(value));
  await fs.rename(temporary, target);
  await pruneCache(cacheDir, MAX_CACHE_FILES);
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
