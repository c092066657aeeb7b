/**
 * jsonText: the same text as JSON.stringify (compact and indented) on random JSON values, and
 * no stack overflow on values nested 10,000 and 100,000 levels deep.
 */
import * as assert from 'node:assert/strict';
import { jsonText, MAX_INDENT_DEPTH } from '../../../src/core/model/json-text';
import { random } from '../../../bench/generate';

const STRINGS = ['', 'a', 'é', '"quoted"', 'back\\slash', 'line\nbreak', '\u0000\u001f', '\u2028', '\ud800', '😀', '\u202e'];
const NUMBERS = [0, -0, 1, -1.5, 1e21, 1e-7, NaN, Infinity, 123456789];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 4 || r < 0.45) {
    const leaf = Math.floor(next() * 6);
    if (leaf === 0) return STRINGS[Math.floor(next() * STRINGS.length)];
    if (leaf === 1) return NUMBERS[Math.floor(next() * NUMBERS.length)];
    if (leaf === 2) return next() < 0.5;
    if (leaf === 3) return null;
    if (leaf === 4) return undefined;
    return new Date(Date.UTC(2026, 2, 4, Math.floor(next() * 24)));
  }
  const n = Math.floor(next() * 4);
  if (r < 0.7) return Array.from({ length: n }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[STRINGS[Math.floor(next() * STRINGS.length)] + String(i % 2 === 0 ? '' : i)] = value(next, depth + 1);
  return o;
}

function nested(depth: number): unknown {
  return JSON.parse('{"a":'.repeat(depth) + '[1,{"b":"x"}]' + '}'.repeat(depth)) as unknown;
}

describe('hostile/json-text: JSON text without recursion', () => {
  it('equals JSON.stringify on 5,000 random values, compact and indented', () => {
    const next = random(7);
    for (let i = 0; i < 5000; i++) {
      const v = value(next, 0);
      assert.equal(jsonText(v), JSON.stringify(v), `value #${i}`);
      assert.equal(jsonText(v, { indent: 2 }), JSON.stringify(v, null, 2), `value #${i}, indented`);
    }
  });

  it('stops early at maxLength with a prefix of the full text', () => {
    const v = { a: 'x'.repeat(50), b: [1, 2, { c: 'y'.repeat(50) }], d: 'z'.repeat(10_000) };
    const full = JSON.stringify(v);
    const part = jsonText(v, { maxLength: 80 })!;
    assert.ok(part.length >= 80 && part.length < 200, `${part.length}`);
    assert.ok(full.startsWith(part));
  });

  for (const depth of [10_000, 100_000]) {
    it(`writes a value nested ${depth.toLocaleString('en-US')} levels deep (JSON.stringify overflows)`, () => {
      const v = nested(depth);
      assert.throws(() => JSON.stringify(v), RangeError);
      const text = jsonText(v)!;
      assert.equal(text, '{"a":'.repeat(depth) + '[1,{"b":"x"}]' + '}'.repeat(depth));
      // Indented: the first levels get indentation, deeper ones are compact; the text is the same value.
      const pretty = jsonText(v, { indent: 2 })!;
      assert.ok(pretty.length < text.length + MAX_INDENT_DEPTH * MAX_INDENT_DEPTH * 4, `${pretty.length}`);
      assert.equal(pretty.replace(/\s+/g, ''), text);
    });
  }
});
