import * as assert from 'node:assert/strict';
import { indexOf, record } from '../engine/helpers';
import { JsonObject } from '../../../src/core/model/event';
import { TimelineModel, VIEW_CELLS_BUDGET } from '../../../src/core/timeline/model';
import { codeArray, computeFirstSeen, computeKinds, findingFlags, FIRST_IP, FIRST_UA, timeOrder } from '../../../src/core/timeline/derived';
import { EventIndex } from '../../../src/core/index/event-index';
import { LaneField, LaneView, forEachCell, KIND_ERROR, KIND_READ, KIND_WRITE } from '../../../src/shared/timeline-protocol';

const T0 = Date.UTC(2026, 2, 4, 5, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

function user(name: string, key = `AKIA${name.toUpperCase()}`): JsonObject {
  return { type: 'IAMUser', principalId: `AIDA${name}`, arn: `arn:aws:iam::111122223333:user/${name}`, accountId: '111122223333', accessKeyId: key, userName: name };
}

function ev(name: string, offsetMs: number, extra: JsonObject = {}): JsonObject {
  return record({ userIdentity: user(name), eventTime: iso(T0 + offsetMs), ...extra });
}

function build(index: EventIndex, laneField: LaneField = 'principal', findings?: number[], within?: { start: number; end: number }): TimelineModel {
  return new TimelineModel({
    index,
    selection: index.all(),
    laneField,
    codes: codeArray(index, laneField),
    kinds: computeKinds(index),
    findings: findingFlags(index, findings),
    firstSeen: computeFirstSeen(index),
    eventNames: { codes: codeArray(index, 'eventName'), values: index.dictionary('eventName') },
    errorCodes: { codes: codeArray(index, 'error'), values: index.dictionary('error') },
    ...(within ? { within } : {}),
  });
}

function decode(lane: LaneView): Array<[number, number, number, number, number]> {
  const out: Array<[number, number, number, number, number]> = [];
  forEachCell(lane.cells, (x, r, w, e, f) => out.push([x, r, w, e, f]));
  return out;
}

describe('timeline model', () => {
  it('ranks lanes by event count and their totals match the engine', () => {
    const records: JsonObject[] = [];
    for (let i = 0; i < 7; i++) records.push(ev('alice', i * 1000));
    for (let i = 0; i < 3; i++) records.push(ev('bob', i * 1000));
    for (let i = 0; i < 5; i++) records.push(ev('carol', i * 1000));
    const index = indexOf(records);
    const model = build(index);
    const top = index.top('principal', index.all());
    assert.deepEqual(
      Array.from({ length: model.laneCount }, (_, r) => [model.laneValue(r), model.laneTotal(r)]),
      top.map((v) => [v.value, v.count]),
    );
    const view = model.view({ width: 100, offset: 0, limit: 10 });
    assert.equal(view.lanes.length, 3);
    for (const lane of view.lanes) {
      const sum = decode(lane).reduce((n, [, r, w, e, f]) => n + r + w + e + f, 0);
      assert.equal(sum, lane.total, `cells of ${lane.value} add up to its total`);
      assert.equal(lane.inWindow, lane.total);
    }
  });

  it('bins events per pixel column by kind within the window only', () => {
    const index = indexOf([
      ev('alice', 0), // read, column 0
      ev('alice', 500, { readOnly: false, eventName: 'RunInstances' }), // write, column 0
      ev('alice', 5_000, { errorCode: 'AccessDenied', errorMessage: 'no' }), // error, column 5
      ev('alice', 9_999), // read, column 9
      ev('alice', 10_000), // outside [t0, t1)
      ev('alice', -1), // outside
    ]);
    const model = build(index);
    const view = model.view({ t0: T0, t1: T0 + 10_000, width: 10, offset: 0, limit: 5 });
    assert.deepEqual(decode(view.lanes[0]), [
      [0, 1, 1, 0, 0],
      [5, 0, 0, 1, 0],
      [9, 1, 0, 0, 0],
    ]);
    assert.equal(view.lanes[0].inWindow, 4);
    assert.equal(view.lanes[0].total, 6);
  });

  it('classifies kinds: errors over read/write; findings are flagged apart and keep their kind', () => {
    const index = indexOf([
      ev('a', 0),
      ev('a', 1, { readOnly: false }),
      ev('a', 2, { errorCode: 'Client.UnauthorizedOperation' }),
      ev('a', 3, { readOnly: false }),
      ev('a', 4, { readOnly: undefined as unknown as boolean }),
    ]);
    assert.deepEqual(Array.from(computeKinds(index)), [KIND_READ, KIND_WRITE, KIND_ERROR, KIND_WRITE, KIND_WRITE]);
    assert.deepEqual(Array.from(findingFlags(index, [2, 3, 99])!), [0, 0, 1, 1, 0]);
    assert.equal(findingFlags(index, undefined), undefined);
  });

  it('draws a finding in its own kind with a finding badge count, so an error stays an error', () => {
    const index = indexOf([
      ev('a', 0, { errorCode: 'AccessDenied' }), // error + finding, column 0
      ev('a', 100, { readOnly: false }), // write + finding, column 0
      ev('a', 5_000), // read, column 5
      ev('a', 7_000, { readOnly: false }), // write + finding, column 7
    ]);
    const view = build(index, 'principal', [0, 1, 3]).view({ t0: T0, t1: T0 + 10_000, width: 10, offset: 0, limit: 5 });
    assert.deepEqual(decode(view.lanes[0]), [
      [0, 0, 1, 1, 2],
      [5, 1, 0, 0, 0],
      [7, 0, 1, 0, 1],
    ]);
    // The density strip's alerts count errors and findings once each.
    const { alerts } = build(index, 'principal', [0, 1, 3]).density(1);
    assert.deepEqual(alerts, [0, 3]);
  });

  it('labels marks with their event names (and error codes) when a lane has few events in the window', () => {
    const index = indexOf([
      ev('a', 0, { eventName: 'ListBuckets' }),
      ev('a', 50, { eventName: 'GetObject' }), // same column as ListBuckets
      ev('a', 3_000, { eventName: 'PutBucketPolicy', readOnly: false, errorCode: 'AccessDenied' }),
      ev('b', 6_000, { eventName: 'CreateUser', readOnly: false }),
    ]);
    const view = build(index, 'principal', [3]).view({ t0: T0, t1: T0 + 10_000, width: 10, offset: 0, limit: 5 });
    assert.deepEqual(
      view.labels.map((l) => [l.rank, l.x, l.name, l.count, l.error ?? '', l.finding ?? false]),
      [
        [0, 0, 'ListBuckets', 2, '', false],
        [0, 3, 'PutBucketPolicy', 1, 'AccessDenied', false],
        [1, 6, 'CreateUser', 1, '', true],
      ],
    );
    // A lane with more events in the window than can be labelled carries no labels.
    const busy: JsonObject[] = [];
    for (let i = 0; i < 1000; i++) busy.push(ev('c', i));
    assert.equal(build(indexOf(busy)).view({ t0: T0, t1: T0 + 1000, width: 100, offset: 0, limit: 5 }).labels.length, 0);
  });

  it('leaves out lanes with no event within the filter\'s time range, and still draws the shown lanes\' other events', () => {
    const index = indexOf([
      ev('alice', 0),
      ev('alice', 60_000),
      ev('bob', 0),
      ev('carol', 120_000),
    ]);
    const all = build(index);
    assert.equal(all.laneCount, 3);
    assert.equal(all.hiddenLanes, 0);
    const model = build(index, 'principal', undefined, { start: T0 + 30_000, end: T0 + 90_000 });
    assert.deepEqual(Array.from({ length: model.laneCount }, (_, r) => model.laneValue(r)), ['arn:aws:iam::111122223333:user/alice']);
    assert.equal(model.hiddenLanes, 2);
    const view = model.view({ t0: T0 - 1000, t1: T0 + 200_000, width: 200, offset: 0, limit: 5 });
    assert.equal(view.lanes.length, 1);
    assert.equal(view.lanes[0].inWindow, 2, 'alice\'s event before the range is still drawn');
    // The density strip and the event count still cover the whole selection.
    assert.equal(model.events, 4);
  });

  it('marks the first use of a new source IP or user agent by a known principal', () => {
    const index = indexOf([
      ev('ci', 0, { sourceIPAddress: '192.0.2.10', userAgent: 'aws-cli/2' }),
      ev('ci', 1000, { sourceIPAddress: '192.0.2.10', userAgent: 'aws-cli/2' }),
      ev('ci', 2000, { sourceIPAddress: '203.0.113.66', userAgent: 'Boto3/1.34' }),
      ev('ci', 3000, { sourceIPAddress: '203.0.113.66', userAgent: 'aws-cli/2' }),
      ev('ci', 4000, { sourceIPAddress: '192.0.2.10', userAgent: 'curl/8' }),
      ev('newbie', 5000, { sourceIPAddress: '203.0.113.66' }),
    ]);
    assert.deepEqual(Array.from(computeFirstSeen(index)), [0, 0, FIRST_IP | FIRST_UA, 0, FIRST_UA, 0]);
    const view = build(index).view({ t0: T0 - 1000, t1: T0 + 10_000, width: 11, offset: 0, limit: 5 });
    assert.deepEqual(
      view.firstSeen.map((m) => [m.id, m.what, m.x]),
      [
        [2, 3, 3],
        [4, 2, 5],
      ],
    );
  });

  it('groups by any lane field, with a lane for events without a value last', () => {
    const index = indexOf([
      ev('a', 0, { awsRegion: 'eu-west-1' }),
      ev('a', 1, { awsRegion: 'eu-west-1' }),
      ev('b', 2, { awsRegion: 'us-east-1' }),
      ev('b', 3, { awsRegion: undefined as unknown as string }),
      ev('b', 4, { awsRegion: undefined as unknown as string }),
      ev('b', 5, { awsRegion: undefined as unknown as string }),
    ]);
    const model = build(index, 'region');
    assert.deepEqual(
      Array.from({ length: model.laneCount }, (_, r) => model.laneValue(r)),
      ['eu-west-1', 'us-east-1', ''],
    );
    assert.equal(model.rankOfValue('US-EAST-1'), 1);
  });

  it('picks the nearest event of a lane within the tolerance, and navigates in time order', () => {
    const index = indexOf([ev('a', 0), ev('a', 1000), ev('a', 1000), ev('a', 5000), ev('b', 2000)]);
    const model = build(index);
    const a = model.rankOfValue('arn:aws:iam::111122223333:user/a');
    assert.equal(model.pick(a, T0 + 4800, 300)?.id, 3);
    assert.equal(model.pick(a, T0 + 3000, 300), undefined);
    assert.equal(model.pick(a, T0 + 1100, 300, { t0: T0, t1: T0 + 10_000, width: 10 })?.sameColumn, 2);
    assert.equal(model.pick(99, T0, 1e9), undefined);
    // next/prev walk ids 0 → 1 → 2 → 3 (equal times keep index order) and stop at the ends.
    const walk: number[] = [0];
    for (let i = 0; i < 4; i++) {
      const from = walk[walk.length - 1];
      walk.push(model.navigate(a, index.time(from), 'next', from)!);
    }
    assert.deepEqual(walk, [0, 1, 2, 3, 3]);
    assert.equal(model.navigate(a, index.time(2), 'prev', 2), 1);
    assert.equal(model.navigate(a, index.time(0), 'prev', 0), 0);
    assert.equal(model.navigate(a, T0 + 4000, 'nearest'), 3);
  });

  it('keeps events without a time out of the lanes and counts them', () => {
    const index = indexOf([ev('a', 0), record({ eventTime: 'not a time' }), ev('a', 10)]);
    const model = build(index);
    assert.equal(model.events, 2);
    assert.equal(model.untimed, 1);
    assert.equal(model.start, T0);
    assert.equal(model.end, T0 + 10);
  });

  it('fills the density strip over the whole range, alerts counted apart', () => {
    const index = indexOf([ev('a', 0), ev('a', 60_000, { errorCode: 'AccessDenied' }), ev('b', 120_000)]);
    const { density, alerts } = build(index).density(50);
    assert.equal(density.length, 50);
    assert.equal(
      density.reduce((a, b) => a + b, 0),
      3,
    );
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1], 1);
  });

  it('stays under the message budget with many busy lanes, leaving the rest to later pages', () => {
    // 60 lanes × 4096 columns, every column holding all four kinds with 5-digit counts, would
    // be ~7 MB as JSON; the model stops adding lanes at its budget.
    const records: JsonObject[] = [];
    for (let l = 0; l < 6; l++) {
      for (let i = 0; i < 4000; i++) {
        records.push(ev(`u${l}`, i * 10, i % 3 === 0 ? { errorCode: 'AccessDenied' } : i % 3 === 1 ? { readOnly: false } : {}));
      }
    }
    const index = indexOf(records);
    const model = build(index);
    const findings = Array.from({ length: 2000 }, (_, i) => i * 7);
    const withFindings = new TimelineModel({
      index,
      selection: index.all(),
      laneField: 'principal',
      codes: codeArray(index, 'principal'),
      kinds: computeKinds(index),
      findings: findingFlags(index, findings),
      firstSeen: computeFirstSeen(index),
    });
    for (const m of [model, withFindings]) {
      const view = m.view({ t0: T0, t1: T0 + 40_000, width: 4096, offset: 0, limit: 60 });
      const bytes = Buffer.byteLength(JSON.stringify(view));
      assert.ok(bytes < 1_000_000, `${bytes} bytes`);
      assert.ok(view.lanes.length >= 1);
    }
    assert.ok(VIEW_CELLS_BUDGET < 1_000_000);
  });
});

