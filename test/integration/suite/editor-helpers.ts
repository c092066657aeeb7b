// Shared by the editor*.test.ts suites: the activated API, the sample trail loaded once,
// temp folders for generated evidence. Not a test file itself (no `.test.` in the name).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import type { SourceSummary } from '../../../src/core/engine/api';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'cloudtrail-investigator.cloudtrail-investigator';

export async function activatedApi(): Promise<CloudTrailInvestigatorApi> {
  const extension = vscode.extensions.getExtension<CloudTrailInvestigatorApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  const api = await extension.activate();
  await api.restored;
  return api;
}

/** fixtures/sample-trail, found from the workspace the runner opens (or from the repo). */
export function sampleTrailFolder(): string {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    const candidate = folder.uri.fsPath.endsWith('sample-trail') ? folder.uri.fsPath : path.join(folder.uri.fsPath, 'sample-trail');
    if (fs.existsSync(path.join(candidate, 'AWSLogs'))) return candidate;
  }
  return path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'sample-trail');
}

export function sampleTrailFiles(): string[] {
  const root = path.join(sampleTrailFolder(), 'AWSLogs');
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json.gz') && f.includes(`CloudTrail${path.sep}`))
    .map((f) => path.join(root, f))
    .sort();
}

/** Adds the sample trail once per host; later calls return the same source. */
export async function ensureSampleLoaded(api: CloudTrailInvestigatorApi): Promise<SourceSummary> {
  const folder = sampleTrailFolder();
  const existing = api.services.investigation.summaries().find((s) => s.paths.length === 1 && s.paths[0] === folder);
  if (existing) return existing;
  const summary = await api.services.addSource([folder]);
  assert.ok(summary, 'adding the sample trail returned no summary');
  return summary;
}

/** Every folder tempFolder made in this host; removed once the whole run is over. */
const madeFolders: string[] = [];

// A root hook (this module is loaded with the suites): the sources added from these folders
// stay in the host until it closes, so they are removed at the very end, not after each suite.
after(() => {
  for (const folder of madeFolders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

export function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `ctinv-editor-${prefix}-`));
  madeFolders.push(folder);
  return folder;
}

export function readTrailFile(file: string): { Records: Record<string, unknown>[] } {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as { Records: Record<string, unknown>[] };
}

/** Waits for a condition the extension reaches asynchronously (no timing is asserted). */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function itemLabel(item: vscode.TreeItem): string {
  const label = item.label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

export function tooltipText(item: vscode.TreeItem): string {
  const tooltip = item.tooltip;
  return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
}

// The UI checks open the same workspace after these suites, and sources are remembered per
// workspace: leave none behind (a root-level hook, registered when the first suite imports this).
after(async () => {
  const extension = vscode.extensions.getExtension<CloudTrailInvestigatorApi>(EXTENSION_ID);
  if (!extension?.isActive) return;
  const api = extension.exports;
  for (const summary of api.services.investigation.summaries()) await api.services.removeSource(summary.id);
  api.services.filter.clear();
});
