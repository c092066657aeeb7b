/**
 * Deterministic synthetic CloudTrail records for the local servers and the live benchmark:
 * a small named cast (alice, bob, ...) the tests filter on. The PRNG and id helpers are
 * bench/generate's, shared with the trail generator.
 */
import { hex, random as prng, uuid } from '../../bench/generate';
import { TEST_ACCOUNT } from './awsJson';

export type CloudTrailRecord = Record<string, unknown>;

const NAMES: ReadonlyArray<[string, string, boolean]> = [
  ['ConsoleLogin', 'signin.amazonaws.com', false],
  ['GetObject', 's3.amazonaws.com', true],
  ['PutObject', 's3.amazonaws.com', false],
  ['AssumeRole', 'sts.amazonaws.com', false],
  ['DescribeInstances', 'ec2.amazonaws.com', true],
  ['RunInstances', 'ec2.amazonaws.com', false],
  ['CreateAccessKey', 'iam.amazonaws.com', false],
  ['ListBuckets', 's3.amazonaws.com', true],
];
const USERS = ['alice', 'bob', 'mallory', 'ci-deploy'];

export interface SynthOptions {
  count: number;
  regions: readonly string[];
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  account?: string;
  seed?: number;
  /** Fraction of records that are Insights events (eventCategory Insight). */
  insightFraction?: number;
}

/** Records spread evenly over the regions (round robin) and uniformly over [start, end), at whole seconds. */
export function synthEvents(options: SynthOptions): CloudTrailRecord[] {
  const random = prng(options.seed ?? 42);
  const account = options.account ?? TEST_ACCOUNT;
  const out: CloudTrailRecord[] = [];
  for (let i = 0; i < options.count; i++) {
    const region = options.regions[i % options.regions.length];
    const [eventName, eventSource, readOnly] = NAMES[Math.floor(random() * NAMES.length)];
    const user = USERS[Math.floor(random() * USERS.length)];
    const time = Math.floor((options.start + random() * (options.end - options.start)) / 1000) * 1000;
    const id = uuid(random);
    const accessKeyId = `AKIA${user.toUpperCase().replace(/[^A-Z]/g, 'X').padEnd(16, 'X').slice(0, 16)}`;
    const insight = options.insightFraction !== undefined && random() < options.insightFraction;
    const record: CloudTrailRecord = {
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: `AIDA${hex(random, 16).toUpperCase()}`,
        arn: `arn:aws:iam::${account}:user/${user}`,
        accountId: account,
        accessKeyId,
        userName: user,
      },
      eventTime: new Date(time).toISOString().replace('.000Z', 'Z'),
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: `198.51.100.${Math.floor(random() * 250) + 1}`,
      userAgent: 'aws-cli/2.15.0',
      requestParameters: eventSource === 's3.amazonaws.com' ? { bucketName: 'evidence-bucket' } : null,
      responseElements: null,
      requestID: hex(random, 16).toUpperCase(),
      eventID: id,
      readOnly,
      resources: eventSource === 's3.amazonaws.com' ? [{ ARN: 'arn:aws:s3:::evidence-bucket', accountId: account, type: 'AWS::S3::Bucket' }] : undefined,
      eventType: insight ? 'AwsCloudTrailInsight' : 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: insight ? 'Insight' : 'Management',
    };
    out.push(record);
  }
  return out;
}
