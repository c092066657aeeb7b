import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceSummary } from '../../core/engine/api';
import { Commands } from '../commandIds';
import { ContextKeys } from '../commands';
import type { ExtensionServices } from '../services';
import { affectsSetting, getSetting } from '../settings';
import { Disposable } from '../util/disposables';
import { plural } from '../util/text';

const DISMISSED_KEY = 'cloudtrail.autoDetect.dismissed';
/** Trail files counted at most (the count is shown; loading takes the whole folders anyway). */
const COUNT_LIMIT = 10_000;
/** The walk used when the search service is unavailable stays shallow and bounded. */
const WALK_DEPTH = 4;
const WALK_ENTRIES = 5000;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.vscode-test', 'out', 'dist']);
/** Trail log files in the S3 delivery layout (digests live under CloudTrail-Digest and are not counted). */
const TRAIL_GLOBS = ['**/AWSLogs/*/CloudTrail/**', '**/AWSLogs/o-*/*/CloudTrail/**'];
const TRAIL_FILE = /\.json(\.gz)?$/i;
/** Files appearing or disappearing under an AWSLogs tree are counted again after this pause. */
const RECOUNT_DELAY_MS = 1000;

/** What the workspace holds in the S3 delivery layout. */
export interface WorkspaceTrails {
  /** The `AWSLogs` folders, sorted. */
  readonly folders: string[];
  /** Trail log files under them (`…/CloudTrail/….json.gz`); digests are not counted. */
  readonly files: number;
  /** True when counting stopped at the limit: there are at least `files`. */
  readonly capped: boolean;
}

/** Where the Sources view shows the count (beside its title). */
export interface TrailCountDisplay {
  showWorkspaceTrailFiles(count: number, capped: boolean): void;
}

/** The `AWSLogs` folder above a file in the S3 delivery layout, or undefined. */
function awsLogsFolderOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('AWSLogs');
  return at > 0 ? parts.slice(0, at + 1).join(path.sep) : undefined;
}

/** True when `folder` is one of the loaded paths or lies inside one. */
function isLoaded(folder: string, loadedPaths: readonly string[]): boolean {
  return loadedPaths.some((p) => folder === p || folder.startsWith(p.endsWith(path.sep) ? p : p + path.sep));
}

/** `<parent>/AWSLogs`: how a found folder is named in the Sources view and the offer. */
function trailFolderName(folder: string): string {
  return `${path.basename(path.dirname(folder))}${path.sep}AWSLogs`;
}

/**
 * Finds the trail files in the workspace (folders holding an `AWSLogs` tree) and makes them
 * easy to load: the context key `cloudtrail.workspaceTrailFiles` (their count) lets the
 * Sources view's welcome content offer a "Load" button that stays until they are loaded;
 * the window also offers each folder once in a notification (`cloudtrail.autoDetectTrails`;
 * "Don't Ask Again" is remembered in the workspace state, never in the workspace's files).
 * With `cloudtrail.autoLoadWorkspaceTrails` (off unless the user turns it on, as `npm start`
 * does for the sample) they are loaded when the window opens with no source.
 */
