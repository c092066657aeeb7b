import * as assert from 'node:assert/strict';
import { FilterSyntaxError, parseFilter, termFor } from '../../../src/core/query/parser';
import { bob, indexOf, record } from './helpers';
import { queryIndex } from '../../../src/core/query/query';

function sample() {
  return indexOf([
    record({ eventTime: '2026-03-04T04:00:00Z' }),
    record({ eventTime: '2026-03-04T05:30:00Z', eventName: 'RunInstances', readOnly: false }),
    record({ eventTime: '2026-03-04T06:00:00Z', userIdentity: bob, sourceIPAddress: '203.0.113.66' }),
    record({ eventTime: '2026-03-04T06:10:00Z', userIdentity: bob, eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', errorCode: 'AccessDenied' }),
    record({ eventTime: '2026-03-05T00:00:00Z', userIdentity: bob, eventName: 'CreateUser', readOnly: false, sourceIPAddress: '203.0.113.66' }),
  ]);
}

const ids = (s: Int32Array) => Array.from(s);

describe('filter language', () => {
  it('matches a field by alias, JSON path and any case', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'accessKey:AKIABOB')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'userIdentity.accessKeyId:AKIABOB')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'ACCESSKEYID:akiabob')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'sourceIPAddress:203.0.113.66')), [2, 4]);
  });

  it('user: and userIdentity.userName: match the principal by its name', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'user:bob')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'userIdentity.userName:bob')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'user:bo*')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'user:bo')), []);
    assert.deepEqual(ids(queryIndex(index, 'user!=bob')), [0, 1]);
    assert.deepEqual(ids(queryIndex(index, 'user:"arn:aws:iam::111122223333:user/bob"')), [2, 3, 4], 'the whole key still matches');
    assert.throws(() => parseFilter('userIdentity.principalId:AIDABOB'), FilterSyntaxError, 'principalId is not indexed: an error, not silently nothing');
  });

  it('supports wildcards, presence and exclusion', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'accessKey:AKIA*')), [0, 1, 2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'event:*Instances')), [0, 1, 2]);
    assert.deepEqual(ids(queryIndex(index, 'event:Run*')), [1]);
    assert.deepEqual(ids(queryIndex(index, 'error:*')), [3]);
    assert.deepEqual(ids(queryIndex(index, 'NOT error:*')), [0, 1, 2, 4]);
    assert.deepEqual(ids(queryIndex(index, '-error:* accessKey:AKIABOB')), [2, 4]);
    assert.deepEqual(ids(queryIndex(index, 'accessKey!=AKIABOB')), [0, 1]);
  });

  it('combines AND, OR, NOT and parentheses with the usual precedence', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'accessKeyId:AKIA* AND NOT readOnly:true AND time>=2026-03-04T05:00Z')), [1, 4]);
    assert.deepEqual(ids(queryIndex(index, 'eventName:RunInstances OR eventName:CreateUser AND ip:203.0.113.66')), [1, 4]);
    assert.deepEqual(ids(queryIndex(index, '(eventName:RunInstances OR eventName:CreateUser) AND ip:203.0.113.66')), [4]);
    assert.deepEqual(ids(queryIndex(index, 'eventName:RunInstances || (ip:203.0.113.66 && !eventName:CreateUser)')), [1, 2]);
  });

  it('compares times in any ISO-8601 form and matches whole days or hours', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'time>=2026-03-04T05:00Z AND time<"2026-03-04 06:05:00"')), [1, 2]);
    assert.deepEqual(ids(queryIndex(index, 'time:2026-03-05')), [4]);
    assert.deepEqual(ids(queryIndex(index, 'time:2026-03-04T06')), [2, 3]);
    assert.deepEqual(ids(queryIndex(index, 'time>20260304T060500Z')), [3, 4]);
  });

  it('keeps colons inside values such as ARNs', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'principal:arn:aws:iam::111122223333:user/bob')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, 'principal:"arn:aws:iam::111122223333:user/alice"')), [0, 1]);
  });

  it('searches several fields with a bare word', () => {
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, 'bob')), [2, 3, 4]);
    assert.deepEqual(ids(queryIndex(index, '"203.0.113"')), [2, 4]);
  });

  it('matches event ids exactly, with or without case', () => {
    const index = sample();
    const id = index.value('eventId', 3)!;
    assert.deepEqual(ids(queryIndex(index, `eventID:${id}`)), [3]);
    assert.deepEqual(ids(queryIndex(index, `eventID:${id.toUpperCase()}`)), [3]);
  });

  it('an empty filter selects everything', () => {
    assert.equal(queryIndex(sample(), '  ').length, 5);
  });

  it('reports syntax errors with their position', () => {
    assert.throws(() => parseFilter('eventName:X AND'), (e: unknown) => e instanceof FilterSyntaxError && /ends too early/.test(e.message));
    assert.throws(() => parseFilter('nosuchfield:1'), (e: unknown) => e instanceof FilterSyntaxError && /unknown field "nosuchfield"/.test(e.message) && e.position === 0);
    assert.throws(() => parseFilter('(eventName:X'), /missing "\)"/);
    assert.throws(() => parseFilter('time>=yesterday'), /"yesterday" is not a time/);
    assert.throws(() => parseFilter('eventName>X'), /compares times only/);
    assert.throws(() => parseFilter('eventName:"open'), /unterminated/);
  });

  it('quotes values that need it when building terms', () => {
    assert.equal(termFor('ip', '203.0.113.66'), 'ip:203.0.113.66');
    assert.equal(termFor('userAgent', 'aws-cli/2 Python "x"'), 'userAgent:"aws-cli/2 Python \\"x\\""');
    const index = sample();
    assert.deepEqual(ids(queryIndex(index, termFor('userAgent', 'aws-cli/2.15.0'))), [0, 1, 2, 3, 4]);
    assert.equal(termFor('eventName', 'a*b'), 'eventName:"a*b"');
  });
});
