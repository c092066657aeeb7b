import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AwsClientFactory } from '../../../src/core/aws/clients';
import { fetchLookupEvents } from '../../../src/core/aws/lookup';
import { listProfiles } from '../../../src/core/aws/profiles';
import { resetSharedBuckets } from '../../../src/core/aws/rateLimiter';
import { promptLine } from '../../../src/cli/awsCredentials';
import { main } from '../../../src/cli/main';
import { TEST_KEYS } from '../../servers/awsJson';
import { CloudTrailServer } from '../../servers/cloudtrailServer';
import { LocalS3Server } from '../../servers/s3Server';
import { StsServer } from '../../servers/stsServer';
import { synthEvents } from '../../servers/synth';
import { TempAws, tempAws } from './helpers';

const HOUR = 3600_000;
const ROLE = 'arn:aws:iam::210987654321:role/Investigator';
const SERIAL = 'arn:aws:iam::111122223333:mfa/alice';

describe('aws/profiles: role profiles with mfa_serial ask for the code', function () {
  let aws: TempAws;
  let sts: StsServer;
  let cloudtrail: CloudTrailServer;
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - 2 * HOUR;

  before(async () => {
    aws = await tempAws();
    sts = new StsServer();
    sts.mfaRoles.set(ROLE, '123456');
    cloudtrail = new CloudTrailServer({ rps: 1000, burst: 1000 });
    cloudtrail.addEvents(synthEvents({ count: 20, regions: ['us-east-1'], start, end, seed: 5 }));
    await sts.start();
    await cloudtrail.start();
  });
  beforeEach(() => {
    resetSharedBuckets();
    sts.calls.length = 0;
  });
  after(async () => {
    await sts.stop();
    await cloudtrail.stop();
    await aws.cleanup();
  });

  const fetch = (factory: AwsClientFactory) =>
    fetchLookupEvents({ factory, regions: ['us-east-1'], start, end, settleMs: 0, rateLimit: { rps: 1000, burst: 1000, marginMs: 0 }, onEvents: () => undefined });

  it('lists the profile with its MFA device; the code asked once reaches AssumeRole, and the role works', async () => {
    const info = (await listProfiles(aws.files)).find((p) => p.name === 'mfa-role')!;
    assert.equal(info.kind, 'role');
    assert.equal(info.mfaSerial, SERIAL);
    const asked: Array<[string, string]> = [];
    const factory = new AwsClientFactory({
      profile: 'mfa-role',
      files: aws.files,
      endpoints: { cloudtrail: cloudtrail.endpoint, sts: sts.endpoint },
      mfaCode: async (serial, profile) => {
        asked.push([serial, profile]);
        return '123456';
      },
    });
    try {
      const summary = await fetch(factory);
      assert.deepEqual(summary.errors, []);
      assert.equal(summary.events, 20);
      await fetch(factory);
      assert.deepEqual(asked, [[SERIAL, 'mfa-role']], 'asked once: the role credentials are kept until they expire');
      assert.equal(sts.calls.length, 1);
      assert.deepEqual([sts.calls[0].roleArn, sts.calls[0].serialNumber, sts.calls[0].tokenCode, sts.calls[0].accessKeyId], [ROLE, SERIAL, '123456', TEST_KEYS.ok]);
    } finally {
      factory.dispose();
    }
  });

  it('without a way to ask, a dismissed prompt, or a wrong code: a clear message naming the profile', async () => {
    const cases: Array<[((serial: string) => Promise<string | undefined>) | undefined, RegExp]> = [
      [undefined, /profile 'mfa-role' needs an MFA code \(mfa_serial arn:aws:iam::111122223333:mfa\/alice\)/],
      [async () => undefined, /No MFA code was given for the AWS profile 'mfa-role'/],
      [async () => '12ab', /must be the 6 digits/],
      [async () => '654321', /profile 'mfa-role'.*(AccessDenied|MultiFactorAuthentication failed)/],
    ];
    for (const [mfaCode, expected] of cases) {
      const factory = new AwsClientFactory({ profile: 'mfa-role', files: aws.files, endpoints: { cloudtrail: cloudtrail.endpoint, sts: sts.endpoint }, mfaCode });
      try {
        const summary = await fetch(factory);
        assert.equal(summary.events, 0);
        assert.match(summary.errors[0] ?? '', expected);
      } finally {
        factory.dispose();
      }
    }
  });

  it('CLI: `ctinv validate --profile` asks for the code on the terminal (an injected prompt) and assumes the role with it', async () => {
    const s3 = new LocalS3Server(['trail']);
    await s3.start();
    const saved = { ...process.env };
    process.env.AWS_CONFIG_FILE = aws.files.configFile;
    process.env.AWS_SHARED_CREDENTIALS_FILE = aws.files.credentialsFile;
    process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const err: Buffer[] = [];
    stderr.on('data', (c: Buffer) => err.push(c));
    const questions: string[] = [];
    try {
      await main(['validate', 's3://trail/AWSLogs/', '--profile', 'mfa-role', '--region', 'us-east-1', '--endpoint-url', s3.endpoint, '--json'], {
        stdout,
        stderr,
        interactive: false,
        signal: new AbortController().signal,
        prompt: async (question) => {
          questions.push(question);
          return '123456\n';
        },
      });
    } finally {
      process.env = saved;
      await s3.stop();
    }
    assert.deepEqual(questions, [`Enter MFA code for ${SERIAL}: `]);
    assert.deepEqual([sts.calls[0]?.serialNumber, sts.calls[0]?.tokenCode], [SERIAL, '123456'], Buffer.concat(err).toString());
    assert.ok(s3.requests.some((r) => r.accessKeyId === TEST_KEYS.ok && r.status === 200), 'S3 was called with the role credentials');
  });

  it('CLI: the terminal prompt reads one line and writes the question to stderr', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const written: Buffer[] = [];
    output.on('data', (c: Buffer) => written.push(c));
    const answer = promptLine('Enter MFA code for x: ', input, output);
    input.write('654321\nmore\n');
    assert.equal(await answer, '654321');
    assert.equal(Buffer.concat(written).toString(), 'Enter MFA code for x: ');
    const ended = new PassThrough();
    const none = promptLine('q: ', ended, new PassThrough());
    ended.end();
    assert.equal(await none, undefined);
  });
});
