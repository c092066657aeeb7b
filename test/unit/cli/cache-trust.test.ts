// The CLI never answers from an index that does not match the evidence, and never writes into
// the evidence, not even through a symbolic link (issue 12, sections 2 and 4).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realPathOf } from '../../../src/core/sources/evidence-guard';
import { runCli } from '../run-cli';
import { editKeepingSizeAndTimes, forgeCacheForCurrentEvidence } from '../engine/cache-helpers';

function event(i: number, eventName: string): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: `2026-03-04T05:0${i}:00Z`,
    eventSource: 's3.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${i}`,
    userAgent: 'aws-cli/2.15.0',
    eventID: `00000000-0000-4000-8000-00000000000${i}`,
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
  };
}

/** Every path under `folder` with its size and times: evidence must come out of a run exactly as it went in. */
async function snapshot(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(folder, { recursive: true })).sort()) {
    const stat = await fs.lstat(path.join(folder, name));
    out.push(`${name} ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs}`);
  }
  return out;
}

describe('ctinv: the cache answers only for the evidence as it is', function () {
  let root: string;
  let evidence: string;
  let cacheDir: string;
  let out: string;
  const load = () => ['--cache-dir', cacheDir, '--workers', '0'];

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-cache-trust-'));
    evidence = path.join(root, 'ev');
    cacheDir = path.join(root, 'cache');
    out = path.join(root, 'out');
    await fs.mkdir(evidence);
    const file = path.join(evidence, 'trail.json');
    await fs.writeFile(file, JSON.stringify({ Records: [event(1, 'GetObject'), event(2, 'GetObject'), event(3, 'GetObject'), event(4, 'PutObject')] }));
    const whole = new Date(Date.UTC(2026, 2, 4, 6, 0, 0));
    await fs.utimes(file, whole, whole);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const editSecondEvent = () => editKeepingSizeAndTimes(path.join(evidence, 'trail.json'), '"eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.2"', '"eventName":"DelObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.2"');

  async function queryNames(...more: string[]): Promise<{ names: string[]; stderr: string; code: number }> {
    const { code, stdout, stderr } = await runCli(['query', evidence, '--where', 'eventName=GetObject', ...load(), ...more]);
    const names = stdout.trim() ? stdout.trim().split('\n').map((line) => String((JSON.parse(line) as { eventName: unknown }).eventName)) : [];
    return { names, stderr, code };
  }

  async function topNames(...more: string[]): Promise<{ rows: { value: string; count: number }[]; stderr: string }> {
    const { code, stdout, stderr } = await runCli(['top', 'eventName', evidence, '--json', ...load(), ...more]);
    assert.equal(code, 0, stderr);
    return { rows: (JSON.parse(stdout) as { value: string; count: number }[]).map(({ value, count }) => ({ value, count })), stderr };
  }

  it('a same-size edit with the modification time put back: query, top and export answer for the new content', async () => {
    assert.deepEqual((await queryNames()).names, ['GetObject', 'GetObject', 'GetObject']);
    await editSecondEvent();
    const query = await queryNames();
    assert.equal(query.code, 0, query.stderr);
    assert.deepEqual(query.names, ['GetObject', 'GetObject'], 'the edited record is not printed as a match');
    assert.deepEqual((await topNames()).rows, [
      { value: 'GetObject', count: 2 },
      { value: 'DelObject', count: 1 },
      { value: 'PutObject', count: 1 },
    ]);
    const exported = await runCli(['export', evidence, '--where', 'eventName=GetObject', '--out', out, '--json', ...load()]);
    assert.equal(exported.code, 0, exported.stderr);
    const folder = (JSON.parse(exported.stdout) as { folder: string }).folder;
    const lines = (await fs.readFile(path.join(folder, 'events.jsonl'), 'utf8')).trim().split('\n').slice(1);
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { eventName: string }).eventName), ['GetObject', 'GetObject']);
  });

  it('a cache that claims the current evidence but holds the old index: query detects it, rebuilds and answers correctly', async () => {
    await queryNames();
    await editSecondEvent();
    await forgeCacheForCurrentEvidence(cacheDir, evidence);
    const query = await queryNames();
    assert.equal(query.code, 0, query.stderr);
    assert.deepEqual(query.names, ['GetObject', 'GetObject'], 'no stale mix: DelObject is not printed as a GetObject');
    assert.match(query.stderr, /note: .*trail\.json: the record .* no longer matches the index \(its eventName changed.*reading the evidence again/);
    assert.equal((await queryNames()).stderr, '2 matching events\n', 'the rebuilt cache is used from then on, silently');
  });

  it('a cache that claims the current evidence but holds the old index: export detects it, rebuilds and writes only consistent records', async () => {
    await queryNames();
    await editSecondEvent();
    await forgeCacheForCurrentEvidence(cacheDir, evidence);
    const exported = await runCli(['export', evidence, '--where', 'eventName=GetObject', '--out', out, '--json', ...load()]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /no longer matches the index/);
    const folder = (JSON.parse(exported.stdout) as { folder: string }).folder;
    assert.deepEqual(await fs.readdir(out), [path.basename(folder)], 'one export folder: the abandoned one was removed');
    const lines = (await fs.readFile(path.join(folder, 'events.jsonl'), 'utf8')).trim().split('\n');
    assert.equal((JSON.parse(lines[0]) as { _provenance: { eventCount: number } })._provenance.eventCount, 2);
    assert.deepEqual(lines.slice(1).map((l) => (JSON.parse(l) as { eventName: string }).eventName), ['GetObject', 'GetObject']);
  });

  it('--verify re-hashes the files before trusting a cache: top counts the new content', async () => {
    await topNames('--verify');
    await editSecondEvent();
    await forgeCacheForCurrentEvidence(cacheDir, evidence);
    const verified = await topNames('--verify');
    assert.match(verified.stderr, /note: verify: .*trail\.json changed since it was indexed/);
    assert.deepEqual(verified.rows, [
      { value: 'GetObject', count: 2 },
      { value: 'DelObject', count: 1 },
      { value: 'PutObject', count: 1 },
    ]);
  });

  it('a cache file copied from another folder is refused with a note', async () => {
    const other = path.join(root, 'other');
    await fs.mkdir(other);
    await fs.writeFile(path.join(other, 'trail.json'), JSON.stringify({ Records: [event(5, 'StopLogging')] }));
    await topNames();
    const [ours] = await fs.readdir(cacheDir);
    await runCli(['top', 'eventName', other, '--json', ...load()]);
    const theirs = (await fs.readdir(cacheDir)).find((n) => n !== ours)!;
    await fs.copyFile(path.join(cacheDir, ours), path.join(cacheDir, theirs));
    const { code, stdout, stderr } = await runCli(['top', 'eventName', other, '--json', ...load()]);
    assert.equal(code, 0, stderr);
    assert.deepEqual((JSON.parse(stdout) as { value: string }[]).map((r) => r.value), ['StopLogging']);
    assert.match(stderr, /note: the index cache .* was written for other evidence/);
  });
});

