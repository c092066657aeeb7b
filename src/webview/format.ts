/** Pure helpers for the timeline webview: time axis ticks, lane labels, safe display text. */
import { formatDisplayTime, localOffsetMinutes, type DisplayZone } from '../core/model/display';

/**
 * The zone the host says times are shown in (cloudtrail.display.timeZone, sent with each view).
 * Local time is this browser's zone, which is the extension host's on a desktop; in a remote
 * window (code-server) the two can differ.
 */
let zone: DisplayZone = 'utc';

export function setDisplayZone(value: DisplayZone | undefined): void {
  zone = value === 'local' ? 'local' : 'utc';
}

/** Bidi overrides and control characters could make hostile text render as something else. */
// eslint-disable-next-line no-control-regex
const UNSAFE_DISPLAY = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text as it may be displayed: controls and direction overrides shown as U+FFFD, length capped. */
export function displayText(text: string, max = 2000): string {
  const clean = text.replace(UNSAFE_DISPLAY, '\ufffd');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * A lane's label: the host's name for it when it sent one (principals: their one display name),
 * else a short form: the resource part of an ARN ("user/alice", "assumed-role/R/s"), or the value.
 */
export function laneLabel(value: string, label?: string): string {
  if (label !== undefined && label !== '') return displayText(label, 300);
  if (value === '') return '(none)';
  const arn = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.+)$/.exec(value);
  return displayText(arn ? arn[1] : value, 300);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY,
];

export interface Tick {
  t: number;
  label: string;
  major: boolean;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Ticks about `minPx` apart for a window [t0, t1) drawn `width` px wide, on round times of the
 * display zone (the local offset is the one at t0: a daylight-saving change inside the window
 * shifts later ticks by its hour, their labels stay true).
 */
export function timeTicks(t0: number, t1: number, width: number, minPx = 90): Tick[] {
  const span = t1 - t0;
  if (!(span > 0) || !(width > 0)) return [];
  const wanted = (span / width) * minPx;
  const step = STEPS.find((s) => s >= wanted) ?? STEPS[STEPS.length - 1];
  const ticks: Tick[] = [];
  const offset = zone === 'local' && Number.isFinite(t0) ? localOffsetMinutes(t0) * MINUTE : 0;
  let t = Math.ceil((t0 + offset) / step) * step - offset;
  for (let guard = 0; t < t1 && guard < 500; t += step, guard++) {
    const d = new Date(t + (zone === 'local' ? localOffsetMinutes(t) * MINUTE : 0));
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0;
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    const clock = step < MINUTE ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` : `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    ticks.push({ t, label: step >= DAY || midnight ? date : clock, major: midnight });
  }
  return ticks;
}

/** The one display form (src/core/model/display.ts) in the display zone, milliseconds only when present. */
export function formatTime(t: number): string {
  return formatDisplayTime(t, { zone, precision: 'auto' });
}

/** "3 min 20 s", "2 h 5 min", "4 d 3 h" */
export function formatSpan(ms: number): string {
  if (ms < MINUTE) return `${Math.round(ms / SECOND)} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ${Math.round((ms % MINUTE) / SECOND)} s`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ${Math.round((ms % HOUR) / MINUTE)} min`;
  return `${Math.floor(ms / DAY)} d ${Math.round((ms % DAY) / HOUR)} h`;
}
