import { PIVOT_FIELDS, PivotField, resolveField } from '../../core/index/fields';
import { formatTime } from '../../core/model/time';
import { intOption, UsageError } from '../args';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence, whereOption } from '../load';
import { printable } from '../terminal';
import { queryIndex } from '../../core/query/query';

export const topCommand: CliCommand = {
  name: 'top',
  usage: 'ctinv top FIELD PATH... [--where EXPR] [--limit N] [--json]',
  summary: 'The most frequent values of a field, with counts and first/last seen.',
  options: { flags: ['json', ...LOAD_FLAGS], valued: ['where', 'limit', ...LOAD_VALUED] },
  async run(args, io) {
    const [fieldName, ...paths] = args.positionals;
    if (!fieldName) throw new UsageError('name a field to count');
    const field = resolveField(fieldName);
    if (!field || field === 'time') {
      throw new UsageError(`unknown field "${fieldName}"; fields: ${PIVOT_FIELDS.join(', ')}`);
    }
    const limit = intOption(args, 'limit', 20);
    const where = whereOption(args);
    const { investigation } = await loadEvidence(paths, args, io);
    const index = investigation.index;
    const selection = where ? queryIndex(index, where) : undefined;
    const rows = index.top(field as PivotField, selection, limit);
    if (args.options.has('json')) {
      writeOut(io, 
        JSON.stringify(rows.map((r) => ({ value: r.value, count: r.count, first: formatIso(r.first), last: formatIso(r.last) }))) + '\n',
      );
    } else {
      const width = Math.max(5, ...rows.map((r) => String(r.count).length));
      for (const r of rows) {
        const value = printable(r.value);
        writeOut(io, `${String(r.count).padStart(width)}  ${value}  (${formatTime(r.first)} .. ${formatTime(r.last)})\n`);
      }
    }
    return 0;
  },
};

function formatIso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
