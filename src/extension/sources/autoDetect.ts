import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { getSetting } from '../settings';

const DISMISSED_KEY = 'cloudtrail.autoDetect.dismissed';
/** Enough files to find the trails of a few accounts without walking a huge workspace. */
const SEARCH_LIMIT = 200;
/** The walk used when the search service is unavailable stays shallow and bounded. */
const WALK_DEPTH = 4;
const WALK_ENTRIES = 5000;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.vscode-test', 'out', 'dist']);

/** The `AWSLogs` folder above a file in the S3 delivery layout, or undefined. */
function awsLogsFolderOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('AWSLogs');
  return at > 0 ? parts.slice(0, at + 1).join(path.sep) : undefined;
}

/**
 * Offers folders holding an `AWSLogs` tree in the workspace as sources, once per folder
 * (the setting `cloudtrail.autoDetectTrails` turns it off; "Don't Ask Again" is remembered
 * in the workspace state, never written into the workspace's files).
 */
export class TrailAutoDetect {
  constructor(private readonly services: Pick<ExtensionServices, 'addSource' | 'context' | 'investigation' | 'log'>) {}

  async findTrailFolders(token?: vscode.CancellationToken): Promise<string[]> {
    const folders = new Set<string>();
    try {
      const files = await vscode.workspace.findFiles('**/AWSLogs/*/CloudTrail/**', '**/node_modules/**', SEARCH_LIMIT, token);
      const orgFiles = await vscode.workspace.findFiles('**/AWSLogs/o-*/*/CloudTrail/**', '**/node_modules/**', SEARCH_LIMIT, token);
      for (const uri of [...files, ...orgFiles]) {
        const folder = awsLogsFolderOf(uri.fsPath);
        if (folder) folders.add(folder);
      }
    } catch (error) {
      // Hosts without the search service (e.g. no ripgrep) still get the offer.
      this.services.log.info(`workspace search unavailable (${error instanceof Error ? error.message : String(error)}); walking the workspace instead`);
      for (const folder of await this.walkForAwsLogs()) folders.add(folder);
    }
    return [...folders].sort();
  }

  private async walkForAwsLogs(): Promise<string[]> {
    const found: string[] = [];
    let budget = WALK_ENTRIES;
    const visit = async (dir: string, depth: number): Promise<void> => {
      if (depth > WALK_DEPTH || budget <= 0) return;
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      budget -= entries.length;
      for (const entry of entries) {
        if (!entry.isDirectory() || SKIPPED_DIRECTORIES.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.name === 'AWSLogs') found.push(full);
        else await visit(full, depth + 1);
      }
    };
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme === 'file') await visit(folder.uri.fsPath, 0);
    }
    return found;
  }

  async offer(): Promise<void> {
    if (!getSetting('autoDetectTrails')) return;
    const { context, investigation, log } = this.services;
    const dismissed = new Set(context.workspaceState.get<string[]>(DISMISSED_KEY, []));
    const loaded = new Set(investigation.summaries().flatMap((s) => s.paths));
    const candidates = (await this.findTrailFolders()).filter((f) => !dismissed.has(f) && !loaded.has(f) && !loaded.has(path.dirname(f)));
    for (const folder of candidates) {
      log.info(`found CloudTrail logs in ${folder}`);
      const name = `${path.basename(path.dirname(folder))}${path.sep}AWSLogs`;
      const choice = await vscode.window.showInformationMessage(
        `CloudTrail logs found in ${name}. Add them to the investigation?`,
        'Add',
        "Don't Ask Again",
      );
      if (choice === 'Add') await this.services.addSource([folder], name);
      else if (choice === "Don't Ask Again") {
        dismissed.add(folder);
        await context.workspaceState.update(DISMISSED_KEY, [...dismissed]);
      }
    }
  }
}
