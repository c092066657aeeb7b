/**
 * The shape of the services the composition root (extension.ts) builds once. A feature names
 * the part it needs (`Pick<ExtensionServices, 'investigation' | 'log'>`) and returns
 * Disposables; it never builds services itself. This module holds types only, so any feature
 * may import it without an import cycle.
 */
import type * as vscode from 'vscode';
import type { EventId, SourceSummary } from '../core/engine/api';
import type { Investigation } from '../core/engine/investigation';
import type { DisplayFormat } from './display';
import type { FilterState } from './filter/filterState';

export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly investigation: Investigation;
  readonly filter: FilterState;
  /** How times and principals read everywhere (the `cloudtrail.display.timeZone` setting). */
  readonly display: DisplayFormat;
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
}