describe('timeline model at scale (dense and sparse binning agree)', () => {
  it('sorts by time stably with the radix sort, events without a time last', () => {
    const offsets = [5000, 0, 5000, 120_000, 1, 0];
    const index = indexOf([...offsets.map((o) => ev('a', o)), record({ eventTime: 'nope' })]);
    assert.deepEqual(Array.from(timeOrder(index)), [1, 5, 4, 0, 2, 3, 6]);
  });

  it('counts each column the same whether it iterates events or searches column ends', () => {
    // One busy lane (dense path: more than 6 events per column) and one quiet lane (event path).
    const records: JsonObject[] = [];
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const kind = rand();
      records.push(ev(i % 10 === 0 ? 'quiet' : 'busy', Math.floor(rand() * 600_000), kind < 0.1 ? { errorCode: 'AccessDenied' } : kind < 0.4 ? { readOnly: false } : {}));
    }
    const index = indexOf(records);
    const model = build(index);
    const t0 = T0 + 100_000;
    const t1 = T0 + 400_000;
    const width = 37;
    const view = model.view({ t0, t1, width, offset: 0, limit: 5 });
    const times = index.timeColumn();
    const kinds = computeKinds(index);
    for (const lane of view.lanes) {
      const expected = new Map<number, number[]>();
      for (let id = 0; id < index.size; id++) {
        if (index.value('principal', id) !== lane.value || times.get(id) < t0 || times.get(id) >= t1) continue;
        const x = Math.floor(((times.get(id) - t0) * width) / (t1 - t0));
        const counts = expected.get(x) ?? [0, 0, 0, 0];
        counts[kinds[id]]++;
        expected.set(x, counts);
      }
      const actual = new Map(decode(lane).map(([x, r, w, e, f]) => [x, [r, w, e, f]]));
      assert.deepEqual(actual, expected, lane.value);
    }
    assert.ok(view.lanes[0].inWindow > width * 6, 'the busy lane takes the dense path');
  });
});
