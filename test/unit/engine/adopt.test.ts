/**
 * A cache reopen into an empty index adopts the cached batch (EventIndex.adopt) with what the
 * first merge found (rows dropped as duplicates, conflicts), instead of probing every event
 * again: it must give exactly what a merge gives, and what a cold load reported.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Investigation } from '../../../src/core/engine/investigation';
import { SourceSummary } from '../../../src/core/engine/api';
import { BatchBuilder, EventBatch } from '../../../src/core/index/batch';
import { EventIndex, MAX_CONFLICTS_LISTED } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { queryIndex } from '../../../src/core/query/query';
import { memoryIndex, record } from './helpers';

/** Records with every kind of thing a merge decides or keeps aside. */
function awkwardRecords(): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < 300; i++) {
    const r = record({ eventName: `Op${i % 7}`, sourceIPAddress: `192.0.2.${i % 11}`, resources: [{ ARN: `arn:aws:s3:::bucket-${i % 5}` }] });
    out.push(r);
    if (i % 10 === 3) out.push({ ...r }); // a re-delivery: a duplicate
    if (i % 25 === 4) out.push({ ...r, sourceIPAddress: '203.0.113.9' }); // same eventID, other content: a conflict
  }
  // Many conflicts on one eventID (more than are listed), ids that are not UUIDs, no time, shared ids, Insights.
  for (let i = 0; i < MAX_CONFLICTS_LISTED + 15; i++) out.push(record({ eventID: 'not-a-uuid', userAgent: `agent-${i}` }));
  out.push(record({ eventTime: 'not a time' }), record({ eventTime: 'not a time' }));
  const shared = record({ sharedEventID: 'aaaaaaaa-0000-4000-8000-000000000001' });
  out.push(shared, { ...shared });
  out.push(record({ eventType: 'AwsCloudTrailInsight', insightDetails: { state: 'Start', eventName: 'PutObject', insightType: 'ApiCallRateInsight' } }));
  return out;
}

function batchOf(records: JsonObject[], file: string, bigOffsets = false): EventBatch {
  const builder = new BatchBuilder();
  const f = builder.addFile({ path: file, format: bigOffsets ? 'jsonl' : 'array', size: 0, mtimeMs: 0, records: records.length, problems: [] });
  // Byte offsets past 2 GiB make the offsets column doubles.
  records.forEach((r, i) => builder.addRecord(r, f, bigOffsets ? { offset: 3e9 + i * 1000, length: 900 } : { offset: i, length: 0 }));
  return builder.take();
}

/** Everything the index answers about each event. */
function contents(index: EventIndex): unknown[] {
  const out: unknown[] = [];
  for (let id = 0; id < index.size; id++) {
    out.push({
      row: index.row(id),
      time: String(index.time(id)),
      resources: index.values('resource', id),
      location: index.location(id),
      origin: index.origin(id),
      insight: index.insight(id),
      requestId: index.value('requestId', id),
    });
  }
  out.push(index.postings('sharedEventId', 'aaaaaaaa-0000-4000-8000-000000000001'));
  out.push([...index.postings('eventId', 'not-a-uuid')]);
  return out;
}

describe('cache reopen: adopting a batch whose merge is known', function () {
  this.timeout(60_000);

  for (const [bigOffsets, duplicates] of [[false, true], [true, true], [false, false]]) {
    it(`gives the index and the result a merge gives${bigOffsets ? ' (byte offsets past 2 GiB)' : ''}${duplicates ? '' : ' (no duplicates: columns copied whole)'}, and later merges still find duplicates and conflicts against it`, () => {
      const records = duplicates ? awkwardRecords() : [...new Map(awkwardRecords().map((r) => [JSON.stringify(r), r])).values()];
      const batch = batchOf(records, '/memory/adopt.json', bigOffsets);
      const merged = memoryIndex();
      const dropped: number[] = [];
      const result = merged.merge(batch, merged.sources.code('s'), dropped);
      assert.equal(dropped.length, result.duplicates);
      assert.equal(result.duplicates > 0, duplicates);
      assert.ok(result.conflicts > MAX_CONFLICTS_LISTED && result.withoutTime === 2);

      const adopted = memoryIndex();
      // A merge returns every conflict; the cache keeps the ones its summary lists.
      const listed = result.conflictPairs.slice(0, MAX_CONFLICTS_LISTED);
      const again = adopted.adopt(batch, adopted.sources.code('s'), { dropped, conflicts: result.conflicts, conflictPairs: listed });
      assert.deepEqual(again, { ...result, conflictPairs: listed });
      assert.deepEqual(contents(adopted), contents(merged));

      // The tables a merge probes are rebuilt from the adopted columns.
      const later = batchOf([...awkwardRecords().slice(0, 3), { ...record(), eventID: 'not-a-uuid' }], '/memory/later.json');
      const fromMerged = merged.merge(later, merged.sources.code('s'));
      const fromAdopted = adopted.merge(later, adopted.sources.code('s'));
      assert.deepEqual(fromAdopted, fromMerged);
      assert.equal(fromAdopted.conflicts, 1);
      const redelivered = adopted.merge(batch, adopted.sources.code('t'));
      assert.equal(redelivered.added, 0);
      assert.equal(redelivered.duplicates, batch.count);
    });
  }

  it('declines (changing nothing) when the index holds events or what is known does not fit the batch', () => {
    const batch = batchOf([record(), record()], '/memory/small.json');
    const index = memoryIndex();
    for (const known of [
      { dropped: [2], conflicts: 0, conflictPairs: [] },
      { dropped: [1, 0], conflicts: 0, conflictPairs: [] },
      { dropped: [], conflicts: 0, conflictPairs: [[0, 1]] as [number, number][] },
      { dropped: [1], conflicts: 1, conflictPairs: [[0, 1]] as [number, number][] },
    ]) {
      assert.equal(index.adopt(batch, 0, known), undefined);
      assert.equal(index.size, 0);
      assert.equal(index.files.length, 0);
    }
    index.merge(batch, 0);
    assert.equal(index.adopt(batch, 0, { dropped: [], conflicts: 0, conflictPairs: [] }), undefined);
    assert.equal(index.size, 2);
  });
});

