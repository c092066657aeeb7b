const ISO_EXTENDED =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2}|[+-]\d{2}| ?UTC)?$/;
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{4}|[+-]\d{2})?$/;

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z' || zone.trim() === 'UTC') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.replace(/[^0-9]/g, '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}

function fromParts(m: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  return Date.UTC(Number(y), month - 1, day, hour, minute, second, ms) - offsetMinutes(zone) * 60_000;
}

/** The decimal number in text[at, at+count), or -1 when a character is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Accepts every ISO-8601 variant seen in CloudTrail exports: `2023-07-10T11:42:18Z`,
 * `2021-10-13 18:35:08` (taken as UTC), nanosecond fractions, offsets, the basic
 * format `20131102T010628Z`, and epoch seconds or milliseconds as numbers.
 * Returns NaN when the value holds no usable time.
 */
export function parseEventTime(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return NaN;
    return value < 1e11 ? value * 1000 : value;
  }
  if (typeof value !== 'string') return NaN;
  const text = value.trim();
  // Fast path for the canonical form CloudTrail writes (digits read in place, no slices).
  if (text.length === 20 && text.charCodeAt(10) === 84 /* T */ && text.charCodeAt(19) === 90 /* Z */) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60) {
      const t = Date.UTC(year, month - 1, day, hour, minute, second);
      if (!Number.isNaN(t)) return t;
    }
  }
  const extended = ISO_EXTENDED.exec(text);
  if (extended) return fromParts(extended);
  const basic = ISO_BASIC.exec(text);
  if (basic) return fromParts(basic);
  if (/^\d{10}(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (/^\d{13}$/.test(text)) return Number(text);
  return NaN;
}

export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '(no time)';
}
