import { BatchFile, EventBatch } from '../index/batch';
import { EvidenceFile, FileFormat, FileProblem } from '../sources/types';
import { BatchSlots, PlacedBatch } from './batch-slots';

/** What a parse worker is started with. */
export interface WorkerSetup {
  slots: BatchSlots;
}

export type ToWorker = { type: 'parse'; files: EvidenceFile[] } | { type: 'close' };

/**
 * A worker's batches share growing dictionaries (see BatchBuilder), so each message carries
 * only the values added since the worker's previous batch; the pool appends them to its
 * copy and hands on a batch whose dictionaries are whole again.
 */
export type BatchMessage =
  /** The batch's arrays wait in a shared slot, for the pool to release once the batch is merged. */
  | { type: 'placed-batch'; placed: PlacedBatch; files: WireFiles; last: boolean }
  /** A batch too large for a slot, copied whole. */
  | { type: 'batch'; batch: EventBatch; files: WireFiles; last: boolean };

/** `last`: the chunk's last batch (every chunk ends with one, empty when nothing was left): the chunk is done. */
export type ToMain = BatchMessage | { type: 'failed'; message: string };

/** Worker side: the batch with each dictionary cut down to what `sent` has not seen yet. */
export function withNewValuesOnly(batch: EventBatch, sent: DictionaryCursor): EventBatch {
  const dicts = batch.dicts.map((values, f) => values.slice(sent.dicts[f] ?? 0));
  const resourceDict = batch.resourceDict.slice(sent.resources);
  batch.dicts.forEach((values, f) => (sent.dicts[f] = values.length));
  sent.resources = batch.resourceDict.length;
  return { ...batch, dicts, resourceDict };
}

/** Main side: appends a message's new values to `copy` and gives the batch the whole dictionaries. */
export function withWholeDictionaries(batch: EventBatch, copy: DictionaryCopy): EventBatch {
  batch.dicts.forEach((values, f) => {
    const whole = (copy.dicts[f] ??= []);
    for (const value of values) whole.push(value);
  });
  for (const value of batch.resourceDict) copy.resources.push(value);
  return { ...batch, dicts: copy.dicts.slice(), resourceDict: copy.resources };
}

/**
 * The batch as one object literal, key by key, whatever it was built from (a structured clone,
 * the spreads of a slot's views, a copy of those): every batch the pool hands on then has the
 * same hidden class. The index's merge is compiled for the first batches it gets (the copies
 * held while the walk went on) and was compiled again, the largest function of the main
 * thread, each time a batch of another shape came.
 */
export function sameShape(batch: EventBatch, files: BatchFile[]): EventBatch {
  return {
    count: batch.count,
    files,
    fileOf: batch.fileOf,
    offset: batch.offset,
    length: batch.length,
    time: batch.time,
    contentHash: batch.contentHash,
    spans: batch.spans,
    dicts: batch.dicts,
    codes: batch.codes,
    resourceDict: batch.resourceDict,
    resourceStart: batch.resourceStart,
    resourceCodes: batch.resourceCodes,
    eventIds: { words: batch.eventIds.words, kinds: batch.eventIds.kinds, texts: batch.eventIds.texts },
    requestIds: { words: batch.requestIds.words, kinds: batch.requestIds.kinds, texts: batch.requestIds.texts },
    sharedEventIds: batch.sharedEventIds,
    insights: batch.insights,
  };
}

/** How many values of each dictionary a worker has sent. */
export interface DictionaryCursor {
  dicts: number[];
  resources: number;
}

/** The pool's copy of one worker's dictionaries. */
export interface DictionaryCopy {
  dicts: string[][];
  resources: string[];
}

export const newCursor = (): DictionaryCursor => ({ dicts: [], resources: 0 });
export const newCopy = (): DictionaryCopy => ({ dicts: [], resources: [] });

/**
 * A batch's files as they cross to the main thread, which sent the worker the chunk and so
 * has its EvidenceFile objects already: per batch file, its place in that chunk and what
 * the worker learnt about it, as numbers (FILE_WIDTH of them; structured-cloning a BatchFile
 * object with its path and FileSeen cost the workers more than the rest of the batch).
 * The posted batch's own `files` is empty.
 */
