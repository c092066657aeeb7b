/**
 * Issue 13's memory target: the index's event times in four bytes an event (whole seconds, as
 * CloudTrail writes eventTime) until one time is not such a second, then doubles, for good.
 * Every time read back is the number that went in (Object.is), in either form.
 */
import * as assert from 'node:assert/strict';
import { TimeColumn, compactTimes, storedSecond, timeOfStored } from '../../../src/core/index/time-column';
import { EventIndex } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { queryIndex } from '../../../src/core/query/query';
import { TimelineModel } from '../../../src/core/timeline/model';
import { codeArray, computeFirstSeen, computeKinds, findingFlags, timeOrder } from '../../../src/core/timeline/derived';
import { SortOrders } from '../../../src/core/table/order';
import { random } from '../../../bench/generate';
import { indexOf, memoryIndex, record } from './helpers';

/** The last second a compact column holds (seconds since 1970 plus one must fit in 32 bits): 2106-02-07T06:28:14Z. */
const LAST_SECOND_MS = (2 ** 32 - 2) * 1000;

/** Whether `time` has a compact form, written out independently of the column. */
function isCompactable(time: number): boolean {
  if (Number.isNaN(time)) return true;
  return Number.isInteger(time) && time % 1000 === 0 && time >= 0 && time <= LAST_SECOND_MS && !Object.is(time, -0);
}

/** Times that have no compact form: each turns a column into doubles. */
const ODD_TIMES = [
  Date.UTC(2026, 2, 4, 5, 0, 0, 123),
  Date.UTC(2026, 2, 4, 5, 0, 0) + 0.5,
  -1000,
  Date.UTC(1969, 11, 31, 23, 59, 59),
  LAST_SECOND_MS + 1000,
  Date.UTC(2200, 0, 1),
  Infinity,
  -Infinity,
  -0,
  1,
];

/** Every entry of `column` against the reference, by Object.is. */
function assertHolds(column: TimeColumn, reference: number[], label: string): void {
  assert.equal(column.size, reference.length, `${label}: size`);
  for (let i = 0; i < reference.length; i++) {
    if (!Object.is(column.get(i), reference[i])) assert.fail(`${label}: entry ${i} is ${column.get(i)}, not ${Object.is(reference[i], -0) ? '-0' : reference[i]}`);
  }
}

