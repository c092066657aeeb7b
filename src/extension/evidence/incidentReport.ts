/**
 * "Incident Report": the findings of the last detection run (running detections first when
 * there is none), the lineage of every principal involved, and the findings' events in time
 * order, as Markdown in a new untitled editor. Event text is escaped by the report builder.
 */
import * as vscode from 'vscode';
import type { EventRow } from '../../core/engine/api';
import { traceLineage } from '../../core/lineage/lineage';
import { buildIncidentReport, type ReportLineage } from '../../core/report/incident';
import type { DetectionRun, FindingsStore } from '../intel/findingsStore';
import type { ExtensionServices } from '../services';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';

const MAX_EVENTS = 5000;
const MAX_PRINCIPALS = 25;

export interface IncidentReportArgs {
  /** Do not open an editor; just return the text (tests). */
  noEditor?: boolean;
}

export interface IncidentReportOutcome {
  text: string;
  document?: vscode.TextDocument;
}

export class IncidentReport {
  constructor(
    private readonly services: Pick<ExtensionServices, 'investigation' | 'filter' | 'log'>,
    /** The extension's version, for the report's header. */
    private readonly toolVersion: string,
    private readonly store: FindingsStore,
    private readonly runDetections: () => Promise<DetectionRun | undefined>,
  ) {}

  async run(arg?: unknown): Promise<IncidentReportOutcome | undefined> {
    const noEditor = typeof arg === 'object' && arg !== null && (arg as IncidentReportArgs).noEditor === true;
    const { investigation, log, filter } = this.services;
    if (investigation.index.size === 0) {
      void vscode.window.showWarningMessage('CloudTrail: no events are loaded; add a folder of trail files first.');
      return undefined;
    }
    let run = this.store.current;
    if (!run || this.store.stale) run = await this.runDetections();
    if (!run) return undefined;
    const detection = run;
    const index = detection.index;

    const text = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'CloudTrail: writing the incident report', cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        try {
          // Lineage of each principal involved, from the first event of its earliest finding.
          const firstEventOf = new Map<string, number>();
          for (const f of [...detection.findings].sort((a, b) => (a.first || 0) - (b.first || 0))) {
            if (!firstEventOf.has(f.principal) && f.eventIds.length > 0) firstEventOf.set(f.principal, f.eventIds[0]);
          }
          const lineages: ReportLineage[] = [];
          const principals = [...firstEventOf].slice(0, MAX_PRINCIPALS);
          for (const [i, [principal, eventId]] of principals.entries()) {
            abort.signal.throwIfAborted();
            progress.report({ message: `lineage ${i + 1} of ${principals.length}` });
            lineages.push({ principal, lineage: await traceLineage(index, { eventId }, { signal: abort.signal }) });
          }
          if (firstEventOf.size > MAX_PRINCIPALS) log.warn(`incident report: lineage traced for the first ${MAX_PRINCIPALS} of ${firstEventOf.size} principals`);

          const ids = new Set<number>();
          for (const f of detection.findings) for (const id of f.eventIds) ids.add(id);
          const ordered = index.sortByTime(Int32Array.from(ids).sort(), 'asc');
          const events: EventRow[] = [];
          for (let i = 0; i < Math.min(ordered.length, MAX_EVENTS); i++) events.push(index.row(ordered[i]));

          const ruleProblems = [
            ...detection.sigmaProblems.map((p) => `${p.file}: ${p.kind}: ${p.reason}`),
            ...detection.ruleErrors.map((e) => `${e.ruleId}: failed while running: ${e.message}`),
          ];
          return buildIncidentReport({
            generatedAt: new Date(),
            toolVersion: this.toolVersion,
            sources: investigation.summaries().map((s) => (s.paths.length ? s.paths.join(', ') : s.label)),
            filter: filter.effective,
            findings: detection.findings,
            lineages,
            events,
            eventsTotal: ordered.length,
            ruleProblems,
          });
        } catch (error) {
          if (isAbort(error) || token.isCancellationRequested) return undefined;
          log.error(`incident report failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: the incident report failed: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (text === undefined) return undefined;
    log.info(`incident report: ${detection.findings.length} findings, ${text.length} characters`);
    if (noEditor) return { text };
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
    await vscode.window.showTextDocument(document, { preview: false });
    return { text, document };
  }
}
