/**
 * Turns what the AWS SDK throws into a message the user can act on: which profile, which
 * region, which permission, and what to run. Credentials never appear in these messages.
 */

export type ProfileKind = 'static' | 'role' | 'sso' | 'process' | 'web-identity' | 'environment' | 'unknown';

export type AwsProblemKind =
  | 'credentials-missing'
  | 'credentials-expired'
  | 'credentials-invalid'
  | 'access-denied'
  | 'throttled'
  | 'network'
  | 'invalid-request'
  | 'not-found'
  | 'cancelled'
  | 'service';

export interface AwsCallContext {
  profile: string;
  profileKind?: ProfileKind;
  region?: string;
  /** SDK operation name, e.g. `LookupEvents`, `ListObjectsV2`. */
  operation: string;
}

/** IAM actions each operation needs, for access-denied messages that omit them. */
const PERMISSIONS: Readonly<Record<string, string>> = {
  LookupEvents: 'cloudtrail:LookupEvents',
  StartQuery: 'cloudtrail:StartQuery',
  DescribeQuery: 'cloudtrail:DescribeQuery',
  GetQueryResults: 'cloudtrail:GetQueryResults',
  CancelQuery: 'cloudtrail:CancelQuery',
  ListObjectsV2: 's3:ListBucket',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  StartQueryExecution: 'athena:StartQueryExecution',
  GetQueryExecution: 'athena:GetQueryExecution',
  GetQueryResultsAthena: 'athena:GetQueryResults',
  StopQueryExecution: 'athena:StopQueryExecution',
};

export class AwsSourceError extends Error {
  override readonly name = 'AwsSourceError';
  constructor(
    message: string,
    readonly kind: AwsProblemKind,
    readonly context: AwsCallContext,
    /** The AWS error code (`ExpiredTokenException`, `AccessDenied`, ...), when there was one. */
    readonly code?: string,
    /** The IAM action that was refused, for access-denied. */
    readonly permission?: string,
  ) {
    super(message);
  }
}

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

function asLike(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : { message: String(error) };
}

export function errorCode(error: unknown): string {
  const e = asLike(error);
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

function httpStatus(error: unknown): number | undefined {
  return asLike(error).$metadata?.httpStatusCode;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);
const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired', 'TokenRefreshRequired']);
const INVALID = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AllAccessDisabled']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorCode(error)) || httpStatus(error) === 429;
}

/** Errors worth trying again: connection drops, timeouts, 5xx. */
export function isTransient(error: unknown): boolean {
  const e = asLike(error);
  const code = typeof e.code === 'string' ? e.code : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name)) return true;
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return true;
  if (/socket hang up|aborted|premature close|ECONNRESET|EPIPE|Unexpected end of JSON|Unterminated string in JSON|connection (was )?(reset|closed)/i.test(message)) {
    return true;
  }
  return false;
}

function ssoHint(context: AwsCallContext): string {
  return context.profileKind === 'sso' ? ` Run \`aws sso login --profile ${context.profile}\` and try again.` : '';
}

function where(context: AwsCallContext): string {
  return context.region ? ` in ${context.region}` : '';
}

/** The one place that words AWS failures for the user. */
export function describeAwsError(error: unknown, context: AwsCallContext): AwsSourceError {
  if (error instanceof AwsSourceError) return error;
  const code = errorCode(error);
  const raw = asLike(error).message;
  const detail = typeof raw === 'string' ? raw : '';
  const profile = `profile '${context.profile}'`;
  const name = asLike(error).name;
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError' || /could not load credentials|unable to load credentials/i.test(detail)) {
    const expired = /expired|invalid|refresh/i.test(detail);
    const kind: AwsProblemKind = expired ? 'credentials-expired' : 'credentials-missing';
    const what = expired ? 'have expired or are no longer valid' : 'could not be loaded';
    return new AwsSourceError(`The credentials of ${profile} ${what}: ${detail}.${ssoHint(context)}`, kind, context, code);
  }
  if (EXPIRED.has(code) || /security token included in the request is expired/i.test(detail)) {
    const action = context.profileKind === 'sso' ? ssoHint(context) : ' Refresh them (for example with your usual login tool) and try again.';
    return new AwsSourceError(`The credentials of ${profile} have expired (${code} from ${context.operation}${where(context)}).${action}`, 'credentials-expired', context, code);
  }
  if (INVALID.has(code)) {
    return new AwsSourceError(
      `AWS did not accept the credentials of ${profile} (${code} from ${context.operation}${where(context)}): check the access key in the profile, or that the endpoint is the one you meant.${ssoHint(context)}`,
      'credentials-invalid',
      context,
      code,
    );
  }
  if (DENIED.has(code) || httpStatus(error) === 403) {
    const named = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)/.exec(detail)?.[1];
    const permission = named ?? PERMISSIONS[context.operation] ?? context.operation;
    return new AwsSourceError(
      `Access denied: ${profile} is missing the permission ${permission}${where(context)} (${code} from ${context.operation}). Ask for ${permission} on the resource, or choose another profile.`,
      'access-denied',
      context,
      code,
      permission,
    );
  }
  if (isThrottling(error)) {
    return new AwsSourceError(`AWS kept throttling ${context.operation}${where(context)} for ${profile} (${code}); try again later.`, 'throttled', context, code);
  }
  if (isTransient(error)) {
    return new AwsSourceError(`The connection to AWS failed during ${context.operation}${where(context)}: ${detail || code}.`, 'network', context, code);
  }
  if (/NotFound|NoSuchBucket|NoSuchKey/.test(code)) {
    return new AwsSourceError(`${context.operation}${where(context)} found nothing: ${detail || code}.`, 'not-found', context, code);
  }
  const status = httpStatus(error);
  const kind: AwsProblemKind = status !== undefined && status >= 400 && status < 500 ? 'invalid-request' : 'service';
  return new AwsSourceError(`${context.operation}${where(context)} failed for ${profile}: ${code}${detail ? `: ${detail}` : ''}`, kind, context, code);
}
