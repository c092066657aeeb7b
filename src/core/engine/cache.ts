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
export const CACHE_FORMAT = 3;

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

export async function readCache(cacheDir: string, key: string): Promise<CachedSource | undefined> {
  try {
    const data = await fs.readFile(path.join(cacheDir, `${key}.idx`));
    const value = deserialize(data) as CachedSource;
    return value.format === CACHE_FORMAT ? value : undefined;
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
}
