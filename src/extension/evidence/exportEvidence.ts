/**
 * "Export Evidence": the events matching the current filter, in time order, written as JSON
 * lines + CSV (formula-safe) + provenance + SHA-256 manifest into a NEW folder inside the
 * folder the user picks. Nothing is overwritten; a cancelled or failed export removes what it
 * created; a folder inside the evidence is refused (evidence is read-only).
 */
import * as vscode from 'vscode';
import { conflictProvenance, exportEvents, inBatches, type ExportResult } from '../../core/export/export';
import { evidenceContaining, insideEvidenceMessage } from '../../core/sources/evidence-guard';
import { RecordChangedError } from '../../core/index/read-back';
import type { ExtensionServices } from '../services';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import { plural } from '../util/text';

export interface ExportEvidenceArgs {
  /** The folder the export folder is created in; asked for when absent. */
  outDir?: string;
  /** A selection instead of the current filter: index ids of the events to export. */
  eventIds?: number[];
  /** What the selection is, for the provenance (default "selection of N events"). */
  selectionLabel?: string;
  /** Do not offer to reveal the result (tests). */
  quiet?: boolean;
}

const isIdList = (value: unknown): value is number[] => Array.isArray(value) && value.every((v) => Number.isInteger(v) && (v as number) >= 0);

/**
 * The command's argument: a folder (Uri or `{outDir}`), explicit `{eventIds}`, or a tree item
 * it was run on: a finding (its events), a severity (the events of its findings), a finding's
 * event, an Events view event or noise group.
 */
function parseExportArgs(arg: unknown): ExportEvidenceArgs | undefined {
  if (arg instanceof vscode.Uri) return { outDir: arg.fsPath };
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as Record<string, unknown>;
  const base = { quiet: o.quiet === true, outDir: typeof o.outDir === 'string' && o.outDir ? o.outDir : undefined };
  if (isIdList(o.eventIds)) return { ...base, eventIds: o.eventIds, selectionLabel: typeof o.selectionLabel === 'string' ? o.selectionLabel : undefined };
  const finding = (f: unknown) => f as { eventIds?: unknown; ruleId?: unknown; title?: unknown } | undefined;
  switch (o.kind) {
    case 'finding': {
      const f = finding(o.finding);
      if (f && isIdList(f.eventIds)) return { ...base, eventIds: f.eventIds, selectionLabel: `events of finding ${String(f.ruleId)} (${String(f.title)})` };
      break;
    }
    case 'severity': {
      const findings = Array.isArray(o.findings) ? o.findings.map(finding) : [];
      const ids = [...new Set(findings.flatMap((f) => (f && isIdList(f.eventIds) ? f.eventIds : [])))];
      if (ids.length > 0) return { ...base, eventIds: ids, selectionLabel: `events of the ${String(o.severity)} findings` };
      break;
    }
    case 'event':
      if (isIdList([o.eventId])) return { ...base, eventIds: [o.eventId as number], selectionLabel: 'one selected event' };
      break;
    case 'group':
      if (isIdList(o.ids)) return { ...base, eventIds: o.ids, selectionLabel: `events of the group ${typeof o.id === 'string' ? o.id : ''}`.trim() };
      break;
  }
  return base.outDir ? base : undefined;
}

export class EvidenceExport {
  constructor(
    private readonly services: Pick<ExtensionServices, 'investigation' | 'filter' | 'log'>,
    /** The extension's version, for the provenance. */
    private readonly toolVersion: string,
  ) {}

