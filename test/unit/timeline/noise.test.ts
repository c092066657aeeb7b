// Noise groups on the timeline (issue 7): AWS-service events and console bursts collapse into
// one span per lane; their events leave the cells, hover and keyboard navigation until the
// webview asks for the group expanded.
import * as assert from 'node:assert/strict';
import { indexOf, record } from '../engine/helpers';
import { JsonObject } from '../../../src/core/model/event';
import { TimelineSession } from '../../../src/core/timeline/session';
import { EventIndex } from '../../../src/core/index/event-index';
import { DEFAULT_STATE, HostToWebview, ViewMessage, parseState, parseWebviewMessage } from '../../../src/shared/timeline-protocol';
import { cellSum, testPort } from './helpers';

const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0';
const BOB = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', accountId: '111122223333', accessKeyId: 'ASIABOBCONSOLE', userName: 'bob' };
const CONFIG = { type: 'AWSService', invokedBy: 'config.amazonaws.com' };

function events(): JsonObject[] {
  const out: JsonObject[] = [];
  // alice: ordinary CLI calls, never grouped.
  for (let i = 0; i < 5; i++) out.push(record({ eventTime: at(i * 60_000) }));
  // AWS Config: four calls a minute or so apart (one group).
  for (let i = 0; i < 4; i++) out.push(record({ eventTime: at(10 * 60_000 + i * 30_000), userIdentity: CONFIG, userAgent: 'config.amazonaws.com', sourceIPAddress: 'config.amazonaws.com' }));
  // bob: one console page load (three calls within two seconds), and a CLI call in between.
  for (let i = 0; i < 3; i++) out.push(record({ eventTime: at(20 * 60_000 + i * 1000), userIdentity: BOB, userAgent: BROWSER, eventName: `Describe${i}` }));
  out.push(record({ eventTime: at(20 * 60_000 + 1500), userIdentity: BOB, userAgent: 'aws-cli/2.15.0', eventName: 'CreateAccessKey', readOnly: false }));
  return out;
}

function openSession(index: EventIndex, collapse: { on: boolean }): { session: TimelineSession; posted: HostToWebview[] } {
  const posted: HostToWebview[] = [];
  const port = testPort(index, () => collapse.on, (m) => void posted.push(m));
  return { session: new TimelineSession(port, { ...DEFAULT_STATE }), posted };
}

const request = { seq: 1, width: 400, laneField: 'principal' as const, lanes: { offset: 0, limit: 40 } };

