/**
 * The incident report: one Markdown document with the findings, the lineage of the
 * principals involved and the events in time order. Every string that comes from an event
 * (principals, event names, details, user agents, error codes) is attacker-controlled: it is
 * escaped so that it renders as literal text and can never form a link, an image, HTML or a
 * table cell break.
 */
import type { EventRow } from '../engine/api';
import type { Finding, Severity } from '../detect/types';
import { SEVERITIES } from '../detect/types';
import type { Lineage } from '../lineage/lineage';
import { formatTime } from '../model/time';

export interface ReportLineage {
  /** The principal whose activity led to the trace. */
  principal: string;
  lineage: Lineage;
}

export interface IncidentReportInput {
  title?: string;
  generatedAt: Date;
  toolVersion: string;
  /** The evidence the index was built from (folders, files, live sources). */
  sources: string[];
  /** The active filter when the report was made ('' = everything). */
  filter: string;
  findings: readonly Finding[];
  lineages: readonly ReportLineage[];
  /** The events of the findings, in time order (already capped by the caller). */
  events: readonly EventRow[];
  /** How many events the findings cover in all (more than `events.length` when capped). */
  eventsTotal: number;
  /** Sigma rules and rule runs that could not be used, one line each (shown as warnings). */
  ruleProblems?: readonly string[];
}

const MARKDOWN_SPECIALS = /[\\`*_{}[\]()#+\-.!|<>~&:$"'=]/g;
// Control characters and line/paragraph separators: event text must stay on its line.
// eslint-disable-next-line no-control-regex
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Literal text inside Markdown (and inside a table cell): no links, HTML, emphasis or breaks. */
export function escapeReportText(text: string): string {
  return text
    .replace(BREAKS, ' ')
    .replace(MARKDOWN_SPECIALS, (ch) => `\\${ch}`);
}

/** A value in an inline code span that cannot be closed early by the text itself. */
function code(text: string): string {
  const flat = text.replace(BREAKS, ' ');
  // A span fenced with more backticks than any run inside it cannot be closed by the text.
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.length === 0 ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function time(ms: number): string {
  return Number.isFinite(ms) ? formatTime(ms) : '(no time)';
}

function span(first: number, last: number): string {
  if (!Number.isFinite(first)) return '(no time)';
  return first === last || !Number.isFinite(last) ? time(first) : `${time(first)} → ${time(last)}`;
}

function countBySeverity(findings: readonly Finding[]): string {
  return SEVERITIES.map((s: Severity) => ({ s, n: findings.filter((f) => f.severity === s).length }))
    .filter(({ n }) => n > 0)
    .map(({ s, n }) => `${n} ${s}`)
    .join(', ');
}

function lineageLines(entry: ReportLineage): string[] {
  const { lineage } = entry;
  const lines: string[] = [];
  lines.push(`### ${escapeReportText(entry.principal)}`);
  lines.push('');
  if (lineage.hops.length === 0) lines.push('- No hop could be traced.');
  lineage.hops.forEach((hop, i) => {
    const key = hop.accessKey ? `${code(hop.accessKey)} (${hop.keyKind})` : 'no access key';
    let line = `${i + 1}. ${key} used by ${escapeReportText(hop.principal)}, ${hop.eventsUsingKey} event${hop.eventsUsingKey === 1 ? '' : 's'}`;
    if (hop.issuedBy) {
      line += `; issued by ${escapeReportText(hop.issuedBy.eventName)} at ${escapeReportText(hop.issuedBy.time)}`;
      if (hop.issuedBy.eventID) line += ` (eventID ${code(hop.issuedBy.eventID)})`;
      if (hop.joinedBy) line += ', joined through the other account\u2019s copy (sharedEventID)';
    }
    lines.push(line);
  });
  if (lineage.origin) lines.push(`- **Origin:** ${escapeReportText(lineage.origin.label)}`);
  if (lineage.sourceIdentity) lines.push(`- **Source identity:** ${escapeReportText(lineage.sourceIdentity)}`);
  if (lineage.missing) {
    const m = lineage.missing;
    lines.push(`- **Missing hop:** ${escapeReportText(m.reason)}`);
    lines.push(
      `  - load: account ${escapeReportText(m.account ?? '?')}, regions ${escapeReportText(m.regions.join(', ') || '?')}, ` +
        `events ${escapeReportText(m.eventNames.join(', ') || 'any')}, ${escapeReportText(m.window.start)} → ${escapeReportText(m.window.end)}`,
    );
    lines.push(
      `  - LookupEvents: ${code(`${m.lookup.attributeKey}=${m.lookup.attributeValue}`)} from ${escapeReportText(m.lookup.startTime)} to ${escapeReportText(m.lookup.endTime)}`,
    );
  }
  for (const note of lineage.notes) lines.push(`- Note: ${escapeReportText(note)}`);
  lines.push('');
  return lines;
}

