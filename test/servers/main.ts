/**
 * Starts the local AWS servers for trying live sources by hand:
 *
 *   npx tsc -p . && node out/test/servers/main.js [--events 2000]
 *
 * Prints the endpoints, a temp AWS profile (`ctinv-local`) and the settings that point the
 * extension at them. Ctrl-C stops everything. Loopback only.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AthenaServer } from './athenaServer';
import { TEST_ACCOUNT, TEST_KEYS, TEST_SECRET } from './awsJson';
import { CloudTrailServer } from './cloudtrailServer';
import { LocalS3Server } from './s3Server';
import { synthEvents } from './synth';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--events');
  const count = at > 0 ? Number(process.argv[at + 1]) : 2000;
  if (!Number.isInteger(count) || count < 0) throw new Error('--events takes a whole number');
  const end = Date.now();
  const start = end - 7 * 86400_000;
  const regions = ['us-east-1', 'eu-west-1'];
  const events = synthEvents({ count, regions, start, end, seed: Date.now() % 100000 });

  const cloudtrail = new CloudTrailServer({ lake: () => ({ rows: events.slice(0, 100).map((e) => ({ eventID: String(e.eventID), eventTime: String(e.eventTime), eventName: String(e.eventName) })), bytesScanned: 4096 }) });
  cloudtrail.addEvents(events);
  const athena = new AthenaServer(() => ({
    columns: ['eventid', 'eventtime', 'eventname', 'awsregion'],
    rows: events.slice(0, 200).map((e) => [String(e.eventID), String(e.eventTime), String(e.eventName), String(e.awsRegion)]),
    bytesScanned: 1_048_576,
  }));
  const s3 = new LocalS3Server(['trail-bucket']);
  await Promise.all([cloudtrail.start(), athena.start(), s3.start()]);

  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET } });
  for (const region of regions) {
    const mine = events.filter((e) => e.awsRegion === region);
    const day = new Date(end).toISOString().slice(0, 10).replace(/-/g, '/');
    const key = `AWSLogs/${TEST_ACCOUNT}/CloudTrail/${region}/${day}/${TEST_ACCOUNT}_CloudTrail_${region}_local.json`;
    await client.send(new PutObjectCommand({ Bucket: 'trail-bucket', Key: key, Body: JSON.stringify({ Records: mine }) }));
  }
  client.destroy();

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-local-aws-'));
  const credentialsFile = path.join(dir, 'credentials');
  await fs.writeFile(credentialsFile, `[ctinv-local]\naws_access_key_id = ${TEST_KEYS.ok}\naws_secret_access_key = ${TEST_SECRET}\n`);
  console.log(`CloudTrail ${cloudtrail.endpoint}  Athena ${athena.endpoint}  S3 ${s3.endpoint} (bucket trail-bucket)`);
  console.log(`${events.length} events over ${regions.join(', ')}, last 7 days; 2 LookupEvents requests per second per region.`);
  console.log(`Start VS Code with AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} and these settings:`);
  console.log(
    JSON.stringify(
      {
        'cloudtrail.aws.profile': 'ctinv-local',
        'cloudtrail.aws.regions': regions,
        'cloudtrail.endpoints.cloudtrail': cloudtrail.endpoint,
        'cloudtrail.endpoints.athena': athena.endpoint,
        'cloudtrail.endpoints.s3': s3.endpoint,
        'cloudtrail.athena.database': 'security',
        'cloudtrail.athena.table': 'cloudtrail_logs',
        'cloudtrail.athena.outputLocation': 's3://query-results/',
        'cloudtrail.lake.eventDataStore': 'EXAMPLE-local-store',
      },
      null,
      2,
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all([cloudtrail.stop(), athena.stop(), s3.stop()]);
    await fs.rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
