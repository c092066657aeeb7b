// The README's `ctinv` examples are what the commands print today: every `$ npx ctinv …` line
// of its console blocks is run on the repository's files and its output compared with the lines
// below it, and the findings count the README quotes for `ctinv detect` is checked.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../run-cli';

// out/test/unit/cli -> the repository
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

interface Example {
  readonly command: string;
  readonly argv: string[];
  readonly expected: string[];
}

/** Splits a shell command line on spaces, keeping single- and double-quoted words whole. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/** Every `$ npx ctinv …` line of the README's ```console blocks, with the output shown below it. */
function examples(): Example[] {
  const found: Example[] = [];
  for (const block of README.matchAll(/```console\n([\s\S]*?)```/g)) {
    let current: Example | undefined;
    for (const line of block[1].replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) {
        current = undefined;
        const command = line.slice(2).replace(/\s+2>\/dev\/null$/, '');
        const words = shellWords(command);
        if (words[0] !== 'npx' || words[1] !== 'ctinv') continue;
        // Paths in the examples are relative to the repository; tests never write the user's cache folder.
        const argv = words.slice(2).map((word) => (word.includes('/') && fs.existsSync(path.join(REPO, word)) ? path.join(REPO, word) : word));
        current = { command, argv: [...argv, '--no-cache'], expected: [] };
        found.push(current);
      } else if (current) current.expected.push(line);
    }
  }
  return found;
}

describe('README: the ctinv examples print what the README shows', () => {
  const all = examples();

  it('finds the examples (stats, top, lineage)', () => {
    const names = all.map((e) => e.argv[0]);
    for (const name of ['stats', 'top', 'lineage']) assert.ok(names.includes(name), `an example of ctinv ${name} (found ${names.join(', ')})`);
  });

  for (const example of all) {
    it(`$ ${example.command}`, async () => {
      const { code, stdout, stderr } = await runCli(example.argv);
      assert.equal(code, 0, stderr);
      assert.deepEqual(stdout.replace(/\n$/, '').split('\n'), example.expected);
    });
  }

  it('quotes the findings count of ctinv detect on the sample trail', async () => {
    const quoted = /`ctinv detect fixtures\/sample-trail` reports (\d+) findings \((\d+) critical, (\d+) high, (\d+) medium\)/.exec(README);
    assert.ok(quoted, 'the README quotes ctinv detect on the sample trail');
    const { stdout } = await runCli(['detect', path.join(REPO, 'fixtures', 'sample-trail'), '--no-cache']);
    const counts = /^(\d+) findings \((\d+) critical, (\d+) high, (\d+) medium, 0 low, 0 info\)/.exec(stdout);
    assert.ok(counts, stdout.split('\n')[0]);
    assert.deepEqual(counts.slice(1, 5), quoted.slice(1, 5));
  });
});
