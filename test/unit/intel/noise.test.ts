/** Noise grouping: AWS-service events and console bursts collapse; everything else stays in order. */
import * as assert from 'node:assert/strict';
import { EventIndexApi } from '../../../src/core/engine/api';
import { Investigation } from '../../../src/core/engine/investigation';
import { JsonObject } from '../../../src/core/model/event';
import { groupNoise, NoiseItem } from '../../../src/core/noise/group';
import { memoryIndexOf, SAMPLE_TRAIL } from './helpers';

function flatten(items: NoiseItem[]): number[] {
  return items.flatMap((i) => (i.kind === 'event' ? [i.id] : i.group.ids));
}

function ev(time: string, overrides: JsonObject): JsonObject {
  return {
    eventTime: time,
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'us-east-1',
    eventID: `${time}-${String(overrides.eventName ?? '')}-${Math.random()}`,
    recipientAccountId: '111122223333',
    ...overrides,
  };
}

const ALICE = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', accessKeyId: 'ASIACONSOLE', userName: 'alice' };
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0';

describe('intel/noise: grouping', function () {
  it('groups console bursts within seconds and service events; keeps other events and the order', function () {
    const records = [
      ev('2026-03-04T05:00:00Z', { userIdentity: ALICE, userAgent: BROWSER }),
      ev('2026-03-04T05:00:01Z', { userIdentity: ALICE, userAgent: BROWSER, eventName: 'DescribeTags' }),
      ev('2026-03-04T05:00:02Z', { userIdentity: ALICE, userAgent: BROWSER, eventName: 'DescribeVolumes' }),
      ev('2026-03-04T05:00:03Z', { userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ci', accountId: '111122223333', accessKeyId: 'AKIACI' }, userAgent: 'aws-cli/2', eventName: 'RunInstances' }),
      ev('2026-03-04T05:00:04Z', { userIdentity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' }, userAgent: 'config.amazonaws.com' }),
      ev('2026-03-04T05:01:04Z', { userIdentity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' }, userAgent: 'config.amazonaws.com' }),
      ev('2026-03-04T05:02:04Z', { userIdentity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' }, userAgent: 'config.amazonaws.com' }),
      // 30 s later: a new page load, too small to be a group (2 calls).
      ev('2026-03-04T05:00:33Z', { userIdentity: ALICE, userAgent: BROWSER, eventName: 'GetMetricData' }),
      ev('2026-03-04T05:00:34Z', { userIdentity: ALICE, userAgent: BROWSER, eventName: 'GetMetricData' }),
    ];
    const index: EventIndexApi = memoryIndexOf(records);
    const sorted = index.sortByTime(index.all(), 'asc');
    const items = groupNoise(index, sorted);
    assert.deepEqual(flatten(items).sort((a, b) => a - b), Array.from(sorted).sort((a, b) => a - b), 'every event exactly once');
    const groups = items.filter((i): i is Extract<NoiseItem, { kind: 'group' }> => i.kind === 'group').map((i) => i.group);
    assert.deepEqual(groups.map((g) => [g.kind, g.ids.length, g.label]), [
      ['console-burst', 3, 'console alice: 3 events'],
      ['aws-service', 3, 'config.amazonaws.com: 3 events'],
    ]);
    // Ungrouped events stay in time order.
    const singles = items.filter((i) => i.kind === 'event').map((i) => (i.kind === 'event' ? index.time(i.id) : 0));
    assert.deepEqual(singles, [...singles].sort((a, b) => a - b));
    assert.equal(items.length, 5);
  });

  it('on the sample trail: the attack stays visible, alice.dev and Config collapse', async function () {
    const index = (await Investigation.open([SAMPLE_TRAIL], { workers: 0 })).investigation.index;
    const items = groupNoise(index, index.sortByTime(index.all(), 'asc'));
    assert.equal(flatten(items).length, 345);
    const grouped = new Set(items.flatMap((i) => (i.kind === 'group' ? i.group.ids : [])));
    for (const id of index.postings('ip', '203.0.113.66')) assert.ok(!grouped.has(id), `attacker event ${index.value('eventName', id)} was grouped`);
    const kinds = new Set(items.filter((i) => i.kind === 'group').map((i) => (i.kind === 'group' ? i.group.label.split(':')[0] : '')));
    assert.ok(kinds.has('console alice.dev'));
    assert.ok(kinds.has('config.amazonaws.com'));
    assert.ok(items.length < 300);
  });
});
