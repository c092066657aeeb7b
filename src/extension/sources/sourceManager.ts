import * as path from 'node:path';
import * as vscode from 'vscode';
import { describePlace, sourceLabel, type LoadProgress, type SourceSummary } from '../../core/engine/api';
import type { Investigation } from '../../core/engine/investigation';
import { ContextKeys } from '../commands';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import { plural } from '../util/text';
import { getSetting } from '../settings';
import { Commands } from '../commandIds';

/** What survives a window reload: where the evidence is and what the user called it. */
interface PersistedSource {
  paths: string[];
  label: string;
}

const STORAGE_KEY = 'cloudtrail.sources.v1';

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function progressMessage(progress: LoadProgress): string {
  const files = `${progress.filesDone.toLocaleString('en-US')}/${progress.filesTotal.toLocaleString('en-US')} files`;
  return `${files} · ${plural(progress.events, 'event')}`;
}

/**
 * Adds, removes and reloads sources with progress and cancel, remembers them in the
 * workspace state, and restores them on the next activation.
 */
export class SourceManager implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly loading = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly investigation: Investigation,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private persisted(): PersistedSource[] {
    return this.context.workspaceState.get<PersistedSource[]>(STORAGE_KEY, []);
  }

  private async persist(): Promise<void> {
    const list = this.investigation
      .summaries()
      .filter((s) => s.kind === 'evidence') // live spill files are not evidence
      .map((s) => ({ paths: s.paths, label: s.label }));
    await this.context.workspaceState.update(STORAGE_KEY, list);
    await this.updateContext();
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', ContextKeys.hasSources, this.investigation.summaries().length > 0);
    await vscode.commands.executeCommand('setContext', ContextKeys.loading, this.loading.size > 0);
  }

  async add(paths: string[], label?: string): Promise<SourceSummary | undefined> {
    const resolved = paths.map((p) => path.resolve(p));
    const existing = this.investigation.summaries().find((s) => samePaths(s.paths, resolved));
    if (existing) {
      this.log.info(`${existing.label} is already loaded (${plural(existing.events, 'event')}); use Reload to read it again`);
      void vscode.window.showInformationMessage(`${existing.label} is already loaded. Use Reload on it in the Sources view to read it again.`);
      return existing;
    }
    const summary = await this.load(resolved, label, vscode.ProgressLocation.Notification);
    await this.persist();
    return summary;
  }

  /** Loads the sources remembered for this workspace, without a notification per source. */
  async restore(): Promise<void> {
    const remembered = this.persisted();
    if (remembered.length === 0) return;
    this.log.info(`restoring ${plural(remembered.length, 'source')} from the last session`);
    for (const entry of remembered) {
      if (this.investigation.summaries().some((s) => samePaths(s.paths, entry.paths))) continue;
      await this.load(entry.paths, entry.label, vscode.ProgressLocation.Window);
    }
    await this.persist();
  }

  private async load(paths: string[], label: string | undefined, location: vscode.ProgressLocation): Promise<SourceSummary | undefined> {
    const displayName = sourceLabel(paths, label);
    this.log.info(`loading ${displayName}: ${paths.join(', ')}`);
    const started = Date.now();
    return vscode.window.withProgress(
      { location, title: `CloudTrail: loading ${displayName}`, cancellable: location === vscode.ProgressLocation.Notification },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        let reportedFraction = 0;
        let lastFire = 0;
        const onProgress = (p: LoadProgress): void => {
          const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
          progress.report({ message: progressMessage(p), increment: Math.max(0, (fraction - reportedFraction) * 100) });
          reportedFraction = Math.max(reportedFraction, fraction);
          const now = Date.now();
          if (now - lastFire > 500) {
            lastFire = now;
            this.changed.fire();
          }
        };
        const { summary, loaded } = this.investigation.addSource(paths, { signal: abort.signal, onProgress, verify: verifyContents() }, label);
        this.loading.add(summary.id);
        this.changed.fire();
        void this.updateContext();
        try {
          await loaded;
          this.log.info(
            `loaded ${summary.label}: ${plural(summary.events, 'event')} from ${plural(summary.files, 'file')}` +
              `${summary.fromCache ? ' (from the index cache)' : ''}, ${summary.duplicates} duplicate records, ${summary.conflicts} eventID conflicts, ` +
              `${summary.eventsWithoutTime} without a time, ${summary.skipped.length} skipped, in ${Date.now() - started} ms`,
          );
          this.reportNotes(summary);
          this.reportSkipped(summary);
          return summary;
        } catch (error) {
          if (isAbort(error) || abort.signal.aborted) {
            this.log.warn(`loading ${displayName} was cancelled; kept ${plural(summary.events, 'event')} already indexed`);
            void vscode.window.showWarningMessage(
              `Loading ${displayName} was cancelled. The ${plural(summary.events, 'event')} read so far are kept; use Reload in the Sources view to read the rest.`,
            );
            return summary;
          }
          this.log.error(`loading ${paths.join(', ')} failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: could not load ${paths.join(', ')}: ${errorMessage(error)}`);
          return summary;
        } finally {
          abort.dispose();
          this.loading.delete(summary.id);
          this.changed.fire();
          void this.updateContext();
        }
      },
    );
  }

  /** How the load went (e.g. a cache refused and the evidence read again): in the log. */
  private reportNotes(summary: SourceSummary): void {
    for (const note of summary.notes ?? []) this.log.warn(`${summary.label}: ${note}`);
  }

  private reportSkipped(summary: SourceSummary): void {
    if (summary.skipped.length === 0 && summary.conflicts === 0) return;
    for (const problem of summary.skipped) {
      this.log.warn(`skipped ${problem.path}${problem.offset !== undefined ? ` (at byte ${problem.offset})` : ''}: ${problem.reason}`);
    }
    for (const conflict of summary.conflictList) {
      this.log.warn(`eventID ${JSON.stringify(conflict.eventId)} is on two records that differ (both kept): ${describePlace(conflict.first)} and ${describePlace(conflict.second)}`);
    }
    const parts: string[] = [];
    if (summary.skipped.length > 0) parts.push(`${plural(summary.skipped.length, 'file or part', 'files or parts')} could not be read as CloudTrail events`);
    if (summary.conflicts > 0) parts.push(`${plural(summary.conflicts, 'record')} share${summary.conflicts === 1 ? 's' : ''} an eventID with a different record (all kept)`);
    const message = `${summary.label}: ${parts.join('; ')}; everything else was loaded.`;
    void vscode.window.showWarningMessage(message, 'Show').then((choice) => {
      if (choice === 'Show') void vscode.commands.executeCommand(Commands.showSkipped, summary.id);
    });
  }

  async remove(id: string): Promise<void> {
    const summary = this.investigation.summaries().find((s) => s.id === id);
    if (!summary) return;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `CloudTrail: removing ${summary.label}` }, () =>
      this.investigation.removeSource(id, { verify: verifyContents() }),
    );
    this.log.info(`removed ${summary.label}`);
    this.changed.fire();
    await this.persist();
  }

  async reload(id: string): Promise<void> {
    const summary = this.investigation.summaries().find((s) => s.id === id);
    if (!summary) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: reloading ${summary.label}`, cancellable: true },
      async (_progress, token) => {
        const abort = abortSignalFor(token);
        this.loading.add(id);
        this.changed.fire();
        try {
          const fresh = await this.investigation.reloadSource(id, { signal: abort.signal, verify: verifyContents() });
          if (fresh) {
            this.log.info(`reloaded ${fresh.label}: ${plural(fresh.events, 'event')}, ${fresh.skipped.length} skipped`);
            this.reportNotes(fresh);
            this.reportSkipped(fresh);
          }
        } catch (error) {
          const reason = isAbort(error) ? 'cancelled' : errorMessage(error);
          this.log.error(`reloading ${summary.label} failed: ${reason}`);
          void vscode.window.showErrorMessage(`CloudTrail: reloading ${summary.label} failed: ${reason}`);
        } finally {
          abort.dispose();
          this.loading.delete(id);
          this.changed.fire();
        }
      },
    );
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** `cloudtrail.cache.verifyContents`: re-hash the evidence files before trusting the index cache. */
function verifyContents(): boolean {
  return getSetting('cache.verifyContents');
}