describe('cache reopen: the summary equals the cold load', function () {
  this.timeout(60_000);
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-adopt-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** A folder of several files (so that the cold load merges several batches) with duplicates and conflicts within and across files. */
  function evidence(name: string, records = awkwardRecords()): string {
    const folder = path.join(scratch, name);
    fs.mkdirSync(folder);
    const files = 9;
    for (let f = 0; f < files; f++) {
      const part = records.filter((_, i) => i % files === f);
      fs.writeFileSync(path.join(folder, `part-${f}.json`), JSON.stringify({ Records: part }));
    }
    // A whole file delivered twice, and an empty one.
    fs.copyFileSync(path.join(folder, 'part-0.json'), path.join(folder, 'part-0-again.json'));
    fs.writeFileSync(path.join(folder, 'empty.json'), JSON.stringify({ Records: [] }));
    return folder;
  }

  /** Counts EventIndex.merge calls while `run` runs. */
  async function counting<T>(run: () => Promise<T>): Promise<{ value: T; merges: number }> {
    const original = EventIndex.prototype.merge;
    let merges = 0;
    EventIndex.prototype.merge = function (this: EventIndex, ...args: Parameters<EventIndex['merge']>) {
      merges++;
      return original.apply(this, args);
    };
    try {
      return { value: await run(), merges };
    } finally {
      EventIndex.prototype.merge = original;
    }
  }

  const comparable = (summary: SourceSummary) => ({ ...summary, fromCache: undefined });

  for (const workers of [0, 2]) {
    it(`with ${workers} workers: same counts, conflict list, skipped files and index, with no merge per batch on the reopen`, async () => {
      const folder = evidence(`tree-${workers}`);
      const cacheDir = path.join(scratch, `cache-${workers}`);
      const cold = await Investigation.open([folder], { workers, cacheDir });
      assert.equal(cold.summary.fromCache, false);
      assert.ok(cold.summary.duplicates > 0 && cold.summary.conflicts > MAX_CONFLICTS_LISTED);
      assert.equal(cold.summary.conflictList.length, MAX_CONFLICTS_LISTED);
      const { value: warm, merges } = await counting(() => Investigation.open([folder], { workers, cacheDir }));
      assert.equal(warm.summary.fromCache, true);
      assert.equal(merges, 0);
      assert.deepEqual(comparable(warm.summary), comparable(cold.summary));
      assert.deepEqual(contents(warm.investigation.index), contents(cold.investigation.index));
      assert.deepEqual([...queryIndex(warm.investigation.index, 'ip:203.0.113.9')], [...queryIndex(cold.investigation.index, 'ip:203.0.113.9')]);
      // Read back through the adopted columns.
      const ids = [...queryIndex(warm.investigation.index, 'ip:203.0.113.9')];
      assert.deepEqual(await warm.investigation.index.rawMany(ids), await cold.investigation.index.rawMany(ids));
    });
  }

  it('merges a cached source into an index that already holds another, finding the duplicates across them', async () => {
    const records = awkwardRecords();
    const folder = evidence('second', records);
    const cacheDir = path.join(scratch, 'cache-second');
    const alone = await Investigation.open([folder], { workers: 0, cacheDir });
    const investigation = new Investigation({ workers: 0, cacheDir });
    const first = await investigation.addSource([evidence('first', records)]).loaded;
    const second = await investigation.addSource([folder]).loaded;
    assert.equal(second.fromCache, true);
    assert.equal(first.events, alone.summary.events);
    // Every record of the second folder is one of the first's.
    assert.equal(second.events, 0);
    assert.equal(second.duplicates, alone.summary.events + alone.summary.duplicates);
    assert.equal(investigation.index.size, alone.summary.events);
  });
});
