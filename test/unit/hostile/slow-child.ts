/**
 * Scenarios that took minutes (or overflowed the stack) on attacker-shaped input, run in a
 * child process by deadline.ts: `node slow-child.js NAME` prints the scenario's result as JSON.
 */
import * as yaml from 'js-yaml';
import { compileSigmaRule } from '../../../src/core/detect/sigma/rule';
import { compileWildcard } from '../../../src/core/query/wildcard';
import { indexOf, record } from '../engine/helpers';
import { queryIndex } from '../../../src/core/query/query';

const A_1000 = 'a'.repeat(1000);

function reRule(source: string) {
  const text = `title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    userAgent|re: ${JSON.stringify(source)}\n  condition: selection\n`;
  return compileSigmaRule(yaml.load(text), 'inline.yml');
}

const scenarios: Record<string, () => unknown> = {
  sigma: () => {
    const a4096 = 'a'.repeat(4096);
    // The reproduction first: minutes on a backtracking engine.
    const dotStars = reRule('^.*a.*a.*a.*a.*b$');
    const dotStarResults = [dotStars.matches({ userAgent: A_1000 }), dotStars.matches({ userAgent: a4096 }), dotStars.matches({ userAgent: `${A_1000}b` })];
    const nested = reRule('^(a+)+$');
    const alternation = reRule('^(a|aa|a?)*c$');
    return {
      dotStars: dotStarResults,
      nested: [nested.matches({ userAgent: `${A_1000}!` }), nested.matches({ userAgent: a4096 })],
      alternation: alternation.matches({ userAgent: a4096 }),
    };
  },
  wildcard: () => {
    const long = 'a'.repeat(100_000);
    const direct = [
      compileWildcard('*a*a*a*b').test(long),
      compileWildcard('*a*a*a*b').test(`${long}b`),
      compileWildcard('*a?a?a?a?c*').test(long),
      compileWildcard('a*a*a*a*a*a*a*a*a*a*').test(long),
    ];
    const index = indexOf([record({ userAgent: A_1000, eventID: A_1000 }), record({ userAgent: `${A_1000}b` })]);
    const query: Record<string, number[]> = {};
    for (const q of ['userAgent:*a*a*a*b', 'userAgent:*a*a*a*a*a*a*a*a*c', 'a*a*a*a*a*a*b', 'user:*a*a*a*a*a*b', 'eventId:*a*a*a*a*b']) {
      query[q] = Array.from(queryIndex(index, q));
    }
    return { direct, query };
  },
};

const name = process.argv[2];
const scenario = scenarios[name];
if (!scenario) {
  process.stderr.write(`unknown scenario ${name}\n`);
  process.exit(2);
}
Promise.resolve(scenario()).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
