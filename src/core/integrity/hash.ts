/**
 * Streaming SHA-256 of a log file's decompressed content: CloudTrail's `hashValue`
 * is computed over the uncompressed log, so gzip is inflated on the fly. A file
 * that does not start with the gzip magic bytes (a log the user already
 * decompressed) is hashed as it is. Nothing is held in memory beyond a chunk.
 */
import { createHash } from 'crypto';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';

export interface HashResult {
  sha256: string;
  /** Bytes read from the source (compressed size). */
  bytesRead: number;
  /** Bytes hashed (decompressed size). */
  bytesHashed: number;
  gzipped: boolean;
}

/** Content that cannot be decompressed: it cannot be the content CloudTrail hashed. */
export class DecompressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecompressError';
  }
}

const REPORT_EVERY = 4 << 20;

/** Hashes the decompressed content of a stream. Rejects with DecompressError when gzip data is corrupt. */
export async function sha256OfDecompressed(
  source: AsyncIterable<Uint8Array>,
  options: { signal?: AbortSignal; onBytes?: (bytesRead: number) => void } = {},
): Promise<HashResult> {
  const { signal, onBytes } = options;
  signal?.throwIfAborted();
  const iterator = source[Symbol.asyncIterator]();
  let bytesRead = 0;
  let lastReported = 0;
  const count = (chunk: Uint8Array): Buffer => {
    bytesRead += chunk.length;
    if (onBytes && bytesRead - lastReported >= REPORT_EVERY) {
      lastReported = bytesRead;
      onBytes(bytesRead);
    }
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  };

  // Read until two bytes are known, to tell gzip from plain content.
  const head: Buffer[] = [];
  let headLength = 0;
  let exhausted = false;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    const chunk = count(next.value);
    head.push(chunk);
    headLength += chunk.length;
  }
  const first = Buffer.concat(head);
  const gzipped = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;

  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (exhausted) return;
    for (;;) {
      signal?.throwIfAborted();
      const next = await iterator.next();
      if (next.done) return;
      yield count(next.value);
    }
  }

  const hash = createHash('sha256');
  let bytesHashed = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytesHashed += chunk.length;
      hash.update(chunk);
      callback();
    },
  });

  if (!gzipped) {
    await pipeline(Readable.from(rest()), sink, { signal });
  } else {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    let gunzipFailed: Error | undefined;
    gunzip.on('error', (error) => {
      gunzipFailed ??= error;
    });
    try {
      await pipeline(Readable.from(rest()), gunzip, sink, { signal });
    } catch (error) {
      if (gunzipFailed && !signal?.aborted) throw new DecompressError(`cannot be decompressed: ${gunzipFailed.message}`);
      throw error;
    }
  }
  onBytes?.(bytesRead);
  return { sha256: hash.digest('hex'), bytesRead, bytesHashed, gzipped };
}
