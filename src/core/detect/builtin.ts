/**
 * The built-in rule set: well-known attacker moves in CloudTrail. Each rule documents what
 * it matches; docs/intel.md lists them with severities and ATT&CK ids.
 *
 * Conventions: sensitive changes are reported when they succeeded, and also when they were
 * refused (AccessDenied, an SCP, NotOrganizationMasterAccountException…: an attempt is an
 * indicator; the hit is one level less severe). Calls that failed because the request could not
 * run (not found, invalid input, throttling) changed nothing and are not reported.
 */
import { JsonObject, NormalizedEvent } from '../model/event';
import { getPath } from '../model/normalize';
import { jsonText } from '../model/json-text';
import { DetectionRule, EventRef, MitreTechnique, Prefilter, RuleHit, RunContext, RuleRun, Severity } from './types';
import { callerName, isAwsInternalIp, isDeniedCode, obj, outcome, parseJsonText, quote, str, succeeded } from './util';

// ---------------------------------------------------------------- ATT&CK

const T = {
  cloudLogs: { id: 'T1562.008', name: 'Impair Defenses: Disable or Modify Cloud Logs', tactic: 'defense-evasion' },
  disableTools: { id: 'T1562.001', name: 'Impair Defenses: Disable or Modify Tools', tactic: 'defense-evasion' },
  cloudAccount: { id: 'T1136.003', name: 'Create Account: Cloud Account', tactic: 'persistence' },
  addCreds: { id: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials', tactic: 'persistence' },
  addRoles: { id: 'T1098.003', name: 'Account Manipulation: Additional Cloud Roles', tactic: 'privilege-escalation' },
  accountManipulation: { id: 'T1098', name: 'Account Manipulation', tactic: 'persistence' },
  secretsStores: { id: 'T1555.006', name: 'Credentials from Password Stores: Cloud Secrets Management Stores', tactic: 'credential-access' },
  unsecuredCreds: { id: 'T1552', name: 'Unsecured Credentials', tactic: 'credential-access' },
  accountDiscovery: { id: 'T1087.004', name: 'Account Discovery: Cloud Account', tactic: 'discovery' },
  infraDiscovery: { id: 'T1580', name: 'Cloud Infrastructure Discovery', tactic: 'discovery' },
  serviceDiscovery: { id: 'T1526', name: 'Cloud Service Discovery', tactic: 'discovery' },
  validCloud: { id: 'T1078.004', name: 'Valid Accounts: Cloud Accounts', tactic: 'initial-access' },
  bruteForce: { id: 'T1110', name: 'Brute Force', tactic: 'credential-access' },
  cloudStorage: { id: 'T1530', name: 'Data from Cloud Storage', tactic: 'collection' },
  transferToCloud: { id: 'T1537', name: 'Transfer Data to Cloud Account', tactic: 'exfiltration' },
  encryptForImpact: { id: 'T1486', name: 'Data Encrypted for Impact', tactic: 'impact' },
  unusedRegions: { id: 'T1535', name: 'Unused/Unsupported Cloud Regions', tactic: 'defense-evasion' },
} satisfies Record<string, MitreTechnique>;

// ---------------------------------------------------------------- helpers

const LOWER: Record<Severity, Severity> = { critical: 'high', high: 'medium', medium: 'low', low: 'info', info: 'info' };

interface Match {
  severity?: Severity;
  detail: string;
}

interface StatelessSpec {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  mitre: MitreTechnique[];
  prefilter: Prefilter[];
  match(event: JsonObject, normalized: NormalizedEvent): Match | undefined;
}

/** A rule that judges each event on its own. */
function stateless(spec: StatelessSpec): DetectionRule {
  const names = new Set(spec.prefilter.filter((p) => p.field === 'eventName').flatMap((p) => p.values));
  return {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    description: spec.description,
    mitre: spec.mitre,
    origin: 'builtin',
    prefilter: spec.prefilter,
    start(): RuleRun {
      const hits: RuleHit[] = [];
      return {
        event(event, normalized, ref) {
          // The prefilter is a guarantee only when the index applied it; check again here.
          if (names.size > 0 && !names.has(normalized.eventName ?? '')) return;
          const match = spec.match(event, normalized);
          if (match) hits.push({ events: [ref], principal: normalized.principal, severity: match.severity, detail: match.detail });
        },
        finish: () => hits,
      };
    },
  };
}

function names(...values: string[]): Prefilter[] {
  return [{ field: 'eventName', values }];
}

/** Severity for a sensitive change: full when it succeeded, one lower when denied, nothing otherwise. */
function attempt(event: JsonObject, severity: Severity): Severity | undefined {
  switch (outcome(event)) {
    case 'success':
      return severity;
    case 'denied':
      return LOWER[severity];
    case 'error':
      return undefined;
  }
}

function deniedSuffix(event: JsonObject): string {
  return succeeded(event) ? '' : ` (attempt, ${str(event, 'errorCode') ?? 'error'})`;
}

/**
 * Sliding-window bursts per key: once `threshold` distinct values are seen within `windowMs`,
 * a burst opens and absorbs every later event of that key until a gap longer than the window.
 */
class Bursts {
  private readonly keys = new Map<string, { recent: Array<{ ref: EventRef; value: string }>; open?: { events: EventRef[]; last: number; values: Set<string> } }>();
  private readonly done: Array<{ key: string; events: EventRef[]; values: Set<string> }> = [];

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  add(key: string, ref: EventRef, value: string): void {
    if (!Number.isFinite(ref.time)) return;
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { recent: [] }));
    if (state.open) {
      if (ref.time - state.open.last <= this.windowMs) {
        state.open.events.push(ref);
        state.open.values.add(value);
        state.open.last = ref.time;
        return;
      }
      this.done.push({ key, events: state.open.events, values: state.open.values });
      state.open = undefined;
    }
    state.recent.push({ ref, value });
    while (state.recent.length > 0 && ref.time - state.recent[0].ref.time > this.windowMs) state.recent.shift();
    const values = new Set(state.recent.map((r) => r.value));
    if (values.size >= this.threshold) {
      state.open = { events: state.recent.map((r) => r.ref), last: ref.time, values };
      state.recent = [];
    }
  }

  finish(): Array<{ key: string; events: EventRef[]; values: Set<string> }> {
    for (const [key, state] of this.keys) {
      if (state.open) this.done.push({ key, events: state.open.events, values: state.open.values });
      state.open = undefined;
    }
    return this.done.splice(0);
  }
}

