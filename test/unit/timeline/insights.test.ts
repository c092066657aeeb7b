// CloudTrail Insights on the timeline (issue 12 §7): each Start/End pair is one span in its
// lane, whatever the noise setting; a Start without End runs to the end of the range.
import * as assert from 'node:assert/strict';
import { indexOf, record } from '../engine/helpers';
import { JsonObject } from '../../../src/core/model/event';
import { TimelineSession } from '../../../src/core/timeline/session';
import { EventIndex } from '../../../src/core/index/event-index';
import { DEFAULT_STATE, ViewMessage } from '../../../src/shared/timeline-protocol';
import { cellSum, testPort } from './helpers';
import { formatDisplaySpan, formatDisplayTime } from '../../../src/core/model/display';

const T = (hhmm: string): number => Date.parse(`2026-03-04T${hhmm}:00Z`);

function insight(eventID: string, shared: string, hhmm: string, state: string, name: string): JsonObject {
  return {
    eventVersion: '1.08',
    eventTime: new Date(T(hhmm)).toISOString().replace('.000', ''),
    awsRegion: 'us-east-1',
    eventID,
    eventType: 'AwsCloudTrailInsight',
    recipientAccountId: '111122223333',
    sharedEventID: shared,
    insightDetails: { state, eventSource: 'ec2.amazonaws.com', eventName: name, insightType: 'ApiCallRateInsight', insightContext: {} },
    eventCategory: 'Insight',
  };
}

function events(): JsonObject[] {
  return [
    record({ eventTime: '2026-03-04T05:00:00Z', eventName: 'RunInstances', readOnly: false }),
    record({ eventTime: '2026-03-04T05:10:00Z', eventName: 'RunInstances', readOnly: false }),
    record({ eventTime: '2026-03-04T06:00:00Z' }),
    insight('i-start', 'A', '05:06', 'Start', 'RunInstances'),
    insight('i-end', 'A', '05:25', 'End', 'RunInstances'),
    insight('j-start', 'B', '05:41', 'Start', 'TerminateInstances'),
  ];
}

function session(index: EventIndex, collapse: boolean): TimelineSession {
  return new TimelineSession(testPort(index, () => collapse), { ...DEFAULT_STATE });
}

const request = { seq: 1, width: 400, laneField: 'eventSource' as const, lanes: { offset: 0, limit: 40 } };

