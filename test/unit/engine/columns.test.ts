import * as assert from 'node:assert/strict';
import { BlockDeltaColumn, HashColumn, PackedIds, RunColumn, UniqueIdColumn, packId } from '../../../src/core/index/columns';
import { random as seeded } from '../../../bench/records';

interface Column {
  size: number;
  get(index: number): number;
  push(value: number): void;
  truncate(length: number): void;
}

/** Every value of `column` against the reference, read in order, backwards and at random. */
function assertHolds(column: Column, reference: number[], random: () => number, label: string): void {
  assert.equal(column.size, reference.length, `${label}: size`);
  for (let i = 0; i < reference.length; i++) if (column.get(i) !== reference[i]) assert.fail(`${label}: entry ${i} is ${column.get(i)}, not ${reference[i]}`);
  for (let i = reference.length - 1; i >= 0; i--) if (column.get(i) !== reference[i]) assert.fail(`${label}: entry ${i} (backwards) is ${column.get(i)}, not ${reference[i]}`);
  for (let k = 0; k < Math.min(500, reference.length); k++) {
    const i = Math.floor(random() * reference.length);
    if (column.get(i) !== reference[i]) assert.fail(`${label}: entry ${i} (at random) is ${column.get(i)}, not ${reference[i]}`);
  }
}

/** The number of runs of equal values in `values`. */
function runsOf(values: number[]): number {
  let runs = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[i - 1]) runs++;
  return runs;
}

