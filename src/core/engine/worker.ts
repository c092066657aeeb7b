/**
 * Parse worker: receives chunks of files, posts back columnar batches and a chunk-done
 * after each chunk. The pool keeps a second chunk queued here, so the worker never waits
 * for the main thread between chunks; chunks are parsed one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventBatch, copyBatch } from '../index/batch';
import { SlotWriter } from './batch-slots';
import { newParseContext, parseFiles } from './parse-files';
import { EvidenceFile } from '../sources/types';
import { ToMain, ToWorker, WorkerSetup, newCursor, withNewValuesOnly } from './worker-protocol';

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

function postBatch(batch: EventBatch): void {
  const sendable = withNewValuesOnly(batch, sent);
  const placed = slots.place(sendable);
  // Posting a borrowed view would copy the builder's whole array; copy just the batch.
  post(placed ? { type: 'placed-batch', placed } : { type: 'batch', batch: copyBatch(sendable) });
}
const queue: EvidenceFile[][] = [];
let closing = false;
let running = false;

async function drain(): Promise<void> {
  running = true;
  while (queue.length > 0) {
    const files = queue.shift()!;
    try {
      await parseFiles(files, postBatch, undefined, context);
      post({ type: 'chunk-done' });
    } catch (error) {
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
