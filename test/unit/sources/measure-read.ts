/**
 * Not a test: measures readEvidenceFile against the floor the benchmark compares with
 * (readFileSync + gunzipSync + JSON.parse per file) over many S3-style .json.gz files of
 * ~125 events each. Run: npx tsc -p . && node out/test/unit/sources/measure-read.js [files]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readEvidenceFile } from '../../../src/core/sources';

const EVENTS_PER_FILE = 125;

function templateEvents(): Record<string, unknown>[] {
  const folder = path.resolve(__dirname, '../../../../../shared/datasets/invictus-aws-dataset/CloudTrail');
  const events: Record<string, unknown>[] = [];
  for (const name of fs.readdirSync(folder)) {
    if (!name.endsWith('.json')) continue;
    events.push(...(JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8')) as { Records: Record<string, unknown>[] }).Records);
  }
  // Smaller records bring a file to the ~60 KB the benchmark describes.
  return events.filter((event) => JSON.stringify(event).length < 700);
}

async function main(): Promise<void> {
  const fileCount = Number(process.argv[2] ?? 2000);
  const templates = templateEvents();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-measure-'));
  const files: string[] = [];
  let decompressedBytes = 0;
  for (let f = 0; f < fileCount; f++) {
    const records = Array.from({ length: EVENTS_PER_FILE }, (_, i) => ({
      ...templates[(f * EVENTS_PER_FILE + i) % templates.length],
      eventID: `${f}-${i}`,
    }));
    const text = JSON.stringify({ Records: records });
    decompressedBytes += text.length;
    const file = path.join(folder, `111122223333_CloudTrail_us-east-1_${f}.json.gz`);
    fs.writeFileSync(file, zlib.gzipSync(text));
    files.push(file);
  }
  const baseline = (): number => {
    let count = 0;
    for (const file of files) count += (JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString()) as { Records: unknown[] }).Records.length;
    return count;
  };
  const ours = async (): Promise<number> => {
    let count = 0;
    for (const file of files) {
      const result = await readEvidenceFile(file, () => {
        count++;
      });
      if (result.problems.length > 0) throw new Error(`${file}: ${result.problems[0].reason}`);
    }
    return count;
  };
  const baselineTimes: number[] = [];
  const ourTimes: number[] = [];
  for (let round = 0; round < 7; round++) {
    let start = process.hrtime.bigint();
    const expected = baseline();
    baselineTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
    start = process.hrtime.bigint();
    const got = await ours();
    ourTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (got !== expected) throw new Error(`count mismatch ${got} != ${expected}`);
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const b = median(baselineTimes);
  const o = median(ourTimes);
  console.log(
    `${fileCount} files x ${EVENTS_PER_FILE} events, ${(decompressedBytes / fileCount / 1024).toFixed(1)} KB decompressed per file\n` +
      `baseline readFileSync+gunzipSync+JSON.parse: ${b.toFixed(0)} ms (median of 7)\n` +
      `readEvidenceFile:                            ${o.toFixed(0)} ms (median of 7)\n` +
      `ratio: ${(o / b).toFixed(3)}`,
  );
  fs.rmSync(folder, { recursive: true, force: true });
}

void main();
