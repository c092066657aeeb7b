/**
 * One event whose requestParameters nest 10,000 and 100,000 levels deep: every command still
 * answers; `query` (ndjson) prints, and `export` writes, each record's own bytes from the file
 * (pretty-printed records on one line), neither re-serialised nor dropped.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../run-cli';

function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}[1, 2.50, "x\\u0041"]${'}'.repeat(depth)}`;
}

/** Record texts as a file would hold them: odd spacing, a number spelled 2.50, an escape, one record over several lines. */
function recordText(i: number, requestParameters: string): string {
  return [
    `{"eventVersion": "1.09", "eventTime": "2026-03-04T05:00:0${i}Z", "eventSource": "s3.amazonaws.com",`,
    `  "eventName": "PutBucketAcl", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "ua\\u002f${i}",`,
    `  "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accessKeyId": "AKIAALICEEXAMPLE0001"},`,
    `  "eventID": "id-${i}", "requestParameters": ${requestParameters}}`,
  ].join('\r\n');
}

async function ctinv(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...argv, '--no-cache', '--workers', '1']);
}

for (const depth of [10_000, 100_000]) {
  describe(`hostile/deep-nesting: an event nested ${depth.toLocaleString('en-US')} levels deep`, () => {
    let dir: string;
    let out: string;
    const texts = [recordText(0, '{"bucketName": "b"}'), recordText(1, deep(depth)), recordText(2, '{"bucketName": "c"}')];
    /** What ndjson output and events.jsonl hold for each: the file's bytes without the line breaks. */
    const lines = texts.map((t) => t.replace(/\r\n/g, ''));

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-deep-'));
      out = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-deep-out-'));
      await fs.writeFile(path.join(dir, 'trail.json'), `{"Records": [\r\n${texts.join(',\r\n')}\r\n]}`);
    });

    after(async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(out, { recursive: true, force: true });
    });

    it('query prints every record, the deep one included, as its own bytes on one line', async () => {
      const { code, stdout, stderr } = await ctinv(['query', dir]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, lines.join('\n') + '\n');
      const only = await ctinv(['query', dir, '--where', 'eventId:id-1']);
      assert.equal(only.stdout, lines[1] + '\n');
    });

    it('export writes it to events.jsonl and events.csv, skipping nothing', async () => {
      const { code, stderr } = await ctinv(['export', dir, '--out', out]);
      assert.equal(code, 0, stderr);
      const [folder] = await fs.readdir(out);
      const jsonl = (await fs.readFile(path.join(out, folder, 'events.jsonl'), 'utf8')).split('\n');
      assert.deepEqual(jsonl.slice(1, -1), lines);
      const manifest = JSON.parse(await fs.readFile(path.join(out, folder, 'manifest.json'), 'utf8')) as { eventsWritten: number; skipped: unknown[] };
      assert.equal(manifest.eventsWritten, 3);
      assert.deepEqual(manifest.skipped, []);
      const csv = await fs.readFile(path.join(out, folder, 'events.csv'), 'utf8');
      assert.ok(csv.includes('{""a"":{""a"":'), 'the deep requestParameters are in the CSV as compact JSON');
    });

    it('stats, top, table, detect and lineage answer', async () => {
      for (const argv of [['stats', dir], ['top', 'principal', dir], ['query', dir, '--format', 'table'], ['query', dir, '--format', 'csv'], ['detect', dir], ['lineage', 'AKIAALICEEXAMPLE0001', dir]]) {
        const { code, stderr } = await ctinv(argv);
        assert.ok(code === 0 || (argv[0] === 'lineage' && code === 1), `${argv[0]}: exit ${code}: ${stderr}`);
        assert.ok(!/stack size|failed and was stopped/.test(stderr), `${argv[0]}: ${stderr}`);
      }
    });
  });
}
