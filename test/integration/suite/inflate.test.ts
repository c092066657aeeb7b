// The gunzip fast path (src/core/sources/inflate.ts) reads private fields of Node's zlib
// streams. The unit test checks them on the system Node; the extension runs on the Node
// inside VS Code, which can differ, so the same guard runs here, in the host.
import * as assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GzipInflater, zlibHandleUsable } from '../../../src/core/sources/inflate';

describe('host Node: the gunzip fast path', () => {
  it(`writes into a reused buffer on the host's Node (${process.version})`, () => {
    assert.equal(zlibHandleUsable(), true, `Node ${process.version} in VS Code no longer exposes the Gunzip handle: every file would allocate again`);
  });

  it('decompresses what gunzipSync does and refuses a truncated file, on the host’s Node', () => {
    const content = Buffer.from(JSON.stringify({ Records: Array.from({ length: 5_000 }, (_, i) => ({ eventName: `Call${i}` })) }));
    const gzipped = gzipSync(content);
    const inflater = new GzipInflater();
    try {
      const out = inflater.inflate(gzipped, gzipped.readUInt32LE(gzipped.length - 4), 16 * 1024 * 1024);
      assert.ok(out?.equals(gunzipSync(gzipped)), 'the same bytes as gunzipSync');
      assert.equal(inflater.inflate(gzipped.subarray(0, 1000), 0, 16 * 1024 * 1024), undefined, 'a truncated file is refused');
    } finally {
      inflater.dispose();
    }
  });
});
