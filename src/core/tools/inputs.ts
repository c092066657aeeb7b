/** Input pieces several tools share, so each means the same everywhere. */
import * as z from 'zod/v4';

const FILTER_HELP =
  'Filter-language expression, the same as the extension\u2019s filter and `ctinv --where`: `field:value` (exact, then any case), `field:*` (present), wildcards `*` `?`, `time>=2026-03-04T05:00Z`, `time:2026-03-04T05` (that hour), AND / OR / NOT / `-term`, parentheses, "quoted values", a bare word searches principal, event name, IP, key, user agent, resources. Fields: eventName, eventSource, region, account, principal (ARN; `user:NAME` by name), principalType, issuer, session, sessionName, sourceIdentity, accessKey, ip, userAgent, readOnly, error, category, eventType, invokedBy, resource, issuedKey, eventId, requestId, sharedEventId. Empty: every event.';

export const filterInput = z.string().max(4000).default('').describe(FILTER_HELP);
