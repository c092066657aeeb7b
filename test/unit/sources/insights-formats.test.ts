/**
 * Issue 12 §7: CloudTrail Insights records (a trail's CloudTrail-Insight/ files) and the
 * CloudWatch Logs API outputs (`aws logs filter-log-events` / `get-log-events` on a trail's
 * log group) are CloudTrail evidence, read like any other, never "not CloudTrail".
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { parseTrailKeyLayout } from '../../../src/core/sources/layout';
import { READ_MODES, REPO_ROOT, fixture, names, readAll } from './helpers';

const INSIGHT_DAY = path.join(REPO_ROOT, 'fixtures', 'insights', 'AWSLogs', '111122223333', 'CloudTrail-Insight', 'us-east-1', '2026', '03', '04');
const PAIR_FILE = path.join(INSIGHT_DAY, '111122223333_CloudTrail-Insight_us-east-1_20260304T0530Z_INSIGHTPAIR00001.json.gz');
const OPEN_FILE = path.join(INSIGHT_DAY, '111122223333_CloudTrail-Insight_us-east-1_20260304T0545Z_INSIGHTOPEN00002.json.gz');
const THREE = ['CreateUser', 'CreateAccessKey', 'AttachUserPolicy'];

function records(file: string): unknown[] {
  return (JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as { Records: unknown[] }).Records;
}

/** A minimal, well-formed Insights record with `extra` merged into it (and into insightDetails). */
function insightRecord(state: string, extra: Record<string, unknown> = {}, details: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: '2026-03-04T05:06:00Z',
    awsRegion: 'eu-west-1',
    eventID: `e-${state}-${Object.keys(extra).length}-${Object.keys(details).length}`,
    eventType: 'AwsCloudTrailInsight',
    recipientAccountId: '111122223333',
    sharedEventID: 'shared-1',
    insightDetails: { state, eventSource: 's3.amazonaws.com', eventName: 'PutObject', insightType: 'ApiErrorRateInsight', insightContext: { statistics: {} }, ...details },
    eventCategory: 'Insight',
    ...extra,
  };
}