describe('run column (the file of each event)', () => {
  /** Pushes files in runs of 1..maxRun events; `interleave`: the chance that a run goes back to an earlier file. */
  function fill(column: RunColumn, reference: number[], random: () => number, events: number, maxRun: number, interleave: number, files: number): void {
    let file = 0;
    while (reference.length < events) {
      file = random() < interleave ? Math.floor(random() * files) : Math.min(files - 1, file + 1);
      const run = 1 + Math.floor(random() * maxRun);
      for (let k = 0; k < run && reference.length < events; k++) {
        column.push(file);
        reference.push(file);
      }
    }
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`holds files pushed in runs, with appendRows and truncates between them (seed ${seed})`, () => {
      const random = seeded(seed);
      const column = new RunColumn();
      const reference: number[] = [];
      for (let round = 0; round < 8; round++) {
        fill(column, reference, random, reference.length + 2000 + Math.floor(random() * 3000), 60, 0.05, 100_000);
        const source = Int32Array.from({ length: 500 }, (_, i) => 70_000 + Math.floor(i / 40));
        const rows = Int32Array.from({ length: 200 }, () => Math.floor(random() * source.length)).sort();
        column.appendRows(source, rows);
        for (const row of rows) reference.push(source[row]);
        column.appendRows(source.subarray(0, 100), undefined);
        for (const value of source.subarray(0, 100)) reference.push(value);
        const cut = Math.floor(random() * reference.length);
        column.truncate(cut);
        reference.length = cut;
        // A truncate that cuts a run in two: the next push of the same file continues it.
        if (cut > 0) {
          column.push(reference[cut - 1]);
          reference.push(reference[cut - 1]);
        }
        assertHolds(column, reference, random, `seed ${seed}, round ${round}`);
      }
      assert.equal(column.runCount, runsOf(reference), 'one entry a run');
      column.trim();
      assert.equal(column.byteLength, column.runCount * 8, 'eight bytes a run once trimmed');
      assertHolds(column, reference, random, `seed ${seed}, trimmed`);
    });
  }

  it('turns into a plain column when files interleave, keeping every value, and keeps going', () => {
    const random = seeded(7);
    const column = new RunColumn();
    const reference: number[] = [];
    fill(column, reference, random, 3000, 50, 0, 100_000);
    assert.ok(column.runCount > 0);
    // Then every event from another file than the one before.
    fill(column, reference, random, 100_000, 1, 1, 100_000);
    assert.equal(column.runCount, 0, 'plain once runs no longer pay');
    assertHolds(column, reference, random, 'after the switch');
    fill(column, reference, random, 130_000, 80, 0.1, 100_000);
    column.truncate(125_000);
    reference.length = 125_000;
    assertHolds(column, reference, random, 'pushes and a truncate after the switch');
    column.trim();
    assert.ok(column.byteLength <= 4 * 125_000 * 1.25, `${column.byteLength} bytes: no more than a plain column of four bytes an event (trimmed only past a quarter spare)`);
  });

  it('stays runs when a trail starts with a quiet region (thousands of one-event files), then runs of a few dozen', () => {
    // As the 3,000,000-event trail's first folders were: judged on those alone, runs did not pay.
    const random = seeded(11);
    const column = new RunColumn();
    const reference: number[] = [];
    fill(column, reference, random, 3000, 1, 0, 200_000);
    const first = reference.length;
    let file = reference[first - 1];
    while (reference.length < 300_000) {
      file++;
      const run = 10 + Math.floor(random() * 50);
      for (let k = 0; k < run; k++) {
        column.push(file);
        reference.push(file);
      }
    }
    assert.ok(column.runCount > 0, 'still runs');
    assertHolds(column, reference, random, 'quiet start');
    column.trim();
    assert.ok(column.byteLength < 0.5 * reference.length, `${column.byteLength} bytes for ${reference.length} events`);
  });

  it('weighs runs against the width of a plain column: few files interleaved stay one byte an event', () => {
    const random = seeded(8);
    const column = new RunColumn();
    const reference: number[] = [];
    // 20 files, runs of 1..4 events: runs would cost more than the one-byte codes.
    fill(column, reference, random, 100_000, 4, 1, 20);
    assert.equal(column.runCount, 0);
    assertHolds(column, reference, random, 'few files');
    column.trim();
    assert.ok(column.byteLength < 100_000 * 1.3, `${column.byteLength} bytes`);
  });

  it('adopts an array without copying it, and appends after it', () => {
    const random = seeded(9);
    const array = Int32Array.from({ length: 5000 }, (_, i) => Math.floor(i / 37));
    const column = new RunColumn();
    column.adopt(array);
    const reference = Array.from(array);
    assertHolds(column, reference, random, 'adopted');
    array[10] = 99;
    assert.equal(column.get(10), 99, 'a view, not a copy');
    reference[10] = 99;
    for (let i = 0; i < 300; i++) {
      column.push(200 + (i >> 4));
      reference.push(200 + (i >> 4));
    }
    column.truncate(5100);
    reference.length = 5100;
    assertHolds(column, reference, random, 'after pushes');
    assert.throws(() => column.adopt(new Uint8Array(3)), /only an empty column/);
  });

  it('takes pushes after a trim while empty (an index trimmed before its first events)', () => {
    const random = seeded(18);
    const column = new RunColumn();
    column.trim();
    assert.equal(column.byteLength, 0);
    const reference: number[] = [];
    fill(column, reference, random, 5000, 30, 0, 100_000);
    assertHolds(column, reference, random, 'after an empty trim');
    column.truncate(0);
    column.trim();
    reference.length = 0;
    fill(column, reference, random, 3000, 30, 0, 100_000);
    assertHolds(column, reference, random, 'truncated to nothing, trimmed, filled again');
  });

  it('trims its spare runs and reads the same after', () => {
    const random = seeded(10);
    const column = new RunColumn();
    const reference: number[] = [];
    fill(column, reference, random, 20_000, 40, 0, 100_000);
    const before = column.byteLength;
    column.trim();
    assert.ok(column.byteLength <= before);
    assert.equal(column.byteLength, column.runCount * 8);
    assertHolds(column, reference, random, 'trimmed');
    fill(column, reference, random, 21_000, 40, 0, 100_000);
    assertHolds(column, reference, random, 'pushed after trim');
  });
});

