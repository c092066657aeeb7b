/** Small, defensive readers over raw CloudTrail events (attacker-controlled JSON). */
import { JsonObject } from '../model/event';
import { getPath } from '../model/normalize';

export function obj(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** A string field (numbers and booleans as text), undefined when absent or empty. */
export function str(event: unknown, path: string): string | undefined {
  const value = getPath(event, path);
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const DENIED = /^(?:Client\.)?(?:AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|UnauthorizedException|Unauthorized|Forbidden|NotAuthorized)/i;

/** True for error codes that mean "not allowed" (as opposed to "not found" or throttling). */
export function isDeniedCode(code: string | undefined): boolean {
  return code !== undefined && DENIED.test(code);
}

/** The call succeeded: no errorCode (CloudTrail omits it on success; some exports write "Success"). */
export function succeeded(event: JsonObject): boolean {
  const code = str(event, 'errorCode');
  return code === undefined || code === 'Success' || code === 'NoError';
}

/** Errors that mean the request itself was wrong or could not run: nothing was attempted against a real target. */
const NOT_AN_ATTEMPT = /NotFound|NoSuch|Invalid|Validation|Malformed|Throttl|RequestLimitExceeded|LimitExceeded|AlreadyExists|Conflict|InternalError|InternalFailure|ServiceUnavailable|Unavailable|DryRunOperation/i;

/**
 * Outcome of a sensitive call: succeeded; refused (denied by a policy, or by the account's
 * situation, e.g. NotOrganizationMasterAccountException: an attempt worth reporting); or an
 * error that means nothing was attempted (not found, invalid input, throttling: ignored).
 */
export function outcome(event: JsonObject): 'success' | 'denied' | 'error' {
  if (succeeded(event)) return 'success';
  const code = str(event, 'errorCode') ?? '';
  if (isDeniedCode(code)) return 'denied';
  return NOT_AN_ATTEMPT.test(code) ? 'error' : 'denied';
}

/** The IAM user name of the caller, when the caller is (or acts as) an IAM user; the session name for role sessions. */
export function callerName(event: JsonObject): string | undefined {
  const type = str(event, 'userIdentity.type');
  if (type === 'IAMUser') {
    return str(event, 'userIdentity.userName') ?? str(event, 'userIdentity.arn')?.split('/').pop();
  }
  if (type === 'AssumedRole') return str(event, 'userIdentity.arn')?.split('/').slice(2).join('/') || undefined;
  return str(event, 'userIdentity.userName');
}

/** Source IPs that are AWS itself rather than a client: never "new" for a principal. */
export function isAwsInternalIp(ip: string | undefined): boolean {
  return ip === undefined || ip === 'AWS Internal' || /\.amazonaws\.com$/i.test(ip) || !/[0-9:]/.test(ip);
}

/** Longest text we ever hand to a regular expression or parse as JSON from an event. */
export const MAX_TEXT = 64 * 1024;

/** Parses JSON text from an event defensively: bounded length, never throws. */
export function parseJsonText(text: string): unknown {
  if (text.length > MAX_TEXT) return undefined;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** Quotes attacker-controlled text for a one-line detail: bounded, control characters escaped. */
export function quote(text: string | undefined, max = 120): string {
  if (text === undefined) return '(none)';
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(clipped);
}