describe('time column (event times in four bytes while they are whole seconds)', () => {
  it('has a compact form exactly for NaN and whole seconds from 1970 to 2106-02-07T06:28:14Z', () => {
    const base = Date.UTC(2026, 2, 4, 12, 34, 56);
    const cases: [number, number][] = [
      [NaN, 0],
      [0, 1],
      [1000, 2],
      [base, base / 1000 + 1],
      [LAST_SECOND_MS, 2 ** 32 - 1],
      [LAST_SECOND_MS + 1000, -1],
      [-0, -1],
      [-1000, -1],
      [base + 1, -1],
      [base + 999, -1],
      [base + 0.25, -1],
      [Infinity, -1],
      [-Infinity, -1],
      [Number.MAX_VALUE, -1],
      [Number.MIN_VALUE, -1],
    ];
    for (const [time, stored] of cases) {
      assert.equal(storedSecond(time), stored, `storedSecond(${Object.is(time, -0) ? '-0' : time})`);
      if (stored >= 0) assert.ok(Object.is(timeOfStored(stored), time), `back from ${stored}`);
    }
    assert.deepEqual(compactTimes(new Float64Array([base, NaN, 0]), 3), Uint32Array.from([base / 1000 + 1, 0, 1]));
    assert.equal(compactTimes(new Float64Array([base, base + 1]), 2), undefined);
  });

  it('holds whole seconds in four bytes an event, and turns into doubles once, on the first time that is not one', () => {
    const column = new TimeColumn();
    const reference: number[] = [];
    const base = Date.UTC(2026, 2, 4);
    for (let i = 0; i < 50_000; i++) {
      const time = i % 7 === 0 ? NaN : base + i * 1000;
      column.push(time);
      reference.push(time);
    }
    column.trim();
    assert.ok(column.compact);
    assert.equal(column.byteLength, 4 * 50_000, 'four bytes an event');
    assertHolds(column, reference, 'compact');
    column.push(base + 1);
    reference.push(base + 1);
    assert.equal(column.compact, false);
    assertHolds(column, reference, 'doubles');
    column.trim();
    assert.equal(column.byteLength, 8 * reference.length, 'eight bytes an event once turned');
    // It stays doubles, also when the time that turned it is cut off.
    column.truncate(10);
    reference.length = 10;
    column.push(base);
    reference.push(base);
    assert.equal(column.compact, false);
    assertHolds(column, reference, 'after a truncate');
  });

  // Seeds 4, 8, ... : a time without a compact form comes first (adopted or pushed), and no
  // other; seeds 1, 5, ...: only as the very last entry; the others: now and then, anywhere.
  // Between them, every one of ODD_TIMES comes first and last into a compact column.
  for (let seed = 1; seed <= 20; seed++) {
    const mode = seed % 4;
    it(`answers what a plain array of the same pushes, appends, adoptions, truncates and trims answers (seed ${seed}, ${['an odd time first', 'an odd time last', 'odd times rarely', 'odd times often'][mode]})`, () => {
      const rand = random(seed);
      const base = Date.UTC(2026, 0, 1);
      const oddChance = mode === 2 ? 0.0005 : mode === 3 ? 0.01 : 0;
      const odd = ODD_TIMES[seed % ODD_TIMES.length];
      const next = (): number => {
        const r = rand();
        if (r < oddChance) return ODD_TIMES[Math.floor(rand() * ODD_TIMES.length)];
        if (r < 0.1) return NaN;
        if (r < 0.11) return [0, LAST_SECOND_MS, 1000][Math.floor(rand() * 3)];
        return base + Math.floor(rand() * 400 * 86400) * 1000;
      };
      const many = (count: number): Float64Array => Float64Array.from({ length: count }, next);
      const column = new TimeColumn();
      const reference: number[] = [];
      let turned = false;
      const entered = (values: ArrayLike<number>) => {
        for (let i = 0; i < values.length; i++) if (!isCompactable(values[i])) turned = true;
      };
      // How it starts: an adopted batch (from a worker or the cache), its compact form (from the cache), or pushes.
      const start = Math.floor(seed / 4) % 3;
      if (mode === 0 && start !== 2) {
        const first = many(1 + Math.floor(rand() * 3000));
        first[0] = odd;
        column.adopt(first);
        entered(first);
        reference.push(...first);
      } else if (mode === 0) {
        column.push(odd);
        entered([odd]);
        reference.push(odd);
      } else if (start === 0) {
        const first = many(1 + Math.floor(rand() * 3000));
        column.adopt(first);
        entered(first);
        reference.push(...first);
      } else if (start === 1) {
        const first = many(1 + Math.floor(rand() * 3000)).map((t) => (isCompactable(t) ? t : NaN));
        column.adoptStored(compactTimes(first, first.length)!);
        reference.push(...first);
      }
      if (mode === 0) assert.equal(column.compact, false, 'turned by the first time');
      for (let round = 0; round < 25; round++) {
        const op = Math.floor(rand() * 6);
        if (op === 0 || op === 1) {
          const values = many(Math.floor(rand() * 2000));
          for (const value of values) column.push(value);
          entered(values);
          reference.push(...values);
        } else if (op === 2) {
          const source = many(1 + Math.floor(rand() * 1500));
          const rows = rand() < 0.3 ? undefined : Int32Array.from({ length: Math.floor(rand() * 1500) }, () => Math.floor(rand() * source.length));
          column.appendRows(source, rows);
          const appended = rows ? Array.from(rows, (r) => source[r]) : Array.from(source);
          entered(appended);
          reference.push(...appended);
        } else if (op === 3) {
          const source = many(1 + Math.floor(rand() * 800)).map((t) => (isCompactable(t) ? t : NaN));
          const stored = compactTimes(source, source.length)!;
          const rows = Int32Array.from({ length: Math.floor(rand() * 800) }, () => Math.floor(rand() * source.length));
          column.appendStoredRows(stored, rows);
          reference.push(...Array.from(rows, (r) => source[r]));
        } else if (op === 4) {
          const cut = Math.floor(rand() * (reference.length + 1));
          column.truncate(cut);
          reference.length = cut;
        } else {
          if (rand() < 0.5) column.reserve(reference.length + Math.floor(rand() * 5000));
          else column.trim();
        }
        assertHolds(column, reference, `seed ${seed}, round ${round} (op ${op})`);
        assert.equal(column.compact, !turned, `seed ${seed}, round ${round}: compact until a time without a compact form came`);
      }
      // And an odd time as the very last entry.
      if (mode === 1) assert.equal(column.compact, true, 'compact until the last time');
      column.push(odd);
      reference.push(odd);
      assertHolds(column, reference, `seed ${seed}, an odd time last`);
      assert.equal(column.compact, false);
      column.trim();
      assertHolds(column, reference, `seed ${seed}, trimmed`);
    });
  }
});

