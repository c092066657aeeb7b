import * as path from 'node:path';
import * as vscode from 'vscode';
import { Investigation } from '../core/engine/investigation';
import { Commands, EvidenceCommands } from './commandIds';
import { DisplayFormat } from './display';
import { openEventDocument } from './documents/eventUri';
import { ReadOnlyDocuments } from './documents/readOnlyDocuments';
import { EventsView } from './events/eventsView';
import { EvidenceExport } from './evidence/exportEvidence';
import { IncidentReport } from './evidence/incidentReport';
import { IntegrityValidation } from './evidence/integrity';
import { ReportDocuments } from './evidence/reportDocuments';
import { ExplorerView } from './explorer/explorerView';
import { FilterControls } from './filter/filterControls';
import { ActiveFilter } from './filter/filterState';
import { FindingsStore } from './intel/findingsStore';
import { IntelligenceFeature } from './intel/index';
import { inputBoxPrompts, registerLiveSources, type LivePrompts } from './live/index';
import { EventLensProvider } from './lenses/eventLenses';
import { PivotCommands } from './pivots/pivotCommands';
import type { ExtensionServices } from './services';
import { TrailAutoDetect } from './sources/autoDetect';
import { SourceManager } from './sources/sourceManager';
import { SourcesView } from './sources/sourcesView';
import { TimelineController } from './timeline/timeline';
import { registerTable, type TableController } from './table/table';
import { LanguageModelTools } from './tools/languageModelTools';
import { guarded } from './util/cancellation';
import { disposeAll } from './util/disposables';

/** What integration tests (and other extensions) can reach; grows with the features. */
export interface CloudTrailInvestigatorApi {
  readonly log: vscode.LogOutputChannel;
  readonly services: ExtensionServices;
  /** The Findings and Lineage views and the detection, lineage and noise commands. */
  readonly intel: IntelligenceFeature;
  /** Integrity validation, evidence export and the incident report (what their commands run). */
  readonly evidence: EvidenceFeatures;
  readonly sources: SourcesView;
  readonly explorer: ExplorerView;
  readonly events: EventsView;
  readonly lenses: EventLensProvider;
  readonly documents: ReadOnlyDocuments;
  readonly autoDetect: TrailAutoDetect;
  /** The timeline webview feature (its open panel's session is what tests inspect). */
  readonly timeline: TimelineController;
  /** The Events table webview feature (its open panel's session is what tests inspect). */
  readonly table: TableController;
  /** The evidence tools registered with `vscode.lm.registerTool` (the same as `ctinv mcp`). */
  readonly languageModelTools: LanguageModelTools;
  /** Settles once the sources remembered from the last session are loaded again. */
  readonly restored: Promise<void>;
  /** The questions live sources ask (an MFA code); in-host tests answer them here. */
  readonly livePrompts: LivePrompts;
  /** The pivot commands (their picker on screen, for in-host tests). */
  readonly pivots: PivotCommands;
  /** The filter's status bar item and input box (its live count, for in-host tests). */
  readonly filterControls: FilterControls;
}

export interface EvidenceFeatures {
  readonly integrity: IntegrityValidation;
  readonly evidenceExport: EvidenceExport;
  readonly incidentReport: IncidentReport;
  readonly reports: ReportDocuments;
}

/** Builds the services every feature reads; the composition root owns the result and disposes it. */
function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ExtensionServices & vscode.Disposable {
  // The index cache lives in the extension's own storage, never beside the evidence.
  const cacheDir = path.join(context.globalStorageUri.fsPath, 'index-cache');
  const investigation = new Investigation({ cacheDir });
  const filter = new ActiveFilter(investigation);
  const display = new DisplayFormat(investigation);
  const indexChanged = new vscode.EventEmitter<void>();
  const investigationSubscription = investigation.onDidChange(() => indexChanged.fire());
  const sources = new SourceManager(context, investigation, log);

  return {
    context,
    log,
    investigation,
    filter,
    display,
    onDidChangeIndex: indexChanged.event,
    openEvent: (id) => openEventDocument(investigation, display, id),
    addSource: (paths, label) => sources.add(paths, label),
    removeSource: (id) => sources.remove(id),
    reloadSource: (id) => sources.reload(id),
    onDidChangeSources: sources.onDidChange,
    loadingSources: sources.loading,
    restoreSources: () => sources.restore(),
    dispose: () => disposeAll([investigationSubscription, indexChanged, filter, sources, display]),
  };
}

/** The composition root: builds every service, registers it, and owns its disposal. */
export function activate(context: vscode.ExtensionContext): CloudTrailInvestigatorApi {
  const log = vscode.window.createOutputChannel('CloudTrail Investigator', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(vscode.commands.registerCommand(Commands.showLog, () => log.show()));

  const services = createServices(context, log);
  context.subscriptions.push(services);
  const documents = new ReadOnlyDocuments(services);
  const sources = new SourcesView(services);
  const explorer = new ExplorerView(services);
  const events = new EventsView(services);
  const lenses = new EventLensProvider(services);
  context.subscriptions.push(documents, sources, explorer, events, lenses);
  const filterControls = new FilterControls(services);
  const pivots = new PivotCommands(services);
  context.subscriptions.push(filterControls, pivots);

  // Detection findings: the Findings view, the incident report and the timeline's marks read them.
  const findings = new FindingsStore(() => services.investigation.index, services.onDidChangeIndex);
  const intel = new IntelligenceFeature(services, findings);
  context.subscriptions.push(findings, intel);

  const toolVersion = String((context.extension?.packageJSON as { version?: unknown } | undefined)?.version ?? '0.0.0');
  const reports = new ReportDocuments();
  const evidence: EvidenceFeatures = {
    integrity: new IntegrityValidation(services, reports),
    evidenceExport: new EvidenceExport(services, toolVersion),
    incidentReport: new IncidentReport(services, toolVersion, findings, () => intel.detections.run()),
    reports,
  };
  context.subscriptions.push(
    reports,
    vscode.commands.registerCommand(EvidenceCommands.validateIntegrity, guarded(log, 'Validate Log File Integrity', (arg) => evidence.integrity.run(arg))),
    vscode.commands.registerCommand(EvidenceCommands.exportEvidence, guarded(log, 'Export Evidence', (arg) => evidence.evidenceExport.run(arg))),
    vscode.commands.registerCommand(EvidenceCommands.incidentReport, guarded(log, 'Incident Report', (arg) => evidence.incidentReport.run(arg))),
  );

  // Live sources: the AWS SDK loads on the first live command, not here.
  const livePrompts = inputBoxPrompts();
  context.subscriptions.push(...registerLiveSources(services, livePrompts));
  const timeline = new TimelineController(services, findings);
  context.subscriptions.push(timeline);
  const table = registerTable(services);
  context.subscriptions.push(table);
  const languageModelTools = new LanguageModelTools(services);
  context.subscriptions.push(languageModelTools);

  // Restoring sources and looking for trails must not hold up activation.
  const autoDetect = new TrailAutoDetect(services, sources);
  context.subscriptions.push(autoDetect);
  const restored = new Promise<void>((resolve) => setTimeout(resolve, 0))
    .then(() => services.restoreSources())
    .catch((error: unknown) => log.error(`restoring sources failed: ${error instanceof Error ? error.message : String(error)}`));
  void restored.then(() => autoDetect.start()).catch((error: unknown) => log.error(`looking for trails failed: ${String(error)}`));

  log.info('CloudTrail Investigator activated');
  return { log, services, intel, evidence, sources, explorer, events, lenses, documents, autoDetect, restored, timeline, table, livePrompts, languageModelTools, pivots, filterControls };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
