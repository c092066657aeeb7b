/**
 * The one builder of synthetic CloudTrail records, shared by the benchmark's trail
 * generators (bench/generate.ts, bench/shapes.ts) and the local test servers
 * (test/servers/synth.ts): the record's fields, their order (as CloudTrail writes them) and
 * the identity shapes live here; each caller keeps its own cast and its own order of random
 * draws, so a seed gives the same records it always gave.
 *
 * Nothing under src/ imports this file: it is test and benchmark data only.
 */

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

export function hex(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
  return out;
}

/** Upper-case base-32 text, as in access key ids and principal ids. */
export function upperId(rand: () => number, length: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(rand() * chars.length)];
  return out;
}

export function uuid(rand: () => number): string {
  const h = hex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** An ISO time at whole seconds, as CloudTrail writes eventTime. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type UserIdentity = Record<string, unknown>;

export function iamUser(account: string, userName: string, accessKeyId: string, principalId: string): UserIdentity {
  return { type: 'IAMUser', principalId, arn: `arn:aws:iam::${account}:user/${userName}`, accountId: account, accessKeyId, userName };
}

export function assumedRole(account: string, role: string, session: string, accessKeyId: string, roleId: string): UserIdentity {
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
      webIdFederationData: {},
      attributes: { creationDate: '2026-03-04T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

export function awsService(invokedBy: string): UserIdentity {
  return { type: 'AWSService', invokedBy };
}

export function rootUser(account: string): UserIdentity {
  return { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: '' };
}

export interface RecordParts {
  userIdentity: UserIdentity;
  /** Epoch ms; written at whole seconds. */
  time: number;
  eventSource: string;
  eventName: string;
  region: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: unknown;
  responseElements?: unknown;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  /** The account the record was delivered to (recipientAccountId). */
  account: string;
  error?: { code: string; message: string };
  resources?: unknown[];
  /** An Insights event (eventType AwsCloudTrailInsight, eventCategory Insight). */
  insight?: boolean;
  /** Adds tlsDetails with this host header. */
  tlsHost?: string;
}

export type CloudTrailRecord = Record<string, unknown>;

/** One record, its fields in the order CloudTrail writes them; optional parts left out when absent. */
export function cloudTrailRecord(parts: RecordParts): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: parts.userIdentity,
    eventTime: eventTime(parts.time),
    eventSource: parts.eventSource,
    eventName: parts.eventName,
    awsRegion: parts.region,
    sourceIPAddress: parts.sourceIPAddress,
    userAgent: parts.userAgent,
  };
  if (parts.error) {
    record.errorCode = parts.error.code;
    record.errorMessage = parts.error.message;
  }
  record.requestParameters = parts.requestParameters;
  record.responseElements = parts.responseElements ?? null;
  record.requestID = parts.requestID;
  record.eventID = parts.eventID;
  record.readOnly = parts.readOnly;
  if (parts.resources) record.resources = parts.resources;
  record.eventType = parts.insight ? 'AwsCloudTrailInsight' : 'AwsApiCall';
  record.managementEvent = true;
  record.recipientAccountId = parts.account;
  record.eventCategory = parts.insight ? 'Insight' : 'Management';
  if (parts.tlsHost !== undefined) record.tlsDetails = { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: parts.tlsHost };
  return record;
}
