/**
 * Deterministic synthetic CloudTrail records for the local servers and the live benchmark:
 * a small named cast (alice, bob, ...) the tests filter on. The records are built by
 * bench/records.ts, the one builder the benchmark's trail generators use too.
 */
import { CloudTrailRecord, cloudTrailRecord, hex, iamUser, random as prng, uuid } from '../../bench/records';
import { TEST_ACCOUNT } from './awsJson';

export type { CloudTrailRecord };

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
    // Drawn in this order (principal id, address, request id) so a seed keeps its records.
    const principalId = `AIDA${hex(random, 16).toUpperCase()}`;
    const sourceIPAddress = `198.51.100.${Math.floor(random() * 250) + 1}`;
    const requestID = hex(random, 16).toUpperCase();
    const s3 = eventSource === 's3.amazonaws.com';
    const record = cloudTrailRecord({
      userIdentity: iamUser(account, user, accessKeyId, principalId),
      time,
      eventSource,
      eventName,
      region,
      sourceIPAddress,
      userAgent: 'aws-cli/2.15.0',
      requestParameters: s3 ? { bucketName: 'evidence-bucket' } : null,
      requestID,
      eventID: id,
      readOnly,
      resources: s3 ? [{ ARN: 'arn:aws:s3:::evidence-bucket', accountId: account, type: 'AWS::S3::Bucket' }] : undefined,
      account,
      insight,
    });
    out.push(record);
  }
  return out;
}
