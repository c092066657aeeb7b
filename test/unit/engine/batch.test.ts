import * as assert from 'node:assert/strict';
import { BatchBuilder, DICT_FIELDS, dictFieldValue } from '../../../src/core/index/batch';
import { NormalizedEvent } from '../../../src/core/model/event';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { record } from './helpers';

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

/** The NormalizedEvent property dictFieldValue reads for a field (found by probing it). */
function fieldProperty(field: (typeof DICT_FIELDS)[number]): string {
  const probe = normalizeEvent(record()) as unknown as Record<string, unknown>;
  for (const key of Object.keys(probe)) {
    const copy = { ...probe, [key]: '\u0000probe' } as unknown as NormalizedEvent;
    if (dictFieldValue(copy, field) === '\u0000probe') return key;
  }
  throw new Error(`no property for ${field}`);
}
