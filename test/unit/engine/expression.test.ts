// The filter as a value: operations on the parsed tree, and text written back from a tree
// that parses to the same tree and selects the same events.
import * as assert from 'node:assert/strict';
import {
  HIDE_READ_ONLY,
  MATCH_ALL,
  andFilters,
  excludeFilter,
  formatFilter,
  hasTerm,
  hidesReadOnly,
  sameFilter,
  termNode,
  withoutTerm,
} from '../../../src/core/query/expression';
import { FilterNode, parseFilter } from '../../../src/core/query/parser';
import { queryIndex } from '../../../src/core/query/query';
import { bob, indexOf, record } from './helpers';

function sample() {
  return indexOf([
    record({ eventTime: '2026-03-04T04:00:00Z' }),
    record({ eventTime: '2026-03-04T05:30:00Z', eventName: 'RunInstances', readOnly: false }),
    record({ eventTime: '2026-03-04T06:00:00Z', userIdentity: bob, sourceIPAddress: '203.0.113.66', userAgent: 'aws-cli/2 "quoted" (x)' }),
    record({ eventTime: '2026-03-04T06:10:00Z', userIdentity: bob, eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', errorCode: 'AccessDenied' }),
    record({ eventTime: '2026-03-05T00:00:00.123Z', userIdentity: bob, eventName: 'CreateUser', readOnly: false, sourceIPAddress: '203.0.113.66' }),
  ]);
}

/** Filters as users type them: every kind of term, quoting, nesting and shorthand. */
const TYPED = [
  'accessKey:AKIABOB',
  'user:bob',
  'user:bo*',
  'user:"b o b"',
  'user:"bo*"',
  'principal:arn:aws:iam::111122223333:user/bob',
  'userAgent:"aws-cli/2 \\"quoted\\" (x)"',
  'eventName:"a*b"',
  'event:*Instances',
  'error:*',
  'NOT error:*',
  '-error:* accessKey:AKIABOB',
  'accessKey!=AKIABOB',
  'user!=bob',
  'accessKeyId:AKIA* AND NOT readOnly:true AND time>=2026-03-04T05:00Z',
  'eventName:RunInstances OR eventName:CreateUser AND ip:203.0.113.66',
  '(eventName:RunInstances OR eventName:CreateUser) AND ip:203.0.113.66',
  'eventName:RunInstances || (ip:203.0.113.66 && !eventName:CreateUser)',
  '(a AND b) AND c',
  'a OR (b OR c)',
  'NOT (a OR b)',
  'NOT NOT a',
  'time>=2026-03-04T05:00Z AND time<"2026-03-04 06:05:00.5"',
  'time:2026-03-05',
  'time:2026-03-04T06 OR time!=2026-03-04',
  'bob',
  '"203.0.113"',
  '"a:b"',
  '"-x"',
  '"AND"',
  'eventName:AND',
  '""',
  'ip:"" OR ip:-1',
  "user:'a OR b' AND NOT readOnly:true",
];

describe('the filter as a value (core/query/expression)', () => {
  it('writes every typed filter back as text that parses to the same tree and selects the same events', () => {
    const index = sample();
    for (const text of TYPED) {
      const tree = parseFilter(text);
      const written = formatFilter(tree);
      const again = parseFilter(written);
      assert.deepEqual(again, tree, `${text} → ${written}`);
      assert.ok(sameFilter(again, tree), text);
      assert.deepEqual(Array.from(queryIndex(index, written)), Array.from(queryIndex(index, tree)), text);
      assert.equal(formatFilter(again), written, `${written} is written the same way twice`);
    }
  });

  it('round-trips trees built from the typed filters (and, or, not at two levels)', () => {
    const atoms = TYPED.slice(0, 16).map((t) => parseFilter(t));
    let checked = 0;
    for (let i = 0; i < atoms.length; i++) {
      for (let j = 0; j < atoms.length; j++) {
        const a = atoms[i];
        const b = atoms[j];
        const trees: FilterNode[] = [
          { kind: 'and', children: [a, b] },
          { kind: 'or', children: [a, b] },
          { kind: 'not', child: { kind: 'or', children: [a, { kind: 'and', children: [b, a] }] } },
          { kind: 'and', children: [{ kind: 'or', children: [a, b] }, { kind: 'not', child: b }] },
        ];
        for (const tree of trees) {
          assert.deepEqual(parseFilter(formatFilter(tree)), tree, formatFilter(tree));
          checked++;
        }
      }
    }
    assert.equal(checked, 16 * 16 * 4);
  });

  it('writes "everything" as empty text, and a pivot term as termFor writes it', () => {
    assert.equal(formatFilter(MATCH_ALL), '');
    assert.deepEqual(parseFilter(''), MATCH_ALL);
    assert.equal(formatFilter(termNode('ip', '203.0.113.66')), 'ip:203.0.113.66');
    assert.equal(formatFilter(termNode('userAgent', 'aws-cli/2 Python "x"')), 'userAgent:"aws-cli/2 Python \\"x\\""');
    assert.equal(formatFilter(termNode('principal', 'arn:aws:iam::111122223333:user/bob')), 'principal:arn:aws:iam::111122223333:user/bob');
    assert.equal(formatFilter(HIDE_READ_ONLY), 'NOT readOnly:true');
    assert.deepEqual(parseFilter('NOT readOnly:true'), HIDE_READ_ONLY);
  });

  it('joins with AND around a nested OR, keeping its meaning', () => {
    const index = sample();
    const or = parseFilter('eventName:RunInstances OR eventName:CreateUser');
    const narrowed = andFilters(or, termNode('ip', '203.0.113.66'));
    assert.equal(formatFilter(narrowed), '(eventName:RunInstances OR eventName:CreateUser) AND ip:203.0.113.66');
    assert.deepEqual(Array.from(queryIndex(index, narrowed)), [4]);
    // Text joined naively would bind the other way and select more.
    assert.deepEqual(Array.from(queryIndex(index, 'eventName:RunInstances OR eventName:CreateUser AND ip:203.0.113.66')), [1, 4]);
    // AND flattens into an AND, and "everything" drops out.
    const three = andFilters(parseFilter('a AND b'), MATCH_ALL, parseFilter('c'));
    assert.equal(formatFilter(three), 'a AND b AND c');
    assert.deepEqual(andFilters(MATCH_ALL, MATCH_ALL), MATCH_ALL);
    assert.equal(formatFilter(excludeFilter(or, termNode('error', 'AccessDenied'))), '(eventName:RunInstances OR eventName:CreateUser) AND NOT error:AccessDenied');
  });

  it('takes a term out of the top-level AND only, never out of a nested OR', () => {
    const withTerm = parseFilter('(region:us-east-1 OR region:eu-west-1) AND NOT readOnly:true');
    assert.ok(hasTerm(withTerm, HIDE_READ_ONLY));
    const without = withoutTerm(withTerm, HIDE_READ_ONLY);
    assert.deepEqual(without, parseFilter('region:us-east-1 OR region:eu-west-1'));
    assert.equal(formatFilter(without), 'region:us-east-1 OR region:eu-west-1');
    const inside = parseFilter('region:us-east-1 OR (region:eu-west-1 AND NOT readOnly:true)');
    assert.equal(hasTerm(inside, HIDE_READ_ONLY), false);
    assert.deepEqual(withoutTerm(inside, HIDE_READ_ONLY), inside, 'a term inside an OR stays');
    assert.deepEqual(withoutTerm(HIDE_READ_ONLY, HIDE_READ_ONLY), MATCH_ALL);
  });

  it('decides whether read-only calls are hidden from the tree, as the parser reads quotes and precedence', () => {
    assert.equal(hidesReadOnly(parseFilter('NOT readOnly:true')), true);
    assert.equal(hidesReadOnly(parseFilter('eventName:X AND NOT readOnly:true')), true);
    assert.equal(hidesReadOnly(parseFilter('NOT readOnly:true AND eventName:X')), true, 'anywhere in the top-level AND');
    assert.equal(hidesReadOnly(parseFilter('(a OR b) AND NOT readOnly:true')), true);
    assert.equal(hidesReadOnly(parseFilter('a OR b AND NOT readOnly:true')), false, 'AND binds tighter: a still shows read-only calls');
    assert.equal(hidesReadOnly(parseFilter('ua:"x OR y" AND NOT readOnly:true')), true, 'an OR inside double quotes is a value');
    // A single quote is not a quote in the filter language: this is a top-level OR.
    const singleQuoted = parseFilter("user:'a OR b' AND NOT readOnly:true");
    assert.equal(singleQuoted.kind, 'or');
    assert.equal(hidesReadOnly(singleQuoted), false);
    assert.equal(hidesReadOnly(parseFilter('readOnly:true')), false);
    assert.equal(hidesReadOnly(MATCH_ALL), false);
  });
});