function listOf(values: Iterable<string>, max = 5): string {
  const all = [...values];
  const shown = all.slice(0, max).map((v) => quote(v, 60));
  return all.length > max ? `${shown.join(', ')} and ${all.length - max} more` : shown.join(', ');
}

// ---------------------------------------------------------------- defense evasion

const cloudTrailTampering = stateless({
  id: 'ctinv.defense-evasion.cloudtrail-tampering',
  title: 'CloudTrail logging stopped, deleted or reduced',
  severity: 'critical',
  description:
    'StopLogging, DeleteTrail, UpdateTrail, or event selectors that drop management events. Attackers blind the trail before acting. Denied attempts are reported one level lower.',
  mitre: [T.cloudLogs],
  prefilter: names('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutAdvancedEventSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'cloudtrail.amazonaws.com') return undefined;
    const trail = str(event, 'requestParameters.name') ?? str(event, 'requestParameters.trailName') ?? str(event, 'requestParameters.eventDataStore');
    let base: Severity;
    switch (n.eventName) {
      case 'StopLogging':
      case 'DeleteTrail':
      case 'DeleteEventDataStore':
      case 'StopEventDataStoreIngestion':
        base = 'critical';
        break;
      case 'UpdateTrail':
        base = 'medium';
        break;
      case 'PutEventSelectors': {
        const selectors = getPath(event, 'requestParameters.eventSelectors');
        const reduces =
          Array.isArray(selectors) &&
          selectors.some((s) => {
            const o = obj(s);
            if (!o) return false;
            const excluded = o.excludeManagementEventSources;
            return (
              o.includeManagementEvents === false ||
              o.includeManagementEvents === 'false' ||
              o.readWriteType === 'ReadOnly' ||
              o.readWriteType === 'WriteOnly' ||
              (Array.isArray(excluded) && excluded.length > 0)
            );
          });
        if (!reduces) return undefined;
        base = 'high';
        break;
      }
      case 'PutAdvancedEventSelectors': {
        const text = jsonText(getPath(event, 'requestParameters.advancedEventSelectors') ?? null) ?? 'null';
        if (text.includes('"Management"')) return undefined;
        base = 'medium';
        break;
      }
      default:
        return undefined;
    }
    const severity = attempt(event, base);
    return severity && { severity, detail: `${n.eventName} on ${quote(trail)}${deniedSuffix(event)}` };
  },
});

const MONITORING: Record<string, { source: string; severity: Severity }> = {
  DeleteFlowLogs: { source: 'ec2.amazonaws.com', severity: 'high' },
  DeleteDetector: { source: 'guardduty.amazonaws.com', severity: 'critical' },
  UpdateDetector: { source: 'guardduty.amazonaws.com', severity: 'high' },
  DisassociateFromMasterAccount: { source: 'guardduty.amazonaws.com', severity: 'high' },
  DisassociateFromAdministratorAccount: { source: 'guardduty.amazonaws.com', severity: 'high' },
  StopConfigurationRecorder: { source: 'config.amazonaws.com', severity: 'high' },
  DeleteConfigurationRecorder: { source: 'config.amazonaws.com', severity: 'high' },
  DeleteDeliveryChannel: { source: 'config.amazonaws.com', severity: 'high' },
  DeleteResolverQueryLogConfig: { source: 'route53resolver.amazonaws.com', severity: 'high' },
  DisassociateResolverQueryLogConfig: { source: 'route53resolver.amazonaws.com', severity: 'high' },
  DisableSecurityHub: { source: 'securityhub.amazonaws.com', severity: 'high' },
};

