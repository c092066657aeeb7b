import * as assert from 'node:assert/strict';
import { indexOf, memoryIndex, record } from './helpers';
import { BatchBuilder } from '../../../src/core/index/batch';
import { EventIndex } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { queryIndex } from '../../../src/core/query/query';

describe('event index', () => {
  it('tells eventIDs apart whose hashes agree, and finds each first one again after its table grew', () => {
    const hex = (word: number) => (word >>> 0).toString(16).padStart(8, '0');
    const uuid = (w0: number, w1: number, w2: number, w3: number) => `${hex(w0)}-${hex(w1).slice(0, 4)}-${hex(w1).slice(4)}-${hex(w2).slice(0, 4)}-${hex(w2).slice(4)}${hex(w3)}`;
    // The table hashes an eventID by XOR of its four words: two ids with two words swapped share a hash.
    const records: JsonObject[] = [];
    for (let i = 1; i <= 2500; i++) {
      records.push(record({ eventID: uuid(i, 0xabc00000 + i, 0x4000, 0x8000) }), record({ eventID: uuid(0xabc00000 + i, i, 0x4000, 0x8000) }));
    }
    const index = memoryIndex();
    const merge = (batch: JsonObject[]) => {
      const builder = new BatchBuilder();
      const file = builder.addFile({ path: '/memory/swapped.json', format: 'array', size: 0, mtimeMs: 0, records: batch.length, problems: [] });
      batch.forEach((r, i) => builder.addRecord(r, file, { offset: i, length: 0 }));
      return (index as EventIndex).merge(builder.take(), index.sources.code('swapped'));
    };
    // In batches, with no room reserved: the table of first events (4,096 slots to begin with) grows on the way.
    let conflicts = 0;
    for (let at = 0; at < records.length; at += 500) conflicts += merge(records.slice(at, at + 500)).conflicts;
    assert.equal(conflicts, 0, 'no two of them share an eventID');
    assert.equal(index.size, 5000);
    // The first ones again (re-deliveries) and with other content (conflicts), after the growth.
    const again = merge([...records.slice(0, 40), ...records.slice(0, 30).map((r) => ({ ...r, eventName: 'RunInstances' }))]);
    assert.deepEqual([again.duplicates, again.conflicts, index.size], [40, 30, 5030]);
  });

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
