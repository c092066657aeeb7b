import * as assert from 'node:assert/strict';
import { BatchBuilder, DICT_FIELDS, EventBatch, combineBatches, dictFieldValue } from '../../../src/core/index/batch';
import { PIVOT_FIELDS } from '../../../src/core/index/fields';
import { NormalizedEvent } from '../../../src/core/model/event';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { memoryIndex, record } from './helpers';

describe('event batch builder', () => {
  it('codes every dictionary field in DICT_FIELDS order (the per-event code is written out by hand)', () => {
    // A distinct value in every field, so a swapped column shows up as a wrong value.
    const event: NormalizedEvent = { ...normalizeEvent(record()), readOnly: false };
    DICT_FIELDS.forEach((field, i) => {
      if (field === 'readOnly') return;
      (event as unknown as Record<string, unknown>)[fieldProperty(field)] = `value-of-${field}-${i}`;
    });
    const builder = new BatchBuilder();
    const file = builder.addFile({ path: '/memory/x.json', size: 0, mtimeMs: 0, records: 1, problems: [] });
    builder.add(event, file, { offset: 0, length: 0 });
    const batch = builder.take();
    DICT_FIELDS.forEach((field, f) => {
      assert.equal(batch.dicts[f][batch.codes[f][0]], dictFieldValue(event, field), field);
    });
  });
});

describe('combined batches (the on-disk cache form)', () => {
  function batchesOf(groups: ReturnType<typeof record>[][]): EventBatch[] {
    return groups.map((records, g) => {
      const builder = new BatchBuilder();
      const file = builder.addFile({ path: `/memory/combine-${g}.json`, format: 'array', size: 0, mtimeMs: 0, records: records.length, problems: [] });
      records.forEach((r, i) => builder.add(normalizeEvent(r), file, { offset: i, length: 0 }));
      return builder.take();
    });
  }

  it('index the same as the batches they came from: values, resources, ids, duplicates', () => {
    const role = { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/s1', accountId: '111122223333', accessKeyId: 'ASIAEXAMPLE000000001' };
    const shared = record({ eventName: 'RunInstances' });
    const groups = [
      [record(), record({ resources: [{ ARN: 'arn:aws:s3:::a' }, { ARN: 'arn:aws:s3:::b' }] }), shared],
      [record({ userIdentity: role, eventID: 'not-a-uuid', sharedEventID: '00000000-0000-4000-8000-00000000abcd' }), { ...shared }],
      [record({ resources: [{ ARN: 'arn:aws:s3:::b' }], requestID: 'REQ-TEXT' }), record({ errorCode: 'AccessDenied' })],
    ];
    const separate = memoryIndex();
    for (const batch of batchesOf(groups)) separate.merge(batch, separate.sources.code('s'));
    const combined = memoryIndex();
    const one = combineBatches(batchesOf(groups));
    assert.equal(one.count, 7);
    const result = combined.merge(one, combined.sources.code('s'));
    assert.equal(result.duplicates, 1, 'the repeated event is still dropped');
    assert.equal(combined.size, separate.size);
    for (const field of PIVOT_FIELDS) {
      assert.deepEqual(
        combined.top(field, undefined, 100).map((t) => [t.value, t.count]),
        separate.top(field, undefined, 100).map((t) => [t.value, t.count]),
        field,
      );
    }
    for (let id = 0; id < combined.size; id++) assert.deepEqual(combined.origin(id), separate.origin(id));
  });
});

/** The NormalizedEvent property dictFieldValue reads for a field (found by probing it). */
function fieldProperty(field: (typeof DICT_FIELDS)[number]): string {
  const probe = normalizeEvent(record()) as unknown as Record<string, unknown>;
  for (const key of Object.keys(probe)) {
    const copy = { ...probe, [key]: '\u0000probe' } as unknown as NormalizedEvent;
    if (dictFieldValue(copy, field) === '\u0000probe') return key;
  }
  throw new Error(`no property for ${field}`);
}
