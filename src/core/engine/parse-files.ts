/** Reads evidence files into event batches; runs inside a parse worker or on the caller's thread. */
import { BatchBuilder, EventBatch } from '../index/batch';
import { TrailScanner } from '../index/trail-scanner';
import { normalizeEvent } from '../model/normalize';
import { readEvidenceFile } from '../sources/index';
import { EvidenceFile } from '../sources/types';

/** A batch is handed over once it holds this many events (and at the end of each chunk). */
export const BATCH_EVENTS = 8192;

/**
 * `builder` and its `scanner` may be shared across calls, so their dictionaries carry over
 * (a worker's chunks). Without a scanner (null), every file goes through the generic path.
 */
export async function parseFiles(
  files: readonly EvidenceFile[],
  emit: (batch: EventBatch) => void,
  signal?: AbortSignal,
  builder = new BatchBuilder(),
  scanner: TrailScanner | null = new TrailScanner(builder),
): Promise<void> {
  for (const file of files) {
    if (signal?.aborted) break;
    let fileIndex = builder.addFile({ ...file, records: 0, problems: [] });
    let format: ReturnType<typeof builder.file>['format'];
    const added = () => {
      builder.file(fileIndex).records++;
      if (builder.count >= BATCH_EVENTS) {
        emit(builder.take());
        // The rest of this file's records go in the next batch, under the same path.
        fileIndex = builder.addFile({ ...file, format, records: 0, problems: [], continuation: true });
      }
    };
    try {
      const result = await readEvidenceFile(
        file.path,
        (event, location) => {
          builder.add(normalizeEvent(event), fileIndex, location);
          added();
        },
        { signal, wholeTrail: scanner?.reader(() => fileIndex, added) },
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
    if (builder.count >= BATCH_EVENTS / 4) emit(builder.take());
  }
  emit(builder.take());
}
