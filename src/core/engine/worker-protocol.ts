import { EventBatch } from '../index/batch';
import { EvidenceFile } from '../sources/types';
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
  | { type: 'placed-batch'; placed: PlacedBatch; last: boolean }
  /** A batch too large for a slot, copied whole. */
  | { type: 'batch'; batch: EventBatch; last: boolean };

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
