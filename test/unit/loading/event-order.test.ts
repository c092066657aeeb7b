/**
 * Events of one time (CloudTrail's times are whole seconds, so many share one) are listed in one
 * order, whichever order their files' batches reached the index in: by their file's path, then
 * their place in it. Index ids follow that arrival order, which the parse workers decide; before,
 * `query`, `top`, `detect` and `export` listed the same evidence differently from run to run.
 * Of a record delivered more than once, the copy kept is the one whose file comes first by path,
 * whichever copy came first.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BatchBuilder } from '../../../src/core/index/batch';
import { EventIndex, MAX_CONFLICTS_LISTED } from '../../../src/core/index/event-index';
import { compareText } from '../../../src/core/model/text-order';
import { JsonObject } from '../../../src/core/model/event';
import { Investigation } from '../../../src/core/engine/investigation';
import { builtinRules } from '../../../src/core/detect';
import { runDetectionsReport } from '../../../src/core/detect/engine';
import { TimelineModel } from '../../../src/core/timeline/model';
import { codeArray, computeFirstSeen, computeKinds, findingFlags, timeOrder } from '../../../src/core/timeline/derived';
import { withDeadline } from './differential';
import { requireDataset } from '../../datasets';
import { orderedWindow } from '../../../src/core/tools/output';
import { recordOfEventId } from '../../../src/core/index/lookup';
import { queryIndex } from '../../../src/core/query/query';
import { random as prng } from '../../../bench/generate';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

/** Seeded files of 1 to 4 records whose times fall on a few seconds: most events share their time with others. */
function evidence(seed: number, fileCount: number): Map<string, JsonObject[]> {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const names = ['DescribeInstances', 'ListBuckets', 'GetCallerIdentity', 'ListUsers', 'DescribeRegions'];
  const files = new Map<string, JsonObject[]>();
  const made: JsonObject[] = [];
  const conflicted: JsonObject[] = [];
  for (let f = 0; f < fileCount; f++) {
    const records = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, r) => {
      // Now and then a record with an earlier one's eventID and time, and other content: an eventID conflict.
      if (f % 9 === 8 && r === 0 && made.length > 0) {
        const earlier = made[Math.floor(rand() * made.length)];
        const conflict = { ...earlier, sourceIPAddress: '203.0.113.250', requestParameters: { name: `conflict-${f}` } };
        conflicted.push(earlier, conflict);
        return conflict;
      }
      // Now and then an earlier record delivered again (a duplicate), often into a file that
      // comes before the first copy's by path: which copy is kept must not depend on arrival.
      // Some are copies of conflicting records, which the summary's conflict list names by place.
      if (f % 5 === 4 && r === 1 && made.length > 0) {
        const from = f % 10 === 9 && conflicted.length > 0 ? conflicted : made;
        return { ...from[Math.floor(rand() * from.length)] };
      }
      const user = pick(users);
      // Trails deleted now and then: a rule's findings, and a selection few enough to be sorted on its own.
      const eventName = rand() < 0.06 ? 'DeleteTrail' : pick(names);
      return {
        eventVersion: '1.09',
        eventTime: new Date(T0 + Math.floor(rand() * 6) * 1000).toISOString().replace('.000Z', 'Z'),
        eventSource: eventName === 'DeleteTrail' ? 'cloudtrail.amazonaws.com' : 'ec2.amazonaws.com',
        eventName,
        awsRegion: 'us-east-1',
        sourceIPAddress: `198.51.100.${1 + Math.floor(rand() * 6)}`,
        userAgent: 'aws-cli/2.15.0',
        eventID: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
        requestParameters: { name: `trail-${f}` },
        userIdentity: { type: 'IAMUser', principalId: `AIDA${user}`, arn: `arn:aws:iam::111122223333:user/${user}`, accountId: '111122223333', accessKeyId: `AKIA${user.toUpperCase()}`, userName: user },
        recipientAccountId: '111122223333',
      };
    });
    made.push(...records);
    // Names whose code-unit order is not the order they were made in.
    files.set(`/evidence/${hex(6)}-${f}.json`, records);
  }
  return files;
}

