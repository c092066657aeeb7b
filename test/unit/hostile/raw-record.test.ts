/**
 * What `query` (ndjson) prints and `export` writes for each record: its own text from the file,
 * whatever the reader did with the file (parsed whole, scanned, gzip, JSON lines), and the event
 * as compact JSON when it sat inside a wrapper.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { runCli } from '../run-cli';

function record(i: number, extra = ''): string {
  // Spacing, key order, a number spelled 1.50 and an escaped slash: what re-serialising would change.
  return `{ "eventVersion":"1.09" , "eventTime": "2026-03-04T05:00:0${i}Z", "eventSource": "s3.amazonaws.com",\n    "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.${i}",\n    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user\\/alice"},\n    "eventID": "same-id", "additionalEventData": {"bytes": 1.50}${extra} }`;
}

const oneLine = (text: string) => text.replace(/\n/g, '');

describe('hostile/raw-record: ndjson and exports carry each record’s own text', () => {
  let dir: string;
  let out: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-raw-'));
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-raw-out-'));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  });

  async function query(folder: string): Promise<string[]> {
    const { code, stdout, stderr } = await runCli(['query', folder, '--no-cache', '--workers', '1']);
    assert.equal(code, 0, stderr);
    return stdout.split('\n').slice(0, -1);
  }

  it('a small pretty-printed trail file (parsed whole), records sharing an eventID told apart', async () => {
    const folder = path.join(dir, 'small');
    await fs.mkdir(folder);
    const records = [record(1), record(2), record(3)];
    await fs.writeFile(path.join(folder, 'trail.json'), `{\n  "Records": [\n    ${records.join(',\n    ')}\n  ]\n}\n`);
    assert.deepEqual(await query(folder), records.map(oneLine));
  });

  it('a gzip trail file, and JSON lines', async () => {
    const folder = path.join(dir, 'gz');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'trail.json.gz'), zlib.gzipSync(`{"Records":[${record(1)},${record(2)}]}`));
    await fs.writeFile(path.join(folder, 'lines.jsonl'), `${oneLine(record(3))}\r\n${oneLine(record(4))}\n`);
    assert.deepEqual((await query(folder)).sort(), [record(1), record(2), record(3), record(4)].map(oneLine).sort());
  });

  it('an event inside a wrapper (LookupEvents) as compact JSON, and the same lines in an export', async () => {
    const folder = path.join(dir, 'lookup');
    await fs.mkdir(folder);
    const event = JSON.parse(record(5)) as unknown;
    await fs.writeFile(path.join(folder, 'lookup.json'), JSON.stringify({ Events: [{ EventId: 'same-id', EventName: 'GetObject', CloudTrailEvent: JSON.stringify(event) }] }));
    assert.deepEqual(await query(folder), [JSON.stringify(event)]);

    const { code, stderr } = await runCli(['export', path.join(dir, 'small'), folder, '--out', out, '--no-cache', '--workers', '1']);
    assert.equal(code, 0, stderr);
    const [exported] = await fs.readdir(out);
    const lines = (await fs.readFile(path.join(out, exported, 'events.jsonl'), 'utf8')).split('\n').slice(1, -1);
    assert.deepEqual(lines, [record(1), record(2), record(3)].map(oneLine).concat(JSON.stringify(event)));
  });
});
