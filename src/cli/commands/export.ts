import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExportFormat, conflictProvenance, exportEvents, inBatches } from '../../core/export/export';
import { evidenceContaining, insideEvidenceMessage } from '../../core/sources/evidence-guard';
import { stringOption, UsageError } from '../args';
import { CliCommand, writeOut } from '../command';
import { LOAD_FLAGS, LOAD_VALUED, loadEvidence, whereOption } from '../load';
import { printable } from '../terminal';
import { queryIndex } from '../../core/query/query';

const FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];

/** The version in the package.json above this file (dist/cli.js and out/src/cli/commands/ both find it). */
export function toolVersion(from: string = __dirname): string {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'cloudtrail-investigator' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // no package.json here: keep going up
    }
    if (path.dirname(dir) === dir) break;
  }
  return 'unknown';
}

function parseFormats(text: string | undefined): ExportFormat[] {
  if (text === undefined) return [...FORMATS];
  const asked = text.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = asked.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (asked.length === 0 || bad.length > 0) throw new UsageError(`--format takes ${FORMATS.join(', ')} or both, comma-separated${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
  return [...new Set(asked)] as ExportFormat[];
}

export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'ctinv export PATH... --out DIR [--where EXPR] [--format jsonl,csv] [--json]',
  summary:
    'Export the events matching a filter (all without --where), in time order, as JSON lines and formula-safe CSV with a provenance header and a SHA-256 manifest, into a new folder inside DIR.',
  options: { flags: ['json', ...LOAD_FLAGS], valued: ['out', 'where', 'format', ...LOAD_VALUED] },
  async run(args, io) {
    const outDir = stringOption(args, 'out');
    if (!outDir) throw new UsageError('--out DIR is required: the export goes into a new folder inside it');
    const formats = parseFormats(stringOption(args, 'format'));
    const where = whereOption(args);
    if (args.positionals.length === 0) throw new UsageError('give at least one file or folder of CloudTrail evidence');
    const inside = evidenceContaining(outDir, args.positionals);
    if (inside) throw new UsageError(insideEvidenceMessage('--out', outDir, inside));

    const { investigation, summary } = await loadEvidence(args.positionals, args, io);
    const index = investigation.index;
    const selection = queryIndex(index, where);
    const ordered = index.sortByTime(selection, 'asc');
    const result = await exportEvents(
      inBatches(ordered, (ids) => index.rawRecords(ids), { signal: io.signal }),
      {
        sources: args.positionals.map((p) => path.resolve(p)),
        filter: where,
        exportedAt: new Date(),
        toolVersion: toolVersion(),
        eventCount: ordered.length,
        eventIdConflicts: conflictProvenance([summary]),
      },
      {
        outDir,
        formats,
        signal: io.signal,
        onProgress: io.interactive ? (p) => io.stderr.write(`\r\x1b[Kexporting: ${p.events}/${ordered.length} events`) : undefined,
      },
    );
    if (io.interactive) io.stderr.write('\r\x1b[K');
    for (const warning of result.warnings) io.stderr.write(`warning: ${printable(warning)}\n`);
    for (const skipped of result.skipped) io.stderr.write(`skipped: record ${skipped.index}: ${printable(skipped.reason)}\n`);
    if (args.options.has('json')) {
      writeOut(io, JSON.stringify(result, null, 2) + '\n');
    } else {
      const lines = [`exported ${result.eventsWritten} event${result.eventsWritten === 1 ? '' : 's'} to ${printable(result.folder)}`];
      for (const file of result.files) lines.push(`  ${file.sha256}  ${printable(file.name)} (${file.size} bytes)`);
      lines.push(`verify: (cd ${printable(JSON.stringify(result.folder))} && sha256sum -c MANIFEST.sha256)`);
      writeOut(io, lines.join('\n') + '\n');
    }
    return result.warnings.length > 0 ? 1 : 0;
  },
};