/** An index of `files` merged one batch a file, in `order`; records are read back from memory. */
function indexInOrder(files: Map<string, JsonObject[]>, order: readonly string[]): EventIndex {
  const index = new EventIndex(async (file, _format, locations) => locations.map((l) => files.get(file)![l.offset]));
  const source = index.sources.code('test');
  for (const file of order) {
    const records = files.get(file)!;
    const builder = new BatchBuilder();
    const at = builder.addFile({ path: file, format: 'array', size: 0, mtimeMs: 0, records: records.length, problems: [] });
    records.forEach((record, i) => builder.addRecord(record, at, { offset: i, length: 0 }));
    index.merge(builder.take(), source);
  }
  return index;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Where event `id` is, as the same text for the same record whatever its id. */
function placeOf(index: EventIndex, id: number): string {
  return `${index.origin(id).path}#${index.location(id).offset}`;
}

/** The ids of each file's events, files by path. */
function byFile(index: EventIndex): Int32Array[] {
  const ids = new Map<string, number[]>();
  for (const id of index.all()) {
    const file = index.origin(id).path;
    ids.set(file, [...(ids.get(file) ?? []), id]);
  }
  return [...ids.keys()].sort().map((file) => Int32Array.from(ids.get(file)!));
}

/** Everything the order of events decides, by place and value (never by id). */
async function observe(index: EventIndex): Promise<unknown> {
  const places = (ids: ArrayLike<number>) => Array.from(ids, (id) => placeOf(index, id));
  const deleteTrails = index.postings('eventName', 'DeleteTrail');
  assert.ok(deleteTrails.length * 8 < index.size, 'a selection small enough to be sorted on its own');
  const firstSeen = computeFirstSeen(index);
  const flagged = Array.from(timeOrder(index), (id) => `${placeOf(index, id)}=${firstSeen[id]}`);
  const lanes = (laneField: 'principal' | 'ip') => {
    const model = new TimelineModel({
      index,
      selection: index.all(),
      laneField,
      codes: codeArray(index, laneField),
      kinds: computeKinds(index),
      findings: findingFlags(index, undefined),
      firstSeen,
      eventNames: { codes: codeArray(index, 'eventName'), values: index.dictionary('eventName') },
      errorCodes: { codes: codeArray(index, 'error'), values: index.dictionary('error') },
    });
    return Array.from({ length: model.laneCount }, (_, rank) => [model.laneValue(rank), model.laneTotal(rank), places(model.ids.subarray(model.laneStart[rank], model.laneStart[rank + 1]))]);
  };
  const report = await runDetectionsReport(index, builtinRules());
  // The generated evidence's conflicts are marked by their address (the datasets have none).
  const marked = index.sortByTime(queryIndex(index, 'ip:203.0.113.250'), 'asc');
  const conflictedId = marked.length > 0 ? (index.value('eventId', marked[0]) ?? '') : undefined;
  const conflicted = conflictedId === undefined ? marked : index.postings('eventId', conflictedId);
  const picked = conflictedId === undefined ? undefined : recordOfEventId(index, conflictedId);
  return {
    agentOldest: places(orderedWindow(index, index.all(), 'oldest', 0, index.size)),
    agentNewest: places(orderedWindow(index, index.all(), 'newest', 0, index.size)),
    agentConflict: places(orderedWindow(index, conflicted, 'oldest', 0, 10)),
    // Opening an event, or a lineage, by its eventID.
    picked: picked === undefined ? undefined : placeOf(index, picked),
    ascending: places(index.sortByTime(index.all(), 'asc')),
    descending: places(index.sortByTime(index.all(), 'desc')),
    fewAscending: places(index.sortByTime(deleteTrails, 'asc')),
    // Each file's events on their own (few: sorted by time, then place, one by one).
    byFile: byFile(index).map((ids) => places(index.sortByTime(ids, 'asc'))),
    fewDescending: places(index.sortByTime(deleteTrails, 'desc')),
    timeline: places(timeOrder(index)),
    flagged,
    topNames: index.top('eventName', undefined, 100),
    topIps: index.top('ip', undefined, 3),
    topPrincipals: index.top('principal', undefined, 100),
    lanes: [lanes('principal'), lanes('ip')],
    findings: report.findings.map((f) => [f.ruleId, f.principal, f.first, f.events.map((e) => placeOf(index, e.id))]),
  };
}

describe('the order of events of one time', function () {
  this.timeout(120_000);

  it('is by file path, then place in the file, whatever order the files were merged in', async () => {
    for (const seed of [1, 2, 3]) {
      const files = evidence(seed, 60);
      const inPathOrder = [...files.keys()].sort();
      const reference = indexInOrder(files, inPathOrder);
      // Merged in path order, ids are place order: time, then id, is the order wanted.
      const expected = Array.from(reference.all()).sort((a, b) => reference.time(a) - reference.time(b) || a - b);
      assert.deepEqual(Array.from(reference.sortByTime(reference.all(), 'asc')), expected, `seed ${seed}: time, then place`);
      const want = await observe(reference);
      const { findings, agentConflict } = want as { findings: unknown[]; agentConflict: unknown[] };
      assert.ok(reference.size < [...files.values()].flat().length, `seed ${seed}: some records are duplicates`);
      assert.ok(findings.length > 0, `seed ${seed}: the evidence makes findings`);
      assert.ok(agentConflict.length >= 2, `seed ${seed}: an eventID held by two records`);
      for (const order of [[...inPathOrder].reverse(), shuffled(inPathOrder, seed * 7), shuffled(inPathOrder, seed * 11)]) {
        assert.deepEqual(await observe(indexInOrder(files, order)), want, `seed ${seed}, merged in another order`);
      }
    }
  });

  it('is the same at 1, 2 and 8 workers on a real trail (invictus: 2,900 events, many of one second)', async function () {
    const root = requireDataset(this, 'invictus-aws-dataset');
    let want: unknown;
    for (const workers of [1, 2, 8, 8, 2]) {
      const seen = await withDeadline(60_000, `loading with ${workers} workers`, async (signal) => observe((await Investigation.open([root], { workers, signal, feedWhileWalking: true })).investigation.index));
      if (want === undefined) want = seen;
      else assert.deepEqual(seen, want, `${workers} workers`);
    }
  });

  it('lists the same conflicts at every worker count and from the cache when there are more than can be listed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-event-order-conflicts-'));
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-event-order-conflicts-cache-'));
    try {
      // 200 files; 40% of their records have an eventID another record has (3 or more records for some).
      const rand = prng(7);
      const made: JsonObject[] = [];
      const conflicted = new Set<string>();
      for (let f = 0; f < 200; f++) {
        const records = [...evidence(1000 + f, 1).values()][0].map((record) => {
          if (made.length > 0 && rand() < 0.4) {
            const earlier = made[Math.floor(rand() * made.length)];
            conflicted.add(String(earlier.eventID));
            return { ...earlier, requestParameters: { name: `other-${f}-${made.length}` } };
          }
          return record;
        });
        made.push(...records);
        fs.writeFileSync(path.join(root, `${String(f % 11)}-${f}.json.gz`), zlib.gzipSync(JSON.stringify({ Records: records })));
      }
      let want: unknown;
      for (const [what, workers, cache] of [
        ['1 worker', 1, undefined],
        ['2 workers', 2, undefined],
        ['8 workers', 8, undefined],
        ['8 workers again', 8, undefined],
        ['2 workers, writing the cache', 2, cacheDir],
        ['from the cache', 1, cacheDir],
      ] as const) {
        const summary = await withDeadline(60_000, `loading with ${what}`, async (signal) => (await Investigation.open([root], { workers, cacheDir: cache, signal })).summary);
        assert.ok(summary.conflicts > MAX_CONFLICTS_LISTED, `${what}: more conflicts (${summary.conflicts}) than are listed`);
        assert.equal(summary.conflictList.length, MAX_CONFLICTS_LISTED, what);
        // Those of the eventIDs first in code-unit order.
        const listed = [...new Set(summary.conflictList.map((c) => c.eventId))];
        const unlisted = [...conflicted].filter((id) => !listed.includes(id));
        assert.ok(unlisted.length > 0 && unlisted.every((id) => listed.every((l) => compareText(l, id) < 0)), `${what}: the first eventIDs are listed`);
        if (want === undefined) want = summary.conflictList;
        else assert.deepEqual(summary.conflictList, want, what);
      }
      // As a second source, a cache's batch is merged again (into an index that is not empty).
      const other = path.join(cacheDir, 'other');
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, 'other.json'), JSON.stringify({ Records: [...evidence(5, 1).values()][0] }));
      const secondCache = path.join(cacheDir, 'second');
      for (const [what, cache, fromCache] of [
        ['second source, from the first cache', cacheDir, true],
        ['second source, writing a cache', secondCache, false],
        ['second source, from that cache', secondCache, true],
      ] as const) {
        const investigation = new Investigation({});
        await investigation.addSource([other], { workers: 1 }).loaded;
        const summary = await withDeadline(60_000, what, () => investigation.addSource([root], { workers: 2, cacheDir: cache }).loaded);
        assert.equal(summary.fromCache, fromCache, what);
        assert.deepEqual(summary.conflictList, want, what);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('is the same at 1, 2, 3 and 8 workers and from the cache', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-event-order-'));
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-event-order-cache-'));
    try {
      let n = 0;
      for (const [, records] of evidence(42, 150)) {
        const name = path.join(root, `${String(n++ % 7)}-${n}.json.gz`);
        fs.writeFileSync(name, zlib.gzipSync(JSON.stringify({ Records: records })));
      }
      const loads: Array<[string, number | 'auto', string | undefined, boolean]> = [
        ['1 worker', 1, undefined, false],
        ['2 workers', 2, undefined, false],
        ['3 workers, fed while walking', 3, undefined, true],
        ['8 workers', 8, undefined, true],
        ['auto', 'auto', undefined, false],
        ['2 workers, writing the cache', 2, cacheDir, false],
        ['from the cache', 1, cacheDir, false],
      ];
      let want: unknown;
      for (const [what, workers, cache, feedWhileWalking] of loads) {
        const seen = await withDeadline(60_000, `loading with ${what}`, async (signal) => {
          const { investigation, summary } = await Investigation.open([root], { workers, cacheDir: cache, signal, feedWhileWalking });
          assert.equal(summary.events > 300, true, `${what}: the evidence loaded (${summary.events} events)`);
          assert.equal(summary.fromCache, what === 'from the cache', `${what}: ${summary.fromCache ? 'from' : 'not from'} the cache`);
          assert.ok(summary.duplicates > 0 && summary.conflicts > 0, `${what}: the evidence has duplicates and conflicts`);
          return { observed: await observe(investigation.index), duplicates: summary.duplicates, conflicts: summary.conflicts, conflictList: summary.conflictList };
        });
        if (want === undefined) want = seen;
        else assert.deepEqual(seen, want, what);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
