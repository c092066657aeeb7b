/**
 * The findings of the last detection run, shared with whoever wants them (the Findings view,
 * the incident report, the timeline's finding marks). Finding event ids are index ids, so a
 * run belongs to one index: when the investigation replaces its index (a source removed or
 * reloaded) the run is dropped; when events are appended the run stays and is marked stale.
 */
import * as vscode from 'vscode';
import type { RuleError } from '../../core/detect/engine';
import type { SigmaProblem } from '../../core/detect/sigma/load';
import type { Finding } from '../../core/detect/types';
import type { EventIndexApi } from '../../core/engine/api';

export interface DetectionRun {
  readonly findings: readonly Finding[];
  /** Rules that threw while running: reported, the others went on. */
  readonly ruleErrors: readonly RuleError[];
  /** Sigma rule files that could not be used (unsupported construct, invalid, unreadable). */
  readonly sigmaProblems: readonly SigmaProblem[];
  readonly builtinRules: number;
  readonly sigmaRules: number;
  /** The Sigma rules folder of this run, when one was set. */
  readonly sigmaFolder?: string;
  readonly eventsScanned: number;
  readonly finishedAt: Date;
  /** The index the finding event ids refer to. */
  readonly index: EventIndexApi;
  /** The index version at the end of the run (events appended later make the run stale). */
  readonly indexVersion: number;
}

/** What the timeline reads (matches its FindingsSource): finding event ids, and when they change. */
export interface FindingsSource {
  eventIds(): ArrayLike<number> | undefined;
  readonly onDidChange: vscode.Event<void>;
}

function versionOf(index: EventIndexApi): number {
  const version = (index as { version?: unknown }).version;
  return typeof version === 'number' ? version : 0;
}

export class FindingsStore implements FindingsSource, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private run: DetectionRun | undefined;
  private ids: Int32Array | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly currentIndex: () => EventIndexApi,
    onDidChangeIndex: vscode.Event<void>,
  ) {
    this.subscription = onDidChangeIndex(() => {
      if (this.run && this.run.index !== this.currentIndex()) this.clear();
      else if (this.run) this.changed.fire();
    });
  }

  /** The last run, while its event ids still point into the current index. */
  get current(): DetectionRun | undefined {
    if (this.run && this.run.index !== this.currentIndex()) return undefined;
    return this.run;
  }

  /** True when events were added to the index after the run. */
  get stale(): boolean {
    const run = this.current;
    return run !== undefined && versionOf(run.index) !== run.indexVersion;
  }

  set(run: Omit<DetectionRun, 'indexVersion'>): DetectionRun {
    this.run = { ...run, indexVersion: versionOf(run.index) };
    this.ids = undefined;
    this.changed.fire();
    return this.run;
  }

  clear(): void {
    if (!this.run) return;
    this.run = undefined;
    this.ids = undefined;
    this.changed.fire();
  }

  /** Sorted, unique event ids of every finding; the same array while the findings do not change. */
  eventIds(): Int32Array | undefined {
    const run = this.current;
    if (!run) return undefined;
    if (!this.ids) {
      const all = new Set<number>();
      for (const f of run.findings) for (const id of f.eventIds) all.add(id);
      this.ids = Int32Array.from([...all].sort((a, b) => a - b));
    }
    return this.ids;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
