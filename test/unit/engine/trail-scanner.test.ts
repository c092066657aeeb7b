/**
 * The trail scanner (index/trail-scanner.ts) must index exactly what the generic path
 * (JSON.parse, unwrap, normalizeEvent) indexes. Every test here reads the same files both
 * ways and compares every event's every field, and every file's format, count and problems.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { newParseContext, parseFiles } from '../../../src/core/engine/parse-files';
import { EventBatch } from '../../../src/core/index/batch';
import { EvidenceFile } from '../../../src/core/sources/types';
import { requireDataset } from '../../datasets';
import { REPO_ROOT } from '../sources/helpers';
import { decode } from './helpers';
import { RecordHashes } from '../../../src/core/index/lazy-hash';
import { random } from '../../../bench/generate';

function listFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

function evidence(paths: string[]): EvidenceFile[] {
  return paths.map((p) => ({ path: p, size: fs.statSync(p).size, mtimeMs: 0 }));
}

/** Reads the files both ways; returns how many documents the scanner took. */
async function bothWaysEqual(paths: string[]): Promise<number> {
  const files = evidence(paths);
  const generic: EventBatch[] = [];
  await parseFiles(files, (b) => generic.push(b), undefined, newParseContext({ scanner: false }));
  const scanned: EventBatch[] = [];
  const context = newParseContext();
  const scanner = context.scanner!;
  let taken = 0;
  const read = scanner.read.bind(scanner);
  scanner.read = (...args) => {
    const took = read(...args);
    if (took) taken++;
    return took;
  };
  await parseFiles(files, (b) => scanned.push(b), undefined, context);
  const expected = decode(generic);
  const actual = decode(scanned, new RecordHashes().hash);
  assert.deepEqual(actual.files, expected.files, 'files, formats and problems');
  assert.equal(actual.events.length, expected.events.length, 'event count');
  for (let i = 0; i < expected.events.length; i++) assert.deepEqual(actual.events[i], expected.events[i], `event ${i}`);
  return taken;
}

let scratch: string;
let written = 0;

function trailFile(text: string | Buffer, gzip = false): string {
  const file = path.join(scratch, `doc-${written++}.json${gzip ? '.gz' : ''}`);
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  fs.writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

const baseRecord = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:alice',
    arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLE000000001',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111122223333:role/Admin', accountId: '111122223333', userName: 'Admin' },
      attributes: { creationDate: '2026-03-04T04:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2026-03-04T05:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { instanceType: 't3.micro', nested: [1, 2.5, -3e2, true, false, null, { a: 'b' }] },
  responseElements: null,
  requestID: '10000000-0000-4000-8000-000000000001',
  eventID: '00000000-0000-4000-8000-000000000001',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
  eventCategory: 'Management',
};

/** A CloudTrail Insights record (no top-level eventName/eventSource: they sit in insightDetails). */
function insightRecord(state: string, extra: Record<string, unknown> = {}, details: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: '2026-03-04T05:06:00Z',
    awsRegion: 'us-east-1',
    eventID: `insight-${state}-${Object.keys(extra).join('-')}`,
    eventType: 'AwsCloudTrailInsight',
    recipientAccountId: '111122223333',
    sharedEventID: 'aaaaaaaa-1111-4111-8111-000000000001',
    insightDetails: { state, eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', insightType: 'ApiCallRateInsight', insightContext: { statistics: { insightDuration: 1 } }, ...details },
    eventCategory: 'Insight',
    ...extra,
  };
}

function trail(records: unknown[]): string {
  return JSON.stringify({ Records: records });
}

