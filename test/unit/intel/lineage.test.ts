/**
 * Identity lineage on the sample trail (through the real loader and index), on Invictus and
 * Stratus, and on small synthetic chains for the cross-account, SAML, loop and missing-hop cases.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Investigation } from '../../../src/core/engine/investigation';
import { EventIndexApi } from '../../../src/core/engine/api';
import { lineageJson, lineageSummary, traceLineage } from '../../../src/core/lineage/lineage';
import { JsonObject } from '../../../src/core/model/event';
import { memoryIndexOf, requireDataset, SAMPLE_TRAIL } from './helpers';

describe('intel/lineage: the sample trail', function () {
  let index: EventIndexApi;

  before(async function () {
    const { investigation } = await Investigation.open([SAMPLE_TRAIL], { workers: 0 });
    index = investigation.index;
    assert.equal(index.size, 345);
  });

  it('ASIA…02 leads to ASIA…01 leads to the IAM user ci-deployer, sourceIdentity carried', async function () {
    const lineage = await traceLineage(index, { accessKey: 'ASIAEXAMPLEINFRAAU02' });
    assert.equal(lineage.complete, true);
    assert.deepEqual(
      lineage.hops.map((h) => [h.accessKey, h.keyKind, h.principal, h.issuedBy?.eventName, h.issuedBy?.eventID, h.issuedBy?.time]),
      [
        ['ASIAEXAMPLEINFRAAU02', 'temporary', 'arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync', 'AssumeRole', '51682bbb-f580-4484-9009-412842c3d8ae', '2026-03-04T05:08:31.000Z'],
        ['ASIAEXAMPLEORGADMN01', 'temporary', 'arn:aws:sts::111122223333:assumed-role/OrgAdmin/ci-deploy-8841', 'AssumeRole', 'd25235be-864a-4199-8e8e-52d782662570', '2026-03-04T05:06:02.000Z'],
        ['AKIAEXAMPLECIDEPLOY1', 'long-term', 'arn:aws:iam::111122223333:user/ci-deployer', undefined, undefined, undefined],
      ],
    );
    assert.equal(lineage.origin?.kind, 'iam-user');
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::111122223333:user/ci-deployer');
    assert.equal(lineage.sourceIdentity, 'ci-deployer');
    assert.equal(lineage.hops[0].issuedBy?.roleArn, 'arn:aws:iam::111122223333:role/InfraAutomation');
    assert.equal(lineage.hops[0].eventsUsingKey, 26);
    assert.equal(lineage.missing, undefined);
    assert.match(lineageSummary(lineage), /^ASIAEXAMPLEINFRAAU02 ← AssumeRole .* ⇐ IAM user ci-deployer .*\[sourceIdentity ci-deployer\]$/);
  });

  it('starts equally from the session or from an event of it', async function () {
    const byKey = await traceLineage(index, { accessKey: 'ASIAEXAMPLEINFRAAU02' });
    const session = index.value('session', index.postings('accessKey', 'ASIAEXAMPLEINFRAAU02')[0])!;
    assert.match(session, /InfraAutomation\/infra-sync@2026-03-04T05:08:31Z$/);
    const bySession = await traceLineage(index, { session });
    const runInstances = index.postings('eventName', 'RunInstances')[0];
    const byEvent = await traceLineage(index, { eventId: runInstances });
    assert.deepEqual(bySession.hops, byKey.hops);
    assert.deepEqual(byEvent.hops, byKey.hops);
  });

  it('the backdoor key is long-term, created by the attacker session', async function () {
    const lineage = await traceLineage(index, { accessKey: 'AKIAEXAMPLEBKPADMIN3' });
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::111122223333:user/backup-admin');
    assert.equal(lineage.origin?.keyCreatedBy?.principal, 'arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync');
    assert.equal(lineage.origin?.keyCreatedBy?.eventID, '023313a4-5ef6-4537-992d-84226be69423');
  });

  it('AWS-service and console origins: Lambda, the Config service-linked role, alice.dev\'s console session', async function () {
    const lambda = await traceLineage(index, { accessKey: 'ASIAEXAMPLELAMBDA003' });
    assert.equal(lambda.origin?.kind, 'aws-service');
    assert.equal(lambda.origin?.principal, 'service:lambda.amazonaws.com');
    assert.equal(lambda.hops[0].issuedBy?.eventName, 'AssumeRole');
    const config = await traceLineage(index, { accessKey: 'ASIAEXAMPLECONFIGS07' });
    assert.equal(config.origin?.kind, 'aws-service');
    const alice = await traceLineage(index, { accessKey: 'ASIAEXAMPLEALICECON4' });
    assert.equal(alice.origin?.kind, 'iam-user');
    assert.equal(alice.origin?.consoleLogin?.eventID, '342e2e0b-cae2-4ce7-a250-9ee90026524f');
  });

  it('a cross-account AssumeRole whose other side is not loaded says what to load', async function () {
    const lineage = await traceLineage(index, { accessKey: 'ASIAEXAMPLEMONITOR06' });
    assert.equal(lineage.complete, false);
    assert.equal(lineage.missing?.account, '444455556666');
    assert.deepEqual(lineage.missing?.eventNames, ['AssumeRole']);
    assert.deepEqual(lineage.missing?.window, { start: '2026-03-04T04:14:58.000Z', end: '2026-03-04T04:44:58.000Z' });
    assert.ok(lineage.missing?.sharedEventID);
  });

  it('the JSON form lists hops from the key back to the origin', async function () {
    const json = lineageJson(await traceLineage(index, { accessKey: 'ASIAEXAMPLEINFRAAU02' })) as { hops: Array<Record<string, unknown>>; origin: Record<string, unknown> };
    assert.equal(json.hops.length, 3);
    assert.deepEqual(Object.keys(json.hops[0]).slice(0, 3), ['accessKey', 'keyKind', 'principal']);
    assert.equal((json.hops[1].issuedBy as Record<string, unknown>).eventID, 'd25235be-864a-4199-8e8e-52d782662570');
    assert.equal(json.origin.kind, 'iam-user');
    assert.doesNotThrow(() => JSON.stringify(json));
  });
});

describe('intel/lineage: public datasets', function () {
  it('Invictus: the GetPasswordData role session leads to IAM user bert-jan', async function () {
    const dir = requireDataset(this, 'invictus-aws-dataset', 'CloudTrail');
    const { investigation } = await Investigation.open([dir], { workers: 0 });
    const lineage = await traceLineage(investigation.index, { accessKey: 'ASIATFQR7NSCWLLE7IWW' });
    assert.equal(lineage.complete, true);
    assert.equal(lineage.hops[0].issuedBy?.eventName, 'AssumeRole');
    assert.equal(lineage.hops[1].accessKey, 'AKIATFQR7NSC8Q4X20BJ');
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::123837392027:user/bert-jan');
    const instance = await traceLineage(investigation.index, { accessKey: 'ASIATFQR7NSCWFKWOWVD' });
    assert.equal(instance.origin?.kind, 'aws-service');
  });

  it('Stratus: a GetFederationToken key leads to the IAM user that asked for it', async function () {
    const file = requireDataset(this, 'stratus-detonation-logs', 'aws.persistence.sts-federation-token.json');
    const { investigation } = await Investigation.open([file], { workers: 0 });
    const lineage = await traceLineage(investigation.index, { accessKey: 'ASIASTJKC5GCM7ZE6LUP' });
    assert.equal(lineage.hops[0].issuedBy?.eventName, 'GetFederationToken');
    assert.equal(lineage.hops[0].principalType, 'FederatedUser');
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user');
    assert.equal(path.basename(file), 'aws.persistence.sts-federation-token.json');
  });
});

function ev(overrides: JsonObject): JsonObject {
  return {
    eventVersion: '1.09',
    eventSource: 'sts.amazonaws.com',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.9',
    userAgent: 'aws-cli/2',
    recipientAccountId: '111122223333',
    eventID: `id-${Math.random().toString(16).slice(2)}`,
    ...overrides,
  };
}

function role(account: string, name: string, session: string, key: string, created: string, extra: JsonObject = {}): JsonObject {
  return {
    type: 'AssumedRole',
    principalId: `AROA${name}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${name}/${session}`,
    accountId: account,
    accessKeyId: key,
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${name}`, accountId: account, userName: name }, attributes: { creationDate: created } },
    ...extra,
  };
}

describe('intel/lineage: synthetic chains', function () {
  it('joins a cross-account hop through sharedEventID when both copies are loaded', async function () {
    const shared = 'shared-0001';
    const index = memoryIndexOf([
      // The caller's copy, in 444455556666: the caller is an IAM user with a long-term key.
      ev({
        eventTime: '2026-03-04T05:00:00Z',
        eventName: 'AssumeRole',
        recipientAccountId: '444455556666',
        sharedEventID: shared,
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/vendor', accountId: '444455556666', accessKeyId: 'AKIAVENDOR', userName: 'vendor' },
        requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/Audit', roleSessionName: 'audit' },
        responseElements: { credentials: { accessKeyId: 'ASIAAUDIT' } },
      }),
      // The role owner's copy: the caller appears as AWSAccount.
      ev({
        eventTime: '2026-03-04T05:00:00Z',
        eventName: 'AssumeRole',
        sharedEventID: shared,
        userIdentity: { type: 'AWSAccount', principalId: 'AIDAVENDOR', accountId: '444455556666' },
        requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/Audit', roleSessionName: 'audit' },
        responseElements: { credentials: { accessKeyId: 'ASIAAUDIT' } },
      }),
      ev({ eventTime: '2026-03-04T05:01:00Z', eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', userIdentity: role('111122223333', 'Audit', 'audit', 'ASIAAUDIT', '2026-03-04T05:00:00Z') }),
    ]);
    const lineage = await traceLineage(index, { accessKey: 'ASIAAUDIT' });
    assert.equal(lineage.complete, true);
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::444455556666:user/vendor');
    assert.deepEqual(lineage.hops.map((h) => h.accessKey), ['ASIAAUDIT', 'AKIAVENDOR']);
  });

  it('ends at a SAML subject for AssumeRoleWithSAML', async function () {
    const index = memoryIndexOf([
      ev({
        eventTime: '2026-03-04T05:00:00Z',
        eventName: 'AssumeRoleWithSAML',
        userIdentity: { type: 'SAMLUser', principalId: 'idp:jane@example.com', userName: 'jane@example.com', identityProvider: 'arn:aws:iam::111122223333:saml-provider/Okta' },
        responseElements: { credentials: { accessKeyId: 'ASIASAML' }, sourceIdentity: 'jane' },
      }),
      ev({ eventTime: '2026-03-04T05:02:00Z', eventName: 'GetCallerIdentity', userIdentity: role('111122223333', 'Admins', 'jane@example.com', 'ASIASAML', '2026-03-04T05:00:00Z') }),
    ]);
    const lineage = await traceLineage(index, { accessKey: 'ASIASAML' });
    assert.equal(lineage.origin?.kind, 'saml');
    assert.match(lineage.origin?.label ?? '', /jane@example\.com.*Okta/);
    assert.equal(lineage.sourceIdentity, 'jane');
  });

  it('GetSessionToken: the session key leads to the IAM user\u2019s long-term key', async function () {
    const user = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/dev', accountId: '111122223333', userName: 'dev', principalId: 'AIDADEV' };
    const index = memoryIndexOf([
      ev({ eventTime: '2026-03-04T05:00:00Z', eventName: 'GetSessionToken', userIdentity: { ...user, accessKeyId: 'AKIADEV' }, responseElements: { credentials: { accessKeyId: 'ASIADEVSESSION' } } }),
      ev({ eventTime: '2026-03-04T05:03:00Z', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: { ...user, accessKeyId: 'ASIADEVSESSION' } }),
    ]);
    const lineage = await traceLineage(index, { accessKey: 'ASIADEVSESSION' });
    assert.equal(lineage.complete, true);
    assert.deepEqual(lineage.hops.map((h) => [h.accessKey, h.issuedBy?.eventName ?? null]), [['ASIADEVSESSION', 'GetSessionToken'], ['AKIADEV', null]]);
    assert.equal(lineage.origin?.kind, 'iam-user');
    assert.equal(lineage.origin?.principal, 'arn:aws:iam::111122223333:user/dev');
  });

  it('AssumeRoleWithWebIdentity ends at the OIDC subject; an Identity Center user is an origin of its own', async function () {
    const index = memoryIndexOf([
      ev({
        eventTime: '2026-03-04T05:00:00Z',
        eventName: 'AssumeRoleWithWebIdentity',
        userIdentity: { type: 'WebIdentityUser', principalId: 'token.actions.githubusercontent.com:repo:acme/app', userName: 'repo:acme/app:ref:refs/heads/main', identityProvider: 'token.actions.githubusercontent.com' },
        requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/Deploy', roleSessionName: 'gha' },
        responseElements: { credentials: { accessKeyId: 'ASIAGHA' } },
      }),
      ev({ eventTime: '2026-03-04T05:01:00Z', eventName: 'GetCallerIdentity', userIdentity: role('111122223333', 'Deploy', 'gha', 'ASIAGHA', '2026-03-04T05:00:00Z') }),
      ev({
        eventTime: '2026-03-04T05:05:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'ListCallerAccessGrants',
        userIdentity: { type: 'IdentityCenterUser', accountId: '111122223333', accessKeyId: 'ASIAIDC', onBehalfOf: { userId: 'u-1234', identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1' } },
      }),
    ]);
    const web = await traceLineage(index, { accessKey: 'ASIAGHA' });
    assert.equal(web.origin?.kind, 'web-identity');
    assert.match(web.origin?.label ?? '', /repo:acme\/app.*token\.actions\.githubusercontent\.com/);
    assert.equal(web.hops[0].issuedBy?.eventName, 'AssumeRoleWithWebIdentity');
    const idc = await traceLineage(index, { accessKey: 'ASIAIDC' });
    assert.equal(idc.origin?.kind, 'identity-center');
    assert.match(idc.origin?.label ?? '', /IAM Identity Center user u-1234/);
  });

  it('stops on a loop (a key that claims to issue itself) instead of running forever', async function () {
    const index = memoryIndexOf([
      ev({
        eventTime: '2026-03-04T05:00:00Z',
        eventName: 'AssumeRole',
        userIdentity: role('111122223333', 'A', 'a', 'ASIALOOP', '2026-03-04T04:00:00Z'),
        responseElements: { credentials: { accessKeyId: 'ASIALOOP' } },
      }),
    ]);
    const lineage = await traceLineage(index, { accessKey: 'ASIALOOP' });
    assert.equal(lineage.complete, false);
    assert.ok(lineage.notes.some((n) => /loop/.test(n)), lineage.notes.join('; '));
  });

  it('a missing AssumeRole: account, regions, event names and a ±15 minute window around the creation date', async function () {
    const index = memoryIndexOf([
      ev({ eventTime: '2026-03-04T06:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userIdentity: role('111122223333', 'Deploy', 'gha-123', 'ASIAORPHAN', '2026-03-04T05:40:00Z') }),
    ]);
    const lineage = await traceLineage(index, { accessKey: 'ASIAORPHAN' });
    assert.equal(lineage.complete, false);
    assert.deepEqual(lineage.missing, {
      reason: 'the STS call that issued ASIAORPHAN (session gha-123 of arn:aws:iam::111122223333:role/Deploy, created 2026-03-04T05:40:00Z) is not loaded',
      accessKey: 'ASIAORPHAN',
      account: '111122223333',
      regions: ['eu-west-1', 'us-east-1'],
      eventNames: ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'],
      window: { start: '2026-03-04T05:25:00.000Z', end: '2026-03-04T05:55:00.000Z' },
      lookup: { attributeKey: 'ResourceName', attributeValue: 'arn:aws:iam::111122223333:role/Deploy', startTime: '2026-03-04T05:25:00.000Z', endTime: '2026-03-04T05:55:00.000Z' },
    });
  });

  it('an unknown key is reported, with a LookupEvents query by AccessKeyId', async function () {
    const index = memoryIndexOf([ev({ eventTime: '2026-03-04T05:00:00Z', eventName: 'GetCallerIdentity', userIdentity: role('111122223333', 'X', 'x', 'ASIAX', '2026-03-04T05:00:00Z') })]);
    const lineage = await traceLineage(index, { accessKey: 'ASIANEVERSEEN' });
    assert.equal(lineage.complete, false);
    assert.equal(lineage.missing?.lookup.attributeKey, 'AccessKeyId');
    assert.equal(lineage.missing?.lookup.attributeValue, 'ASIANEVERSEEN');
  });

  it('honours an aborted signal', async function () {
    const index = memoryIndexOf([ev({ eventTime: '2026-03-04T05:00:00Z', eventName: 'GetCallerIdentity', userIdentity: role('111122223333', 'X', 'x', 'ASIAX', '2026-03-04T05:00:00Z') })]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(traceLineage(index, { accessKey: 'ASIAX' }, { signal: controller.signal }), { name: 'AbortError' });
  });
});
