import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { READ_MODES, fixture, names, readAll } from './helpers';

const THREE = ['CreateUser', 'CreateAccessKey', 'AttachUserPolicy'];
const THREE_IDS = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];

describe('sources: formats detected from content', () => {
  for (const mode of READ_MODES) {
    describe(mode.name, () => {
      const expectations: Array<{ file: string; format: string; events: unknown[] }> = [
        { file: 'trail.json', format: 'trail', events: THREE },
        { file: 'trail.json.gz', format: 'trail', events: THREE },
        { file: 'trail-multimember.json.gz', format: 'trail', events: THREE },
        { file: 'lookup-events.json', format: 'lookup', events: ['CreateUser', 'DeleteUser'] },
        { file: 'lookup-events-pages.json', format: 'lookup', events: THREE },
        { file: 'events.jsonl', format: 'jsonl', events: THREE },
        { file: 'cloudwatch-logs.jsonl', format: 'jsonl', events: THREE },
        { file: 'logstash.ndjson', format: 'jsonl', events: THREE },
        { file: 'panther-tests.ndjson', format: 'jsonl', events: THREE },
        { file: 'single-event.json', format: 'single', events: ['CreateUser'] },
        { file: 'array.json', format: 'array', events: THREE },
        { file: 'event-history-full.csv', format: 'csv', events: THREE },
        { file: 'event-history-columns.csv', format: 'csv', events: ['DeleteBucket', 'GetCallerIdentity'] },
      ];
      for (const { file, format, events } of expectations) {
        it(`${file} is ${format} with ${events.length} events`, async () => {
          const { result, events: read } = await readAll(fixture(file), mode.options);
          assert.equal(result.format, format);
          assert.deepEqual(names(read), events);
          assert.equal(result.records, events.length);
          const expectedProblems = file === 'lookup-events.json' ? 1 : 0;
          assert.equal(result.problems.length, expectedProblems, JSON.stringify(result.problems));
        });
      }

      it('reads every gzip member of a multi-member file (Node zlib does not stop after the first)', async () => {
        const compressed = fs.readFileSync(fixture('trail-multimember.json.gz'));
        const members = compressed.toString('latin1').split('\x1f\x8b\x08').length - 1;
        assert.ok(members >= 2, 'the fixture really has several members');
        const { events } = await readAll(fixture('trail-multimember.json.gz'), mode.options);
        assert.deepEqual(
          events.map((e) => e.eventID),
          THREE_IDS,
        );
        assert.deepEqual(events, JSON.parse(zlib.gunzipSync(compressed).toString()).Records);
      });

      it('digest files are recognised and give no events', async () => {
        const { result, events } = await readAll(fixture('digest.json'), mode.options);
        assert.equal(result.format, 'digest');
        assert.equal(events.length, 0);
        assert.deepEqual(result.problems, []);
      });

      it("a digest's signature sidecar (.signature.json) is integrity metadata, not a skipped file", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-sig-'));
        const sidecar = path.join(folder, 'x_CloudTrail-Digest_y.json.gz.signature.json');
        fs.writeFileSync(sidecar, JSON.stringify({ signature: 'ab12', signatureAlgorithm: 'SHA256withRSA' }));
        const { result, events } = await readAll(sidecar, mode.options).finally(() => fs.rmSync(folder, { recursive: true, force: true }));
        assert.equal(result.format, 'digest-signature');
        assert.equal(events.length, 0);
        assert.deepEqual(result.problems, []);
      });

      it('a JSON object with a signature among other keys is still not CloudTrail', async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-sig-'));
        const other = path.join(folder, 'other.json');
        fs.writeFileSync(other, JSON.stringify({ signature: 'ab12', owner: 'someone' }));
        const { result } = await readAll(other, mode.options).finally(() => fs.rmSync(folder, { recursive: true, force: true }));
        assert.equal(result.format, undefined);
        assert.equal(result.problems.length, 1);
      });

      it('a trail record is emitted exactly as written', async () => {
        const { events } = await readAll(fixture('trail.json'), mode.options);
        assert.deepEqual(events, JSON.parse(fs.readFileSync(fixture('trail.json'), 'utf8')).Records);
      });

      it('LookupEvents: the record is the parsed CloudTrailEvent string, or built from the item fields', async () => {
        const { events, result } = await readAll(fixture('lookup-events.json'), mode.options);
        const document = JSON.parse(fs.readFileSync(fixture('lookup-events.json'), 'utf8'));
        assert.deepEqual(events[0], JSON.parse(document.Events[0].CloudTrailEvent));
        assert.deepEqual(events[1], {
          eventID: '00000000-0000-4000-8000-000000000004',
          eventTime: '2024-03-04T10:04:00+00:00',
          eventName: 'DeleteUser',
          eventSource: 'iam.amazonaws.com',
          readOnly: false,
          userIdentity: { userName: 'alice', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
          resources: [{ type: 'AWS::IAM::User', name: 'bob' }],
        });
        assert.match(result.problems[0].reason, /1 record had no readable full event and was rebuilt/);
        assert.equal(normalizeEvent(events[1]).time, Date.UTC(2024, 2, 4, 10, 4));
      });

      it('CloudWatch Logs export: message as a JSON string or as an object', async () => {
        const { events } = await readAll(fixture('cloudwatch-logs.jsonl'), mode.options);
        assert.deepEqual(
          events.map((e) => e.eventID),
          THREE_IDS,
        );
        assert.equal(events[0].timestamp, undefined, 'the wrapper is not part of the record');
      });

      it('Logstash records keep @timestamp and no eventTime; the normaliser reads the time', async () => {
        const { events } = await readAll(fixture('logstash.ndjson'), mode.options);
        assert.equal(events[0].eventTime, undefined);
        assert.equal(events[0]['@timestamp'], '2024-03-01T10:01:00.000Z');
        assert.equal(normalizeEvent(events[0]).time, Date.UTC(2024, 2, 1, 10, 1));
      });

      it('Panther test lines: the record is `event`', async () => {
        const { events } = await readAll(fixture('panther-tests.ndjson'), mode.options);
        assert.equal(events[0].rule_id, undefined);
        assert.equal(events[0].eventID, THREE_IDS[0]);
      });

      it('CSV with the CloudTrail event column: BOM, CRLF, quoted commas and newlines, doubled quotes', async () => {
        const { events } = await readAll(fixture('event-history-full.csv'), mode.options);
        assert.equal(events[2].eventName, 'AttachUserPolicy');
        assert.deepEqual(events[2].requestParameters, {
          policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
          note: 'line one\nline two, "quoted"',
        });
        assert.deepEqual((events[0].requestParameters as Record<string, unknown>).note, 'quote " and, comma');
      });

      it('CSV without the full event: the record is built from the columns', async () => {
        const { events } = await readAll(fixture('event-history-columns.csv'), mode.options);
        assert.deepEqual(events[0], {
          eventID: '00000000-0000-4000-8000-000000000005',
          eventTime: '2024-03-05T10:05:00Z',
          eventName: 'DeleteBucket',
          eventSource: 's3.amazonaws.com',
          awsRegion: 'eu-west-1',
          sourceIPAddress: '192.0.2.55',
          errorCode: 'AccessDenied',
          readOnly: false,
          userIdentity: { userName: 'alice', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
          resources: [{ type: 'AWS::S3::Bucket', name: 'example-bucket' }],
        });
        assert.deepEqual(events[1].userIdentity, { userName: 'role/Admin, "ops"' });
        assert.equal(events[1].readOnly, true);
        assert.equal(events[1].resources, undefined);
        const normalized = normalizeEvent(events[0]);
        assert.equal(normalized.errorCode, 'AccessDenied');
        assert.equal(normalized.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
      });
    });
  }

  it('small files are parsed whole (ordinal locations); the streaming readers give byte ranges of the record text', async () => {
    const whole = await readAll(fixture('trail.json'));
    assert.deepEqual(
      whole.locations,
      THREE.map((_, i) => ({ offset: i, length: 0 })),
    );
    const streamed = await readAll(fixture('trail.json'), { wholeDocumentLimit: 0 });
    const text = fs.readFileSync(fixture('trail.json'));
    for (let i = 0; i < 3; i++) {
      const { offset, length } = streamed.locations[i];
      assert.deepEqual(JSON.parse(text.subarray(offset, offset + length).toString()), streamed.events[i]);
    }
  });

  it('EventBridge (`detail`) and Elasticsearch (`_source`) wrappers give the event inside', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-wrappers-'));
    try {
      const trail = JSON.parse(fs.readFileSync(fixture('trail.json'), 'utf8')).Records;
      const file = path.join(dir, 'wrapped');
      fs.writeFileSync(
        file,
        [
          JSON.stringify({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iam', detail: trail[0] }),
          JSON.stringify({ _index: 'cloudtrail', _id: 'x', _source: trail[1] }),
        ].join('\n'),
      );
      for (const mode of READ_MODES) {
        const { result, events } = await readAll(file, mode.options);
        assert.equal(result.format, 'jsonl');
        assert.deepEqual(events, [trail[0], trail[1]]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detection looks at content, not the file name', async () => {
    const { result } = await readAll(fixture('package.json.txt'));
    assert.equal(result.format, undefined);
    const csvNamedJson = await readAll(fixture('event-history-columns.csv'));
    assert.equal(csvNamedJson.result.format, 'csv');
  });
});
