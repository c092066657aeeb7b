import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { AwsClientFactory } from '../../../src/core/aws/clients';
import { CloudTrailRecord, LookupSummary, fetchLookupEvents, LookupFetchOptions } from '../../../src/core/aws/lookup';
import { resetSharedBuckets } from '../../../src/core/aws/rateLimiter';
import { FetchedWindows } from '../../../src/core/aws/windows';
import { CloudTrailServer } from '../../servers/cloudtrailServer';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { synthEvents } from '../../servers/synth';
import { TempAws, tempAws, tmpDir } from './helpers';

const HOUR = 3600_000;
// Inside LookupEvents' 90 days, which the server enforces as AWS does.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 30 * 24 * HOUR;
const DAY = 24 * HOUR;
const FAST_RETRY = { maxThrottleRetries: 30, maxTransientRetries: 4, baseDelayMs: 40, maxDelayMs: 400 };

describe('aws/lookup: LookupEvents through the real SDK against the local CloudTrail server', function () {
  let aws: TempAws;
  let server: CloudTrailServer;
  let factory: AwsClientFactory;
  const events = synthEvents({ count: 240, regions: ['us-east-1', 'eu-west-1'], start: T0, end: T0 + 10 * HOUR, seed: 7 });
  const insights = synthEvents({ count: 30, regions: ['us-east-1'], start: T0, end: T0 + 10 * HOUR, seed: 9, insightFraction: 1 });

  beforeEach(async () => {
    resetSharedBuckets();
    aws = await tempAws();
    // A fast server budget keeps the suite quick; the throttling test uses the real 2 rps.
    server = new CloudTrailServer({ rps: 1000, burst: 1000 });
    server.addEvents(events);
    server.addEvents(insights);
    await server.start();
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
  });

  afterEach(async () => {
    factory.dispose();
    await server.stop();
    await aws.cleanup();
  });

  function collect(overrides: Partial<LookupFetchOptions> = {}): Promise<{ summary: LookupSummary; got: CloudTrailRecord[] }> {
    const got: CloudTrailRecord[] = [];
    return fetchLookupEvents({
      factory,
      regions: ['us-east-1', 'eu-west-1'],
      start: T0,
      end: T0 + 10 * HOUR,
      settleMs: 0,
      rateLimit: { rps: 1000, burst: 1000, marginMs: 0 },
      retry: FAST_RETRY,
      onEvents: (batch) => {
        got.push(...batch);
      },
      ...overrides,
    }).then((summary) => ({ summary, got }));
  }

  it('pages through every event of every region, newest first, repeating the first page parameters', async () => {
    const { summary, got } = await collect();
    assert.equal(summary.errors.length, 0, summary.errors.join('\n'));
    assert.equal(got.length, 240);
    assert.equal(new Set(got.map((e) => e.eventID)).size, 240);
    assert.equal(summary.pages, 6); // 120 events per region / 50 per page
    for (const region of ['us-east-1', 'eu-west-1']) {
      const bodies = server.requests.filter((r) => r.operation === 'LookupEvents' && r.region === region).map((r) => r.body);
      assert.equal(bodies.length, 3);
      const withoutToken = bodies.map(({ NextToken, ...rest }) => JSON.stringify(rest));
      assert.ok(withoutToken.every((b) => b === withoutToken[0]), 'every page repeats the first page parameters');
      assert.equal(bodies[0].NextToken, undefined);
      assert.ok(bodies.slice(1).every((b) => typeof b.NextToken === 'string'));
      const times = got.filter((e) => e.awsRegion === region).map((e) => Date.parse(String(e.eventTime)));
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
    }
    // Each event delivered is the parsed CloudTrailEvent, the raw record itself.
    const sample = events.find((e) => e.eventID === got[0].eventID);
    assert.deepEqual(got[0], JSON.parse(JSON.stringify(sample)));
    assert.equal(summary.account, '111122223333');
  });

  it('hands events over page by page while fetching, with progress and an estimate', async () => {
    const pages: Array<{ region: string; page: number; n: number }> = [];
    const fractions: number[] = [];
    const { summary } = await collect({
      pageSize: 40,
      onEvents: (batch, info) => {
        pages.push({ ...info, n: batch.length });
      },
      onProgress: (p) => fractions.push(p.fraction),
    });
    assert.equal(summary.pages, 6);
    for (const region of ['us-east-1', 'eu-west-1']) {
      assert.deepEqual(
        pages.filter((p) => p.region === region).map((p) => [p.page, p.n]),
        [
          [1, 40],
          [2, 40],
          [3, 40],
        ],
      );
    }
    assert.ok(fractions.length >= 6);
    assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), 'the estimate only grows');
    assert.equal(fractions[fractions.length - 1], 1);
  });

  it('an index that refuses a page stops that region with a clear message, not an AWS error', async () => {
    const { summary } = await collect({
      regions: ['us-east-1'],
      onEvents: () => {
        throw new Error('disk full');
      },
    });
    assert.equal(summary.regions[0].status, 'failed');
    assert.match(summary.errors[0], /Events fetched from us-east-1 could not be added: disk full/);
    assert.equal(summary.regions[0].recorded.length, 0, 'nothing recorded as fetched past what was added');
  });

  it('refuses bad input with a message naming it', async () => {
    await assert.rejects(collect({ regions: ['us-east-1', 'not a region'] }), /'not a region' is not a region name/);
    await assert.rejects(collect({ start: T0, end: T0 }), /time range is empty/);
    await assert.rejects(collect({ pageSize: 51 }), /pageSize must be 1\.\.50/);
    assert.equal(server.requests.length, 0);
  });

  it('sends the most selective filter term to the API and reports the rest as local', async () => {
    const user = events[0].userIdentity as Record<string, string>;
    const { summary, got } = await collect({
      terms: [
        { field: 'eventSource', value: 's3.amazonaws.com' },
        { field: 'accessKey', value: user.accessKeyId },
        { field: 'eventName', value: 'Get*' },
      ],
    });
    assert.deepEqual(summary.plan.server, { AttributeKey: 'AccessKeyId', AttributeValue: user.accessKeyId });
    assert.deepEqual(summary.plan.local.map((t) => t.field), ['eventSource', 'eventName']);
    const body = server.requests.find((r) => r.operation === 'LookupEvents')!.body;
    assert.deepEqual(body.LookupAttributes, [{ AttributeKey: 'AccessKeyId', AttributeValue: user.accessKeyId }]);
    const expected = events.filter((e) => (e.userIdentity as Record<string, string>).accessKeyId === user.accessKeyId);
    assert.equal(got.length, expected.length);
  });

  it('retries ThrottlingException out of sight: all events arrive and the summary shows no error', async function () {
    await server.stop();
    // The real budget (2 per second, burst 2) on a virtual clock that moves 100 ms per request:
    // which requests are throttled depends on their order only, never on the machine's speed.
    let virtualMs = 0;
    server = new CloudTrailServer({ rps: 2, burst: 2, clock: () => (virtualMs += 100) });
    server.addEvents(events);
    await server.start();
    factory.dispose();
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    // A client limiter far above the server's 2 rps forces real throttling answers.
    const { summary, got } = await collect({ regions: ['us-east-1'], rateLimit: { rps: 20, burst: 4, marginMs: 0 }, pageSize: 20, retry: { ...FAST_RETRY, baseDelayMs: 4, maxDelayMs: 40 } });
    assert.equal(got.length, 120);
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.regions[0].status, 'done');
    assert.ok(server.count('LookupEvents', 'ThrottlingException') > 0, 'the server did throttle');
    assert.equal(summary.throttleRetries, server.count('LookupEvents', 'ThrottlingException'));
  });

  it('recovers from a connection dropped mid-response', async () => {
    server.dropNextResponses(1);
    const { summary, got } = await collect({ regions: ['us-east-1'] });
    assert.deepEqual(summary.errors, []);
    assert.equal(got.length, 120);
    assert.equal(summary.transientRetries, 1);
    assert.equal(server.count('LookupEvents', 'DroppedConnection'), 1);
  });

  it('reports clearly when the connection keeps dropping, keeping the pages that arrived', async () => {
    const kept: CloudTrailRecord[] = [];
    const { summary } = await collect({
      regions: ['us-east-1'],
      pageSize: 50,
      onEvents: (batch) => {
        kept.push(...batch);
        server.dropNextResponses(10);
      },
    });
    assert.equal(kept.length, 50);
    assert.equal(summary.regions[0].status, 'failed');
    assert.equal(summary.regions[0].errorKind, 'network');
    assert.match(summary.errors[0], /connection to AWS failed during LookupEvents in us-east-1/);
  });

  it('cancel keeps what arrived; the next fetch asks only for the window still missing', async () => {
    const dir = await tmpDir('ctinv-windows-');
    const windows = await FetchedWindows.open(dir);
    const controller = new AbortController();
    const first: CloudTrailRecord[] = [];
    const cancelled = await fetchLookupEvents({
      factory,
      regions: ['us-east-1'],
      start: T0,
      end: T0 + 10 * HOUR,
      settleMs: 0,
      windows,
      pageSize: 25,
      rateLimit: { rps: 1000, burst: 1000, marginMs: 0 },
      signal: controller.signal,
      onEvents: (batch, info) => {
        first.push(...batch);
        if (info.page === 2) controller.abort();
      },
    });
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.regions[0].status, 'cancelled');
    assert.deepEqual(cancelled.errors, []);
    assert.equal(first.length, 50);
    const oldest = Math.min(...first.map((e) => Date.parse(String(e.eventTime))));
    assert.deepEqual(cancelled.regions[0].recorded, [{ start: oldest + 1, end: T0 + 10 * HOUR }]);

    server.requests.length = 0;
    const reopened = await FetchedWindows.open(dir);
    const second: CloudTrailRecord[] = [];
    const resumed = await fetchLookupEvents({
      factory,
      regions: ['us-east-1'],
      start: T0,
      end: T0 + 10 * HOUR,
      settleMs: 0,
      windows: reopened,
      rateLimit: { rps: 1000, burst: 1000, marginMs: 0 },
      onEvents: (batch) => {
        second.push(...batch);
      },
    });
    assert.deepEqual(resumed.regions[0].requested, [{ start: T0, end: oldest + 1 }]);
    const bodies = server.requests.filter((r) => r.operation === 'LookupEvents').map((r) => r.body);
    assert.ok(bodies.every((b) => b.StartTime === T0 / 1000 && b.EndTime === oldest / 1000), JSON.stringify(bodies[0]));
    const union = new Set([...first, ...second].map((e) => e.eventID));
    assert.equal(union.size, 120, 'nothing lost between the cancelled and the resumed fetch');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('remembers fetched windows per account, region and attribute: a repeat asks only for the new time', async () => {
    const dir = await tmpDir('ctinv-windows-');
    const run = async (end: number, terms = [] as Array<{ field: string; value: string }>) => {
      server.requests.length = 0;
      const windows = await FetchedWindows.open(dir);
      const r = await collect({ regions: ['us-east-1'], end, windows, terms });
      return { ...r, requests: server.requests.filter((q) => q.operation === 'LookupEvents') };
    };
    const a = await run(T0 + 5 * HOUR);
    assert.ok(a.requests.length > 0);
    const b = await run(T0 + 10 * HOUR);
    assert.deepEqual(b.summary.regions[0].requested, [{ start: T0 + 5 * HOUR, end: T0 + 10 * HOUR }]);
    assert.ok(b.requests.every((q) => q.body.StartTime === (T0 + 5 * HOUR) / 1000));
    assert.equal(a.got.length + b.got.length, 120);
    const c = await run(T0 + 10 * HOUR);
    assert.equal(c.summary.regions[0].status, 'cached');
    assert.equal(c.requests.length, 0);
    // Another attribute is another key: fetched in full.
    const d = await run(T0 + 10 * HOUR, [{ field: 'eventName', value: 'ConsoleLogin' }]);
    assert.deepEqual(d.summary.regions[0].requested, [{ start: T0, end: T0 + 10 * HOUR }]);
    const stored = JSON.parse(await fs.readFile(path.join(dir, 'lookup-windows.json'), 'utf8'));
    assert.equal(stored.accounts.local, '111122223333', 'the account learned from recipientAccountId');
    assert.ok(!JSON.stringify(stored).includes(TEST_SECRET) && !JSON.stringify(stored).includes(TEST_KEYS.ok), 'no credentials persisted');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('never records the newest, still-settling minutes as fetched', async () => {
    const dir = await tmpDir('ctinv-windows-');
    const windows = await FetchedWindows.open(dir);
    // A fixed clock: the settling minutes count back from the moment the fetch starts, and a
    // test that read Date.now() itself would race the fetch's own reading by a millisecond.
    const now = Date.now();
    const { summary } = await collect({ regions: ['us-east-1'], start: now - HOUR, end: now, windows, settleMs: 15 * 60_000, clock: () => now });
    assert.deepEqual(summary.regions[0].recorded, [{ start: now - HOUR, end: now - 15 * 60_000 }]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('passes EventCategory=insight through on request', async () => {
    const { summary, got } = await collect({ regions: ['us-east-1'], insights: true });
    assert.deepEqual(summary.errors, []);
    assert.equal(got.length, 30);
    assert.ok(got.every((e) => e.eventCategory === 'Insight'));
    assert.ok(server.requests.filter((r) => r.operation === 'LookupEvents').every((r) => r.body.EventCategory === 'insight'));
    const plain = await collect({ regions: ['us-east-1'] });
    assert.ok(plain.got.every((e) => e.eventCategory !== 'Insight'));
  });

  it('Insights: a management-only term is applied locally, never sent (AWS takes EventId, EventName, EventSource)', async () => {
    const key = (insights.find((e) => e.awsRegion === 'us-east-1')!.userIdentity as Record<string, string>).accessKeyId;
    const { summary, got } = await collect({
      regions: ['us-east-1'],
      insights: true,
      terms: [
        { field: 'accessKey', value: key },
        { field: 'principal', value: 'arn:aws:iam::111122223333:user/alice' },
      ],
    });
    assert.deepEqual(summary.errors, []);
    assert.equal(got.length, 30, 'every Insights event fetched; the terms are for the local filter');
    assert.equal(summary.plan.server, undefined);
    assert.equal(summary.plan.local.length, 2);
    const bodies = server.requests.filter((r) => r.operation === 'LookupEvents').map((r) => r.body);
    assert.ok(bodies.every((b) => b.EventCategory === 'insight' && b.LookupAttributes === undefined), JSON.stringify(bodies[0]));
    const byName = await collect({ regions: ['us-east-1'], insights: true, terms: [{ field: 'eventName', value: String(insights[0].eventName) }] });
    assert.deepEqual(byName.summary.errors, []);
    assert.deepEqual(byName.summary.plan.server, { AttributeKey: 'EventName', AttributeValue: String(insights[0].eventName) });
  });

  it('a resource term is never sent as ResourceName: AWS matches its own resource names, so the fetch is wider and the filter local', async () => {
    const arn = 'arn:aws:s3:::evidence-bucket';
    const expected = events.filter((e) => e.awsRegion === 'us-east-1' && JSON.stringify(e.resources ?? []).includes(arn));
    assert.ok(expected.length > 0);
    const { summary, got } = await collect({ regions: ['us-east-1'], terms: [{ field: 'resource', value: arn }] });
    assert.deepEqual(summary.errors, []);
    assert.ok(server.requests.filter((r) => r.operation === 'LookupEvents').every((r) => r.body.LookupAttributes === undefined));
    assert.deepEqual(summary.plan.local, [{ field: 'resource', value: arn }]);
    const ids = new Set(got.map((e) => e.eventID));
    assert.ok(expected.every((e) => ids.has(e.eventID)), 'every event the local filter keeps was fetched');
  });

  it('asks whole-second windows that tile exactly: an event on the boundary arrives once, wherever AWS rounds', async () => {
    const dir = await tmpDir('ctinv-windows-');
    const mine = events.filter((e) => e.awsRegion === 'us-east-1');
    const boundary = Date.parse(String(mine[60].eventTime)); // a whole second with an event on it
    const seen: CloudTrailRecord[] = [];
    for (const end of [boundary, T0 + 10 * HOUR]) {
      const windows = await FetchedWindows.open(dir);
      const { summary, got } = await collect({ regions: ['us-east-1'], end, windows });
      assert.deepEqual(summary.errors, []);
      seen.push(...got);
    }
    const bodies = server.requests.filter((r) => r.operation === 'LookupEvents').map((r) => r.body);
    assert.ok(bodies.every((b) => Number.isInteger(b.StartTime) && Number.isInteger(b.EndTime)), 'whole seconds only');
    assert.ok(bodies.some((b) => b.EndTime === boundary / 1000 - 1), 'the first window ends one second before the boundary');
    assert.ok(bodies.some((b) => b.StartTime === boundary / 1000), 'the second starts on it');
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen.map((e) => e.eventID)).size, 120, 'no event twice, none lost');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps the range inside the 90 days LookupEvents holds, and says what was not asked', async () => {
    const now = Date.now();
    const { summary } = await collect({ regions: ['us-east-1'], start: now - 120 * DAY, end: T0 + 10 * HOUR, clock: () => now });
    assert.deepEqual(summary.errors, [], 'AWS refuses a range reaching past 90 days (InvalidTimeRangeException)');
    assert.ok(summary.problems.some((p) => /keeps 90 days of events: the range before .* was not asked for/.test(p)), summary.problems.join('\n'));
    const starts = server.requests.filter((r) => r.operation === 'LookupEvents').map((r) => Number(r.body.StartTime) * 1000);
    assert.ok(starts.every((t) => t >= now - 90 * DAY));
  });

  it('expired credentials: a clear message naming the profile, after one fresh resolve', async () => {
    factory.dispose();
    factory = new AwsClientFactory({ profile: 'expired', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    const { summary, got } = await collect();
    assert.equal(got.length, 0);
    assert.equal(summary.regions[0].errorKind, 'credentials-expired');
    assert.equal(summary.errors.length, 2, 'one message per region');
    assert.match(summary.errors[0], /credentials of profile 'expired' have expired/);
    assert.equal(server.count('LookupEvents', 'ExpiredTokenException'), 4, 'tried again once per region after resolving again');
  });

  it('access denied names the missing permission', async () => {
    factory.dispose();
    factory = new AwsClientFactory({ profile: 'denied', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    const { summary } = await collect({ regions: ['eu-west-1'] });
    assert.equal(summary.regions[0].errorKind, 'access-denied');
    assert.match(summary.errors[0], /profile 'denied' is missing the permission cloudtrail:LookupEvents in eu-west-1/);
  });

  it('unrecognised credentials and unknown profiles get clear messages', async () => {
    factory.dispose();
    factory = new AwsClientFactory({ profile: 'invalid', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    const invalid = await collect({ regions: ['us-east-1'] });
    assert.equal(invalid.summary.regions[0].errorKind, 'credentials-invalid');
    assert.match(invalid.summary.errors[0], /did not accept the credentials of profile 'invalid'/);
    factory.dispose();
    server.requests.length = 0;
    factory = new AwsClientFactory({ profile: 'nobody', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    const missing = await collect({ regions: ['us-east-1'] });
    assert.match(missing.summary.errors[0], /profile 'nobody' is in neither/);
    assert.equal(server.requests.length, 0, 'no request without credentials');
  });

  it('the SSO profile without a login gets the `aws sso login` hint', async () => {
    const home = process.env.HOME;
    process.env.HOME = aws.dir; // no ~/.aws/sso/cache here
    try {
      factory.dispose();
      factory = new AwsClientFactory({ profile: 'sso-user', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
      const { summary } = await collect({ regions: ['us-east-1'] });
      assert.match(summary.errors[0], /profile 'sso-user'/);
      assert.match(summary.errors[0], /aws sso login --profile sso-user/);
      assert.equal(server.requests.length, 0);
    } finally {
      process.env.HOME = home;
    }
  });

  it('credential_process profiles resolve through the SDK', async () => {
    factory.dispose();
    factory = new AwsClientFactory({ profile: 'proc', files: aws.files, endpoints: { cloudtrail: server.endpoint } });
    const { summary, got } = await collect({ regions: ['us-east-1'] });
    assert.deepEqual(summary.errors, []);
    assert.equal(got.length, 120);
    assert.ok(server.requests.every((r) => r.accessKeyId === TEST_KEYS.ok));
  });
});

describe('aws/cloudtrailServer: the local server enforces the real rules', function () {
  let server: CloudTrailServer;
  let client: CloudTrailClient;
  before(async () => {
    server = new CloudTrailServer({ rps: 1000, burst: 1000 });
    server.addEvents(synthEvents({ count: 120, regions: ['us-east-1'], start: T0, end: T0 + HOUR }));
    await server.start();
    client = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET },
    });
  });
  after(async () => {
    client.destroy();
    await server.stop();
  });

  it('answers InvalidNextTokenException when a NextToken comes with changed parameters', async () => {
    const first = await client.send(new LookupEventsCommand({ StartTime: new Date(T0), EndTime: new Date(T0 + HOUR), MaxResults: 50 }));
    assert.ok(first.NextToken);
    const same = await client.send(
      new LookupEventsCommand({ StartTime: new Date(T0), EndTime: new Date(T0 + HOUR), MaxResults: 50, NextToken: first.NextToken }),
    );
    assert.equal(same.Events?.length, 50);
    await assert.rejects(
      client.send(new LookupEventsCommand({ StartTime: new Date(T0 + 1000), EndTime: new Date(T0 + HOUR), MaxResults: 50, NextToken: first.NextToken })),
      (e: Error) => e.name === 'InvalidNextTokenException',
    );
    await assert.rejects(
      client.send(
        new LookupEventsCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + HOUR),
          MaxResults: 50,
          NextToken: first.NextToken,
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetObject' }],
        }),
      ),
      (e: Error) => e.name === 'InvalidNextTokenException',
    );
    await assert.rejects(
      client.send(new LookupEventsCommand({ NextToken: first.NextToken!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })),
      (e: Error) => e.name === 'InvalidNextTokenException',
    );
  });

  it('verifies the SigV4 signature: a wrong secret is refused', async () => {
    const forged = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: 'not-the-secret' },
    });
    try {
      await assert.rejects(forged.send(new LookupEventsCommand({})), (e: Error) => e.name === 'InvalidSignatureException');
    } finally {
      forged.destroy();
    }
  });

  it('validates MaxResults, the time range and the attribute list as the model says', async () => {
    await assert.rejects(client.send(new LookupEventsCommand({ MaxResults: 51 })), (e: Error) => e.name === 'InvalidMaxResultsException');
    await assert.rejects(client.send(new LookupEventsCommand({ MaxResults: 0 })), (e: Error) => e.name === 'InvalidMaxResultsException');
    await assert.rejects(
      client.send(new LookupEventsCommand({ StartTime: new Date(T0 + HOUR), EndTime: new Date(T0) })),
      (e: Error) => e.name === 'InvalidTimeRangeException',
    );
    await assert.rejects(
      client.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'a' },
            { AttributeKey: 'Username', AttributeValue: 'b' },
          ],
        }),
      ),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === 'InvalidLookupAttributesException' && e.$metadata?.httpStatusCode === 400,
    );
  });

  it('answers ThrottlingException (HTTP 400) beyond 2 requests per second per region', async () => {
    // A frozen clock: the burst of 2 is all there is, so exactly 4 of 6 are throttled however
    // slowly the requests arrive.
    const limited = new CloudTrailServer({ clock: () => 0 });
    await limited.start();
    const c = new CloudTrailClient({ region: 'eu-west-1', endpoint: limited.endpoint, maxAttempts: 1, credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET } });
    try {
      const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => c.send(new LookupEventsCommand({}))));
      const throttled = results.filter((r) => r.status === 'rejected');
      assert.equal(throttled.length, 4, `throttled ${throttled.length} of 6`);
      const reason = (throttled[0] as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode: number } };
      assert.equal(reason.name, 'ThrottlingException');
      assert.equal(reason.$metadata.httpStatusCode, 400);
      // Another region has its own budget.
      const other = new CloudTrailClient({ region: 'us-west-2', endpoint: limited.endpoint, maxAttempts: 1, credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET } });
      await other.send(new LookupEventsCommand({}));
      other.destroy();
    } finally {
      c.destroy();
      await limited.stop();
    }
  });
});
