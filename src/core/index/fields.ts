import { NormalizedEvent } from '../model/event';
import { PIVOT_FIELDS } from '../../shared/fields';

export { PIVOT_FIELDS };

export type PivotField = (typeof PIVOT_FIELDS)[number];
/** Pivot fields plus `time`, which is compared rather than matched. */
export type QueryField = PivotField | 'time';

interface FieldInfo {
  /** The CloudTrail JSON path the field is read from (documentation and the query language). */
  jsonPath: string;
  label: string;
  aliases: string[];
}

export const FIELD_INFO: Record<PivotField, FieldInfo> = {
  eventName: { jsonPath: 'eventName', label: 'Event name', aliases: ['event', 'name'] },
  eventSource: { jsonPath: 'eventSource', label: 'Event source', aliases: ['service', 'src'] },
  region: { jsonPath: 'awsRegion', label: 'Region', aliases: [] },
  account: { jsonPath: 'recipientAccountId', label: 'Account', aliases: ['recipientAccount'] },
  callerAccount: { jsonPath: 'userIdentity.accountId', label: 'Caller account', aliases: [] },
  principal: { jsonPath: 'userIdentity.arn', label: 'Principal', aliases: ['arn'] },
  principalType: { jsonPath: 'userIdentity.type', label: 'Identity type', aliases: ['type', 'identityType'] },
  issuer: {
    jsonPath: 'userIdentity.sessionContext.sessionIssuer.arn',
    label: 'Session issuer',
    aliases: ['role', 'sessionIssuer'],
  },
  session: { jsonPath: 'userIdentity.sessionContext', label: 'Role session', aliases: ['roleSession'] },
  sessionName: { jsonPath: 'userIdentity.sessionName', label: 'Session name', aliases: [] },
  sourceIdentity: {
    jsonPath: 'userIdentity.sessionContext.sourceIdentity',
    label: 'Source identity',
    aliases: [],
  },
  accessKey: { jsonPath: 'userIdentity.accessKeyId', label: 'Access key', aliases: ['accessKeyId', 'key'] },
  ip: { jsonPath: 'sourceIPAddress', label: 'Source IP', aliases: ['sourceIp', 'sourceIPAddress'] },
  userAgent: { jsonPath: 'userAgent', label: 'User agent', aliases: ['ua', 'agent'] },
  readOnly: { jsonPath: 'readOnly', label: 'Read-only', aliases: [] },
  error: { jsonPath: 'errorCode', label: 'Error code', aliases: ['errorCode'] },
  category: { jsonPath: 'eventCategory', label: 'Event category', aliases: ['eventCategory'] },
  eventType: { jsonPath: 'eventType', label: 'Event type', aliases: [] },
  invokedBy: { jsonPath: 'userIdentity.invokedBy', label: 'Invoked by', aliases: [] },
  resource: { jsonPath: 'resources.ARN', label: 'Resource ARN', aliases: ['resources', 'arnResource'] },
  issuedKey: {
    jsonPath: 'responseElements.credentials.accessKeyId',
    label: 'Issued access key',
    aliases: ['issuedAccessKeyId'],
  },
  eventId: { jsonPath: 'eventID', label: 'Event ID', aliases: ['id'] },
  requestId: { jsonPath: 'requestID', label: 'Request ID', aliases: [] },
  sharedEventId: { jsonPath: 'sharedEventID', label: 'Shared event ID', aliases: [] },
  source: { jsonPath: '(source)', label: 'Source', aliases: [] },
};

const LOOKUP = new Map<string, QueryField>();
for (const field of PIVOT_FIELDS) {
  const info = FIELD_INFO[field];
  for (const name of [field, info.jsonPath, ...info.aliases]) LOOKUP.set(name.toLowerCase(), field);
}
LOOKUP.set('time', 'time');
LOOKUP.set('eventtime', 'time');
LOOKUP.set('@timestamp', 'time');

/**
 * Names that match the last segment of the principal key (`user:alice` finds
 * `arn:aws:iam::123:user/alice`, `…:assumed-role/Role/alice` and `iam-user:123:alice`).
 */
export const PRINCIPAL_NAME_FIELDS: ReadonlySet<string> = new Set(['user', 'username', 'useridentity.username']);
for (const name of PRINCIPAL_NAME_FIELDS) LOOKUP.set(name, 'principal');

/** Resolves a field name as a user types it (JSON path, alias, any case) to the index field. */
export function resolveField(name: string): QueryField | undefined {
  return LOOKUP.get(name.toLowerCase());
}

/** The value(s) of a pivot field for one normalised event, as the index stores them. */
export function fieldValues(event: NormalizedEvent, field: PivotField, source: string): string[] {
  const one = (v: string | undefined): string[] => (v === undefined ? [] : [v]);
  switch (field) {
    case 'eventName':
      return one(event.eventName);
    case 'eventSource':
      return one(event.eventSource);
    case 'region':
      return one(event.region);
    case 'account':
      return one(event.account);
    case 'callerAccount':
      return one(event.callerAccount);
    case 'principal':
      return [event.principal];
    case 'principalType':
      return [event.principalType];
    case 'issuer':
      return one(event.issuer);
    case 'session':
      return one(event.session);
    case 'sessionName':
      return one(event.sessionName);
    case 'sourceIdentity':
      return one(event.sourceIdentity);
    case 'accessKey':
      return one(event.accessKeyId);
    case 'ip':
      return one(event.sourceIp);
    case 'userAgent':
      return one(event.userAgent);
    case 'readOnly':
      return event.readOnly === undefined ? [] : [String(event.readOnly)];
    case 'error':
      return one(event.errorCode);
    case 'category':
      return one(event.eventCategory);
    case 'eventType':
      return one(event.eventType);
    case 'invokedBy':
      return one(event.invokedBy);
    case 'resource':
      return event.resources;
    case 'issuedKey':
      return one(event.issuedAccessKeyId);
    case 'eventId':
      return one(event.eventId);
    case 'requestId':
      return one(event.requestId);
    case 'sharedEventId':
      return one(event.sharedEventId);
    case 'source':
      return [source];
  }
}
