import * as assert from 'node:assert/strict';
import { indexOf, record } from '../engine/helpers';
import { JsonObject } from '../../../src/core/model/event';
import { TimelinePort, TimelineSession } from '../../../src/core/timeline/session';
import { EventIndex } from '../../../src/core/index/event-index';
import { DEFAULT_STATE, HostToWebview, ViewMessage, parseState, parseWebviewMessage } from '../../../src/shared/timeline-protocol';
import { queryIndex } from '../../../src/core/query/query';

const T0 = Date.UTC(2026, 2, 4, 5, 0, 0);

function events(): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < 20; i++) {
    out.push(
      record({
        eventTime: new Date(T0 + i * 60_000).toISOString(),
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/u${i % 3}`, accountId: '111122223333', accessKeyId: `AKIAU${i % 3}` },
        ...(i === 5 ? { errorCode: 'AccessDenied', errorMessage: '<img src=x onerror=window.__pwned=1>' } : {}),
      }),
    );
  }
  return out;
}

interface Fake {
  port: TimelinePort;
  posted: HostToWebview[];
  opened: number[];
  ranges: Array<{ start: number; end: number } | undefined>;
  expression: { value: string };
}

function fake(index: EventIndex): Fake {
  const posted: HostToWebview[] = [];
  const opened: number[] = [];
  const ranges: Array<{ start: number; end: number } | undefined> = [];
  const expression = { value: '' };
  let range: { start: number; end: number } | undefined;
  const port: TimelinePort = {
    index: () => index,
    expression: () => expression.value,
    filterInfo: () => ({ expression: expression.value, ...(range ? { timeRange: range } : {}) }),
    setExpression: (e) => {
      queryIndex(index, e); // throws on a syntax error, like FilterState.setExpression
      expression.value = e;
    },
    setTimeRange: (r) => {
      ranges.push(r);
      range = r;
    },
    openEvent: async (id) => void opened.push(id),
    post: (m) => {
      posted.push(m);
    },
  };
  return { port, posted, opened, ranges, expression };
}

const viewRequest = { type: 'requestView', seq: 1, width: 200, laneField: 'principal', lanes: { offset: 0, limit: 40 } };

describe('timeline session (host side of the protocol)', () => {
  it('holds messages until the webview says ready, then sends init first', async () => {
    const f = fake(indexOf(events()));
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    session.filterChanged();
    session.indexChanged();
    session.indexChanged();
    assert.equal(f.posted.length, 0);
    await session.handle({ type: 'ready' });
    assert.deepEqual(
      f.posted.map((m) => m.type),
      ['init', 'filterChanged', 'invalidate'],
    );
  });

  it('holds a reveal the hidden webview did not get until it is ready again', async () => {
    const f = fake(indexOf(events()));
    let deliver = true;
    const delivered: HostToWebview[] = [];
    const session = new TimelineSession({ ...f.port, post: async (m) => (deliver ? (delivered.push(m), true) : false) }, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    deliver = false; // the panel went to the background and its webview is gone
    session.reveal('ip', '198.51.100.7');
    await new Promise((resolve) => setImmediate(resolve));
    deliver = true;
    await session.handle({ type: 'ready' }); // shown again: a fresh webview
    assert.deepEqual(
      delivered.map((m) => m.type),
      ['init', 'init', 'reveal'],
    );
    const init = delivered[1];
    assert.ok(init.type === 'init' && init.state.laneField === 'ip' && init.state.focusValue === '198.51.100.7');
  });

  it('answers a view request with lanes that match the engine', async () => {
    const index = indexOf(events());
    const f = fake(index);
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    await session.handle(viewRequest);
    const view = f.posted.find((m): m is ViewMessage => m.type === 'view')!;
    assert.equal(view.seq, 1);
    assert.equal(view.events, 20);
    assert.deepEqual(
      view.lanes.map((l) => [l.value, l.total]),
      index.top('principal', index.all()).map((v) => [v.value, v.count]),
    );
    assert.equal(session.lastView, view);
  });

  it('follows the filter expression, and reports a filter that does not parse', async () => {
    const index = indexOf(events());
    const f = fake(index);
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    await session.handle({ type: 'setFilter', expression: 'principal:"arn:aws:iam::111122223333:user/u1"' });
    await session.handle(viewRequest);
    const view = f.posted.filter((m): m is ViewMessage => m.type === 'view').pop()!;
    assert.deepEqual(
      view.lanes.map((l) => l.value),
      ['arn:aws:iam::111122223333:user/u1'],
    );
    await session.handle({ type: 'setFilter', expression: 'principal:(' });
    const changed = f.posted.filter((m) => m.type === 'filterChanged').pop();
    assert.ok(changed?.type === 'filterChanged' && changed.filter.error, 'the parser error is reported back');
    assert.equal(f.expression.value, 'principal:"arn:aws:iam::111122223333:user/u1"', 'a bad filter leaves the old one');
  });

  it('applies a brush as the time range and clears it', async () => {
    const f = fake(indexOf(events()));
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    await session.handle({ type: 'brush', start: T0 + 0.4, end: T0 + 60_000.6 });
    await session.handle({ type: 'clearBrush' });
    assert.deepEqual(f.ranges, [{ start: T0, end: T0 + 60_001 }, undefined]);
  });

  it('hides lanes with no event within the time range, and shows them again when it is cleared', async () => {
    const f = fake(indexOf(events()));
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    const before = session.view({ ...viewRequest, laneField: 'principal' });
    assert.equal(before.lanes.length, 3);
    assert.equal(before.hiddenLanes, 0);
    // Events are a minute apart, u0, u1, u2 in turn: the first 90 s hold u0 and u1 only.
    await session.handle({ type: 'brush', start: T0, end: T0 + 90_000 });
    const within = session.view({ ...viewRequest, laneField: 'principal', seq: 2 });
    assert.deepEqual(
      within.lanes.map((l) => l.value),
      ['arn:aws:iam::111122223333:user/u0', 'arn:aws:iam::111122223333:user/u1'],
    );
    assert.equal(within.laneCount, 2);
    assert.equal(within.hiddenLanes, 1);
    assert.notEqual(within.modelVersion, before.modelVersion, 'a new model: the webview drops hovers for the old one');
    await session.handle({ type: 'clearBrush' });
    assert.equal(session.view({ ...viewRequest, laneField: 'principal', seq: 3 }).lanes.length, 3);
  });

  it('hover returns the event row with its error message as data', async () => {
    const index = indexOf(events());
    const f = fake(index);
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    await session.handle(viewRequest);
    const view = session.lastView!;
    const rank = view.lanes.findIndex((l) => l.value.endsWith('/u2'));
    await session.handle({ type: 'hover', seq: 7, modelVersion: view.modelVersion, rank, time: T0 + 5 * 60_000, t0: view.t0, t1: view.t1, width: view.width });
    const hover = f.posted.pop();
    assert.ok(hover?.type === 'hoverInfo' && hover.row);
    assert.equal(hover.seq, 7);
    assert.equal(hover.row.id, 5);
    assert.equal(hover.row.kind, 'error');
    assert.equal(hover.row.error, 'AccessDenied');
    assert.equal(hover.row.errorMessage, '<img src=x onerror=window.__pwned=1>');
  });

  it('opens only event ids that exist, and ignores malformed messages', async () => {
    const f = fake(indexOf(events()));
    const session = new TimelineSession(f.port, { ...DEFAULT_STATE });
    await session.handle({ type: 'ready' });
    await session.handle({ type: 'open', eventId: 3 });
    await session.handle({ type: 'open', eventId: 99 });
    await session.handle({ type: 'open', eventId: '3' });
    await session.handle({ type: 'open', eventId: 1.5 });
    await session.handle({ type: 'runCommand', command: 'workbench.action.terminal.new' });
    await session.handle('open');
    assert.deepEqual(f.opened, [3]);
    assert.ok(f.posted.some((m) => m.type === 'error'));
  });
});

describe('timeline protocol validation', () => {
  it('rejects what is not a well-formed message', () => {
    const bad: unknown[] = [
      null,
      [],
      { type: 'requestView', seq: 1, width: 0, laneField: 'principal', lanes: { offset: 0, limit: 1 } },
      { type: 'requestView', seq: 1, width: 100, laneField: 'userAgent', lanes: { offset: 0, limit: 1 } },
      { type: 'requestView', seq: 1, width: 100, laneField: 'principal', lanes: { offset: 0, limit: 1000 } },
      { type: 'requestView', seq: 1, width: 100, laneField: 'principal', lanes: { offset: 0, limit: 1 }, t0: 5, t1: 1 },
      { type: 'brush', start: Number.NaN, end: 1 },
      { type: 'brush', start: 2, end: 1 },
      { type: 'setFilter', expression: 'x'.repeat(5000) },
      { type: 'navigate', seq: 1, modelVersion: 1, rank: 0, time: 0, direction: 'sideways' },
      { type: 'open', eventId: -1 },
      { type: 'open', path: '/etc/passwd' },
    ];
    for (const message of bad) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message));
  });

  it('keeps only known fields of a valid message', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'open', eventId: 4, command: 'evil' }), { type: 'open', eventId: 4 });
  });

  it('restores a state defensively', () => {
    assert.deepEqual(parseState(undefined), DEFAULT_STATE);
    assert.deepEqual(parseState({ laneField: 'ip', laneOffset: 3, t0: 0, t1: 10_000, focusValue: '203.0.113.66' }), {
      laneField: 'ip',
      laneOffset: 3,
      t0: 0,
      t1: 10_000,
      focusValue: '203.0.113.66',
    });
    assert.deepEqual(parseState({ laneField: 'constructor', laneOffset: -1, t0: 'x' }), DEFAULT_STATE);
    // "The user zoomed since the last fit" survives, only with the window it is about.
    assert.equal(parseState({ laneField: 'ip', laneOffset: 0, t0: 0, t1: 10_000, zoomed: true }).zoomed, true);
    assert.equal(parseState({ laneField: 'ip', laneOffset: 0, zoomed: true }).zoomed, undefined);
    assert.equal(parseState({ laneField: 'ip', laneOffset: 0, t0: 0, t1: 10_000, zoomed: 'yes' }).zoomed, undefined);
  });
});
