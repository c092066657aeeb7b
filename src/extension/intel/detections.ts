/**
 * "Run Detections": the built-in rules plus the Sigma rules of the folder the setting names,
 * over every loaded event, with progress and cancel. Sigma files that cannot be used are
 * logged one by one and shown as warning items in the Findings view.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { builtinRules } from '../../core/detect/builtin';
import { runDetectionsReport } from '../../core/detect/engine';
import { loadSigmaRules, type SigmaProblem } from '../../core/detect/sigma/load';
import type { DetectionRule } from '../../core/detect/types';
import type { ExtensionServices } from '../services';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import { oneLine, plural } from '../util/text';
import type { DetectionRun, FindingsStore } from './findingsStore';
import { IntelContextKeys } from './intelCommands';
import { getSetting, updateSetting } from '../settings';
import { Commands, IntelCommands } from '../commandIds';

/** Options a caller (a test, another command) may pass instead of the settings. */
export interface RunDetectionsOptions {
  /** A Sigma rules folder (or file) to use instead of the setting; '' for none. */
  sigmaRulesFolder?: string;
  includeBuiltin?: boolean;
}

function parseOptions(arg: unknown): RunDetectionsOptions {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return {};
  const { sigmaRulesFolder, includeBuiltin } = arg as { sigmaRulesFolder?: unknown; includeBuiltin?: unknown };
  return {
    sigmaRulesFolder: typeof sigmaRulesFolder === 'string' ? sigmaRulesFolder : undefined,
    includeBuiltin: typeof includeBuiltin === 'boolean' ? includeBuiltin : undefined,
  };
}

/** The Sigma folder from the setting: `~` and `${workspaceFolder}` expanded; '' when unset. */
export function configuredSigmaFolder(): string {
  const raw = getSetting('detections.sigmaRulesFolder').trim();
  if (!raw) return '';
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return raw.replace(/^~(?=$|[\\/])/, process.env.HOME ?? process.env.USERPROFILE ?? '~').replace(/\$\{workspaceFolder\}/g, workspace);
}

export class DetectionRunner {
  private running: Promise<DetectionRun | undefined> | undefined;

  constructor(
    private readonly services: Pick<ExtensionServices, 'investigation' | 'log'>,
    private readonly store: FindingsStore,
  ) {}

