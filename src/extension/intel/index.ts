/**
 * The intelligence and evidence features: the Findings and Lineage views, detection and
 * lineage commands, integrity validation, evidence export and the incident report. The
 * composition root calls `registerIntelligence` once and owns every Disposable it returns.
 */
import * as vscode from 'vscode';
import { EvidenceExport } from '../evidence/exportEvidence';
import { IncidentReport } from '../evidence/incidentReport';
import { IntegrityValidation } from '../evidence/integrity';
import { ReportDocuments } from '../evidence/reportDocuments';
import type { ExtensionServices } from '../services';
import { errorMessage } from '../util/cancellation';
import { DetectionRunner, pickSigmaRulesFolder } from './detections';
import { FindingsStore } from './findingsStore';
import { FindingsView } from './findingsView';
import { LineageCommands } from './lineageCommands';
import { LineageView } from './lineageView';
import { NoiseControls } from './noise';
import { EvidenceCommands, IntelCommands } from '../commandIds';

/** What the feature exposes on `services.intel` (integration tests and other features read it). */
export interface IntelligenceFeature {
  readonly findings: FindingsStore;
  readonly findingsView: FindingsView;
  readonly lineageView: LineageView;
  readonly detections: DetectionRunner;
  readonly lineage: LineageCommands;
  readonly integrity: IntegrityValidation;
  readonly evidenceExport: EvidenceExport;
  readonly incidentReport: IncidentReport;
  readonly reports: ReportDocuments;
  readonly noise: NoiseControls;
}

/** A finding node's events as a filter: `eventId:… OR eventId:…` (ids are ours, values quoted). */
function findingFilter(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const finding = (arg as { finding?: { events?: Array<{ eventID?: string }> } }).finding;
  const ids = (finding?.events ?? []).map((e) => e.eventID).filter((id): id is string => typeof id === 'string' && id.length > 0);
  if (ids.length === 0) return undefined;
  return [...new Set(ids)].map((id) => `eventId:${JSON.stringify(id)}`).join(' OR ');
}

export function registerIntelligence(services: ExtensionServices): vscode.Disposable[] {
  const findings = new FindingsStore(() => services.investigation.index, services.onDidChangeIndex);
  const findingsView = new FindingsView(findings, services.display);
  const lineageView = new LineageView(services.display);
  const detections = new DetectionRunner(services, findings);
  const lineage = new LineageCommands(services, lineageView);
  const reports = new ReportDocuments();
  const integrity = new IntegrityValidation(services, reports);
  const evidenceExport = new EvidenceExport(services);
  const incidentReport = new IncidentReport(services, findings, () => detections.run());
  const noise = new NoiseControls(services);

  const feature: IntelligenceFeature = { findings, findingsView, lineageView, detections, lineage, integrity, evidenceExport, incidentReport, reports, noise };
  services.findings = findings;
  services.intel = feature;

  const guard =
    <T>(what: string, action: (arg?: unknown) => Promise<T>) =>
    async (arg?: unknown): Promise<T | undefined> => {
      try {
        return await action(arg);
      } catch (error) {
        services.log.error(`${what} failed: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`CloudTrail: ${what} failed: ${errorMessage(error)}`);
        return undefined;
      }
    };

  return [
    findings,
    findingsView,
    lineageView,
    reports,
    noise,
    vscode.commands.registerCommand(IntelCommands.runDetections, guard('Run Detections', (arg) => detections.run(arg))),
    vscode.commands.registerCommand(IntelCommands.pickSigmaRulesFolder, guard('Choose Sigma Rules Folder', () => pickSigmaRulesFolder())),
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
    vscode.commands.registerCommand(IntelCommands.traceLineage, guard('Trace Lineage', (arg) => lineage.trace(arg))),
    vscode.commands.registerCommand(IntelCommands.copyMissingHopFilter, guard('Copy Filter', (arg) => lineage.copyMissingHop(arg))),
    vscode.commands.registerCommand(IntelCommands.fetchMissingHop, guard('Fetch Missing Hop', (arg) => lineage.fetchMissingHop(arg))),
    vscode.commands.registerCommand(IntelCommands.clearLineage, () => lineageView.show(undefined, false)),
    vscode.commands.registerCommand(EvidenceCommands.validateIntegrity, guard('Validate Log File Integrity', (arg) => integrity.run(arg))),
    vscode.commands.registerCommand(EvidenceCommands.exportEvidence, guard('Export Evidence', (arg) => evidenceExport.run(arg))),
    vscode.commands.registerCommand(EvidenceCommands.incidentReport, guard('Incident Report', (arg) => incidentReport.run(arg))),
    {
      dispose: () => {
        if (services.findings === findings) services.findings = undefined;
        if (services.intel === feature) services.intel = undefined;
      },
    },
  ];
}
