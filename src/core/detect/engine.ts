/**
 * Runs detection rules over an index (or over an array of raw events) in time order and
 * groups their hits into findings.
 */
import { EventIndexApi, Selection } from '../engine/api';
import { JsonObject } from '../model/event';
import { normalizeEvent } from '../model/normalize';
import { parseEventTime } from '../model/time';
import { compareText } from '../model/text-order';
import { DetectionRule, DetectOptions, EventRef, Finding, Prefilter, RuleHit, RuleRun, RunContext, severityRank } from './types';

export interface RuleError {
  ruleId: string;
  message: string;
}

export interface DetectionReport {
  findings: Finding[];
  /** Rules that threw while running: reported, and the other rules went on. */
  ruleErrors: RuleError[];
  /** Events read from the index (after prefilters). */
  eventsScanned: number;
}

const DEFAULT_BATCH = 2000;
const DEFAULT_GAP = 30 * 60_000;

function mergeSorted(lists: Selection[]): Selection {
  const parts = lists.filter((l) => l.length > 0);
  if (parts.length === 0) return new Int32Array(0);
  if (parts.length === 1) return parts[0];
  const all = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  all.sort();
  let w = 0;
  for (let r = 0; r < all.length; r++) if (r === 0 || all[r] !== all[r - 1]) all[w++] = all[r];
  return all.subarray(0, w);
}

/**
 * Events a prefilter admits. Sigma compares case-insensitively, the index exactly, so each
 * wanted value is matched against the values present in the index ignoring case.
 */
export function prefilterSelection(index: EventIndexApi, prefilter: Prefilter[]): Selection {
  const lists: Selection[] = [];
  for (const p of prefilter) {
    const wanted = new Set(p.values.map((v) => v.toLowerCase()));
    const present = index.top(p.field, undefined, Number.MAX_SAFE_INTEGER);
    for (const { value } of present) if (wanted.has(value.toLowerCase())) lists.push(index.postings(p.field, value));
  }
  return mergeSorted(lists);
}

/** The filter-language form of a prefilter, for display ("eventName:StopLogging OR ..."). */
export function prefilterQuery(prefilter: Prefilter[] | undefined): string | undefined {
  if (!prefilter) return undefined;
  const quoteValue = (v: string): string => (/^[A-Za-z0-9_.:\-/]+$/.test(v) ? v : JSON.stringify(v));
  return prefilter.flatMap((p) => p.values.map((v) => `${p.field}:${quoteValue(v)}`)).join(' OR ');
}

class Runner {
  readonly runs: Array<RuleRun | undefined>;
  readonly errors: RuleError[] = [];

  constructor(
    private readonly rules: DetectionRule[],
    context: RunContext,
  ) {
    this.runs = rules.map((rule) => {
      try {
        return rule.start(context);
      } catch (error) {
        this.fail(rule, error);
        return undefined;
      }
    });
  }

  fail(rule: DetectionRule, error: unknown): void {
    this.errors.push({ ruleId: rule.id, message: error instanceof Error ? error.message : String(error) });
  }

  feed(ruleIndex: number, event: JsonObject, normalized: ReturnType<typeof normalizeEvent>, ref: EventRef): void {
    const run = this.runs[ruleIndex];
    if (!run) return;
    try {
      run.event(event, normalized, ref);
    } catch (error) {
      this.fail(this.rules[ruleIndex], error);
      this.runs[ruleIndex] = undefined;
    }
  }

  /** `placeOf`: each event id's place in the order the events were fed (by id where absent: ids that are that order). */
  finish(gapMs: number, placeOf?: Int32Array): Finding[] {
    const findings: Finding[] = [];
    this.rules.forEach((rule, i) => {
      const run = this.runs[i];
      if (!run) return;
      let hits: RuleHit[];
      try {
        hits = run.finish();
      } catch (error) {
        this.fail(rule, error);
        return;
      }
      findings.push(...groupHits(rule, hits, gapMs, placeOf));
    });
    return sortFindings(findings);
  }
}

function refTime(ref: EventRef): number {
  return Number.isFinite(ref.time) ? ref.time : Number.POSITIVE_INFINITY;
}

/** Hits of one rule and principal closer than `gapMs` become one finding. */
function groupHits(rule: DetectionRule, hits: RuleHit[], gapMs: number, placeOf?: Int32Array): Finding[] {
  const byPrincipal = new Map<string, RuleHit[]>();
  for (const hit of hits) {
    if (hit.events.length === 0) continue;
    const list = byPrincipal.get(hit.principal) ?? [];
    list.push(hit);
    byPrincipal.set(hit.principal, list);
  }
  const findings: Finding[] = [];
  for (const [principal, list] of byPrincipal) {
    const first = (h: RuleHit): number => Math.min(...h.events.map(refTime));
    list.sort((a, b) => first(a) - first(b));
    let current: Finding | undefined;
    for (const hit of list) {
      const hitFirst = first(hit);
      const hitLast = Math.max(...hit.events.map((e) => (Number.isFinite(e.time) ? e.time : Number.NEGATIVE_INFINITY)));
      const severity = hit.severity ?? rule.severity;
      const joinable = current && Number.isFinite(hitFirst) && Number.isFinite(current.last) && hitFirst - current.last <= gapMs;
      if (!current || !joinable) {
        current = {
          id: '',
          ruleId: rule.id,
          title: rule.title,
          severity,
          description: rule.description,
          origin: rule.origin,
          mitre: rule.mitre,
          principal,
          eventIds: [],
          events: [],
          first: hitFirst,
          last: hitLast,
          details: [],
        };
        findings.push(current);
      } else if (severityRank(severity) > severityRank(current.severity)) {
        current.severity = severity;
      }
      const known = new Set(current.events.map((e) => e.id));
      for (const e of hit.events) {
        if (known.has(e.id)) continue;
        current.events.push(e);
        known.add(e.id);
      }
      current.first = Math.min(current.first, hitFirst);
      current.last = Number.isFinite(current.last) ? Math.max(current.last, hitLast) : hitLast;
      if (hit.detail && current.details.length < 50 && !current.details.includes(hit.detail)) current.details.push(hit.detail);
    }
  }
  for (const f of findings) {
    // Events of one time as they were fed (an index's ids follow the order its batches arrived in).
    f.events.sort((a, b) => refTime(a) - refTime(b) || (placeOf ? placeOf[a.id] - placeOf[b.id] : a.id - b.id));
    f.eventIds = f.events.map((e) => e.id);
    if (!Number.isFinite(f.first)) f.first = NaN;
    if (!Number.isFinite(f.last)) f.last = NaN;
    f.id = `${f.ruleId}|${f.principal}|${f.events[0]?.eventID ?? f.events[0]?.id ?? ''}`;
  }
  return findings;
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (Number.isFinite(a.first) ? a.first : Infinity) - (Number.isFinite(b.first) ? b.first : Infinity) ||
      compareText(a.ruleId, b.ruleId),
  );
}

