import { describePlace, type EventIdConflict } from '../../core/engine/api';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence } from '../load';
import { printable } from '../terminal';

/** Conflicts listed in the human output (--json lists what the summary holds). */
const CONFLICTS_SHOWN = 10;

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** "a.json record 1 and b.json record 2", or "records 1 and 2 of a.json" when both are in one file. */
function bothPlaces(conflict: EventIdConflict): string {
  const { first, second } = conflict;
  if (first.path === second.path && first.record !== undefined && second.record !== undefined) return `records ${first.record} and ${second.record} of ${first.path}`;
  return `${describePlace(first)} and ${describePlace(second)}`;
}

export const statsCommand: CliCommand = {
  name: 'stats',
  usage: 'ctinv stats PATH... [--json]',
  summary: 'Count events, files and digests; list what was skipped and why.',
  options: { flags: ['json', ...LOAD_FLAGS], valued: [...LOAD_VALUED] },
  async run(args, io) {
    const { summary } = await loadEvidence(args.positionals, args, io, 'summary');
    const result = {
      events: summary.events,
      files: summary.files,
      digests: summary.digests,
      skipped: summary.skipped.map((p) => ({ path: p.path, reason: p.reason, ...(p.offset !== undefined ? { offset: p.offset } : {}) })),
      first: iso(summary.first),
      last: iso(summary.last),
      duplicates: summary.duplicates,
      /** Records kept although another has their eventID: their content differs. */
      conflicts: summary.conflicts,
      /** The first of them (bounded), each with both sides' file and place. */
      conflictList: summary.conflictList,
      eventsWithoutTime: summary.eventsWithoutTime,
    };
    if (args.options.has('json')) {
      writeOut(io, JSON.stringify(result) + '\n');
    } else {
      const conflicts = result.conflictList.slice(0, CONFLICTS_SHOWN).map((c) => `  eventID ${printable(JSON.stringify(c.eventId))}: ${printable(bothPlaces(c))}`);
      if (result.conflicts > conflicts.length) conflicts.push(`  … and ${result.conflicts - conflicts.length} more (--json lists ${result.conflictList.length})`);
      writeOut(io, 
        [
          `events:     ${result.events}`,
          `files:      ${result.files}`,
          `digests:    ${result.digests}`,
          `skipped:    ${result.skipped.length}`,
          `duplicates: ${result.duplicates} (identical records, counted once)`,
          `conflicts:  ${result.conflicts}${result.conflicts > 0 ? ' (records sharing an eventID with different content: all kept)' : ''}`,
          ...conflicts,
          `no time:    ${result.eventsWithoutTime} (kept)`,
          `first:      ${result.first ?? '-'}`,
          `last:       ${result.last ?? '-'}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
