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

/** A small, fast, seedable PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CALLS: [string, string, boolean][] = [
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
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const ACCOUNTS = ['111122223333', '222233334444', '333344445555'];
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

export function hex(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
  return out;
}

function upperId(rand: () => number, length: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(rand() * chars.length)];
  return out;
}

export function uuid(rand: () => number): string {
  const h = hex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

interface Identity {
  userIdentity: Record<string, unknown>;
  key: string;
}

function makeIdentities(rand: () => number): Identity[] {
  const identities: Identity[] = [];
  for (let u = 0; u < 60; u++) {
    const account = ACCOUNTS[u % ACCOUNTS.length];
    const key = `AKIA${upperId(rand, 16)}`;
    identities.push({
      key,
      userIdentity: {
        type: 'IAMUser',
        principalId: `AIDA${upperId(rand, 17)}`,
        arn: `arn:aws:iam::${account}:user/user-${u}`,
        accountId: account,
        accessKeyId: key,
        userName: `user-${u}`,
      },
    });
  }
  for (let s = 0; s < 600; s++) {
    const account = ACCOUNTS[s % ACCOUNTS.length];
    const role = `role-${s % 25}`;
    const key = `ASIA${upperId(rand, 16)}`;
    const roleId = `AROA${upperId(rand, 17)}`;
    identities.push({
      key,
      userIdentity: {
        type: 'AssumedRole',
        principalId: `${roleId}:session-${s}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/session-${s}`,
        accountId: account,
        accessKeyId: key,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: roleId, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
          webIdFederationData: {},
          attributes: { creationDate: '2026-03-04T00:00:00Z', mfaAuthenticated: 'false' },
        },
      },
    });
  }
  identities.push({
    key: '',
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
  });
  identities.push({
    key: `ASIA${upperId(rand, 16)}`,
    userIdentity: { type: 'Root', principalId: ACCOUNTS[0], arn: `arn:aws:iam::${ACCOUNTS[0]}:root`, accountId: ACCOUNTS[0], accessKeyId: '' },
  });
  return identities;
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
  const ips = Array.from({ length: 500 }, (_, i) => `198.51.${100 + (i >> 8)}.${i & 255}`);
  const start = Date.UTC(2026, 2, 4, 0, 0, 0);
  const span = 7 * 24 * 3600 * 1000;
  let written = 0;
  let files = 0;
  while (written < events) {
    const count = Math.min(perFile, events - written);
    const account = ACCOUNTS[files % ACCOUNTS.length];
    const region = REGIONS[Math.floor(files / ACCOUNTS.length) % REGIONS.length];
    const fileTime = start + Math.floor((written / events) * span);
    const records: unknown[] = [];
    for (let i = 0; i < count; i++) {
      // Skewed choice: a few identities are very active, like real accounts.
      const identity = identities[Math.floor(Math.pow(rand(), 2) * identities.length)];
      const [eventSource, eventName, readOnly] = CALLS[Math.floor(rand() * CALLS.length)];
      const failed = rand() < 0.05;
      const time = new Date(fileTime + Math.floor(rand() * 300_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const record: Record<string, unknown> = {
        eventVersion: '1.09',
        userIdentity: identity.userIdentity,
        eventTime: time,
        eventSource,
        eventName,
        awsRegion: region,
        sourceIPAddress: identity.userIdentity.type === 'AWSService' ? 'ec2.amazonaws.com' : ips[Math.floor(Math.pow(rand(), 3) * ips.length)],
        userAgent: AGENTS[Math.floor(rand() * AGENTS.length)],
        requestParameters: readOnly ? null : { instanceType: 't3.micro', bucketName: `bucket-${Math.floor(rand() * 40)}` },
        responseElements: null,
        requestID: uuid(rand),
        eventID: uuid(rand),
        readOnly,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: account,
        eventCategory: 'Management',
        tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${eventSource.split('.')[0]}.${region}.amazonaws.com` },
      };
      if (failed) {
        record.errorCode = ERRORS[Math.floor(rand() * ERRORS.length)];
        record.errorMessage = `User is not authorized to perform: ${eventSource.split('.')[0]}:${eventName}`;
      }
      if (!readOnly && rand() < 0.5) {
        record.resources = [{ accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::bucket-${Math.floor(rand() * 40)}` }];
      }
      if (eventName === 'AssumeRole') {
        record.responseElements = {
          credentials: { accessKeyId: `ASIA${upperId(rand, 16)}`, sessionToken: 'token', expiration: time },
          assumedRoleUser: { assumedRoleId: `AROA${upperId(rand, 17)}:s`, arn: `arn:aws:sts::${account}:assumed-role/r/s` },
        };
      }
      records.push(record);
    }
    const day = new Date(fileTime);
    const dir = path.join(
      root,
      'AWSLogs',
      account,
      'CloudTrail',
      region,
      String(day.getUTCFullYear()),
      String(day.getUTCMonth() + 1).padStart(2, '0'),
      String(day.getUTCDate()).padStart(2, '0'),
    );
    mkdirSync(dir, { recursive: true });
    const stamp = day.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
    const name = `${account}_CloudTrail_${region}_${stamp}_${hex(rand, 16)}.json.gz`;
    writeFileSync(path.join(dir, name), gzipSync(JSON.stringify({ Records: records }), { level: 6 }));
    written += count;
    files++;
  }
  const result = { root, events, files, accessKeys: identities.map((i) => i.key).filter(Boolean), seed };
  writeFileSync(markerPath, JSON.stringify(result));
  return result;
}
