import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AwsClientFactory, validateEndpoint } from '../../../src/core/aws/clients';
import { describeAwsError } from '../../../src/core/aws/errors';
import { liveFilterFrom } from '../../../src/core/aws/filterTerms';
import { parseFilter } from '../../../src/core/query/parser';
import { planLookup, usernameFor } from '../../../src/core/aws/planner';
import { listProfiles, resolveProfile, sharedFiles } from '../../../src/core/aws/profiles';
import { TokenBucket } from '../../../src/core/aws/rateLimiter';
import { backoffDelay, DEFAULT_RETRY, withRetry } from '../../../src/core/aws/retry';
import { FetchedWindows, WINDOWS_FILE, mergeIntervals, subtractIntervals } from '../../../src/core/aws/windows';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { tempAws, tmpDir } from './helpers';

describe('aws/planner: one LookupEvents attribute, the rest local', () => {
  it('picks the most selective supported term and leaves the rest local', () => {
    const plan = planLookup([
      { field: 'readOnly', value: 'false' },
      { field: 'eventSource', value: 'iam.amazonaws.com' },
      { field: 'eventName', value: 'CreateAccessKey' },
      { field: 'ip', value: '203.0.113.9' },
    ]);
    assert.deepEqual(plan.server, { AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' });
    assert.deepEqual(plan.local.map((t) => t.field), ['readOnly', 'eventSource', 'ip']);
    assert.match(plan.explanation, /on the server: EventName = "CreateAccessKey"; applied locally: readOnly/);
  });

  it('ranks EventId > AccessKeyId > EventName > ResourceType > EventSource > ReadOnly, then the approximate Username; a resource stays local', () => {
    const all = [
      { field: 'readOnly', value: 'true' },
      { field: 'eventSource', value: 's3.amazonaws.com' },
      { field: 'resourceType', value: 'AWS::S3::Bucket' },
      { field: 'eventName', value: 'GetObject' },
      { field: 'principal', value: 'alice' },
      { field: 'resource', value: 'arn:aws:s3:::b' },
      { field: 'accessKey', value: 'AKIAX' },
      { field: 'eventId', value: 'e-1' },
    ];
    const order: string[] = [];
    const remaining = [...all];
    while (remaining.length > 1) {
      const key = planLookup(remaining).server!.AttributeKey!;
      order.push(key);
      const mapped: Record<string, string> = { EventId: 'eventId', AccessKeyId: 'accessKey', ResourceName: 'resource', Username: 'principal', EventName: 'eventName', ResourceType: 'resourceType', EventSource: 'eventSource', ReadOnly: 'readOnly' };
      remaining.splice(remaining.findIndex((t) => t.field === mapped[key]), 1);
    }
    assert.deepEqual(order, ['EventId', 'AccessKeyId', 'EventName', 'ResourceType', 'EventSource', 'ReadOnly', 'Username']);
    // What AWS matches ResourceName against cannot be known offline: never sent.
    assert.deepEqual(remaining.map((t) => t.field), ['resource']);
    const resourceOnly = planLookup(remaining);
    assert.equal(resourceOnly.server, undefined);
    assert.deepEqual(resourceOnly.local, remaining);
  });

  it('plans Insights lookups within EventId, EventName and EventSource, the attributes AWS accepts for them', () => {
    const terms = [
      { field: 'accessKey', value: 'AKIAX' },
      { field: 'principal', value: 'arn:aws:iam::111122223333:user/alice' },
      { field: 'readOnly', value: 'false' },
      { field: 'resourceType', value: 'AWS::S3::Bucket' },
      { field: 'eventSource', value: 's3.amazonaws.com' },
    ];
    const insight = planLookup(terms, { category: 'insight' });
    assert.deepEqual(insight.server, { AttributeKey: 'EventSource', AttributeValue: 's3.amazonaws.com' });
    assert.deepEqual(insight.local.map((t) => t.field), ['accessKey', 'principal', 'readOnly', 'resourceType']);
    const none = planLookup(terms.slice(0, 4), { category: 'insight' });
    assert.equal(none.server, undefined);
    assert.match(none.explanation, /takes only EventId, EventName or EventSource for Insights/);
    assert.equal(planLookup(terms.slice(0, 4)).server?.AttributeKey, 'AccessKeyId', 'management events take them');
  });

  it('never sends wildcards, unsupported fields or impossible values; approximations are re-checked locally', () => {
    const wildcard = planLookup([{ field: 'eventName', value: 'Delete*' }, { field: 'ip', value: '1.2.3.4' }]);
    assert.equal(wildcard.server, undefined);
    assert.equal(wildcard.local.length, 2);
    assert.match(wildcard.explanation, /fetched every event/);
    assert.equal(planLookup([{ field: 'readOnly', value: 'maybe' }]).server, undefined);
    assert.equal(planLookup([{ field: 'eventName', value: '_'.repeat(1001) }]).server, undefined, 'over the 2,000 limit where _ counts twice');
    const approx = planLookup([{ field: 'principal', value: 'arn:aws:iam::111122223333:user/alice' }]);
    assert.deepEqual(approx.server, { AttributeKey: 'Username', AttributeValue: 'alice' });
    assert.deepEqual(approx.local, [{ field: 'principal', value: 'arn:aws:iam::111122223333:user/alice' }]);
    assert.match(approx.explanation, /also checked locally/);
    assert.equal(usernameFor('arn:aws:sts::111122223333:assumed-role/Admin/session-1'), 'session-1');
    assert.equal(usernameFor('arn:aws:iam::111122223333:root'), 'root');
    assert.equal(usernameFor('arn:aws:iam::111122223333:role/Admin'), undefined);
    assert.equal(planLookup([{ field: 'eventName', value: 'A?B', wildcard: false }]).server?.AttributeValue, 'A?B');
  });
});

describe('aws/windows: fetched-window intervals', () => {
  it('merges overlapping and touching intervals and finds the gaps', () => {
    assert.deepEqual(
      mergeIntervals([
        { start: 5, end: 8 },
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 7, end: 10 },
        { start: 4, end: 4 },
      ]),
      [
        { start: 0, end: 3 },
        { start: 5, end: 10 },
      ],
    );
    const covered = [
      { start: 0, end: 3 },
      { start: 5, end: 10 },
    ];
    assert.deepEqual(subtractIntervals({ start: -2, end: 12 }, covered), [
      { start: -2, end: 0 },
      { start: 3, end: 5 },
      { start: 10, end: 12 },
    ]);
    assert.deepEqual(subtractIntervals({ start: 6, end: 9 }, covered), []);
  });

  it('sets a corrupt cache file aside instead of deleting it, and starts empty', async () => {
    const dir = await tmpDir('ctinv-windows-');
    await fs.writeFile(path.join(dir, WINDOWS_FILE), '{"version": 1, "windows": "nope"');
    const windows = await FetchedWindows.open(dir);
    assert.equal(windows.problems.length, 1);
    assert.match(windows.problems[0], /not a fetched-windows file/);
    const kept = (await fs.readdir(dir)).filter((f) => f.includes('.corrupt-'));
    assert.equal(kept.length, 1);
    const key = { account: '111122223333', region: 'us-east-1', category: 'management' as const };
    windows.add(key, { start: 0, end: 10 });
    await windows.save();
    // Two tasks saving: intervals from both survive.
    const other = await FetchedWindows.open(dir);
    other.add(key, { start: 20, end: 30 });
    windows.add(key, { start: 40, end: 50 });
    await other.save();
    await windows.save();
    const final = await FetchedWindows.open(dir);
    assert.deepEqual(final.covered(key), [
      { start: 0, end: 10 },
      { start: 20, end: 30 },
      { start: 40, end: 50 },
    ]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('aws/profiles: shared files, classification, no secrets kept', () => {
  it('lists profiles from both files and classifies them', async () => {
    const aws = await tempAws();
    const profiles = await listProfiles(aws.files);
    const byName = new Map(profiles.map((p) => [p.name, p]));
    assert.equal(profiles[0].name, 'default');
    assert.equal(byName.get('local')!.kind, 'static');
    assert.deepEqual(byName.get('local')!.definedIn, ['config', 'credentials']);
    assert.equal(byName.get('local')!.region, 'us-east-1');
    assert.equal(byName.get('sso-user')!.kind, 'sso');
    assert.equal(byName.get('sso-user')!.account, '123456789012');
    assert.equal(byName.get('sso-user')!.ssoSession, 'corp');
    assert.equal(byName.get('proc')!.kind, 'process');
    assert.equal(byName.get('auditor')!.kind, 'role');
    assert.equal(byName.get('auditor')!.account, '210987654321');
    assert.equal(byName.has('corp'), false, 'sso-session sections are not profiles');
    const text = JSON.stringify(profiles);
    assert.ok(!text.includes(TEST_SECRET) && !text.includes(TEST_KEYS.ok), 'no key material in the listing');
    await aws.cleanup();
  });

  it('works with either file missing and honours AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE', async () => {
    const dir = await tmpDir('ctinv-aws-');
    const files = sharedFiles({ AWS_CONFIG_FILE: path.join(dir, 'c'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'k'), HOME: '/nowhere' });
    assert.deepEqual(files, { configFile: path.join(dir, 'c'), credentialsFile: path.join(dir, 'k') });
    assert.deepEqual(await listProfiles(files), []);
    await fs.writeFile(files.credentialsFile, '[only-keys]\naws_access_key_id = A\naws_secret_access_key = B\n');
    assert.deepEqual((await listProfiles(files)).map((p) => p.name), ['only-keys']);
    assert.equal(sharedFiles({ HOME: '/home/x' }).configFile, path.join('/home/x', '.aws', 'config'));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists exactly what the SDK can resolve: its loader decides comments, quoted names and sections', async () => {
    const dir = await tmpDir('ctinv-aws-');
    const files = { configFile: path.join(dir, 'config'), credentialsFile: path.join(dir, 'credentials') };
    await fs.writeFile(
      files.configFile,
      [
        '# c',
        '[profile a] ; trailing',
        'region = eu-west-1 # an inline comment',
        's3 =',
        '  addressing_style = path',
        'output = json',
        '[profile "q"]',
        'region = us-west-2',
        '[profile empty]',
        '[sso-session corp]',
        'sso_region = eu-west-1',
        '[services local]',
        'sts =',
        '  endpoint_url = http://127.0.0.1:1',
        '',
      ].join('\n'),
    );
    await fs.writeFile(files.credentialsFile, '[profile x]\naws_access_key_id = A\naws_secret_access_key = B\n[k]\naws_access_key_id = A\naws_secret_access_key = B\n');
    const profiles = await listProfiles(files);
    assert.deepEqual(profiles.map((p) => p.name), ['a', 'k', 'q']);
    assert.equal(profiles[0].region, 'eu-west-1', 'the inline comment is not part of the value');
    assert.equal(profiles[2].region, 'us-west-2');
    // `[profile x]` in the credentials file is not a profile the SDK resolves as `x`.
    await assert.rejects(resolveProfile('x', files), /is in neither/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('aws/clients, errors and retry', () => {
  it('validates endpoint overrides, naming the setting', () => {
    assert.equal(validateEndpoint('s3', ' http://127.0.0.1:9000/ '), 'http://127.0.0.1:9000');
    assert.equal(validateEndpoint('s3', ''), undefined);
    assert.throws(() => validateEndpoint('athena', 'localhost:1'), /cloudtrail\.endpoints\.athena must be an http or https URL/);
    assert.throws(() => validateEndpoint('cloudtrail', 'not a url'), /cloudtrail\.endpoints\.cloudtrail \('not a url'\) is not a URL/);
  });

  it('keeps one client per (profile, region, endpoint) and destroys them when the profile changes', async () => {
    const aws = await tempAws();
    const factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { cloudtrail: 'http://127.0.0.1:1' } });
    const a = factory.cloudTrail('us-east-1');
    assert.equal(factory.cloudTrail('us-east-1'), a);
    const b = factory.cloudTrail('eu-west-1');
    assert.notEqual(b, a);
    const destroyed: string[] = [];
    for (const [region, client] of [['us-east-1', a], ['eu-west-1', b]] as const) {
      const destroy = client.destroy.bind(client);
      client.destroy = () => {
        destroyed.push(region);
        destroy();
      };
    }
    factory.setProfile('other');
    assert.deepEqual(destroyed.sort(), ['eu-west-1', 'us-east-1'], 'every client of the old profile is destroyed');
    assert.notEqual(factory.cloudTrail('us-east-1'), a);
    assert.equal(factory.profileName, 'other');
    factory.dispose();
    await aws.cleanup();
  });

  it('words SDK failures for the user: profile, SSO hint, permission', () => {
    const expired = describeAwsError(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }), {
      profile: 'corp',
      profileKind: 'sso',
      region: 'eu-west-1',
      operation: 'LookupEvents',
    });
    assert.equal(expired.kind, 'credentials-expired');
    assert.match(expired.message, /profile 'corp' have expired .*aws sso login --profile corp/);
    const denied = describeAwsError(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), {
      profile: 'p',
      operation: 'GetObject',
    });
    assert.equal(denied.permission, 's3:GetObject');
    const ssoToken = describeAwsError(Object.assign(new Error('The SSO session token associated with profile=corp was not found or is invalid'), { name: 'TokenProviderError' }), {
      profile: 'corp',
      profileKind: 'sso',
      operation: 'resolve credentials',
    });
    assert.match(ssoToken.message, /aws sso login --profile corp/);
  });

  it('backoff grows exponentially with jitter inside its ceiling', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(0, policy, () => 0), 50);
    assert.equal(backoffDelay(0, policy, () => 1), 100);
    assert.equal(backoffDelay(3, policy, () => 1), 800);
    assert.equal(backoffDelay(10, policy, () => 1), 1000);
    assert.equal(backoffDelay(10, policy, () => 0), 500);
  });

  it('retries throttling and drops, gives up on the rest, and gives the last error', async () => {
    const counters = { throttleRetries: 0, transientRetries: 0 };
    const policy = { maxThrottleRetries: 2, maxTransientRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };
    let calls = 0;
    const answers = [
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    const value = await withRetry(async () => {
      const next = answers[calls++];
      if (next) throw next;
      return 'ok';
    }, { counters, policy });
    assert.equal(value, 'ok');
    assert.deepEqual(counters, { throttleRetries: 1, transientRetries: 1 });
    calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('nope'), { name: 'ValidationException' });
      }, { counters, policy }),
      /nope/,
    );
    assert.equal(calls, 1);
    let refreshed = 0;
    calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('expired'), { name: 'ExpiredTokenException' });
      }, { counters, policy, refreshCredentials: () => refreshed++ }),
      /expired/,
    );
    assert.equal(calls, 2, 'one retry after resolving the credentials again');
    assert.equal(refreshed, 1);
  });
});