function contextOf(times: Iterable<number>): RunContext {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const t of times) {
    if (!Number.isFinite(t)) continue;
    if (t < start) start = t;
    if (t > end) end = t;
  }
  return Number.isFinite(start) ? { start, end } : { start: NaN, end: NaN };
}

/**
 * Runs rules over every event of an index: each rule sees only the events its prefilter admits
 * (all events when it has none), in time order; raw events are fetched in batches.
 */
export async function runDetectionsReport(index: EventIndexApi, rules: DetectionRule[], options: DetectOptions = {}): Promise<DetectionReport> {
  const { signal } = options;
  signal?.throwIfAborted();
  const size = index.size;
  const admits: Array<Uint8Array | undefined> = [];
  const lists: Selection[] = [];
  let needAll = false;
  for (const rule of rules) {
    if (!rule.prefilter) {
      needAll = true;
      admits.push(undefined);
      continue;
    }
    const selection = prefilterSelection(index, rule.prefilter);
    const mask = new Uint8Array(size);
    for (const id of selection) mask[id] = 1;
    admits.push(mask);
    lists.push(selection);
  }
  const union = needAll ? index.all() : mergeSorted(lists);
  const ordered = index.sortByTime(union, 'asc');

  const times: number[] = [];
  for (let id = 0; id < size; id++) times.push(index.time(id));
  const runner = new Runner(rules, contextOf(times));

  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  options.onProgress?.({ eventsDone: 0, eventsTotal: ordered.length });
  for (let start = 0; start < ordered.length; start += batchSize) {
    signal?.throwIfAborted();
    const ids = Array.from(ordered.subarray(start, start + batchSize));
    const raws = await index.rawMany(ids);
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const raw = raws[k];
      if (!raw) continue;
      const normalized = normalizeEvent(raw);
      const ref: EventRef = { id, eventID: normalized.eventId, eventName: normalized.eventName, time: index.time(id) };
      for (let r = 0; r < rules.length; r++) {
        const mask = admits[r];
        if (mask && mask[id] !== 1) continue;
        runner.feed(r, raw, normalized, ref);
      }
    }
    options.onProgress?.({ eventsDone: Math.min(ordered.length, start + ids.length), eventsTotal: ordered.length });
  }
  signal?.throwIfAborted();
  const placeOf = new Int32Array(size);
  for (let i = 0; i < ordered.length; i++) placeOf[ordered[i]] = i;
  return { findings: runner.finish(options.groupGapMs ?? DEFAULT_GAP, placeOf), ruleErrors: runner.errors, eventsScanned: ordered.length };
}

/** runDetectionsReport, findings only (rule errors go to the console-free `onRuleError`). */
export async function runDetections(
  index: EventIndexApi,
  rules: DetectionRule[],
  options: DetectOptions & { onRuleError?: (error: RuleError) => void } = {},
): Promise<Finding[]> {
  const report = await runDetectionsReport(index, rules, options);
  for (const error of report.ruleErrors) options.onRuleError?.(error);
  return report.findings;
}

/**
 * Pure evaluation over raw events already in time order (tests, and the CLI on small inputs).
 * Event ids in findings are positions in `events`. Every rule sees every event (prefilters are
 * an optimisation only; rules check their own conditions).
 */
export function evaluateRulesOnEvents(events: readonly JsonObject[], rules: DetectionRule[], options: Pick<DetectOptions, 'groupGapMs'> = {}): DetectionReport {
  const normalized = events.map((e) => normalizeEvent(e));
  const runner = new Runner(rules, contextOf(normalized.map((n) => n.time)));
  events.forEach((event, id) => {
    const n = normalized[id];
    const ref: EventRef = { id, eventID: n.eventId, eventName: n.eventName, time: n.time };
    for (let r = 0; r < rules.length; r++) runner.feed(r, event, n, ref);
  });
  return { findings: runner.finish(options.groupGapMs ?? DEFAULT_GAP), ruleErrors: runner.errors, eventsScanned: events.length };
}

/** Sorts raw events by eventTime (stable; events without a time keep their place at the end). */
export function sortEventsByTime(events: readonly JsonObject[]): JsonObject[] {
  return events
    .map((event, i) => ({ event, i, t: parseEventTime(event.eventTime ?? event['@timestamp']) }))
    .sort((a, b) => (Number.isFinite(a.t) ? a.t : Infinity) - (Number.isFinite(b.t) ? b.t : Infinity) || a.i - b.i)
    .map((x) => x.event);
}