describe('sources: CloudTrail Insights and CloudWatch Logs API outputs', () => {
  let scratch: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-insights-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  function write(name: string, content: string | Buffer, gzip = false): string {
    const file = path.join(scratch, gzip ? `${name}.gz` : name);
    fs.writeFileSync(file, gzip ? zlib.gzipSync(content) : content);
    return file;
  }

  for (const mode of READ_MODES) {
    describe(mode.name, () => {
      it('reads a CloudTrail-Insight/ file (a Start and End pair) as a trail, records unchanged, no problem', async () => {
        const { result, events } = await readAll(PAIR_FILE, mode.options);
        assert.deepEqual(result.problems, []);
        assert.equal(result.format, 'trail');
        assert.equal(result.records, 2);
        assert.deepEqual(events, records(PAIR_FILE));
      });

      it('reads an Insight that has not ended yet (a Start alone)', async () => {
        const { result, events } = await readAll(OPEN_FILE, mode.options);
        assert.deepEqual(result.problems, []);
        assert.equal(result.format, 'trail');
        assert.deepEqual(events, records(OPEN_FILE));
      });

      it('reads arbitrary well-formed Insights records: any state, no End, extra fields, no eventCategory, .json and .json.gz', async () => {
        const variants = [
          insightRecord('Start'),
          insightRecord('End', { addendum: { reason: 'DELIVERY_DELAY' } }, { insightContext: { attributions: [] }, extraDetail: [1, 2] }),
          insightRecord('Paused', { somethingNew: { nested: true } }),
          insightRecord('Start', { eventCategory: undefined }),
          insightRecord('End', {}, { eventName: undefined, eventSource: undefined }),
          insightRecord('Start', { sharedEventID: undefined }),
        ].map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
        for (const gzip of [false, true]) {
          const file = write(`insight-variants-${mode.name.replace(/\W/g, '')}.json`, JSON.stringify({ Records: variants }), gzip);
          const { result, events } = await readAll(file, mode.options);
          assert.deepEqual(result.problems, [], `${path.basename(file)}`);
          assert.equal(result.format, 'trail');
          assert.deepEqual(events, variants);
        }
      });

      it('a file mixing Insights records and API calls keeps both', async () => {
        const call = { eventVersion: '1.09', eventTime: '2026-03-04T05:00:00Z', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: 'us-east-1', eventID: 'call-1', userIdentity: { type: 'Root' } };
        const file = write(`mixed-${mode.name.replace(/\W/g, '')}.json`, JSON.stringify({ Records: [call, ...records(PAIR_FILE)] }));
        const { result, events } = await readAll(file, mode.options);
        assert.deepEqual(result.problems, []);
        assert.equal(events.length, 3);
      });

      for (const name of ['filter-log-events.json', 'get-log-events.json']) {
        for (const gzip of [false, true]) {
          it(`reads \`aws logs ${name.replace('.json', '')}\` output${gzip ? ' (gzipped)' : ''}: every message is an event`, async () => {
            const file = gzip ? write(`${name}`, fs.readFileSync(fixture(name)), true) : fixture(name);
            const { result, events } = await readAll(file, mode.options);
            assert.deepEqual(result.problems, []);
            assert.equal(result.format, 'logs');
            assert.deepEqual(names(events), THREE);
            const expected = (JSON.parse(fs.readFileSync(fixture(name), 'utf8')) as { events: Array<{ message: string }> }).events.map((e) => JSON.parse(e.message));
            assert.deepEqual(events, expected);
          });
        }
      }

      it('reads Insights records delivered to a log group (get-log-events, gzipped)', async () => {
        const { result, events } = await readAll(fixture('get-log-events-insights.json.gz'), mode.options);
        assert.deepEqual(result.problems, []);
        assert.equal(result.format, 'logs');
        assert.deepEqual(
          events.map((e) => e.eventType),
          ['AwsCloudTrailInsight', 'AwsCloudTrailInsight', 'AwsCloudTrailInsight'],
        );
      });

      it('a log-events output whose messages are not CloudTrail is still reported as not CloudTrail', async () => {
        const file = write(`logs-not-cloudtrail-${mode.name.replace(/\W/g, '')}.json`, JSON.stringify({ events: [{ timestamp: 1, message: 'START RequestId: 1 Version: $LATEST' }], nextForwardToken: 'f/1' }));
        const { result, events } = await readAll(file, mode.options);
        assert.equal(events.length, 0);
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0].reason, /^not CloudTrail: /);
      });

      it('the digest beside an Insights trail is integrity metadata, never events', async () => {
        const digestDay = INSIGHT_DAY.replace('CloudTrail-Insight', 'CloudTrail-Digest');
        const [digest] = fs.readdirSync(digestDay).map((n) => path.join(digestDay, n));
        const { result, events } = await readAll(digest, mode.options);
        assert.equal(result.format, 'digest');
        assert.equal(events.length, 0);
        assert.deepEqual(result.problems, []);
      });
    });
  }

  it('a record that only claims to be an Insight (no insightDetails, no name) is not taken for one', async () => {
    const file = write('fake-insight.json', JSON.stringify({ Records: [{ eventType: 'AwsCloudTrailInsight', foo: 1 }] }));
    const { result, events } = await readAll(file);
    assert.equal(events.length, 0);
    assert.match(result.problems[0]?.reason ?? '', /not CloudTrail/);
  });

  it('the CloudTrail-Insight/ key layout is parsed (account, region, date), not as a digest', () => {
    const layout = parseTrailKeyLayout(PAIR_FILE);
    assert.deepEqual(layout, { account: '111122223333', region: 'us-east-1', date: '2026-03-04', digest: false, insight: true });
    const digest = parseTrailKeyLayout(PAIR_FILE.replace(/CloudTrail-Insight/g, 'CloudTrail-Digest'));
    assert.equal(digest?.digest, true);
    assert.equal(digest?.insight, undefined);
  });

  it('normalises an Insights record: name and source from insightDetails, category Insight, state and shared id', () => {
    const [start, end] = records(PAIR_FILE) as Array<Record<string, unknown>>;
    const s = normalizeEvent(start);
    assert.equal(s.eventName, 'RunInstances');
    assert.equal(s.eventSource, 'ec2.amazonaws.com');
    assert.equal(s.eventCategory, 'Insight');
    assert.equal(s.eventType, 'AwsCloudTrailInsight');
    assert.equal(s.region, 'us-east-1');
    assert.equal(s.account, '111122223333');
    assert.equal(s.insightState, 'Start');
    assert.equal(s.insightType, 'ApiCallRateInsight');
    assert.equal(s.sharedEventId, 'aaaaaaaa-1111-4111-8111-000000000001');
    assert.equal(s.time, Date.parse('2026-03-04T05:06:00Z'));
    const e = normalizeEvent(end);
    assert.equal(e.insightState, 'End');
    assert.equal(e.sharedEventId, s.sharedEventId);
    // An Insights record of before eventCategory existed is still an Insight.
    const old = normalizeEvent({ ...start, eventCategory: undefined });
    assert.equal(old.eventCategory, 'Insight');
    // Attacker-shaped insightDetails: nothing but strings is taken.
    const odd = normalizeEvent({ ...start, insightDetails: { state: 5, eventName: { x: 1 }, insightType: ['ApiCallRateInsight', 'ApiErrorRateInsight'] } });
    assert.equal(odd.eventName, undefined);
    assert.equal(odd.insightState, '5');
    assert.equal(odd.insightType, 'ApiCallRateInsight, ApiErrorRateInsight');
    // An ordinary event carries no Insight facts.
    const call = normalizeEvent({ eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', eventTime: '2026-03-04T05:00:00Z', insightDetails: 'not an object' });
    assert.equal(call.insightState, undefined);
    assert.equal(call.eventCategory, 'Management');
  });
});
