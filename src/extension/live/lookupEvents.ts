/**
 * "Fetch Events with LookupEvents…": profile, regions, time range, and the active filter
 * split between the API and the index. Events go into a live source page by page (the trees
 * grow while fetching); cancel keeps what arrived; windows already fetched are not asked for
 * again.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { liveFilterFrom } from '../../core/aws/filterTerms';
import { fetchLookupEvents } from '../../core/aws/lookup';
import { FetchedWindows } from '../../core/aws/windows';
import type { LiveSource } from '../../core/engine/investigation';
import type { ExtensionServices } from '../services';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import type { LiveHandlers } from './liveCommands';
import { LiveSettings } from './liveSettings';
import { LiveCommands } from '../commandIds';

const DAY = 86400_000;
const RANGES: ReadonlyArray<{ label: string; ms: number }> = [
  { label: 'Last hour', ms: 3600_000 },
  { label: 'Last 24 hours', ms: DAY },
  { label: 'Last 7 days', ms: 7 * DAY },
  { label: 'Last 30 days', ms: 30 * DAY },
  { label: 'Last 90 days (all LookupEvents keeps)', ms: 90 * DAY },
];

/** Optional arguments (tests, keybindings, tasks) that skip the pickers; checked, never trusted. */
export interface LookupArgs {
  profile?: unknown;
  regions?: unknown[];
  start?: unknown;
  end?: unknown;
}

export function lookupEventsHandlers(services: Pick<ExtensionServices, 'context' | 'filter' | 'investigation' | 'log'>, settings: LiveSettings): LiveHandlers {
  const liveSources = new Map<string, { source: LiveSource; windows: FetchedWindows }>();
  const run = async (insights: boolean, args?: LookupArgs): Promise<void> => {
    const profile = typeof args?.profile === 'string' ? args.profile : await settings.pickProfile();
    if (!profile) return;
    const regions = Array.isArray(args?.regions) && args.regions.every((r) => typeof r === 'string') ? args.regions : await settings.pickRegions();
    if (!regions) return;

    let live;
    try {
      live = liveFilterFrom(services.filter.effectiveNode);
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: the filter cannot be used for a fetch: ${errorMessage(error)}`);
      return;
    }
    const now = Date.now();
    let start = typeof args?.start === 'number' ? args.start : live.start;
    let end = typeof args?.end === 'number' ? args.end : (live.end ?? now);
    if (start === undefined) {
      const range = await vscode.window.showQuickPick(RANGES.map((r) => ({ label: r.label, ms: r.ms })), { title: 'Time range to fetch' });
      if (!range) return;
      start = end - range.ms;
    }
    end = Math.min(end, now);
    if (end <= start) {
      void vscode.window.showErrorMessage('CloudTrail: the time range to fetch is empty (the filter ends before it starts, or in the future).');
      return;
    }

    let factory;
    try {
      factory = settings.factoryFor(profile);
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
      return;
    }
    const storage = services.context.globalStorageUri.fsPath;
    const log = services.log;
    // The fetched windows belong with the events they describe: a repeat fetch appends to
    // the same live source and asks only for the new time; once that source is gone (removed,
    // or a new session), a fetch starts a new source with no windows, so nothing is skipped
    // that is no longer in the index.
    const key = `${profile}|${insights}`;
    let reuse = liveSources.get(key);
    if (reuse && !services.investigation.summaries().some((s) => s.id === reuse!.source.summary.id)) reuse = undefined;
    if (!reuse) {
      const label = `LookupEvents${insights ? ' (Insights)' : ''} · ${profile}`;
      const source = await services.investigation.createLiveSource(label, path.join(storage, 'live'));
      const windows = await FetchedWindows.open(path.join(storage, 'lookup-windows', path.basename(source.spillPath, '.jsonl')));
      reuse = { source, windows };
      liveSources.set(key, reuse);
    }
    const { source, windows } = reuse;
    const label = `${source.summary.label} · ${regions.join(', ')}`;
    log.info(`${label}: ${new Date(start).toISOString()} → ${new Date(end).toISOString()}`);
    if (live.indexOnly.length) log.info(`applied by the index only: ${live.indexOnly.join(' AND ')}`);

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: ${label}`, cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        let lastFraction = 0;
        try {
          const summary = await fetchLookupEvents({
            factory,
            regions,
            start: start!,
            end,
            terms: live.terms,
            insights,
            windows,
            signal: abort.signal,
            onEvents: (events) => source.append(events),
            onProgress: (p) => {
              const eta = p.etaMs !== undefined ? `, about ${Math.ceil(p.etaMs / 1000)} s left` : '';
              progress.report({
                message: `${p.events} events, ${p.pages} pages${eta}`,
                increment: Math.max(0, (p.fraction - lastFraction) * 100),
              });
              lastFraction = Math.max(lastFraction, p.fraction);
            },
            onRetry: (region, reason, delay) => log.debug(`LookupEvents ${region}: ${reason}, retrying in ${Math.round(delay)} ms`),
          });
          // Which part of the filter ran where: the API's one attribute, the terms the index
          // applies, and the parts of the filter that are no single term at all.
          const where = `${summary.plan.explanation}${live.indexOnly.length ? ` The index also applies: ${live.indexOnly.join(' AND ')}.` : ''}`;
          log.info(where);
          for (const r of summary.regions) {
            const skipped = r.alreadyFetched.length ? `; already fetched before: ${r.alreadyFetched.map((w) => `${new Date(w.start).toISOString()}–${new Date(w.end).toISOString()}`).join(', ')}` : '';
            log.info(`${r.region}: ${r.status}, ${r.events} events in ${r.pages} pages${r.throttleRetries ? `, ${r.throttleRetries} throttled requests retried` : ''}${skipped}`);
          }
          for (const problem of summary.problems) log.warn(problem);
          for (const error of summary.errors) log.error(error);
          const what = `${summary.events} events from ${summary.regions.length} regions`;
          if (summary.errors.length) void vscode.window.showErrorMessage(`CloudTrail: ${what}; ${summary.errors[0]}`);
          else if (summary.cancelled) void vscode.window.showWarningMessage(`CloudTrail: fetch cancelled; kept ${what}. Fetching again asks only for the rest.`);
          else void vscode.window.showInformationMessage(`CloudTrail: fetched ${what}. ${where}`);
        } catch (error) {
          log.error(`LookupEvents failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
        } finally {
          abort.dispose();
        }
      },
    );
  };

  return {
    [LiveCommands.lookupEvents]: (args?: unknown) => run(false, args as LookupArgs | undefined),
    [LiveCommands.lookupInsights]: (args?: unknown) => run(true, args as LookupArgs | undefined),
    [LiveCommands.chooseProfile]: async () => {
      const profile = await settings.pickProfile(true);
      if (profile) services.log.info(`AWS profile for live sources: ${profile}`);
    },
  };
}
