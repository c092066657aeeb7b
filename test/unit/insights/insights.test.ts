/**
 * Issue 12 §7: Insights records are indexed (category, name and source from insightDetails),
 * found by the filter language, paired Start/End into spans, and no longer skipped.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Investigation } from '../../../src/core/engine/investigation';
import { insightLabel, insightSpans } from '../../../src/core/insights/pairs';
import { JsonObject } from '../../../src/core/model/event';
import { indexOf } from '../engine/helpers';
import { runCli } from '../run-cli';
import { queryIndex } from '../../../src/core/query/query';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures');
const INSIGHTS = path.join(FIXTURES, 'insights');
const SAMPLE = path.join(FIXTURES, 'sample-trail');

function insight(eventID: string, shared: string | undefined, time: string, state: string | undefined, name = 'RunInstances'): JsonObject {
  return {
    eventVersion: '1.08',
    eventTime: time,
    awsRegion: 'us-east-1',
    eventID,
    eventType: 'AwsCloudTrailInsight',
    recipientAccountId: '111122223333',
    ...(shared !== undefined ? { sharedEventID: shared } : {}),
    insightDetails: { ...(state !== undefined ? { state } : {}), eventSource: 'ec2.amazonaws.com', eventName: name, insightType: 'ApiCallRateInsight', insightContext: {} },
    eventCategory: 'Insight',
  };
}

const T = (hhmm: string): number => Date.parse(`2026-03-04T${hhmm}:00Z`);

describe('CloudTrail Insights in the index', function () {
  this.timeout(60_000);

  it('loads a CloudTrail-Insight/ folder: every record indexed, nothing skipped, the digest counted as one', async () => {
    const { investigation, summary } = await Investigation.open([INSIGHTS], { workers: 0 });
    assert.deepEqual(summary.skipped, []);
    assert.equal(summary.events, 3);
    assert.equal(summary.files, 2);
    assert.equal(summary.digests, 1);
    const index = investigation.index;
    assert.equal(queryIndex(index, 'category:Insight').length, 3);
    assert.equal(queryIndex(index, 'eventType:AwsCloudTrailInsight').length, 3);
    assert.equal(queryIndex(index, 'event:RunInstances').length, 2);
    assert.equal(queryIndex(index, 'service:ec2.amazonaws.com').length, 2);
    assert.equal(queryIndex(index, 'service:iam.amazonaws.com AND event:ListAttachedRolePolicies').length, 1);
    assert.equal(queryIndex(index, 'category:Insight AND region:us-east-1 AND account:111122223333').length, 3);
    assert.equal(queryIndex(index, 'sharedEventId:aaaaaaaa-1111-4111-8111-000000000001').length, 2);
    const raw = await index.raw(queryIndex(index, 'event:RunInstances')[0]);
    assert.equal(raw.eventType, 'AwsCloudTrailInsight');
  });

  it('with a worker pool, the same', async () => {
    const { investigation, summary } = await Investigation.open([INSIGHTS], { workers: 1 });
    assert.deepEqual(summary.skipped, []);
    assert.equal(queryIndex(investigation.index, 'category:Insight').length, 3);
    assert.equal(insightSpans(investigation.index).length, 2);
  });

  it('loaded beside an ordinary trail: API calls and Insights side by side', async () => {
    const { investigation, summary } = await Investigation.open([SAMPLE, INSIGHTS], { workers: 0 });
    assert.deepEqual(summary.skipped, []);
    const index = investigation.index;
    assert.equal(queryIndex(index, 'category:Insight').length, 3);
    assert.equal(queryIndex(index, 'NOT category:Insight').length, 345);
    assert.ok(queryIndex(index, 'event:RunInstances').length > 2, 'the Insights and the RunInstances calls they are about');
  });

  it('pairs Start and End into one span; a Start without End is open', async () => {
    const { investigation } = await Investigation.open([INSIGHTS], { workers: 0 });
    const index = investigation.index;
    const spans = insightSpans(index);
    assert.equal(spans.length, 2);
    const [pair, open] = spans;
    assert.equal(pair.ids.length, 2);
    assert.equal(index.row(pair.start!).eventId, '11111111-2222-4333-8444-000000000001');
    assert.equal(index.row(pair.end!).eventId, '11111111-2222-4333-8444-000000000002');
    assert.equal(pair.first, T('05:06'));
    assert.equal(pair.last, T('05:25'));
    assert.equal(pair.insightType, 'ApiCallRateInsight');
    assert.equal(insightLabel(pair), 'Insight: ApiCallRateInsight on ec2 RunInstances, 2026-03-04 05:06:00Z – 05:25:00Z');
    assert.equal(open.ids.length, 1);
    assert.equal(open.end, undefined);
    assert.ok(Number.isNaN(open.last));
    assert.equal(open.first, T('05:41'));
    assert.equal(insightLabel(open), 'Insight: ApiErrorRateInsight on iam ListAttachedRolePolicies, from 2026-03-04 05:41:00Z, no End');
    // Within a selection: only its Insights records.
    const onlyEnd = insightSpans(index, [pair.end!]);
    assert.equal(onlyEnd.length, 1);
    assert.equal(onlyEnd[0].start, undefined);
    assert.ok(Number.isNaN(onlyEnd[0].first));
    assert.match(insightLabel(onlyEnd[0]), /until 2026-03-04 05:25:00Z, no Start$/);
    assert.deepEqual(insightSpans(index, []), []);
  });

  it('pairs by sharedEventID whatever the order, state case or interleaving, and keeps every record once', () => {
    const index = indexOf([
      insight('b-end', 'B', '2026-03-04T06:30:00Z', 'End', 'PutObject'),
      insight('a-start', 'A', '2026-03-04T05:00:00Z', 'Start'),
      insight('b-start', 'B', '2026-03-04T05:10:00Z', 'start', 'PutObject'),
      insight('a-end', 'A', '2026-03-04T05:20:00Z', 'End'),
      insight('lonely', undefined, '2026-03-04T07:00:00Z', 'Start'),
      insight('odd', 'C', '2026-03-04T08:00:00Z', 'Paused'),
      insight('stateless', 'D', '2026-03-04T09:00:00Z', undefined),
      { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', eventTime: '2026-03-04T05:05:00Z', eventID: 'call', awsRegion: 'us-east-1' },
    ]);
    const spans = insightSpans(index);
    const byId = (span: { ids: number[] }) => span.ids.map((id) => index.value('eventId', id));
    assert.deepEqual(spans.map(byId), [['a-start', 'a-end'], ['b-start', 'b-end'], ['lonely'], ['odd'], ['stateless']]);
    assert.deepEqual([spans[0].first, spans[0].last], [T('05:00'), T('05:20')]);
    assert.deepEqual([spans[1].first, spans[1].last], [T('05:10'), T('06:30')]);
    assert.ok(Number.isNaN(spans[2].last));
    // No Start and no End: a point at its time.
    assert.deepEqual([spans[3].first, spans[3].last], [T('08:00'), T('08:00')]);
    assert.equal(queryIndex(index, 'category:Insight').length, 7);
    assert.equal(queryIndex(index, 'category:Management').length, 1);
  });

  it('ctinv stats no longer reports Insights or CloudWatch Logs outputs as not CloudTrail', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-insights-cli-'));
    try {
      fs.cpSync(INSIGHTS, path.join(dir, 'bucket'), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, 'formats', 'filter-log-events.json'), path.join(dir, 'filter.json'));
      fs.writeFileSync(path.join(dir, 'get.json.gz'), zlib.gzipSync(fs.readFileSync(path.join(FIXTURES, 'formats', 'get-log-events.json'))));
      const { code, stdout } = await runCli(['stats', dir, '--json', '--no-cache', '--workers', '1']);
      assert.equal(code, 0);
      const stats = JSON.parse(stdout);
      assert.deepEqual(stats.skipped, []);
      // 3 Insights records, and the same 3 API calls in both log outputs (counted once).
      assert.equal(stats.events, 6);
      const query = await runCli(['query', dir, '--where', 'category:Insight AND service:ec2.amazonaws.com', '--format', 'ndjson', '--no-cache', '--workers', '1']);
      assert.equal(query.code, 0);
      const lines = query.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonObject);
      assert.deepEqual(lines.map((l) => (l.insightDetails as JsonObject).state).sort(), ['End', 'Start']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
