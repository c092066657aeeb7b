import { builtinRules } from '../../core/detect/builtin';
import { DetectionReport, runDetectionsReport } from '../../core/detect/engine';
import type { SigmaProblem } from '../../core/detect/sigma/load';
import { DetectionRule, Finding, SEVERITIES, Severity, severityRank } from '../../core/detect/types';
import { EventIndexApi } from '../../core/engine/api';
import { formatTime } from '../../core/model/time';
import { stringOption, UsageError } from '../args';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence } from '../load';
import { printable } from '../terminal';

function findingJson(f: Finding, index: EventIndexApi): Record<string, unknown> {
  return {
    ruleId: f.ruleId,
    title: f.title,
    severity: f.severity,
    origin: f.origin,
    principal: f.principal,
    first: formatTime(f.first),
    last: formatTime(f.last),
    mitre: f.mitre,
    details: f.details,
    description: f.description,
    events: f.events.map((e) => ({ eventID: e.eventID ?? null, eventName: e.eventName ?? null, time: formatTime(e.time), file: index.origin(e.id).path })),
  };
}

function text(report: DetectionReport, problems: SigmaProblem[], rules: DetectionRule[]): string {
  const lines: string[] = [];
  const counts = SEVERITIES.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
  lines.push(`${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${counts}) from ${rules.length} rules over ${report.eventsScanned} events`);
  for (const f of report.findings) {
    lines.push('');
    lines.push(`[${f.severity.toUpperCase()}] ${printable(f.title)}  (${printable(f.ruleId)})`);
    lines.push(`  who:    ${printable(f.principal)}`);
    lines.push(`  when:   ${formatTime(f.first)} → ${formatTime(f.last)}, ${f.events.length} event${f.events.length === 1 ? '' : 's'}`);
    if (f.mitre.length > 0) lines.push(`  ATT&CK: ${printable(f.mitre.map((m) => (m.name !== m.id ? `${m.id} ${m.name}` : m.id)).join('; '))}`);
    for (const d of f.details.slice(0, 8)) lines.push(`  - ${printable(d)}`);
    if (f.details.length > 8) lines.push(`  - … ${f.details.length - 8} more`);
    const ids = f.events.slice(0, 5).map((e) => e.eventID ?? `#${e.id}`);
    lines.push(`  events: ${printable(ids.join(' '))}${f.events.length > 5 ? ` … (+${f.events.length - 5})` : ''}`);
  }
  if (problems.length > 0 || report.ruleErrors.length > 0) lines.push('');
  return lines.join('\n') + '\n';
}

export const detectCommand: CliCommand = {
  name: 'detect',
  usage: 'ctinv detect PATH... [--rules DIR] [--no-builtin] [--min-severity LEVEL] [--json]',
  summary: 'Run the built-in detections (and Sigma rules from --rules) and print the findings by severity.',
  options: { flags: ['json', 'no-builtin', ...LOAD_FLAGS], valued: ['rules', 'min-severity', ...LOAD_VALUED] },
  async run(args, io) {
    const json = args.options.has('json');
    const minText = stringOption(args, 'min-severity') ?? 'info';
    if (!(SEVERITIES as readonly string[]).includes(minText)) throw new UsageError(`--min-severity must be one of ${SEVERITIES.join(', ')}`);
    const minimum = severityRank(minText as Severity);
    const rulesDir = stringOption(args, 'rules');
    const rules: DetectionRule[] = args.options.has('no-builtin') ? [] : builtinRules();
    let problems: SigmaProblem[] = [];
    if (rulesDir !== undefined) {
      // The Sigma loader (and its YAML parser) loads only when rules are given: every other run starts without it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadSigmaRules } = require('../../core/detect/sigma/load') as typeof import('../../core/detect/sigma/load');
      const loaded = await loadSigmaRules([rulesDir], { signal: io.signal });
      rules.push(...loaded.rules);
      problems = loaded.problems;
      for (const p of problems) io.stderr.write(`rules: ${printable(p.file)}: ${p.kind}: ${printable(p.reason)}\n`);
      io.stderr.write(`rules: ${loaded.rules.length} Sigma rule${loaded.rules.length === 1 ? '' : 's'} loaded, ${problems.length} not usable\n`);
    }
    if (rules.length === 0) throw new UsageError('no rules to run (--no-builtin without --rules, or no usable rule in --rules)');
    const { investigation } = await loadEvidence(args.positionals, args, io);
    const index = investigation.index;
    const report = await runDetectionsReport(index, rules, {
      signal: io.signal,
      onProgress: io.interactive ? (p) => io.stderr.write(`\r\x1b[Kdetecting: ${p.eventsDone}/${p.eventsTotal} events`) : undefined,
    });
    if (io.interactive) io.stderr.write('\r\x1b[K');
    for (const e of report.ruleErrors) io.stderr.write(`rule ${printable(e.ruleId)} failed and was stopped: ${printable(e.message)}\n`);
    report.findings = report.findings.filter((f) => severityRank(f.severity) >= minimum);
    if (json) {
      writeOut(io, 
        JSON.stringify(
          {
            findings: report.findings.map((f) => findingJson(f, index)),
            eventsScanned: report.eventsScanned,
            rules: rules.length,
            ruleProblems: problems,
            ruleErrors: report.ruleErrors,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      writeOut(io, text(report, problems, rules));
    }
    return report.ruleErrors.length > 0 ? 1 : 0;
  },
};
