/**
 * Splits a filter between LookupEvents (which takes a single attribute) and the local
 * filter. The caller gives the filter's top-level AND-ed equality terms; the most selective
 * one the API supports goes to the server, everything else is applied locally, and the
 * explanation says which part ran where. Exact attributes are preferred to approximate ones
 * (see planLookup), so the server never drops events the filter would keep.
 *
 * Two rules come from AWS rather than from the filter: Insights lookups accept only EventId,
 * EventName and EventSource (the LookupEvents documentation in the botocore model), and
 * ResourceName is never sent: AWS matches it against resource names it derives itself (often
 * short names such as a bucket name or an instance id, not the ARN the record holds), which
 * cannot be known offline, so a resource term is always applied locally on a wider fetch.
 */
import type { LookupAttribute, LookupAttributeKey } from '@aws-sdk/client-cloudtrail';

export interface FilterTerm {
  /** An engine field name: eventName, eventSource, accessKey, principal, eventId, readOnly, resource, resourceType. */
  field: string;
  value: string;
  /** True when the value is a pattern. When absent, `*` or `?` in the value mark a pattern. */
  wildcard?: boolean;
}

export interface LookupPlan {
  server: LookupAttribute | undefined;
  /** The term sent to the server, if any. */
  serverTerm?: FilterTerm;
  /**
   * Terms the caller must apply locally. When the server attribute only approximates its
   * term (principal → Username, resource → ResourceName), that term is repeated here, so
   * the result is exactly the filter's.
   */
  local: FilterTerm[];
  explanation: string;
}

interface Mapping {
  key: LookupAttributeKey;
  /** Value for the API, or undefined when this value cannot be expressed. */
  convert: (value: string) => string | undefined;
  /** True when the API attribute means exactly the engine field. */
  exact: boolean;
}

/** Highest first: how few events one value of this attribute usually matches. */
const SELECTIVITY: readonly LookupAttributeKey[] = [
  'EventId',
  'AccessKeyId',
  'Username',
  'EventName',
  'ResourceType',
  'EventSource',
  'ReadOnly',
];

const same = (value: string): string => value;

/** An ARN or name → LookupEvents' Username (user name, or role session name). */
export function usernameFor(value: string): string | undefined {
  if (!value.startsWith('arn:')) return value;
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  const resource = parts.slice(5).join(':');
  if (resource === 'root') return 'root';
  if (resource.startsWith('user/')) return resource.split('/').pop() || undefined;
  if (resource.startsWith('assumed-role/')) {
    const segments = resource.split('/');
    return segments.length >= 3 ? segments[segments.length - 1] : undefined;
  }
  return undefined;
}

const MAPPINGS: Readonly<Record<string, Mapping>> = {
  eventid: { key: 'EventId', convert: same, exact: true },
  id: { key: 'EventId', convert: same, exact: true },
  accesskey: { key: 'AccessKeyId', convert: same, exact: true },
  accesskeyid: { key: 'AccessKeyId', convert: same, exact: true },
  principal: { key: 'Username', convert: usernameFor, exact: false },
  user: { key: 'Username', convert: usernameFor, exact: false },
  username: { key: 'Username', convert: usernameFor, exact: false },
  eventname: { key: 'EventName', convert: same, exact: true },
  resourcetype: { key: 'ResourceType', convert: same, exact: true },
  eventsource: { key: 'EventSource', convert: same, exact: true },
  readonly: {
    key: 'ReadOnly',
    convert: (v) => (/^(true|false)$/i.test(v) ? v.toLowerCase() : undefined),
    exact: true,
  },
};

/** Lookup attributes AWS accepts per event category (botocore model, LookupEvents documentation). */
export const ATTRIBUTES_FOR: Readonly<Record<'management' | 'insight', readonly LookupAttributeKey[]>> = {
  management: ['EventId', 'AccessKeyId', 'Username', 'EventName', 'ResourceType', 'EventSource', 'ReadOnly'],
  insight: ['EventId', 'EventName', 'EventSource'],
};

export interface PlanOptions {
  /** Which events are looked up; Insights accept fewer attributes. Default management. */
  category?: 'management' | 'insight';
}

export function isWildcard(term: FilterTerm): boolean {
  return term.wildcard ?? /[*?]/.test(term.value);
}

/** LookupEvents counts `_`, space, `,` and newline twice toward its 2,000-character limit. */
function lookupValueLength(value: string): number {
  let n = 0;
  for (const ch of value) n += ch === '_' || ch === ' ' || ch === ',' || ch === '\n' ? 2 : 1;
  return n;
}

function show(term: FilterTerm): string {
  return `${term.field} = ${JSON.stringify(term.value)}`;
}

export function planLookup(terms: readonly FilterTerm[], options: PlanOptions = {}): LookupPlan {
  const accepted = ATTRIBUTES_FOR[options.category ?? 'management'];
  let best: { term: FilterTerm; index: number; rank: number; mapping: Mapping; value: string } | undefined;
  terms.forEach((term, index) => {
    const mapping = MAPPINGS[term.field.toLowerCase()];
    if (!mapping || isWildcard(term) || !accepted.includes(mapping.key)) return;
    const value = mapping.convert(term.value);
    if (value === undefined || value.length === 0 || lookupValueLength(value) > 2000) return;
    // An attribute that only approximates its term (Username for a principal, ResourceName
    // for a resource) could make the API leave out events the filter matches, so one is sent
    // only when no exact term can go instead.
    const rank = SELECTIVITY.indexOf(mapping.key) + (mapping.exact ? 0 : SELECTIVITY.length);
    if (!best || rank < best.rank) best = { term, index, rank, mapping, value };
  });
  if (!best) {
    const explanation = terms.length
      ? `LookupEvents fetched every ${options.category === 'insight' ? 'Insights event' : 'event'} in the time range (no term can go to the API${options.category === 'insight' ? ', which takes only EventId, EventName or EventSource for Insights' : ''}); applied locally: ${terms.map(show).join(' AND ')}.`
      : 'LookupEvents fetched every event in the time range; no filter.';
    return { server: undefined, local: [...terms], explanation };
  }
  const chosen = best;
  const local = terms.filter((_, i) => i !== chosen.index || !chosen.mapping.exact);
  const server: LookupAttribute = { AttributeKey: chosen.mapping.key, AttributeValue: chosen.value };
  const serverPart = `on the server: ${chosen.mapping.key} = ${JSON.stringify(chosen.value)}${chosen.mapping.exact ? '' : ` (approximates ${show(chosen.term)}, so that term is also checked locally)`}`;
  const localPart = local.length ? `; applied locally: ${local.map(show).join(' AND ')}` : '; nothing left to apply locally';
  return { server, serverTerm: chosen.term, local, explanation: `LookupEvents filtered ${serverPart}${localPart}.` };
}
