/**
 * Spreads files over parse workers in small chunks (so one huge file does not starve the
 * other core), and hands every batch to the caller as it arrives.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { EventBatch, copyBatch } from '../index/batch';
import { EvidenceFile } from '../sources/types';
import { parseFiles } from './parse-files';
import { BatchSlots, SlotReader, newBatchSlots } from './batch-slots';
import { ToMain, ToWorker, WireFiles, WorkerSetup, newCopy, sameShape, unpackFiles, withWholeDictionaries } from './worker-protocol';

/**
 * A chunk is files of about CHUNK_BYTES together (fewer bytes when there is little work, so
 * that every worker gets several chunks), at most CHUNK_FILES of them. Each chunk costs a
 * message each way and a batch to merge: real trails are mostly files of a few KB, and 24
 * files a chunk (as before) spent more on messages and per-batch work than on the files.
 */
const CHUNK_FILES = 256;
const CHUNK_BYTES = 512 * 1024;
/** Chunks per worker at least, while files allow: the last chunks balance the load. */
const CHUNKS_PER_WORKER = 8;

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

/**
 * A parse worker. node:worker_threads loads with the first one: a command answered from the
 * cache starts none, and loading it cost every such run about 2 ms.
 */
function newWorker(script: string, options: ConstructorParameters<typeof Worker>[1]): Worker {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  return new threads.Worker(script, options);
}

function workerScript(): string {
  // Bundled: dist/worker.js beside dist/extension.js and dist/cli.js. Compiled by tsc:
  // out/src/core/engine/worker.js beside this file.
  const candidate = path.join(__dirname, 'worker.js');
  if (!existsSync(candidate)) throw new Error(`parse worker not found at ${candidate}; run the build first`);
  return candidate;
}

