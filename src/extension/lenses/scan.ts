/**
 * Finds the values lenses and hovers annotate in the text of a JSON document holding
 * CloudTrail events: trail files, single events, JSON lines, and LookupEvents output (whose
 * `CloudTrailEvent` is a JSON string: its escaped keys are found too and decoded twice).
 * A regular-expression pass over the text, never JSON.parse of the whole document, so a
 * 50 MB file is placed quickly. No vscode import: it runs in the benchmark too.
 */
import type { PivotField } from '../../core/index/fields';

/** The lens kinds a user can switch on and off (`cloudtrail.lenses.fields`). */
export const LENS_KINDS = ['accessKeyId', 'principal', 'sessionIssuer', 'sourceIPAddress', 'userAgent', 'eventName'] as const;
export type LensKind = (typeof LENS_KINDS)[number];

export interface ValueSite {
  readonly kind: LensKind;
  readonly field: PivotField;
  readonly value: string;
  /** Offsets of the key (with its quotes) in the scanned text: where the lens sits. */
  readonly keyStart: number;
  readonly keyEnd: number;
  /** Offsets of the whole `"key": "value"` pair: where a hover applies. */
  readonly end: number;
  /** 1 for the value's first site in the scanned text (same field and value), 2 for the next, ... */
  readonly occurrence: number;
}

export interface ScanOptions {
  readonly kinds: ReadonlySet<LensKind>;
  /** Stop after this many sites (document order). */
  readonly maxSites: number;
  /** Only the first occurrences of each value get a site (the lenses pass no limit: every record gets its lenses). */
  readonly maxPerValue: number;
}

export interface ScanResult {
  readonly sites: ValueSite[];
  /** True when maxSites stopped the scan before the end of the text. */
  readonly truncated: boolean;
  /** True when events embedded as JSON strings (LookupEvents `CloudTrailEvent`) were scanned. */
  readonly embedded: boolean;
}

const KEYS = 'accessKeyId|AccessKeyId|arn|principalId|sourceIPAddress|userAgent|eventName|EventName';
/** `"key": "value"` in plain JSON (the value's loop unrolled: runs of plain characters between escapes). */
const PLAIN = new RegExp(String.raw`"(${KEYS})"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"`, 'g');
/**
 * `\"key\":\"value\"` inside a JSON string. Inside the value: plain characters, an escaped
 * backslash (4 backslashes), an escaped quote (3 backslashes and a quote), an inner escape
 * (2 backslashes and a character) or an outer-only escape such as \u00e9.
 */
