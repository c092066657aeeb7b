import type { IdentityType } from '../../core/model/event';
import type { PivotField } from '../../core/index/fields';
import { parseEventTime } from '../../core/model/time';

/** The fields shown at one depth of the tree (role sessions and access keys share a level). */
export type Level = readonly PivotField[];

export interface Grouping {
  readonly id: string;
  readonly label: string;
  readonly levels: readonly Level[];
}

export const GROUPINGS: readonly Grouping[] = [
  {
    id: 'identity',
    label: 'Accounts › Regions › Principals › Sessions and keys › Event names',
    levels: [['account'], ['region'], ['principal'], ['session', 'accessKey'], ['eventName']],
  },
  { id: 'ip', label: 'Source IP › Principals › Event names', levels: [['ip'], ['principal'], ['eventName']] },
  { id: 'accessKey', label: 'Access key › Principals › Source IPs › Event names', levels: [['accessKey'], ['principal'], ['ip'], ['eventName']] },
  { id: 'eventName', label: 'Event name › Principals › Source IPs', levels: [['eventName'], ['principal'], ['ip']] },
  { id: 'error', label: 'Error code › Event names › Principals', levels: [['error'], ['eventName'], ['principal']] },
  { id: 'userAgent', label: 'User agent › Principals › Event names', levels: [['userAgent'], ['principal'], ['eventName']] },
];

export const DEFAULT_GROUPING = GROUPINGS[0];

export const IDENTITY_ICONS: Record<IdentityType, string> = {
  IAMUser: 'person',
  Root: 'warning',
  AssumedRole: 'shield',
  FederatedUser: 'organization',
  AWSService: 'cloud',
  SAMLUser: 'globe',
  WebIdentityUser: 'globe',
  AWSAccount: 'briefcase',
  IdentityCenterUser: 'account',
  Directory: 'book',
  Unknown: 'question',
};

export const FIELD_ICONS: Partial<Record<PivotField, string>> = {
  account: 'organization',
  region: 'globe',
  session: 'history',
  accessKey: 'key',
  eventName: 'symbol-event',
  ip: 'remote',
  error: 'error',
  userAgent: 'browser',
  issuer: 'shield',
  resource: 'symbol-field',
};

/**
 * `arn:…:role/OrgAdmin/ci-deploy-8841@2026-03-04T05:06:02Z` → `OrgAdmin/ci-deploy-8841 @ 2026-03-04 05:06:02Z`
 * (the creation time in the display form, through `time`).
 */
function shortSession(value: string, time: (ms: number) => string): string {
  const at = value.lastIndexOf('@');
  const head = at >= 0 ? value.slice(0, at) : value;
  const created = at >= 0 ? value.slice(at + 1) : '';
  const role = /:role\/(.+)$/.exec(head)?.[1] ?? head;
  const ms = parseEventTime(created);
  return created && created !== '?' ? `${role} @ ${Number.isFinite(ms) ? time(ms) : created}` : role;
}

/** A value's short form for a tree row (principals read through DisplayFormat.principal instead). */
export function shortValue(field: PivotField, value: string, time: (ms: number) => string): string {
  if (field === 'session') return shortSession(value, time);
  return value;
}
