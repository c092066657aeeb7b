/**
 * GzipInflater writes into one reused buffer through the zlib handle behind a Gunzip stream.
 * It must decompress exactly what gunzipSync does and refuse what gunzipSync refuses.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GzipInflater, zlibHandleUsable } from '../../../src/core/sources/inflate';

const LIMIT = 16 * 1024 * 1024;

function gunzipOrUndefined(data: Buffer, limit: number): Buffer | undefined {
  try {
    return gunzipSync(data, { maxOutputLength: limit });
  } catch {
    return undefined;
  }
}

function sizeHint(data: Buffer): number {
  return data.length >= 18 ? data.readUInt32LE(data.length - 4) : 0;
}

describe('sources: GzipInflater', () => {
  it('writes into a reused buffer on this Node (else every file allocates again)', () => {
    assert.equal(zlibHandleUsable(), true);
  });

  it('decompresses what gunzipSync does, and refuses what it refuses, one file after another', () => {
    const text = (n: number) => Buffer.from(JSON.stringify({ Records: Array.from({ length: n }, (_, i) => ({ eventName: `Call${i}`, n: i })) }));
    const big = text(20_000);
    const incompressible = randomBytes(600 * 1024);
    const cases: [string, Buffer, number][] = [
      ['small document', gzipSync(text(3)), LIMIT],
      ['larger than the first buffer (it grows)', gzipSync(big), LIMIT],
      ['incompressible, larger than the first buffer', gzipSync(incompressible), LIMIT],
      ['small again (the grown buffer is reused)', gzipSync(text(5)), LIMIT],
      ['two members', Buffer.concat([gzipSync(text(2)), gzipSync(text(4))]), LIMIT],
      ['padding of zero bytes after the member', Buffer.concat([gzipSync(text(2)), Buffer.alloc(512)]), LIMIT],
      ['empty content', gzipSync(Buffer.alloc(0)), LIMIT],
      ['exactly the hinted size', gzipSync(Buffer.alloc(256 * 1024, 0x41)), LIMIT],
      ['truncated', gzipSync(big).subarray(0, 5000), LIMIT],
      ['corrupt in the middle', (() => { const b = gzipSync(big); b.fill(0xff, 2000, 2100); return b; })(), LIMIT],
      ['not gzip at all', Buffer.from('{"Records":[]}'), LIMIT],
      ['garbage after the member', Buffer.concat([gzipSync(text(2)), Buffer.from('garbage')]), LIMIT],
      ['over the limit', gzipSync(big), 100_000],
      ['fine after all that', gzipSync(text(7)), LIMIT],
    ];
    const inflater = new GzipInflater();
    try {
      for (const [name, data, limit] of cases) {
        const expected = gunzipOrUndefined(data, limit);
        const actual = inflater.inflate(data, sizeHint(data), limit);
        assert.equal(actual === undefined, expected === undefined, `${name}: refused by one and not the other`);
        if (expected && actual) assert.ok(actual.equals(expected), `${name}: different content`);
      }
    } finally {
      inflater.dispose();
    }
  });

  it('a wrong size hint only costs a larger buffer', () => {
    const content = Buffer.from('x'.repeat(1_000_000));
    const data = gzipSync(content);
    const inflater = new GzipInflater();
    try {
      for (const hint of [0, 10, 999_999, 1_000_000, 5_000_000]) assert.ok(inflater.inflate(data, hint, LIMIT)?.equals(content), `hint ${hint}`);
    } finally {
      inflater.dispose();
    }
  });
});
