import * as assert from 'node:assert/strict';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { parseEventTime } from '../../../src/core/model/time';
import { record } from './helpers';

describe('event normalisation', () => {
  it('keys an IAM user by ARN, with its access key', () => {
    const e = normalizeEvent(record());
    assert.equal(e.principal, 'arn:aws:iam::111122223333:user/alice');
    assert.equal(e.principalType, 'IAMUser');
    assert.equal(e.accessKeyId, 'AKIAALICE');
    assert.equal(e.callerAccount, '111122223333');
  });

  it('a failed console sign-in is an error (it has errorMessage but no errorCode)', () => {
    const failed = normalizeEvent(record({ eventName: 'ConsoleLogin', errorMessage: 'Failed authentication', responseElements: { ConsoleLogin: 'Failure' } }));
    assert.equal(failed.errorCode, 'Failed authentication');
    const succeeded = normalizeEvent(record({ eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Success' } }));
    assert.equal(succeeded.errorCode, undefined);
    const coded = normalizeEvent(record({ eventName: 'ConsoleLogin', errorCode: 'Throttling', responseElements: { ConsoleLogin: 'Failure' } }));
    assert.equal(coded.errorCode, 'Throttling', 'a real errorCode wins');
  });

  it('keys the root user', () => {
    const e = normalizeEvent(record({ userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' } }));
    assert.equal(e.principal, 'arn:aws:iam::111122223333:root');
    assert.equal(e.principalType, 'Root');
  });

  it('keys a role session by role and session name, and the session instance by creation date', () => {
    const e = normalizeEvent(
      record({
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLE:deploy-42',
          arn: 'arn:aws:sts::111122223333:assumed-role/OrgAdmin/deploy-42',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLE1',
          sessionContext: {
            sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111122223333:role/admin/OrgAdmin', accountId: '111122223333', userName: 'OrgAdmin' },
            attributes: { creationDate: '2026-03-04T05:10:00Z', mfaAuthenticated: 'false' },
            sourceIdentity: 'ci-deployer',
          },
        },
      }),
    );
    assert.equal(e.principal, 'arn:aws:sts::111122223333:assumed-role/OrgAdmin/deploy-42');
    assert.equal(e.issuer, 'arn:aws:iam::111122223333:role/admin/OrgAdmin');
    assert.equal(e.sessionName, 'deploy-42');
    assert.equal(e.session, 'arn:aws:iam::111122223333:role/admin/OrgAdmin/deploy-42@2026-03-04T05:10:00Z');
    assert.equal(e.sourceIdentity, 'ci-deployer');
    assert.equal(e.mfaAuthenticated, false);
  });

  it('derives the role from an assumed-role ARN when the session issuer is missing', () => {
    const e = normalizeEvent(record({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Ops/alice', accountId: '111122223333' } }));
    assert.equal(e.issuer, 'arn:aws:iam::111122223333:role/Ops');
    assert.equal(e.sessionName, 'alice');
  });

  it('keys federated, SAML, web identity, account, Identity Center and service callers', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ type: 'FederatedUser', arn: 'arn:aws:sts::111122223333:federated-user/bob', accountId: '111122223333', principalId: '111122223333:bob' }, 'FederatedUser', 'arn:aws:sts::111122223333:federated-user/bob'],
      [{ type: 'SAMLUser', principalId: 'SAMLUser:x', userName: 'alice@example.com', identityProvider: 'arn:aws:iam::111122223333:saml-provider/Okta' }, 'SAMLUser', 'saml:arn:aws:iam::111122223333:saml-provider/Okta:alice@example.com'],
      [{ type: 'WebIdentityUser', principalId: 'accounts.google.com:123', userName: '123', identityProvider: 'accounts.google.com' }, 'WebIdentityUser', 'web-identity:accounts.google.com:123'],
      [{ type: 'AWSAccount', principalId: 'AIDAOTHER', accountId: '444455556666' }, 'AWSAccount', 'aws-account:444455556666:AIDAOTHER'],
      [{ type: 'IdentityCenterUser', accountId: '111122223333', onBehalfOf: { userId: 'u-123', identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1' } }, 'IdentityCenterUser', 'identity-center:arn:aws:identitystore::111122223333:identitystore/d-1:u-123'],
      [{ type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' }, 'AWSService', 'service:cloudtrail.amazonaws.com'],
    ];
    for (const [userIdentity, type, key] of cases) {
      const e = normalizeEvent(record({ userIdentity }));
      assert.equal(e.principalType, type);
      assert.equal(e.principal, key);
    }
  });

  it('treats an event without an identity type but with a service source as a service', () => {
    const e = normalizeEvent(record({ userIdentity: { invokedBy: 'ec2.amazonaws.com' } }));
    assert.equal(e.principalType, 'AWSService');
    assert.equal(e.principal, 'service:ec2.amazonaws.com');
  });

  it('reads the key an STS call issued, request ids and shared event ids', () => {
    const e = normalizeEvent(
      record({ eventName: 'AssumeRole', responseElements: { credentials: { accessKeyId: 'ASIANEW', sessionToken: 'x', expiration: 'y' } }, sharedEventID: 'shared-1' }),
    );
    assert.equal(e.issuedAccessKeyId, 'ASIANEW');
    assert.equal(e.sharedEventId, 'shared-1');
    assert.ok(e.requestId);
  });

  it('reads Logstash @timestamp when eventTime is missing', () => {
    const r = record();
    delete r.eventTime;
    r['@timestamp'] = '2020-09-14T00:44:23.000Z';
    assert.equal(new Date(normalizeEvent(r).time).toISOString(), '2020-09-14T00:44:23.000Z');
  });

  it('parses ISO-8601 variants and rejects non-times', () => {
    const utc = Date.UTC(2021, 9, 13, 18, 35, 8);
    for (const text of ['2021-10-13T18:35:08Z', '2021-10-13 18:35:08', '2021-10-13T18:35:08.000000000Z', '2021-10-13T20:35:08+02:00', '2021-10-13T18:35:08+0000', '20211013T183508Z']) {
      assert.equal(parseEventTime(text), utc, text);
    }
    assert.ok(Number.isNaN(parseEventTime('...')));
    assert.ok(Number.isNaN(parseEventTime(undefined)));
    assert.ok(Number.isNaN(parseEventTime('2021-13-40T00:00:00Z')));
  });
});
