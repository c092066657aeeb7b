/**
 * Parse worker: receives chunks of files, posts back columnar batches (typed arrays are
 * transferred, not copied), then asks for more.
 */
import { parentPort } from 'node:worker_threads';
import { BatchBuilder, transferables } from '../index/batch';
import { parseFiles } from './parse-files';
import { TrailScanner } from '../index/trail-scanner';
import { ToMain, ToWorker, newCursor, withNewValuesOnly } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');

const post = (message: ToMain, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
// One builder for the worker's life: its dictionaries carry over from chunk to chunk.
const builder = new BatchBuilder();
const scanner = new TrailScanner(builder);
const sent = newCursor();

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'parse':
      parseFiles(message.files, (batch) => post({ type: 'batch', batch: withNewValuesOnly(batch, sent) }, transferables(batch)), undefined, builder, scanner).then(
        () => post({ type: 'chunk-done' }),
        (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
      );
      break;
    case 'close':
      port.close();
      break;
  }
});
