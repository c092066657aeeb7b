/**
 * Writes a synthetic trail in the S3 layout: .json.gz files of about 125 events with a
 * realistic mix of identities (IAM users, role sessions with temporary keys, AWS
 * services, root), services, read/write calls, errors and resources. Deterministic for
 * a given seed, so two runs index the same data.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface GeneratedTrail {
  root: string;
  events: number;
  files: number;
  accessKeys: string[];
}

import {
  CloudTrailRecord,
  UserIdentity,
  assumedRole,
  awsService,
  cloudTrailRecord,
  eventTime as eventTimeText,
  hex,
  iamUser,
  random,
  rootUser,
  upperId,
  uuid,
} from './records';

// Tests import the PRNG and id helpers from here too.
export { random, hex, uuid };

export const CALLS: [string, string, boolean][] = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', true],
  ['ec2.amazonaws.com', 'DescribeVolumes', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['ec2.amazonaws.com', 'CreateTags', false],
  ['ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', false],
  ['s3.amazonaws.com', 'ListBuckets', true],
  ['s3.amazonaws.com', 'GetBucketAcl', true],
  ['s3.amazonaws.com', 'GetBucketPolicy', true],
  ['s3.amazonaws.com', 'PutBucketPolicy', false],
  ['iam.amazonaws.com', 'ListUsers', true],
  ['iam.amazonaws.com', 'GetUser', true],
  ['iam.amazonaws.com', 'ListRoles', true],
  ['iam.amazonaws.com', 'CreateAccessKey', false],
  ['iam.amazonaws.com', 'AttachRolePolicy', false],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['sts.amazonaws.com', 'AssumeRole', false],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['kms.amazonaws.com', 'GenerateDataKey', true],
  ['lambda.amazonaws.com', 'ListFunctions20150331', true],
  ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', false],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true],
  ['cloudtrail.amazonaws.com', 'DescribeTrails', true],
  ['cloudtrail.amazonaws.com', 'LookupEvents', true],
  ['logs.amazonaws.com', 'DescribeLogGroups', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['dynamodb.amazonaws.com', 'DescribeTable', true],
  ['rds.amazonaws.com', 'DescribeDBInstances', true],
  ['ssm.amazonaws.com', 'GetParameter', true],
  ['ssm.amazonaws.com', 'GetParameters', true],
];
export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
export const ACCOUNTS = ['111122223333', '222233334444', '333344445555'];
const AGENTS = [
  'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12',
  'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6',
  'aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64',
  'console.amazonaws.com',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0',
  'aws-sdk-java/2.21.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.9',
];
const ERRORS = ['AccessDenied', 'Client.UnauthorizedOperation', 'ThrottlingException', 'NoSuchBucketPolicy', 'ResourceNotFoundException'];

export interface Identity {
  userIdentity: UserIdentity;
  /** The access key drawn for it ('' for an AWS service). */
  key: string;
  /** The account it belongs to (none for an AWS service). */
  account?: string;
}

/** 60 IAM users and 600 role sessions spread over the accounts, one AWS service, the root user. */
export function makeIdentities(rand: () => number, accounts: readonly string[] = ACCOUNTS): Identity[] {
  const identities: Identity[] = [];
  for (let u = 0; u < 60; u++) {
    const account = accounts[u % accounts.length];
    const key = `AKIA${upperId(rand, 16)}`;
    identities.push({ key, account, userIdentity: iamUser(account, `user-${u}`, key, `AIDA${upperId(rand, 17)}`) });
  }
  for (let s = 0; s < 600; s++) {
    const account = accounts[s % accounts.length];
    const key = `ASIA${upperId(rand, 16)}`;
    const roleId = `AROA${upperId(rand, 17)}`;
    identities.push({ key, account, userIdentity: assumedRole(account, `role-${s % 25}`, `session-${s}`, key, roleId) });
  }
  identities.push({ key: '', userIdentity: awsService('ec2.amazonaws.com') });
  identities.push({ key: `ASIA${upperId(rand, 16)}`, account: accounts[0], userIdentity: rootUser(accounts[0]) });
  return identities;
}

/** 500 source addresses; records draw them skewed, so a few are very common. */
export const IPS = Array.from({ length: 500 }, (_, i) => `198.51.${100 + (i >> 8)}.${i & 255}`);

