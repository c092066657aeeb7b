import { CliCommand } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence } from '../load';

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

export const statsCommand: CliCommand = {
  name: 'stats',
  usage: 'ctinv stats PATH... [--json]',
  summary: 'Count events, files and digests; list what was skipped and why.',
  options: { flags: ['json', ...LOAD_FLAGS], valued: [...LOAD_VALUED] },
  async run(args, io) {
    const { summary } = await loadEvidence(args.positionals, args, io);
    const result = {
      events: summary.events,
      files: summary.files,
      digests: summary.digests,
      skipped: summary.skipped.map((p) => ({ path: p.path, reason: p.reason, ...(p.offset !== undefined ? { offset: p.offset } : {}) })),
      first: iso(summary.first),
      last: iso(summary.last),
      duplicates: summary.duplicates,
      eventsWithoutTime: summary.eventsWithoutTime,
    };
    if (args.options.has('json')) {
      io.stdout.write(JSON.stringify(result) + '\n');
    } else {
      io.stdout.write(
        [
          `events:     ${result.events}`,
          `files:      ${result.files}`,
          `digests:    ${result.digests}`,
          `skipped:    ${result.skipped.length}`,
          `duplicates: ${result.duplicates} (counted once)`,
          `no time:    ${result.eventsWithoutTime} (kept)`,
          `first:      ${result.first ?? '-'}`,
          `last:       ${result.last ?? '-'}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