describe('block delta column (where each event\'s resources start)', () => {
  /** Pushes a growing total: mostly 0 or 1 more an event, now and then `burst` at once. */
  function fill(column: BlockDeltaColumn, reference: number[], random: () => number, count: number, burst: number): void {
    let total = reference.length ? reference[reference.length - 1] : 0;
    for (let i = 0; i < count; i++) {
      const r = random();
      total += r < 0.6 ? 0 : r < 0.95 ? 1 : r < 0.999 ? 3 : burst;
      column.push(total);
      reference.push(total);
    }
  }

  for (const seed of [11, 12, 13]) {
    it(`holds a growing total at a byte an entry, across truncates (seed ${seed})`, () => {
      const random = seeded(seed);
      const column = new BlockDeltaColumn();
      const reference: number[] = [];
      column.push(0);
      reference.push(0);
      for (let round = 0; round < 6; round++) {
        fill(column, reference, random, 3000 + Math.floor(random() * 5000), 5);
        const cut = 1 + Math.floor(random() * reference.length);
        column.truncate(cut);
        reference.length = cut;
        assertHolds(column, reference, random, `seed ${seed}, round ${round}`);
      }
      column.trim();
      assertHolds(column, reference, random, 'trimmed');
    });
  }

  it('costs about a byte an entry while events have few resources', () => {
    const random = seeded(17);
    const column = new BlockDeltaColumn();
    const reference: number[] = [];
    fill(column, reference, random, 200_000, 5);
    column.trim();
    assertHolds(column, reference, random, 'many');
    assert.ok(column.byteLength < reference.length * 1.2, `${column.byteLength} bytes for ${reference.length} entries`);
  });

  it('takes pushes after a trim while empty, and after a truncate to nothing', () => {
    const random = seeded(19);
    const column = new BlockDeltaColumn();
    column.trim();
    const reference: number[] = [];
    fill(column, reference, random, 3000, 5);
    assertHolds(column, reference, random, 'after an empty trim');
    column.truncate(0);
    column.trim();
    reference.length = 0;
    fill(column, reference, random, 3000, 5);
    assertHolds(column, reference, random, 'truncated to nothing, trimmed, filled again');
  });

  it('widens for an event with many resources, keeping every value', () => {
    const random = seeded(14);
    const column = new BlockDeltaColumn();
    const reference: number[] = [];
    fill(column, reference, random, 5000, 1000);
    fill(column, reference, random, 5000, 100_000);
    assertHolds(column, reference, random, 'bursts');
  });

  it('turns into plain doubles for a value below its block\'s first, or not whole, and keeps going', () => {
    const random = seeded(15);
    for (const odd of [-5, 2.5, 2 ** 40]) {
      const column = new BlockDeltaColumn();
      const reference: number[] = [];
      fill(column, reference, random, 1000, 3);
      const value = odd < 0 ? reference[reference.length - 1] + odd : odd;
      column.push(value);
      reference.push(value);
      fill(column, reference, random, 1000, 3);
      column.truncate(1500);
      reference.length = 1500;
      fill(column, reference, random, 100, 3);
      assertHolds(column, reference, random, `after ${odd}`);
    }
  });

  it('adopts an array without copying it, and appends after it', () => {
    const random = seeded(16);
    const array = Uint32Array.from({ length: 3000 }, (_, i) => Math.floor(i / 3));
    const column = new BlockDeltaColumn();
    column.adopt(array);
    const reference = Array.from(array);
    array[7] = 2;
    reference[7] = 2;
    assertHolds(column, reference, random, 'adopted');
    fill(column, reference, random, 500, 4);
    column.truncate(3200);
    reference.length = 3200;
    assertHolds(column, reference, random, 'after pushes');
    assert.throws(() => column.adopt(new Uint32Array(2)), /only an empty column/);
  });
});

/** A seeded column test's other step: truncate both to a random length, or reserve up to `spare` more (and maybe trim). */
function truncateOrReserve(column: { truncate(length: number): void; reserve(capacity: number): void; trim(): void }, reference: unknown[], random: () => number, truncate: boolean, spare: number): void {
  if (truncate) {
    const length = Math.floor(random() * (reference.length + 1));
    column.truncate(length);
    reference.length = length;
  } else {
    column.reserve(reference.length + Math.floor(random() * spare));
    if (random() < 0.5) column.trim();
  }
}

