import * as os from 'node:os';
import * as path from 'node:path';
import { Investigation } from '../core/engine/investigation';
import { MAX_WORKERS } from '../core/engine/pool';
import { evidenceContaining, insideEvidenceMessage } from '../core/sources/evidence-guard';
import { LoadProgress, SourceSummary } from '../core/engine/api';
import { parseFilter } from '../core/query/parser';
import { ParsedArgs, UsageError, stringOption } from './args';
import { CliIo } from './command';
import { printable } from './terminal';

/** Options every command that reads evidence accepts. */
export const LOAD_FLAGS = ['no-cache', 'verify'] as const;
export const LOAD_VALUED = ['workers', 'cache-dir'] as const;

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ctinv');
}

function progressLine(p: LoadProgress): string {
  const percent = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
  return `\r\x1b[Kindexing: ${p.filesDone}/${p.filesTotal} files, ${p.events.toLocaleString('en-US')} events (${percent}%)`;
}

/** The `--where` filter (empty: every event), checked before any evidence is read. */
export function whereOption(args: ParsedArgs): string {
  const where = stringOption(args, 'where') ?? '';
  try {
    parseFilter(where);
  } catch (error) {
    throw new UsageError(`--where: ${error instanceof Error ? error.message : String(error)}`);
  }
  return where;
}

/** Loads the evidence paths, shows progress on a terminal, and lists skipped files on stderr. */
export async function loadEvidence(
  paths: string[],
  args: ParsedArgs,
  io: CliIo,
  /** `summary`: the command reports the summary alone and never uses the index. */
  uses: 'index' | 'summary' = 'index',
): Promise<{ investigation: Investigation; summary: SourceSummary }> {
  if (paths.length === 0) throw new UsageError('give at least one file or folder of CloudTrail evidence');
  const workersText = args.options.get('workers');
  if (workersText !== undefined && (typeof workersText !== 'string' || !/^\d+$/.test(workersText) || Number(workersText) > MAX_WORKERS)) {
    throw new UsageError(`--workers takes a whole number from 0 to ${MAX_WORKERS}`);
  }
  const cacheDirOption = args.options.get('cache-dir');
  const cacheDir = args.options.has('no-cache') ? undefined : typeof cacheDirOption === 'string' ? cacheDirOption : defaultCacheDir();
  if (typeof cacheDirOption === 'string' && cacheDir) {
    // A folder the user named is refused outright; the default one is only left unused (the engine notes it).
    const inside = evidenceContaining(cacheDirOption, paths);
    if (inside) throw new UsageError(insideEvidenceMessage('--cache-dir', cacheDirOption, inside));
  }
  const result = await Investigation.open(paths, {
    cacheDir,
    verify: args.options.has('verify'),
    // `stats` answers from the cache's summary; the columns are read when a command uses the index.
    deferIndex: true,
    // The CLI owns its working folder: the walk stats each folder's files by name from inside it.
    statInFolder: true,
    // A command that uses the index has its cache read while the evidence is walked.
    readAhead: uses === 'index',
    // Files go to the workers as the walk finds them: the process exits once it has answered.
    feedWhileWalking: true,
    // Without --workers: threads only when the walk finds enough to parse (a CLI process has no UI to keep responsive).
    workers: typeof workersText === 'string' ? Number(workersText) : 'auto',
    signal: io.signal,
    onProgress: io.interactive ? (p) => io.stderr.write(progressLine(p)) : undefined,
  });
  if (io.interactive) io.stderr.write('\r\x1b[K');
  for (const problem of result.summary.skipped) {
    const where = problem.offset !== undefined ? ` (at byte ${problem.offset})` : '';
    io.stderr.write(`skipped: ${printable(problem.path)}${where}: ${printable(problem.reason)}\n`);
  }
  for (const note of result.summary.notes ?? []) io.stderr.write(`note: ${printable(note)}\n`);
  return result;
}
