import * as assert from 'node:assert/strict';
import { BatchBuilder, BatchFile, DICT_FIELDS, DictionaryRecoder, EventBatch, combineBatches, dictFieldValue } from '../../../src/core/index/batch';
import { CompactNumberColumn, ID_TEXT, ID_UUID, ID_UUID_UPPER, packId, packIdBytes } from '../../../src/core/index/columns';
import { newCopy, newCursor, packFiles, unpackFiles, withNewValuesOnly, withWholeDictionaries } from '../../../src/core/engine/worker-protocol';
import { EvidenceFile } from '../../../src/core/sources/types';
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
    builder.add(event, file, { offset: 0, length: 0 }, 0);
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
      records.forEach((r, i) => builder.addRecord(r, file, { offset: i, length: 0 }));
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

describe('dictionaries shared across batches', () => {
  it('grow from batch to batch of one builder, and a recoder codes each value once', () => {
    const builder = new BatchBuilder();
    const file = builder.addFile({ path: '/memory/a.json', size: 0, mtimeMs: 0, records: 3, problems: [] });
    builder.addRecord(record({ eventName: 'A' }), file, { offset: 0, length: 0 });
    const first = builder.take();
    const again = builder.addFile({ path: '/memory/b.json', size: 0, mtimeMs: 0, records: 2, problems: [] });
    builder.addRecord(record({ eventName: 'B' }), again, { offset: 0, length: 0 });
    builder.addRecord(record({ eventName: 'A' }), again, { offset: 1, length: 0 });
    const second = builder.take();
    const f = DICT_FIELDS.indexOf('eventName');
    assert.equal(second.dicts[f], first.dicts[f], 'the same array, grown');
    assert.deepEqual(second.dicts[f], ['', 'A', 'B']);
    assert.deepEqual([...second.codes[f]], [2, 1]);
    assert.equal(second.files.length, 1, 'files are not carried over');

    const coded: string[] = [];
    const recoder = new DictionaryRecoder((value) => {
      coded.push(value);
      return coded.length + 10;
    });
    recoder.recode(['', 'A']);
    const shared = ['', 'A'];
    assert.deepEqual([...recoder.recode(shared).remap.subarray(0, 2)], [0, 12]);
    shared.push('B');
    const { remap, largest } = recoder.recode(shared);
    assert.deepEqual([...remap.subarray(0, 3)], [0, 12, 13]);
    assert.equal(largest, 13);
    assert.deepEqual(coded, ['A', 'A', 'B'], 'a new array is coded afresh; a grown one only for its new values');
  });

  it('cross from a worker as new values only and arrive whole', () => {
    const builder = new BatchBuilder();
    const cursor = newCursor();
    const copy = newCopy();
    const sent: EventBatch[] = [];
    const arrived: EventBatch[] = [];
    for (const names of [['A', 'B'], ['B', 'C'], ['A']]) {
      const file = builder.addFile({ path: '/memory/w.json', size: 0, mtimeMs: 0, records: names.length, problems: [] });
      names.forEach((eventName, i) =>
        builder.addRecord(record({ eventName, resources: [{ ARN: `arn:aws:s3:::${eventName}` }] }), file, { offset: i, length: 0 }),
      );
      const batch = builder.take();
      const message = withNewValuesOnly(batch, cursor);
      sent.push(message);
      arrived.push(withWholeDictionaries(structuredClone(message), copy));
    }
    const f = DICT_FIELDS.indexOf('eventName');
    assert.deepEqual(sent.map((m) => m.dicts[f]), [['', 'A', 'B'], ['C'], []]);
    assert.deepEqual(sent.map((m) => m.resourceDict), [['', 'arn:aws:s3:::A', 'arn:aws:s3:::B'], ['arn:aws:s3:::C'], []]);
    for (const batch of arrived) {
      const names = [...batch.codes[f]].map((c) => batch.dicts[f][c]);
      const arns = [...batch.resourceCodes].map((c) => batch.resourceDict[c]);
      assert.deepEqual(arns, names.map((n) => `arn:aws:s3:::${n}`));
    }
    assert.deepEqual([...arrived[2].codes[f]].map((c) => arrived[2].dicts[f][c]), ['A']);
    assert.equal(arrived[0].dicts[f], arrived[2].dicts[f], 'one growing copy per worker');
  });
});

