import { IdentityType, IDENTITY_TYPES, JsonObject, NormalizedEvent } from './event';
import { parseEventTime } from './time';

/** A field as the index keeps it: non-empty strings, numbers and booleans as text; nothing else. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function obj(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** Reads a dotted JSON path ("userIdentity.sessionContext.sessionIssuer.arn") from an event. */
export function getPath(event: unknown, path: string): unknown {
  let current: unknown = event;
  for (const part of path.split('.')) {
    const o = obj(current);
    if (!o) return undefined;
    current = o[part];
  }
  return current;
}

const KNOWN_IDENTITY_TYPES: ReadonlySet<string> = new Set(IDENTITY_TYPES);

function identityType(identity: JsonObject | undefined, invokedBy: string | undefined): IdentityType {
  const raw = str(identity?.type);
  if (raw && KNOWN_IDENTITY_TYPES.has(raw)) return raw as IdentityType;
  if (raw === 'Role') return 'AssumedRole';
  if (!raw && invokedBy) return 'AWSService';
  return 'Unknown';
}

/** "arn:aws:sts::123:assumed-role/Role/session" -> "arn:aws:iam::123:role/Role" (the path is not recoverable). */
function roleArnFromAssumedRoleArn(arn: string): string | undefined {
  const match = /^arn:([^:]+):sts::(\d*):assumed-role\/([^/]+)\//.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}

/**
 * One stable key per identity. For role sessions the key is role + session name
 * (the assumed-role ARN); the individual session instance is `session`.
 */
export function principalKey(type: IdentityType, identity: JsonObject | undefined, invokedBy: string | undefined): string {
  const arn = str(identity?.arn);
  const account = str(identity?.accountId) ?? '';
  const principalId = str(identity?.principalId);
  const userName = str(identity?.userName);
  switch (type) {
    case 'IAMUser':
      return arn ?? `iam-user:${account}:${userName ?? principalId ?? '?'}`;
    case 'Root':
      return arn ?? `arn:aws:iam::${account}:root`;
    case 'AssumedRole': {
      if (arn) return arn;
      const issuer = obj(obj(identity?.sessionContext)?.sessionIssuer);
      const session = principalId?.includes(':') ? principalId.slice(principalId.indexOf(':') + 1) : '?';
      return `${str(issuer?.arn) ?? `role:${account}:${str(issuer?.userName) ?? principalId ?? '?'}`}/${session}`;
    }
    case 'FederatedUser':
      return arn ?? `federated-user:${account}:${principalId ?? '?'}`;
    case 'AWSService':
      return `service:${invokedBy ?? str(identity?.invokedBy) ?? principalId ?? '?'}`;
    case 'SAMLUser':
      return `saml:${str(identity?.identityProvider) ?? '?'}:${userName ?? principalId ?? '?'}`;
    case 'WebIdentityUser':
      return `web-identity:${str(identity?.identityProvider) ?? '?'}:${userName ?? principalId ?? '?'}`;
    case 'AWSAccount':
      return `aws-account:${account}:${principalId ?? '?'}`;
    case 'IdentityCenterUser': {
      const onBehalfOf = obj(identity?.onBehalfOf);
      return `identity-center:${str(onBehalfOf?.identityStoreArn) ?? account}:${str(onBehalfOf?.userId) ?? userName ?? principalId ?? '?'}`;
    }
    case 'Directory':
      return arn ?? `directory:${account}:${userName ?? principalId ?? '?'}`;
    case 'Unknown':
      return arn ?? `unknown:${account}:${userName ?? principalId ?? '?'}`;
  }
}

// Shared by the many events that name no resource (frozen: a push would throw, not leak).
const NO_RESOURCES = Object.freeze([]) as unknown as string[];

/** ARNs of the resources an event touched: `resources[].ARN` (also `arn`, as some exports write it). */

export function resourceArns(resources: unknown): string[] {
  if (!Array.isArray(resources) || resources.length === 0) return NO_RESOURCES;
  const out: string[] = [];
  for (const resource of resources) {
    const arn = str(obj(resource)?.ARN) ?? str(obj(resource)?.arn);
    if (arn && !out.includes(arn)) out.push(arn);
  }
  return out;
}

/** What follows the `count`-th "/" ("a/b/c/d", 2 -> "c/d"), or undefined when empty or absent. */
function afterSlashes(text: string, count: number): string | undefined {
  let at = -1;
  for (let i = 0; i < count; i++) {
    at = text.indexOf('/', at + 1);
    if (at < 0) return undefined;
  }
  return at + 1 < text.length ? text.slice(at + 1) : undefined;
}

/**
 * A failed console sign-in has no errorCode: CloudTrail writes `responseElements.ConsoleLogin:
 * "Failure"` and an errorMessage ("Failed authentication"). Indexed as its error, so failed
 * logins count as errors everywhere (`error:*`, the timeline's error marks).
 */
export function consoleLoginFailure(eventName: unknown, failed: boolean, errorMessage: unknown): string | undefined {
  if (eventName !== 'ConsoleLogin' || !failed) return undefined;
  return str(errorMessage) ?? 'Failure';
}

export function readOnlyFlag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** What an event's `userIdentity` alone says: the same for every event of one identity. */
export type IdentityFacts = Pick<
  NormalizedEvent,
  'callerAccount' | 'issuer' | 'sessionName' | 'session' | 'sessionCreated' | 'mfaAuthenticated' | 'accessKeyId' | 'invokedBy'
> & {
  type: IdentityType;
  /** principalKey without the event: for an AWSService identity with no invokedBy, the key uses the source IP instead (see principalFor). */
  principal: string;
  principalUsesSourceIp: boolean;
  /** sessionContext.sourceIdentity; an event-level `sourceIdentity` stands in when absent. */
  sourceIdentity?: string;
};

export function identityFacts(identityValue: unknown): IdentityFacts {
  const identity = obj(identityValue);
  const invokedBy = str(identity?.invokedBy);
  const type = identityType(identity, invokedBy);
  const sessionContext = obj(identity?.sessionContext);
  const issuerObj = obj(sessionContext?.sessionIssuer);
  const attributes = obj(sessionContext?.attributes);
  const arn = str(identity?.arn);

  let issuer = str(issuerObj?.arn);
  if (!issuer && type === 'AssumedRole' && arn) issuer = roleArnFromAssumedRoleArn(arn);
  let sessionName: string | undefined;
  if (type === 'AssumedRole') {
    const principalId = str(identity?.principalId);
    sessionName = (arn && afterSlashes(arn, 2)) || (principalId?.includes(':') ? principalId.slice(principalId.indexOf(':') + 1) : undefined);
  } else if (type === 'FederatedUser') {
    sessionName = arn && afterSlashes(arn, 1);
  }
  const sessionCreated = str(attributes?.creationDate);
  const session =
    (type === 'AssumedRole' || type === 'FederatedUser') && (issuer || sessionName)
      ? `${issuer ?? '?'}/${sessionName ?? '?'}@${sessionCreated ?? '?'}`
      : undefined;
  const mfa = str(attributes?.mfaAuthenticated);
  return {
    type,
    principal: principalKey(type, identity, invokedBy),
    principalUsesSourceIp: type === 'AWSService' && invokedBy === undefined,
    callerAccount: str(identity?.accountId),
    issuer,
    sessionName,
    session,
    sessionCreated,
    sourceIdentity: str(sessionContext?.sourceIdentity),
    mfaAuthenticated: mfa === undefined ? undefined : mfa === 'true',
    accessKeyId: str(identity?.accessKeyId),
    invokedBy,
  };
}

/** The principal key of an event of this identity from this source IP. */
export function principalFor(facts: IdentityFacts, identityValue: unknown, sourceIp: string | undefined): string {
  return facts.principalUsesSourceIp ? principalKey(facts.type, obj(identityValue), sourceIp) : facts.principal;
}

/** `responseElements` facts: the temporary key an STS call issued, and a failed console sign-in. */
export function responseFacts(responseElements: unknown): { issuedAccessKeyId?: string; consoleLoginFailed: boolean } {
  const response = obj(responseElements);
  return {
    issuedAccessKeyId: str(obj(response?.credentials)?.accessKeyId),
    consoleLoginFailed: response?.ConsoleLogin === 'Failure',
  };
}

/** The eventType of CloudTrail Insights records. */
export const INSIGHT_EVENT_TYPE = 'AwsCloudTrailInsight';

/**
 * What an Insights record's `insightDetails` says: the API and service the unusual activity
 * was about (an Insights record has no top-level eventName or eventSource), whether it
 * starts or ends the Insight, and its type. Undefined for any other record.
 */
export interface InsightFacts {
  eventName?: string;
  eventSource?: string;
  state?: string;
  /** ApiCallRateInsight, ApiErrorRateInsight; a list is joined with ", ". */
  type?: string;
}

function insightType(value: unknown): string | undefined {
  if (!Array.isArray(value)) return str(value);
  const parts: string[] = [];
  for (const item of value) {
    const text = str(item);
    if (text !== undefined) parts.push(text);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function insightFacts(event: JsonObject): InsightFacts | undefined {
  const details = obj(event.insightDetails);
  if (!details) return undefined;
  return {
    eventName: str(details.eventName),
    eventSource: str(details.eventSource),
    state: str(details.state),
    type: insightType(details.insightType),
  };
}

/** An Insights record: eventType AwsCloudTrailInsight, or the insightDetails block only Insights records carry. */
export function isInsightRecord(event: JsonObject): boolean {
  return event.eventType === INSIGHT_EVENT_TYPE || obj(event.insightDetails) !== undefined;
}

export function normalizeEvent(event: JsonObject): NormalizedEvent {
  const identity = event.userIdentity;
  const insight = insightFacts(event);
  const facts = identityFacts(identity);
  const response = responseFacts(event.responseElements);
  const sourceIp = str(event.sourceIPAddress);
  return {
    time: parseEventTime(event.eventTime ?? event['@timestamp']),
    eventId: str(event.eventID),
    eventName: str(event.eventName) ?? insight?.eventName,
    eventSource: str(event.eventSource) ?? insight?.eventSource,
    region: str(event.awsRegion),
    account: str(event.recipientAccountId) ?? facts.callerAccount,
    callerAccount: facts.callerAccount,
    principal: principalFor(facts, identity, sourceIp),
    principalType: facts.type,
    issuer: facts.issuer,
    sessionName: facts.sessionName,
    session: facts.session,
    sessionCreated: facts.sessionCreated,
    sourceIdentity: facts.sourceIdentity ?? str(event.sourceIdentity),
    mfaAuthenticated: facts.mfaAuthenticated,
    accessKeyId: facts.accessKeyId,
    sourceIp,
    userAgent: str(event.userAgent),
    readOnly: readOnlyFlag(event.readOnly),
    errorCode: str(event.errorCode) ?? consoleLoginFailure(event.eventName, response.consoleLoginFailed, event.errorMessage),
    // Insights records written before eventCategory existed are Insights all the same.
    eventCategory: str(event.eventCategory) ?? (isInsightRecord(event) ? 'Insight' : 'Management'),
    eventType: str(event.eventType),
    invokedBy: facts.invokedBy,
    resources: resourceArns(event.resources),
    requestId: str(event.requestID),
    sharedEventId: str(event.sharedEventID),
    issuedAccessKeyId: response.issuedAccessKeyId,
    insightState: insight?.state,
    insightType: insight?.type,
  };
}

/** Cheap structural check: does this object look like a CloudTrail record? */
export function looksLikeCloudTrailEvent(value: unknown): value is JsonObject {
  const o = obj(value);
  if (!o) return false;
  let hits = 0;
  if (typeof o.eventName === 'string') hits += 2;
  if (typeof o.eventSource === 'string') hits++;
  if (obj(o.userIdentity)) hits++;
  if (typeof o.eventTime === 'string' || typeof o['@timestamp'] === 'string') hits++;
  if (typeof o.eventID === 'string') hits++;
  if (typeof o.awsRegion === 'string') hits++;
  if (typeof o.eventName === 'string') return hits >= 3;
  return looksLikeInsightRecord(o);
}

/**
 * A CloudTrail Insights record: `eventType: AwsCloudTrailInsight` with its `insightDetails`
 * object and a time or an id. Its name and source sit inside insightDetails.
 */
function looksLikeInsightRecord(o: JsonObject): boolean {
  return (
    o.eventType === INSIGHT_EVENT_TYPE &&
    obj(o.insightDetails) !== undefined &&
    (typeof o.eventTime === 'string' || typeof o.eventID === 'string')
  );
}
