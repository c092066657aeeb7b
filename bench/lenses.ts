/**
 * Lens placement on a 50 MB Records file: how long the cached scan that places code lenses
 * takes (the work provideCodeLenses does once per document version), with the default caps
 * (cloudtrail.lenses.maxPerDocument 500, maxPerValue 3) and with no caps (a full pass over
 * every value in the file). Measured here, never asserted in a test.
 *
 * Usage: npx tsc -p . && node out/bench/lenses.js [--mb 50] [--write FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { holdsCloudTrailEvents, LENS_KINDS, scanValues } from '../src/extension/lenses/scan';

export function sampleRecords(): Record<string, unknown>[] {
  // out/bench/lenses.js and out/test/... both sit two levels below the repository root.
  const root = path.join(__dirname, '..', '..', 'fixtures', 'sample-trail', 'AWSLogs');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json.gz') && f.includes(`CloudTrail${path.sep}`));
  return files.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(path.join(root, f))).toString('utf8')) as { Records: Record<string, unknown>[] }).Records);
}

/** Sample events repeated with varied IPs and keys until the file reaches `bytes`. */
export function recordsFile(bytes: number, pretty: boolean): string {
  const templates = sampleRecords();
  const records: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const event = structuredClone(templates[i % templates.length]) as Record<string, unknown> & { userIdentity?: Record<string, unknown> };
    event.eventID = `bench-${i}`;
    event.sourceIPAddress = `198.51.100.${i % 250}`;
    if (event.userIdentity?.accessKeyId) event.userIdentity.accessKeyId = `ASIABENCH${String(i % 5000).padStart(11, '0')}`;
    const text = pretty ? JSON.stringify(event, null, 2).replace(/\n/g, '\n    ') : JSON.stringify(event);
    records.push(text);
    size += text.length + 2;
  }
  return pretty ? `{\n  "Records": [\n    ${records.join(',\n    ')}\n  ]\n}\n` : `{"Records":[${records.join(',')}]}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, text: string, maxSites: number, maxPerValue: number): void {
  const runs: number[] = [];
  let sites = 0;
  let truncated = false;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const holds = holdsCloudTrailEvents(text);
    const result = scanValues(text, { kinds: new Set(LENS_KINDS), maxSites, maxPerValue });
    runs.push(performance.now() - started);
    if (!holds) throw new Error('the generated file was not recognised as CloudTrail');
    sites = result.sites.length;
    truncated = result.truncated;
  }
  const mb = (text.length / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `${label.padEnd(44)} ${mb} MB  ${sites} lenses${truncated ? ' (capped)' : ''}  median ${median(runs).toFixed(1)} ms  (runs: ${runs.map((r) => r.toFixed(0)).join(', ')})\n`,
  );
}

function main(): void {
  const argv = process.argv.slice(2);
  const mbArg = argv.indexOf('--mb');
  const megabytes = mbArg >= 0 ? Number(argv[mbArg + 1]) : 50;
  const writeArg = argv.indexOf('--write');
  const bytes = megabytes * 1024 * 1024;
  process.stdout.write(`lens placement on a ${megabytes} MB Records file (node ${process.version})\n`);
  for (const pretty of [false, true]) {
    const text = recordsFile(bytes, pretty);
    if (writeArg >= 0 && pretty) writeFileSync(argv[writeArg + 1], text);
    const form = pretty ? 'pretty-printed' : 'minified (as S3 delivers)';
    measure(`${form}, default caps (500, 3 per value)`, text, 500, 3);
    measure(`${form}, 3 per value, no document cap`, text, Number.MAX_SAFE_INTEGER, 3);
    measure(`${form}, no caps (every value)`, text, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }
}

if (require.main === module) main();
