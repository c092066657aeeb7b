/**
 * Remembers which time windows LookupEvents already fetched, per (account, region,
 * attribute, category), so the same fetch run again asks only for the new time. Stored as
 * JSON in a folder the caller gives (never inside evidence). Intervals are [start, end) in
 * epoch milliseconds, merged when they touch or overlap.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface Interval {
  start: number;
  end: number;
}

export interface WindowKey {
  /** Account id, or `profile:NAME` while the account is not known. */
  account: string;
  region: string;
  attributeKey?: string;
  attributeValue?: string;
  category: 'management' | 'insight';
}

export const WINDOWS_FILE = 'lookup-windows.json';

interface StoredFile {
  version: 1;
  /** Profile name → account id learned from the events (names and ids only, never secrets). */
  accounts: Record<string, string>;
  windows: Record<string, Array<[number, number]>>;
}

export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The parts of `range` not covered by `covered` (which must be merged), in ascending order. */
export function subtractIntervals(range: Interval, covered: readonly Interval[]): Interval[] {
  const gaps: Interval[] = [];
  let cursor = range.start;
  for (const c of covered) {
    if (c.end <= cursor) continue;
    if (c.start >= range.end) break;
    if (c.start > cursor) gaps.push({ start: cursor, end: Math.min(c.start, range.end) });
    cursor = Math.max(cursor, c.end);
    if (cursor >= range.end) break;
  }
  if (cursor < range.end) gaps.push({ start: cursor, end: range.end });
  return gaps;
}

function windowKeyString(key: WindowKey): string {
  return JSON.stringify([key.account, key.region, key.attributeKey ?? '', key.attributeValue ?? '', key.category]);
}

function isStored(value: unknown): value is StoredFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<StoredFile>;
  if (v.version !== 1 || typeof v.accounts !== 'object' || typeof v.windows !== 'object' || !v.accounts || !v.windows) return false;
  return Object.values(v.windows).every(
    (list) => Array.isArray(list) && list.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number' && Number.isFinite(n))),
  );
}

export class FetchedWindows {
  /** What went wrong while loading (a corrupt file is set aside, never deleted). */
  readonly problems: string[] = [];
  private data: StoredFile = { version: 1, accounts: {}, windows: {} };

  private constructor(readonly file: string) {}

  static async open(folder: string): Promise<FetchedWindows> {
    const windows = new FetchedWindows(path.join(folder, WINDOWS_FILE));
    const loaded = await windows.read();
    if (loaded) windows.data = loaded;
    return windows;
  }

  private async read(): Promise<StoredFile | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.problems.push(`Could not read ${this.file}: ${(error as Error).message}; starting with no fetched windows.`);
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      parsed = error;
    }
    if (isStored(parsed)) return parsed;
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await fs.rename(this.file, aside).catch(() => undefined);
    this.problems.push(`${this.file} is not a fetched-windows file (kept as ${path.basename(aside)}); starting with no fetched windows.`);
    return undefined;
  }

  accountFor(profile: string): string | undefined {
    return this.data.accounts[profile];
  }

  rememberAccount(profile: string, account: string): void {
    this.data.accounts[profile] = account;
  }

  covered(key: WindowKey): Interval[] {
    return (this.data.windows[windowKeyString(key)] ?? []).map(([start, end]) => ({ start, end }));
  }

  gaps(key: WindowKey, range: Interval): Interval[] {
    return subtractIntervals(range, this.covered(key));
  }

  add(key: WindowKey, interval: Interval): void {
    if (interval.end <= interval.start) return;
    const k = windowKeyString(key);
    const merged = mergeIntervals([...this.covered(key), interval]);
    this.data.windows[k] = merged.map((i) => [i.start, i.end]);
  }

  /** Writes atomically (temp file + rename), merging with what another task may have saved. */
  async save(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const onDisk = await this.read().catch(() => undefined);
    if (onDisk) {
      for (const [profile, account] of Object.entries(onDisk.accounts)) this.data.accounts[profile] ??= account;
      for (const [k, list] of Object.entries(onDisk.windows)) {
        const mine = (this.data.windows[k] ?? []).map(([start, end]) => ({ start, end }));
        const theirs = list.map(([start, end]) => ({ start, end }));
        this.data.windows[k] = mergeIntervals([...mine, ...theirs]).map((i) => [i.start, i.end]);
      }
    }
    const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(temp, JSON.stringify(this.data, null, 1), 'utf8');
    await fs.rename(temp, this.file);
  }
}
