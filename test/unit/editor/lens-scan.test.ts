// The lens scanner is plain logic (no vscode): where lenses go in CloudTrail JSON text and
// which field and value each one looks up, including LookupEvents' escaped CloudTrailEvent.
import * as assert from 'node:assert/strict';
import { holdsCloudTrailEvents, LENS_KINDS, scanValues, type LensKind } from '../../../src/extension/lenses/scan';

const ALL = { kinds: new Set<LensKind>(LENS_KINDS), maxSites: 1000, maxPerValue: 1000 };

const EVENT = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:infra-sync',
    arn: 'arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEINFRAAU02',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111122223333:role/InfraAutomation', accountId: '111122223333' },
      attributes: { creationDate: '2026-03-04T05:08:31Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2026-03-04T05:10:05Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.66',
  userAgent: 'Boto3/1.34.69 "quoted" \\ back',
  resources: [{ ARN: 'arn:aws:ec2:us-east-1:111122223333:instance/i-1', type: 'AWS::EC2::Instance' }],
};

function summary(text: string, options = ALL): string[] {
  return scanValues(text, options).sites.map((s) => `${s.kind}:${s.field}=${s.value}`);
}

describe('lens scan', () => {
  it('finds the principal, issuer, key, IP, user agent and event name of a single event', () => {
    const text = JSON.stringify(EVENT, null, 2);
    assert.equal(holdsCloudTrailEvents(text), true);
    assert.deepEqual(summary(text), [
      'principal:principal=arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync',
      'principal:principal=arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync',
      'accessKeyId:accessKey=ASIAEXAMPLEINFRAAU02',
      'sessionIssuer:issuer=arn:aws:iam::111122223333:role/InfraAutomation',
      'eventName:eventName=RunInstances',
      'sourceIPAddress:ip=203.0.113.66',
      'userAgent:userAgent=Boto3/1.34.69 "quoted" \\ back',
    ]);
  });

  it('places each lens on its key, with the pair as the hover range', () => {
    const text = JSON.stringify(EVENT);
    for (const site of scanValues(text, ALL).sites) {
      assert.match(text.slice(site.keyStart, site.keyEnd), /^"\w+"$/);
      assert.ok(text.slice(site.keyStart, site.end).endsWith('"'));
    }
  });

  it('decodes values inside LookupEvents’ CloudTrailEvent string twice, keeping positions in the document', () => {
    const text = JSON.stringify({ Events: [{ EventId: 'x', EventName: 'RunInstances', CloudTrailEvent: JSON.stringify(EVENT) }] }, null, 4);
    assert.equal(holdsCloudTrailEvents(text), true);
    const result = scanValues(text, ALL);
    assert.equal(result.embedded, true);
    const values = result.sites.map((s) => `${s.field}=${s.value}`);
    assert.ok(values.includes('userAgent=Boto3/1.34.69 "quoted" \\ back'), values.join('\n'));
    assert.ok(values.includes('issuer=arn:aws:iam::111122223333:role/InfraAutomation'));
    const embedded = result.sites.filter((s) => text.slice(s.keyStart, s.keyEnd).startsWith('\\"'));
    assert.ok(embedded.length >= 6);
    for (let i = 1; i < result.sites.length; i++) assert.ok(result.sites[i].keyStart >= result.sites[i - 1].keyStart, 'document order');
  });

  it('honours the chosen kinds and the caps', () => {
    const text = JSON.stringify({ Records: [EVENT, EVENT, EVENT, EVENT] });
    assert.deepEqual(new Set(summary(text, { ...ALL, kinds: new Set<LensKind>(['eventName']) })), new Set(['eventName:eventName=RunInstances']));
    assert.equal(scanValues(text, { ...ALL, maxPerValue: 2 }).sites.filter((s) => s.field === 'ip').length, 2);
    const capped = scanValues(text, { ...ALL, maxSites: 3 });
    assert.equal(capped.sites.length, 3);
    assert.equal(capped.truncated, true);
  });

  it('numbers each value’s sites in document order, per field and value, embedded ones included', () => {
    const text = JSON.stringify({ Records: [EVENT, { ...EVENT, sourceIPAddress: '198.51.100.1' }, EVENT, EVENT] }, null, 2);
    const ips = scanValues(text, ALL).sites.filter((s) => s.field === 'ip');
    assert.deepEqual(
      ips.map((s) => `${s.value}#${s.occurrence}`),
      ['203.0.113.66#1', '198.51.100.1#1', '203.0.113.66#2', '203.0.113.66#3'],
    );
    const lookup = JSON.stringify({ Events: [EVENT, EVENT].map((e) => ({ EventName: e.eventName, CloudTrailEvent: JSON.stringify(e) })) }, null, 2);
    const names = scanValues(lookup, ALL).sites.filter((s) => s.field === 'eventName');
    // EventName and the embedded eventName of each of the two events, in document order.
    assert.deepEqual(
      names.map((s) => s.occurrence),
      [1, 2, 3, 4],
    );
  });

  it('ignores JSON that holds no CloudTrail events, and ARNs outside identities', () => {
    assert.equal(holdsCloudTrailEvents(JSON.stringify({ name: 'x', arn: 'arn:aws:iam::1:user/x' })), false);
    const text = JSON.stringify({ ...EVENT, requestParameters: { roleArn: 'arn:aws:iam::1:role/x', policy: { arn: 'arn:aws:iam::aws:policy/Admin' } } });
    assert.equal(summary(text).some((s) => s.includes('policy/Admin')), false);
  });
});
