/** Reads evidence files into event batches; runs inside a parse worker or on the caller's thread. */
import { BatchBuilder, BatchFile, EventBatch } from '../index/batch';
import { TrailScanner } from '../index/trail-scanner';
import { ReadBuffer } from '../sources/content';
import { GzipInflater } from '../sources/inflate';
import { readEvidenceFileNow, ReadEvidenceOptions } from '../sources/read';
import { EvidenceFile, FileSeen, ReadResult, RecordLocation } from '../sources/types';
import { JsonObject } from '../model/event';

/** A batch is handed over once it holds this many events (and at the end of each chunk). */
export const BATCH_EVENTS = 8192;

/**
 * What parseFiles works with. A worker keeps one for its life, so the dictionaries and the
 * decompression and read buffers carry over from chunk to chunk. One parseFiles at a time.
 */
export interface ParseContext {
  builder: BatchBuilder;
  /** Null: every file goes through the generic path. */
  scanner: TrailScanner | null;
  inflater: GzipInflater;
  readBuffer: ReadBuffer;
  /** Batches are handed over borrowed (see BatchBuilder.take): `emit` copies them before returning. */
  borrowBatches: boolean;
}

export function newParseContext(options: { scanner?: boolean; borrowBatches?: boolean } = {}): ParseContext {
  const builder = new BatchBuilder();
  return {
    builder,
    scanner: options.scanner === false ? null : new TrailScanner(builder),
    inflater: new GzipInflater(),
    readBuffer: new ReadBuffer(),
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
  const { builder, borrowBatches } = context;
  const parse = new FileParse(context, emit, signal);
  for (const file of files) {
    if (signal?.aborted) break;
    parse.start(file);
    try {
      const read = readEvidenceFileNow(file.path, parse.record, parse.options);
      parse.end(read instanceof Promise ? await read : read);
    } catch (error) {
      parse.failed(error);
    }
    if (builder.count >= BATCH_EVENTS / 4) emit(builder.take(borrowBatches));
  }
  emit(builder.take(borrowBatches));
}

/**
 * The file being parsed, and the callbacks its reader is given: made once a parseFiles call,
 * not once a file (real trails are mostly files of one or two events, where a file's own
 * closures, options and copied entry cost as much as its records).
 */
class FileParse {
  private file!: EvidenceFile;
  /** The file's entry in the batch being built (a later one, a continuation, once a batch is handed over mid-file). */
  private entry!: BatchFile;
  private fileIndex = 0;
  private seen: FileSeen | undefined;
  private readonly builder: BatchBuilder;
  readonly options: ReadEvidenceOptions;

  constructor(
    private readonly context: ParseContext,
    private readonly emit: (batch: EventBatch) => void,
    signal: AbortSignal | undefined,
  ) {
    this.builder = context.builder;
    this.options = {
      signal,
      wholeTrail: context.scanner?.reader(() => this.fileIndex, this.added),
      inflater: context.inflater,
      readBuffer: context.readBuffer,
      onOpened: this.opened,
    };
  }

  start(file: EvidenceFile): void {
    this.file = file;
    this.seen = undefined;
    this.add(newBatchFile(file));
  }

  /** A record the generic path read. */
  readonly record = (event: JsonObject, location: RecordLocation): void => {
    this.builder.addRecord(event, this.fileIndex, location);
    this.added();
  };

  /** One more record of the file is in the builder: a full batch is handed over. */
  readonly added = (): void => {
    this.entry.records++;
    if (this.builder.count >= BATCH_EVENTS) {
      this.emit(this.builder.take(this.context.borrowBatches));
      // The rest of this file's records go in the next batch, under the same path.
      const rest = newBatchFile(this.file);
      rest.continuation = true;
      if (this.seen) rest.seen = this.seen;
      this.add(rest);
    }
  };

  private readonly opened = (seen: FileSeen): void => {
    this.seen = seen;
    this.entry.seen = seen;
  };

  end(result: ReadResult): void {
    if (result.format !== undefined) this.entry.format = result.format;
    this.entry.problems = result.problems;
  }

  failed(error: unknown): void {
    this.entry.problems.push({ path: this.file.path, reason: error instanceof Error ? error.message : String(error) });
  }

  private add(entry: BatchFile): void {
    this.entry = entry;
    this.fileIndex = this.builder.addFile(entry);
  }
}

/**
 * A file's entry in a batch, before it is read: a literal of one shape (a spread of the walk's
 * object, extended key by key, gave each entry a copy and then a new map for every key added).
 */
function newBatchFile(file: EvidenceFile): BatchFile {
  return file.layout === undefined
    ? { path: file.path, size: file.size, mtimeMs: file.mtimeMs, records: 0, problems: [] }
    : { path: file.path, size: file.size, mtimeMs: file.mtimeMs, layout: file.layout, records: 0, problems: [] };
}
