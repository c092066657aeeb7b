/**
 * Detections: rules that read raw CloudTrail events (in time order) and produce findings.
 * Every string in an event is attacker-controlled: rules only compare it, never run it.
 */
import { PivotField } from '../index/fields';
import { JsonObject, NormalizedEvent } from '../model/event';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Higher is worse: critical 4 … info 0. */
export function severityRank(severity: Severity): number {
  return 4 - SEVERITIES.indexOf(severity);
}

export interface MitreTechnique {
  /** e.g. "T1562.008" */
  id: string;
  name: string;
  tactic?: string;
}

/** One event a finding points at. `id` is the index event id (or the position in the input array). */
export interface EventRef {
  id: number;
  eventID?: string;
  eventName?: string;
  time: number;
}

/** A set of events a rule can only ever match: the union of exact values of one or more pivot fields. */
export interface Prefilter {
  field: Extract<PivotField, 'eventName' | 'eventSource' | 'principalType'>;
  values: string[];
}

/** What a rule run reports; the engine turns hits into findings (grouped per rule and principal). */
export interface RuleHit {
  events: EventRef[];
  principal: string;
  /** Overrides the rule's severity for this hit (e.g. a denied attempt is less severe). */
  severity?: Severity;
  /** One short line per hit, built from event fields: attacker-controlled text, show it as text. */
  detail?: string;
}

/** The data set a run covers: lets stateful rules define a baseline period. */
export interface RunContext {
  /** Earliest and latest event time (ms), NaN when no event has a time. */
  start: number;
  end: number;
}

export interface RuleRun {
  /** Called once per candidate event, in time order. */
  event(event: JsonObject, normalized: NormalizedEvent, ref: EventRef): void;
  /** Hits found once every event was seen (stateful rules report here; stateless ones may too). */
  finish(): RuleHit[];
}

export interface DetectionRule {
  /** Stable id: "ctinv.<tactic>.<name>" for built-in rules, "sigma:<rule id or file name>" for Sigma. */
  id: string;
  title: string;
  severity: Severity;
  description: string;
  mitre: MitreTechnique[];
  origin: 'builtin' | 'sigma';
  /** For Sigma rules: the file the rule came from. */
  file?: string;
  /**
   * Events outside this set can never match, so the engine only feeds the rule these
   * (looked up in the index). Undefined: the rule needs every event (stateful baselines).
   */
  prefilter?: Prefilter[];
  start(context: RunContext): RuleRun;
}

export interface Finding {
  /** Unique within one run: rule id + principal + first event. */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  description: string;
  origin: 'builtin' | 'sigma';
  mitre: MitreTechnique[];
  /** principalKey() of the identity that did it (see model/normalize.ts). */
  principal: string;
  /** Index event ids (or input positions), ascending by time. */
  eventIds: number[];
  events: EventRef[];
  first: number;
  last: number;
  /** Short lines describing each hit (attacker-controlled text inside). */
  details: string[];
}

export interface DetectProgress {
  eventsDone: number;
  eventsTotal: number;
}

export interface DetectOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DetectProgress) => void;
  /** Raw events fetched per rawMany() call; default 2000. */
  batchSize?: number;
  /** Hits of one rule and principal closer than this are one finding; default 30 minutes. */
  groupGapMs?: number;
}
