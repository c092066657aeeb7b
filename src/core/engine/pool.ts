/**
 * Spreads files over parse workers in small chunks (so one huge file does not starve the
 * other core), and hands every batch to the caller as it arrives.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EventBatch } from '../index/batch';
import { EvidenceFile } from '../sources/types';
import { parseFiles } from './parse-files';
import { BatchSlots, SlotReader, newBatchSlots } from './batch-slots';
import { ToMain, ToWorker, WorkerSetup, newCopy, withWholeDictionaries } from './worker-protocol';

/** Files per chunk: small enough to balance, large enough to amortise messages. */
const CHUNK_FILES = 24;
const CHUNK_BYTES = 32 * 1024 * 1024;

/**
 * Shared batch slots per worker. A batch of BATCH_EVENTS events with the widest codes takes
 * about 1.2 MB plus its resources; larger ones are posted as copies.
 */
const SLOTS_PER_WORKER = 3;
const SLOT_BYTES = 2 * 1024 * 1024;

/**
 * A small young generation per worker. The trail scanner allocates little on the JS heap,
 * so with a large one the dead decompression buffers (freed only when a scavenge finds
 * them) pile up between scavenges, and the allocator keeps that high-water mark resident
 * after the worker ends. Measured at 300,000 events: RSS after loading 190 MB at 8 MB,
 * 147 MB at 2 MB; build time the same.
 */
const WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: 2 } };

function workerScript(): string {
  // Bundled: dist/worker.js beside dist/extension.js and dist/cli.js. Compiled by tsc:
  // out/src/core/engine/worker.js beside this file.
  const candidate = path.join(__dirname, 'worker.js');
  if (!existsSync(candidate)) throw new Error(`parse worker not found at ${candidate}; run the build first`);
  return candidate;
}

function chunks(files: readonly EvidenceFile[]): EvidenceFile[][] {
  const out: EvidenceFile[][] = [];
  let current: EvidenceFile[] = [];
  let bytes = 0;
  for (const file of files) {
    current.push(file);
    bytes += file.size;
    if (current.length >= CHUNK_FILES || bytes >= CHUNK_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) out.push(current);
  return out;
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
}

/**
 * Parse workers started ahead of the work, so they boot while the evidence is walked. With
 * no workers, files are parsed on the caller's thread.
 */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly slots: BatchSlots[] = [];
  private failure: unknown;
  private used = false;

  constructor(workerCount: number, slotLayout: { count: number; bytes: number } = { count: SLOTS_PER_WORKER, bytes: SLOT_BYTES }) {
    if (workerCount <= 0) return;
    const script = workerScript();
    for (let i = 0; i < workerCount; i++) {
      const slots = newBatchSlots(slotLayout.count, slotLayout.bytes);
      const worker = new Worker(script, { ...WORKER_OPTIONS, workerData: { slots } satisfies WorkerSetup });
      this.slots.push(slots);
      // Until parse() listens, remember the first failure for it.
      worker.on('error', (error) => (this.failure ??= error));
      this.workers.push(worker);
    }
  }

  /**
   * Parses the files (once per pool), handing every batch to `onBatch` as it arrives. A batch's
   * arrays may be borrowed: valid only until `onBatch` returns (copyBatch to keep one).
   */
  async parse(files: readonly EvidenceFile[], onBatch: (batch: EventBatch) => void, signal?: AbortSignal): Promise<void> {
    if (this.used) throw new Error('a parse pool parses once');
    this.used = true;
    if (this.workers.length === 0 || files.length === 0) {
      await parseFiles(files, onBatch, signal);
      return;
    }
    if (this.failure) throw this.failure;
    // Largest files first so a big one does not finish last alone.
    const queue = chunks([...files].sort((a, b) => b.size - a.size));
    const workers = this.workers.slice(0, Math.min(this.workers.length, queue.length));
    await new Promise<void>((resolve, reject) => {
      let running = workers.length;
      const onAbort = () => reject(signal?.reason ?? new Error('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const queued = new Map<Worker, number>();
      // Sends the worker its next chunk, or asks it to close once nothing is left for it.
      const feed = (worker: Worker) => {
        const next = signal?.aborted ? undefined : queue.shift();
        if (next) {
          worker.postMessage({ type: 'parse', files: next } satisfies ToWorker);
          queued.set(worker, (queued.get(worker) ?? 0) + 1);
          return;
        }
        if (queued.get(worker) !== 0) return;
        queued.delete(worker);
        worker.postMessage({ type: 'close' } satisfies ToWorker);
        if (--running === 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      };
      workers.forEach((worker, w) => {
        const dictionaries = newCopy();
        const slots = new SlotReader(this.slots[w]);
        const take = (batch: EventBatch) => {
          try {
            onBatch(withWholeDictionaries(batch, dictionaries));
          } catch (error) {
            reject(error);
          }
        };
        worker.on('message', (message: ToMain) => {
          switch (message.type) {
            case 'placed-batch':
              try {
                take(slots.read(message.placed));
              } finally {
                slots.release(message.placed.slot);
              }
              break;
            case 'batch':
              take(message.batch);
              break;
            case 'chunk-done':
              queued.set(worker, queued.get(worker)! - 1);
              feed(worker);
              break;
            case 'failed':
              reject(new Error(`parse worker failed: ${message.message}`));
              break;
          }
        });
        worker.on('error', reject);
        // Two chunks in hand: the worker starts the second while the main thread handles the first.
        feed(worker);
        if (queue.length > 0) feed(worker);
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