describe('aws/rateLimiter: the shared token bucket', () => {
  it('serves waiters in order; spent tokens hold back the next request; abort rejects a waiter', async () => {
    // A bucket that refills so slowly that nothing refills during the test: order and in-flight accounting only.
    const bucket = new TokenBucket({ rps: 0.001, burst: 2, marginMs: 0 });
    const order: number[] = [];
    const first = await bucket.acquire();
    order.push(1);
    const second = await bucket.acquire();
    order.push(2);
    let thirdGranted = false;
    const controller = new AbortController();
    const third = bucket.acquire(controller.signal).then(
      () => (thirdGranted = true),
      (e: Error) => e,
    );
    first();
    second();
    await new Promise((r) => setImmediate(r));
    assert.equal(thirdGranted, false, 'both tokens are spent');
    controller.abort();
    const outcome = await third;
    assert.ok(outcome instanceof Error && /abort/i.test(outcome.message + outcome.name));
    assert.deepEqual(order, [1, 2]);
  });

  it('a throttling penalty pauses the bucket; abort while paused rejects promptly', async () => {
    const bucket = new TokenBucket({ rps: 1000, burst: 5, marginMs: 0 });
    bucket.penalize(60_000);
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    controller.abort();
    await assert.rejects(waiting, /abort/i);
  });
});

describe('aws/filterTerms: what of the filter can go to AWS', () => {
  it('takes top-level AND terms and time bounds; lists the rest as index-only', () => {
    const live = liveFilterFrom(
      parseFilter('eventName:Delete* AND accessKey:AKIAEXAMPLE time>=2026-11-01T00:00Z time<2026-11-02T00:00Z (ip:1.2.3.4 OR ip:5.6.7.8) NOT readOnly:true userAgent:*'),
    );
    assert.deepEqual(live.terms, [
      { field: 'eventName', value: 'Delete*', wildcard: true },
      { field: 'accessKey', value: 'AKIAEXAMPLE', wildcard: false },
    ]);
    assert.equal(live.start, Date.parse('2026-11-01T00:00:00Z'));
    assert.equal(live.end, Date.parse('2026-11-02T00:00:00Z'));
    assert.equal(live.indexOnly.length, 3);
    assert.deepEqual(liveFilterFrom(parseFilter('')), { terms: [], indexOnly: [] });
  });
});