describe('batch files on the wire (worker to main thread)', () => {
  const chunk: EvidenceFile[] = [
    { path: '/e/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/a.json.gz', size: 900, mtimeMs: 1.5, layout: { account: '111122223333', region: 'us-east-1', date: '2026-03-04', digest: false } },
    { path: '/e/big.json', size: 5_000_000, mtimeMs: 2 },
    { path: '/e/bad.json.gz', size: 10, mtimeMs: 3 },
    { path: '/e/lines.jsonl', size: 40, mtimeMs: 4 },
  ];
  const seen = (ino: number, crc?: number) => ({ dev: 2049, ino, ctimeMs: 1764926400123.456, mtimeMs: 1764926400000.25, size: 900, ...(crc === undefined ? {} : { crc }) });
  // As parseFiles writes them: a file whose records run over into the next batch continues there.
  const batches: BatchFile[][] = [
    [
      { ...chunk[0], records: 125, problems: [], format: 'trail', seen: seen(11, 0xfedcba98) },
      { ...chunk[1], records: 8067, problems: [], seen: seen(12) },
    ],
    [
      { ...chunk[1], format: 'lookup', records: 3, problems: [], continuation: true, seen: seen(12) },
      { ...chunk[2], records: 0, problems: [{ path: chunk[2].path, reason: 'gzip: unexpected end of file \u2028 "quoted" <b>', offset: 7 }] },
      { ...chunk[3], records: 2, problems: [{ path: chunk[3].path, reason: 'line 2: not JSON' }, { path: chunk[3].path, reason: 'line 5: not JSON', offset: 80 }], format: 'jsonl', seen: seen(14, 0) },
    ],
  ];

  it('name each file by its place in the chunk and arrive as the worker wrote them', () => {
    const cursor = { files: chunk, named: 0 };
    const arrived = batches.map((files) => unpackFiles(structuredClone(packFiles(files, cursor)), chunk));
    assert.deepEqual(arrived, batches);
    assert.equal(arrived[0][0].layout, chunk[0].layout, "the chunk's own objects, not copies");
    // On the wire: numbers, and the problems of the two files that have any.
    const wire = packFiles(batches[1], { files: chunk, named: 2 });
    assert.ok(wire.numbers instanceof Float64Array);
    assert.deepEqual(wire.problems.map(([file]) => file), [1, 2]);
  });

  it('refuse a file that is not where the chunk has it', () => {
    assert.throws(() => packFiles([batches[0][1]], { files: chunk, named: 0 }), /batch file \/e\/big\.json is not file 0 of its chunk/);
    const wire = packFiles(batches[0], { files: chunk, named: 0 });
    assert.throws(() => unpackFiles(wire, chunk.slice(0, 1)), /named file 1 of a chunk of 1/);
  });
});

describe('packed identifiers', () => {
  const words = new Uint32Array(4);
  it('pack a UUID in either case and refuse anything else', () => {
    assert.equal(packId('3e7c8d8c-0a9c-4d4e-a619-c4f493129205', words, 0), ID_UUID);
    assert.deepEqual([...words], [0x3e7c8d8c, 0x0a9c4d4e, 0xa619c4f4, 0x93129205]);
    assert.equal(packId('3E7C8D8C-0A9C-4D4E-A619-C4F493129205', words, 0), ID_UUID_UPPER);
    assert.deepEqual([...words], [0x3e7c8d8c, 0x0a9c4d4e, 0xa619c4f4, 0x93129205]);
    for (const text of [
      '3e7c8d8c-0a9c-4d4e-a619-C4f493129205',
      '3e7c8d8c-0a9c-4d4e-a619-c4f49312920g',
      '3e7c8d8c-0a9c-4d4e-a619-c4f49312920\u0661',
      '3e7c8d8c-0a9c-4d4e-a619-c4f49312920\u0136',
      '3e7c8d8c_0a9c-4d4e-a619-c4f493129205',
      '3e7c8d8c-0a9c-4d4e-a619-c4f4931292055',
      '',
    ]) {
      assert.equal(packId(text, words, 0), ID_TEXT, text);
    }
  });

  it("pack from a record's bytes exactly as from its decoded text: every byte at every place of a UUID", () => {
    const fromBytes = new Uint32Array(6);
    const fromText = new Uint32Array(4);
    for (const uuid of ['3e7c8d8c-0a9c-4d4e-a619-c4f493129205', 'FFFFFFFF-0A9C-4D4E-A619-C4F493129205']) {
      const bytes = Buffer.from(`{"eventID":"${uuid}"}`, 'latin1');
      const at = bytes.indexOf(uuid);
      for (let place = 0; place < 36; place++) {
        for (let byte = 0; byte < 0x100; byte++) {
          bytes[at + place] = byte;
          fromBytes.fill(7);
          fromText.fill(7);
          const kind = packIdBytes(bytes, at, at + 36, fromBytes, 2);
          const text = bytes.toString('utf8', at, at + 36);
          assert.equal(kind, packId(text, fromText, 0), `${JSON.stringify(text)} (byte ${byte} at ${place})`);
          assert.deepEqual([...fromBytes.subarray(2)], [...fromText], `${JSON.stringify(text)}`);
          assert.deepEqual([...fromBytes.subarray(0, 2)], [7, 7], 'nothing before its place');
        }
        bytes[at + place] = uuid.charCodeAt(place);
      }
      assert.equal(packIdBytes(bytes, at, at + 35, fromBytes, 0), ID_TEXT, 'one byte short');
      assert.equal(packIdBytes(bytes, at - 1, at + 36, fromBytes, 0), ID_TEXT, 'one byte long');
    }
  });
});

describe('compact number column (record offsets and lengths)', () => {
  it('keeps small whole numbers narrow and turns to doubles for one that does not fit, keeping every value', () => {
    const column = new CompactNumberColumn();
    for (const value of [0, 5, 255]) column.push(value);
    const oneByteEach = column.byteLength;
    column.push(70_000);
    assert.equal(column.byteLength, oneByteEach * 4, 'widened to 32-bit codes');
    const past2GiB = 2 ** 33 + 7;
    column.push(past2GiB);
    column.push(3);
    assert.deepEqual(
      Array.from({ length: column.size }, (_, i) => column.get(i)),
      [0, 5, 255, 70_000, past2GiB, 3],
    );
    assert.equal(column.byteLength, oneByteEach * 8, 'doubles from then on');
  });
});