describe('the index with compact and with turned times', () => {
  const T0 = Date.UTC(2026, 2, 4, 5, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Seeded records with whole-second times (some without a time) over a few principals, names and addresses. */
  function recordsOf(seed: number, count: number): JsonObject[] {
    const rand = random(seed);
    return Array.from({ length: count }, () => {
      const r = record({
        eventTime: iso(T0 + Math.floor(rand() * 3 * 86400) * 1000),
        eventName: ['ListUsers', 'CreateUser', 'GetObject', 'AssumeRole'][Math.floor(rand() * 4)],
        sourceIPAddress: `198.51.100.${Math.floor(rand() * 20)}`,
        userIdentity: { type: 'IAMUser', principalId: `AIDA${Math.floor(rand() * 6)}`, arn: `arn:aws:iam::111122223333:user/u${Math.floor(rand() * 6)}`, accountId: '111122223333', accessKeyId: `AKIA${Math.floor(rand() * 6)}`, userName: `u${Math.floor(rand() * 6)}` },
        ...(rand() < 0.2 ? { errorCode: 'AccessDenied' } : {}),
      });
      if (rand() < 0.03) delete r.eventTime;
      return r;
    });
  }

  function timelineOf(index: EventIndex, selection: Int32Array) {
    const model = new TimelineModel({
      index,
      selection,
      laneField: 'principal',
      codes: codeArray(index, 'principal'),
      kinds: computeKinds(index),
      findings: findingFlags(index, undefined),
      firstSeen: computeFirstSeen(index),
      eventNames: { codes: codeArray(index, 'eventName'), values: index.dictionary('eventName') },
      errorCodes: { codes: codeArray(index, 'error'), values: index.dictionary('error') },
    });
    const { t0, t1 } = model.fullWindow();
    const view = model.view({ t0, t1, width: 97, offset: 0, limit: 50 });
    return { start: model.start, end: model.end, events: model.events, untimed: model.untimed, density: model.density(61), lanes: view.lanes };
  }

  for (const [seed, at] of [
    [1, 'first'],
    [2, 'middle'],
    [3, 'last'],
  ] as const) {
    it(`seed ${seed}: one event with a millisecond time (${at}) turns the column; the other events get the same answers as from the compact index`, () => {
      const records = recordsOf(seed, 3000);
      const compact = indexOf(records);
      // The same records, and one more with a time in milliseconds (an SDK's, not CloudTrail's).
      const k = at === 'first' ? 0 : at === 'middle' ? 1500 : records.length;
      const odd = record({ eventTime: iso(T0 + 86400_000 + 123), eventName: 'OddOne', userIdentity: { type: 'IAMUser', principalId: 'AIDAODD', arn: 'arn:aws:iam::111122223333:user/odd', accountId: '111122223333', userName: 'odd' } });
      const turned = indexOf([...records.slice(0, k), odd, ...records.slice(k)]);
      const inTurned = (id: number) => (id < k ? id : id + 1);
      const shared = Int32Array.from(compact.all(), inTurned);
      assert.equal(turned.time(k), T0 + 86400_000 + 123);
      assert.equal((compact.timeColumn() as TimeColumn).compact, true, 'whole seconds: compact');
      assert.equal((turned.timeColumn() as TimeColumn).compact, false, 'one millisecond time: doubles');
      for (let id = 0; id < compact.size; id++) assert.ok(Object.is(turned.time(inTurned(id)), compact.time(id)), `event ${id}'s time`);

      // The time column's bytes: four an event compact, eight turned (the other columns are alike but for one event).
      // Sized for their events exactly (as a load reserves), the same records but for that time.
      const sized = (list: JsonObject[]) => {
        const index = memoryIndex();
        index.reserve(list.length);
        return indexOf(list, index);
      };
      const alike = sized([...records.slice(0, k), record({ ...odd, eventTime: iso(T0 + 86400_000) }), ...records.slice(k)]);
      const wide = sized([...records.slice(0, k), odd, ...records.slice(k)]);
      assert.equal(wide.columnBytes() - alike.columnBytes(), 4 * wide.size, 'the turned column holds eight bytes an event, the compact one four');

      const without = (ids: ArrayLike<number>) => Array.from(ids).filter((id) => id !== k);
      for (const where of ['', 'eventName:ListUsers', `time>=${iso(T0 + 86400_000)}`, `time<${iso(T0 + 2 * 86400_000)} AND NOT errorCode:*`, `time>${iso(T0 + 86400_000)}`, `time<=${iso(T0 + 36 * 3600_000)}`]) {
        assert.deepEqual(without(queryIndex(turned, where)), Array.from(queryIndex(compact, where), inTurned), `query ${where}`);
      }
      for (const field of ['principal', 'eventName', 'ip', 'source'] as const) {
        assert.deepEqual(turned.top(field, shared, 100), compact.top(field, undefined, 100), `top ${field}`);
      }
      for (const order of ['asc', 'desc'] as const) {
        // Small selections sort by comparison, large ones through the order of all events.
        assert.deepEqual(Array.from(turned.sortByTime(shared, order)), Array.from(compact.sortByTime(compact.all(), order), inTurned), `sortByTime ${order}`);
        const few = compact.all().filter((id) => id % 13 === 0);
        assert.deepEqual(Array.from(turned.sortByTime(Int32Array.from(few, inTurned), order)), Array.from(compact.sortByTime(few, order), inTurned), `sortByTime ${order} of a few`);
      }
      assert.deepEqual(turned.histogram(shared, 3600_000), compact.histogram(undefined, 3600_000), 'histogram');
      assert.deepEqual(turned.histogram(shared, 60_000, { start: T0, end: T0 + 86400_000 }), compact.histogram(undefined, 60_000, { start: T0, end: T0 + 86400_000 }), 'histogram over a span');
      assert.deepEqual(without(timeOrder(turned)), Array.from(timeOrder(compact), inTurned), 'the timeline\'s order of all events');
      assert.deepEqual(timelineOf(turned, shared), timelineOf(compact, compact.all()), 'the timeline');
      const orders = new SortOrders();
      for (const direction of ['asc', 'desc'] as const) {
        assert.deepEqual(without(orders.orderOf(turned, 'time', direction)), Array.from(new SortOrders().orderOf(compact, 'time', direction), inTurned), `the table's time order ${direction}`);
      }
    });
  }
});