const monitoringDisabled = stateless({
  id: 'ctinv.defense-evasion.monitoring-disabled',
  title: 'Flow logs, GuardDuty, Config or DNS query logging disabled',
  severity: 'high',
  description:
    'DeleteFlowLogs, GuardDuty DeleteDetector or UpdateDetector disabling it, Config StopConfigurationRecorder/DeleteConfigurationRecorder/DeleteDeliveryChannel, Route 53 Resolver query-log deletion, DisableSecurityHub. Denied attempts are reported one level lower.',
  mitre: [T.disableTools, T.cloudLogs],
  prefilter: names(...Object.keys(MONITORING)),
  match(event, n) {
    const spec = MONITORING[n.eventName ?? ''];
    if (!spec || (n.eventSource !== undefined && n.eventSource !== spec.source)) return undefined;
    if (n.eventName === 'UpdateDetector') {
      const enable = getPath(event, 'requestParameters.enable');
      if (enable !== false && enable !== 'false') return undefined;
    }
    const severity = attempt(event, spec.severity);
    const target =
      str(event, 'requestParameters.detectorId') ??
      str(event, 'requestParameters.configurationRecorderName') ??
      str(event, 'requestParameters.deliveryChannelName') ??
      str(event, 'requestParameters.resolverQueryLogConfigId') ??
      (jsonText(getPath(event, 'requestParameters') ?? null, { maxLength: 100 }) ?? 'null').slice(0, 100);
    return severity && { severity, detail: `${n.eventName} (${spec.source.replace('.amazonaws.com', '')}) ${quote(target)}${deniedSuffix(event)}` };
  },
});

const leaveOrganization = stateless({
  id: 'ctinv.defense-evasion.leave-organization',
  title: 'Account left its AWS Organization',
  severity: 'critical',
  description: 'organizations:LeaveOrganization removes the account from the organisation\'s SCPs and organisation trail. Denied attempts are reported one level lower.',
  mitre: [T.disableTools],
  prefilter: names('LeaveOrganization', 'RemoveAccountFromOrganization'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'organizations.amazonaws.com') return undefined;
    const severity = attempt(event, 'critical');
    const account = str(event, 'requestParameters.accountId') ?? n.account;
    return severity && { severity, detail: `${n.eventName} ${quote(account)}${deniedSuffix(event)}` };
  },
});

// ---------------------------------------------------------------- persistence

const userCreated = stateless({
  id: 'ctinv.persistence.iam-user-created',
  title: 'IAM user created',
  severity: 'medium',
  description: 'A new IAM user: a classic backdoor when created by an unexpected principal. Successful calls only.',
  mitre: [T.cloudAccount],
  prefilter: names('CreateUser'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'iam.amazonaws.com') return undefined;
    if (!succeeded(event)) return undefined;
    return { detail: `CreateUser ${quote(str(event, 'requestParameters.userName'))}` };
  },
});

function targetIsCaller(event: JsonObject, target: string): boolean {
  const type = str(event, 'userIdentity.type');
  if (type === 'IAMUser') return callerName(event) === target;
  if (type === 'AssumedRole') return callerName(event) === target;
  return false;
}

const keyForOtherUser = stateless({
  id: 'ctinv.persistence.access-key-for-other-user',
  title: 'Access key created for another user',
  severity: 'high',
  description:
    'CreateAccessKey where the target user is not the caller: gives the caller lasting credentials of someone else. Successful calls only.',
  mitre: [T.addCreds],
  prefilter: names('CreateAccessKey'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'iam.amazonaws.com') return undefined;
    if (!succeeded(event)) return undefined;
    const target = str(event, 'requestParameters.userName');
    if (target === undefined || targetIsCaller(event, target)) return undefined;
    const key = str(event, 'responseElements.accessKey.accessKeyId');
    return { detail: `CreateAccessKey for ${quote(target)}${key ? ` → ${quote(key)}` : ''}` };
  },
});

const loginProfile = stateless({
  id: 'ctinv.persistence.login-profile-for-other-user',
  title: 'Console password set for another user',
  severity: 'high',
  description:
    'CreateLoginProfile or UpdateLoginProfile for a user other than the caller: console access to that user. Successful calls only.',
  mitre: [T.accountManipulation],
  prefilter: names('CreateLoginProfile', 'UpdateLoginProfile'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'iam.amazonaws.com') return undefined;
    if (!succeeded(event)) return undefined;
    const target = str(event, 'requestParameters.userName');
    if (target === undefined || targetIsCaller(event, target)) return undefined;
    return { detail: `${n.eventName} for ${quote(target)}` };
  },
});

const ADMIN_POLICIES = /:policy\/(?:AdministratorAccess|IAMFullAccess)$/;

function isAdminDocument(document: unknown): boolean {
  const doc = typeof document === 'string' ? parseJsonText(document) : document;
  const statements = obj(doc)?.Statement;
  for (const s of Array.isArray(statements) ? statements : [statements]) {
    const o = obj(s);
    if (!o || o.Effect !== 'Allow') continue;
    const actions = Array.isArray(o.Action) ? o.Action : [o.Action];
    const resources = Array.isArray(o.Resource) ? o.Resource : [o.Resource];
    if (actions.some((a) => a === '*' || a === '*:*' || a === 'iam:*') && resources.includes('*')) return true;
  }
  return false;
}

