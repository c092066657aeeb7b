import * as vscode from 'vscode';
import { Commands } from './commandIds';
import { ReadOnlyDocuments } from './documents/readOnlyDocuments';
import { EventsView } from './events/eventsView';
import { ExplorerView } from './explorer/explorerView';
import { FilterControls } from './filter/filterControls';
import { registerIntelligence } from './intel/index';
import { inputBoxPrompts, registerLiveSources, type LivePrompts } from './live/index';
import { EventLensProvider } from './lenses/eventLenses';
import { PivotCommands } from './pivots/pivotCommands';
import { createServices, type ExtensionServices } from './services';
import { TrailAutoDetect } from './sources/autoDetect';
import { SourcesView } from './sources/sourcesView';
import { registerTimeline, type TimelineController } from './timeline/timeline';
import { LanguageModelTools } from './tools/languageModelTools';

/** What integration tests (and other extensions) can reach; grows with the features. */
export interface CloudTrailInvestigatorApi {
  readonly log: vscode.LogOutputChannel;
  readonly services: ExtensionServices;
  readonly sources: SourcesView;
  readonly explorer: ExplorerView;
  readonly events: EventsView;
  readonly lenses: EventLensProvider;
  readonly documents: ReadOnlyDocuments;
  readonly autoDetect: TrailAutoDetect;
  /** The timeline webview feature (its open panel's session is what tests inspect). */
  readonly timeline: TimelineController;
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
  context.subscriptions.push(...registerIntelligence(services));
  // Live sources: the AWS SDK loads on the first live command, not here.
  const livePrompts = inputBoxPrompts();
  context.subscriptions.push(...registerLiveSources(services, livePrompts));
  const timeline = registerTimeline(services);
  context.subscriptions.push(timeline);
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
  return { log, services, sources, explorer, events, lenses, documents, autoDetect, restored, timeline, livePrompts, languageModelTools, pivots, filterControls };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
