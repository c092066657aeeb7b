import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { runCli } from '../run-cli';
import { printable } from '../../../src/cli/commands/validate';
import { buildChain, BuiltChain, localPath, logKey, tempDir, writeToFolder } from './chain';
import { gzipSync } from 'zlib';

const ctinv = runCli;

describe('ctinv validate', () => {
  let chain: BuiltChain;
  let dir: string;
  let keyFile: string;

  before(() => {
    chain = buildChain({ periods: 2, logsPerPeriod: 2 });
  });
  beforeEach(async () => {
    dir = await tempDir('cli');
    await writeToFolder(dir, chain.objects);
    keyFile = path.join(dir, 'key.pem');
    await fs.writeFile(keyFile, chain.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and prints the counts when everything is valid', async () => {
    const { code, stdout } = await ctinv(['validate', path.join(dir, 'ct-evidence-bucket'), '--public-key', keyFile]);
    assert.strictEqual(code, 0);
    assert.match(stdout, /Log files: 4 {2}valid 4, changed 0, missing 0, not covered 0, not verifiable 0/);
    assert.match(stdout, /Digests: {3}2 {2}valid 2, signature invalid 0, moved 0, missing 0, not verifiable 0/);
    assert.match(stdout, /Result: every log file and digest is valid/);
  });

  it('exits 1 and lists each non-valid file with its reason; --json prints one object', async () => {
    await fs.rm(localPath(dir, chain.logs[1][1]));
    const human = await ctinv(['validate', dir, '--public-key', keyFile]);
    assert.strictEqual(human.code, 1);
    assert.match(human.stdout, /MISSING +AWSLogs\/.*p1f1Ab12Cd34\.json\.gz\n +listed in .*, not found/);
    const json = await ctinv(['validate', dir, `--public-key=${keyFile}`, '--json']);
    assert.strictEqual(json.code, 1);
    const parsed = JSON.parse(json.stdout);
    assert.strictEqual(parsed.counts.logs.missing, 1);
    assert.strictEqual(parsed.counts.logs.valid, 3);
    assert.strictEqual(json.stdout.trim().split('\n').length, 1);
  });

  it('exits 1 without a key, saying why on stderr', async () => {
    const { code, stderr, stdout } = await ctinv(['validate', dir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /no --public-key given/);
    assert.match(stdout, /not verifiable 4/);
  });

  it('exits 2 on usage errors and 1 with the file named when the key file is bad', async () => {
    assert.strictEqual((await ctinv(['validate'])).code, 2);
    assert.strictEqual((await ctinv(['validate', dir, dir])).code, 2);
    assert.strictEqual((await ctinv(['validate', dir, '--bogus'])).code, 2);
    const bad = path.join(dir, 'bad.pem');
    await fs.writeFile(bad, 'not a key');
    const result = await ctinv(['validate', dir, '--public-key', bad]);
    assert.strictEqual(result.code, 1);
    assert.ok(result.stderr.includes(bad));
  });

  it('escapes terminal control characters and bidi overrides from file names in the report', async () => {
    const hostile = logKey(new Date(Date.UTC(2026, 10, 20, 10, 45)), 'X\u001b[31mRED\u202eevil');
    await writeToFolder(dir, [{ key: hostile, body: gzipSync(Buffer.from('{"Records":[]}')) }]);
    const { code, stdout } = await ctinv(['validate', dir, '--public-key', keyFile]);
    assert.strictEqual(code, 1);
    assert.ok(!stdout.includes('\u001b'));
    assert.ok(!stdout.includes('\u202e'));
    assert.ok(stdout.includes('X\\u001b[31mRED\\u202eevil'));
    assert.strictEqual(printable('a\r\nb'), 'a\\u000d\\u000ab');
  });
});