/** One record of the benchmark's cast: a call by `identity` within five minutes after `fileTime`. */
export function benchRecord(rand: () => number, identity: Identity, account: string, region: string, fileTime: number): CloudTrailRecord {
  const [eventSource, eventName, readOnly] = CALLS[Math.floor(rand() * CALLS.length)];
  const failed = rand() < 0.05;
  const time = fileTime + Math.floor(rand() * 300_000);
  const service = eventSource.split('.')[0];
  // The draws below keep the order they had when this record was an object literal.
  const sourceIPAddress = identity.userIdentity.type === 'AWSService' ? 'ec2.amazonaws.com' : IPS[Math.floor(Math.pow(rand(), 3) * IPS.length)];
  const userAgent = AGENTS[Math.floor(rand() * AGENTS.length)];
  const requestParameters = readOnly ? null : { instanceType: 't3.micro', bucketName: `bucket-${Math.floor(rand() * 40)}` };
  const requestID = uuid(rand);
  const eventID = uuid(rand);
  const error = failed ? { code: ERRORS[Math.floor(rand() * ERRORS.length)], message: `User is not authorized to perform: ${service}:${eventName}` } : undefined;
  const resources = !readOnly && rand() < 0.5 ? [{ accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::bucket-${Math.floor(rand() * 40)}` }] : undefined;
  const responseElements =
    eventName === 'AssumeRole'
      ? {
          credentials: { accessKeyId: `ASIA${upperId(rand, 16)}`, sessionToken: 'token', expiration: eventTimeText(time) },
          assumedRoleUser: { assumedRoleId: `AROA${upperId(rand, 17)}:s`, arn: `arn:aws:sts::${account}:assumed-role/r/s` },
        }
      : null;
  return cloudTrailRecord({
    userIdentity: identity.userIdentity,
    time,
    eventSource,
    eventName,
    region,
    sourceIPAddress,
    userAgent,
    error,
    requestParameters,
    responseElements,
    requestID,
    eventID,
    readOnly,
    resources,
    account,
    tlsHost: `${service}.${region}.amazonaws.com`,
  });
}

/** Where CloudTrail delivers a file: `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<rand>.json.gz`. */
export function deliveryKey(rand: () => number, account: string, region: string, fileTime: number): { folder: string; name: string } {
  const day = new Date(fileTime);
  const folder = path.join(
    'AWSLogs',
    account,
    'CloudTrail',
    region,
    String(day.getUTCFullYear()),
    String(day.getUTCMonth() + 1).padStart(2, '0'),
    String(day.getUTCDate()).padStart(2, '0'),
  );
  const stamp = day.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  return { folder, name: `${account}_CloudTrail_${region}_${stamp}_${hex(rand, 16)}.json.gz` };
}

const MARKER = 'generated.json';

/** Generates (or reuses, when the same size and seed were generated before) a trail. */
export function generateTrail(root: string, events: number, seed = 42, perFile = 125): GeneratedTrail {
  const markerPath = path.join(root, MARKER);
  if (existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as GeneratedTrail & { seed: number };
    if (marker.events === events && marker.seed === seed) return marker;
  }
  const rand = random(seed);
  const identities = makeIdentities(rand);
  const start = Date.UTC(2026, 2, 4, 0, 0, 0);
  const span = 7 * 24 * 3600 * 1000;
  let written = 0;
  let files = 0;
  while (written < events) {
    const count = Math.min(perFile, events - written);
    const account = ACCOUNTS[files % ACCOUNTS.length];
    const region = REGIONS[Math.floor(files / ACCOUNTS.length) % REGIONS.length];
    const fileTime = start + Math.floor((written / events) * span);
    const records: CloudTrailRecord[] = [];
    for (let i = 0; i < count; i++) {
      // Skewed choice: a few identities are very active, like real accounts.
      const identity = identities[Math.floor(Math.pow(rand(), 2) * identities.length)];
      records.push(benchRecord(rand, identity, account, region, fileTime));
    }
    const { folder, name } = deliveryKey(rand, account, region, fileTime);
    mkdirSync(path.join(root, folder), { recursive: true });
    writeFileSync(path.join(root, folder, name), gzipSync(JSON.stringify({ Records: records }), { level: 6 }));
    written += count;
    files++;
  }
  const result = { root, events, files, accessKeys: identities.map((i) => i.key).filter(Boolean), seed };
  writeFileSync(markerPath, JSON.stringify(result));
  return result;
}
