/**
 * Issue 13: what a pivot on a reopened index does beyond reading back its records costs only
 * what it uses. A field's first pivot scans its column instead of building every value's
 * postings; dictionaries adopted from a cache look values up only when asked; files share their
 * layouts whatever order they come in. Each must answer exactly as before.
 */
import * as assert from 'node:assert/strict';
import { random } from '../../../bench/records';
import { BatchBuilder, DICT_FIELDS, EventBatch } from '../../../src/core/index/batch';
import { EventIndex, KnownMerge } from '../../../src/core/index/event-index';
import { PivotField } from '../../../src/core/index/fields';
import { JsonObject } from '../../../src/core/model/event';
import { TrailKeyLayout } from '../../../src/core/sources/types';
import { indexOf, memoryIndex, record } from './helpers';

function seededRecords(seed: number, count: number): JsonObject[] {
  const rand = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rand() * values.length)];
  return Array.from({ length: count }, () =>
    record({
      eventName: pick(['GetObject', 'PutObject', 'RunInstances', 'AssumeRole']),
      sourceIPAddress: `192.0.2.${Math.floor(rand() * 30)}`,
      awsRegion: pick(['us-east-1', 'eu-west-1', 'ap-south-1']),
      ...(rand() < 0.2 ? { errorCode: pick(['AccessDenied', 'Throttling']) } : {}),
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/u${Math.floor(rand() * 9)}`, accountId: '111122223333', accessKeyId: `AKIA${Math.floor(rand() * 40)}` },
    }),
  );
}

/** The ids whose field holds `value`, found row by row. */
function idsWith(index: EventIndex, field: PivotField, value: string | undefined): number[] {
  const out: number[] = [];
  for (let id = 0; id < index.size; id++) if (index.value(field, id) === value) out.push(id);
  return out;
}

function batchOf(records: JsonObject[], file: string, layouts?: (i: number) => TrailKeyLayout): EventBatch {
  const builder = new BatchBuilder();
  const files = records.map((_, i) => builder.addFile({ path: `${file}-${i}.json`, format: 'trail', size: 0, mtimeMs: 0, records: 1, problems: [], ...(layouts ? { layout: layouts(i) } : {}) }));
  records.forEach((r, i) => builder.addRecord(r, files[i], { offset: 0, length: 0 }));
  return builder.take();
}

const NOTHING_DROPPED: KnownMerge = { dropped: [], conflicts: 0, conflictPairs: [] };

describe('a pivot on a reopened index: only what it uses', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: a field's first pivot (a scan of its column) and every later one (its postings) give the ids of that value, ascending; again after the index changes`, () => {
      const index = indexOf(seededRecords(seed, 400));
      for (let round = 0; round < 2; round++) {
        for (const field of ['ip', 'eventName', 'error', 'accessKey', 'region'] as const) {
          const values = index.dictionary(field);
          // Every code, the absent one (0) and codes past the dictionary's end too, in a seeded order: the first asked is scanned.
          const shuffle = random(seed + values.length);
          const codes = [...Array(values.length + 2).keys(), -1]
            .map((code) => [shuffle(), code])
            .sort((a, b) => a[0] - b[0])
            .map(([, code]) => code);
          for (const ask of [0, 1]) {
            for (const code of codes) {
              const expected = code >= 0 && code < values.length ? idsWith(index, field, code === 0 ? undefined : values[code]) : [];
              assert.deepEqual([...index.postingsOf(field, code)], expected, `${field} code ${code} (ask ${ask}, round ${round})`);
            }
          }
          assert.deepEqual([...index.postings(field, values[1])], idsWith(index, field, values[1]));
        }
        // More events: the postings built before are stale; the next first ask scans again.
        indexOf(seededRecords(seed + 10, 150), index);
      }
    });
  }

  it('dictionaries adopted from a batch (an empty index) answer as merged ones do, and take new values after it', () => {
    const first = seededRecords(7, 300);
    const second = seededRecords(8, 200).map((r, i) => (i % 3 === 0 ? { ...r, sourceIPAddress: `203.0.113.${i}`, eventName: `New${i % 5}` } : r));
    const adopted = memoryIndex();
    assert.ok(adopted.adopt(batchOf(first, '/a'), adopted.sources.code('a'), NOTHING_DROPPED));
    adopted.merge(batchOf(second, '/b'), adopted.sources.code('b'));
    const merged = memoryIndex();
    merged.merge(batchOf(first, '/a'), merged.sources.code('a'));
    merged.merge(batchOf(second, '/b'), merged.sources.code('b'));
    assert.equal(adopted.size, merged.size);
    for (const field of [...DICT_FIELDS, 'resource'] as PivotField[]) {
      assert.deepEqual(adopted.dictionary(field), merged.dictionary(field), field);
      for (const value of merged.dictionary(field).slice(1)) {
        assert.deepEqual([...adopted.postings(field, value)], [...merged.postings(field, value)], `${field}=${value}`);
        assert.deepEqual(adopted.codesFor(field, value.toUpperCase()), merged.codesFor(field, value.toUpperCase()), `${field}~${value}`);
      }
    }
    for (let id = 0; id < merged.size; id++) assert.deepEqual(adopted.row(id), merged.row(id));
  });

  it('files share one layout object for each distinct layout, whatever order their folders come in', () => {
    const layoutObjects: TrailKeyLayout[] = [];
    for (let k = 0; k < 6; k++) layoutObjects.push({ account: `11112222333${k % 3}`, region: 'us-east-1', date: '2026-03-04', digest: false });
    const records = seededRecords(4, 60);
    const index = memoryIndex();
    // Folders interleaved (files parsed largest first); objects 0 and 3 (and 1 and 4, 2 and 5) are equal.
    index.merge(batchOf(records, '/t', (i) => layoutObjects[(i * 7) % 6]), index.sources.code('t'));
    const byText = new Map<string, unknown>();
    for (const file of index.files) {
      const text = JSON.stringify(file.layout);
      const shared = byText.get(text) ?? file.layout;
      byText.set(text, shared);
      assert.equal(file.layout, shared, `one object for ${text}`);
    }
    assert.equal(byText.size, 3);
  });
});
