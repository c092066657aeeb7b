/**
 * Built-in rules on whole attack datasets: the bundled sample trail, the Invictus Stratus
 * simulation, Panther's compromised-root scenario and the Stratus Red Team detonation logs.
 * Expected findings are read off each dataset's documentation (README / PROVENANCE.md).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinRules } from '../../../src/core/detect/builtin';
import { evaluateRulesOnEvents } from '../../../src/core/detect/engine';
import { Finding } from '../../../src/core/detect/types';
import { JsonObject } from '../../../src/core/model/event';
import { readRecords, requireDataset, sampleTrailEvents } from './helpers';

const P = 'ctinv.';

function byRule(findings: Finding[]): Map<string, Finding[]> {
  const map = new Map<string, Finding[]>();
  for (const f of findings) map.set(f.ruleId, [...(map.get(f.ruleId) ?? []), f]);
  return map;
}

function eventNamesOf(finding: Finding, events: JsonObject[]): string[] {
  return finding.eventIds.map((id) => String(events[id].eventName));
}

describe('intel/detect: built-in rules on the sample trail', function () {
  const events = sampleTrailEvents();
  const report = evaluateRulesOnEvents(events, builtinRules());
  const rules = byRule(report.findings);
  const infra = 'arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync';
  const ci = 'arn:aws:iam::111122223333:user/ci-deployer';

  function one(ruleId: string): Finding {
    const list = rules.get(P + ruleId) ?? [];
    assert.equal(list.length, 1, `${ruleId}: ${list.length} findings`);
    return list[0];
  }

  it('loads the 345 unique events and no rule fails', function () {
    assert.equal(events.length, 345);
    assert.deepEqual(report.ruleErrors, []);
  });

  it('reports the StopLogging attempt (denied by SCP) as high, not critical', function () {
    const f = one('defense-evasion.cloudtrail-tampering');
    assert.equal(f.severity, 'high');
    assert.equal(f.principal, infra);
    assert.deepEqual(eventNamesOf(f, events), ['StopLogging']);
    assert.match(f.details[0], /attempt, AccessDenied/);
    assert.deepEqual(f.mitre.map((m) => m.id), ['T1562.008']);
  });

  it('reports the persistence chain: CreateUser, CreateAccessKey for backup-admin, AdministratorAccess', function () {
    assert.deepEqual(eventNamesOf(one('persistence.iam-user-created'), events), ['CreateUser']);
    const key = one('persistence.access-key-for-other-user');
    assert.equal(key.principal, infra);
    assert.match(key.details[0], /backup-admin.*AKIAEXAMPLEBKPADMIN3/);
    assert.match(one('privilege-escalation.admin-policy-attached').details[0], /AdministratorAccess.*backup-admin/);
  });

  it('reports the GetSecretValue burst as one finding with all 12 reads (2 denied)', function () {
    const f = one('credential-access.secrets-burst');
    assert.equal(f.eventIds.length, 12);
    assert.ok(f.eventIds.every((id) => events[id].eventName === 'GetSecretValue'));
    assert.match(f.details[0], /^12 distinct secrets/);
    // The Lambda's one read per invocation stays below the threshold.
    assert.ok(!report.findings.some((x) => x.principal.includes('orders-api-lambda-role')));
  });

  it('reports discovery: whoami from the new IP, and the 16 denied List/Describe calls', function () {
    const who = one('discovery.getcalleridentity-new-ip');
    assert.equal(who.principal, ci);
    assert.equal(events[who.eventIds[0]].sourceIPAddress, '203.0.113.66');
    assert.equal(events[who.eventIds[0]].eventTime, '2026-03-04T05:02:11Z');
    const denied = one('discovery.access-denied-burst');
    assert.equal(denied.principal, ci);
    assert.equal(denied.eventIds.length, 16);
  });

  it('reports exposure and impact: public bucket, snapshot shared with 444455556666, 5 SSE-C copies', function () {
    const pub = one('exfiltration.resource-made-public');
    assert.equal(pub.severity, 'critical');
    assert.match(pub.details[0], /PutBucketPolicy allows everyone on "acme-prod-backups"/);
    assert.match(one('exfiltration.snapshot-shared').details[0], /snap-0123456789abcdef0.*444455556666/);
    const ssec = one('impact.s3-sse-c-copy');
    assert.equal(ssec.eventIds.length, 5);
    assert.ok(ssec.eventIds.every((id) => events[id].eventName === 'CopyObject'));
  });

  it('reports root use, bob.ops without MFA, carol.admin failed logins, and ap-southeast-3', function () {
    assert.equal(one('initial-access.root-activity').principal, 'arn:aws:iam::111122223333:root');
    const noMfa = one('initial-access.console-login-without-mfa');
    assert.equal(noMfa.principal, 'arn:aws:iam::111122223333:user/bob.ops');
    const failed = one('credential-access.console-login-failed');
    assert.equal(failed.eventIds.length, 4);
    assert.equal(failed.severity, 'medium');
    assert.match(failed.principal, /carol\.admin/);
    const region = one('defense-evasion.new-region');
    assert.equal(events[region.eventIds[0]].awsRegion, 'ap-southeast-3');
  });

  it('reports nothing about the background noise (alice.dev with MFA, Lambda, Config, monitoring)', function () {
    const noisy = /alice\.dev|orders-api-lambda-role|AWSServiceRoleForConfig|MonitoringReadOnly|service:/;
    assert.deepEqual(report.findings.filter((f) => noisy.test(f.principal)).map((f) => `${f.ruleId} ${f.principal}`), []);
    assert.equal(report.findings.length, 14);
  });

  it('sorts findings by severity, then time', function () {
    const ranks = report.findings.map((f) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
  });
});

describe('intel/detect: built-in rules on the Invictus Stratus simulation', function () {
  let events: JsonObject[] = [];
  let rules = new Map<string, Finding[]>();

  before(function () {
    events = readRecords(requireDataset(this, 'invictus-aws-dataset', 'CloudTrail'), { dedupeById: true });
    rules = byRule(evaluateRulesOnEvents(events, builtinRules()).findings);
  });

  function names(ruleId: string): string[] {
    return (rules.get(P + ruleId) ?? []).flatMap((f) => eventNamesOf(f, events)).sort();
  }

  it('reports the trail tampering that took effect: PutEventSelectors (management events off) and two DeleteTrail', function () {
    assert.deepEqual(names('defense-evasion.cloudtrail-tampering'), ['DeleteTrail', 'DeleteTrail', 'PutEventSelectors']);
    // The StopLogging calls all failed with TrailNotFoundException (nothing was stopped): not reported.
    const stops = events.filter((e) => e.eventName === 'StopLogging');
    assert.ok(stops.length > 0 && stops.every((e) => e.errorCode === 'TrailNotFoundException'));
  });

  it('reports DeleteFlowLogs and the denied LeaveOrganization', function () {
    assert.deepEqual(names('defense-evasion.monitoring-disabled'), ['DeleteFlowLogs']);
    const leave = rules.get(P + 'defense-evasion.leave-organization') ?? [];
    assert.equal(leave.length, 1);
    assert.equal(leave[0].severity, 'high');
  });

  it('reports persistence: users, keys for other users, login profiles, admin policies', function () {
    assert.deepEqual(names('persistence.iam-user-created'), ['CreateUser', 'CreateUser', 'CreateUser', 'CreateUser']);
    assert.deepEqual(names('persistence.access-key-for-other-user'), ['CreateAccessKey', 'CreateAccessKey']);
    assert.deepEqual(names('persistence.login-profile-for-other-user'), ['CreateLoginProfile', 'CreateLoginProfile']);
    assert.deepEqual(names('privilege-escalation.admin-policy-attached'), ['AttachRolePolicy', 'AttachUserPolicy']);
  });

  it('reports credential access: the secrets burst and GetPasswordData', function () {
    const secrets = rules.get(P + 'credential-access.secrets-burst') ?? [];
    assert.equal(secrets.length, 1);
    assert.ok(names('credential-access.secrets-burst').every((n) => n === 'GetSecretValue' || n === 'GetParameter' || n === 'GetParameters' || n === 'BatchGetSecretValue'));
    const password = names('credential-access.ec2-password-data');
    assert.equal(password.length, events.filter((e) => e.eventName === 'GetPasswordData').length);
  });

  it('reports exfiltration: AMI, EBS and RDS snapshots shared; bucket policy and role trust to another account; public Lambda', function () {
    assert.deepEqual(names('exfiltration.snapshot-shared'), ['ModifyDBSnapshotAttribute', 'ModifyImageAttribute', 'ModifySnapshotAttribute']);
    assert.deepEqual(names('exfiltration.resource-made-public'), ['AddPermission20150331v2', 'PutBucketPolicy', 'UpdateAssumeRolePolicy']);
  });

  it('reports the stolen instance credentials used from a new IP (GetCallerIdentity)', function () {
    const f = rules.get(P + 'discovery.getcalleridentity-new-ip') ?? [];
    assert.equal(f.length, 1);
    assert.match(f[0].principal, /ec2-steal-credentials-role/);
  });
});

describe('intel/detect: built-in rules on the Panther compromised-root scenario', function () {
  let events: JsonObject[] = [];
  let rules = new Map<string, Finding[]>();

  before(function () {
    events = readRecords(requireDataset(this, 'panther-scenario-compromised-root', 'compromised_root_creds_cloudtrail.json'));
    rules = byRule(evaluateRulesOnEvents(events, builtinRules()).findings);
  });

  it('keeps every record even though all share eventID "1"', function () {
    assert.equal(events.length, 16);
  });

  it('reports root use, including root creating its own access key (critical)', function () {
    const root = rules.get(P + 'initial-access.root-activity') ?? [];
    assert.ok(root.length >= 1);
    const attack = root.find((f) => f.details.some((d) => /created an access key for itself/.test(d)));
    assert.ok(attack);
    assert.equal(attack.severity, 'critical');
  });

  it('reports the failed root console logins from the attacker IP (high)', function () {
    const failed = rules.get(P + 'credential-access.console-login-failed') ?? [];
    const ids = failed.flatMap((f) => f.eventIds);
    assert.equal(ids.length, 3);
    assert.ok(ids.every((id) => events[id].sourceIPAddress === '92.55.146.245'));
    assert.ok(failed.every((f) => f.severity === 'high'));
  });

  it('reports the look-alike user tracy_stone: CreateUser, CreateAccessKey for it, IAMFullAccess attached', function () {
    assert.match((rules.get(P + 'persistence.iam-user-created') ?? [])[0]?.details[0] ?? '', /tracy_stone/);
    assert.match((rules.get(P + 'persistence.access-key-for-other-user') ?? [])[0]?.details[0] ?? '', /tracy_stone/);
    assert.match((rules.get(P + 'privilege-escalation.admin-policy-attached') ?? [])[0]?.details[0] ?? '', /IAMFullAccess.*tracy_stone/);
  });

  it('reports the StopLogging attempt refused with NotOrganizationMasterAccountException', function () {
    const f = rules.get(P + 'defense-evasion.cloudtrail-tampering') ?? [];
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].details[0], /NotOrganizationMasterAccountException/);
  });
});

describe('intel/detect: built-in rules on the Stratus Red Team detonation logs', function () {
  /** Technique → the built-in rule(s) that must fire on its detonation. */
  const EXPECTED: Record<string, string[]> = {
    'aws.credential-access.ec2-get-password-data': ['credential-access.ec2-password-data'],
    'aws.credential-access.secretsmanager-batch-retrieve-secrets': ['credential-access.secrets-burst'],
    'aws.credential-access.secretsmanager-retrieve-secrets': ['credential-access.secrets-burst'],
    'aws.credential-access.ssm-retrieve-securestring-parameters': ['credential-access.secrets-burst'],
    'aws.defense-evasion.cloudtrail-delete': ['defense-evasion.cloudtrail-tampering'],
    'aws.defense-evasion.cloudtrail-event-selectors': ['defense-evasion.cloudtrail-tampering'],
    'aws.defense-evasion.cloudtrail-stop': ['defense-evasion.cloudtrail-tampering'],
    'aws.defense-evasion.dns-delete-logs': ['defense-evasion.monitoring-disabled'],
    'aws.defense-evasion.organizations-leave': ['defense-evasion.leave-organization'],
    'aws.defense-evasion.vpc-remove-flow-logs': ['defense-evasion.monitoring-disabled'],
    'aws.exfiltration.ec2-share-ami': ['exfiltration.snapshot-shared'],
    'aws.exfiltration.ec2-share-ebs-snapshot': ['exfiltration.snapshot-shared'],
    'aws.exfiltration.rds-share-snapshot': ['exfiltration.snapshot-shared'],
    'aws.initial-access.console-login-without-mfa': ['initial-access.console-login-without-mfa'],
    'aws.persistence.iam-backdoor-role': ['exfiltration.resource-made-public'],
    'aws.persistence.iam-backdoor-user': ['persistence.access-key-for-other-user'],
    'aws.persistence.iam-create-admin-user': ['persistence.iam-user-created', 'persistence.access-key-for-other-user', 'privilege-escalation.admin-policy-attached'],
    'aws.persistence.iam-create-backdoor-role': ['privilege-escalation.admin-policy-attached', 'exfiltration.resource-made-public'],
    'aws.persistence.iam-create-user-login-profile': ['persistence.login-profile-for-other-user'],
    'aws.persistence.lambda-backdoor-function': ['exfiltration.resource-made-public'],
    'aws.privilege-escalation.iam-update-user-login-profile': ['persistence.login-profile-for-other-user'],
  };

  let dir = '';
  before(function () {
    dir = requireDataset(this, 'stratus-detonation-logs');
  });

  for (const [technique, expected] of Object.entries(EXPECTED)) {
    it(`${technique} → ${expected.join(', ')}`, function () {
      const file = path.join(dir, `${technique}.json`);
      assert.ok(fs.existsSync(file), file);
      const report = evaluateRulesOnEvents(readRecords(file), builtinRules());
      assert.deepEqual(report.ruleErrors, []);
      const fired = new Set(report.findings.map((f) => f.ruleId));
      for (const rule of expected) assert.ok(fired.has(P + rule), `${rule} did not fire; fired: ${[...fired].join(', ')}`);
    });
  }
});
