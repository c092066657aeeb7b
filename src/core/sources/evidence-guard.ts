/**
 * Where the tool may write: never inside the evidence. Paths are compared as the file system
 * sees them, after every symbolic link is resolved (`ln -s $PWD/ev out` makes `out/x` a path
 * inside `ev`), also for folders that do not exist yet: their longest existing ancestor is
 * resolved and the rest appended.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const realpath = fs.realpathSync.native;

/**
 * The real path `target` has, or would have once created: each component is resolved as the
 * system would resolve it (a link, then `..` from where the link leads), up to the first one
 * that does not exist; the rest is appended as text.
 */
export function realPathOf(target: string): string {
  const absolute = path.isAbsolute(target) ? target : `${process.cwd()}${path.sep}${target}`;
  const { root } = path.parse(absolute);
  const parts = absolute.slice(root.length).split(path.sep === '\\' ? /[\\/]+/ : /\/+/).filter((p) => p !== '' && p !== '.');
  let current = realpath(root);
  // Components appended below the last existing folder; they will be created as real folders.
  let missing = 0;
  for (const part of parts) {
    if (part === '..') {
      // From a folder still to be created, `..` is its parent; from an existing one, the parent of where it really is.
      current = path.dirname(current);
      if (missing > 0) missing--;
      continue;
    }
    const next = path.join(current, part);
    if (missing === 0) {
      try {
        current = realpath(next);
        continue;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // ENOENT: not there yet. ENOTDIR and the like: let the later write fail with its own reason.
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      }
    }
    missing++;
    current = next;
  }
  return current;
}

/** True when `child` is `parent` or below it, both given as real paths. */
export function isInsideReal(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/**
 * The first evidence path that `target` (a folder to write into) is inside of, after
 * resolving symbolic links on both sides; undefined when it is outside all of them. An
 * evidence path that cannot be resolved (deleted meanwhile) is compared as given.
 */
export function evidenceContaining(target: string, evidence: readonly string[]): { evidence: string; realTarget: string; realEvidence: string } | undefined {
  const realTarget = realPathOf(target);
  for (const given of evidence) {
    let realEvidence: string;
    try {
      realEvidence = realPathOf(given);
    } catch {
      realEvidence = path.resolve(given);
    }
    if (isInsideReal(realTarget, realEvidence)) return { evidence: given, realTarget, realEvidence };
  }
  return undefined;
}

/** "--out X" refused: the message names both paths, and where they really lead when links are involved. */
export function insideEvidenceMessage(what: string, target: string, found: { evidence: string; realTarget: string; realEvidence: string }): string {
  const targetShown = path.resolve(target) === found.realTarget ? target : `${target} (really ${found.realTarget})`;
  const evidenceShown = path.resolve(found.evidence) === found.realEvidence ? found.evidence : `${found.evidence} (really ${found.realEvidence})`;
  return `${what} ${targetShown} is inside the evidence ${evidenceShown}, which is kept read-only: choose a folder outside it`;
}