const adminPolicy = stateless({
  id: 'ctinv.privilege-escalation.admin-policy-attached',
  title: 'Administrator policy attached',
  severity: 'high',
  description:
    'AttachUserPolicy/AttachRolePolicy/AttachGroupPolicy with AdministratorAccess or IAMFullAccess, or an inline Put*Policy allowing "*" (or iam:*) on "*". Successful calls only.',
  mitre: [T.addRoles],
  prefilter: names('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'iam.amazonaws.com') return undefined;
    if (!succeeded(event)) return undefined;
    const target =
      str(event, 'requestParameters.userName') ?? str(event, 'requestParameters.roleName') ?? str(event, 'requestParameters.groupName');
    if (n.eventName?.startsWith('Attach')) {
      const arn = str(event, 'requestParameters.policyArn');
      if (!arn || !ADMIN_POLICIES.test(arn)) return undefined;
      return { detail: `${n.eventName} ${quote(arn.split('/').pop())} to ${quote(target)}` };
    }
    if (!isAdminDocument(getPath(event, 'requestParameters.policyDocument'))) return undefined;
    return { detail: `${n.eventName} ${quote(str(event, 'requestParameters.policyName'))} (allows * on *) to ${quote(target)}` };
  },
});

// ---------------------------------------------------------------- credential access

function secretsBurst(threshold = 5, windowMs = 10 * 60_000): DetectionRule {
  return {
    id: 'ctinv.credential-access.secrets-burst',
    title: 'Burst of secret reads',
    severity: 'high',
    description: `One principal reads ${threshold} or more distinct secrets (GetSecretValue, BatchGetSecretValue, SSM parameters with decryption) within ${windowMs / 60_000} minutes, or retrieves secrets in bulk by filter (BatchGetSecretValue with filters); denied reads count as attempts.`,
    mitre: [T.secretsStores],
    origin: 'builtin',
    prefilter: names('GetSecretValue', 'BatchGetSecretValue', 'GetParameter', 'GetParameters', 'GetParametersByPath'),
    start(): RuleRun {
      const bursts = new Bursts(threshold, windowMs);
      const direct: RuleHit[] = [];
      return {
        event(event, n, ref) {
          const secrets: string[] = [];
          switch (n.eventName) {
            case 'GetSecretValue':
              secrets.push(str(event, 'requestParameters.secretId') ?? '?');
              break;
            case 'BatchGetSecretValue': {
              const list = getPath(event, 'requestParameters.secretIdList');
              if (Array.isArray(list)) for (const s of list) if (typeof s === 'string') secrets.push(s);
              if (secrets.length === 0) {
                // Retrieval by filter: one call returns every matching secret, a bulk read on its own.
                direct.push({
                  events: [ref],
                  principal: n.principal,
                  detail: `BatchGetSecretValue by filter ${quote(jsonText(getPath(event, 'requestParameters.filters') ?? null, { maxLength: 200 }), 100)}${deniedSuffix(event)}`,
                });
              }
              break;
            }
            case 'GetParameter':
            case 'GetParameters':
            case 'GetParametersByPath': {
              const decrypt = getPath(event, 'requestParameters.withDecryption');
              if (decrypt !== true && decrypt !== 'true') return;
              const single = str(event, 'requestParameters.name') ?? str(event, 'requestParameters.path');
              const many = getPath(event, 'requestParameters.names');
              if (single) secrets.push(single);
              if (Array.isArray(many)) for (const s of many) if (typeof s === 'string') secrets.push(s);
              break;
            }
            default:
              return;
          }
          for (const secret of secrets) bursts.add(n.principal, ref, secret);
        },
        finish() {
          const found: RuleHit[] = bursts.finish().map((b) => ({
            events: dedupeRefs(b.events),
            principal: b.key,
            detail: `${b.values.size} distinct secrets read: ${listOf(b.values)}`,
          }));
          return [...found, ...direct];
        },
      };
    },
  };
}

function dedupeRefs(refs: EventRef[]): EventRef[] {
  const seen = new Set<number>();
  return refs.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

const passwordData = stateless({
  id: 'ctinv.credential-access.ec2-password-data',
  title: 'EC2 Windows password data requested',
  severity: 'medium',
  description: 'GetPasswordData returns the encrypted administrator password of a Windows instance; rarely called outside of provisioning. Successful and denied calls.',
  mitre: [T.unsecuredCreds],
  prefilter: names('GetPasswordData'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 'ec2.amazonaws.com') return undefined;
    return { detail: `GetPasswordData ${quote(str(event, 'requestParameters.instanceId'))}${deniedSuffix(event)}` };
  },
});

// ---------------------------------------------------------------- discovery

/** Who "the same identity" is across sessions: the user, root, or the role behind a session. */
function identityKey(n: NormalizedEvent): string | undefined {
  switch (n.principalType) {
    case 'AWSService':
    case 'Unknown':
      return undefined;
    case 'AssumedRole':
      return n.issuer ?? n.principal;
    default:
      return n.principal;
  }
}

