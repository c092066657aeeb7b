/**
 * Built-in rules against Panther's labelled CloudTrail test events, for every Panther rule that
 * covers the same behaviour. Cases with mocks are skipped (their label depends on Panther's
 * mocked state); cases where the semantics genuinely differ are excluded below, each with a reason.
 */
import * as assert from 'node:assert/strict';
import { builtinRules } from '../../../src/core/detect/builtin';
import { evaluateRulesOnEvents } from '../../../src/core/detect/engine';
import { DetectionRule } from '../../../src/core/detect/types';
import { PantherCase, pantherCases, requireDataset } from './helpers';

const R = {
  cloudtrail: 'ctinv.defense-evasion.cloudtrail-tampering',
  monitoring: 'ctinv.defense-evasion.monitoring-disabled',
  createUser: 'ctinv.persistence.iam-user-created',
  keyOther: 'ctinv.persistence.access-key-for-other-user',
  loginProfile: 'ctinv.persistence.login-profile-for-other-user',
  admin: 'ctinv.privilege-escalation.admin-policy-attached',
  passwordData: 'ctinv.credential-access.ec2-password-data',
  root: 'ctinv.initial-access.root-activity',
  noMfa: 'ctinv.initial-access.console-login-without-mfa',
  failedLogin: 'ctinv.credential-access.console-login-failed',
  public: 'ctinv.exfiltration.resource-made-public',
  snapshot: 'ctinv.exfiltration.snapshot-shared',
  leaveOrg: 'ctinv.defense-evasion.leave-organization',
  secrets: 'ctinv.credential-access.secrets-burst',
  ssec: 'ctinv.impact.s3-sse-c-copy',
} as const;

/** Panther rule id → the built-in rule covering the same behaviour. */
const MAPPING: Record<string, string> = {
  'AWS.CloudTrail.Stopped': R.cloudtrail,
  'AWS.CloudTrail.EventSelectorsDisabled': R.cloudtrail,
  'AWS.CloudTrail.SecurityConfigurationChange': R.cloudtrail,
  'AWS.CloudTrail.AttemptToLeaveOrg': R.leaveOrg,
  'AWS.VPCFlow.LogsDeleted': R.monitoring,
  'AWS.ConfigService.DisabledDeleted': R.monitoring,
  'AWS.CloudTrail.DNSLogsDeleted': R.monitoring,
  'AWS.IAM.CreateUser': R.createUser,
  'AWS.IAM.Backdoor.User.Keys': R.keyOther,
  'AWS.CloudTrail.LoginProfileCreatedOrModified': R.loginProfile,
  'AWS.User.Login.Profile.Modified': R.loginProfile,
  'AWS.IAM.AttachAdminUserPolicy': R.admin,
  'AWS.IAM.AttachAdminRolePolicy': R.admin,
  'AWS.EC2.ManyPasswordReadAttempts': R.passwordData,
  'AWS.SecretsManager.BatchRetrieveSecrets': R.secrets,
  'AWS.Root.Activity': R.root,
  'AWS.CloudTrail.RootAccessKeyCreated': R.root,
  'AWS.Console.RootLoginFailed': R.failedLogin,
  'AWS.CloudTrail.PasswordSpraying': R.failedLogin,
  'AWS.Console.LoginWithoutMFA': R.noMfa,
  'AWS.CloudTrail.ResourceMadePublic': R.public,
  'AWS.CloudTrail.SnapshotMadePublic': R.snapshot,
  'AWS.CloudTrail.AMIModifiedForPublicAccess': R.snapshot,
  'AWS.RDS.SnapshotShared': R.snapshot,
  'AWS.S3.CopyObjectWithClientSideEncryption': R.ssec,
};

/**
 * Rules whose Panther tests all carry mocks, although the mock only decides some cases: the
 * others are compared like unmocked ones. The cases named here depend on the mock and are skipped.
 */
const MOCK_INDEPENDENT: Record<string, Record<string, string>> = {
  'AWS.Console.LoginWithoutMFA': {
    'No MFA Login - New User': 'Panther\'s mock says the user was created minutes ago and suppresses the alert; a fresh user signing in without MFA is reported here.',
  },
};

