/** Noise groups laid out for a list shown newest or oldest first (the Events view). */
import * as assert from 'node:assert/strict';
import { Investigation } from '../../../src/core/engine/investigation';
import { arrangedEventCount, arrangeNoise, ArrangedItem } from '../../../src/core/noise/arrange';
import { groupNoise } from '../../../src/core/noise/group';
import { SAMPLE_TRAIL } from './helpers';

function flatten(items: ArrangedItem[]): number[] {
  return items.flatMap((i) => (i.kind === 'event' ? [i.id] : i.ids));
}

describe('intel/noise: arranged for a list', function () {
  let index: Investigation['index'];

  before(async function () {
    index = (await Investigation.open([SAMPLE_TRAIL], { workers: 0 })).investigation.index;
  });

  it('oldest first: the same items as groupNoise, members in time order', function () {
    const ascending = index.sortByTime(index.all(), 'asc');
    const items = arrangeNoise(index, ascending, 'asc');
    const expected = groupNoise(index, ascending);
    assert.deepEqual(
      items.map((i) => (i.kind === 'event' ? i.id : `${i.group.key}@${i.group.first}`)),
      expected.map((i) => (i.kind === 'event' ? i.id : `${i.group.key}@${i.group.first}`)),
    );
    assert.deepEqual(flatten(items).sort((a, b) => a - b), Array.from(ascending).sort((a, b) => a - b), 'every event exactly once');
    assert.equal(arrangedEventCount(items), ascending.length);
    for (const item of items) {
      if (item.kind === 'group') assert.deepEqual(item.ids, item.group.ids, 'members in time order');
    }
  });

  it('newest first: the same groups, each at its newest event, members newest first', function () {
    const descending = index.sortByTime(index.all(), 'desc');
    const items = arrangeNoise(index, descending, 'desc');
    const ascendingGroups = groupNoise(index, index.sortByTime(index.all(), 'asc')).filter((i) => i.kind === 'group');
    const groups = items.filter((i): i is Extract<ArrangedItem, { kind: 'group' }> => i.kind === 'group');
    assert.ok(groups.length > 0, 'the sample trail has noise groups');
    assert.equal(groups.length, ascendingGroups.length);
    assert.deepEqual(flatten(items).sort((a, b) => a - b), Array.from(descending).sort((a, b) => a - b), 'every event exactly once');
    assert.equal(arrangedEventCount(items), descending.length);
    for (const g of groups) {
      const times = g.ids.map((id) => index.time(id));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'members newest first');
      assert.equal(times[0], g.group.last);
    }
    // Top-level rows stay in display order by their newest event.
    const rowTimes = items.map((i) => (i.kind === 'event' ? index.time(i.id) : i.group.last));
    assert.deepEqual(rowTimes, [...rowTimes].sort((a, b) => b - a));
    assert.ok(groups.some((g) => g.group.kind === 'aws-service') && groups.some((g) => g.group.kind === 'console-burst'));
  });

  it('an empty list gives no items', function () {
    assert.deepEqual(arrangeNoise(index, new Int32Array(0), 'desc'), []);
  });
});
