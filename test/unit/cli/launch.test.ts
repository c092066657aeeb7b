// dist/cli.js runs the CLI bundle with V8's code cache (src/cli/launch.ts): built by
// `node esbuild.mjs` (npm test builds before the unit tests), run here as a process.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from './mcp-client';

describe('ctinv launcher: the code cache', function () {
  this.timeout(60_000);
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-launch-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  function run(args: string[], cacheHome: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...env }, encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const codeFiles = (cacheHome: string) => {
    const folder = path.join(cacheHome, 'ctinv', 'code');
    return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
  };

  it('is written on the first run, used on the next, with the same answers', () => {
    const evidence = fs.mkdtempSync(path.join(scratch, 'evidence-'));
    fs.writeFileSync(path.join(evidence, 'trail.json'), JSON.stringify({ Records: [{ eventVersion: '1.09', eventTime: '2026-03-04T05:00:00Z', eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventID: 'a' }] }));
    const home = path.join(scratch, 'home-1');
    const first = run(['stats', evidence, '--json', '--cache-dir', path.join(scratch, 'index-1')], home);
    assert.equal(first.status, 0, first.stderr);
    const files = codeFiles(home);
    assert.equal(files.length, 1);
    assert.match(files[0], /^cli-[0-9a-f]{32}-stats\.v8$/);
    const second = run(['stats', evidence, '--json', '--cache-dir', path.join(scratch, 'index-1')], home);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).events, 1);
    assert.deepEqual({ ...JSON.parse(second.stdout), fromCache: undefined }, { ...JSON.parse(first.stdout), fromCache: undefined });
    assert.deepEqual(codeFiles(home), files);
    // Each command keeps its own (V8 keeps what a run compiled); another build's caches go.
    const stale = path.join(home, 'ctinv', 'code', `cli-${'0'.repeat(32)}-stats.v8`);
    fs.writeFileSync(stale, 'an older build');
    const query = run(['query', evidence, '--where', 'eventName:GetObject', '--cache-dir', path.join(scratch, 'index-1')], home);
    assert.equal(query.status, 0, query.stderr);
    assert.equal(query.stdout.trim().split('\n').length, 1);
    const [key] = /^cli-[0-9a-f]{32}-/.exec(files[0])!;
    assert.deepEqual(codeFiles(home).sort(), [`${key}query.v8`, `${key}stats.v8`]);
    assert.equal(run(['query', evidence, '--where', 'eventName:GetObject', '--cache-dir', path.join(scratch, 'index-1')], home).stdout, query.stdout);
  });

  it('is used with --no-cache (it is the program\'s code, no evidence), not with CTINV_NO_CODE_CACHE=1, and runs on when it is damaged', () => {
    const home = path.join(scratch, 'home-2');
    const empty = fs.mkdtempSync(path.join(scratch, 'empty-'));
    assert.equal(run(['stats', empty, '--no-cache'], home, { CTINV_NO_CODE_CACHE: '1' }).status, 0);
    assert.deepEqual(codeFiles(home), []);
    const noIndexCache = path.join(scratch, 'home-2-no-index-cache');
    assert.equal(run(['stats', empty, '--no-cache'], noIndexCache).status, 0);
    assert.equal(codeFiles(noIndexCache).length, 1);
    assert.deepEqual(fs.readdirSync(path.join(noIndexCache, 'ctinv')), ['code']);
    assert.equal(run(['stats', empty, '--cache-dir', path.join(scratch, 'index-2')], home).status, 0);
    const [file] = codeFiles(home);
    const cacheFile = path.join(home, 'ctinv', 'code', file);
    const good = fs.readFileSync(cacheFile);
    // A flipped byte in the middle, then a truncation, then something else entirely.
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] ^= 0xff;
    for (const damage of [flipped, good.subarray(0, good.length >> 1), Buffer.from('not a code cache')]) {
      fs.writeFileSync(cacheFile, damage);
      const damaged = run(['stats', empty, '--json', '--cache-dir', path.join(scratch, 'index-2')], home);
      assert.equal(damaged.status, 0, damaged.stderr);
      assert.equal(JSON.parse(damaged.stdout).events, 0);
      // Written again, whole: its SHA-256, then the code cache.
      const again = fs.readFileSync(cacheFile);
      assert.ok(again.length > 32);
      assert.deepEqual(again.subarray(0, 32), createHash('sha256').update(again.subarray(32)).digest());
    }
  });

  it('is not written inside the evidence named on the command line', () => {
    const evidence = fs.mkdtempSync(path.join(scratch, 'evidence-'));
    const home = path.join(evidence, 'cache-home');
    // The default cache folder is inside the evidence: the index cache is not used (a note says so), nor the code cache.
    const result = run(['stats', evidence], home);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /note: .*inside the evidence/);
    assert.deepEqual(codeFiles(home), []);
    assert.equal(fs.existsSync(home), false);
  });
  it('ends once all it wrote is out: a large answer through a pipe arrives whole, with the command\'s exit code', () => {
    const evidence = fs.mkdtempSync(path.join(scratch, 'evidence-large-'));
    const records = Array.from({ length: 20_000 }, (_, i) => ({ eventVersion: '1.09', eventTime: '2026-03-04T05:00:00Z', eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventID: `e-${i}`, requestParameters: { key: 'k'.repeat(200) } }));
    fs.writeFileSync(path.join(evidence, 'trail.json'), JSON.stringify({ Records: records }));
    const home = path.join(scratch, 'home-large');
    const result = spawnSync(process.execPath, [CLI, 'query', evidence, '--where', 'eventName:GetObject', '--no-cache'], { env: { ...process.env, XDG_CACHE_HOME: home }, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 30 });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines.pop(), '', 'the last line is whole');
    assert.equal(lines.length, records.length);
    assert.ok(result.stdout.length > 4_000_000, `${result.stdout.length} bytes`);
    assert.equal(new Set(lines.map((line) => (JSON.parse(line) as { eventID: string }).eventID)).size, records.length);
    // The exit code is the command's, and the code cache is still written on the way out.
    assert.equal(run(['query', evidence, '--where', 'eventName:(', '--no-cache'], home).status, 2);
    assert.equal(codeFiles(home).length, 1);
  });
  it('runs the packages\' bundle (dist/cli-deps.js) only for a command that uses one, with a code cache of its own', () => {
    const home = path.join(scratch, 'home-deps');
    const evidence = path.join(path.dirname(CLI), '..', 'fixtures', 'sample-trail');
    const rules = fs.mkdtempSync(path.join(scratch, 'rules-'));
    // A Sigma rule: js-yaml and re2js, both in the packages' bundle.
    fs.writeFileSync(path.join(rules, 'ok.yml'), 'title: Import key pair\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection: {eventName: ImportKeyPair}\n  condition: selection\nlevel: high\n');
    const stats = run(['stats', evidence, '--json', '--no-cache'], home);
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).events > 0, true);
    // Had it run the packages' bundle, their code cache would be there too.
    assert.deepEqual(codeFiles(home).map((name) => name.replace(/^cli-[0-9a-f]{32}-/, '')), ['stats.v8'], 'stats runs no package');
    const detect = () => run(['detect', evidence, '--rules', rules, '--no-builtin', '--no-cache'], home);
    const first = detect();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^1 finding /);
    assert.match(first.stdout, /\[HIGH\] Import key pair/);
    const written = codeFiles(home).sort();
    const [key] = /^cli-[0-9a-f]{32}-/.exec(written[0])!;
    assert.deepEqual(written.map((name) => name.replace(/\.[0-9a-f]{32}\.v8$/, '.KEY.v8')), [`${key}detect.KEY.v8`, `${key}detect.v8`, `${key}stats.v8`]);
    const times = () => codeFiles(home).map((name) => fs.statSync(path.join(home, 'ctinv', 'code', name)).mtimeMs);
    const before = times();
    const second = detect();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // Both caches were taken as they were: none written again.
    assert.deepEqual(times(), before);
  });
});
