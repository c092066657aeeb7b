/**
 * Records with one eventID (issue 12 §3): a record delivered twice collapses into one and is
 * counted as a duplicate; records that differ in content are all kept and reported as
 * eventID conflicts, with both sides' files and places.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Investigation } from '../../../src/core/engine/investigation';
import { contentHashOfBytes, contentHashOfValue } from '../../../src/core/index/content-hash';
import { MAX_CONFLICTS_LISTED } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { requireDataset } from '../../datasets';
import { indexOf, record } from './helpers';
import { queryIndex } from '../../../src/core/query/query';

function hashOfText(text: string): number {
  return contentHashOfBytes(Buffer.from(text), 0, Buffer.byteLength(text));
}

describe('record content hash', () => {
  const value = record({ requestParameters: { bucketName: 'b', key: 'a/b/c', size: 12, list: [1, -2, true, null, { x: 'y' }] } });

  it('is the same from the bytes and from the parsed value, however the record is spelt', () => {
    const expected = contentHashOfValue(value);
    const compact = JSON.stringify(value);
    const spellings = [
      compact,
      JSON.stringify(value, null, 2),
      JSON.stringify(value, null, '\t').replace(/\n/g, '\r\n'),
      compact.replace(/"a\/b\/c"/, '"a\\/b\\/c"'),
      compact.replace('"bucketName"', '"bucket\\u004eame"'),
      compact.replace('"size":12', '"size":12.0'),
      compact.replace('"size":12', '"size":1.2e1'),
    ];
    assert.ok(spellings[3].includes('\\/') && spellings[5].includes('12.0'), 'the spellings really differ');
    for (const text of spellings) {
      assert.equal(hashOfText(text), expected, text.slice(0, 80));
      assert.equal(contentHashOfValue(JSON.parse(text)), expected);
    }
  });

  it('agrees with JSON.parse where the text is not what JSON.stringify writes: repeated keys, index keys, non-ASCII, -0', () => {
    const texts = [
      '{"eventName":"First","eventName":"Second","eventID":"1"}',
      '{"b":1,"10":2,"a":{"2":3,"x":4}}',
      '{"userAgent":"ünïcödé ✓ 𝄞","eventID":"1"}',
      '{"n":-0,"m":0,"big":123456789012345678901,"neg":-5}',
      '{"s":"tab\\there \\"quoted\\" back\\\\slash \\u0001 \\ud800 \\u2028"}',
      '[1,[2,[3,{"a":[]}]],{}]',
    ];
    for (const text of texts) assert.equal(hashOfText(text), contentHashOfValue(JSON.parse(text)), text);
    assert.equal(hashOfText(texts[0]), hashOfText('{"eventName":"Second","eventID":"1"}'), 'the last of a repeated key wins, at its first place');
  });

  it('differs when any field differs, and when keys come in another order', () => {
    const base = contentHashOfValue(value);
    assert.notEqual(contentHashOfValue({ ...value, sourceIPAddress: '203.0.113.99' }), base);
    assert.notEqual(contentHashOfValue({ ...value, readOnly: 'true' }), base);
    assert.notEqual(contentHashOfValue({ ...value, requestParameters: { ...(value.requestParameters as JsonObject), list: [1, -2, true, null, { x: 'z' }] } }), base);
    const { eventVersion, ...rest } = value;
    assert.notEqual(contentHashOfValue({ ...rest, eventVersion }), base);
  });

  it('walks records nested 100,000 deep without recursion (JSON.stringify itself throws on them)', () => {
    const depth = 100_000;
    const text = `{"eventID":"deep","requestParameters":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const parsed = JSON.parse(text) as unknown;
    assert.throws(() => JSON.stringify(parsed), RangeError);
    const hash = contentHashOfValue(parsed);
    assert.equal(hashOfText(text), hash);
    assert.notEqual(hashOfText(text.replace('1}', '2}')), hash);
  });
});

describe('records sharing an eventID', function () {
  this.timeout(60_000);
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-conflicts-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  let folders = 0;
  /** A new folder holding `files` (name → content). */
  function evidence(files: Record<string, string>): string {
    const folder = path.join(scratch, `case-${folders++}`);
    fs.mkdirSync(folder);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
    return folder;
  }
  const trail = (...records: JsonObject[]) => JSON.stringify({ Records: records });

  it('keeps both when the content differs: ip: finds the second, and the conflict names both files', async () => {
    const first = record({ sourceIPAddress: '198.51.100.7' });
    const second = { ...first, sourceIPAddress: '203.0.113.99' };
    const folder = evidence({ 'a.json': trail(first), 'b.json': trail(second) });
    const { investigation, summary } = await Investigation.open([folder], { workers: 0 });
    assert.equal(summary.events, 2);
    assert.equal(summary.duplicates, 0);
    assert.equal(summary.conflicts, 1);
    assert.equal(summary.conflictList.length, 1);
    const [conflict] = summary.conflictList;
    assert.equal(conflict.eventId, first.eventID);
    assert.deepEqual(
      [conflict.first, conflict.second].sort((x, y) => x.path.localeCompare(y.path)),
      [
        { path: path.join(folder, 'a.json'), record: 1 },
        { path: path.join(folder, 'b.json'), record: 1 },
      ],
    );
    const index = investigation.index;
    const found = queryIndex(index, 'ip:203.0.113.99');
    assert.equal(found.length, 1);
    assert.equal((await index.raw(found[0])).sourceIPAddress, '203.0.113.99');
    // Looking the eventID up gives both, lowest id first: every lookup by eventID picks the same one.
    const byId = index.postings('eventId', String(first.eventID));
    assert.equal(byId.length, 2);
    assert.ok(byId[0] < byId[1]);
    assert.deepEqual((await index.rawMany([...byId])).map((r) => r.sourceIPAddress).sort(), ['198.51.100.7', '203.0.113.99']);
  });

  it('collapses a record delivered again, pretty-printed, or as a JSON line, and counts the copies as duplicates', async () => {
    const event = record({ sourceIPAddress: '198.51.100.8' });
    const folder = evidence({
      'a.json': trail(event),
      'b.json': trail(event),
      'c.json': JSON.stringify({ Records: [event] }, null, 2),
      'd.jsonl': `${JSON.stringify(event)}\n${JSON.stringify(record())}\n`,
    });
    const { investigation, summary } = await Investigation.open([folder], { workers: 0 });
    assert.equal(summary.events, 2);
    assert.equal(summary.duplicates, 3);
    assert.equal(summary.conflicts, 0);
    assert.deepEqual(summary.conflictList, []);
    assert.equal(queryIndex(investigation.index, 'ip:198.51.100.8').length, 1);
  });

  it('collapses an Event history copy with the same content onto the trail record, and keeps one that differs', async () => {
    const event = record();
    const changed = { ...event, userAgent: 'edited after delivery' };
    const lookup = (...events: JsonObject[]) =>
      JSON.stringify({ Events: events.map((e) => ({ EventId: e.eventID, EventName: e.eventName, CloudTrailEvent: JSON.stringify(e) })) });
    const same = await Investigation.open([evidence({ 'trail.json': trail(event), 'history.json': lookup(event) })], { workers: 0 });
    assert.equal(same.summary.events, 1);
    assert.equal(same.summary.duplicates, 1);
    assert.equal(same.summary.conflicts, 0);
    const differs = await Investigation.open([evidence({ 'trail.json': trail(event), 'history.json': lookup(changed) })], { workers: 0 });
    assert.equal(differs.summary.events, 2);
    assert.equal(differs.summary.conflicts, 1);
    assert.equal(queryIndex(differs.investigation.index, 'userAgent:"edited after delivery"').length, 1);
  });

  it('reports two differing records of one file by their record numbers', async () => {
    const event = record();
    const folder = evidence({ 'one.json': trail(event, { ...event, errorCode: 'AccessDenied' }) });
    const { summary } = await Investigation.open([folder], { workers: 0 });
    assert.equal(summary.events, 2);
    assert.deepEqual(summary.conflictList, [
      { eventId: event.eventID, first: { path: path.join(folder, 'one.json'), record: 1 }, second: { path: path.join(folder, 'one.json'), record: 2 } },
    ]);
  });

  it('finds the same conflicts through a parse worker and from the cache', async () => {
    const event = record();
    const folder = evidence({ 'a.json': trail(event, record()), 'b.json': trail({ ...event, awsRegion: 'eu-west-1' }, event) });
    const cacheDir = path.join(scratch, `cache-${folders}`);
    const parsed = await Investigation.open([folder], { workers: 1, cacheDir });
    const cached = await Investigation.open([folder], { workers: 1, cacheDir });
    assert.equal(cached.summary.fromCache, true);
    for (const { summary } of [parsed, cached]) {
      assert.equal(summary.events, 3);
      assert.equal(summary.duplicates, 1);
      assert.equal(summary.conflicts, 1);
    }
    assert.deepEqual(cached.summary.conflictList, parsed.summary.conflictList);
  });

  it('finds a conflict with a record of an earlier source after that load is over', async () => {
    const event = record();
    const investigation = new Investigation({ workers: 0 });
    await investigation.addSource([evidence({ 'first.json': trail(event) })]).loaded;
    const again = await investigation.addSource([evidence({ 'again.json': trail(event), 'other.json': trail({ ...event, sourceIPAddress: '192.0.2.1' }) })]).loaded;
    assert.equal(investigation.index.size, 2);
    assert.equal(again.duplicates, 1);
    assert.equal(again.conflicts, 1);
    assert.match(again.conflictList[0].first.path, /first\.json$/);
    assert.match(again.conflictList[0].second.path, /other\.json$/);
  });

  it('loads all 16 records of Panther’s compromised-root scenario, which all carry eventID "1"', async function () {
    const file = requireDataset(this, 'panther-scenario-compromised-root', 'compromised_root_creds_cloudtrail.json');
    const records = (JSON.parse(fs.readFileSync(file, 'utf8')) as { Records: JsonObject[] }).Records;
    assert.equal(records.length, 16);
    assert.ok(records.every((r) => r.eventID === '1'));
    const { investigation, summary } = await Investigation.open([file], { workers: 0 });
    assert.equal(summary.events, 16);
    assert.equal(summary.duplicates, 0);
    assert.equal(summary.conflicts, 15);
    assert.ok(summary.conflictList.every((c) => c.eventId === '1' && c.first.path === file && c.second.path === file));
    assert.equal(investigation.index.postings('eventId', '1').length, 16);
    const attacker = records.filter((r) => r.sourceIPAddress === '92.55.146.245').length;
    assert.ok(attacker > 0);
    assert.equal(queryIndex(investigation.index, 'ip:92.55.146.245').length, attacker);
  });

  it('stays linear when a hostile file puts one eventID on every record (the list of conflicts is bounded)', () => {
    // Entering every record of one eventID in the probe run would make this quadratic: the
    // test's timeout is the deadline.
    const count = 40_000;
    const records = Array.from({ length: count }, (_, i) => record({ eventID: 'same', userAgent: `agent-${i}` }));
    records.push({ ...records[7] });
    const index = indexOf(records);
    assert.equal(index.size, count);
    assert.equal(index.postings('eventId', 'same').length, count);
  });

  it('bounds the conflicts listed in a summary but counts every one', async () => {
    const records = Array.from({ length: MAX_CONFLICTS_LISTED + 20 }, (_, i) => record({ eventID: 'shared', userAgent: `agent-${i}` }));
    const { summary } = await Investigation.open([evidence({ 'many.json': trail(...records) })], { workers: 0 });
    assert.equal(summary.events, records.length);
    assert.equal(summary.conflicts, records.length - 1);
    assert.equal(summary.conflictList.length, MAX_CONFLICTS_LISTED);
  });
});