/** Builds the report's Markdown text. */
export function buildIncidentReport(input: IncidentReportInput): string {
  const out: string[] = [];
  out.push(`# ${escapeReportText(input.title ?? 'CloudTrail incident report')}`);
  out.push('');
  out.push(`- Generated: ${input.generatedAt.toISOString()} by CloudTrail Investigator ${escapeReportText(input.toolVersion)}`);
  out.push(`- Evidence: ${input.sources.length === 0 ? 'none' : input.sources.map((s) => code(s)).join(', ')}`);
  out.push(`- Filter when generated: ${input.filter.trim() ? code(input.filter) : 'none (all events)'}`);
  const findingsSummary = countBySeverity(input.findings);
  out.push(`- Findings: ${input.findings.length}${findingsSummary ? ` (${findingsSummary})` : ''}`);
  out.push('');

  out.push('## Findings');
  out.push('');
  if (input.findings.length === 0) out.push('No detection rule matched the loaded events.\n');
  for (const severity of SEVERITIES) {
    const group = input.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push(`### ${severity[0].toUpperCase()}${severity.slice(1)} (${group.length})`);
    out.push('');
    for (const f of group) {
      out.push(`#### ${escapeReportText(f.title)}`);
      out.push('');
      out.push(`- Rule: ${code(f.ruleId)} (${f.origin})`);
      out.push(`- Principal: ${escapeReportText(f.principal)}`);
      out.push(`- When: ${span(f.first, f.last)}, ${f.events.length} event${f.events.length === 1 ? '' : 's'}`);
      if (f.mitre.length > 0) out.push(`- ATT&CK: ${f.mitre.map((m) => escapeReportText(m.name && m.name !== m.id ? `${m.id} ${m.name}` : m.id)).join('; ')}`);
      out.push(`- ${escapeReportText(f.description)}`);
      for (const d of f.details.slice(0, 10)) out.push(`  - ${escapeReportText(d)}`);
      if (f.details.length > 10) out.push(`  - … ${f.details.length - 10} more`);
      const ids = f.events.slice(0, 10).map((e) => code(e.eventID ?? `#${e.id}`));
      out.push(`- Events: ${ids.join(' ')}${f.events.length > 10 ? ` … (+${f.events.length - 10})` : ''}`);
      out.push('');
    }
  }
  if (input.ruleProblems && input.ruleProblems.length > 0) {
    out.push('### Rules not used');
    out.push('');
    for (const p of input.ruleProblems) out.push(`- ${escapeReportText(p)}`);
    out.push('');
  }

  out.push('## Lineage of the principals involved');
  out.push('');
  if (input.lineages.length === 0) out.push('No principal to trace.\n');
  for (const entry of input.lineages) out.push(...lineageLines(entry));

  out.push('## Events in order');
  out.push('');
  if (input.events.length < input.eventsTotal) {
    out.push(`The first ${input.events.length} of ${input.eventsTotal} events of the findings are listed.`);
    out.push('');
  }
  if (input.events.length === 0) {
    out.push('No events.');
  } else {
    out.push('| Time (UTC) | Event | Principal | Source IP | Region | Error | Event ID |');
    out.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const e of input.events) {
      const cells = [
        time(e.time),
        [e.eventSource, e.eventName].filter(Boolean).join(' '),
        e.principal,
        e.ip ?? '',
        e.region ?? '',
        e.error ?? '',
        e.eventId ?? `#${e.id}`,
      ];
      out.push(`| ${cells.map((c) => escapeReportText(c)).join(' | ')} |`);
    }
  }
  out.push('');
  return out.join('\n');
}
