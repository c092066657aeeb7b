import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CsvRowSplitter, parseCsvRow } from '../../../src/core/sources/csv';
import { JsonRecordScanner, RecordContainer } from '../../../src/core/sources/jsonScanner';
import { LineSplitter } from '../../../src/core/sources/lines';
import { fixture } from './helpers';

interface Scanned {
  records: Array<{ start: number; text: string; container: RecordContainer }>;
  broken: Array<{ reason: string; offset: number }>;
}

function scan(content: Buffer, chunkSize: number): Scanned {
  const out: Scanned = { records: [], broken: [] };
  const scanner = new JsonRecordScanner(
    {
      record: (bytes, start, container) => {
        const text = bytes.toString();
        out.records.push({ start, text, container });
        try {
          JSON.parse(text);
          return true;
        } catch {
          return false;
        }
      },
      containerOpened: () => undefined,
      oversized: () => undefined,
      broken: (reason, offset) => out.broken.push({ reason, offset }),
    },
    1 << 20,
  );
  for (let i = 0; i < content.length; i += chunkSize) scanner.push(content.subarray(i, i + chunkSize), i);
  scanner.end(content.length);
  return out;
}

const CHUNK_SIZES = [1, 2, 3, 5, 7, 16, 64, 1000, 1 << 20];

