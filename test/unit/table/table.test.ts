// The Events table's host side (src/core/table): sort orders against a naive comparison sort
// on seeded data, windows of rows, following the filter and the time range, the protocol's
// checks, and attacker-controlled text kept inert and bounded.
import * as assert from 'node:assert/strict';
import { random } from '../../../bench/generate';
import { EventIndex } from '../../../src/core/index/event-index';
import { PIVOT_FIELDS } from '../../../src/core/index/fields';
import { JsonObject } from '../../../src/core/model/event';
import { compareText } from '../../../src/core/model/text-order';
import { DisplayText, SortOrders, restrictOrder } from '../../../src/core/table/order';
import { FilterAction, TablePort, TableSession, cellFilter } from '../../../src/core/table/session';
import {
  COLUMN_LABELS,
  ColumnId,
  DEFAULT_COLUMNS,
  DEFAULT_TABLE_STATE,
  HostToTable,
  MAX_CELL_LENGTH,
  MAX_ROWS_PER_WINDOW,
  RowsMessage,
  SortDirection,
  TABLE_COLUMNS,
  UNSORTABLE_COLUMNS,
  parseHostMessage,
  parseTableMessage,
  parseTableState,
} from '../../../src/shared/table-protocol';
import { indexOf, record } from '../engine/helpers';
import { queryIndex } from '../../../src/core/query/query';

const T0 = Date.UTC(2026, 2, 4, 5, 0, 0);
const PAYLOADS = ['<img src=x onerror=window.__pwned=1>', '</script><script>window.__pwned=1</script>', '" OR * AND "x', 'a\u202eb'];