describe('hash column (the content hash each reader gave)', () => {
  /** What the column must answer for a value pushed: every negative is "computed later" (-1). */
  const expected = (value: number) => (value < 0 ? -1 : value);

  it('keeps no array while every hash is "later" (a trail scanned from bytes), and reads -1 for each', () => {
    const column = new HashColumn();
    column.reserve(100_000);
    for (let i = 0; i < 100_000; i++) column.push(i % 7 === 0 ? -1 - i : -1);
    column.appendRows(new Float64Array([-1, -5, -1]), undefined);
    column.appendRows(new Float64Array([7, -1, 9, -1]), new Int32Array([1, 3]));
    column.trim();
    assert.equal(column.size, 100_005);
    assert.equal(column.byteLength, 0);
    assert.equal(column.get(0), -1);
    assert.equal(column.get(99_999), -1);
    assert.ok(Number.isNaN(column.get(100_005)), 'past the end');
    column.truncate(10);
    assert.equal(column.size, 10);
  });

  it('adopts an array of "later" hashes by its count alone, and one holding a hash as it is', () => {
    const later = new HashColumn();
    later.adopt(new Float64Array([-1, -1, -3]));
    assert.equal(later.size, 3);
    assert.equal(later.byteLength, 0);
    const given = new HashColumn();
    const array = new Float64Array([-1, 12345, -7]);
    given.adopt(array);
    assert.deepEqual([given.get(0), given.get(1), given.get(2)], [-1, 12345, -1]);
    assert.equal(given.byteLength, array.byteLength);
    assert.throws(() => given.adopt(new Float64Array(1)), /only an empty column/);
  });

  it('holds every value against a plain array, whatever the mix of pushes, rows, truncates and hashes (seeded)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seeded(seed);
      const column = new HashColumn();
      const reference: number[] = [];
      let hashCame = false;
      const firstHashAt = random() < 0.3 ? Infinity : Math.floor(random() * 3000);
      const steps = 50 + Math.floor(random() * 200);
      for (let step = 0; step < steps; step++) {
        const value = () => (reference.length + step >= firstHashAt && random() < 0.2 ? Math.floor(random() * 2 ** 52) : -1 - Math.floor(random() * 3));
        const roll = random();
        if (roll < 0.5) {
          const v = value();
          column.push(v);
          reference.push(expected(v));
          hashCame ||= v >= 0;
        } else if (roll < 0.85) {
          const source = Float64Array.from({ length: 1 + Math.floor(random() * 60) }, value);
          const rows = random() < 0.5 ? undefined : Int32Array.from(source.keys()).filter(() => random() < 0.6);
          column.appendRows(source, rows);
          for (const row of rows ?? source.keys()) {
            reference.push(expected(source[row]));
            hashCame ||= source[row] >= 0;
          }
        } else {
          truncateOrReserve(column, reference, random, roll < 0.95, 500);
        }
      }
      assertHolds(column, reference, random, `seed ${seed}`);
      assert.equal(column.byteLength > 0, hashCame, `seed ${seed}: an array once a hash came, and only then`);
    }
  });
});