function callerIdentityNewIp(): DetectionRule {
  return {
    id: 'ctinv.discovery.getcalleridentity-new-ip',
    title: 'GetCallerIdentity from a source IP the identity never used',
    severity: 'medium',
    description:
      'sts:GetCallerIdentity ("whoami", the first call after stealing a key) from an IP address the same user, root or role had not used in the earlier events loaded. Identities with no earlier events are not judged.',
    mitre: [T.accountDiscovery, T.validCloud],
    origin: 'builtin',
    start(): RuleRun {
      const ips = new Map<string, Set<string>>();
      const hits: RuleHit[] = [];
      return {
        event(event, n, ref) {
          const key = identityKey(n);
          const ip = n.sourceIp;
          if (!key || isAwsInternalIp(ip) || ip === undefined) return;
          let known = ips.get(key);
          if (n.eventName === 'GetCallerIdentity' && known && !known.has(ip)) {
            hits.push({
              events: [ref],
              principal: n.principal,
              detail: `GetCallerIdentity from ${quote(ip)}; earlier IPs: ${listOf(known, 3)}; user agent ${quote(n.userAgent, 60)}`,
            });
          }
          if (!known) ips.set(key, (known = new Set()));
          known.add(ip);
        },
        finish: () => hits,
      };
    },
  };
}

const RECON_CALL = /^(?:List|Describe|Get|Head|Search|Lookup|Scan|BatchGet)/;

function accessDeniedBurst(threshold = 5, windowMs = 10 * 60_000): DetectionRule {
  return {
    id: 'ctinv.discovery.access-denied-burst',
    title: 'Burst of denied List/Describe calls',
    severity: 'medium',
    description: `One principal is denied ${threshold} or more distinct List/Describe/Get calls within ${windowMs / 60_000} minutes: enumeration with credentials that lack the rights.`,
    mitre: [T.infraDiscovery, T.serviceDiscovery],
    origin: 'builtin',
    start(): RuleRun {
      const bursts = new Bursts(threshold, windowMs);
      return {
        event(_event, n, ref) {
          if (!isDeniedCode(n.errorCode) || !RECON_CALL.test(n.eventName ?? '') || n.principalType === 'AWSService') return;
          bursts.add(n.principal, ref, `${n.eventSource ?? '?'}:${n.eventName ?? '?'}`);
        },
        finish() {
          return bursts.finish().map((b) => ({
            events: b.events,
            principal: b.key,
            detail: `${b.events.length} denied calls, ${b.values.size} distinct: ${listOf([...b.values].map((v) => v.replace('.amazonaws.com', '')), 6)}`,
          }));
        },
      };
    },
  };
}

// ---------------------------------------------------------------- root, console

const rootActivity = stateless({
  id: 'ctinv.initial-access.root-activity',
  title: 'Root user activity',
  severity: 'high',
  description:
    'Any call made by the root user, console actions included (AWS service events excluded; failed console logins are reported by the failed-login rule). Root creating its own access key is critical.',
  mitre: [T.validCloud],
  prefilter: [{ field: 'principalType', values: ['Root'] }],
  match(event, n) {
    if (n.principalType !== 'Root') return undefined;
    if (n.eventType === 'AwsServiceEvent') return undefined;
    if (n.eventName === 'ConsoleLogin' && str(event, 'responseElements.ConsoleLogin') === 'Failure') return undefined;
    if (n.eventName === 'CreateAccessKey' && succeeded(event) && str(event, 'requestParameters.userName') === undefined) {
      return { severity: 'critical', detail: `root created an access key for itself ${quote(str(event, 'responseElements.accessKey.accessKeyId'))}` };
    }
    return { detail: `${n.eventName ?? '?'} by root from ${quote(n.sourceIp)}${deniedSuffix(event)}` };
  },
});

const consoleNoMfa = stateless({
  id: 'ctinv.initial-access.console-login-without-mfa',
  title: 'Console login without MFA',
  severity: 'medium',
  description:
    'A successful ConsoleLogin of an IAM user or root with MFAUsed "No". Role, federated and SAML sign-ins (additionalEventData.SamlProviderArn) are not judged (MFA is the identity provider\'s).',
  mitre: [T.validCloud],
  prefilter: names('ConsoleLogin'),
  match(event, n) {
    if (n.principalType !== 'IAMUser' && n.principalType !== 'Root') return undefined;
    if (str(event, 'responseElements.ConsoleLogin') !== 'Success') return undefined;
    if (str(event, 'additionalEventData.MFAUsed')?.toLowerCase() !== 'no') return undefined;
    // Signed in through a SAML provider: the identity provider asked for (or did not ask for) MFA.
    if (str(event, 'additionalEventData.SamlProviderArn')) return undefined;
    return {
      severity: n.principalType === 'Root' ? 'high' : 'medium',
      detail: `ConsoleLogin without MFA by ${quote(callerName(event) ?? n.principal)} from ${quote(n.sourceIp)}`,
    };
  },
});

