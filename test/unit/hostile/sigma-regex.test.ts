/**
 * Sigma `|re` runs on RE2 (linear time): the same answers as JavaScript's RegExp on the
 * expressions both run, attacker-shaped input answered before a deadline, and a rule whose
 * expression RE2 cannot run reported as unusable with the reason while the others load.
 * Also: Sigma's walks over an event (keywords, objects as JSON text) on events nested
 * 10,000 and 100,000 levels deep.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { loadSigmaRules } from '../../../src/core/detect/sigma/load';
import { compileSigmaRule, SigmaRule } from '../../../src/core/detect/sigma/rule';
import { MAX_TEXT } from '../../../src/core/detect/util';
import { JsonObject } from '../../../src/core/model/event';
import { runScenario } from './deadline';
import { random } from '../../../bench/generate';

function rule(detection: string): SigmaRule {
  const text = `title: test rule\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n${detection.replace(/^/gm, '  ')}\nlevel: high\n`;
  return compileSigmaRule(yaml.load(text), 'inline.yml');
}

function reRule(source: string, modifiers = ''): SigmaRule {
  return rule(`selection:\n  userAgent|re${modifiers}: ${JSON.stringify(source)}\ncondition: selection`);
}

/** Expressions of the kinds SigmaHQ's rules use, with flags; ASCII texts, where both engines agree by definition. */
const EXPRESSIONS: Array<[string, string]> = [
  ['ab', ''],
  ['^ab', ''],
  ['ab$', ''],
  ['^a.*b$', ''],
  ['a|b.c', ''],
  ['(ab)+c?', ''],
  ['(?:a|bb){2,3}', ''],
  ['[a-c]{2}[^a]', ''],
  ['\\d+\\.\\d', ''],
  ['\\w\\W\\s', ''],
  ['\\bab\\b', ''],
  ['A.B', 'i'],
  ['^b', 'm'],
  ['a$', 'm'],
  ['a.b', 's'],
  ['a.b', ''],
  ['(?<name>ab)c', ''],
  ['\\u0061b', ''],
  ['\\x61\\/', ''],
  ['[.*+?]', ''],
];
const ALPHABET = ['a', 'b', 'c', 'A', 'B', '1', '.', ' ', '\n', '/', '_', '+'];

describe('hostile/sigma-regex: Sigma regular expressions on a linear-time engine', () => {
  it('answers as JavaScript RegExp does on 20 expression kinds and 2,000 random texts each', () => {
    const next = random(3);
    for (const [source, flags] of EXPRESSIONS) {
      const mine = reRule(source, flags.split('').map((f) => `|${f}`).join(''));
      const reference = new RegExp(source, flags);
      for (let i = 0; i < 2000; i++) {
        let text = '';
        const length = Math.floor(next() * 12);
        for (let j = 0; j < length; j++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
        assert.equal(mine.matches({ userAgent: text }), reference.test(text), `/${source}/${flags} on ${JSON.stringify(text)}`);
      }
    }
  });

  it('answers the backtracking worst cases before a deadline', async function () {
    this.timeout(60_000);
    const result = await runScenario('sigma');
    assert.deepEqual(result, { dotStars: [false, false, true], nested: [false, true], alternation: false });
  });

  it('reports a rule RE2 cannot run as unusable, naming the construct and the file; the other rules load', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-sigma-re-'));
    try {
      const write = (name: string, re: string) =>
        fs.writeFileSync(path.join(dir, name), `title: ${name}\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    userAgent|re: '${re}'\n  condition: selection\n`);
      write('backreference.yml', '(a)\\1');
      write('named-backreference.yml', '(?<x>a)\\k<x>');
      write('lookahead.yml', 'a(?=b)');
      write('negative-lookahead.yml', 'a(?!b)');
      write('lookbehind.yml', '(?<=a)b');
      write('negative-lookbehind.yml', '(?<!a)b');
      write('invalid.yml', '(ab');
      write('fine.yml', '^(a+)+$');
      write('class-is-fine.yml', '[(?=]\\\\1');
      const result = await loadSigmaRules([dir]);
      assert.deepEqual(result.rules.map((r) => path.basename(r.file)).sort(), ['class-is-fine.yml', 'fine.yml']);
      const reasons = new Map(result.problems.map((p) => [path.basename(p.file), `${p.kind}: ${p.reason}`]));
      assert.match(reasons.get('backreference.yml')!, /^unsupported: .*\/\(a\)\\1\/ uses a backreference \(\\1\), which needs a backtracking engine/);
      assert.match(reasons.get('named-backreference.yml')!, /^unsupported: .*a named backreference/);
      assert.match(reasons.get('lookahead.yml')!, /^unsupported: .*uses a lookahead \(\?=…\)/);
      assert.match(reasons.get('negative-lookahead.yml')!, /^unsupported: .*uses a negative lookahead/);
      assert.match(reasons.get('lookbehind.yml')!, /^unsupported: .*uses a lookbehind/);
      assert.match(reasons.get('negative-lookbehind.yml')!, /^unsupported: .*uses a negative lookbehind/);
      assert.match(reasons.get('invalid.yml')!, /^invalid: .*invalid regular expression \/\(ab\//);
      assert.equal(result.problems.length, 7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const depth of [10_000, 100_000]) {
    it(`keywords, contains on an object and re match on an event nested ${depth.toLocaleString('en-US')} levels deep`, () => {
      const event = JSON.parse(
        `{"eventName":"PutBucketPolicy","eventSource":"s3.amazonaws.com","userAgent":"x","requestParameters":${'{"a":'.repeat(depth)}"needle"${'}'.repeat(depth)}}`,
      ) as JsonObject;
      assert.ok(rule('keywords:\n  - needle\ncondition: keywords').matches(event) === false, 'beyond the 10,000-value budget');
      assert.ok(rule('keywords:\n  - putbucketpolicy\ncondition: keywords').matches(event));
      assert.ok(rule('selection:\n  requestParameters|contains: \'{"a":{"a":\'\ncondition: selection').matches(event));
      assert.ok(rule("selection:\n  requestParameters|re: '^\\{\"a\":'\ncondition: selection").matches(event));
      // Objects match as their JSON text, up to its 64 KiB cap: the needle sits at 5 × depth characters.
      assert.equal(rule('selection:\n  requestParameters|contains: needle\ncondition: selection').matches(event), depth * 5 < MAX_TEXT);
    });
  }
});
