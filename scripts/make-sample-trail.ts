/**
 * Generates the bundled sample trail `fixtures/sample-trail/` (an intrusion story in
 * account 111122223333 on 2026-03-04, told in fixtures/sample-trail/README.md).
 *
 *   npx tsc -p . && node out/scripts/make-sample-trail.js
 *
 * Deterministic: every id, key and time comes from a seeded PRNG, gzip output carries
 * no timestamp, and RSA PKCS#1 v1.5 signatures are deterministic for a given key.
 * The digest files are signed with a private key kept OUT of the repository, read from
 * $CTINV_SAMPLE_TRAIL_KEY (default ~/.ctinv/sample-trail-private-key.pem). When that file
 * does not exist a new RSA-2048 key is generated there, and the public key is (re)written
 * to fixtures/sample-trail-public-key.pem: with a new key the digest signatures change,
 * the log files do not.
 *
 * Digest format and signing string follow the AWS CloudTrail user guide ("CloudTrail
 * digest file structure", "Custom implementations of CloudTrail log file integrity
 * validation"): the signature is SHA256withRSA over
 *   digestEndTime "\n" bucket/digestS3Object "\n" hex(sha256(uncompressed digest)) "\n" previousSignature-or-"null"
 * and is stored beside the digest as `<digest file>.signature.json`
 * ({"signature":"<hex>","signatureAlgorithm":"SHA256withRSA"}), standing in for the
 * x-amz-meta-signature S3 metadata. Hashes of log files are SHA-256 of the uncompressed
 * content. digestPublicKeyFingerprint is the hex MD5 of the public key's PKCS#1 DER.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

type Json = Record<string, unknown>;

export const ACCOUNT = '111122223333';
export const OUTSIDE_ACCOUNT = '444455556666';
export const TRAIL_NAME = 'management-events';
export const BUCKET = 'acme-cloudtrail-logs-111122223333';
const DAY = '2026-03-04';

// ---------------------------------------------------------------- deterministic randomness

let seed = 0x5eed_2026;
function rand(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function randInt(lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}
function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}
function uuid(): string {
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function upper(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += UPPER[Math.floor(rand() * UPPER.length)];
  return s;
}

// ---------------------------------------------------------------- times

function at(hhmmss: string, plusMs = 0): number {
  return Date.parse(`${DAY}T${hhmmss}Z`) + plusMs;
}
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------- identities

export const KEYS = {
  ciDeployer: 'AKIAEXAMPLECIDEPLOY1',
  orgAdminSession: 'ASIAEXAMPLEORGADMN01',
  infraSession: 'ASIAEXAMPLEINFRAAU02',
  backupAdmin: 'AKIAEXAMPLEBKPADMIN3',
  aliceConsole: 'ASIAEXAMPLEALICECON4',
  bobConsole: 'ASIAEXAMPLEBOBOPSCN5',
} as const;

export const IPS = {
  attacker: '203.0.113.66',
  ciRunner: '192.0.2.10',
  monitoring: '192.0.2.50',
  alice: '198.51.100.23',
  bob: '198.51.100.45',
  rootOwner: '198.51.100.10',
  vendor: '198.51.100.77',
} as const;

const UA = {
  attacker:
    'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-97-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  ci: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exec-env/CodeBuild exe/x86_64.amzn.2023 prompt/off command/cloudformation.describe-stacks',
  console: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
  consoleFx: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0',
  monitoring: 'datadog-agent/7.51.0 aws-sdk-go/1.50.0 (go1.21.6; linux; amd64)',
  terraform: 'APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0',
} as const;

function iamUser(name: string, principalId: string, accessKeyId: string, console?: { created: number; mfa: boolean }): Json {
  const identity: Json = {
    type: 'IAMUser',
    principalId,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId,
    userName: name,
  };
  if (console) {
    identity.sessionContext = {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: iso(console.created), mfaAuthenticated: String(console.mfa) },
    };
  }
  return identity;
}

interface RoleSession {
  role: string;
  roleId: string;
  session: string;
  key: string;
  created: number;
  sourceIdentity?: string;
  invokedBy?: string;
  account?: string;
}

function roleIdentity(s: RoleSession): Json {
  const account = s.account ?? ACCOUNT;
  const sessionContext: Json = {
    sessionIssuer: {
      type: 'Role',
      principalId: s.roleId,
      arn: `arn:aws:iam::${account}:role/${s.role}`,
      accountId: account,
      userName: s.role,
    },
    webIdFederationData: {},
    attributes: { creationDate: iso(s.created), mfaAuthenticated: 'false' },
  };
  if (s.sourceIdentity) sessionContext.sourceIdentity = s.sourceIdentity;
  const identity: Json = {
    type: 'AssumedRole',
    principalId: `${s.roleId}:${s.session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${s.role}/${s.session}`,
    accountId: account,
    accessKeyId: s.key,
    sessionContext,
  };
  if (s.invokedBy) identity.invokedBy = s.invokedBy;
  return identity;
}

const CI_DEPLOYER = (): Json => iamUser('ci-deployer', 'AIDAEXAMPLECIDEPLOY1', KEYS.ciDeployer);
const BACKUP_ADMIN = (): Json => iamUser('backup-admin', 'AIDAEXAMPLEBKPADMIN3', KEYS.backupAdmin);
const ALICE_LOGIN = at('04:31:12');
const BOB_LOGIN = at('04:52:40');
const ALICE = (): Json => iamUser('alice.dev', 'AIDAEXAMPLEALICEDEV4', KEYS.aliceConsole, { created: ALICE_LOGIN, mfa: true });
const BOB = (): Json => iamUser('bob.ops', 'AIDAEXAMPLEBOBOPS005', KEYS.bobConsole, { created: BOB_LOGIN, mfa: false });

export const ORG_ADMIN: RoleSession = {
  role: 'OrgAdmin',
  roleId: 'AROAEXAMPLEORGADMIN1',
  session: 'ci-deploy-8841',
  key: KEYS.orgAdminSession,
  created: at('05:06:02'),
  sourceIdentity: 'ci-deployer',
};
export const INFRA: RoleSession = {
  role: 'InfraAutomation',
  roleId: 'AROAEXAMPLEINFRAAUT2',
  session: 'infra-sync',
  key: KEYS.infraSession,
  created: at('05:08:31'),
  sourceIdentity: 'ci-deployer',
};
const MONITORING_CREATED = at('04:29:58');
const MONITORING: RoleSession = {
  role: 'MonitoringReadOnly',
  roleId: 'AROAEXAMPLEMONITOR01',
  session: 'datadog-collector',
  key: 'ASIAEXAMPLEMONITOR06',
  created: MONITORING_CREATED,
};
const CONFIG_ROLE: RoleSession = {
  role: 'AWSServiceRoleForConfig',
  roleId: 'AROAEXAMPLECONFIGSVC',
  session: 'AWSConfig-Describe',
  key: 'ASIAEXAMPLECONFIGS07',
  created: at('04:28:00'),
  invokedBy: 'config.amazonaws.com',
};

// ---------------------------------------------------------------- events

const events: Json[] = [];

interface Call {
  time: number;
  identity: Json;
  source: string;
  name: string;
  region?: string;
  ip: string;
  ua: string;
  request?: Json | null;
  response?: Json | null;
  error?: { code: string; message: string };
  readOnly?: boolean;
  resources?: Json[];
  data?: boolean;
  sharedEventID?: string;
  recipient?: string;
  additional?: Json;
  eventType?: string;
}

function add(call: Call): Json {
  const record: Json = {
    eventVersion: '1.09',
    userIdentity: call.identity,
    eventTime: iso(call.time),
    eventSource: call.source,
    eventName: call.name,
    awsRegion: call.region ?? 'us-east-1',
    sourceIPAddress: call.ip,
    userAgent: call.ua,
  };
  if (call.error) {
    if (call.error.code) record.errorCode = call.error.code;
    record.errorMessage = call.error.message;
  }
  record.requestParameters = call.request === undefined ? null : call.request;
  record.responseElements = call.response === undefined ? null : call.response;
  if (call.additional) record.additionalEventData = call.additional;
  record.requestID = uuid();
  record.eventID = uuid();
  record.readOnly = call.readOnly ?? /^(Get|List|Describe|Head|Lookup)/.test(call.name);
  if (call.resources) record.resources = call.resources;
  record.eventType = call.eventType ?? 'AwsApiCall';
  record.managementEvent = !call.data;
  record.recipientAccountId = call.recipient ?? ACCOUNT;
  if (call.sharedEventID) record.sharedEventID = call.sharedEventID;
  record.eventCategory = call.data ? 'Data' : 'Management';
  if (!/amazonaws\.com$/.test(call.ip) && call.ip !== 'AWS Internal') {
    record.tlsDetails = {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${call.source.replace('.amazonaws.com', '')}.${call.region ?? 'us-east-1'}.amazonaws.com`,
    };
  }
  events.push(record);
  return record;
}

const DENIED = (name: string, arn: string, service: string): { code: string; message: string } => ({
  code: 'AccessDenied',
  message: `User: ${arn} is not authorized to perform: ${service}:${name} because no identity-based policy allows the ${service}:${name} action`,
});
const EC2_DENIED = { code: 'Client.UnauthorizedOperation', message: 'You are not authorized to perform this operation.' };

function assumeRole(opts: {
  time: number;
  identity: Json;
  ip: string;
  ua: string;
  target: RoleSession;
  region?: string;
  sharedEventID?: string;
}): Json {
  const account = opts.target.account ?? ACCOUNT;
  const roleArn = `arn:aws:iam::${account}:role/${opts.target.role}`;
  const request: Json = { roleArn, roleSessionName: opts.target.session, durationSeconds: 3600 };
  const response: Json = {
    credentials: {
      accessKeyId: opts.target.key,
      sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEtokenNotARealSessionToken',
      expiration: expiration(opts.time + 3600_000),
    },
    assumedRoleUser: {
      assumedRoleId: `${opts.target.roleId}:${opts.target.session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${opts.target.role}/${opts.target.session}`,
    },
  };
  if (opts.target.sourceIdentity) {
    request.sourceIdentity = opts.target.sourceIdentity;
    response.sourceIdentity = opts.target.sourceIdentity;
  }
  return add({
    time: opts.time,
    identity: opts.identity,
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    region: opts.region,
    ip: opts.ip,
    ua: opts.ua,
    request,
    response,
    readOnly: true,
    sharedEventID: opts.sharedEventID,
    resources: [
      { accountId: account, type: 'AWS::IAM::Role', ARN: roleArn },
    ],
  });
}

// CloudTrail writes the expiration as "Mar 4, 2026, 6:06:02 AM"; keep that shape.
function expiration(ms: number): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const h = d.getUTCHours();
  const hh = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hh}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}


// ---- background: monitoring integration (read-only polling every 3 minutes, both regions)
assumeRole({
  time: MONITORING_CREATED,
  identity: { type: 'AWSAccount', principalId: 'AIDAEXAMPLEDATADOG01', accountId: OUTSIDE_ACCOUNT },
  ip: IPS.monitoring,
  ua: UA.monitoring,
  target: MONITORING,
  sharedEventID: uuid(),
});
const MONITOR_CALLS: Array<[string, string]> = [
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['ec2.amazonaws.com', 'DescribeVolumes'],
  ['rds.amazonaws.com', 'DescribeDBInstances'],
  ['elasticloadbalancing.amazonaws.com', 'DescribeLoadBalancers'],
  ['lambda.amazonaws.com', 'ListFunctions20150331'],
  ['cloudwatch.amazonaws.com', 'DescribeAlarms'],
  ['autoscaling.amazonaws.com', 'DescribeAutoScalingGroups'],
];
for (let t = at('04:30:30'); t < at('05:58:00'); t += 180_000) {
  for (const region of ['us-east-1', 'eu-west-1']) {
    const n = region === 'us-east-1' ? 2 : 1;
    for (let i = 0; i < n; i++) {
      const [source, name] = pick(MONITOR_CALLS);
      add({
        time: t + randInt(0, 20_000),
        identity: roleIdentity(MONITORING),
        source,
        name,
        region,
        ip: IPS.monitoring,
        ua: UA.monitoring,
        request: name === 'DescribeInstances' ? { maxResults: 1000, instancesSet: {}, filterSet: {} } : { maxRecords: 100 },
      });
    }
  }
}

// ---- background: AWS Config describing resources (service-linked role, invokedBy)
for (let t = at('04:34:00'); t < at('05:58:00'); t += 600_000) {
  for (const name of ['DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs']) {
    add({
      time: t + randInt(0, 5_000),
      identity: roleIdentity(CONFIG_ROLE),
      source: 'ec2.amazonaws.com',
      name,
      region: pick(['us-east-1', 'eu-west-1']),
      ip: 'config.amazonaws.com',
      ua: 'config.amazonaws.com',
      request: { maxResults: 1000 },
    });
  }
}

// ---- background: Lambda service assuming its execution role, and that role's calls
let lambdaN = 0;
for (let t = at('04:33:00'); t < at('05:58:00'); t += 420_000) {
  const region = lambdaN % 3 === 2 ? 'eu-west-1' : 'us-east-1';
  const session: RoleSession = {
    role: 'orders-api-lambda-role',
    roleId: 'AROAEXAMPLEORDERSLMB',
    session: 'orders-api',
    key: `ASIAEXAMPLELAMBDA${String(lambdaN).padStart(3, '0')}`,
    created: t,
  };
  lambdaN++;
  assumeRole({
    time: t,
    identity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
    ip: 'lambda.amazonaws.com',
    ua: 'lambda.amazonaws.com',
    target: session,
    region,
  });
  add({
    time: t + 2_000,
    identity: roleIdentity(session),
    source: 'secretsmanager.amazonaws.com',
    name: 'GetSecretValue',
    region,
    ip: '192.0.2.200',
    ua: 'aws-sdk-nodejs/3.535.0 linux/v20.11.1 exec-env/AWS_Lambda_nodejs20.x',
    request: { secretId: 'orders-api/db-credentials' },
  });
  add({
    time: t + 2_400,
    identity: { type: 'AWSService', invokedBy: 'secretsmanager.amazonaws.com' },
    source: 'kms.amazonaws.com',
    name: 'Decrypt',
    region,
    ip: 'secretsmanager.amazonaws.com',
    ua: 'secretsmanager.amazonaws.com',
    request: { encryptionContext: { SecretARN: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:orders-api/db-credentials-a1B2c3` }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${region}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8899-aabbccddeeff` }],
    readOnly: true,
  });
}

// ---- background: CloudTrail's own and autoscaling service events
for (let t = at('04:40:00'); t < at('05:58:00'); t += 900_000) {
  add({
    time: t,
    identity: { accountId: ACCOUNT, type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' },
    source: 'ec2.amazonaws.com',
    name: 'DescribeInstanceStatus',
    region: 'us-east-1',
    ip: 'autoscaling.amazonaws.com',
    ua: 'autoscaling.amazonaws.com',
    request: { instancesSet: { items: [{ instanceId: 'i-0fedcba9876543210' }] }, includeAllInstances: false },
  });
}

// ---- background: a vendor in the outside account using our KMS key (cross-account, sharedEventID)
for (const t of [at('04:44:10'), at('05:14:10'), at('05:44:10')]) {
  add({
    time: t,
    identity: {
      type: 'AWSAccount',
      principalId: 'AROAEXAMPLEVENDORREA:vendor-backup',
      accountId: OUTSIDE_ACCOUNT,
    },
    source: 'kms.amazonaws.com',
    name: 'Decrypt',
    region: 'eu-west-1',
    ip: IPS.vendor,
    ua: 'aws-sdk-java/2.25.10 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS',
    request: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11112222-3333-4444-5555-666677778888` }],
    sharedEventID: uuid(),
    readOnly: true,
  });
}

// ---- background: ci-deployer's ordinary use from the CI runner
for (const [hhmmss, source, name, region, request] of [
  ['04:36:05', 'sts.amazonaws.com', 'GetCallerIdentity', 'us-east-1', {}],
  ['04:36:07', 'cloudformation.amazonaws.com', 'DescribeStacks', 'us-east-1', { stackName: 'orders-api-prod' }],
  ['04:36:09', 'cloudformation.amazonaws.com', 'DescribeStackEvents', 'us-east-1', { stackName: 'orders-api-prod' }],
  ['04:36:30', 'cloudformation.amazonaws.com', 'GetTemplate', 'us-east-1', { stackName: 'orders-api-prod' }],
  ['04:37:02', 'ecr.amazonaws.com', 'GetAuthorizationToken', 'us-east-1', {}],
  ['04:37:40', 'ecr.amazonaws.com', 'DescribeImages', 'us-east-1', { repositoryName: 'orders-api' }],
  ['04:38:11', 'lambda.amazonaws.com', 'GetFunction20150331v2', 'us-east-1', { functionName: 'orders-api' }],
  ['04:38:12', 'lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', 'us-east-1', { functionName: 'orders-api', publish: true }],
  ['04:39:00', 'lambda.amazonaws.com', 'GetFunctionConfiguration20150331v2', 'us-east-1', { functionName: 'orders-api' }],
  ['04:47:15', 'sts.amazonaws.com', 'GetCallerIdentity', 'eu-west-1', {}],
  ['04:47:16', 'cloudformation.amazonaws.com', 'DescribeStacks', 'eu-west-1', { stackName: 'orders-api-eu' }],
  ['04:47:50', 'lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', 'eu-west-1', { functionName: 'orders-api', publish: true }],
  ['04:48:30', 'lambda.amazonaws.com', 'GetFunctionConfiguration20150331v2', 'eu-west-1', { functionName: 'orders-api' }],
] as Array<[string, string, string, string, Json]>) {
  add({ time: at(hhmmss), identity: CI_DEPLOYER(), source, name, region, ip: IPS.ciRunner, ua: UA.ci, request });
}

// ---- background: alice.dev's console session (with MFA), reading things in both regions
add({
  time: ALICE_LOGIN,
  identity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEALICEDEV4', arn: `arn:aws:iam::${ACCOUNT}:user/alice.dev`, accountId: ACCOUNT, userName: 'alice.dev' },
  source: 'signin.amazonaws.com',
  name: 'ConsoleLogin',
  ip: IPS.alice,
  ua: UA.console,
  request: null,
  response: { ConsoleLogin: 'Success' },
  additional: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/alice.dev`, MFAUsed: 'Yes' },
  readOnly: false,
  eventType: 'AwsConsoleSignIn',
});
const CONSOLE_CALLS: Array<[string, string]> = [
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups'],
  ['ec2.amazonaws.com', 'DescribeAddresses'],
  ['ec2.amazonaws.com', 'DescribeTags'],
  ['logs.amazonaws.com', 'DescribeLogGroups'],
  ['logs.amazonaws.com', 'FilterLogEvents'],
  ['cloudwatch.amazonaws.com', 'GetMetricData'],
  ['lambda.amazonaws.com', 'ListFunctions20150331'],
  ['lambda.amazonaws.com', 'GetFunction20150331v2'],
  ['dynamodb.amazonaws.com', 'DescribeTable'],
  ['s3.amazonaws.com', 'ListBuckets'],
  ['health.amazonaws.com', 'DescribeEventAggregates'],
  ['ce.amazonaws.com', 'GetCostAndUsage'],
];
// Console page loads fire bursts of calls within a couple of seconds.
for (let t = ALICE_LOGIN + 20_000; t < at('05:48:00'); t += randInt(150_000, 330_000)) {
  const burst = randInt(3, 7);
  const region = rand() < 0.3 ? 'eu-west-1' : 'us-east-1';
  for (let i = 0; i < burst; i++) {
    const [source, name] = pick(CONSOLE_CALLS);
    add({
      time: t + i * randInt(150, 900),
      identity: ALICE(),
      source,
      name,
      region,
      ip: IPS.alice,
      ua: UA.console,
      request: name === 'DescribeTable' ? { tableName: 'orders' } : name === 'FilterLogEvents' ? { logGroupName: '/aws/lambda/orders-api', startTime: 1772596800000 } : {},
    });
  }
}

// ---- bob.ops: console login WITHOUT MFA, a little activity
add({
  time: BOB_LOGIN,
  identity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEBOBOPS005', arn: `arn:aws:iam::${ACCOUNT}:user/bob.ops`, accountId: ACCOUNT, userName: 'bob.ops' },
  source: 'signin.amazonaws.com',
  name: 'ConsoleLogin',
  ip: IPS.bob,
  ua: UA.consoleFx,
  request: null,
  response: { ConsoleLogin: 'Success' },
  additional: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'No' },
  readOnly: false,
  eventType: 'AwsConsoleSignIn',
});
for (const [offset, source, name] of [
  [15_000, 'ec2.amazonaws.com', 'DescribeInstances'],
  [15_400, 'ec2.amazonaws.com', 'DescribeInstanceStatus'],
  [16_100, 'ec2.amazonaws.com', 'DescribeTags'],
  [95_000, 'rds.amazonaws.com', 'DescribeDBInstances'],
  [96_000, 'rds.amazonaws.com', 'DescribeDBClusters'],
  [240_000, 'cloudwatch.amazonaws.com', 'DescribeAlarms'],
] as Array<[number, string, string]>) {
  add({ time: BOB_LOGIN + offset, identity: BOB(), source, name, ip: IPS.bob, ua: UA.consoleFx, request: {} });
}

// ================================================================ the intrusion

const ATT = { ip: IPS.attacker, ua: UA.attacker };
const ciArn = `arn:aws:iam::${ACCOUNT}:user/ci-deployer`;

// 05:02 the leaked long-term key is tried from an unknown host
const firstCall = add({ time: at('05:02:11'), identity: CI_DEPLOYER(), source: 'sts.amazonaws.com', name: 'GetCallerIdentity', ...ATT, request: null });
add({ time: at('05:02:40'), identity: CI_DEPLOYER(), source: 's3.amazonaws.com', name: 'ListBuckets', ...ATT, request: { Host: 's3.amazonaws.com' } });

// 05:03-05:04 discovery, mostly denied
const denied: Array<[string, string, string]> = [
  ['iam.amazonaws.com', 'ListUsers', 'iam'],
  ['iam.amazonaws.com', 'ListRoles', 'iam'],
  ['iam.amazonaws.com', 'ListPolicies', 'iam'],
  ['iam.amazonaws.com', 'ListGroups', 'iam'],
  ['iam.amazonaws.com', 'ListAccessKeys', 'iam'],
  ['iam.amazonaws.com', 'ListAttachedUserPolicies', 'iam'],
  ['ec2.amazonaws.com', 'DescribeInstances', 'ec2'],
  ['ec2.amazonaws.com', 'DescribeSnapshots', 'ec2'],
  ['ec2.amazonaws.com', 'DescribeVpcs', 'ec2'],
  ['secretsmanager.amazonaws.com', 'ListSecrets', 'secretsmanager'],
  ['rds.amazonaws.com', 'DescribeDBInstances', 'rds'],
  ['lambda.amazonaws.com', 'ListFunctions20150331', 'lambda'],
  ['kms.amazonaws.com', 'ListKeys', 'kms'],
  ['dynamodb.amazonaws.com', 'ListTables', 'dynamodb'],
  ['organizations.amazonaws.com', 'DescribeOrganization', 'organizations'],
  ['guardduty.amazonaws.com', 'ListDetectors', 'guardduty'],
];
let td = at('05:03:02');
for (const [source, name, svc] of denied) {
  add({
    time: td,
    identity: CI_DEPLOYER(),
    source,
    name,
    ...ATT,
    request: {},
    error: svc === 'ec2' ? EC2_DENIED : DENIED(name.replace(/20150331$/, ''), ciArn, svc),
  });
  td += randInt(2_000, 7_000);
}
add({ time: at('05:04:51'), identity: CI_DEPLOYER(), source: 'iam.amazonaws.com', name: 'ListAttachedRolePolicies', ...ATT, request: { roleName: 'OrgAdmin' } });
add({ time: at('05:05:20'), identity: CI_DEPLOYER(), source: 'iam.amazonaws.com', name: 'GetRole', ...ATT, request: { roleName: 'OrgAdmin' } });

// 05:06:02 AssumeRole into OrgAdmin -> ASIA...01
const assume1 = assumeRole({ time: ORG_ADMIN.created, identity: CI_DEPLOYER(), ...ATT, target: ORG_ADMIN });
add({ time: at('05:07:10'), identity: roleIdentity(ORG_ADMIN), source: 'sts.amazonaws.com', name: 'GetCallerIdentity', ...ATT, request: null });
add({ time: at('05:07:31'), identity: roleIdentity(ORG_ADMIN), source: 'iam.amazonaws.com', name: 'ListRoles', ...ATT, request: {} });
add({ time: at('05:07:58'), identity: roleIdentity(ORG_ADMIN), source: 'iam.amazonaws.com', name: 'GetRole', ...ATT, request: { roleName: 'InfraAutomation' } });

// 05:08:31 role chaining into InfraAutomation -> ASIA...02
const assume2 = assumeRole({ time: INFRA.created, identity: roleIdentity(ORG_ADMIN), ...ATT, target: INFRA });
const infra = (): Json => roleIdentity(INFRA);

// 05:10 the alerting event: an unknown EC2 instance
add({
  time: at('05:10:05'),
  identity: infra(),
  source: 'ec2.amazonaws.com',
  name: 'RunInstances',
  ...ATT,
  request: {
    instancesSet: { items: [{ imageId: 'ami-0c7217cdde317cfec', minCount: 1, maxCount: 1 }] },
    instanceType: 'c5.4xlarge',
    blockDeviceMapping: {},
    monitoring: { enabled: false },
    disableApiTermination: false,
    clientToken: 'a4f1f7c2-attacker',
  },
  response: {
    requestId: 'r-0a1b2c3d4e5f67890',
    reservationId: 'r-0a1b2c3d4e5f67890',
    ownerId: ACCOUNT,
    instancesSet: { items: [{ instanceId: 'i-0a1b2c3d4e5f60718', imageId: 'ami-0c7217cdde317cfec', instanceType: 'c5.4xlarge', instanceState: { code: 0, name: 'pending' } }] },
  },
  resources: [{ accountId: ACCOUNT, type: 'AWS::EC2::Instance', ARN: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0a1b2c3d4e5f60718` }],
});
// 05:10:40 one call in a region this account never used
add({
  time: at('05:10:40'),
  identity: infra(),
  source: 'ec2.amazonaws.com',
  name: 'ImportKeyPair',
  region: 'ap-southeast-3',
  ...ATT,
  request: { keyName: 'ops-recovery', publicKeyMaterial: '<sensitiveDataRemoved>' },
  response: { keyName: 'ops-recovery', keyFingerprint: '1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca', keyPairId: 'key-0123456789abcdef0' },
  readOnly: false,
});

// 05:12 persistence: a new admin user with its own key
const createUser = add({
  time: at('05:12:03'),
  identity: infra(),
  source: 'iam.amazonaws.com',
  name: 'CreateUser',
  ...ATT,
  request: { userName: 'backup-admin', path: '/' },
  response: { user: { path: '/', userName: 'backup-admin', userId: 'AIDAEXAMPLEBKPADMIN3', arn: `arn:aws:iam::${ACCOUNT}:user/backup-admin`, createDate: 'Mar 4, 2026, 5:12:03 AM' } },
});
add({
  time: at('05:12:34'),
  identity: infra(),
  source: 'iam.amazonaws.com',
  name: 'CreateAccessKey',
  ...ATT,
  request: { userName: 'backup-admin' },
  response: { accessKey: { userName: 'backup-admin', accessKeyId: KEYS.backupAdmin, status: 'Active', createDate: 'Mar 4, 2026, 5:12:34 AM' } },
});
add({
  time: at('05:13:02'),
  identity: infra(),
  source: 'iam.amazonaws.com',
  name: 'AttachUserPolicy',
  ...ATT,
  request: { userName: 'backup-admin', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
});

// 05:15 credential access: a burst of GetSecretValue
const SECRETS = [
  'prod/orders/db-master',
  'prod/payments/stripe-api-key',
  'prod/payments/db-master',
  'prod/auth/jwt-signing-key',
  'prod/reporting/redshift',
  'prod/github/deploy-token',
  'prod/datadog/api-key',
  'prod/smtp/credentials',
  'prod/backup/encryption-passphrase',
  'prod/vpn/psk',
  'prod/ldap/bind-password',
  'prod/orders/db-readonly',
];
let ts = at('05:15:01');
for (let i = 0; i < SECRETS.length; i++) {
  const deny = i === 3 || i === 9;
  add({
    time: ts,
    identity: infra(),
    source: 'secretsmanager.amazonaws.com',
    name: 'GetSecretValue',
    ...ATT,
    request: { secretId: SECRETS[i] },
    error: deny ? { code: 'AccessDenied', message: 'Access to KMS is not allowed' } : undefined,
  });
  ts += randInt(1_500, 6_000);
}

// 05:18 trying to stop the trail (denied by an SCP)
add({
  time: at('05:18:22'),
  identity: infra(),
  source: 'cloudtrail.amazonaws.com',
  name: 'StopLogging',
  ...ATT,
  request: { name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${TRAIL_NAME}` },
  error: {
    code: 'AccessDenied',
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/InfraAutomation/infra-sync is not authorized to perform: cloudtrail:StopLogging on resource: arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${TRAIL_NAME} with an explicit deny in a service control policy`,
  },
});

// 05:20 a bucket made public
add({
  time: at('05:20:14'),
  identity: infra(),
  source: 's3.amazonaws.com',
  name: 'PutBucketPolicy',
  ...ATT,
  request: {
    bucketName: 'acme-prod-backups',
    Host: 'acme-prod-backups.s3.amazonaws.com',
    bucketPolicy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-prod-backups/*' }],
    },
    policy: '',
  },
  resources: [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-prod-backups' }],
});

// 05:22 an EBS snapshot shared with the outside account
add({
  time: at('05:22:47'),
  identity: infra(),
  source: 'ec2.amazonaws.com',
  name: 'ModifySnapshotAttribute',
  ...ATT,
  request: {
    snapshotId: 'snap-0123456789abcdef0',
    createVolumePermission: { add: { items: [{ userId: OUTSIDE_ACCOUNT }] } },
    attributeType: 'CREATE_VOLUME_PERMISSION',
  },
  response: { requestId: uuid(), _return: true },
});

// 05:25 objects re-encrypted in place with a customer-provided key (SSE-C ransom)
const OBJECTS = ['db/orders-2026-03-03.dump.gz', 'db/payments-2026-03-03.dump.gz', 'db/auth-2026-03-03.dump.gz', 'config/terraform.tfstate', 'config/secrets-export.json'];
let tc = at('05:25:09');
for (const key of OBJECTS) {
  add({
    time: tc,
    identity: infra(),
    source: 's3.amazonaws.com',
    name: 'CopyObject',
    ...ATT,
    request: {
      bucketName: 'acme-prod-backups',
      Host: 'acme-prod-backups.s3.amazonaws.com',
      key,
      'x-amz-copy-source': `acme-prod-backups/${key}`,
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-metadata-directive': 'REPLACE',
    },
    response: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
    additional: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader', bytesTransferredIn: 0, bytesTransferredOut: 234 },
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::acme-prod-backups/${key}` },
      { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-prod-backups' },
    ],
    data: true,
    readOnly: false,
  });
  tc += randInt(800, 3_000);
}
add({
  time: at('05:26:30'),
  identity: infra(),
  source: 's3.amazonaws.com',
  name: 'PutObject',
  ...ATT,
  request: { bucketName: 'acme-prod-backups', Host: 'acme-prod-backups.s3.amazonaws.com', key: 'README-RECOVER-YOUR-FILES.txt' },
  resources: [
    { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::acme-prod-backups/README-RECOVER-YOUR-FILES.txt' },
    { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-prod-backups' },
  ],
  data: true,
  readOnly: false,
});

// 05:30 failed console logins for carol.admin from the attacker's host
for (const hhmmss of ['05:30:02', '05:30:19', '05:30:41', '05:31:05']) {
  add({
    time: at(hhmmss),
    identity: { type: 'IAMUser', principalId: 'AIDAEXAMPLECAROLADM6', accountId: ACCOUNT, accessKeyId: '', userName: 'carol.admin' },
    source: 'signin.amazonaws.com',
    name: 'ConsoleLogin',
    ip: IPS.attacker,
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
    request: null,
    response: { ConsoleLogin: 'Failure' },
    error: { code: '', message: 'Failed authentication' },
    additional: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'No' },
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
  });
}

// 05:40 the backdoor key is tested
const backdoorCall = add({ time: at('05:40:12'), identity: BACKUP_ADMIN(), source: 'sts.amazonaws.com', name: 'GetCallerIdentity', ...ATT, request: null });
add({ time: at('05:40:30'), identity: BACKUP_ADMIN(), source: 'iam.amazonaws.com', name: 'ListUsers', ...ATT, request: {} });

// 05:50 the account owner signs in as root (with MFA) after the alert
add({
  time: at('05:50:33'),
  identity: { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: '' },
  source: 'signin.amazonaws.com',
  name: 'ConsoleLogin',
  ip: IPS.rootOwner,
  ua: UA.console,
  request: null,
  response: { ConsoleLogin: 'Success' },
  additional: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
  readOnly: false,
  eventType: 'AwsConsoleSignIn',
});


// ---------------------------------------------------------------- files

interface LogFile {
  region: string;
  key: string;
  records: Json[];
  delivered: number;
}

function timeOf(e: Json): number {
  return Date.parse(e.eventTime as string);
}

/** Records delivered twice (same eventID in two files): attack and noise alike. */
export const DUPLICATED_EVENT_IDS = [firstCall.eventID as string, createUser.eventID as string, assume2.eventID as string];

