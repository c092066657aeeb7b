// The Sources view in the real host: adding the sample trail gives the engine's own counts,
// bad files are listed with their reasons while the rest loads, sources are remembered.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { Investigation } from '../../../src/core/engine/investigation';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { SourcesNode } from '../../../src/extension/sources/sourcesView';
import { activatedApi, ensureSampleLoaded, itemLabel, readTrailFile, sampleTrailFiles, sampleTrailFolder, tempFolder, tooltipText } from './editor-helpers';
import { queryIndex } from '../../../src/core/query/query';

describe('editor: Sources view', () => {
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
  });

  it('activates with the services, the views and the lens provider on its API', () => {
    assert.equal(api.log.name, 'CloudTrail Investigator');
    assert.ok(api.services.investigation);
    assert.ok(api.sources.provider && api.explorer.provider && api.events.provider && api.lenses);
    assert.equal(typeof api.services.filter.setExpression, 'function');
  });

  it('adds the sample trail folder with the same counts as the engine gives in Node', async () => {
    const folder = sampleTrailFolder();
    const summary = await ensureSampleLoaded(api);
    const { summary: expected } = await Investigation.open([folder], { workers: 0 });
    assert.equal(summary.events, expected.events);
    assert.equal(summary.events, 345);
    assert.equal(summary.files, expected.files);
    assert.equal(summary.digests, expected.digests);
    assert.equal(summary.duplicates, expected.duplicates);
    assert.equal(summary.skipped.length, expected.skipped.length);
    assert.equal(summary.first, expected.first);
    assert.equal(summary.last, expected.last);
    assert.ok(api.services.investigation.index.size >= 345);
  });

  it('shows the source with its event count, time span and problems', () => {
    const provider = api.sources.provider;
    const summary = api.services.investigation.summaries().find((s) => s.paths[0] === sampleTrailFolder());
    assert.ok(summary);
    const node = provider.getChildren().find((n) => n.kind === 'source' && n.sourceId === summary.id);
    assert.ok(node, 'the sample trail is a root of the Sources view');
    const item = provider.getTreeItem(node);
    assert.equal(itemLabel(item), summary.label);
    assert.match(String(item.description), /345 events/);
    assert.match(String(item.description), /2026-03-04 04:29:58Z – 05:57:47Z/);
    assert.equal(item.contextValue, 'cloudtrail.source');
  });

  it('lists a folder’s bad files under Problems with their reasons and keeps the good events', async () => {
    const folder = tempFolder('bad');
    const trail = sampleTrailFiles()[0];
    // Events of their own (new eventIDs), so they are not duplicates of the sample's.
    const good = JSON.parse(zlib.gunzipSync(fs.readFileSync(trail)).toString('utf8')) as { Records: { eventID: string }[] };
    for (const record of good.Records) record.eventID = `bad-files-${record.eventID}`;
    fs.writeFileSync(path.join(folder, 'good.json'), JSON.stringify(good));
    fs.writeFileSync(path.join(folder, 'truncated.json.gz'), fs.readFileSync(trail).subarray(0, 600));
    fs.writeFileSync(path.join(folder, 'invalid.json'), '{"Records": [ {"eventName": ');
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not evidence at all');

    const summary = await api.services.addSource([folder], 'bad files');
    assert.ok(summary);
    const { summary: expected } = await Investigation.open([folder], { workers: 0 });
    assert.equal(summary.events, expected.events);
    assert.ok(summary.events > 0, 'the good file was loaded');
    const skippedFiles = new Set(summary.skipped.map((p) => path.basename(p.path)));
    assert.ok(skippedFiles.has('truncated.json.gz'), [...skippedFiles].join(', '));
    assert.ok(skippedFiles.has('invalid.json'), [...skippedFiles].join(', '));

    const provider = api.sources.provider;
    const source = provider.getChildren().find((n) => n.kind === 'source' && n.sourceId === summary.id);
    assert.ok(source);
    assert.match(String(provider.getTreeItem(source).description), /problem/);
    const problems = provider.getChildren(source).find((n) => n.kind === 'problems');
    assert.ok(problems, 'a Problems node under the source');
    const rows = provider.getChildren(problems).map((n: SourcesNode) => provider.getTreeItem(n));
    assert.equal(rows.length, summary.skipped.length);
    for (const [i, problem] of summary.skipped.entries()) {
      assert.equal(itemLabel(rows[i]), path.basename(problem.path));
      assert.equal(rows[i].description, problem.reason);
    }
    assert.ok(rows.some((r) => itemLabel(r) === 'truncated.json.gz' && /gzip|truncated/i.test(String(r.description))));

    // "Show" on the warning reveals them: the command works without UI too.
    await vscode.commands.executeCommand('cloudtrail.sources.showSkipped', summary.id);
    assert.equal(api.sources.provider.getParent(problems)?.sourceId, summary.id);

    await api.services.removeSource(summary.id);
    assert.equal(api.services.investigation.summaries().some((s) => s.id === summary.id), false);
    assert.ok(api.services.investigation.summaries().some((s) => s.paths[0] === sampleTrailFolder()), 'the sample trail stays');
    assert.equal(api.services.investigation.index.size, 345);
    assert.equal(expected.events, good.Records.length);
  });

  it('shows records that share an eventID but differ as a problem of the source, both kept', async () => {
    const folder = tempFolder('conflict');
    const trail = readTrailFile(sampleTrailFiles()[0]);
    // An eventID of its own (not the sample's), on two records that differ in their address.
    const record = { ...trail.Records[0], eventID: 'conflict-4e1f0c2a-77d3-4b9a-a1c5-0f9e8d7c6b5a', sourceIPAddress: '198.51.100.7' };
    fs.writeFileSync(path.join(folder, 'first.json'), JSON.stringify({ Records: [record] }));
    fs.writeFileSync(path.join(folder, 'second.json'), JSON.stringify({ Records: [{ ...record, sourceIPAddress: '203.0.113.99' }] }));
    const summary = await api.services.addSource([folder], 'conflicting records');
    assert.ok(summary);
    try {
      assert.equal(summary.events, 2, 'both records are kept');
      assert.equal(summary.conflicts, 1);
      assert.equal(summary.skipped.length, 0);

      const provider = api.sources.provider;
      const source = provider.getChildren().find((n) => n.kind === 'source' && n.sourceId === summary.id);
      assert.ok(source);
      const sourceItem = provider.getTreeItem(source);
      assert.match(String(sourceItem.description), /1 problem/);
      assert.equal((sourceItem.iconPath as vscode.ThemeIcon).color?.id, 'problemsWarningIcon.foreground');
      const problems = provider.getChildren(source).find((n) => n.kind === 'problems');
      assert.ok(problems, 'a Problems node under the source');
      assert.match(String(provider.getTreeItem(problems).description), /1 eventID conflict/);
      const rows = provider.getChildren(problems);
      assert.equal(rows.length, 1);
      const row = provider.getTreeItem(rows[0]);
      assert.equal(itemLabel(row), `eventID ${record.eventID}`);
      assert.match(String(row.description), /first\.json/);
      assert.match(String(row.description), /second\.json/);
      // appendText escapes markdown: read it back as text.
      const tooltip = tooltipText(row).replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
      assert.ok(tooltip.includes(`${path.join(folder, 'first.json')} record 1`) && tooltip.includes(`${path.join(folder, 'second.json')} record 1`), tooltip);
      assert.equal(api.sources.provider.getParent(rows[0])?.kind, 'problems');

      await vscode.commands.executeCommand('cloudtrail.sources.showSkipped', summary.id);
      assert.equal(queryIndex(api.services.investigation.index, 'ip:203.0.113.99').length, 1);
    } finally {
      await api.services.removeSource(summary.id);
    }
  });

  it('remembers the sources (paths and labels only) in the workspace state', () => {
    const remembered = api.services.context.workspaceState.get<{ paths: string[]; label: string }[]>('cloudtrail.sources.v1', []);
    assert.ok(remembered.some((s) => s.paths[0] === sampleTrailFolder()));
    assert.equal(remembered.some((s) => s.label === 'bad files'), false, 'a removed source is forgotten');
    for (const entry of remembered) assert.deepEqual(Object.keys(entry).sort(), ['label', 'paths']);
  });

  it('loads the remembered sources again (as after a window reload)', async () => {
    const folder = tempFolder('restore');
    const trail = JSON.parse(zlib.gunzipSync(fs.readFileSync(sampleTrailFiles()[0])).toString('utf8')) as { Records: { eventID: string }[] };
    for (const record of trail.Records) record.eventID = `restored-${record.eventID}`;
    fs.writeFileSync(path.join(folder, 'trail.json'), JSON.stringify(trail));
    const state = api.services.context.workspaceState;
    const remembered = state.get<{ paths: string[]; label: string }[]>('cloudtrail.sources.v1', []);
    await state.update('cloudtrail.sources.v1', [...remembered, { paths: [folder], label: 'remembered' }]);
    await api.services.restoreSources();
    const restored = api.services.investigation.summaries().find((s) => s.label === 'remembered');
    assert.ok(restored, 'the remembered source is loaded');
    assert.equal(restored.events, trail.Records.length);
    assert.equal(api.services.investigation.summaries().filter((s) => s.paths[0] === sampleTrailFolder()).length, 1, 'loaded sources are not loaded twice');
    await api.services.removeSource(restored.id);
  });

  it('reloads a source from its node and keeps its counts', async () => {
    const summary = api.services.investigation.summaries().find((s) => s.paths[0] === sampleTrailFolder());
    assert.ok(summary);
    await vscode.commands.executeCommand('cloudtrail.sources.reload', { kind: 'source', sourceId: summary.id });
    const after = api.services.investigation.summaries().find((s) => s.id === summary.id);
    assert.equal(after?.events, 345);
  });

  it('finds the AWSLogs tree in the workspace to offer it', async () => {
    const folders = await api.autoDetect.findTrailFolders();
    assert.ok(folders.includes(path.join(sampleTrailFolder(), 'AWSLogs')), folders.join(', '));
  });
});