  /** Runs the detections; resolves with the run, or undefined when cancelled or nothing to run. */
  run(arg?: unknown): Promise<DetectionRun | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('CloudTrail: detections are already running.');
      return this.running;
    }
    this.running = this.runOnce(parseOptions(arg)).finally(() => {
      this.running = undefined;
      void vscode.commands.executeCommand('setContext', IntelContextKeys.detecting, false);
    });
    void vscode.commands.executeCommand('setContext', IntelContextKeys.detecting, true);
    return this.running;
  }

  private async runOnce(options: RunDetectionsOptions): Promise<DetectionRun | undefined> {
    const { log } = this.services;
    const index = this.services.investigation.index;
    if (index.size === 0) {
      void vscode.window.showWarningMessage('CloudTrail: no events are loaded; add a folder of trail files first.', 'Add Folder…').then((choice) => {
        if (choice) void vscode.commands.executeCommand(Commands.addFolder);
      });
      return undefined;
    }
    const includeBuiltin = options.includeBuiltin ?? getSetting('detections.includeBuiltinRules');
    const sigmaFolder = options.sigmaRulesFolder ?? configuredSigmaFolder();

    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'CloudTrail: running detections', cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        try {
          const rules: DetectionRule[] = includeBuiltin ? builtinRules() : [];
          const builtinCount = rules.length;
          let sigmaProblems: SigmaProblem[] = [];
          let sigmaCount = 0;
          if (sigmaFolder) {
            if (!fs.existsSync(sigmaFolder)) {
              sigmaProblems = [{ file: sigmaFolder, kind: 'invalid', reason: 'the Sigma rules folder (setting cloudtrail.detections.sigmaRulesFolder) does not exist' }];
            } else {
              progress.report({ message: 'loading Sigma rules…' });
              const loaded = await loadSigmaRules([sigmaFolder], { signal: abort.signal });
              rules.push(...loaded.rules);
              sigmaCount = loaded.rules.length;
              sigmaProblems = loaded.problems;
            }
            log.info(`Sigma rules from ${sigmaFolder}: ${sigmaCount} loaded, ${sigmaProblems.length} not usable`);
            for (const p of sigmaProblems) log.warn(`Sigma rule ${p.file}${p.title ? ` (${oneLine(p.title, 120)})` : ''}: ${p.kind}: ${oneLine(p.reason, 400)}`);
          }
          if (rules.length === 0) {
            void vscode.window.showWarningMessage('CloudTrail: no detection rules to run (built-in rules are off and no usable Sigma rule was loaded).');
            return undefined;
          }
          let reported = 0;
          const report = await runDetectionsReport(index, rules, {
            signal: abort.signal,
            onProgress: ({ eventsDone, eventsTotal }) => {
              if (eventsTotal === 0) return;
              const fraction = (eventsDone / eventsTotal) * 100;
              progress.report({ message: `${eventsDone.toLocaleString('en-US')} of ${eventsTotal.toLocaleString('en-US')} events`, increment: fraction - reported });
              reported = fraction;
            },
          });
          for (const e of report.ruleErrors) log.error(`rule ${e.ruleId} failed and was stopped: ${oneLine(e.message, 400)}`);
          const run = this.store.set({
            findings: report.findings,
            ruleErrors: report.ruleErrors,
            sigmaProblems,
            builtinRules: builtinCount,
            sigmaRules: sigmaCount,
            sigmaFolder: sigmaFolder || undefined,
            eventsScanned: report.eventsScanned,
            finishedAt: new Date(),
            index,
          });
          const summary = `${plural(report.findings.length, 'finding')} from ${plural(rules.length, 'rule')} over ${plural(report.eventsScanned, 'event')}`;
          log.info(`detections: ${summary}`);
          for (const f of report.findings) log.info(`  [${f.severity}] ${f.ruleId}: ${oneLine(f.principal, 200)}, ${f.events.length} events`);
          const problems = sigmaProblems.length + report.ruleErrors.length;
          if (problems > 0) {
            void vscode.window
              .showWarningMessage(`CloudTrail: ${summary}; ${plural(problems, 'rule')} could not be used (see the Findings view and the log).`, 'Show Log')
              .then((choice) => (choice ? log.show() : undefined));
          } else {
            void vscode.window.setStatusBarMessage(`CloudTrail: ${summary}`, 5000);
          }
          return run;
        } catch (error) {
          if (isAbort(error) || token.isCancellationRequested) {
            log.info('detections cancelled; the previous findings are kept');
            return undefined;
          }
          log.error(`detections failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: detections failed: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
  }
}

/** "Choose Sigma Rules Folder…": stores the folder in the user setting. */
export async function pickSigmaRulesFolder(): Promise<string | undefined> {
  const current = configuredSigmaFolder();
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Use Sigma Rules Folder',
    title: 'Sigma rules folder for CloudTrail detections',
    defaultUri: current ? vscode.Uri.file(current) : undefined,
  });
  const folder = picked?.[0]?.fsPath;
  if (!folder) return undefined;
  // User settings, never workspace settings: the workspace may be the evidence folder itself,
  // and writing .vscode/settings.json there would change the evidence.
  await updateSetting('detections.sigmaRulesFolder', folder);
  const choice = await vscode.window.showInformationMessage(`CloudTrail: Sigma rules will be read from ${folder}.`, 'Run Detections');
  if (choice) await vscode.commands.executeCommand(IntelCommands.runDetections);
  return folder;
}
