import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';

const DISMISSED_KEY = 'cloudtrail.autoDetect.dismissed';
/** Enough files to find the trails of a few accounts without walking a huge workspace. */
const SEARCH_LIMIT = 200;

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
  constructor(private readonly services: ExtensionServices) {}

  async findTrailFolders(token?: vscode.CancellationToken): Promise<string[]> {
    const files = await vscode.workspace.findFiles('**/AWSLogs/*/CloudTrail/**', '**/node_modules/**', SEARCH_LIMIT, token);
    const orgFiles = await vscode.workspace.findFiles('**/AWSLogs/o-*/*/CloudTrail/**', '**/node_modules/**', SEARCH_LIMIT, token);
    const folders = new Set<string>();
    for (const uri of [...files, ...orgFiles]) {
      const folder = awsLogsFolderOf(uri.fsPath);
      if (folder) folders.add(folder);
    }
    return [...folders].sort();
  }

  async offer(): Promise<void> {
    if (!vscode.workspace.getConfiguration('cloudtrail').get<boolean>('autoDetectTrails', true)) return;
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