describe('unique id column (eventID, requestID)', () => {
  /** An identifier of one kind or another: absent, a UUID (lower, upper or mixed case), or text. */
  function anId(random: () => number, mix: number): string | undefined {
    const hex = () => Math.floor(random() * 16).toString(16);
    const uuid = () => [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, hex).join('')).join('-');
    const roll = random();
    if (roll >= mix) return uuid();
    if (roll < mix / 4) return undefined;
    if (roll < mix / 2) return uuid().toUpperCase();
    if (roll < (mix * 3) / 4) return `req-${Math.floor(random() * 50)}`;
    return ['', 'ABCDEF00-0000-0000-0000-00000000000x', uuid().replace(/^./, 'G')][Math.floor(random() * 3)];
  }

  function packed(values: (string | undefined)[]): PackedIds {
    const ids: PackedIds = { words: new Uint32Array(values.length * 4 + 8), kinds: new Uint8Array(values.length + 2), texts: [] };
    values.forEach((value, i) => {
      if (value === undefined) return;
      const kind = packId(value, ids.words, i * 4);
      ids.kinds[i] = kind;
      if (kind === 3) ids.texts.push([i, value]);
    });
    return ids;
  }

  it('holds every identifier against a plain array, one kind or many, whatever the mix of pushes, batches, truncates and trims (seeded)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = seeded(seed);
      // Most seeds hold lower-case UUIDs only for a long while (no kind byte), then another kind may come.
      const mixFrom = random() < 0.3 ? Infinity : Math.floor(random() * 400);
      const column = new UniqueIdColumn();
      const reference: (string | undefined)[] = [];
      if (random() < 0.3) {
        // Adopted batches of one kind, or mixed (say, a first identifier unlike the rest).
        const mixed = random() < 0.5;
        const batch = Array.from({ length: Math.floor(random() * 200) }, (_, i) => anId(random, mixed && (i === 0 || random() < 0.1) ? 1 : 0));
        column.adopt(packed(batch), batch.length);
        reference.push(...batch);
      }
      const steps = 30 + Math.floor(random() * 80);
      for (let step = 0; step < steps; step++) {
        const mix = reference.length >= mixFrom ? 0.3 : 0;
        const roll = random();
        if (roll < 0.35) {
          const value = anId(random, mix);
          column.push(value);
          reference.push(value);
        } else if (roll < 0.55) {
          const batch = Array.from({ length: 1 + Math.floor(random() * 30) }, () => anId(random, mix));
          const ids = packed(batch);
          const from = Math.floor(random() * batch.length);
          column.pushPacked(ids, from, ids.texts.find(([i]) => i === from)?.[1]);
          reference.push(batch[from]);
        } else if (roll < 0.8) {
          const batch = Array.from({ length: 1 + Math.floor(random() * 60) }, () => anId(random, mix));
          const rows = Int32Array.from(batch.keys()).filter(() => random() < 0.7);
          const idOf = new Int32Array(batch.length).fill(-1);
          rows.forEach((row, k) => (idOf[row] = k));
          column.appendRows(packed(batch), rows, idOf);
          for (const row of rows) reference.push(batch[row]);
        } else {
          truncateOrReserve(column, reference, random, roll < 0.9, 300);
        }
      }
      assert.equal(column.size, reference.length, `seed ${seed}: size`);
      for (let i = 0; i < reference.length; i++) {
        if (column.get(i) !== reference[i]) assert.fail(`seed ${seed}: entry ${i} is ${column.get(i)}, not ${reference[i]}`);
        assert.equal(column.isPresent(i), reference[i] !== undefined, `seed ${seed}: entry ${i} present`);
      }
      for (let k = 0; k < 200 && reference.length > 0; k++) {
        const a = Math.floor(random() * reference.length);
        const b = random() < 0.3 ? a : Math.floor(random() * reference.length);
        assert.equal(column.equal(a, b), reference[a] === reference[b], `seed ${seed}: ${a} equal ${b}`);
        if (reference[a] === reference[b]) assert.equal(column.hash(a), column.hash(b), `seed ${seed}: equal entries hash alike`);
      }
      const asked = reference.filter((value): value is string => value !== undefined).slice(0, 5);
      for (const value of [...asked, ...asked.map((v) => v.toUpperCase())]) {
        const lower = value.toLowerCase();
        const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(lower);
        const expected = reference.flatMap((v, i) => (v !== undefined && (isUuid ? v.toLowerCase() === lower : v === value) ? [i] : []));
        assert.deepEqual(column.find(value), expected, `seed ${seed}: find ${value}`);
      }
    }
  });

  it('needs no byte an event while every identifier is a lower-case UUID, and one once another kind comes', () => {
    const column = new UniqueIdColumn();
    column.reserve(10_000);
    for (let i = 0; i < 10_000; i++) column.push(`${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`);
    column.trim();
    assert.equal(column.byteLength, 10_000 * 16);
    column.push(undefined);
    assert.equal(column.get(10_000), undefined);
    assert.equal(column.get(9_999), '0000270f-0000-4000-8000-000000000000');
    assert.ok(column.byteLength >= 10_001 * 17, 'a kind byte an entry once two kinds are held');
  });
});
