/**
 * Turns one parsed JSON value from an evidence file into a CloudTrail record, looking
 * through the wrappers that exports put around it. The reader and `readRecordsAt` both
 * use this, so a record fetched again is the same object the reader emitted.
 */
import { JsonObject } from '../model/event';
import { looksLikeCloudTrailEvent } from '../model/normalize';

export type Unwrapped =
  | { kind: 'event'; event: JsonObject; rebuilt: boolean }
  | { kind: 'other'; description: string };

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function parseEmbeddedJson(text: string): unknown {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** A `resources` entry from a resource type and name (Event history and LookupEvents carry no ARNs). */
export function resourceEntry(type: string | undefined, name: string | undefined): JsonObject {
  const entry: JsonObject = {};
  if (type) entry.type = type;
  if (name) {
    if (name.startsWith('arn:')) entry.ARN = name;
    else entry.name = name;
  }
  return entry;
}

function readOnlyValue(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/**
 * LookupEvents `Event` without a usable `CloudTrailEvent`: the best record its own fields allow.
 * The shape mirrors a CloudTrail record so the normaliser reads it like any other.
 */
function recordFromLookupFields(item: JsonObject): JsonObject {
  const record: JsonObject = {};
  if (item.EventId !== undefined) record.eventID = item.EventId;
  if (item.EventTime !== undefined) record.eventTime = item.EventTime;
  if (item.EventName !== undefined) record.eventName = item.EventName;
  if (item.EventSource !== undefined) record.eventSource = item.EventSource;
  const readOnly = readOnlyValue(item.ReadOnly);
  if (readOnly !== undefined) record.readOnly = readOnly;
  const userName = nonEmptyString(item.Username);
  const accessKeyId = nonEmptyString(item.AccessKeyId);
  if (userName || accessKeyId) {
    const identity: JsonObject = {};
    if (userName) identity.userName = userName;
    if (accessKeyId) identity.accessKeyId = accessKeyId;
    record.userIdentity = identity;
  }
  if (Array.isArray(item.Resources)) {
    record.resources = item.Resources.map((resource) => {
      const o = asObject(resource);
      return resourceEntry(nonEmptyString(o?.ResourceType), nonEmptyString(o?.ResourceName));
    });
  }
  return record;
}

function isLookupEvent(o: JsonObject): boolean {
  return o.CloudTrailEvent !== undefined || (o.EventId !== undefined && o.EventName !== undefined);
}

function fromLookupEvent(o: JsonObject): Unwrapped {
  const embedded = o.CloudTrailEvent;
  const parsed = typeof embedded === 'string' ? parseEmbeddedJson(embedded) : asObject(embedded);
  const event = asObject(parsed);
  if (event) return { kind: 'event', event, rebuilt: false };
  if (o.EventName === undefined) return { kind: 'other', description: 'a LookupEvents item without CloudTrailEvent or EventName' };
  return { kind: 'event', event: recordFromLookupFields(o), rebuilt: true };
}

/** Keys whose value holds the real event: CloudWatch Logs exports, Panther tests, EventBridge, Elasticsearch. */
const WRAPPER_KEYS = ['message', 'event', 'detail', '_source'] as const;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a JSON array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  const o = asObject(value);
  if (!o) return `a JSON ${typeof value}`;
  const keys = Object.keys(o);
  if (keys.length === 0) return 'an empty JSON object';
  const shown = keys
    .slice(0, 6)
    .map((key) => (key.length > 40 ? `${key.slice(0, 40)}…` : key))
    .join(', ');
  return `a JSON object with keys ${shown}${keys.length > 6 ? ', …' : ''}`;
}

/** Panther labels the records it normalised; its test events may carry little more than a name. */
function isPantherCloudTrailRecord(o: JsonObject): boolean {
  return o.p_log_type === 'AWS.CloudTrail' && typeof o.eventName === 'string';
}

/** One JSON value from a file -> the CloudTrail record it holds, or a description of what it is. */
export function unwrapRecord(value: unknown, wrapperDepth = 0): Unwrapped {
  const o = asObject(value);
  if (!o) return { kind: 'other', description: describeValue(value) };
  if (looksLikeCloudTrailEvent(o) || isPantherCloudTrailRecord(o)) return { kind: 'event', event: o, rebuilt: false };
  if (isLookupEvent(o)) return fromLookupEvent(o);
  if (wrapperDepth < 2) {
    for (const key of WRAPPER_KEYS) {
      const inner = o[key];
      if (inner === undefined) continue;
      const candidate = typeof inner === 'string' ? parseEmbeddedJson(inner) : inner;
      if (candidate === undefined) continue;
      const unwrapped = unwrapRecord(candidate, wrapperDepth + 1);
      if (unwrapped.kind === 'event') return unwrapped;
    }
  }
  return { kind: 'other', description: describeValue(o) };
}

/** A CloudTrail-Digest file: the integrity chain, listed but never indexed as events. */
export function isDigestDocument(value: unknown): boolean {
  const o = asObject(value);
  if (!o) return false;
  return (
    (o.digestStartTime !== undefined && o.digestEndTime !== undefined) ||
    (o.awsAccountId !== undefined && Array.isArray(o.logFiles))
  );
}

/**
 * The `x-amz-meta-signature` sidecar the trail downloader keeps beside each digest
 * (`<digest>.signature.json`): integrity metadata, never events.
 */
export function isDigestSignatureDocument(value: unknown): boolean {
  const o = asObject(value);
  if (!o) return false;
  const keys = Object.keys(o);
  return typeof o.signature === 'string' && keys.every((k) => k === 'signature' || k === 'signatureAlgorithm' || k === 'digestS3Object');
}

export { describeValue };
