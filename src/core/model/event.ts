/**
 * The normalised view of one CloudTrail event: the fields investigators pivot on.
 * Every string here comes from the event and is attacker-controlled.
 */

export type IdentityType =
  | 'IAMUser'
  | 'Root'
  | 'AssumedRole'
  | 'FederatedUser'
  | 'AWSService'
  | 'SAMLUser'
  | 'WebIdentityUser'
  | 'AWSAccount'
  | 'IdentityCenterUser'
  | 'Directory'
  | 'Unknown';

export const IDENTITY_TYPES: readonly IdentityType[] = [
  'IAMUser',
  'Root',
  'AssumedRole',
  'FederatedUser',
  'AWSService',
  'SAMLUser',
  'WebIdentityUser',
  'AWSAccount',
  'IdentityCenterUser',
  'Directory',
  'Unknown',
];

export interface NormalizedEvent {
  /** Milliseconds since the epoch; NaN when the event carries no usable time. */
  time: number;
  eventId?: string;
  eventName?: string;
  eventSource?: string;
  region?: string;
  /** recipientAccountId: the account whose trail recorded the event. */
  account?: string;
  /** userIdentity.accountId: the account of the caller. */
  callerAccount?: string;
  /** One stable key per identity, see principalKey(). */
  principal: string;
  principalType: IdentityType;
  /** Role ARN (sessionContext.sessionIssuer.arn) for role sessions; user ARN for federated users. */
  issuer?: string;
  sessionName?: string;
  /** One role session instance: issuer, session name and creation date. */
  session?: string;
  sessionCreated?: string;
  sourceIdentity?: string;
  mfaAuthenticated?: boolean;
  accessKeyId?: string;
  sourceIp?: string;
  userAgent?: string;
  readOnly?: boolean;
  /** errorCode; for a failed ConsoleLogin (which has none), its errorMessage. */
  errorCode?: string;
  eventCategory?: string;
  eventType?: string;
  invokedBy?: string;
  resources: string[];
  requestId?: string;
  sharedEventId?: string;
  /** responseElements.credentials.accessKeyId: the temporary key an STS call issued. */
  issuedAccessKeyId?: string;
  /** CloudTrail Insights records: insightDetails.state (Start or End), paired by sharedEventId. */
  insightState?: string;
  /** insightDetails.insightType (ApiCallRateInsight, ApiErrorRateInsight). */
  insightType?: string;
}

export type JsonObject = Record<string, unknown>;
