/**
 * The benchmark's trails of real shapes (bench/shapes.ts) are what the benchmark claims they
 * are: the AWSLogs/ delivery layout, a skewed size distribution (median near 30, a tail of
 * thousands, quiet regions in tiny files), the event counts, readable gzip and JSON, and the
 * same bytes for the same seed. Small scales only; nothing here is timed.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GeneratedShape, HOME_REGIONS, ORG_ACCOUNTS, ALL_REGIONS, generateShape, listEvidence, medianOf, skewedSizes, tinySizes, writeShape } from '../../../bench/shapes';
import { random } from '../../../bench/records';

const KEY = /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T(\d{4})Z_([0-9a-f]{16})\.json\.gz$/;
const FLAT_NAME = /^(\d{12})_CloudTrail_([a-z0-9-]+)_\d{8}T\d{4}Z_[0-9a-f]{16}\.json(\.gz)?$/;

type Rec = { recipientAccountId: string; awsRegion: string; eventTime: string; userIdentity: { accessKeyId?: string } };

function records(file: string): Rec[] {
  const raw = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const doc = JSON.parse(text) as { Records?: unknown };
  assert.ok(doc && Array.isArray(doc.Records) && Object.keys(doc).length === 1, `${file} is {"Records":[...]}`);
  return doc.Records as Rec[];
}

function treeDigest(root: string): string {
  const hash = createHash('sha256');
  for (const file of listEvidence(root).sort()) hash.update(path.relative(root, file)).update(fs.readFileSync(file));
  return hash.digest('hex');
}

describe('bench shapes: trails of real shapes', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-shapes-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('plans skewed sizes as issue 13 describes: median about 30, mostly 1-50 events, a few files of thousands', () => {
    for (const events of [300_000, 3_000_000]) {
      const plan = skewedSizes(random(13), events);
      const sizes = plan.map((f) => f.events);
      assert.equal(sizes.reduce((a, b) => a + b, 0), events);
      const median = medianOf(sizes);
      assert.ok(median >= 25 && median <= 35, `median ${median}`);
      const mean = events / sizes.length;
      assert.ok(mean >= 30 && mean <= 45, `mean ${mean}`);
      assert.ok(sizes.filter((n) => n <= 50).length / sizes.length >= 0.65, 'most files hold 1 to 50 events');
      const thousands = sizes.filter((n) => n >= 1000).length;
      assert.equal(thousands, Math.round(events / 75_000), 'one burst file of thousands per 75,000 events');
      assert.ok(thousands / sizes.length < 0.001, 'and only a few');
      assert.ok(plan.filter((f) => f.kind === 'quiet').every((f) => f.events <= 10), 'quiet files hold at most 10 events');
    }
  });

  it('plans 10,000 events in about 6,000 files', () => {
    const sizes = tinySizes(random(13), 10_000).map((f) => f.events);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 10_000);
    assert.ok(sizes.length >= 5500 && sizes.length <= 6500, `${sizes.length} files`);
    assert.equal(medianOf(sizes), 1);
    assert.ok(Math.max(...sizes) <= 10);
  });

  it('writes the skewed trail in the AWSLogs/ layout, every record where its file says, the counts it reports', () => {
    const dir = path.join(tmp, 'skewed');
    const shape = writeShape(dir, 'skewed', 6000, 13);
    assert.equal(shape.root, path.join(dir, 'AWSLogs'));
    const files = listEvidence(shape.root);
    assert.equal(files.length, shape.files);
    assert.equal(shape.gzFiles, shape.files);
    assert.equal(shape.jsonFiles, 0);
    assert.equal(files.reduce((sum, f) => sum + fs.statSync(f).size, 0), shape.bytes);
    const perFile: number[] = [];
    const regions = new Set<string>();
    const accounts = new Set<string>();
    const days = new Set<string>();
    let keyHits = 0;
    for (const file of files) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      const m = KEY.exec(rel);
      assert.ok(m, `${rel} is a CloudTrail delivery key`);
      const [, account, region, year, month, day, nameAccount, nameRegion, stampDay] = m;
      assert.equal(nameAccount, account);
      assert.equal(nameRegion, region);
      assert.equal(stampDay, `${year}${month}${day}`);
      assert.ok(ORG_ACCOUNTS.includes(account) && ALL_REGIONS.includes(region));
      const recs = records(file);
      assert.ok(recs.length >= 1);
      for (const r of recs) {
        assert.equal(r.recipientAccountId, account);
        assert.equal(r.awsRegion, region);
        assert.ok(r.eventTime.startsWith(`${year}-${month}-${day}T`), `${r.eventTime} in ${rel}`);
        if (r.userIdentity.accessKeyId === shape.pivotKey) keyHits++;
      }
      perFile.push(recs.length);
      regions.add(region);
      accounts.add(account);
      days.add(`${year}${month}${day}`);
      const home = HOME_REGIONS[ORG_ACCOUNTS.indexOf(account)];
      if (region !== 'us-east-1' && region !== home) assert.ok(recs.length <= 10, `${rel}: a quiet region's file holds ${recs.length} events`);
    }
    assert.deepEqual([...perFile].sort((a, b) => a - b), [...shape.sizes].sort((a, b) => a - b), 'the files hold the planned sizes');
    assert.equal(perFile.reduce((a, b) => a + b, 0), 6000);
    assert.ok(accounts.size >= 5 && regions.size >= 10 && days.size >= 2, `${accounts.size} accounts, ${regions.size} regions, ${days.size} days`);
    assert.ok(shape.pivotKey.length === 20 && shape.pivotHits >= 1);
    assert.equal(keyHits, shape.pivotHits, 'the pivot key is carried by as many events as reported');
    const tinyShare = perFile.filter((n) => n <= 10).length / perFile.length;
    assert.ok(tinyShare >= 0.25, `quiet regions give tiny files (${tinyShare})`);
  });

  it('writes flat downloads: one folder, .json and .json.gz side by side, CloudTrail names', () => {
    const dir = path.join(tmp, 'flat');
    const shape = writeShape(dir, 'flat', 3000, 13);
    assert.equal(shape.root, path.join(dir, 'downloads'));
    const entries = fs.readdirSync(shape.root, { withFileTypes: true });
    assert.ok(entries.every((e) => e.isFile()), 'no subfolders');
    assert.equal(entries.length, shape.files);
    const names = entries.map((e) => e.name);
    for (const name of names) assert.match(name, FLAT_NAME);
    const json = names.filter((n) => n.endsWith('.json'));
    assert.equal(json.length, shape.jsonFiles);
    assert.ok(shape.jsonFiles > 0 && shape.gzFiles > 0, `${shape.jsonFiles} .json, ${shape.gzFiles} .json.gz`);
    const total = names.reduce((sum, n) => sum + records(path.join(shape.root, n)).length, 0);
    assert.equal(total, 3000);
  });

  it('writes the small-files trail: about 1.7 events a file', () => {
    const shape = writeShape(path.join(tmp, 'small'), 'small', 1000, 13);
    const files = listEvidence(shape.root);
    assert.equal(files.length, shape.files);
    assert.ok(shape.files >= 500 && shape.files <= 700, `${shape.files} files`);
    assert.equal(files.reduce((sum, f) => sum + records(f).length, 0), 1000);
  });

  it('is deterministic for a seed, and another seed gives other data', () => {
    const a = writeShape(path.join(tmp, 'det-a'), 'skewed', 2000, 7);
    const b = writeShape(path.join(tmp, 'det-b'), 'skewed', 2000, 7);
    const c = writeShape(path.join(tmp, 'det-c'), 'skewed', 2000, 8);
    const strip = (s: GeneratedShape) => ({ ...s, root: '' });
    assert.deepEqual(strip(a), strip(b));
    assert.equal(treeDigest(a.root), treeDigest(b.root));
    assert.notEqual(treeDigest(a.root), treeDigest(c.root));
  });

  it('reuses generated data while it is intact, and writes it again when a file is missing', () => {
    const first = generateShape(tmp, 'small', 0.05);
    assert.equal(first.events, 500);
    const marker = path.join(path.dirname(first.root), 'generated.json');
    const written = fs.statSync(marker).mtimeMs;
    const again = generateShape(tmp, 'small', 0.05);
    assert.deepEqual(again, first);
    assert.equal(fs.statSync(marker).mtimeMs, written, 'reused, not written again');
    fs.rmSync(listEvidence(first.root)[0]);
    const repaired = generateShape(tmp, 'small', 0.05);
    assert.equal(listEvidence(repaired.root).length, first.files);
    assert.deepEqual(repaired, first, 'the same seed writes the same trail again');
  });

  it('writes the data again when a file that is not a trail file sits among them', () => {
    const first = generateShape(tmp, 'small', 0.04);
    const folder = path.dirname(listEvidence(first.root)[0]);
    // What a profiled run leaves in its working folder: the CLI would read it, the baselines would not.
    const stray = path.join(folder, 'isolate-0x7ff368000f00-14041-v8.log');
    fs.writeFileSync(stray, 'v8-version,11,3,244,8,-node.38,0\n');
    const rewritten = generateShape(tmp, 'small', 0.04);
    assert.equal(fs.existsSync(stray), false, 'the stray file is gone with the old data');
    assert.deepEqual(rewritten, first, 'the same seed writes the same trail again');
    assert.equal(listEvidence(rewritten.root).length, first.files);
  });
});
