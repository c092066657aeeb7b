/**
 * The intelligence feature: the Findings and Lineage views, detection, lineage and noise
 * commands. The composition root (extension.ts) builds the findings store, passes it in with
 * the services this feature reads, and owns the result.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { errorMessage, guarded } from '../util/cancellation';
import { Disposable } from '../util/disposables';
import { DetectionRunner, pickSigmaRulesFolder } from './detections';
import type { FindingsStore } from './findingsStore';
import { FindingsView } from './findingsView';
import { LineageCommands } from './lineageCommands';
import { LineageView } from './lineageView';
import { NoiseControls } from './noise';
import { IntelCommands } from '../commandIds';

/** A finding node's events as a filter: `eventId:… OR eventId:…` (ids are ours, values quoted). */
function findingFilter(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const finding = (arg as { finding?: { events?: Array<{ eventID?: string }> } }).finding;
  const ids = (finding?.events ?? []).map((e) => e.eventID).filter((id): id is string => typeof id === 'string' && id.length > 0);
  if (ids.length === 0) return undefined;
  return [...new Set(ids)].map((id) => `eventId:${JSON.stringify(id)}`).join(' OR ');
}

/** The intel feature's views and commands (integration tests read them through the API). */
export class IntelligenceFeature extends Disposable {
  readonly findingsView: FindingsView;
  readonly lineageView: LineageView;
  readonly detections: DetectionRunner;
  readonly lineage: LineageCommands;
  readonly noise: NoiseControls;

  constructor(
    services: Pick<ExtensionServices, 'investigation' | 'filter' | 'log' | 'onDidChangeSources' | 'display'>,
    readonly findings: FindingsStore,
  ) {
    super();
    const { log } = services;
    this.findingsView = new FindingsView(findings, services.display);
    this.lineageView = new LineageView(services.display);
    this.detections = new DetectionRunner(services, findings);
    this.lineage = new LineageCommands(services, this.lineageView);
    this.noise = new NoiseControls(services);
    const { detections, lineage, lineageView } = this;
    this.disposables.push(
      this.findingsView,
      lineageView,
      this.noise,
      vscode.commands.registerCommand(IntelCommands.runDetections, guarded(log, 'Run Detections', (arg) => detections.run(arg))),
      vscode.commands.registerCommand(IntelCommands.pickSigmaRulesFolder, guarded(log, 'Choose Sigma Rules Folder', () => pickSigmaRulesFolder())),
      vscode.commands.registerCommand(IntelCommands.clearFindings, () => findings.clear()),
      vscode.commands.registerCommand(IntelCommands.filterToFinding, (arg?: unknown) => {
        const filter = findingFilter(arg);
        if (!filter) return;
        try {
          services.filter.setExpression(filter);
        } catch (error) {
          void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
        }
      }),
      vscode.commands.registerCommand(IntelCommands.traceLineage, guarded(log, 'Trace Lineage', (arg) => lineage.trace(arg))),
      vscode.commands.registerCommand(IntelCommands.copyMissingHopFilter, guarded(log, 'Copy Filter', (arg) => lineage.copyMissingHop(arg))),
      vscode.commands.registerCommand(IntelCommands.fetchMissingHop, guarded(log, 'Fetch Missing Hop', (arg) => lineage.fetchMissingHop(arg))),
      vscode.commands.registerCommand(IntelCommands.clearLineage, () => lineageView.show(undefined, false)),
    );
  }
}
