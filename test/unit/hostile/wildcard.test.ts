/**
 * The filter language's `*`/`?` wildcards: the same answers as the single regular expression
 * they used to compile to (held to it on random short strings), and linear time on the
 * attacker-shaped worst case, run in a child process with a deadline.
 */
import * as assert from 'node:assert/strict';
import { compileWildcard } from '../../../src/core/query/wildcard';
import { runScenario } from './deadline';
import { random } from '../../../bench/generate';

/** The reference: the regular expression the filter used to build (anchored, `i` and `s`, no `u`). */
function referenceRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'is');
}

// Letters in both cases, characters that are special in a regex, a line break, non-ASCII letters
// whose case mapping differs between engines (ß, ſ, the Kelvin sign), and half a surrogate pair.
const TEXT_ALPHABET = ['a', 'A', 'b', 'B', '.', '\\', '[', '(', '$', '^', '\n', 'ß', 'ſ', 's', 'S', 'k', 'K', '\u212a', 'é', 'É', '\ud83d', '\ude00'];
const PATTERN_ALPHABET = [...TEXT_ALPHABET, '*', '*', '*', '?', '?'];

function pick(next: () => number, alphabet: string[], maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

describe('hostile/wildcard: the filter language wildcard matcher', () => {
  it('agrees with the reference regular expression on 40,000 random pattern/text pairs', () => {
    const next = random(12);
    let matched = 0;
    for (let round = 0; round < 4_000; round++) {
      const pattern = pick(next, PATTERN_ALPHABET, 8);
      const reference = referenceRegExp(pattern);
      const mine = compileWildcard(pattern);
      for (let t = 0; t < 10; t++) {
        // Half the texts are built from the pattern itself, so that matches are common.
        const text = t % 2 === 0 ? pick(next, TEXT_ALPHABET, 10) : pattern.replace(/[*?]/g, () => pick(next, TEXT_ALPHABET, 2)).replace(/a/g, () => (next() < 0.5 ? 'A' : 'a'));
        const expected = reference.test(text);
        if (expected) matched++;
        assert.equal(mine.test(text), expected, `round ${round}: ${JSON.stringify(pattern)} against ${JSON.stringify(text)}`);
      }
    }
    assert.ok(matched > 2_000, `only ${matched} pairs matched: the generator does not exercise matches`);
  });

  it('keeps the edge cases: empty pattern, lone and repeated stars, overlapping prefix and suffix', () => {
    const cases: Array<[string, string, boolean]> = [
      ['', '', true],
      ['', 'a', false],
      ['*', '', true],
      ['*', 'anything\nat all', true],
      ['**', 'x', true],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['ab*ba', 'aba', false],
      ['ab*ba', 'abba', true],
      ['*ab*ab*', 'abab', true],
      ['*ab*ab*', 'aba', false],
      ['?', '\n', true],
      ['a?c', 'ABC', true],
      ['*.amazonaws.com', 's3.AMAZONAWS.com', true],
      ['*.amazonaws.com', 's3xamazonaws.com', false],
      ['a\\*', 'a\\anything', true],
    ];
    for (const [pattern, text, expected] of cases) {
      assert.equal(compileWildcard(pattern).test(text), expected, `${JSON.stringify(pattern)} against ${JSON.stringify(text)}`);
      assert.equal(referenceRegExp(pattern).test(text), expected, `reference: ${JSON.stringify(pattern)} against ${JSON.stringify(text)}`);
    }
  });

  it('matches "*a*a*a*b" against 100,000 characters, and a query over a 1,000-character user agent, before a deadline', async function () {
    this.timeout(60_000);
    const result = (await runScenario('wildcard')) as { direct: boolean[]; query: Record<string, number[]> };
    assert.deepEqual(result.direct, [false, true, false, true]);
    assert.deepEqual(result.query, {
      'userAgent:*a*a*a*b': [1],
      'userAgent:*a*a*a*a*a*a*a*a*c': [],
      'a*a*a*a*a*a*b': [1],
      'user:*a*a*a*a*a*b': [],
      'eventId:*a*a*a*a*b': [],
    });
  });
});
