/**
 * Parse worker: receives chunks of files, posts back columnar batches, the last of each
 * chunk marked as such. The pool keeps a second chunk queued here, so the worker never waits
 * for the main thread between chunks; chunks are parsed one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventBatch, copyBatch } from '../index/batch';
import { SlotWriter } from './batch-slots';
import { newParseContext, parseFiles } from './parse-files';
import { EvidenceFile } from '../sources/types';
import { BatchMessage, ChunkCursor, ToMain, ToWorker, WorkerSetup, newCursor, packFiles, withNewValuesOnly } from './worker-protocol';

const port = parentPort as NonNullable<typeof parentPort>;
if (!parentPort) throw new Error('worker.js must run as a worker thread');

// Batches are copied, not transferred: transferring detaches an ArrayBuffer, and after the
// first detach V8 checks every typed-array access in optimised code for it. The scanner's
// byte loops then ran about 20% slower (300k events: 1.65 s transferred, 1.40 s copied).
const post = (message: ToMain) => port.postMessage(message);
// One context for the worker's life: its dictionaries and buffers carry over from chunk to chunk.
const context = newParseContext({ borrowBatches: true });
const sent = newCursor();
const slots = new SlotWriter((workerData as WorkerSetup).slots);

/**
 * A chunk's batches are posted one behind: the last one goes with `last` set, so a chunk
 * costs no message of its own (parseFiles always emits one at the end of a chunk). The held
 * one is posted before the next is placed, as placing may wait for the main thread to free a slot.
 */
let held: BatchMessage | undefined;
/** The chunk being parsed: its batches name their files by place in it (see packFiles). */
let chunk: ChunkCursor = { files: [], named: 0 };

function postBatch(batch: EventBatch): void {
  if (held) post(held);
  held = undefined;
  const files = packFiles(batch.files, chunk);
  const sendable = withNewValuesOnly({ ...batch, files: [] }, sent);
  const placed = slots.place(sendable);
  // Posting a borrowed view would copy the builder's whole array; copy just the batch.
  held = placed ? { type: 'placed-batch', placed, files, last: false } : { type: 'batch', batch: copyBatch(sendable), files, last: false };
}
const queue: EvidenceFile[][] = [];
let closing = false;
let running = false;

async function drain(): Promise<void> {
  running = true;
  while (queue.length > 0) {
    const files = queue.shift()!;
    chunk = { files, named: 0 };
    try {
      await parseFiles(files, postBatch, undefined, context);
      if (!held) throw new Error('a chunk ended without its last batch');
      held.last = true;
      post(held);
      held = undefined;
    } catch (error) {
      if (held) post(held);
      held = undefined;
      post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }
  running = false;
  if (closing) port.close();
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'parse':
      queue.push(message.files);
      if (!running) void drain();
      break;
    case 'close':
      closing = true;
      if (!running) port.close();
      break;
  }
});
