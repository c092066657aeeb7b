import * as assert from 'node:assert/strict';
import { indexOf, memoryIndex, record } from './helpers';
import { queryIndex } from '../../../src/core/query/query';

describe('event index', () => {
  it('counts a duplicated eventID once, but keeps different events that share an id', () => {
    const a = record();
    const sameIdOtherEvent = { ...record(), eventID: a.eventID, eventName: 'RunInstances' };
    const index = indexOf([a, { ...a }, sameIdOtherEvent]);
    assert.equal(index.size, 2);
    const again = indexOf([{ ...a }], index, 'second');
    assert.equal(again.size, 2, 'a duplicate arriving from another source is dropped too');
  });

  it('keeps events without a usable time and sorts them last', () => {
    const index = indexOf([record({ eventTime: 'not a time' }), record({ eventTime: '2026-03-04T01:00:00Z' }), record({ eventTime: '2026-03-04T02:00:00Z' })]);
    assert.equal(index.size, 3);
    assert.deepEqual(Array.from(index.sortByTime(index.all(), 'asc')), [1, 2, 0]);
    assert.deepEqual(Array.from(index.sortByTime(index.all(), 'desc')), [2, 1, 0]);
  });

  it('gives top-N counts with first and last seen', () => {
    const index = indexOf([
      record({ eventName: 'A', eventTime: '2026-03-04T01:00:00Z' }),
      record({ eventName: 'B', eventTime: '2026-03-04T02:00:00Z' }),
      record({ eventName: 'A', eventTime: '2026-03-04T03:00:00Z' }),
    ]);
    const top = index.top('eventName');
    assert.deepEqual(top.map((t) => [t.value, t.count]), [['A', 2], ['B', 1]]);
    assert.equal(new Date(top[0].first).toISOString(), '2026-03-04T01:00:00.000Z');
    assert.equal(new Date(top[0].last).toISOString(), '2026-03-04T03:00:00.000Z');
    assert.deepEqual(index.top('eventName', queryIndex(index, 'time>=2026-03-04T02:00Z')).map((t) => [t.value, t.count]), [['A', 1], ['B', 1]], 'ties keep first-seen order');
  });

  it('builds time histograms with a chosen bucket', () => {
    const index = indexOf([
      record({ eventTime: '2026-03-04T01:00:10Z' }),
      record({ eventTime: '2026-03-04T01:00:50Z' }),
      record({ eventTime: '2026-03-04T01:03:00Z' }),
    ]);
    const h = index.histogram(undefined, 60_000);
    assert.equal(new Date(h.start).toISOString(), '2026-03-04T01:00:00.000Z');
    assert.deepEqual(Array.from(h.counts), [2, 0, 0, 1]);
  });

  it('keeps every resource ARN of an event and pivots on any of them', () => {
    const index = indexOf([
      record({ resources: [{ ARN: 'arn:aws:s3:::a' }, { ARN: 'arn:aws:s3:::b' }] }),
      record({ resources: [{ ARN: 'arn:aws:s3:::b' }] }),
      record(),
    ]);
    assert.deepEqual(index.values('resource', 0), ['arn:aws:s3:::a', 'arn:aws:s3:::b']);
    assert.deepEqual(Array.from(queryIndex(index, 'resource:arn:aws:s3:::b')), [0, 1]);
    assert.deepEqual(index.top('resource').map((t) => [t.value, t.count]), [['arn:aws:s3:::b', 2], ['arn:aws:s3:::a', 1]]);
  });

  it('widens its columns as dictionaries grow past one and two bytes', () => {
    const records = Array.from({ length: 70_000 }, (_, i) => record({ sourceIPAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
    const index = indexOf(records, memoryIndex());
    assert.equal(index.size, 70_000);
    assert.equal(index.value('ip', 69_999), '10.1.17.111');
    assert.deepEqual(Array.from(queryIndex(index, 'ip:10.1.17.111')), [69_999]);
  });

  it('fetches raw events lazily, in the order asked', async () => {
    const records = [record({ eventName: 'First' }), record({ eventName: 'Second' })];
    const index = indexOf(records);
    const raws = await index.rawMany([1, 0]);
    assert.deepEqual(raws.map((r) => r.eventName), ['Second', 'First']);
    await assert.rejects(index.raw(5), /no event with id 5/);
  });

  it('projects rows for lists and the timeline', () => {
    const index = indexOf([record({ errorCode: 'AccessDenied', readOnly: false })]);
    const row = index.row(0);
    assert.equal(row.principal, 'arn:aws:iam::111122223333:user/alice');
    assert.equal(row.principalType, 'IAMUser');
    assert.equal(row.error, 'AccessDenied');
    assert.equal(row.readOnly, false);
    assert.equal(row.accessKey, 'AKIAALICE');
  });
});

describe('duplicates after a load is over', () => {
  it('are still found: the dedup table dropped by trim() is rebuilt from the columns', () => {
    const first = [record({ eventName: 'A' }), record({ eventName: 'B' }), record({ eventID: undefined, eventName: 'NoId' })];
    const index = indexOf(first);
    index.trim();
    const before = index.columnBytes();
    const again = indexOf([{ ...first[1] }, record({ eventName: 'C' }), { ...first[2] }], index, 'second');
    assert.equal(again.size, 5, 'B is dropped as a repeat; an event without an id is never a repeat');
    assert.deepEqual(
      again.top('eventName', undefined, 10).map((t) => [t.value, t.count]).sort(),
      [['A', 1], ['B', 1], ['C', 1], ['NoId', 2]],
    );
    assert.ok(before < index.columnBytes(), 'the table is back while events arrive');
  });
});
