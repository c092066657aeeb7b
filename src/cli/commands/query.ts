import { EventRow } from '../../core/engine/api';
import { formatTime } from '../../core/model/time';
import { intOption, stringOption, UsageError } from '../args';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence, whereOption } from '../load';
import { csvLine } from '../../core/export/csv-cell';
import { printable } from '../terminal';
import { queryIndex } from '../../core/query/query';

const FORMATS = ['ndjson', 'csv', 'table'] as const;
type Format = (typeof FORMATS)[number];

const COLUMNS: [string, (row: EventRow) => string][] = [
  ['time', (r) => formatTime(r.time)],
  ['eventName', (r) => r.eventName ?? ''],
  ['eventSource', (r) => r.eventSource ?? ''],
  ['region', (r) => r.region ?? ''],
  ['principal', (r) => r.principal],
  ['accessKey', (r) => r.accessKey ?? ''],
  ['sourceIP', (r) => r.ip ?? ''],
  ['error', (r) => r.error ?? ''],
  ['eventID', (r) => r.eventId ?? ''],
];

export const queryCommand: CliCommand = {
  name: 'query',
  usage: 'ctinv query PATH... --where EXPR [--format ndjson|csv|table] [--limit N] [--order asc|desc]',
  summary: 'Print the events matching a filter (ndjson: each raw event as one line of JSON).',
  options: { flags: [...LOAD_FLAGS], valued: ['where', 'format', 'limit', 'order', ...LOAD_VALUED] },
  async run(args, io) {
    const where = whereOption(args);
    const format = (stringOption(args, 'format') ?? 'ndjson') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const order = stringOption(args, 'order') ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw new UsageError('--order must be asc or desc');
    const limit = intOption(args, 'limit', Number.MAX_SAFE_INTEGER);
    const { investigation } = await loadEvidence(args.positionals, args, io);
    const index = investigation.index;
    const selection = queryIndex(index, where);
    const ids = index.sortByTime(selection, order).subarray(0, Math.min(limit, selection.length));
    if (format === 'ndjson') {
      for (let start = 0; start < ids.length; start += 1000) {
        const batch = Array.from(ids.subarray(start, start + 1000));
        // Each record's own text from its file (one line): nothing re-serialised, nothing to overflow.
        const records = await index.rawRecords(batch);
        writeOut(io, records.map((r) => r.text).join('\n') + '\n');
      }
    } else if (format === 'csv') {
      writeOut(io, csvLine(COLUMNS.map(([name]) => name)));
      for (const id of ids) writeOut(io, csvLine(COLUMNS.map(([, get]) => get(index.row(id)))));
    } else {
      const rows = Array.from(ids, (id) => COLUMNS.map(([, get]) => printable(get(index.row(id)))));
      const header = COLUMNS.map(([name]) => name);
      const widths = header.map((h, c) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[c].length))));
      const line = (cells: string[]) => cells.map((cell, c) => cell.slice(0, widths[c]).padEnd(widths[c])).join('  ').trimEnd() + '\n';
      writeOut(io, line(header));
      for (const row of rows) writeOut(io, line(row));
    }
    io.stderr.write(`${selection.length} matching event${selection.length === 1 ? '' : 's'}${ids.length < selection.length ? `, ${ids.length} shown` : ''}\n`);
    return 0;
  },
};