export class TrailAutoDetect extends Disposable {
  private found: WorkspaceTrails = { folders: [], files: 0, capped: false };
  private recountTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly services: Pick<ExtensionServices, 'addSource' | 'context' | 'investigation' | 'log'>,
    private readonly display: TrailCountDisplay,
  ) {
    super();
    const watcher = vscode.workspace.createFileSystemWatcher('**/AWSLogs/**', false, true, false);
    this.disposables.push(
      vscode.commands.registerCommand(Commands.loadWorkspaceTrails, () => this.loadWorkspaceTrails()),
      watcher,
      watcher.onDidCreate(() => this.scheduleRecount()),
      watcher.onDidDelete(() => this.scheduleRecount()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRecount()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affectsSetting(event, 'autoDetectTrails') || affectsSetting(event, 'autoLoadWorkspaceTrails')) this.scheduleRecount();
      }),
    );
  }

  /** The last count (what the context key and the Sources view show). */
  get workspaceTrails(): WorkspaceTrails {
    return this.found;
  }

  async findTrailFolders(token?: vscode.CancellationToken): Promise<string[]> {
    return (await this.findTrails(token)).folders;
  }

  async findTrails(token?: vscode.CancellationToken): Promise<WorkspaceTrails> {
    const files = new Set<string>();
    try {
      for (const glob of TRAIL_GLOBS) {
        for (const uri of await vscode.workspace.findFiles(glob, '**/node_modules/**', COUNT_LIMIT, token)) {
          if (TRAIL_FILE.test(uri.path)) files.add(uri.fsPath);
        }
      }
    } catch (error) {
      // Hosts without the search service (e.g. no ripgrep) still get the offer.
      this.services.log.info(`workspace search unavailable (${error instanceof Error ? error.message : String(error)}); walking the workspace instead`);
      for (const file of await this.walkForTrailFiles()) files.add(file);
    }
    const folders = new Set<string>();
    for (const file of files) {
      const folder = awsLogsFolderOf(file);
      if (folder) folders.add(folder);
    }
    return { folders: [...folders].sort(), files: Math.min(files.size, COUNT_LIMIT), capped: files.size >= COUNT_LIMIT };
  }

  /** Trail files under the `AWSLogs` folders of the workspace, by a bounded walk. */
  private async walkForTrailFiles(): Promise<string[]> {
    const found: string[] = [];
    let budget = WALK_ENTRIES;
    const visit = async (dir: string, depth: number, inAwsLogs: boolean): Promise<void> => {
      if ((!inAwsLogs && depth > WALK_DEPTH) || budget <= 0 || found.length >= COUNT_LIMIT) return;
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      budget -= entries.length;
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isFile()) {
          if (inAwsLogs && TRAIL_FILE.test(entry.name) && full.split(path.sep).includes('CloudTrail')) found.push(full);
        } else if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) {
          await visit(full, depth + 1, inAwsLogs || entry.name === 'AWSLogs');
        }
      }
    };
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme === 'file') await visit(folder.uri.fsPath, 0, false);
    }
    return found;
  }

  /**
   * Counts the workspace's trail files again and publishes the count (context key and view).
   * Without `force`, and with neither `cloudtrail.autoDetectTrails` nor
   * `cloudtrail.autoLoadWorkspaceTrails` on, the workspace is not searched and the count is 0.
   */
  async recount(force = false): Promise<WorkspaceTrails> {
    this.found = force || this.searching() ? await this.findTrails() : { folders: [], files: 0, capped: false };
    await vscode.commands.executeCommand('setContext', ContextKeys.workspaceTrailFiles, this.found.files);
    this.display.showWorkspaceTrailFiles(this.found.files, this.found.capped);
    return this.found;
  }

  /** The workspace is searched for trails only when the user lets it offer or load them. */
  private searching(): boolean {
    return getSetting('autoDetectTrails') || getSetting('autoLoadWorkspaceTrails');
  }

  private scheduleRecount(): void {
    if (this.recountTimer) clearTimeout(this.recountTimer);
    this.recountTimer = setTimeout(() => {
      this.recountTimer = undefined;
      this.recount().catch((error: unknown) => this.services.log.error(`counting the workspace's trail files failed: ${String(error)}`));
    }, RECOUNT_DELAY_MS);
  }

  /**
   * Run once the remembered sources are back: count the trail files, load them when the user
   * asked for that (`cloudtrail.autoLoadWorkspaceTrails`) and nothing is loaded, else offer them.
   * With `cloudtrail.autoDetectTrails` off (and no auto-load) the workspace is not searched; the
   * command (palette) still finds and loads them when asked.
   */
  async start(): Promise<void> {
    await this.recount();
    await this.loadOnStartup();
    await this.offer();
  }

  /**
   * With `cloudtrail.autoLoadWorkspaceTrails` on: loads the workspace's trail folders when no
   * source is loaded (none remembered from the last session), then shows the CloudTrail views.
   * With it off, loads and shows nothing.
   */
  async loadOnStartup(): Promise<SourceSummary[]> {
    if (!getSetting('autoLoadWorkspaceTrails')) return [];
    const loaded = this.services.investigation.summaries().length === 0 ? await this.loadWorkspaceTrails() : [];
    if (loaded.length > 0) this.services.log.info(`cloudtrail.autoLoadWorkspaceTrails: loaded ${plural(loaded.length, 'trail folder')} of the workspace`);
    if (this.services.investigation.summaries().length > 0) await vscode.commands.executeCommand('workbench.view.extension.cloudtrail');
    return loaded;
  }

  /** The welcome button's command: adds every trail folder of the workspace not loaded yet, one source each. */
  async loadWorkspaceTrails(): Promise<SourceSummary[]> {
    const found = await this.recount(true);
    if (found.folders.length === 0) {
      void vscode.window.showInformationMessage('CloudTrail: no trail files (an AWSLogs/…/CloudTrail/… tree) were found in this workspace.');
      return [];
    }
    const summaries: SourceSummary[] = [];
    for (const folder of found.folders) {
      const loadedPaths = this.services.investigation.summaries().flatMap((s) => s.paths);
      if (isLoaded(folder, loadedPaths)) continue;
      this.services.log.info(`loading the trail files found in ${folder}`);
      const summary = await this.services.addSource([folder], trailFolderName(folder));
      if (summary) summaries.push(summary);
    }
    return summaries;
  }

  async offer(): Promise<void> {
    if (!getSetting('autoDetectTrails')) return;
    const { context, investigation, log } = this.services;
    const dismissed = new Set(context.workspaceState.get<string[]>(DISMISSED_KEY, []));
    const loadedPaths = investigation.summaries().flatMap((s) => s.paths);
    const candidates = this.found.folders.filter((f) => !dismissed.has(f) && !isLoaded(f, loadedPaths));
    for (const folder of candidates) {
      log.info(`found CloudTrail logs in ${folder}`);
      const name = trailFolderName(folder);
      const choice = await vscode.window.showInformationMessage(
        `CloudTrail logs found in ${name}. Add them to the investigation?`,
        'Add',
        "Don't Ask Again",
      );
      if (choice === 'Add') {
        if (!isLoaded(folder, investigation.summaries().flatMap((s) => s.paths))) await this.services.addSource([folder], name);
      } else if (choice === "Don't Ask Again") {
        dismissed.add(folder);
        await context.workspaceState.update(DISMISSED_KEY, [...dismissed]);
      }
    }
  }

  override dispose(): void {
    if (this.recountTimer) clearTimeout(this.recountTimer);
    super.dispose();
  }
}
