// Getting in: the workspace (the sample trail) holds trail files and nothing is loaded, so the
// Sources view's welcome offers to load them (a context key with their count, a command), and
// `cloudtrail.autoLoadWorkspaceTrails` (what `npm start` turns on) loads them on start-up.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceSummary } from '../../../src/core/engine/api';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { EXTENSION_ID, activatedApi, ensureSampleLoaded, sampleTrailFiles, sampleTrailFolder } from './editor-helpers';

interface WelcomeEntry {
  view: string;
  contents: string;
  when?: string;
}

async function removeAllSources(api: CloudTrailInvestigatorApi): Promise<void> {
  for (const summary of api.services.investigation.summaries()) await api.services.removeSource(summary.id);
  assert.equal(api.services.investigation.summaries().length, 0);
}

describe('editor: trail files in the workspace (welcome offer, start-up load)', () => {
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('cloudtrail').update('autoLoadWorkspaceTrails', undefined, vscode.ConfigurationTarget.Global);
    // The suites after this one expect the sample trail loaded as its folder.
    await removeAllSources(api);
    await ensureSampleLoaded(api);
  });

  it('offers the workspace’s trail files in the Sources welcome while nothing is loaded, and its button loads them', async () => {
    await removeAllSources(api);
    const trails = await api.autoDetect.recount();
    // What the context key cloudtrail.workspaceTrailFiles was set to: the 12 log files, not the digests.
    assert.equal(trails.files, sampleTrailFiles().length);
    assert.equal(trails.files, 12);
    assert.deepEqual(trails.folders, [path.join(sampleTrailFolder(), 'AWSLogs')]);
    assert.equal(api.sources.treeView.description, '12 trail files found');

    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { viewsWelcome: WelcomeEntry[] } };
    const offer = manifest.contributes.viewsWelcome.find((w) => w.view === 'cloudtrail.sources' && w.contents.includes('(command:cloudtrail.sources.loadWorkspaceTrails)'));
    assert.ok(offer, 'a Sources welcome entry with the load button');
    assert.match(offer.when ?? '', /cloudtrail\.workspaceTrailFiles > 0/);
    assert.match(offer.when ?? '', /!cloudtrail\.hasSources/);

    const loaded = await vscode.commands.executeCommand<SourceSummary[]>('cloudtrail.sources.loadWorkspaceTrails');
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0].files, trails.files, 'the source holds the N files the welcome counted');
    assert.equal(loaded[0].events, 345);
    assert.deepEqual(loaded[0].paths, trails.folders);
    assert.equal(api.sources.treeView.description, undefined, 'no count once something is loaded');
    assert.deepEqual(await vscode.commands.executeCommand<SourceSummary[]>('cloudtrail.sources.loadWorkspaceTrails'), [], 'nothing loaded twice');
    assert.equal(api.services.investigation.summaries().length, 1);
  });

  it('does not search the workspace with cloudtrail.autoDetectTrails off, but the command still loads them when asked', async () => {
    await removeAllSources(api);
    const config = vscode.workspace.getConfiguration('cloudtrail');
    await config.update('autoDetectTrails', false, vscode.ConfigurationTarget.Global);
    try {
      const trails = await api.autoDetect.recount();
      assert.equal(trails.files, 0, 'no count, so no welcome offer');
      assert.equal(api.sources.treeView.description, undefined);
      const loaded = await vscode.commands.executeCommand<SourceSummary[]>('cloudtrail.sources.loadWorkspaceTrails');
      assert.equal(loaded.length, 1);
      assert.equal(loaded[0].events, 345);
    } finally {
      await config.update('autoDetectTrails', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal((await api.autoDetect.recount()).files, 12);
  });

  it('loads the trail files on start-up only with cloudtrail.autoLoadWorkspaceTrails, and only when nothing is loaded', async () => {
    await removeAllSources(api);
    assert.deepEqual(await api.autoDetect.loadOnStartup(), [], 'off by default: nothing is loaded without asking');
    assert.equal(api.services.investigation.summaries().length, 0);

    await vscode.workspace.getConfiguration('cloudtrail').update('autoLoadWorkspaceTrails', true, vscode.ConfigurationTarget.Global);
    const loaded = await api.autoDetect.loadOnStartup();
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0].events, 345);
    assert.equal(api.services.investigation.index.size, 345);
    assert.deepEqual(await api.autoDetect.loadOnStartup(), [], 'sources already there (remembered or loaded): nothing more');
    assert.equal(api.services.investigation.summaries().length, 1);
  });
});