function chunks(files: readonly EvidenceFile[], workers: number): EvidenceFile[][] {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const target = Math.max(1, Math.min(CHUNK_BYTES, Math.floor(total / (workers * CHUNKS_PER_WORKER))));
  const out: EvidenceFile[][] = [];
  let current: EvidenceFile[] = [];
  let bytes = 0;
  for (const file of files) {
    current.push(file);
    bytes += file.size;
    if (current.length >= CHUNK_FILES || bytes >= target) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * The most parse workers a load may start. Each worker is a V8 isolate with its own heap and
 * 6 MiB of batch slots: `--workers 2000` took 10 GB before this bound. Past 64 there is no
 * machine it would help; the default stays at the core count, at most 8.
 */
export const MAX_WORKERS = 64;

/** Throws the pool's RangeError for a worker count it would refuse, before any pool is started. */
export function checkWorkerCount(workerCount: number): void {
  if (!Number.isInteger(workerCount) || workerCount < 0 || workerCount > MAX_WORKERS) {
    throw new RangeError(`parse workers must be a whole number from 0 to ${MAX_WORKERS}, not ${workerCount}`);
  }
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
}

/**
 * Files handed to the pool while the walk goes on (ParsePool.early) are cut into chunks of
 * about this many bytes: the total is not known yet, and the workers should start soon.
 */
const EARLY_CHUNK_BYTES = 128 * 1024;

/**
 * At most this many bytes (as stored) are handed early: their batches are held until parse()
 * runs, and on a long walk (3,000,000 events in 79,000 files) holding all the workers made of
 * them left the main thread's allocator at that high-water mark (+20 bytes an event of
 * resident memory). The walk of a trail of a few hundred MB takes a fraction of a second,
 * in which the workers parse about this much anyway.
 */
const EARLY_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Parse workers started ahead of the work, so they boot while the evidence is walked; files
 * the walk has found can be handed to them before it ends (early). With no workers, files are
 * parsed on the caller's thread.
 */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly slots: BatchSlots[] = [];
  private failure: unknown;
  private used = false;
  /** Listening to the workers (from the first early() or parse()). */
  private started = false;
  /** Settled: nothing more reaches the consumer, nothing more is sent. */
  private settled = false;
  /** Chunks not sent yet. */
  private readonly queue: EvidenceFile[][] = [];
  /** Chunks sent to each worker and not yet done; a worker told to close is left out. */
  private readonly inHand = new Map<Worker, number>();
  /**
   * The same chunks, oldest first, for every worker: a worker parses its chunks in order and
   * its batches name their files by place in the oldest one it has not finished.
   */
  private readonly chunksOf = new Map<Worker, EvidenceFile[][]>();
  /** Workers not yet told to close. */
  private running = 0;
  /** Bytes (as stored) of the files handed early. */
  private earlyBytes = 0;
  /** Files handed early, and those of them not in a chunk yet. */
  private readonly handedEarly = new Set<EvidenceFile>();
  private pending: EvidenceFile[] = [];
  private pendingBytes = 0;
  /** parse() has queued every file: a worker with nothing left is closed. */
  private allQueued = false;
  /** Batches that arrived before parse() gave a consumer (copied), then the consumer. */
  private held: EventBatch[] = [];
  private consumer: ((batch: EventBatch) => void) | undefined;
  /** How parse() ends, once it runs. */
  private ended: ((error?: unknown) => void) | undefined;
  private readonly detach: (() => void)[] = [];

  constructor(
    workerCount: number,
    slotLayout: { count: number; bytes: number } = { count: SLOTS_PER_WORKER, bytes: SLOT_BYTES },
    private readonly earlyMaxBytes = EARLY_MAX_BYTES,
  ) {
    checkWorkerCount(workerCount);
    if (workerCount === 0) return;
    const script = workerScript();
    for (let i = 0; i < workerCount; i++) {
      const slots = newBatchSlots(slotLayout.count, slotLayout.bytes);
      const worker = newWorker(script, { ...WORKER_OPTIONS, workerData: { slots } satisfies WorkerSetup });
      this.slots.push(slots);
      // Until the pool listens, remember the first failure (or an early end) for parse().
      worker.on('error', (error) => (this.failure ??= error));
      worker.on('exit', (code) => (this.failure ??= new Error(`parse worker stopped (exit code ${code})`)));
      this.workers.push(worker);
    }
  }

  /**
   * Files the walk has found so far, to be parsed before parse() is called: they are sent to
   * the workers now, and their batches wait for parse(), which must then be given them again
   * (in `files`, with the rest). Ignored without workers or once parse() has run.
   */
  early(files: readonly EvidenceFile[]): void {
    if (this.workers.length === 0 || this.used || this.settled || this.failure) return;
    this.listen();
    for (const file of files) {
      // The rest is parsed with the others, by parse().
      if (this.earlyBytes + file.size > this.earlyMaxBytes) break;
      this.earlyBytes += file.size;
      this.handedEarly.add(file);
      this.pending.push(file);
      this.pendingBytes += file.size;
      if (this.pending.length >= CHUNK_FILES || this.pendingBytes >= EARLY_CHUNK_BYTES) {
        this.queue.push(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
      }
    }
    this.topUp();
  }

  /**
   * Parses the files (once per pool), handing every batch to `onBatch` as it arrives. A batch's
   * arrays may be borrowed: valid only until `onBatch` returns (copyBatch to keep one). Files
   * handed to early() are parsed once (their batches, held until now, come first).
   *
   * Every worker of the pool is told to close once it has nothing left to do, whether it got
   * two chunks, one or none (more workers than chunks), so the parse ends exactly when the
   * last chunk is done. It fails on the first worker failure, a worker that dies or exits
   * with chunks in hand, an error thrown by `onBatch`, or an abort; after that, nothing more
   * reaches `onBatch`, and `close()` ends the workers.
   */
  async parse(files: readonly EvidenceFile[], onBatch: (batch: EventBatch) => void, signal?: AbortSignal): Promise<void> {
    if (this.used) throw new Error('a parse pool parses once');
    this.used = true;
    signal?.throwIfAborted();
    if (this.workers.length === 0 || (files.length === 0 && !this.started)) {
      await parseFiles(files, onBatch, signal);
      return;
    }
    if (this.failure) throw this.failure;
    this.listen();
    const rest = this.handedEarly.size === 0 ? [...files] : files.filter((file) => !this.handedEarly.has(file));
    for (const file of this.pending) rest.push(file);
    this.pending = [];
    // Largest files first so a big one does not finish last alone.
    for (const chunk of chunks(rest.sort((a, b) => b.size - a.size), this.workers.length)) this.queue.push(chunk);
    this.allQueued = true;
    await new Promise<void>((resolve, reject) => {
      this.ended = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      const onAbort = () => this.finish(signal?.reason ?? new Error('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.detach.push(() => signal?.removeEventListener('abort', onAbort));
      if (this.settled) {
        // A failure while only early files were parsing.
        reject(this.failure);
        return;
      }
      this.consumer = onBatch;
      const held = this.held;
      this.held = [];
      for (const batch of held) this.deliver(batch);
      this.topUp();
    });
  }

  /** Ends the parse: with `error`, or done. Nothing more reaches the consumer. */
  private finish(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error !== undefined) this.failure ??= error;
    for (const off of this.detach) off();
    this.ended?.(error);
  }

  private deliver(batch: EventBatch): void {
    if (this.settled) return;
    try {
      this.consumer!(batch);
    } catch (error) {
      this.finish(error);
    }
  }

  private send(worker: Worker, next: EvidenceFile[]): void {
    worker.postMessage({ type: 'parse', files: next } satisfies ToWorker);
    this.inHand.set(worker, this.inHand.get(worker)! + 1);
    this.chunksOf.get(worker)!.push(next);
  }

  /** Sends the worker its next chunk, or asks it to close once nothing is left for it. */
  private feed(worker: Worker): void {
    if (this.settled || !this.inHand.has(worker)) return;
    const next = this.queue.shift();
    if (next) return this.send(worker, next);
    if (!this.allQueued || this.inHand.get(worker) !== 0) return;
    this.inHand.delete(worker);
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    if (--this.running === 0) this.finish();
  }

  /**
   * One chunk for each worker first, then a second one each (the worker starts it while the
   * main thread handles the first); once every file is queued, a worker left without any is
   * closed at once.
   */
  private topUp(): void {
    for (const round of [1, 2]) {
      for (const worker of this.workers) {
        if (this.settled) return;
        const held = this.inHand.get(worker);
        if (held === undefined) continue;
        if (held < round && this.queue.length > 0) this.send(worker, this.queue.shift()!);
      }
    }
    for (const worker of this.workers) if (this.inHand.get(worker) === 0) this.feed(worker);
  }

  /** Listens to the workers' messages (once). */
  private listen(): void {
    if (this.started) return;
    this.started = true;
    this.running = this.workers.length;
    this.workers.forEach((worker, w) => {
      this.inHand.set(worker, 0);
      const chunks: EvidenceFile[][] = [];
      this.chunksOf.set(worker, chunks);
      const dictionaries = newCopy();
      const slots = new SlotReader(this.slots[w]);
      // Before parse() gives a consumer, batches wait, copied (their slot is freed at once).
      const take = (batch: EventBatch, files: WireFiles, borrowed: boolean) => {
        if (this.settled) return;
        let whole: EventBatch;
        try {
          whole = sameShape(withWholeDictionaries(batch, dictionaries), unpackFiles(files, chunks[0] ?? []));
        } catch (error) {
          this.finish(error);
          return;
        }
        if (this.consumer) this.deliver(whole);
        else this.held.push(borrowed ? sameShape(copyBatch(whole), whole.files) : whole);
      };
      const chunkDone = () => {
        chunks.shift();
        this.inHand.set(worker, this.inHand.get(worker)! - 1);
        this.feed(worker);
      };
      const onMessage = (message: ToMain) => {
        switch (message.type) {
          case 'placed-batch':
            try {
              take(slots.read(message.placed), message.files, true);
            } finally {
              slots.release(message.placed.slot);
            }
            if (message.last) chunkDone();
            break;
          case 'batch':
            take(message.batch, message.files, false);
            if (message.last) chunkDone();
            break;
          case 'failed':
            this.finish(new Error(`parse worker failed: ${message.message}`));
            break;
        }
      };
      const onError = (error: unknown) => this.finish(error);
      // A worker ends on its own only after it was told to close (and then has nothing in hand).
      const onExit = (code: number) => {
        if (this.inHand.has(worker)) this.finish(new Error(`parse worker stopped (exit code ${code}) before its chunks were parsed`));
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      this.detach.push(() => worker.off('message', onMessage).off('error', onError).off('exit', onExit));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
