import { EventBatch } from '../index/batch';
import { EvidenceFile } from '../sources/types';

export type ToWorker = { type: 'parse'; files: EvidenceFile[] } | { type: 'close' };

export type ToMain =
  | { type: 'batch'; batch: EventBatch }
  | { type: 'chunk-done' }
  | { type: 'failed'; message: string };