describe('timeline noise groups', () => {
  it('collapses AWS-service events and a console burst into one span each, out of the cells', () => {
    const index = indexOf(events());
    const { session } = openSession(index, { on: true });
    const view: ViewMessage = session.view(request);
    assert.equal(view.collapseNoise, true);
    assert.equal(view.events, 13);
    const groups = view.groups.map((g) => [g.kind, g.count, g.label, g.expanded]);
    assert.deepEqual(groups.sort(), [
      ['aws-service', 4, 'config.amazonaws.com: 4 events', false],
      ['console-burst', 3, 'console bob: 3 events', false],
    ]);
    const burst = view.groups.find((g) => g.kind === 'console-burst')!;
    assert.equal(burst.first, T0 + 20 * 60_000);
    assert.equal(burst.last, T0 + 20 * 60_000 + 2000);
    assert.deepEqual(burst.kinds, [3, 0, 0, 0]);
    // Spans are drawn in the legend's group colour whatever their members' kinds.
    assert.deepEqual(
      view.groups.map((g) => g.legend),
      ['group', 'group'],
    );
    // Every lane: what is drawn plus what is collapsed is every event in the window.
    let collapsed = 0;
    for (const lane of view.lanes) {
      assert.equal(cellSum(lane) + (lane.collapsed ?? 0), lane.inWindow, lane.value);
      collapsed += lane.collapsed ?? 0;
    }
    assert.equal(collapsed, 7);
    const bob = view.lanes.find((l) => l.value.endsWith('user/bob'))!;
    assert.equal(burst.rank, bob.rank, 'a group sits in its events’ lane');
    assert.equal(cellSum(bob), 1, 'only the CLI call is drawn as a mark');
  });

  it('draws a span with failed AWS-service calls in the group colour, its errors and findings counted in its tooltip', () => {
    const records = events();
    // Two of AWS Config's calls failed, and a detection named one of them.
    records[5] = { ...records[5], errorCode: 'AccessDenied' };
    records[6] = { ...records[6], errorCode: 'AccessDenied' };
    const index = indexOf(records);
    const port = { ...testPort(index, () => true), findings: () => [6] };
    const view = new TimelineSession(port, { ...DEFAULT_STATE }).view(request);
    const config = view.groups.find((g) => g.kind === 'aws-service')!;
    assert.equal(config.legend, 'group', 'not the error colour');
    assert.deepEqual(config.kinds, [2, 0, 2, 1]);
  });

  it('hover and keyboard navigation step over a collapsed group’s events, not over others', async () => {
    const index = indexOf(events());
    const { session, posted } = openSession(index, { on: true });
    await session.handle({ type: 'ready' });
    const view = session.view(request);
    const bob = view.lanes.find((l) => l.value.endsWith('user/bob'))!;
    const base = { modelVersion: view.modelVersion, rank: bob.rank, t0: view.t0, t1: view.t1, width: view.width };
    // Pointing at the first console call (09:20:00) finds the CLI call at 09:20:01.5.
    await session.handle({ type: 'hover', seq: 7, time: T0 + 20 * 60_000, ...base });
    assert.equal(session.lastHover?.eventName, 'CreateAccessKey');
    assert.equal(session.lastHover?.sameColumn, 1, 'collapsed events are not counted in the column');
    await session.handle({ type: 'navigate', seq: 8, modelVersion: view.modelVersion, rank: bob.rank, time: T0, direction: 'nearest' });
    const navigated = posted.filter((m): m is Extract<HostToWebview, { type: 'navigated' }> => m.type === 'navigated');
    assert.equal(navigated.at(-1)?.row?.eventName, 'CreateAccessKey');
    const cli = navigated.at(-1)!.row!;
    await session.handle({ type: 'navigate', seq: 9, modelVersion: view.modelVersion, rank: bob.rank, time: cli.time, from: cli.id, direction: 'next' });
    assert.equal(posted.filter((m) => m.type === 'navigated').length, 2);
    assert.equal((posted.at(-1) as Extract<HostToWebview, { type: 'navigated' }>).row?.id, cli.id, 'nothing visible after it: it stays');
  });

  it('draws an expanded group’s events again, and remembers it in the state', async () => {
    const index = indexOf(events());
    const { session } = openSession(index, { on: true });
    const first = session.view(request);
    const burst = first.groups.find((g) => g.kind === 'console-burst')!;
    const raw = { type: 'requestView', ...request, seq: 2, expanded: [burst.id] };
    const parsed = parseWebviewMessage(raw);
    assert.ok(parsed && parsed.type === 'requestView');
    const view = session.view(parsed);
    const again = view.groups.find((g) => g.id === burst.id)!;
    assert.equal(again.expanded, true);
    const bob = view.lanes.find((l) => l.rank === burst.rank)!;
    assert.equal(cellSum(bob), 4);
    assert.equal(bob.collapsed, undefined);
    assert.equal(view.groups.find((g) => g.kind === 'aws-service')?.expanded, false, 'the other group stays collapsed');
    assert.deepEqual(session.currentState.expanded, [burst.id]);
    assert.deepEqual(parseState(JSON.parse(JSON.stringify(session.currentState))).expanded, [burst.id], 'survives the serializer');
    // A fresh webview asking for the host's state gets the group expanded again.
    const restored = session.view({ ...request, seq: 3, useHostState: true });
    assert.equal(restored.groups.find((g) => g.id === burst.id)?.expanded, true);
  });

  it('draws every event when collapsing is off (the setting), and follows the setting', async () => {
    const index = indexOf(events());
    const collapse = { on: false };
    const { session, posted } = openSession(index, collapse);
    await session.handle({ type: 'ready' });
    let view = session.view(request);
    assert.equal(view.collapseNoise, false);
    assert.deepEqual(view.groups, []);
    for (const lane of view.lanes) assert.equal(cellSum(lane), lane.inWindow);
    collapse.on = true;
    session.noiseChanged();
    assert.equal(posted.at(-1)?.type, 'invalidate', 'the webview is told to ask again');
    view = session.view(request);
    assert.equal(view.groups.length, 2);
  });

  it('accepts only a bounded list of string group ids from the webview', () => {
    const base = { type: 'requestView', ...request };
    assert.equal(parseWebviewMessage({ ...base, expanded: [1] }), undefined);
    assert.equal(parseWebviewMessage({ ...base, expanded: 'x' }), undefined);
    assert.equal(parseWebviewMessage({ ...base, expanded: new Array(201).fill('a') }), undefined);
    assert.equal(parseWebviewMessage({ ...base, expanded: ['x'.repeat(1001)] }), undefined);
    assert.deepEqual(parseState({ laneField: 'ip', laneOffset: 0, expanded: [{}] }).expanded, undefined);
  });
});