  async run(arg?: unknown): Promise<ExportResult | undefined> {
    const { investigation, filter, log } = this.services;
    const index = investigation.index;
    let args: ExportEvidenceArgs = parseExportArgs(arg) ?? {};
    let selection: ArrayLike<number>;
    let described: string;
    if (args.eventIds) {
      selection = Int32Array.from(args.eventIds.filter((id) => id < index.size));
      described = args.selectionLabel ?? `selection of ${plural(selection.length, 'event')}`;
    } else {
      try {
        selection = filter.selection();
      } catch (error) {
        void vscode.window.showErrorMessage(`CloudTrail: the filter cannot be applied: ${errorMessage(error)}`);
        return undefined;
      }
      described = filter.effective;
    }
    if (selection.length === 0) {
      void vscode.window.showWarningMessage(
        index.size === 0 ? 'CloudTrail: no events are loaded; nothing to export.' : args.eventIds ? 'CloudTrail: the selection holds no loaded event; nothing to export.' : 'CloudTrail: no event matches the current filter; nothing to export.',
      );
      return undefined;
    }
    if (!args.outDir) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        title: `Export ${plural(selection.length, 'event')} (${args.eventIds ? described : described.trim() || 'no filter'}) into a new folder inside…`,
        openLabel: 'Export Here',
      });
      if (!picked?.[0]) return undefined;
      args = { ...args, outDir: picked[0].fsPath };
    }
    const outDir = args.outDir!;
    const summaries = investigation.summaries();
    const evidence = summaries.flatMap((s) => s.paths);
    let inside;
    try {
      inside = evidenceContaining(outDir, evidence);
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: cannot export into ${outDir}: ${errorMessage(error)}`);
      return undefined;
    }
    if (inside) {
      const message = `cannot export: ${insideEvidenceMessage('the folder', outDir, inside)}.`;
      log.error(`export: ${message}`);
      void vscode.window.showErrorMessage(`CloudTrail: ${message}`);
      return undefined;
    }

    const ordered = index.sortByTime(Int32Array.from(selection), 'asc');
    const total = ordered.length;
    const toolVersion = this.toolVersion;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: exporting ${plural(total, 'event')}`, cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        let reported = 0;
        try {
          return await exportEvents(
            inBatches(ordered, (ids) => index.rawRecords(ids), { signal: abort.signal }),
            { sources: summaries.map((s) => (s.paths.length ? s.paths.join(', ') : s.label)), filter: args.eventIds ? `${described} (filter at the time: ${filter.effective.trim() || 'none'})` : described, exportedAt: new Date(), toolVersion, eventCount: total, eventIdConflicts: conflictProvenance(summaries) },
            {
              outDir,
              signal: abort.signal,
              onProgress: ({ events }) => {
                const fraction = (events / total) * 100;
                progress.report({ message: `${events.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events`, increment: fraction - reported });
                reported = fraction;
              },
            },
          );
        } catch (error) {
          if (isAbort(error) || token.isCancellationRequested) {
            log.info(`export into ${outDir} cancelled; the partial export was removed`);
            void vscode.window.showInformationMessage('CloudTrail: export cancelled; nothing was left behind.');
            return undefined;
          }
          const changed = error instanceof RecordChangedError ? ' The evidence changed since it was loaded, so nothing was exported: reload the source (its index cache was discarded) and export again.' : '';
          log.error(`export into ${outDir} failed: ${errorMessage(error)}${changed}`);
          void vscode.window.showErrorMessage(`CloudTrail: export into ${outDir} failed: ${errorMessage(error)}.${changed}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (!result) return undefined;
    log.info(`exported ${result.eventsWritten} events to ${result.folder}: ${result.files.map((f) => `${f.name} ${f.sha256}`).join(', ')}`);
    for (const w of result.warnings) log.warn(`export: ${w}`);
    for (const s of result.skipped) log.warn(`export: record ${s.index} skipped: ${s.reason}`);
    if (!args.quiet) {
      const message = `CloudTrail: exported ${plural(result.eventsWritten, 'event')} to ${result.folder}${result.warnings.length ? ` (${result.warnings.join('; ')})` : ''}.`;
      const show = result.warnings.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(message, 'Reveal Folder', 'Open Manifest').then((choice) => {
        if (choice === 'Reveal Folder') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.folder));
        if (choice === 'Open Manifest') void vscode.window.showTextDocument(vscode.Uri.file(result.manifestPath));
      });
    }
    return result;
  }
}