describe('sources: byte-level readers give the same answer whatever the chunk boundaries', () => {
  const tricky = Buffer.from(
    '{"Other":{"Records":"not this"},"Records":[' +
      '{"eventName":"A\\"]}{","eventSource":"s","eventTime":"t","k":"\\\\"},' +
      ' {"eventName":"B","eventSource":"s","eventTime":"t","n":[1,{"x":"}"}],"u":"\u00e9\u4e2d\ud83d\ude00"} ,' +
      '"a string", 42, null, [1,2],' +
      '{"eventName":"C","eventSource":"s","eventTime":"t"}' +
      '],"NextToken":"x"}\n' +
      '{"Events":[{"EventId":"1","EventName":"D","CloudTrailEvent":"{\\"eventName\\":\\"D\\"}"}]}' +
      '[{"eventName":"E","eventSource":"s","eventTime":"t"}]' +
      '{"eventName":"F","eventSource":"s","eventTime":"t"}',
  );

  it('records, escapes, multi-byte characters, nested brackets in strings, several documents', () => {
    const reference = scan(tricky, tricky.length);
    assert.deepEqual(reference.broken, []);
    assert.deepEqual(
      reference.records.map((r) => [r.container, r.text.startsWith('{') ? (JSON.parse(r.text).eventName ?? JSON.parse(r.text).EventName) : r.text]),
      [
        ['Records', 'A"]}{'],
        ['Records', 'B'],
        ['Records', '"a string"'],
        ['Records', '42'],
        ['Records', 'null'],
        ['Records', '[1,2]'],
        ['Records', 'C'],
        ['Events', 'D'],
        ['array', 'E'],
        ['top', 'F'],
      ],
    );
    for (const record of reference.records) assert.equal(tricky.subarray(record.start, record.start + Buffer.byteLength(record.text)).toString(), record.text);
    for (const size of CHUNK_SIZES) assert.deepEqual(scan(tricky, size), reference, `chunk size ${size}`);
  });

  it('fixtures scan identically in 1-byte chunks and whole', () => {
    for (const file of ['trail.json', 'array.json', 'lookup-events-pages.json', 'trail-mismatched-brackets.json', 'trail-broken-structure.json', 'trail-corrupt-record.json']) {
      const content = fs.readFileSync(fixture(file));
      const reference = scan(content, content.length);
      assert.ok(reference.records.length > 0, file);
      for (const size of CHUNK_SIZES) assert.deepEqual(scan(content, size), reference, `${file}, chunk size ${size}`);
    }
  });

  it('a record over the size limit is reported and skipped, the next one is read', () => {
    const content = Buffer.from('[{"eventName":"A"},{"eventName":"' + 'x'.repeat(200) + '"},{"eventName":"C"}]');
    for (const size of CHUNK_SIZES) {
      const kept: string[] = [];
      const oversized: Array<[number, number]> = [];
      const scanner = new JsonRecordScanner(
        {
          record: (bytes) => kept.push(JSON.parse(bytes.toString()).eventName) > 0,
          containerOpened: () => undefined,
          oversized: (start, length) => oversized.push([start, length]),
          broken: () => assert.fail('not broken'),
        },
        100,
      );
      for (let i = 0; i < content.length; i += size) scanner.push(content.subarray(i, i + size), i);
      scanner.end(content.length);
      assert.deepEqual(kept, ['A', 'C'], `chunk size ${size}`);
      assert.deepEqual(oversized, [[19, 216]], `chunk size ${size}`);
    }
  });

  it('concatenated pretty-printed events (jq output): a broken one is skipped, reading resumes at the next top-level object', () => {
    const event = (name: string): string => JSON.stringify({ eventName: name, eventSource: 's', eventTime: 't' }, null, 2);
    const content = Buffer.from(`${event('A')}\n{\n  "eventName": "B",\n  "x": ]\n}\n${event('C')}\n`);
    for (const size of CHUNK_SIZES) {
      const result = scan(content, size);
      assert.deepEqual(
        result.records.map((r) => JSON.parse(r.text).eventName),
        ['A', 'C'],
        `chunk size ${size}`,
      );
      assert.equal(result.broken.length, 1);
      assert.match(result.broken[0].reason, /does not match.*reading resumed/);
    }
  });

  it('reports a truncated document at its end', () => {
    const content = Buffer.from('{"Records":[{"eventName":"A"},{"eventName":"B","x":"unterminated');
    for (const size of CHUNK_SIZES) {
      const result = scan(content, size);
      assert.deepEqual(
        result.records.map((r) => r.text),
        ['{"eventName":"A"}'],
      );
      assert.deepEqual(result.broken, [{ reason: 'content ends inside the record that starts at byte 30 (truncated?)', offset: content.length }]);
    }
  });

  it('stops at text that is not JSON at the top level', () => {
    const result = scan(Buffer.from('hello'), 5);
    assert.equal(result.records.length, 0);
    assert.match(result.broken[0].reason, /unexpected text at the top level/);
    assert.equal(result.broken[0].offset, 0);
  });

  it('lines split identically at any boundary, CRLF and blank lines ignored', () => {
    const content = Buffer.from('{"a":1}\r\n\r\n  {"b":"\u00e9"}  \n{"c":3}');
    for (const size of CHUNK_SIZES) {
      const lines: Array<[number, string]> = [];
      const splitter = new LineSplitter({ line: (bytes, start) => lines.push([start, bytes.toString()]), oversized: () => undefined }, 1 << 20);
      for (let i = 0; i < content.length; i += size) splitter.push(content.subarray(i, i + size), i);
      splitter.end();
      assert.deepEqual(lines, [
        [0, '{"a":1}'],
        [13, '{"b":"\u00e9"}'],
        [26, '{"c":3}'], // é is two bytes
      ]);
    }
  });

  it('CSV rows split identically at any boundary: quotes, doubled quotes, CRLF, newlines inside quotes', () => {
    const content = Buffer.from('a,b,c\r\n"x, y","say ""hi""","line1\nline2"\r\nplain,,"\u00e9"\n');
    for (const size of CHUNK_SIZES) {
      const rows: Array<[number, number, string[]]> = [];
      const splitter = new CsvRowSplitter({ row: (cells, start, end) => rows.push([start, end, cells]), oversized: () => undefined, unterminated: () => undefined }, 1 << 20);
      for (let i = 0; i < content.length; i += size) splitter.push(content.subarray(i, i + size), i);
      splitter.end();
      assert.deepEqual(
        rows.map((r) => r[2]),
        [
          ['a', 'b', 'c'],
          ['x, y', 'say "hi"', 'line1\nline2'],
          ['plain', '', '\u00e9'],
        ],
        `chunk size ${size}`,
      );
      for (const [start, end, cells] of rows) assert.deepEqual(parseCsvRow(content.subarray(start, end), 0, true)?.cells, cells);
    }
  });

  it('CSV: an unterminated quote is reported, not swallowed silently', () => {
    const reported: number[] = [];
    const splitter = new CsvRowSplitter({ row: () => undefined, oversized: () => undefined, unterminated: (start) => reported.push(start) }, 1 << 20);
    splitter.push(Buffer.from('a,b\n"open,never closed\n1,2\n'), 0);
    splitter.end();
    assert.deepEqual(reported, [4]);
  });
});
