/**
 * Live-source benchmark: fetch 5,000 events spread over 4 regions from the local CloudTrail
 * server, which enforces the real budget of 2 LookupEvents requests per second per region
 * (burst 2). The ideal wall time is what that budget allows for the pages each region needs:
 * (pages per region − burst) / rate, regions in parallel. Prints the measured time, the
 * ideal computed in the same run, the ratio (target ≤ 1.10), throttle retries and the
 * errors a user would see (must be 0).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AwsClientFactory } from '../src/core/aws/clients';
import { fetchLookupEvents } from '../src/core/aws/lookup';
import { resetSharedBuckets } from '../src/core/aws/rateLimiter';
import { TEST_KEYS, TEST_SECRET } from '../test/servers/awsJson';
import { CloudTrailServer } from '../test/servers/cloudtrailServer';
import { synthEvents } from '../test/servers/synth';

const EVENTS = 5000;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const PAGE = 50;
const SERVER_RPS = 2;
const SERVER_BURST = 2;

export async function runLiveFetchBenchmark(): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-bench-live-'));
  const files = { configFile: path.join(dir, 'config'), credentialsFile: path.join(dir, 'credentials') };
  await fs.writeFile(files.credentialsFile, `[bench]\naws_access_key_id = ${TEST_KEYS.ok}\naws_secret_access_key = ${TEST_SECRET}\n`);
  await fs.writeFile(files.configFile, '[profile bench]\nregion = us-east-1\n');
  // Inside the 90 days LookupEvents keeps (the local server enforces them as AWS does).
  const start = Math.floor(Date.now() / 86400_000) * 86400_000 - 30 * 86400_000;
  const end = start + 7 * 86400_000;
  const server = new CloudTrailServer({ rps: SERVER_RPS, burst: SERVER_BURST });
  server.addEvents(synthEvents({ count: EVENTS, regions: REGIONS, start, end, seed: 2026 }));
  await server.start();
  const factory = new AwsClientFactory({ profile: 'bench', files, endpoints: { cloudtrail: server.endpoint } });
  resetSharedBuckets();
  try {
    let received = 0;
    let maxPagesAtOnce = 0;
    const summary = await fetchLookupEvents({
      factory,
      regions: REGIONS,
      start,
      end,
      settleMs: 0,
      pageSize: PAGE,
      onEvents: (events) => {
        received += events.length;
        maxPagesAtOnce = Math.max(maxPagesAtOnce, events.length);
      },
    });
    // Pages each region needs at best (full pages), from the events the server holds for it.
    const pagesPerRegion = REGIONS.map((r) => Math.max(1, Math.ceil(summary.regions.find((s) => s.region === r)!.events / PAGE)));
    const idealMs = (Math.max(0, Math.max(...pagesPerRegion) - SERVER_BURST) / SERVER_RPS) * 1000;
    const ratio = summary.elapsedMs / idealMs;
    const throttled = server.count('LookupEvents', 'ThrottlingException');
    return [
      `live: LookupEvents ${received} events / ${summary.pages} pages over ${REGIONS.length} regions (server: ${SERVER_RPS} req/s per region, burst ${SERVER_BURST}, ${PAGE} events per page)`,
      `live: wall ${(summary.elapsedMs / 1000).toFixed(2)} s, ideal ${(idealMs / 1000).toFixed(2)} s, ratio ${ratio.toFixed(3)} (target <= 1.10) ${ratio <= 1.1 ? 'OK' : 'OVER'}`,
      `live: throttling answers from the server ${throttled}, retried ${summary.throttleRetries}; other retries ${summary.transientRetries}; user-visible errors ${summary.errors.length}`,
      ...(received === EVENTS ? [] : [`live: MISSING EVENTS: received ${received} of ${EVENTS}`]),
      ...summary.errors.map((e) => `live: error: ${e}`),
    ];
  } finally {
    factory.dispose();
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runLiveFetchBenchmark().then(
    (lines) => {
      for (const line of lines) console.log(line);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