const EMBEDDED = new RegExp(String.raw`\\"(${KEYS})\\"\s*:\s*\\"([^"\\]*(?:(?:\\\\\\\\|\\\\\\"|\\\\[^"\\]|\\[^"\\])[^"\\]*)*)\\"`, 'g');
const PLAIN_OBJECT_KEY = /"(\w+)"\s*:\s*$/;
const EMBEDDED_OBJECT_KEY = /\\"(\w+)\\"\s*:\s*$/;
const PLAIN_ARN = /"arn"\s*:\s*"((?:[^"\\]|\\.)*)"/;
const EMBEDDED_ARN = /\\"arn\\"\s*:\s*\\"((?:[^"\\]|\\\\\\\\|\\\\\\"|\\\\[^"\\]|\\[^"\\])*)\\"/;
/** How far back to look for the object a key sits in (userIdentity, sessionIssuer...). */
const CONTEXT_WINDOW = 4096;

/** Objects whose `arn` names a principal that made calls. */
const PRINCIPAL_OBJECTS = new Set(['userIdentity', 'assumedRoleUser', 'federatedUser']);

function decodeOnce(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

/** The key of the object that encloses `position`, e.g. `sessionIssuer`. */
function enclosingObjectKey(text: string, position: number, embedded: boolean): string | undefined {
  let depth = 0;
  const stop = Math.max(0, position - CONTEXT_WINDOW);
  for (let i = position - 1; i >= stop; i--) {
    const ch = text.charCodeAt(i);
    if (ch === 125 /* } */) depth++;
    else if (ch === 123 /* { */) {
      if (depth === 0) {
        const before = text.slice(Math.max(0, i - 64), i);
        return (embedded ? EMBEDDED_OBJECT_KEY : PLAIN_OBJECT_KEY).exec(before)?.[1];
      }
      depth--;
    }
  }
  return undefined;
}

/** The `arn` beside a `principalId` in the same object (before any nested object). */
function siblingArn(text: string, position: number, embedded: boolean): string | undefined {
  let start = position;
  let end = position;
  const limit = 2048;
  while (start > 0 && position - start < limit && text[start - 1] !== '{' && text[start - 1] !== '}') start--;
  while (end < text.length && end - position < limit && text[end] !== '{' && text[end] !== '}') end++;
  const match = (embedded ? EMBEDDED_ARN : PLAIN_ARN).exec(text.slice(start, end));
  if (!match) return undefined;
  const once = decodeOnce(match[1]);
  return embedded && once !== undefined ? decodeOnce(once) : once;
}

function classify(key: string, text: string, position: number, embedded: boolean): { kind: LensKind; field: PivotField } | undefined {
  switch (key) {
    case 'accessKeyId':
    case 'AccessKeyId':
      return { kind: 'accessKeyId', field: 'accessKey' };
    case 'sourceIPAddress':
      return { kind: 'sourceIPAddress', field: 'ip' };
    case 'userAgent':
      return { kind: 'userAgent', field: 'userAgent' };
    case 'eventName':
    case 'EventName':
      return { kind: 'eventName', field: 'eventName' };
    case 'arn': {
      const owner = enclosingObjectKey(text, position, embedded);
      if (owner === 'sessionIssuer') return { kind: 'sessionIssuer', field: 'issuer' };
      if (owner && PRINCIPAL_OBJECTS.has(owner)) return { kind: 'principal', field: 'principal' };
      return undefined;
    }
    case 'principalId':
      return enclosingObjectKey(text, position, embedded) === 'userIdentity' ? { kind: 'principal', field: 'principal' } : undefined;
    default:
      return undefined;
  }
}

/** True when the text looks like it holds CloudTrail events (checked on its beginning). */
export function holdsCloudTrailEvents(text: string): boolean {
  const head = text.length > 4_000_000 ? text.slice(0, 4_000_000) : text;
  return /\\?"(eventName|EventName)\\?"\s*:/.test(head) && /\\?"(userIdentity|eventSource|CloudTrailEvent|sourceIPAddress)\\?"\s*:/.test(head);
}

export function scanValues(text: string, options: ScanOptions, base = 0): ScanResult {
  const sites: Omit<ValueSite, 'occurrence'>[] = [];
  const perValue = new Map<string, number>();
  let truncated = false;
  const embedded = text.includes('\\"eventName\\"') || text.includes('\\"userIdentity\\"');
  const wanted = (kind: LensKind): boolean => options.kinds.has(kind);

  // Sites per raw key and value text: once a pair has its share, later occurrences are
  // skipped before the costlier classification and decoding (most of a big file).
  const perRaw = new Map<string, number>();

  const run = (pattern: RegExp, isEmbedded: boolean): void => {
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      const key = match[1];
      const raw = `${key}\u0000${match[2]}`;
      if ((perRaw.get(raw) ?? 0) >= options.maxPerValue) continue;
      const classified = classify(key, text, match.index, isEmbedded);
      if (!classified || !wanted(classified.kind)) continue;
      let value: string | undefined;
      if (key === 'principalId') value = siblingArn(text, match.index, isEmbedded);
      else {
        const once = decodeOnce(match[2]);
        value = isEmbedded && once !== undefined ? decodeOnce(once) : once;
      }
      if (!value) continue;
      const dedupe = `${classified.field}\u0000${value}`;
      const seen = perValue.get(dedupe) ?? 0;
      if (seen >= options.maxPerValue) continue;
      perValue.set(dedupe, seen + 1);
      perRaw.set(raw, (perRaw.get(raw) ?? 0) + 1);
      const keyLength = isEmbedded ? key.length + 4 : key.length + 2;
      sites.push({
        kind: classified.kind,
        field: classified.field,
        value,
        keyStart: base + match.index,
        keyEnd: base + match.index + keyLength,
        end: base + match.index + match[0].length,
      });
      if (sites.length >= options.maxSites) {
        truncated = true;
        return;
      }
    }
  };

  run(PLAIN, false);
  if (embedded && !truncated) {
    run(EMBEDDED, true);
    sites.sort((a, b) => a.keyStart - b.keyStart);
  }
  // Occurrences in document order (after the sort: embedded keys sit between plain ones).
  const occurrences = new Map<string, number>();
  const numbered = sites.map((site): ValueSite => {
    const key = `${site.field}\u0000${site.value}`;
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    return { ...site, occurrence };
  });
  return { sites: numbered, truncated, embedded };
}