/** Seeded records with repeated and missing values, equal times, events without a time, several resources. */
function seeded(count: number, seed: number): JsonObject[] {
  const rand = random(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)];
  const out: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    const noTime = rand() < 0.03;
    const user = pick(['alice', 'Bob', 'carol', 'ci-deployer', 'Ω-admin', PAYLOADS[0]]);
    const r = record({
      ...(noTime ? {} : { eventTime: new Date(T0 + Math.floor(rand() * 50) * 1000).toISOString() }),
      eventName: pick(['ListBuckets', 'GetObject', 'AssumeRole', 'ConsoleLogin', 'listBuckets']),
      awsRegion: pick(['us-east-1', 'eu-west-1', 'ap-southeast-2']),
      sourceIPAddress: pick(['203.0.113.66', '198.51.100.7', '10.0.0.1', 'ec2.amazonaws.com']),
      readOnly: rand() < 0.5,
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${user}`, accountId: '111122223333', ...(rand() < 0.8 ? { accessKeyId: pick(['AKIAA', 'AKIAB', 'ASIAC']) } : {}) },
      ...(rand() < 0.2 ? { errorCode: pick(['AccessDenied', 'NoSuchKey', 'Client.UnauthorizedOperation']) } : {}),
      ...(rand() < 0.5 ? { resources: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ ARN: pick(['arn:aws:s3:::b1', 'arn:aws:s3:::a0', 'arn:aws:iam::111122223333:role/R', PAYLOADS[1]]) })) } : {}),
    });
    if (noTime) delete r.eventTime;
    out.push(r);
  }
  return out;
}

/** The order the table promises (src/core/table/order.ts), by a plain comparison sort. */
function naiveOrder(index: EventIndex, ids: ArrayLike<number>, column: ColumnId, direction: SortDirection, display?: DisplayText): number[] {
  const times = index.timeColumn();
  const value = (id: number): string | number | undefined => {
    if (column === 'time') return Number.isNaN(times.get(id)) ? undefined : times.get(id);
    const raw = index.value(column, id);
    return raw === undefined ? undefined : (display?.(column, raw) ?? raw);
  };
  const compareAsc = (a: number, b: number): number => {
    const va = value(a);
    const vb = value(b);
    const byValue = typeof va === 'number' && typeof vb === 'number' ? va - vb : compareText(String(va), String(vb));
    if (byValue !== 0) return byValue;
    const ta = times.get(a);
    const tb = times.get(b);
    if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
    if (!Number.isNaN(ta) && ta !== tb) return ta - tb;
    return a - b;
  };
  const present = Array.from(ids).filter((id) => value(id) !== undefined);
  const absent = Array.from(ids).filter((id) => value(id) === undefined);
  const sign = direction === 'asc' ? 1 : -1;
  present.sort((a, b) => sign * compareAsc(a, b));
  absent.sort((a, b) => sign * compareAsc(a, b));
  return [...present, ...absent];
}

interface Fake {
  port: TablePort;
  posted: HostToTable[];
  opened: Array<[number, boolean]>;
  filters: Array<[FilterAction, string]>;
  copied: string[];
  expression: { value: string };
}

function fake(index: EventIndex): Fake {
  const posted: HostToTable[] = [];
  const opened: Array<[number, boolean]> = [];
  const filters: Array<[FilterAction, string]> = [];
  const copied: string[] = [];
  const expression = { value: '' };
  let cache: { expression: string; selection: Int32Array } | undefined;
  const port: TablePort = {
    index: () => index,
    selection: () => {
      if (cache?.expression !== expression.value) cache = { expression: expression.value, selection: expression.value ? queryIndex(index, expression.value) : index.all() };
      return cache.selection;
    },
    filterInfo: () => ({ expression: expression.value }),
    formatTime: (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '(no time)'),
    openEvent: async (id, preserveFocus) => void opened.push([id, preserveFocus]),
    applyFilter: (action, term) => {
      queryIndex(index, term); // throws on a syntax error, as the shared filter does
      filters.push([action, term]);
    },
    copy: async (text) => void copied.push(text),
    post: (m) => void posted.push(m),
  };
  return { port, posted, opened, filters, copied, expression };
}

const SORTABLE = TABLE_COLUMNS.filter((c) => !UNSORTABLE_COLUMNS.has(c));

describe('events table: sort orders', () => {
  const index = indexOf(seeded(1500, 17));

  it('orders every sortable column both ways exactly as a naive comparison sort (stable: time, then id, break ties)', () => {
    const orders = new SortOrders();
    for (const column of SORTABLE) {
      for (const direction of ['asc', 'desc'] as const) {
        const got = Array.from(orders.orderOf(index, column, direction));
        assert.deepEqual(got, naiveOrder(index, index.all(), column, direction), `${column} ${direction}`);
      }
    }
  });

  it('restricts an order to a filtered selection, keeping the order', () => {
    const orders = new SortOrders();
    const selection = queryIndex(index, 'NOT readOnly:true AND (error:* OR ip:203.0.113.66)');
    assert.ok(selection.length > 10 && selection.length < index.size);
    for (const column of ['principal', 'time', 'resource', 'error'] as const) {
      const got = Array.from(restrictOrder(orders.orderOf(index, column, 'desc'), selection, index.size));
      assert.deepEqual(got, naiveOrder(index, selection, column, 'desc'), column);
    }
  });

  it('computes an order once per index version and column, and again after the index changes', () => {
    const local = indexOf(seeded(200, 3));
    const orders = new SortOrders();
    orders.orderOf(local, 'eventName', 'asc');
    orders.orderOf(local, 'eventName', 'asc');
    assert.equal(orders.computed, 1);
    indexOf(seeded(50, 4), local);
    const after = orders.orderOf(local, 'eventName', 'asc');
    assert.equal(orders.computed, 2);
    assert.equal(after.length, 250);
    assert.deepEqual(Array.from(after), naiveOrder(local, local.all(), 'eventName', 'asc'));
  });

  it('sorts a column by what it shows when its values read otherwise (principal display names)', () => {
    // A display that reverses the name: the order must follow the shown text, not the ARN.
    const display: DisplayText = (column, value) => (column === 'principal' ? [...value].reverse().join('') : undefined);
    const orders = new SortOrders();
    for (const direction of ['asc', 'desc'] as const) {
      const got = Array.from(orders.orderOf(index, 'principal', direction, display));
      assert.deepEqual(got, naiveOrder(index, index.all(), 'principal', direction, display), direction);
      assert.notDeepEqual(got, naiveOrder(index, index.all(), 'principal', direction), 'the display changes the order');
    }
  });

  it('refuses to sort the columns of unique ids', () => {
    assert.throws(() => new SortOrders().orderOf(index, 'eventId', 'asc'), /not sortable/);
  });
});

describe('events table: session', () => {
  const index = indexOf(seeded(1200, 99));

  function request(seq: number, offset: number, limit: number, sort: { column: ColumnId; direction: SortDirection } = { column: 'time', direction: 'desc' }, columns: ColumnId[] = [...DEFAULT_COLUMNS]) {
    return { type: 'requestRows', seq, offset, limit, columns, sort };
  }

  it('holds messages until ready, then sends init and answers windows of the sorted selection', async () => {
    const f = fake(index);
    const session = new TableSession(f.port, DEFAULT_TABLE_STATE);
    session.filterChanged();
    assert.equal(f.posted.length, 0, 'nothing is posted before ready');
    await session.handle({ type: 'ready' });
    assert.deepEqual(f.posted.map((m) => m.type), ['init', 'invalidate']);
    await session.handle(request(1, 100, 50, { column: 'principal', direction: 'asc' }));
    const rows = f.posted.at(-1) as RowsMessage;
    assert.equal(rows.type, 'rows');
    assert.equal(rows.total, index.size);
    assert.equal(rows.offset, 100);
    const expected = naiveOrder(index, index.all(), 'principal', 'asc').slice(100, 150);
    assert.deepEqual(rows.rows.map((r) => r.id), expected);
    const principalColumn = DEFAULT_COLUMNS.indexOf('principal');
    const withDisplay = fake(index);
    withDisplay.port.display = (column, value) => (column === 'principal' ? `name of ${value}` : undefined);
    const shown = new TableSession(withDisplay.port, DEFAULT_TABLE_STATE).rows({ seq: 1, offset: 0, limit: 5, columns: [...DEFAULT_COLUMNS], sort: { column: 'time', direction: 'desc' } });
    assert.deepEqual(shown.rows.map((r) => r.cells[principalColumn]), shown.rows.map((r) => `name of ${index.value('principal', r.id)}`));
    assert.deepEqual(rows.rows.map((r) => r.cells[principalColumn]), expected.map((id) => index.value('principal', id)));
    for (const row of rows.rows) {
      assert.equal(row.cells.length, DEFAULT_COLUMNS.length);
      assert.equal(row.error === true, index.value('error', row.id) !== undefined);
    }
    // The end of the selection: a short window, then an empty one.
    await session.handle(request(2, index.size - 7, 50));
    assert.equal((f.posted.at(-1) as RowsMessage).rows.length, 7);
    await session.handle(request(3, index.size + 10, 50));
    assert.equal((f.posted.at(-1) as RowsMessage).rows.length, 0);
  });

  it('follows the filter and the time range: new totals and rows, a new version, an invalidate that resets', async () => {
    const f = fake(index);
    const session = new TableSession(f.port, DEFAULT_TABLE_STATE);
    await session.handle({ type: 'ready' });
    await session.handle(request(1, 0, 20));
    const before = f.posted.at(-1) as RowsMessage;
    f.expression.value = `ip:203.0.113.66 AND time>=${new Date(T0 + 10_000).toISOString()} AND time<${new Date(T0 + 30_000).toISOString()}`;
    session.filterChanged();
    const invalidate = f.posted.at(-1) as Extract<HostToTable, { type: 'invalidate' }>;
    assert.equal(invalidate.type, 'invalidate');
    assert.equal(invalidate.reset, true);
    assert.equal(invalidate.filter.expression, f.expression.value);
    await session.handle(request(2, 0, MAX_ROWS_PER_WINDOW));
    const after = f.posted.at(-1) as RowsMessage;
    const selection = queryIndex(index, f.expression.value);
    assert.equal(after.total, selection.length);
    assert.notEqual(after.version, before.version);
    assert.deepEqual(after.rows.map((r) => r.id), naiveOrder(index, selection, 'time', 'desc'));
    for (const row of after.rows) {
      const t = index.time(row.id);
      assert.ok(t >= T0 + 10_000 && t < T0 + 30_000);
      assert.equal(index.value('ip', row.id), '203.0.113.66');
    }
    session.indexChanged();
    assert.equal((f.posted.at(-1) as Extract<HostToTable, { type: 'invalidate' }>).reset, false);
  });

  it('opens events and acts on cells by id and column, reading the value from the index', async () => {
    const f = fake(index);
    const session = new TableSession(f.port, DEFAULT_TABLE_STATE);
    await session.handle({ type: 'ready' });
    const withError = queryIndex(index, 'error:AccessDenied')[0];
    const noKey = queryIndex(index, 'NOT accessKey:*')[0];
    await session.handle({ type: 'open', eventId: withError, preserveFocus: true });
    assert.deepEqual(f.opened, [[withError, true]]);
    await session.handle({ type: 'cellAction', action: 'pivot', eventId: withError, column: 'error' });
    await session.handle({ type: 'cellAction', action: 'add', eventId: withError, column: 'ip' });
    await session.handle({ type: 'cellAction', action: 'exclude', eventId: withError, column: 'region' });
    await session.handle({ type: 'cellAction', action: 'pivot', eventId: noKey, column: 'accessKey' });
    await session.handle({ type: 'cellAction', action: 'exclude', eventId: noKey, column: 'accessKey' });
    await session.handle({ type: 'cellAction', action: 'add', eventId: withError, column: 'time' });
    await session.handle({ type: 'cellAction', action: 'copy', eventId: withError, column: 'principal' });
    assert.deepEqual(f.filters, [
      ['pivot', 'error:AccessDenied'],
      ['add', `ip:${index.value('ip', withError)}`],
      ['exclude', `region:${index.value('region', withError)}`],
      ['pivot', 'NOT accessKey:*'],
      ['add', 'accessKey:*'],
      ['add', `time:${new Date(index.time(withError)).toISOString()}`],
    ]);
    assert.deepEqual(f.copied, [index.value('principal', withError)]);
    // The time term finds exactly the events of that millisecond.
    const sameTime = queryIndex(index, f.filters[5][1]);
    assert.ok(Array.from(sameTime).every((id) => index.time(id) === index.time(withError)) && sameTime.includes(withError));
    // An id beyond the index is refused with a message, not opened.
    await session.handle({ type: 'open', eventId: index.size + 5, preserveFocus: false });
    assert.equal(f.opened.length, 1);
    assert.equal(f.posted.at(-1)?.type, 'error');
  });

  it('keeps hostile text literal in cells, caps long cells, and turns it into filter terms that match only that value', async () => {
    const long = 'x'.repeat(5000);
    const hostile = indexOf([
      record({ userAgent: long, eventName: PAYLOADS[2], sourceIPAddress: PAYLOADS[3], userIdentity: { type: 'IAMUser', arn: PAYLOADS[0], accountId: '1' } }),
      record({ eventName: 'Other' }),
    ]);
    const f = fake(hostile);
    const session = new TableSession(f.port, DEFAULT_TABLE_STATE);
    await session.handle({ type: 'ready' });
    await session.handle(request(1, 0, 10, { column: 'eventName', direction: 'asc' }, ['eventName', 'principal', 'ip', 'userAgent']));
    const row = (f.posted.at(-1) as RowsMessage).rows.find((r) => r.cells[0] === PAYLOADS[2]);
    assert.ok(row, 'the hostile event name comes back verbatim');
    assert.deepEqual(row.cells.slice(0, 3), [PAYLOADS[2], PAYLOADS[0], PAYLOADS[3]]);
    assert.equal(row.cells[3].length, MAX_CELL_LENGTH);
    assert.ok(row.cells[3].endsWith('…'));
    for (const column of ['eventName', 'principal', 'ip', 'userAgent'] as const) {
      await session.handle({ type: 'cellAction', action: 'pivot', eventId: row.id, column });
      const term = f.filters.at(-1)![1];
      assert.deepEqual(Array.from(queryIndex(hostile, term)), [row.id], `${column}: ${term}`);
    }
    await session.handle({ type: 'cellAction', action: 'copy', eventId: row.id, column: 'userAgent' });
    assert.equal(f.copied.at(-1), long, 'copy takes the whole value');
    // Messages naming commands, paths or markup are dropped.
    const logged: string[] = [];
    const g = fake(hostile);
    g.port.log = (m) => logged.push(m);
    const other = new TableSession(g.port, DEFAULT_TABLE_STATE);
    await other.handle({ type: 'command', command: 'workbench.action.terminal.new' });
    await other.handle({ type: 'open', eventId: '0' });
    await other.handle({ type: 'cellAction', action: 'run', eventId: 0, column: 'eventName' });
    assert.equal(logged.length, 3);
    assert.deepEqual(g.opened, []);
  });

  it('cellFilter: absent values filter on presence; an event without a time has no time term', () => {
    assert.deepEqual(cellFilter('error', undefined, 'add'), { action: 'add', term: 'NOT error:*' });
    assert.deepEqual(cellFilter('error', undefined, 'exclude'), { action: 'add', term: 'error:*' });
    assert.equal(cellFilter('time', undefined, 'pivot'), undefined);
    assert.deepEqual(cellFilter('principal', 'a b', 'pivot'), { action: 'pivot', term: 'principal:"a b"' });
  });
});

describe('events table: protocol', () => {
  it('has a column for the time and every index field, each labelled', () => {
    assert.deepEqual([...TABLE_COLUMNS], ['time', ...PIVOT_FIELDS]);
    for (const c of TABLE_COLUMNS) assert.ok(COLUMN_LABELS[c]);
  });

  it('checks requests from the webview', () => {
    const good = { type: 'requestRows', seq: 1, offset: 0, limit: 100, columns: ['time', 'eventName'], sort: { column: 'eventName', direction: 'asc' } };
    assert.deepEqual(parseTableMessage(good), good);
    for (const bad of [
      { ...good, limit: MAX_ROWS_PER_WINDOW + 1 },
      { ...good, offset: -1 },
      { ...good, columns: ['time', 'time'] },
      { ...good, columns: ['time', '__proto__'] },
      { ...good, columns: [] },
      { ...good, sort: { column: 'eventId', direction: 'asc' } },
      { ...good, sort: { column: 'time', direction: 'up' } },
      { type: 'open', eventId: 1.5 },
      { type: 'cellAction', action: 'pivot', eventId: 1, column: 'constructor' },
      { type: 'painted', frame: 'first', ms: 'fast', renderMs: 1 },
      null,
      'ready',
    ]) {
      assert.equal(parseTableMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('falls back to the default state for anything unusable, keeping what is valid', () => {
    assert.deepEqual(parseTableState(undefined), DEFAULT_TABLE_STATE);
    const state = parseTableState({ columns: ['time', 'userAgent'], widths: { time: 180, userAgent: 1e9, bogus: 100 }, sort: { column: 'requestId', direction: 'asc' } });
    assert.deepEqual(state, { columns: ['time', 'userAgent'], widths: { time: 180 }, sort: { column: 'time', direction: 'desc' } });
  });

  it('checks what the host sends in the webview: rows must have one text per column', () => {
    const rows = { type: 'rows', seq: 1, version: 1, total: 1, offset: 0, columns: ['time'], sort: { column: 'time', direction: 'desc' }, rows: [{ id: 0, cells: ['t'] }], hostMs: 1 };
    assert.deepEqual(parseHostMessage(rows), rows);
    assert.equal(parseHostMessage({ ...rows, rows: [{ id: 0, cells: ['t', 'extra'] }] }), undefined);
    assert.equal(parseHostMessage({ ...rows, rows: [{ id: 0, cells: [{ html: '<b>' }] }] }), undefined);
    assert.equal(parseHostMessage({ type: 'exec', command: 'x' }), undefined);
  });
});