describe('timeline: CloudTrail Insights as spans', () => {
  for (const collapse of [false, true]) {
    it(`draws each Start/End pair as one span in its lane, an open Start to the range's end (noise collapsing ${collapse ? 'on' : 'off'})`, () => {
      const index = indexOf(events());
      const view: ViewMessage = session(index, collapse).view(request);
      assert.equal(view.collapseNoise, collapse);
      assert.equal(view.events, 6);
      const insights = view.groups.filter((g) => g.kind === 'insight');
      assert.equal(insights.length, 2);
      assert.deepEqual(
        insights.map((g) => g.legend),
        ['insight', 'insight'],
      );
      const [pair, open] = insights;
      assert.equal(pair.count, 2);
      assert.equal(pair.first, T('05:06'));
      assert.equal(pair.last, T('05:25'));
      assert.equal(pair.label, 'Insight: ApiCallRateInsight on ec2 RunInstances, 2026-03-04 05:06:00Z – 05:25:00Z');
      assert.equal(pair.expanded, false);
      assert.equal(pair.openEnd, undefined);
      assert.equal(open.count, 1);
      assert.equal(open.first, T('05:41'));
      assert.equal(open.last, T('06:00'), 'an Insight without End runs to the end of the range');
      assert.equal(open.openEnd, true);
      // Both spans sit in the ec2 lane with the calls; collapsed, their records leave its cells.
      const lane = view.lanes.find((l) => l.value === 'ec2.amazonaws.com')!;
      assert.equal(pair.rank, lane.rank);
      assert.equal(lane.total, 6);
      assert.equal(lane.collapsed, 3);
      assert.equal(cellSum(lane), 3);
    });
  }

  it('expanded, the span becomes a bracket over its two records, which are drawn again', () => {
    const index = indexOf(events());
    const s = session(index, false);
    const first = s.view(request);
    const pair = first.groups.find((g) => g.kind === 'insight' && g.count === 2)!;
    const view = s.view({ ...request, expanded: [pair.id] });
    const again = view.groups.find((g) => g.id === pair.id)!;
    assert.equal(again.expanded, true);
    const lane = view.lanes.find((l) => l.value === 'ec2.amazonaws.com')!;
    assert.equal(lane.collapsed, 1, 'only the open Insight stays collapsed');
    assert.equal(cellSum(lane), 5);
  });

  it('in another grouping (principal), the pair still shares one lane', () => {
    const index = indexOf(events());
    const view = session(index, false).view({ ...request, laneField: 'principal' });
    const insights = view.groups.filter((g) => g.kind === 'insight');
    assert.deepEqual(
      insights.map((g) => g.count),
      [2, 1],
    );
    assert.equal(insights[0].rank, insights[1].rank);
  });

  it('many Insights over many lanes: every record in exactly one span of its own lane', () => {
    const records: JsonObject[] = [];
    for (let i = 0; i < 300; i++) {
      const source = `svc${i % 7}.amazonaws.com`;
      const start = insight(`s${i}`, `pair-${i}`, '05:00', 'Start', `Api${i}`);
      const end = insight(`e${i}`, `pair-${i}`, '05:30', 'End', `Api${i}`);
      for (const r of [start, end]) (r.insightDetails as JsonObject).eventSource = source;
      records.push(start, ...(i % 5 === 0 ? [] : [end]));
      records.push(record({ eventTime: '2026-03-04T05:10:00Z', eventSource: source, eventID: `call-${i}` }));
    }
    const index = indexOf(records);
    const view = session(index, false).view({ ...request, width: 200 });
    const spans = view.groups.filter((g) => g.kind === 'insight');
    assert.equal(spans.length, 300);
    assert.equal(spans.reduce((sum, g) => sum + g.count, 0), 300 + 240);
    assert.equal(spans.filter((g) => g.openEnd).length, 60);
    for (const lane of view.lanes) {
      const mine = spans.filter((g) => g.rank === lane.rank);
      assert.ok(mine.every((g) => g.label.includes(`on ${lane.value.replace('.amazonaws.com', '')} `)), lane.value);
      assert.equal(cellSum(lane), lane.total - (lane.collapsed ?? 0));
    }
  });

  it("labels an Insight's span in the display zone (cloudtrail.display.timeZone), following a change of it", () => {
    const index = indexOf(events());
    let zone: 'utc' | 'local' = 'local';
    const s = new TimelineSession({ ...testPort(index, () => false), timeZone: () => zone }, { ...DEFAULT_STATE });
    const label = (view: ViewMessage): string => view.groups.find((g) => g.kind === 'insight' && g.count === 2)!.label;
    // The host's own local zone (what the extension host formats every other time in), offset named.
    const local = formatDisplaySpan(T('05:06'), T('05:25'), { zone: 'local' });
    assert.match(local, /[+-]\d\d:\d\d$/);
    assert.equal(label(s.view(request)), `Insight: ApiCallRateInsight on ec2 RunInstances, ${local}`);
    zone = 'utc';
    assert.equal(label(s.view({ ...request, seq: 2 })), 'Insight: ApiCallRateInsight on ec2 RunInstances, 2026-03-04 05:06:00Z – 05:25:00Z');
    zone = 'local';
    const open = s.view({ ...request, seq: 3 }).groups.find((g) => g.kind === 'insight' && g.openEnd)!;
    assert.equal(open.label, `Insight: ApiCallRateInsight on ec2 TerminateInstances, from ${formatDisplayTime(T('05:41'), { zone: 'local' })}, no End`);
  });

  it('an index without Insights and collapsing off has no groups at all (as before)', () => {
    const index = indexOf(events().slice(0, 3));
    const view = session(index, false).view(request);
    assert.deepEqual(view.groups, []);
    assert.equal(view.collapseNoise, false);
  });
});