function consoleFailed(windowMs = 10 * 60_000, bruteForce = 3): DetectionRule {
  return {
    id: 'ctinv.credential-access.console-login-failed',
    title: 'Failed console logins',
    severity: 'low',
    description: `Failed ConsoleLogin attempts per target user; ${bruteForce} or more within ${windowMs / 60_000} minutes are reported as a brute-force attempt (medium), failures for root are high.`,
    mitre: [T.bruteForce, T.validCloud],
    origin: 'builtin',
    prefilter: names('ConsoleLogin'),
    start(): RuleRun {
      const attempts = new Map<string, Array<{ ref: EventRef; ip?: string; root: boolean }>>();
      return {
        event(event, n, ref) {
          if (n.eventName !== 'ConsoleLogin') return;
          const failed = str(event, 'responseElements.ConsoleLogin') === 'Failure' || str(event, 'errorMessage') === 'Failed authentication';
          if (!failed) return;
          const list = attempts.get(n.principal) ?? [];
          list.push({ ref, ip: n.sourceIp, root: n.principalType === 'Root' });
          attempts.set(n.principal, list);
        },
        finish() {
          const hits: RuleHit[] = [];
          for (const [principal, list] of attempts) {
            let group: typeof list = [];
            const flush = (): void => {
              if (group.length === 0) return;
              const root = group.some((g) => g.root);
              const severity: Severity = root ? 'high' : group.length >= bruteForce ? 'medium' : 'low';
              const ips = new Set(group.map((g) => g.ip ?? '?'));
              hits.push({
                events: group.map((g) => g.ref),
                principal,
                severity,
                detail: `${group.length} failed console login${group.length > 1 ? 's' : ''} from ${listOf(ips, 3)}`,
              });
              group = [];
            };
            for (const a of list) {
              const last = group[group.length - 1];
              if (last && !(a.ref.time - last.ref.time <= windowMs)) flush();
              group.push(a);
            }
            flush();
          }
          return hits;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- exposure

const RESTRICTIVE_CONDITION_KEYS = new Set(
  [
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:SourceAccount',
    'aws:SourceArn',
    'aws:SourceOwner',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceIp',
    'aws:userid',
    'aws:username',
    'aws:ResourceAccount',
    'aws:ResourceOrgID',
    'kms:CallerAccount',
    'kms:ViaService',
    'lambda:FunctionArn',
    's3:DataAccessPointAccount',
  ].map((k) => k.toLowerCase()),
);

function principalIsEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const o = obj(principal);
  if (!o) return false;
  for (const key of ['AWS', 'CanonicalUser']) {
    const v = o[key];
    if (v === '*' || (Array.isArray(v) && v.includes('*'))) return true;
  }
  return false;
}

/** A statement that allows anyone, with no condition that limits who (by org, account, network, ARN). */
function publicStatement(statement: unknown): boolean {
  const s = obj(statement);
  if (!s || s.Effect !== 'Allow' || !principalIsEveryone(s.Principal)) return false;
  const condition = obj(s.Condition);
  if (!condition) return true;
  for (const operator of Object.values(condition)) {
    const keys = obj(operator);
    if (keys && Object.keys(keys).some((k) => RESTRICTIVE_CONDITION_KEYS.has(k.toLowerCase()))) return false;
  }
  return true;
}

/** Finds policy documents anywhere in request parameters (objects with Statement, or JSON text). */
function policyDocuments(value: unknown, depth = 0, out: unknown[] = []): unknown[] {
  if (depth > 6 || out.length > 20) return out;
  if (typeof value === 'string') {
    if (value.includes('Statement')) {
      const parsed = parseJsonText(value);
      if (parsed !== undefined) policyDocuments(parsed, depth + 1, out);
    }
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 100)) policyDocuments(v, depth + 1, out);
    return out;
  }
  const o = obj(value);
  if (!o) return out;
  if ('Statement' in o) {
    out.push(o);
    return out;
  }
  for (const v of Object.values(o)) policyDocuments(v, depth + 1, out);
  return out;
}

function isPublicPolicy(document: unknown): boolean {
  const statements = obj(document)?.Statement;
  return (Array.isArray(statements) ? statements : [statements]).some(publicStatement);
}

/** Accounts other than `own` that an Allow statement names as AWS principals. */
function outsideAccounts(document: unknown, own: string | undefined): string[] {
  const out = new Set<string>();
  const statements = obj(document)?.Statement;
  for (const s of Array.isArray(statements) ? statements : [statements]) {
    const o = obj(s);
    if (!o || o.Effect !== 'Allow') continue;
    const aws = obj(o.Principal)?.AWS;
    for (const p of Array.isArray(aws) ? aws : [aws]) {
      if (typeof p !== 'string') continue;
      const account = /^\d{12}$/.test(p) ? p : /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p)?.[1];
      if (account && account !== own) out.add(account);
    }
  }
  return [...out];
}

const PUBLIC_ACL = /acs\.amazonaws\.com\/groups\/global\/(?:AllUsers|AuthenticatedUsers)|"x-amz-acl":\s*\[?"(?:public-read|public-read-write|authenticated-read)"/;

const POLICY_EVENTS = [
  'PutBucketPolicy',
  'PutAccessPointPolicy',
  'SetRepositoryPolicy',
  'PutRegistryPolicy',
  'PutKeyPolicy',
  'CreateKey',
  'SetQueueAttributes',
  'CreateQueue',
  'SetTopicAttributes',
  'CreateTopic',
  'PutResourcePolicy',
  'CreateElasticsearchDomain',
  'UpdateElasticsearchDomainConfig',
  'CreateDomain',
  'UpdateDomainConfig',
  'SetVaultAccessPolicy',
  'PutBackupVaultAccessPolicy',
  'PutFileSystemPolicy',
  'PutRepositoryPermissionsPolicy',
  'UpdateAssumeRolePolicy',
  'CreateRole',
];

const resourcePublic = stateless({
  id: 'ctinv.exfiltration.resource-made-public',
  title: 'Bucket or resource made public or shared outside the account',
  severity: 'high',
  description:
    'A bucket policy, ACL or other resource policy (ECR, KMS, SQS, SNS, Secrets Manager, OpenSearch, Glacier, Backup, EFS, CodeArtifact, role trust) that allows everyone ("*") without a condition limiting the organisation, account, network or source (critical for buckets); a bucket policy or role trust policy granting another account (high); public S3 ACL grants; Lambda permissions for "*". Successful calls only.',
  mitre: [T.cloudStorage, T.transferToCloud],
  prefilter: names(...POLICY_EVENTS, 'PutBucketAcl', 'PutObjectAcl', 'AddPermission', 'AddPermission20150331', 'AddPermission20150331v2'),
  match(event, n) {
    if (!succeeded(event)) return undefined;
    const params = getPath(event, 'requestParameters');
    if (params === null || params === undefined) return undefined;
    const target =
      str(event, 'requestParameters.bucketName') ??
      str(event, 'requestParameters.repositoryName') ??
      str(event, 'requestParameters.keyId') ??
      str(event, 'requestParameters.queueUrl') ??
      str(event, 'requestParameters.topicArn') ??
      str(event, 'requestParameters.resourceArn') ??
      str(event, 'requestParameters.secretId') ??
      str(event, 'requestParameters.domainName') ??
      str(event, 'requestParameters.functionName') ??
      str(event, 'requestParameters.roleName') ??
      '?';
    const name = n.eventName ?? '';
    if (name === 'PutBucketAcl' || name === 'PutObjectAcl') {
      const text = jsonText(params, { maxLength: 256 * 1024 + 1 }) ?? '';
      if (text.length > 256 * 1024 || !PUBLIC_ACL.test(text)) return undefined;
      return { detail: `${name} grants public access on ${quote(target)}` };
    }
    if (name.startsWith('AddPermission')) {
      if (n.eventSource !== undefined && n.eventSource !== 'lambda.amazonaws.com') return undefined;
      if (str(event, 'requestParameters.principal') !== '*' || str(event, 'requestParameters.sourceArn') || str(event, 'requestParameters.sourceAccount') || str(event, 'requestParameters.principalOrgID')) return undefined;
      return { detail: `Lambda ${name} for principal "*" on ${quote(target)}` };
    }
    const documents = policyDocuments(params);
    if (documents.some(isPublicPolicy)) {
      const severity: Severity = name === 'PutBucketPolicy' || name === 'PutAccessPointPolicy' ? 'critical' : 'high';
      return { severity, detail: `${name} allows everyone on ${quote(target)}` };
    }
    if (name === 'PutBucketPolicy' || name === 'PutAccessPointPolicy' || name === 'UpdateAssumeRolePolicy' || name === 'CreateRole') {
      const outside = [...new Set(documents.flatMap((d) => outsideAccounts(d, n.account)))];
      if (outside.length > 0) {
        const what = name === 'UpdateAssumeRolePolicy' || name === 'CreateRole' ? 'lets account(s) assume role' : 'grants account(s) access to';
        return { severity: 'high', detail: `${name} ${what} ${quote(target)}: ${listOf(outside, 3)}` };
      }
    }
    return undefined;
  },
});

function sharedWith(items: unknown, ownAccount: string | undefined): { everyone: boolean; accounts: string[] } {
  const out = { everyone: false, accounts: [] as string[] };
  for (const item of Array.isArray(items) ? items : [items]) {
    const o = obj(item);
    if (typeof item === 'string') {
      if (item.toLowerCase() === 'all') out.everyone = true;
      else if (item !== ownAccount) out.accounts.push(item);
      continue;
    }
    if (!o) continue;
    if (typeof o.group === 'string' && o.group.toLowerCase() === 'all') out.everyone = true;
    if (typeof o.userId === 'string' && o.userId !== ownAccount) out.accounts.push(o.userId);
  }
  return out;
}

const snapshotShared = stateless({
  id: 'ctinv.exfiltration.snapshot-shared',
  title: 'Snapshot or image shared with another account or made public',
  severity: 'high',
  description:
    'ModifySnapshotAttribute (EBS createVolumePermission), ModifyImageAttribute (AMI launchPermission), ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute (restore) adding another account (high) or everyone (critical). Successful calls only.',
  mitre: [T.transferToCloud],
  prefilter: names('ModifySnapshotAttribute', 'ModifyImageAttribute', 'ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'),
  match(event, n) {
    if (!succeeded(event)) return undefined;
    let shared: { everyone: boolean; accounts: string[] };
    let target: string | undefined;
    switch (n.eventName) {
      case 'ModifySnapshotAttribute':
        shared = sharedWith(getPath(event, 'requestParameters.createVolumePermission.add.items'), n.account);
        target = str(event, 'requestParameters.snapshotId');
        break;
      case 'ModifyImageAttribute':
        shared = sharedWith(getPath(event, 'requestParameters.launchPermission.add.items'), n.account);
        target = str(event, 'requestParameters.imageId');
        break;
      default:
        if (str(event, 'requestParameters.attributeName') !== 'restore') return undefined;
        shared = sharedWith(getPath(event, 'requestParameters.valuesToAdd'), n.account);
        target = str(event, 'requestParameters.dBSnapshotIdentifier') ?? str(event, 'requestParameters.dBClusterSnapshotIdentifier');
    }
    if (!shared.everyone && shared.accounts.length === 0) return undefined;
    return shared.everyone
      ? { severity: 'critical', detail: `${n.eventName} makes ${quote(target)} public` }
      : { detail: `${n.eventName} shares ${quote(target)} with ${listOf(shared.accounts, 3)}` };
  },
});

const sseC = stateless({
  id: 'ctinv.impact.s3-sse-c-copy',
  title: 'S3 objects re-encrypted with a customer-provided key (SSE-C)',
  severity: 'high',
  description:
    'CopyObject/UploadPartCopy with x-amz-server-side-encryption-customer-algorithm: objects rewritten with a key only the caller holds, the S3 ransomware technique. Successful calls only.',
  mitre: [T.encryptForImpact],
  prefilter: names('CopyObject', 'UploadPartCopy'),
  match(event, n) {
    if (n.eventSource !== undefined && n.eventSource !== 's3.amazonaws.com') return undefined;
    if (!succeeded(event)) return undefined;
    const params = obj(getPath(event, 'requestParameters'));
    if (!params || params['x-amz-server-side-encryption-customer-algorithm'] === undefined) return undefined;
    return { detail: `${n.eventName} SSE-C ${quote(str(event, 'requestParameters.bucketName'), 60)}/${quote(str(event, 'requestParameters.key'), 80)}` };
  },
});

// ---------------------------------------------------------------- new region

function newRegion(minBaselineMs = 30 * 60_000, baselineShare = 0.1): DetectionRule {
  return {
    id: 'ctinv.defense-evasion.new-region',
    title: 'Activity in a region the account never used',
    severity: 'medium',
    description: `The first event of an account in a region comes after a baseline period (the first ${minBaselineMs / 60_000} minutes of the loaded events, or ${baselineShare * 100}% of their span if longer) in which other regions were active: attackers use regions nobody watches.`,
    mitre: [T.unusedRegions],
    origin: 'builtin',
    start(context: RunContext): RuleRun {
      const span = Number.isFinite(context.end - context.start) ? context.end - context.start : 0;
      const baselineEnd = context.start + Math.max(minBaselineMs, span * baselineShare);
      const seen = new Map<string, Set<string>>();
      const open = new Map<string, RuleHit>();
      const hits: RuleHit[] = [];
      return {
        event(_event, n, ref) {
          if (!n.region || !n.account || !Number.isFinite(ref.time)) return;
          const key = `${n.account}\u0000${n.region}`;
          const hit = open.get(key);
          if (hit) {
            if (hit.events.length < 50) hit.events.push(ref);
            return;
          }
          let regions = seen.get(n.account);
          if (!regions) seen.set(n.account, (regions = new Set()));
          if (regions.has(n.region)) return;
          regions.add(n.region);
          if (ref.time > baselineEnd && regions.size > 1) {
            const created: RuleHit = {
              events: [ref],
              principal: n.principal,
              detail: `account ${quote(n.account)} first used region ${quote(n.region)} with ${quote(n.eventName)}`,
            };
            open.set(key, created);
            hits.push(created);
          }
        },
        finish: () => hits,
      };
    },
  };
}

// ---------------------------------------------------------------- the set

/** A fresh copy of the built-in rules (thresholds at their defaults). */
export function builtinRules(): DetectionRule[] {
  return [
    cloudTrailTampering,
    monitoringDisabled,
    leaveOrganization,
    userCreated,
    keyForOtherUser,
    loginProfile,
    adminPolicy,
    secretsBurst(),
    passwordData,
    callerIdentityNewIp(),
    accessDeniedBurst(),
    rootActivity,
    consoleNoMfa,
    consoleFailed(),
    resourcePublic,
    snapshotShared,
    sseC,
    newRegion(),
  ];
}

export const BUILTIN_RULE_IDS = builtinRules().map((r) => r.id);