describe('trail scanner: the same index as the generic path', function () {
  this.timeout(120_000);

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-trail-scanner-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('on every fixture file (sample trail, formats, hostile)', async () => {
    const taken = await bothWaysEqual(listFiles(path.join(REPO_ROOT, 'fixtures')));
    assert.ok(taken >= 10, `the scanner took ${taken} documents`);
  });

  it('on every file of the public datasets', async function () {
    const taken = await bothWaysEqual(listFiles(requireDataset(this)));
    assert.ok(taken >= 10, `the scanner took ${taken} documents`);
  });

  it('on records with every kind of value the scanner must hand back or read the hard way', async () => {
    const variants: unknown[] = [
      baseRecord,
      { ...baseRecord, eventTime: '2026-03-04 05:00:00', eventID: '00000000-0000-4000-8000-00000000000A' },
      { ...baseRecord, eventTime: null, '@timestamp': '2026-03-04T05:00:01.123Z' },
      { ...baseRecord, eventTime: 1_772_600_000, readOnly: 'true' },
      { ...baseRecord, eventTime: '2026-13-04T05:00:00Z', readOnly: 'TRUE' },
      { ...baseRecord, eventTime: 'not a time', readOnly: 1, eventID: 'Mixed-Case-00000000-0000-4000-8000-0' },
      { ...baseRecord, eventID: '00000000-0000-4000-8000-00000000000a'.toUpperCase(), requestID: 'ABCDEF' },
      { ...baseRecord, eventID: '', requestID: 42, sharedEventID: 'shared-1' },
      { ...baseRecord, userIdentity: null, sourceIdentity: 'top-level-source' },
      { ...baseRecord, userIdentity: 'a string identity' },
      { ...baseRecord, userIdentity: [baseRecord.userIdentity] },
      { ...baseRecord, userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' } },
      { ...baseRecord, userIdentity: { type: 'AWSService' }, sourceIPAddress: 'lambda.amazonaws.com' },
      { ...baseRecord, userIdentity: { type: 'AWSService' }, sourceIPAddress: 'ssm.amazonaws.com' },
      { ...baseRecord, userIdentity: { type: 'AWSService', principalId: 'p' } },
      { ...baseRecord, userIdentity: { invokedBy: 'events.amazonaws.com' } },
      { ...baseRecord, userIdentity: { type: 'Root', accountId: 1234 }, recipientAccountId: '' },
      { ...baseRecord, recipientAccountId: null },
      { ...baseRecord, eventCategory: '', eventType: 5, awsRegion: true, eventSource: { not: 'a string' } },
      { ...baseRecord, errorCode: '', eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' },
      { ...baseRecord, eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Failure' } },
      { ...baseRecord, eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Success' }, errorMessage: 'x' },
      { ...baseRecord, eventName: 'AssumeRole', responseElements: { credentials: { accessKeyId: 'ASIAISSUED0000000001', sessionToken: 'x' } } },
      { ...baseRecord, responseElements: 'a string', resources: 'not a list' },
      { ...baseRecord, resources: [] },
      { ...baseRecord, resources: [{ ARN: 'arn:aws:s3:::a' }, { arn: 'arn:aws:s3:::b' }, { ARN: 'arn:aws:s3:::a' }, 'x', null, { ARN: '' }] },
      { ...baseRecord, userAgent: `${'long agent '.repeat(40)}1`, sourceIPAddress: 'ünïcödé ✓ 𝄞' },
      { ...baseRecord, userAgent: `${'long agent '.repeat(40)}2` },
      { ...baseRecord, userAgent: 'tab\there "quoted" \\ back\u0001slash', eventSource: 'ec2.amazonaws.com\u2028' },
      { ...baseRecord, eventName: '' },
      { ...baseRecord, eventName: 5 },
      { eventName: 'OnlyName' },
      { eventName: 'NameAndSource', eventSource: 's3.amazonaws.com' },
      { eventName: 'NameSourceTime', eventSource: 's3.amazonaws.com', eventTime: '2026-03-04T05:00:00Z' },
      { p_log_type: 'AWS.CloudTrail', eventName: 'PantherOnly' },
      { EventId: 'e1', EventName: 'FromLookup', CloudTrailEvent: JSON.stringify(baseRecord) },
      { message: JSON.stringify({ ...baseRecord, eventName: 'Wrapped' }) },
      { detail: { ...baseRecord, eventName: 'EventBridge' } },
      'a string record',
      42,
      null,
      [baseRecord],
      {},
      { ...baseRecord, eventName: 'Dup', eventName2: 1 },
      // CloudTrail Insights records (the generic path reads them): name, source and state from insightDetails.
      insightRecord('Start'),
      insightRecord('End'),
      insightRecord('Start', { eventCategory: undefined, sharedEventID: undefined }),
      insightRecord('Paused', { extra: { nested: [1, 2] } }, { insightType: ['ApiCallRateInsight', 'ApiErrorRateInsight'] }),
      insightRecord('End', { eventName: 'TopLevelName', eventSource: 'top.amazonaws.com' }),
      { ...insightRecord('Start'), insightDetails: 'not an object' },
      { ...baseRecord, eventType: 'AwsCloudTrailInsight' },
      { ...baseRecord, insightDetails: { state: 'Start', eventName: 'Inner' } },
      { ...baseRecord, insightDetails: null },
    ];
    // Identities longer than the sampled hash's head and tail, differing only in the middle.
    for (let n = 0; n < 5; n++) {
      variants.push({
        ...baseRecord,
        userIdentity: { ...baseRecord.userIdentity, accountId: '111122223333', padding: `${'x'.repeat(60)}${n}${'y'.repeat(60)}` },
      });
    }
    const text = trail(variants);
    // Duplicate keys, escaped keys and values, odd spacing: written by hand.
    const handWritten = `{ "Records" : [
      {"eventName":"First","eventName":"Second","eventSource":"a","awsRegion":"r","eventTime":"2026-03-04T05:00:00Z"},
      {"eventName":"EscapedInsightType","eventSource":"a","awsRegion":"r","eventTime":"2026-03-04T05:00:00Z","eventType":"AwsCloudTrail\\u0049nsight"},
      {"eventName":"EscapedOtherType","eventSource":"a","awsRegion":"r","eventTime":"2026-03-04T05:00:00Z","eventType":"AwsApi\\u0043all"},
      {"event\\u004eame":"EscapedKey","eventSource":"a","awsRegion":"r","eventTime":"2026-03-04T05:00:00Z"},
      {"eventName":"Esc\\u0061ped\\nValue","eventSource":"a\\/b","awsRegion":"r","eventTime":"2026-03-04T05:00:00\\u005a","eventID":"00000000-0000-4000-8000-00000000000\\u0031"},
      {"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","awsRegion":"r","eventTime":"2026-03-04T05:00:00Z","responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Bad \\"password\\""},
      { "eventName" : "Spaced" ,	"eventSource":"a" ,"awsRegion":"r"
        , "eventTime" : "2026-03-04T05:00:00Z" , "readOnly" : true , "resources" : [ ] , "userIdentity" : { } }
    ] }
    `;
    const files = [
      trailFile(text),
      trailFile(text, true),
      trailFile(handWritten),
      trailFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(trail([baseRecord]))])),
      trailFile(trail([])),
      trailFile('{"Records":[]}'),
    ];
    const taken = await bothWaysEqual(files);
    assert.equal(taken, files.length, 'the scanner read every one of these documents itself');
  });

  it('on invalid UTF-8 inside values', async () => {
    const json = Buffer.from(trail([{ ...baseRecord, userAgent: 'AGENT', sourceIPAddress: 'IP' }, { ...baseRecord, userAgent: 'AGENT' }]));
    const at = json.indexOf('AGENT');
    json[at + 1] = 0xff;
    json[json.indexOf('IP') + 1] = 0xc3;
    const taken = await bothWaysEqual([trailFile(json)]);
    assert.equal(taken, 1);
  });

  it('leaves every document it cannot validate to the generic path, having read nothing', async () => {
    const good = JSON.stringify(baseRecord);
    const documents = [
      `{"Records":[${good},]}`,
      `{"Records":[${good}]} trailing`,
      `{"Records":[${good}],"More":1}`,
      `{"Other":1,"Records":[${good}]}`,
      `{"Records":{"not":"an array"}}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":fals')}]}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":01')}]}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":-')}]}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":1.')}]}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":1e')}]}`,
      `{"Records":[${good.replace('aws-cli', 'aws\\qcli')}]}`,
      `{"Records":[${good.replace('aws-cli', 'aws\\u12G4cli')}]}`,
      `{"Records":[${good.replace('aws-cli', 'aws\u0001cli')}]}`,
      `{"Records":[${good.replace('"eventName"', '"event\u0001Name"')}]}`,
      `{"Records":[${good.replace('"readOnly":false', '"readOnly":false "x":1')}]}`,
      `{"Records":[${good}`,
      `{"Records":[{"eventName":"Deep","requestParameters":${'['.repeat(400)}${']'.repeat(400)},"eventSource":"a","awsRegion":"r"}]}`,
      `{"Records":[{"eventName":"Deep","requestParameters":${'['.repeat(100_000)}${']'.repeat(100_000)},"eventSource":"a","awsRegion":"r"}]}`,
    ];
    const files = documents.map((text) => trailFile(text));
    const taken = await bothWaysEqual(files);
    assert.equal(taken, 0);
  });

  it('leaves a document of very many tiny records to the generic path (its notes would outweigh them)', async () => {
    const tiny = JSON.stringify({ eventName: 'E', eventSource: 's', awsRegion: 'r' });
    const taken = await bothWaysEqual([trailFile(`{"Records":[${new Array(70_000).fill(tiny).join(',')}]}`)]);
    assert.equal(taken, 0);
  });

  // FUZZ_SEED and FUZZ_COUNT search further (12,000 documents over three seeds agreed).
  it('agrees with JSON.parse on hundreds of randomly damaged documents (seeded)', async () => {
    const next = random(Number(process.env.FUZZ_SEED ?? 7));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const bases = [
      Buffer.from(trail([baseRecord, { ...baseRecord, eventName: 'Two', resources: [{ ARN: 'arn:aws:s3:::b' }] }, { ...baseRecord, readOnly: true, eventTime: 1 }])),
      gunzipSync(fs.readFileSync(listFiles(path.join(REPO_ROOT, 'fixtures', 'sample-trail')).find((f) => /\/CloudTrail\/.*\.json\.gz$/.test(f))!)),
    ];
    const replacements = Buffer.from('"\\{}[],: \t0-+e.Etfnu1a\u0001\u007f', 'utf8');
    const files: string[] = [];
    for (let n = 0; n < Number(process.env.FUZZ_COUNT ?? 400); n++) {
      let bytes = Buffer.from(pick(bases));
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * bytes.length);
        const action = next();
        if (action < 0.5) bytes[at] = replacements[Math.floor(next() * replacements.length)];
        else if (action < 0.7) bytes[at] = Math.floor(next() * 256);
        else if (action < 0.85) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + 1 + Math.floor(next() * 8)), bytes.subarray(at)]);
      }
      files.push(trailFile(bytes));
    }
    const taken = await bothWaysEqual(files);
    assert.ok(taken > 50, `the scanner took ${taken} of the damaged documents (those that are still valid JSON)`);
  });

  // Objects seen before are jumped over after one compare (ValueMemo): only bytes equal to the
  // whole of a value validated before may be, so values alike up to and past their first
  // closing bracket, or damaged after it, are read (and rejected) as JSON.parse reads them.
  it('jumps over objects seen before only when every byte is the same (seeded)', async () => {
    const next = random(Number(process.env.FUZZ_SEED ?? 11));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const texts = ['a}b]c', 'q\\"}', '\\\\', '\\u00e9\\u007d', 'é€😀}', '\\/\\b\\f\\n\\r\\t', ']]}}', 'x'.repeat(90)];
    const pool: string[] = [];
    for (let n = 0; n < 12; n++) {
      const inner = `{"type":"Role","arn":"arn:aws:iam::111122223333:role/${pick(texts)}","userName":"${pick(texts)}"}`;
      pool.push(`{"type":"AssumedRole","principalId":"AROAEXAMPLE:${pick(texts)}","sessionContext":{"sessionIssuer":${inner},"attributes":{"mfaAuthenticated":"false"}},"accessKeyId":"ASIA${n}","accountId":"${pick(texts)}"}`);
      pool.push(`[{"ARN":"arn:aws:s3:::${pick(texts)}","type":"AWS::S3::Bucket"},{"ARN":"arn:${n}","accountId":"${pick(texts)}"}]`);
    }
    const damage = (value: string): string => {
      // A change after the first closing bracket: what the memo hashes stays the same.
      const from = value.indexOf(value[0] === '{' ? '}' : ']') + 1;
      const at = from + Math.floor(next() * (value.length - from));
      return value.slice(0, at) + pick(['"', '\\', '}', ']', 'x', ',', '1', ' ', '\u0001', '']) + value.slice(at + 1);
    };
    const files: string[] = [];
    for (let d = 0; d < 300; d++) {
      const records: string[] = [];
      for (let r = 1 + Math.floor(next() * 4); r > 0; r--) {
        const identity = pick(pool.filter((v) => v.startsWith('{')));
        const resources = pick(pool.filter((v) => v.startsWith('[')));
        const head = `{"eventName":"E${d}","eventSource":"s.amazonaws.com","awsRegion":"us-east-1","eventTime":"2026-03-04T05:00:0${r}Z","eventID":"id-${d}-${r}"`;
        const roll = next();
        const id = roll < 0.06 ? damage(identity) : identity;
        const res = roll > 0.94 ? damage(resources) : resources;
        records.push(`${head},"userIdentity":${id},"resources":${res},"tlsDetails":${identity}}`);
      }
      let text = `{"Records":[${records.join(',')}]}`;
      if (next() < 0.05) text = text.slice(0, text.lastIndexOf('"tlsDetails":') + 13 + Math.floor(next() * 40));
      files.push(trailFile(text));
    }
    const taken = await bothWaysEqual(files);
    assert.ok(taken > 100 && taken < 290, `the scanner took ${taken} of 300 documents (the rest are damaged)`);
  });

  // The scanner predicts each key from the one before it (KeyOrder), reads strings and compares
  // dictionary values four bytes at a time, hashes only the values it codes, and turns canonical
  // times into milliseconds itself: keys in shifting orders, keys alike to a byte (at every
  // length about a word's), escaped or spaced keys, more keys than it remembers, strings of every
  // length with escapes and multi-byte characters anywhere, and times in and out of range must
  // all read as JSON.parse and the normaliser read them.
  it('agrees with the generic path on records of shifting keys, word-sized strings and times (seeded)', async () => {
    const next = random(Number(process.env.FUZZ_SEED ?? 13));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const known = [
      'eventVersion', 'userIdentity', 'eventTime', '@timestamp', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
      'requestParameters', 'responseElements', 'requestID', 'eventID', 'readOnly', 'resources', 'eventType', 'managementEvent',
      'recipientAccountId', 'eventCategory', 'errorCode', 'errorMessage', 'sharedEventID', 'sourceIdentity', 'tlsDetails',
    ];
    const alike = (key: string): string[] => [
      key.slice(0, -1),
      `${key}x`,
      `${key.slice(0, -1)}${String.fromCharCode(key.charCodeAt(key.length - 1) + 1)}`,
      `${String.fromCharCode(key.charCodeAt(0) ^ 0x20)}${key.slice(1)}`,
      `${key}é`,
      'k'.repeat(key.length),
    ];
    const spelt = (key: string): string => {
      const roll = next();
      const text = JSON.stringify(key).slice(1, -1);
      // An escaped letter: the same key to JSON.parse, and the record goes the generic way.
      if (roll < 0.02 && key.length > 0) return `\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${text.slice(1)}`;
      return text;
    };
    const characters = ['a', 'Z', '0', '-', ' ', '/', '"', '\\', '\n', '\t', '\u0001', 'é', '€', '😀', '\u2028', '\ud800'];
    const text = (length: number): string => {
      let out = '';
      for (let n = 0; n < length; n++) out += next() < 0.85 ? pick(['a', 'b', 'c', 'x', '1', '.', ':']) : pick(characters);
      return out;
    };
    const digits = (count: number, max: number): string => String(Math.floor(next() * max)).padStart(count, '0');
    const time = (): unknown => {
      const roll = next();
      if (roll < 0.05) return pick([null, 1_772_600_000, '2026-03-04 05:00:00', 'not a time', '']);
      const year = roll < 0.1 ? digits(4, 200) : roll < 0.15 ? digits(4, 10_000) : `20${digits(2, 40)}`;
      const month = next() < 0.9 ? digits(2, 13) : digits(2, 100);
      const day = next() < 0.9 ? digits(2, 32) : digits(2, 100);
      const separator = next() < 0.97 ? 'T' : pick(['t', ' ', 'X']);
      return `${year}-${month}-${day}${separator}${digits(2, 25)}:${digits(2, 61)}:${digits(2, 62)}${next() < 0.97 ? 'Z' : pick(['z', '', '+01:00'])}`;
    };
    const value = (key: string): unknown => {
      if (key === 'eventTime' || key === '@timestamp') return time();
      if (key === 'userIdentity' && next() < 0.8) return { type: pick(['IAMUser', 'AssumedRole', 'AWSService']), principalId: text(Math.floor(next() * 20)), accountId: pick(['111122223333', '444455556666']), invokedBy: next() < 0.3 ? text(12) : undefined };
      if (key === 'resources' && next() < 0.7) return [{ ARN: `arn:aws:s3:::${text(Math.floor(next() * 9))}` }];
      if (key === 'readOnly') return pick([true, false, 'true', null]);
      const roll = next();
      if (roll < 0.75) return next() < 0.3 ? pick(['us-east-1', 'AwsApiCall', 'Management', 'ec2.amazonaws.com', '']) : text(Math.floor(next() * 41));
      if (roll < 0.85) return pick([0, -1.5e3, true, false, null]);
      return pick([{}, { a: text(5) }, [text(3), 1], { nested: { deeper: [text(7)] } }]);
    };
    const files: string[] = [];
    let cut = 0;
    let order = [...known];
    for (let d = 0; d < 160; d++) {
      const records: string[] = [];
      for (let r = 1 + Math.floor(next() * 24); r > 0; r--) {
        // Mostly the order of the record before, with a key moved, added or dropped now and then.
        const roll = next();
        if (roll < 0.1) order.splice(Math.floor(next() * order.length), 0, pick([...alike(pick(known)), `key${Math.floor(next() * 200)}`, 'x'.repeat(28 + Math.floor(next() * 8)), '']));
        else if (roll < 0.2 && order.length > 3) order.splice(Math.floor(next() * order.length), 1);
        else if (roll < 0.3) order.push(order.splice(Math.floor(next() * order.length), 1)[0]);
        else if (roll < 0.32) order = [...known];
        if (!order.includes('eventName')) order.push('eventName');
        const colon = () => (next() < 0.97 ? ':' : pick([' :', ': ', ' : ']));
        const comma = () => (next() < 0.97 ? ',' : pick([' ,', ', ', '\n,']));
        const fields = order.map((key) => `"${spelt(key)}"${colon()}${JSON.stringify(value(key)) ?? 'null'}`);
        records.push(`{${fields.map((field, i) => (i === 0 ? field : `${comma()}${field}`)).join('')}}`);
      }
      let document = `{"Records":[${records.join(',')}]}`;
      // Now and then cut short (anywhere, often inside a key): left to the generic path whole.
      if (next() < 0.05) {
        document = document.slice(0, Math.floor(next() * document.length));
        cut++;
      }
      files.push(trailFile(document));
    }
    const taken = await bothWaysEqual(files);
    assert.equal(taken, files.length - cut, 'the scanner took every document that is not cut short');
  });

  it('codes identities and resources right after its value memo starts afresh between documents', async () => {
    // Each identity and resources list about 600 bytes, all different: the memo (512 KB) fills
    // after some 800 of them and starts afresh with a later document. Documents then repeat
    // identities met before in other places, so that an entry of the new memo that still found
    // what was derived from the old one's entry of the same number would index the wrong principal.
    // The memo finds an object by its first and last bytes up to its first closing brace: the
    // issuer's name, last before it, tells these apart.
    const identity = (n: number) => ({
      ...baseRecord.userIdentity,
      principalId: `AROAEXAMPLE:user-${n}`,
      arn: `arn:aws:sts::111122223333:assumed-role/Role-${n}/user-${n}-${'x'.repeat(300)}`,
      accessKeyId: `ASIAEXAMPLE${String(n).padStart(9, '0')}`,
      sessionContext: { ...baseRecord.userIdentity.sessionContext, sessionIssuer: { ...baseRecord.userIdentity.sessionContext.sessionIssuer, arn: `arn:aws:iam::111122223333:role/Role-${n}`, userName: `Role-${n}` } },
    });
    const resources = (n: number) => [{ ARN: `arn:aws:s3:::bucket-${n}-${'y'.repeat(300)}`, accountId: '111122223333', type: 'AWS::S3::Bucket' }];
    const files: string[] = [];
    for (let d = 0; d < 36; d++) {
      const records = [];
      for (let r = 0; r < 40; r++) {
        // The first 24 documents meet new identities; the rest go back over them in another order.
        const n = d < 24 ? d * 40 + r : ((d - 24) * 40 + r) * 7 % 960;
        records.push({ ...baseRecord, eventID: `00000000-0000-4000-8000-${String(d * 40 + r).padStart(12, '0')}`, userIdentity: identity(n), resources: resources(n) });
      }
      files.push(trailFile(trail(records)));
    }
    assert.equal(await bothWaysEqual(files), files.length);
  });

  it('keeps its byte tables bounded when every value is new (tables start afresh)', async () => {
    const records = [];
    for (let n = 0; n < 20_000; n++) {
      records.push({ eventName: 'E', eventSource: 's', awsRegion: 'r', eventTime: '2026-03-04T05:00:00Z', userAgent: `${n}-${'agent '.repeat(80)}` });
    }
    const taken = await bothWaysEqual([trailFile(trail(records))]);
    assert.equal(taken, 1);
  });
});