export interface WireFiles {
  /** Per file: at, records, format code | CONTINUATION, then seen: dev, ino, ctimeMs, mtimeMs, size, crc (NaN: none). */
  numbers: Float64Array;
  /** Only the files with problems (few): [file of the batch, its problems, as the reader wrote them]. */
  problems: [file: number, problems: FileProblem[]][];
}

const FILE_WIDTH = 9;
const AT = 0;
const RECORDS = 1;
const FLAGS = 2;
const SEEN = 3;
/** FLAGS: the format's place in FORMATS plus one (0: none), plus this bit for a continuation. */
const CONTINUATION = 0x100;
const FORMAT_CODES: Record<FileFormat, number> = { trail: 1, digest: 2, 'digest-signature': 3, lookup: 4, logs: 5, jsonl: 6, csv: 7, array: 8, single: 9 };
const FORMATS = Object.keys(FORMAT_CODES) as FileFormat[];

/** Where the worker is in the chunk it parses: the chunk's files, and how many of them batches have named. */
export interface ChunkCursor {
  files: readonly EvidenceFile[];
  named: number;
}

/**
 * Worker side: the batch's files as numbers. parseFiles adds each file of the chunk once, in
 * order, and a continuation (the rest of a large file) right after the batch that held its
 * start; a file that is not where the cursor says fails the chunk rather than be misnamed.
 */
export function packFiles(files: readonly BatchFile[], cursor: ChunkCursor): WireFiles {
  const numbers = new Float64Array(files.length * FILE_WIDTH);
  const problems: WireFiles['problems'] = [];
  files.forEach((file, i) => {
    const at = file.continuation ? cursor.named - 1 : cursor.named++;
    if (cursor.files[at]?.path !== file.path) throw new Error(`batch file ${file.path} is not file ${at} of its chunk`);
    const base = i * FILE_WIDTH;
    numbers[base + AT] = at;
    numbers[base + RECORDS] = file.records;
    numbers[base + FLAGS] = (file.format === undefined ? 0 : FORMAT_CODES[file.format]) | (file.continuation ? CONTINUATION : 0);
    const seen = file.seen;
    if (seen) {
      numbers[base + SEEN] = seen.dev;
      numbers[base + SEEN + 1] = seen.ino;
      numbers[base + SEEN + 2] = seen.ctimeMs;
      numbers[base + SEEN + 3] = seen.mtimeMs;
      numbers[base + SEEN + 4] = seen.size;
      numbers[base + SEEN + 5] = seen.crc ?? NaN;
    } else {
      numbers[base + SEEN] = NaN;
    }
    if (file.problems.length > 0) problems.push([i, file.problems]);
  });
  return { numbers, problems };
}

/** Main side: the batch's files again, from the chunk the pool sent and the worker's numbers. */
export function unpackFiles(wire: WireFiles, chunk: readonly EvidenceFile[]): BatchFile[] {
  const { numbers } = wire;
  const files: BatchFile[] = [];
  for (let base = 0; base < numbers.length; base += FILE_WIDTH) {
    const from = chunk[numbers[base + AT]];
    if (!from) throw new Error(`a parse worker named file ${numbers[base + AT]} of a chunk of ${chunk.length}`);
    // Literals, not a spread: a spread then extended is several times slower (a copy, then a new map per key).
    const file: BatchFile =
      from.layout === undefined
        ? { path: from.path, size: from.size, mtimeMs: from.mtimeMs, records: numbers[base + RECORDS], problems: [] }
        : { path: from.path, size: from.size, mtimeMs: from.mtimeMs, layout: from.layout, records: numbers[base + RECORDS], problems: [] };
    const flags = numbers[base + FLAGS];
    if (flags & 0xff) file.format = FORMATS[(flags & 0xff) - 1];
    if (flags & CONTINUATION) file.continuation = true;
    if (!Number.isNaN(numbers[base + SEEN])) {
      file.seen = { dev: numbers[base + SEEN], ino: numbers[base + SEEN + 1], ctimeMs: numbers[base + SEEN + 2], mtimeMs: numbers[base + SEEN + 3], size: numbers[base + SEEN + 4] };
      const crc = numbers[base + SEEN + 5];
      if (!Number.isNaN(crc)) file.seen.crc = crc;
    }
    files.push(file);
  }
  for (const [i, problems] of wire.problems) files[i].problems = problems;
  return files;
}