describe('ctinv: nothing is written into the evidence, not even through a link', function () {
  let root: string;
  let evidence: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-guard-'));
    evidence = path.join(root, 'ev');
    await fs.mkdir(evidence);
    await fs.writeFile(path.join(evidence, 'trail.json'), JSON.stringify({ Records: [event(1, 'GetObject')] }));
    await fs.symlink(evidence, path.join(root, 'sneaky'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const sneaky = () => path.join(root, 'sneaky');

  for (const [label, target] of [
    ['a link to the evidence', () => sneaky()],
    ['a folder inside it through the link', () => path.join(sneaky(), 'exports')],
    ['a not-yet-existing folder below a link', () => path.join(sneaky(), 'new', 'deeper')],
    // Not normalised as text: `mkdir -p` creates "elsewhere", comes back up and goes through the link.
    ['a path through a missing folder, .. and the link', () => `${root}${path.sep}elsewhere${path.sep}..${path.sep}sneaky${path.sep}x`],
  ] as const) {
    it(`export --out ${label} is refused, naming both paths; nothing is created`, async () => {
      const before = await snapshot(evidence);
      const outDir = target();
      const { code, stderr } = await runCli(['export', evidence, '--out', outDir, '--no-cache', '--workers', '0']);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /--out .* is inside the evidence .*, which is kept read-only/);
      assert.ok(stderr.includes(outDir) && stderr.includes(evidence), stderr);
      assert.deepEqual(await snapshot(evidence), before);
    });
  }

  it('--cache-dir through a link into the evidence is refused, naming both paths; nothing is created', async () => {
    const before = await snapshot(evidence);
    for (const dir of [path.join(sneaky(), 'cache'), path.join(sneaky(), 'a', 'b')]) {
      const { code, stderr } = await runCli(['stats', evidence, '--cache-dir', dir, '--workers', '0']);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /--cache-dir .* is inside the evidence/);
      assert.ok(stderr.includes(dir) && stderr.includes(evidence), stderr);
    }
    assert.deepEqual(await snapshot(evidence), before);
  });

  it('a load, query and export leave the evidence exactly as it was', async () => {
    const before = await snapshot(evidence);
    const cache = ['--cache-dir', path.join(root, 'cache'), '--workers', '0'];
    assert.equal((await runCli(['query', evidence, ...cache])).code, 0);
    assert.equal((await runCli(['query', evidence, '--verify', ...cache])).code, 0);
    assert.equal((await runCli(['export', evidence, '--out', path.join(root, 'out'), ...cache])).code, 0);
    assert.deepEqual(await snapshot(evidence), before);
  });

  it('realPathOf resolves every link, also below and above folders that do not exist yet', async () => {
    const real = await fs.realpath(evidence);
    assert.equal(realPathOf(sneaky()), real);
    assert.equal(realPathOf(path.join(sneaky(), 'new', 'deeper')), path.join(real, 'new', 'deeper'));
    // The system resolves "link/.." from where the link leads, not by crossing out text.
    const nested = path.join(root, 'nested');
    await fs.mkdir(path.join(nested, 'inner'), { recursive: true });
    await fs.symlink(path.join(nested, 'inner'), path.join(root, 'to-inner'));
    assert.equal(realPathOf(`${path.join(root, 'to-inner')}${path.sep}..${path.sep}x`), path.join(await fs.realpath(nested), 'x'));
    assert.equal(realPathOf(`${path.join(root, 'missing')}${path.sep}..${path.sep}ev`), real);
    assert.equal(realPathOf(`${path.join(root, 'missing')}${path.sep}..${path.sep}sneaky${path.sep}new`), path.join(real, 'new'));
  });
});