/** Cases whose label follows a different definition than ours: excluded, with the reason. */
const EXCLUDED: Record<string, Record<string, string>> = {
  'AWS.Root.Activity': {
    'Root Activity - CreateServiceLinkedRole':
      'Panther allow-lists service-linked-role creation by root; any root call is reported here, since the root user should not be used at all.',
    'Root Read-Only Enumeration': 'Panther ignores read-only root calls; a root user listing access keys is still root use worth a look.',
    'Root User Failed Activity':
      'A failed ExternalIdPDirectoryLogin by root is still root use (only failed ConsoleLogin is left to the failed-login rule).',
  },
  'AWS.CloudTrail.RootAccessKeyCreated': {
    'Root Created Access Key For User':
      'Panther\'s rule is only about root creating its own key; ours is "root activity", and root creating a key for a user is root activity (reported high, not critical).',
  },
  'AWS.User.Login.Profile.Modified': {
    'User changed password for other reset required':
      'Panther treats a password reset with passwordResetRequired=true as routine; whoever set it can still sign in first and change it, so it is reported.',
  },
};

/** Panther rules with a related built-in rule that are deliberately not compared case by case. */
export const NOT_COMPARED: Record<string, string> = {
  'AWS.IAMUser.ReconAccessDenied': 'single denied call is labelled true; ours needs a burst (covered by dataset tests).',
  'AWS.SecretsManager.RetrieveSecrets': 'single GetSecretValue is labelled true; ours needs a burst of distinct secrets (covered by Stratus tests).',
  'AWS.SecretsManager.BatchRetrieveSecretsCatchAll':
    'Panther fires only on a filter that matches every secret (a negated tag key alone); any BatchGetSecretValue by filter is bulk retrieval here (the plain BatchRetrieveSecrets case is compared).',
  'AWS.UnusedRegion': 'Panther compares against a configured region allow-list; ours learns the baseline from the loaded events.',
};

describe('intel/detect: built-in rules vs Panther labelled events', function () {
  let cases: PantherCase[] = [];
  const rules = new Map<string, DetectionRule>(builtinRules().map((r) => [r.id, r]));

  before(function () {
    cases = pantherCases(requireDataset(this, 'panther-cloudtrail-tests', 'panther_cloudtrail_rule_tests.ndjson'));
  });

  it('maps only to rules that exist, and every exclusion names a real, unmocked case', function () {
    for (const ruleId of Object.values(MAPPING)) assert.ok(rules.has(ruleId), ruleId);
    for (const [pantherId, byName] of Object.entries(MOCK_INDEPENDENT)) {
      assert.ok(MAPPING[pantherId], `${pantherId} is not mapped`);
      for (const name of Object.keys(byName)) assert.ok(cases.find((c) => c.rule_id === pantherId && c.test_name === name), `mock-dependent case ${pantherId} / ${name} does not exist`);
    }
    for (const [pantherId, byName] of Object.entries(EXCLUDED)) {
      for (const name of Object.keys(byName)) {
        const found = cases.find((c) => c.rule_id === pantherId && c.test_name === name);
        assert.ok(found, `excluded case ${pantherId} / ${name} does not exist`);
        assert.equal(found.has_mocks, false, `excluded case ${pantherId} / ${name} is mocked anyway`);
      }
    }
  });

  for (const [pantherId, ruleId] of Object.entries(MAPPING)) {
    it(`${pantherId} ↔ ${ruleId}`, function () {
      const mine = cases.filter((c) => c.rule_id === pantherId);
      assert.ok(mine.length > 0, `no Panther cases for ${pantherId}`);
      const mockIndependent = MOCK_INDEPENDENT[pantherId];
      const usable = mine.filter((c) => (!c.has_mocks || (mockIndependent && !mockIndependent[c.test_name])) && !EXCLUDED[pantherId]?.[c.test_name]);
      if (usable.length === 0) {
        // Every case of this rule relies on Panther mocks: say so instead of passing silently.
        assert.ok(mine.every((c) => c.has_mocks), pantherId);
        this.skip();
      }
      const rule = rules.get(ruleId)!;
      const wrong: string[] = [];
      for (const c of usable) {
        const report = evaluateRulesOnEvents([c.event], [rule]);
        assert.deepEqual(report.ruleErrors, [], `${c.test_name}: rule threw`);
        const fired = report.findings.length > 0;
        if (fired !== c.expected_result) wrong.push(`"${c.test_name}": expected ${c.expected_result}, got ${fired}`);
      }
      assert.deepEqual(wrong, []);
      // Each mapped rule must be exercised both ways where Panther provides both labels.
      const positives = usable.filter((c) => c.expected_result).length;
      assert.ok(positives > 0, `${pantherId}: no positive case left to test`);
    });
  }
});