function makeFiles(): LogFile[] {
  const byRegion = new Map<string, Json[]>();
  for (const e of [...events].sort((a, b) => timeOf(a) - timeOf(b))) {
    const region = e.awsRegion as string;
    if (!byRegion.has(region)) byRegion.set(region, []);
    byRegion.get(region)!.push(e);
  }
  const files: LogFile[] = [];
  for (const region of [...byRegion.keys()].sort()) {
    const list = byRegion.get(region)!;
    let i = 0;
    while (i < list.length) {
      const size = list.length - i <= 60 ? list.length - i : randInt(20, 45);
      const records = list.slice(i, i + size);
      i += size;
      const newest = timeOf(records[records.length - 1]);
      const delivered = Math.ceil((newest + 60_000) / 300_000) * 300_000;
      const stamp = iso(delivered).replace(/[-:]/g, '').replace(/00Z$/, 'Z');
      const name = `${ACCOUNT}_CloudTrail_${region}_${stamp}_${upper(16).replace(/[^A-Za-z0-9]/g, 'x')}.json.gz`;
      const d = new Date(delivered);
      const key = `AWSLogs/${ACCOUNT}/CloudTrail/${region}/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${name}`;
      files.push({ region, key, records, delivered });
    }
  }
  // Duplicate deliveries: append each chosen record to the next file of its region.
  for (const id of DUPLICATED_EVENT_IDS) {
    const index = files.findIndex((f) => f.records.some((r) => r.eventID === id));
    const record = files[index].records.find((r) => r.eventID === id)!;
    const next = files.slice(index + 1).find((f) => f.region === files[index].region) ?? files[index - 1];
    next.records.push(record);
  }
  // AWS does not sort records inside a file: swap a few neighbours.
  for (const f of files) {
    for (let k = 0; k < 3 && f.records.length > 2; k++) {
      const a = randInt(0, f.records.length - 2);
      [f.records[a], f.records[a + 1]] = [f.records[a + 1], f.records[a]];
    }
  }
  return files;
}

