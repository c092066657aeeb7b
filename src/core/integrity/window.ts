/**
 * The time window a validation checks, as `aws cloudtrail validate-logs --start-time
 * --end-time` takes it: files delivered on or after the start and on or before the end.
 *
 * A digest belongs to the window when the hour it covers meets it (digestEndTime on or
 * after the start, digestStartTime on or before the end); a log file no digest in the
 * window lists belongs to it when its delivery time (from its name) is inside.
 */
import { parseEventTime } from '../model/time';

export interface TimeBounds {
  /** Milliseconds since the epoch; undefined: no bound given. */
  start?: number;
  end?: number;
}

/** Digests are delivered hourly: the span of one whose start time cannot be read. */
export const DIGEST_PERIOD_MS = 3_600_000;

/** A time as the CLI and the extension accept it: ISO 8601, UTC unless an offset is given. */
export function parseTimeBound(text: string): number {
  const trimmed = text.trim();
  // parseEventTime also takes epoch numbers; a bound must be a written date.
  if (!/^\d{4}-?\d{2}-?\d{2}(?:$|[T ])/.test(trimmed)) return NaN;
  return parseEventTime(trimmed);
}

function isoText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Checks the bounds a caller gave; throws a RangeError naming what is wrong. */
export function checkBounds(startTime: Date | undefined, endTime: Date | undefined): TimeBounds {
  const start = startTime?.getTime();
  const end = endTime?.getTime();
  if (start !== undefined && !Number.isFinite(start)) throw new RangeError('the start of the window is not a valid time');
  if (end !== undefined && !Number.isFinite(end)) throw new RangeError('the end of the window is not a valid time');
  if (start !== undefined && end !== undefined && start > end) {
    throw new RangeError(`the start of the window (${isoText(start)}) is after the end (${isoText(end)})`);
  }
  return { start, end };
}

/** Whether a digest covering [start, end] (ms, NaN when unknown) meets the window; unknown times are kept. */
export function digestInWindow(start: number, end: number, bounds: TimeBounds): boolean {
  if (bounds.start !== undefined && Number.isFinite(end) && end < bounds.start) return false;
  if (bounds.end !== undefined && Number.isFinite(start) && start > bounds.end) return false;
  return true;
}

/** Whether a file delivered at `at` (ms, NaN when its name carries no time) is inside the window. */
export function timeInWindow(at: number, bounds: TimeBounds): boolean {
  if (!Number.isFinite(at)) return true;
  return (bounds.start === undefined || at >= bounds.start) && (bounds.end === undefined || at <= bounds.end);
}
