// CloudTrail Insights in the real host (issue 12 §7): a CloudTrail-Insight/ folder loads with
// nothing skipped; each Start/End pair is one group in the Events view and the Explorer (its
// records as children, opening the event) and one span on the timeline.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceSummary } from '../../../src/core/engine/api';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { TimelinePanel } from '../../../src/extension/timeline/timelinePanel';
import { activatedApi, ensureSampleLoaded, eventually, itemLabel, tooltipText } from './editor-helpers';
import { queryIndex } from '../../../src/core/query/query';

const INSIGHTS = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'insights');
const T = (hhmm: string): number => Date.parse(`2026-03-04T${hhmm}:00Z`);
const PAIR_LABEL = 'Insight: ApiCallRateInsight on ec2 RunInstances, 2026-03-04 05:06:00Z – 05:25:00Z';
const OPEN_LABEL = 'Insight: ApiErrorRateInsight on iam ListAttachedRolePolicies, from 2026-03-04 05:41:00Z, no End';

describe('CloudTrail Insights in the views (real host)', function () {
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;
  let summary: SourceSummary;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    api.services.filter.clear();
    api.services.filter.setTimeRange(undefined);
    const added = await api.services.addSource([INSIGHTS], 'insights');
    assert.ok(added);
    summary = added;
  });

  after(async () => {
    api.services.filter.clear();
    api.timeline.current?.dispose();
    if (summary) await api.services.removeSource(summary.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('loads the CloudTrail-Insight/ folder: 3 records, nothing skipped, found by category, event and service', () => {
    assert.deepEqual(summary.skipped, []);
    assert.equal(summary.events, 3);
    const index = api.services.investigation.index;
    assert.equal(queryIndex(index, 'category:Insight').length, 3);
    assert.equal(queryIndex(index, 'category:Insight AND event:RunInstances AND service:ec2.amazonaws.com').length, 2);
  });

  it('the Events view shows each Insight as one group with its records as children', async () => {
    api.services.filter.setExpression('category:Insight');
    const provider = api.events.provider;
    const index = api.services.investigation.index;
    const top = provider.getChildren();
    assert.deepEqual(
      top.map((n) => n.kind),
      ['insight', 'insight'],
    );
    const labels = top.map((n) => itemLabel(provider.getTreeItem(n)));
    // Newest first: the open Insight (05:41) before the pair (05:06–05:25).
    assert.deepEqual(labels, [OPEN_LABEL, PAIR_LABEL]);
    const pair = top[1];
    const item = provider.getTreeItem(pair);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match(tooltipText(item), /Shared event ID\*\*: aaaaaaaa\\-1111\\-4111/);
    const children = provider.getChildren(pair);
    assert.equal(children.length, 2);
    const ids = children.map((c) => (c.kind === 'event' ? index.value('eventId', c.eventId) : undefined));
    assert.deepEqual(ids, ['11111111-2222-4333-8444-000000000002', '11111111-2222-4333-8444-000000000001']);
    const child = provider.getTreeItem(children[1]);
    assert.equal(child.command?.command, 'cloudtrail.openEvent');
    // One day of events: the row shows the clock alone (the view's description names the day).
    assert.match(itemLabel(child), /^05:06:00 RunInstances$/);
    // Among the other events (no filter), the Insights are still one item each.
    api.services.filter.clear();
    const all = provider.getChildren();
    await vscode.commands.executeCommand('cloudtrail.events.loadMore');
    const everything = provider.getChildren();
    assert.ok(all.length > 0);
    assert.equal(everything.filter((n) => n.kind === 'insight').length, 2);
    assert.equal(everything.filter((n) => n.kind === 'event' && index.value('category', n.eventId) === 'Insight').length, 0);
  });

  it('the Explorer lists the filter’s Insights at the top, each with its Start and End records', async () => {
    api.services.filter.clear();
    const provider = api.explorer.provider;
    const [root] = provider.getChildren();
    assert.equal(root.kind, 'insights');
    assert.equal(itemLabel(provider.getTreeItem(root)), 'CloudTrail Insights');
    const insights = provider.getChildren(root);
    assert.deepEqual(
      insights.map((n) => itemLabel(provider.getTreeItem(n))),
      [PAIR_LABEL, OPEN_LABEL],
    );
    const records = provider.getChildren(insights[0]);
    assert.equal(records.length, 2);
    const items = records.map((r) => provider.getTreeItem(r));
    assert.deepEqual(
      items.map((i) => itemLabel(i)),
      ['Start  2026-03-04 05:06:00Z', 'End  2026-03-04 05:25:00Z'],
    );
    assert.equal(items[0].command?.command, 'cloudtrail.openEvent');
    assert.equal(provider.getParent(records[0]), insights[0]);
    assert.equal(provider.getParent(insights[0]), root);
    // A filter without Insights: no Insights node; the value nodes are unchanged.
    api.services.filter.setExpression('NOT category:Insight');
    assert.ok(provider.getChildren().every((n) => n.kind === 'value' || n.kind === 'loadMore'));
    api.services.filter.clear();
  });

  it('the timeline draws the pair as one span and the open Insight to the end of the range', async () => {
    api.services.filter.setExpression('category:Insight OR event:RunInstances');
    await vscode.commands.executeCommand('cloudtrail.timeline.open');
    const panel: TimelinePanel = await eventually(() => api.timeline.current, 'the timeline panel');
    await eventually(() => panel.session.isReady && panel.session.lastView, 'the webview’s first view');
    const seq = 2_000_000;
    await panel.receive({ type: 'requestView', seq, width: 800, laneField: 'eventSource', lanes: { offset: 0, limit: 60 } });
    const view = panel.session.lastView;
    assert.ok(view && view.seq === seq);
    const spans = view.groups.filter((g) => g.kind === 'insight');
    assert.deepEqual(
      spans.map((g) => [g.label, g.count, g.first, g.openEnd ?? false]),
      [
        [PAIR_LABEL, 2, T('05:06'), false],
        [OPEN_LABEL, 1, T('05:41'), true],
      ],
    );
    assert.equal(spans[0].last, T('05:25'));
    assert.equal(spans[1].last, view.end, 'the open Insight runs to the end of the range');
    const ec2 = view.lanes.find((l) => l.value === 'ec2.amazonaws.com');
    assert.ok(ec2 && spans[0].rank === ec2.rank);

    // In local time (cloudtrail.display.timeZone) the span's label follows, as every other time does.
    const display = vscode.workspace.getConfiguration('cloudtrail.display');
    await display.update('timeZone', 'local', vscode.ConfigurationTarget.Global);
    try {
      await eventually(() => api.services.display.zone === 'local', 'local time');
      await panel.receive({ type: 'requestView', seq: seq + 1, width: 800, laneField: 'eventSource', lanes: { offset: 0, limit: 60 } });
      const local = panel.session.lastView;
      assert.ok(local && local.seq === seq + 1);
      const pair = local.groups.find((g) => g.kind === 'insight' && g.count === 2);
      const expected = `Insight: ApiCallRateInsight on ec2 RunInstances, ${api.services.display.span(T('05:06'), T('05:25'))}`;
      assert.equal(pair?.label, expected);
      assert.match(expected, /[+-]\d\d:\d\d$/, 'local time names its offset');
    } finally {
      await display.update('timeZone', undefined, vscode.ConfigurationTarget.Global);
      await eventually(() => api.services.display.zone === 'utc', 'UTC again');
    }
  });
});