function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function gzip(text: string): Buffer {
  return zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

function loadKey(repo: string): { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } {
  const keyPath = process.env.CTINV_SAMPLE_TRAIL_KEY ?? path.join(os.homedir(), '.ctinv', 'sample-trail-private-key.pem');
  if (path.resolve(keyPath).startsWith(path.resolve(repo) + path.sep)) {
    throw new Error(`refusing to keep the private key inside the repository: ${keyPath}`);
  }
  let privateKey: crypto.KeyObject;
  if (fs.existsSync(keyPath)) {
    privateKey = crypto.createPrivateKey(fs.readFileSync(keyPath, 'utf8'));
  } else {
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    fs.mkdirSync(path.dirname(keyPath), { recursive: true });
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    process.stderr.write(`generated a new signing key at ${keyPath}\n`);
  }
  return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
}

function main(): void {
  const repo = path.resolve(__dirname, '..', '..');
  const outDir = path.join(repo, 'fixtures', 'sample-trail');
  const files = makeFiles();
  const { privateKey, publicKey } = loadKey(repo);
  const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'der' });
  const fingerprint = crypto.createHash('md5').update(pkcs1).digest('hex');

  fs.rmSync(path.join(outDir, 'AWSLogs'), { recursive: true, force: true });
  const hashes = new Map<string, string>();
  for (const f of files) {
    const text = JSON.stringify({ Records: f.records });
    hashes.set(f.key, sha256(text));
    const target = path.join(outDir, f.key);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, gzip(text));
  }

  // Digests: one per region per hour, chained by previousDigest*.
  const hours = [at('05:00:00'), at('06:00:00')];
  let digests = 0;
  for (const region of [...new Set(files.map((f) => f.region))].sort()) {
    let previous: { key: string; hash: string; signature: string } | undefined;
    for (const end of hours) {
      const start = end - 3600_000;
      const covered = files.filter((f) => f.region === region && f.delivered > start && f.delivered <= end);
      const times = covered.flatMap((f) => f.records.map(timeOf));
      const endStamp = iso(end).replace(/[-:]/g, '');
      const key = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${region}/2026/03/04/${ACCOUNT}_CloudTrail-Digest_${region}_${TRAIL_NAME}_${region}_${endStamp}.json.gz`;
      const digest: Json = {
        awsAccountId: ACCOUNT,
        digestStartTime: iso(start),
        digestEndTime: iso(end),
        digestS3Bucket: BUCKET,
        digestS3Object: key,
        digestPublicKeyFingerprint: fingerprint,
        digestSignatureAlgorithm: 'SHA256withRSA',
        newestEventTime: times.length ? iso(Math.max(...times)) : null,
        oldestEventTime: times.length ? iso(Math.min(...times)) : null,
        previousDigestS3Bucket: previous ? BUCKET : null,
        previousDigestS3Object: previous ? previous.key : null,
        previousDigestHashValue: previous ? previous.hash : null,
        previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
        previousDigestSignature: previous ? previous.signature : null,
        logFiles: covered.map((f) => {
          const ft = f.records.map(timeOf);
          return {
            s3Bucket: BUCKET,
            s3Object: f.key,
            hashValue: hashes.get(f.key),
            hashAlgorithm: 'SHA-256',
            newestEventTime: iso(Math.max(...ft)),
            oldestEventTime: iso(Math.min(...ft)),
          };
        }),
      };
      const text = JSON.stringify(digest);
      const hash = sha256(text);
      const signingString = `${iso(end)}\n${BUCKET}/${key}\n${hash}\n${previous ? previous.signature : 'null'}`;
      const signature = crypto.sign('sha256', Buffer.from(signingString, 'utf8'), privateKey).toString('hex');
      const target = path.join(outDir, key);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, gzip(text));
      fs.writeFileSync(`${target}.signature.json`, JSON.stringify({ signature, signatureAlgorithm: 'SHA256withRSA' }) + '\n');
      previous = { key, hash, signature };
      digests++;
    }
  }
  fs.writeFileSync(path.join(repo, 'fixtures', 'sample-trail-public-key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));

  const unique = new Set(files.flatMap((f) => f.records.map((r) => r.eventID))).size;
  const records = files.reduce((n, f) => n + f.records.length, 0);
  process.stdout.write(
    `wrote ${files.length} log files (${records} records, ${unique} unique events) and ${digests} digests to ${outDir}\n` +
      `ASIA...01 issued by AssumeRole ${assume1.eventID as string}; ASIA...02 by ${assume2.eventID as string}\n` +
      `backdoor key first used by ${backdoorCall.eventID as string}\n`,
  );
}

if (require.main === module) main();
