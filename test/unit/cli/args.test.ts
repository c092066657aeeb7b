import * as assert from 'node:assert/strict';
import { ParsedArgs, UsageError, intOption, parseArgs } from '../../../src/cli/args';

const spec = { valued: ['where', 'limit'], flags: ['json'] };

function parsed(argv: string[]): { positionals: string[]; options: [string, string | true][] } {
  const args: ParsedArgs = parseArgs(argv, spec);
  return { positionals: args.positionals, options: [...args.options] };
}

describe('cli: argument parsing', () => {
  it('takes --name value, --name=value, flags and positionals in order', () => {
    assert.deepEqual(parsed(['a', '--where', 'eventName:X', 'b', '--json', '--limit=5']), {
      positionals: ['a', 'b'],
      options: [['where', 'eventName:X'], ['json', true], ['limit', '5']],
    });
    assert.deepEqual(parsed(['--where=a=b']).options, [['where', 'a=b']]);
    assert.deepEqual(parsed(['--limit', '1', '--limit', '2']).options, [['limit', '2']], 'the last one wins');
  });

  it('gives a valued option the next word even when it starts with a dash (an exclusion filter)', () => {
    assert.deepEqual(parsed(['--where', '-eventName:X', 'p']), { positionals: ['p'], options: [['where', '-eventName:X']] });
  });

  it('keeps single-dash words and everything after -- as positionals', () => {
    assert.deepEqual(parsed(['-', '-abc', 'x', '--', '--json', '-y']).positionals, ['-', '-abc', 'x', '--json', '-y']);
  });

  it('refuses unknown options, a value on a flag and a valued option without one', () => {
    const usage = (argv: string[], message: RegExp): void => assert.throws(() => parseArgs(argv, spec), (error: unknown) => error instanceof UsageError && message.test(error.message));
    usage(['--nope'], /^unknown option --nope$/);
    usage(['--nope=1'], /^unknown option --nope$/);
    usage(['--json=yes'], /^option --json takes no value$/);
    usage(['--json='], /^option --json takes no value$/);
    usage(['p', '--where'], /^option --where needs a value$/);
  });

  it('reads whole numbers and refuses anything else', () => {
    assert.equal(intOption(parseArgs(['--limit', '12'], spec), 'limit', 3), 12);
    assert.equal(intOption(parseArgs([], spec), 'limit', 3), 3);
    assert.throws(() => intOption(parseArgs(['--limit', '-1'], spec), 'limit', 3), /--limit takes a whole number, not "-1"/);
  });
});
