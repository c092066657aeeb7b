import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readRecordsAt } from '../../../src/core/index/read-back';
import { FileFormat, RecordLocation } from '../../../src/core/sources/types';
import { READ_MODES, fixture, readAll } from './helpers';

const ROUND_TRIP_FILES = [
  'trail.json',
  'trail.json.gz',
  'trail-multimember.json.gz',
  'trail-truncated.json.gz',
  'trail-corrupt-record.json',
  'trail-mismatched-brackets.json',
  'lookup-events.json',
  'lookup-events-pages.json',
  'events.jsonl',
  'cloudwatch-logs.jsonl',
  'logstash.ndjson',
  'panther-tests.ndjson',
  'lines-corrupt.jsonl',
  'single-event.json',
  'array.json',
  'event-history-full.csv',
  'event-history-columns.csv',
];

describe('sources: readRecordsAt returns exactly what the reader emitted', () => {
  for (const mode of READ_MODES) {
    describe(mode.name, () => {
      for (const file of ROUND_TRIP_FILES) {
        it(file, async () => {
          const { result, events, locations } = await readAll(fixture(file), mode.options);
          assert.ok(events.length > 0);
          const format = result.format as FileFormat;
          // All at once, in reverse order, and one by one.
          const reversed = [...locations].reverse();
          assert.deepEqual(await readRecordsAt(fixture(file), format, reversed), [...events].reverse());
          for (let i = 0; i < events.length; i++) {
            assert.deepEqual(await readRecordsAt(fixture(file), format, [locations[i]]), [events[i]]);
          }
        });
      }
    });
  }

  it('both location kinds are used: ordinals for small whole documents, byte ranges otherwise', async () => {
    const whole = await readAll(fixture('trail.json.gz'));
    assert.ok(whole.locations.every((l) => l.length === 0));
    const streamed = await readAll(fixture('trail.json.gz'), { wholeDocumentLimit: 0 });
    assert.ok(streamed.locations.every((l) => l.length > 0));
    const mixed: RecordLocation[] = [whole.locations[2], streamed.locations[0]];
    assert.deepEqual(await readRecordsAt(fixture('trail.json.gz'), 'trail', mixed), [whole.events[2], streamed.events[0]]);
  });

  it('a gzip file is decompressed only as far as the last range needed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-readat-'));
    try {
      const file = path.join(dir, 'big.json.gz');
      const records = Array.from({ length: 2000 }, (_, i) => ({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z', eventID: `id-${i}`, pad: 'x'.repeat(500) }));
      // A valid beginning followed by garbage: reading the first records must not need the tail.
      const valid = zlib.gzipSync(JSON.stringify({ Records: records }));
      fs.writeFileSync(file, Buffer.concat([valid.subarray(0, Math.floor(valid.length / 2))]));
      const { events, locations } = await readAll(file, { wholeDocumentLimit: 0 });
      assert.ok(events.length > 10);
      assert.deepEqual(await readRecordsAt(file, 'trail', [locations[3], locations[0]]), [events[3], events[0]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a record by ordinal without locating the items after it, and counts items that are not events before it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-readat-'));
    try {
      const event = (i: number) => ({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventTime: '2024-01-01T00:00:00Z', eventID: `id-${i}` });
      const file = path.join(dir, 'mixed.json');
      // Items that are not events come first and in between: ordinals count events only.
      fs.writeFileSync(file, JSON.stringify({ Records: [42, { note: 'not an event' }, event(0), 'text', event(1), event(2), [1], event(3)] }));
      const { events, locations } = await readAll(file);
      assert.equal(events.length, 4);
      assert.ok(locations.every((l) => l.length === 0));
      for (let i = 0; i < events.length; i++) assert.deepEqual(await readRecordsAt(file, 'trail', [locations[i]]), [events[i]]);
      assert.deepEqual(await readRecordsAt(file, 'trail', [locations[3], locations[0]]), [events[3], events[0]]);
      const plain = path.join(dir, 'plain.json.gz');
      const records = Array.from({ length: 50 }, (_, i) => event(i));
      fs.writeFileSync(plain, zlib.gzipSync(JSON.stringify({ Records: records })));
      const read = await readAll(plain);
      assert.deepEqual(await readRecordsAt(plain, 'trail', [read.locations[1], read.locations[7]]), [read.events[1], read.events[7]]);
      assert.deepEqual(await readRecordsAt(plain, 'trail', [read.locations[49]]), [read.events[49]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the reason when a record is no longer there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-readat-'));
    try {
      const file = path.join(dir, 'changing.json');
      fs.copyFileSync(fixture('trail.json'), file);
      await assert.rejects(readRecordsAt(file, 'trail', [{ offset: 99, length: 0 }]), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: record #99 is not there any more`));
      await assert.rejects(readRecordsAt(file, 'trail', [{ offset: 100_000, length: 50 }]), /are not there any more/);
      fs.writeFileSync(file, '{"Records":[]}');
      await assert.rejects(readRecordsAt(file, 'trail', [{ offset: 0, length: 5 }]), /no longer valid JSON|not there any more/);
      await assert.rejects(readRecordsAt(path.join(dir, 'missing.json'), 'trail', [{ offset: 0, length: 5 }]), /missing\.json: cannot open/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
