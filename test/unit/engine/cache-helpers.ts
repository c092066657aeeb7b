/** Helpers for the cache tests: editing evidence behind the cache's back, forging a cache. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_FORMAT, cacheIdentity, decodeCache, writeCache } from '../../../src/core/engine/cache';
import { GzipInflater, InflateSteps } from '../../../src/core/sources/inflate';
import { walkEvidence } from '../../../src/core/sources/index';
import { EvidenceFile } from '../../../src/core/sources/types';

/** The files of a folder as the engine walks them. */
export async function walked(folder: string): Promise<EvidenceFile[]> {
  const files: EvidenceFile[] = [];
  for await (const slice of walkEvidence([folder], { onProblem: () => undefined })) files.push(...slice);
  return files;
}

export const WHOLE_SECOND = new Date(Date.UTC(2026, 2, 4, 5, 0, 0));

/**
 * Edits `file` in place, same size, and puts its access and modification times back as they
 * were (what `cp -p`, `rsync -a` and `tar` do): only its ctime tells. The file's times must be
 * whole milliseconds (utimes cannot restore finer ones).
 */
export async function editKeepingSizeAndTimes(file: string, from: string, to: string): Promise<void> {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to));
  const before = await fs.stat(file);
  const text = await fs.readFile(file, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  await fs.writeFile(file, text.replace(from, to));
  await fs.utimes(file, before.atime, before.mtime);
  const after = await fs.stat(file);
  assert.equal(after.size, before.size);
  assert.equal(after.mtimeMs, before.mtimeMs, 'the modification time was put back exactly');
}

/**
 * Rewrites the one cache file in `cacheDir` so that it claims to be the cache of the evidence
 * as it is now, while holding the index of what it was: the case no file identity can catch
 * (a clock turned back, a file system that keeps no ctime). Only a content check can.
 */
export async function forgeCacheForCurrentEvidence(cacheDir: string, evidence: string): Promise<void> {
  const names = (await fs.readdir(cacheDir)).filter((n) => n.endsWith('.idx'));
  assert.equal(names.length, 1, 'one cache file');
  const files = await walked(evidence);
  const identity = cacheIdentity([path.resolve(evidence)], files);
  assert.notEqual(`${identity.key}.idx`, names[0], 'the evidence changed: its key did');
  const data = await fs.readFile(path.join(cacheDir, names[0]));
  const value = decodeCache(data, [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  assert.equal(value.format, CACHE_FORMAT);
  await fs.rm(path.join(cacheDir, names[0]));
  await writeCache(cacheDir, { ...value, identity }, files);
}


/** magic (8), format (4), the table of contents' length (4) and CRC-32 (4), spare (4): the header of a cache file. */
export const HEADER = 8 + 4 + 4 + 4 + 4;

export interface TableOfContents {
  description: { at: number; bytes: number; crc: number };
}

/** The table of contents of a cache file, and its length in bytes. */
export function tableOfContents(data: Buffer): { toc: TableOfContents; bytes: number } {
  const bytes = data.readUInt32LE(12);
  return { toc: JSON.parse(data.toString('utf8', HEADER, HEADER + bytes)) as TableOfContents, bytes };
}

/** Records how far each stepwise inflation of a read-back went (the largest content it handed out, and whether that was all of it). */
export function spySteps(): { inflated: () => { bytes: number; complete: boolean }[]; restore: () => void } {
  const steps = GzipInflater.prototype.steps;
  const seen: { bytes: number; complete: boolean }[] = [];
  GzipInflater.prototype.steps = function (this: GzipInflater, ...args: Parameters<GzipInflater['steps']>): InflateSteps {
    const inner = steps.apply(this, args);
    const entry = { bytes: 0, complete: false };
    seen.push(entry);
    return {
      upTo: (bytes) => {
        const step = inner.upTo(bytes);
        if (step) {
          entry.bytes = Math.max(entry.bytes, step.content.length);
          entry.complete ||= step.complete;
        }
        return step;
      },
      stop: () => inner.stop(),
    };
  };
  return { inflated: () => seen, restore: () => (GzipInflater.prototype.steps = steps) };
}

/**
 * A folder of its own for the tests of the calling `describe` (made before them, removed after
 * them, with everything in it), as a function: its path is known only once `before` has run.
 */
export function scratchFolder(prefix: string): () => string {
  let folder: string | undefined;
  before(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  after(async () => {
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  });
  return () => {
    if (!folder) throw new Error('the scratch folder is made in before()');
    return folder;
  };
}
