import * as assert from 'node:assert/strict';
import { EMPTY, intersect, union } from '../../../src/core/index/selection';

/** A seeded generator (mulberry32), so a failure names the lists it saw. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sortedList(next: () => number, size: number, density: number): Int32Array {
  const ids: number[] = [];
  for (let id = 0; id < size; id++) if (next() < density) ids.push(id);
  return Int32Array.from(ids);
}

describe('selection set operations: the one sorted merge against Set arithmetic', () => {
  it('intersect and union agree with sets on seeded lists of every density, in both orders', () => {
    const next = random(14);
    for (let round = 0; round < 200; round++) {
      const a = sortedList(next, 1 + Math.floor(next() * 300), next());
      const b = sortedList(next, 1 + Math.floor(next() * 300), next());
      const setB = new Set(b);
      const both = [...a].filter((id) => setB.has(id));
      const either = [...new Set([...a, ...b])].sort((x, y) => x - y);
      assert.deepEqual([...intersect(a, b)], both, `intersect round ${round}`);
      assert.deepEqual([...intersect(b, a)], both, `intersect (swapped) round ${round}`);
      assert.deepEqual([...union(a, b)], either, `union round ${round}`);
      assert.deepEqual([...union(b, a)], either, `union (swapped) round ${round}`);
    }
  });

  it('handles empty lists', () => {
    const a = Int32Array.from([1, 4, 9]);
    assert.deepEqual([...intersect(a, EMPTY)], []);
    assert.deepEqual([...intersect(EMPTY, a)], []);
    assert.deepEqual([...union(a, EMPTY)], [1, 4, 9]);
    assert.deepEqual([...union(EMPTY, a)], [1, 4, 9]);
  });
});
