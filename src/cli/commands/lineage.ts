import { Lineage, lineageJson, MissingHop, traceLineage } from '../../core/lineage/lineage';
import { UsageError } from '../args';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence } from '../load';
import { printable } from '../terminal';

/** POSIX shell single-quoting: values come from events (attacker-controlled). */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The AWS CLI command that fetches a missing hop (one per region), for the user to run. */
function lookupCommands(missing: MissingHop): string[] {
  const { lookup } = missing;
  return missing.regions.map((region) =>
    [
      'aws cloudtrail lookup-events',
      `--region ${shellQuote(region)}`,
      `--lookup-attributes ${shellQuote(`AttributeKey=${lookup.attributeKey},AttributeValue=${lookup.attributeValue}`)}`,
      `--start-time ${shellQuote(lookup.startTime)}`,
      `--end-time ${shellQuote(lookup.endTime)}`,
    ].join(' '),
  );
}

function text(lineage: Lineage): string {
  const lines: string[] = [];
  lineage.hops.forEach((hop, i) => {
    const what = hop.accessKey ? `${hop.accessKey} (${hop.keyKind})` : '(no key)';
    lines.push(`${i + 1}. ${printable(what)} used by ${printable(hop.principal)} [${hop.principalType}], ${hop.eventsUsingKey} event${hop.eventsUsingKey === 1 ? '' : 's'}`);
    if (hop.sourceIdentity) lines.push(`   sourceIdentity: ${printable(hop.sourceIdentity)}`);
    if (hop.issuedBy) {
      const b = hop.issuedBy;
      lines.push(`   issued by ${printable(b.eventName)} at ${b.time}, eventID ${printable(b.eventID ?? '?')}, region ${printable(b.region ?? '?')}${b.roleArn ? `, role ${printable(b.roleArn)}` : ''}${hop.joinedBy ? ' (joined via sharedEventID)' : ''}`);
    }
  });
  if (lineage.origin) {
    lines.push(`origin: ${printable(lineage.origin.label)}`);
  } else if (lineage.missing) {
    const m = lineage.missing;
    lines.push(`incomplete: ${printable(m.reason)}`);
    lines.push(`  load: account ${printable(m.account ?? '?')}, region(s) ${printable(m.regions.join(', '))}, event ${printable(m.eventNames.join(' or '))}, between ${m.window.start} and ${m.window.end}`);
    lines.push('  or fetch it with LookupEvents:');
    for (const command of lookupCommands(m)) lines.push(`    ${printable(command)}`);
  }
  if (lineage.sourceIdentity) lines.push(`sourceIdentity along the chain: ${printable(lineage.sourceIdentity)}`);
  for (const note of lineage.notes) lines.push(`note: ${printable(note)}`);
  return lines.join('\n') + '\n';
}

export const lineageCommand: CliCommand = {
  name: 'lineage',
  usage: 'ctinv lineage KEY PATH... [--json]',
  summary: 'Trace an access key back to the long-term identity behind it (JSON: hops from the key to its origin).',
  options: { flags: ['json', ...LOAD_FLAGS], valued: [...LOAD_VALUED] },
  async run(args, io) {
    const [key, ...paths] = args.positionals;
    if (!key) throw new UsageError('give the access key to trace, then the evidence');
    if (!/^[A-Z0-9]{12,128}$/.test(key)) throw new UsageError(`"${printable(key)}" does not look like an access key id (AKIA…/ASIA…)`);
    const { investigation } = await loadEvidence(paths, args, io);
    const lineage = await traceLineage(investigation.index, { accessKey: key }, { signal: io.signal });
    if (args.options.has('json')) writeOut(io, JSON.stringify(lineageJson(lineage), null, 2) + '\n');
    else writeOut(io, text(lineage));
    return lineage.complete ? 0 : 1;
  },
};
