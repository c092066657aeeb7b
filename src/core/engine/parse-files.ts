/** Reads evidence files into event batches; runs inside a parse worker or on the caller's thread. */
import { BatchBuilder, EventBatch } from '../index/batch';
import { TrailScanner } from '../index/trail-scanner';
import { readEvidenceFile } from '../sources/index';
import { GzipInflater } from '../sources/inflate';
import { EvidenceFile, FileSeen } from '../sources/types';

/** A batch is handed over once it holds this many events (and at the end of each chunk). */
export const BATCH_EVENTS = 8192;

/**
 * What parseFiles works with. A worker keeps one for its life, so the dictionaries and the
 * decompression buffer carry over from chunk to chunk.
 */
export interface ParseContext {
  builder: BatchBuilder;
  /** Null: every file goes through the generic path. */
  scanner: TrailScanner | null;
  inflater: GzipInflater;
  /** Batches are handed over borrowed (see BatchBuilder.take): `emit` copies them before returning. */
  borrowBatches: boolean;
}

export function newParseContext(options: { scanner?: boolean; borrowBatches?: boolean } = {}): ParseContext {
  const builder = new BatchBuilder();
  return {
    builder,
    scanner: options.scanner === false ? null : new TrailScanner(builder),
    inflater: new GzipInflater(),
    borrowBatches: options.borrowBatches ?? false,
  };
}

/** Without a context, one is made for this call and its decompression state freed after it. */
export async function parseFiles(
  files: readonly EvidenceFile[],
  emit: (batch: EventBatch) => void,
  signal?: AbortSignal,
  context?: ParseContext,
): Promise<void> {
  if (!context) {
    const own = newParseContext();
    try {
      await parseFiles(files, emit, signal, own);
    } finally {
      own.inflater.dispose();
    }
    return;
  }
  const { builder, scanner, inflater, borrowBatches } = context;
  for (const file of files) {
    if (signal?.aborted) break;
    let fileIndex = builder.addFile({ ...file, records: 0, problems: [] });
    let format: ReturnType<typeof builder.file>['format'];
    let seen: FileSeen | undefined;
    const added = () => {
      builder.file(fileIndex).records++;
      if (builder.count >= BATCH_EVENTS) {
        emit(builder.take(borrowBatches));
        // The rest of this file's records go in the next batch, under the same path.
        fileIndex = builder.addFile({ ...file, format, records: 0, problems: [], continuation: true });
        if (seen) builder.file(fileIndex).seen = seen;
      }
    };
    try {
      const result = await readEvidenceFile(
        file.path,
        (event, location) => {
          builder.addRecord(event, fileIndex, location);
          added();
        },
        {
          signal,
          wholeTrail: scanner?.reader(() => fileIndex, added),
          inflater,
          onOpened: (opened) => {
            seen = opened;
            builder.file(fileIndex).seen = opened;
          },
        },
      );
      format = result.format;
      const entry = builder.file(fileIndex);
      entry.format = result.format;
      entry.problems.push(...result.problems);
    } catch (error) {
      builder.file(fileIndex).problems.push({
        path: file.path,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    if (builder.count >= BATCH_EVENTS / 4) emit(builder.take(borrowBatches));
  }
  emit(builder.take(borrowBatches));
}
