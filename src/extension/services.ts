/**
 * The services the composition root (extension.ts) builds once and hands to every feature.
 * Features receive this object and return Disposables; they never build services themselves.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EventId, SourceSummary } from '../core/engine/api';
import { Investigation } from '../core/engine/investigation';
import { openEventDocument } from './documents/eventUri';
import { ActiveFilter, type FilterState } from './filter/filterState';
import { SourceManager } from './sources/sourceManager';

export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly investigation: Investigation;
  readonly filter: FilterState;
  /** Fires after sources are added, removed or reloaded, and as live fetches append. */
  readonly onDidChangeIndex: vscode.Event<void>;
  /** Shows one event's pretty-printed JSON in a read-only editor tab. */
  openEvent(id: EventId): Promise<void>;
  /**
   * Adds evidence paths as a source, with progress and cancel, and remembers it.
   * Resolves with the source's summary (also after a cancel: what was indexed is kept),
   * or undefined when the load failed outright (the error is shown and logged).
   */
  addSource(paths: string[], label?: string): Promise<SourceSummary | undefined>;
  /** Removes a source and forgets it; the index is rebuilt from the others. */
  removeSource(id: string): Promise<void>;
  /** Reads a source's files again (after they changed on disk). */
  reloadSource(id: string): Promise<void>;
  /** Fires when the list of sources or their summaries change (also while loading). */
  readonly onDidChangeSources: vscode.Event<void>;
  /** Ids of the sources being loaded right now. */
  readonly loadingSources: ReadonlySet<string>;
  /** Loads the sources remembered for this workspace (the composition root calls it once). */
  restoreSources(): Promise<void>;
  /**
   * Detection findings (set by the intel feature when it registers, src/extension/intel):
   * `eventIds()` of the last run and `onDidChange`, e.g. for finding marks on the timeline.
   */
  findings?: import('./intel/findingsStore').FindingsStore;
  /** The intel feature's views and commands (set when it registers; integration tests read it). */
  intel?: import('./intel/index').IntelligenceFeature;
}

/** Builds the services; the composition root owns the result and disposes it. */
export function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ExtensionServices & vscode.Disposable {
  // The index cache lives in the extension's own storage, never beside the evidence.
  const cacheDir = path.join(context.globalStorageUri.fsPath, 'index-cache');
  const investigation = new Investigation({ cacheDir });
  const filter = new ActiveFilter(investigation);
  const indexChanged = new vscode.EventEmitter<void>();
  const investigationSubscription = investigation.onDidChange(() => indexChanged.fire());
  const sources = new SourceManager(context, investigation, log);

  return {
    context,
    log,
    investigation,
    filter,
    onDidChangeIndex: indexChanged.event,
    openEvent: (id) => openEventDocument(investigation, id),
    addSource: (paths, label) => sources.add(paths, label),
    removeSource: (id) => sources.remove(id),
    reloadSource: (id) => sources.reload(id),
    onDidChangeSources: sources.onDidChange,
    loadingSources: sources.loading,
    restoreSources: () => sources.restore(),
    dispose: () => {
      investigationSubscription.dispose();
      indexChanged.dispose();
      filter.dispose();
      sources.dispose();
    },
  };
}
