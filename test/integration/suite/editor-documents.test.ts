// Read-only documents in the real host: one event's JSON and a .json.gz decompressed.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import * as nodePath from 'node:path';
import { activatedApi, ensureSampleLoaded, eventually, readTrailFile, sampleTrailFiles, tempFolder } from './editor-helpers';

const ASSUME_ROLE_EVENT_ID = 'd25235be-864a-4199-8e8e-52d782662570';

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Read-only by construction: no file system serves the scheme, so nothing can be written back. */
async function assertReadOnly(uri: vscode.Uri): Promise<void> {
  assert.notEqual(vscode.workspace.fs.isWritableFileSystem(uri.scheme), true);
  await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('tampered'))));
}

describe('editor: read-only event and trail documents', () => {
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('cloudtrail.openEvent shows the event’s pretty-printed JSON in a read-only editor', async () => {
    const index = api.services.investigation.index;
    const [id] = index.postings('eventId', ASSUME_ROLE_EVENT_ID);
    assert.ok(id !== undefined, 'the AssumeRole event is loaded');
    const evidence = index.origin(id).path;
    const before = sha256(evidence);

    await vscode.commands.executeCommand('cloudtrail.openEvent', id);
    const editor = await eventually(
      () => (vscode.window.activeTextEditor?.document.uri.scheme === 'cloudtrail-event' ? vscode.window.activeTextEditor : undefined),
      'the event editor',
    );
    const document = editor.document;
    assert.equal(document.languageId, 'json');
    // Named by event, time and principal (each tab of three ConsoleLogins differs); attacker text reduced to [A-Za-z0-9_-].
    assert.match(document.uri.path, /^\/\d+\/AssumeRole 03-04 \d\d:\d\d:\d\dZ [A-Za-z0-9_-]+\.json$/);
    const event = JSON.parse(document.getText()) as { eventID: string; eventName: string };
    assert.equal(event.eventID, ASSUME_ROLE_EVENT_ID);
    assert.equal(event.eventName, 'AssumeRole');
    assert.ok(document.getText().includes('\n  "eventVersion"'), 'pretty-printed with two spaces');

    await assertReadOnly(document.uri);
    assert.equal(sha256(evidence), before, 'the evidence file is untouched');
  });

  it('opens an event nested 10,000 levels deep (JSON.stringify overflows on it): indented near the top, compact below', async () => {
    const folder = tempFolder('deep');
    const depth = 10_000;
    const record = `{"eventVersion":"1.09","eventTime":"2026-03-04T05:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/deep"},"eventID":"deep-1","requestParameters":${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}}`;
    fs.writeFileSync(nodePath.join(folder, 'deep.json'), `{"Records":[${record}]}`);
    const summary = await api.services.addSource([folder], 'deep');
    try {
      assert.equal(summary?.events, 1);
      const [id] = api.services.investigation.index.postings('eventId', 'deep-1');
      await vscode.commands.executeCommand('cloudtrail.openEvent', id);
      const editor = await eventually(
        () => (/\/PutBucketAcl 03-04 05:00:00Z deep\.json$/.test(vscode.window.activeTextEditor?.document.uri.path ?? '') ? vscode.window.activeTextEditor : undefined),
        'the deep event editor',
      );
      const text = editor.document.getText();
      assert.ok(!text.startsWith('// Could not read'), text.slice(0, 200));
      assert.ok(text.includes('\n  "eventVersion"'), 'pretty-printed with two spaces');
      assert.equal(text.replace(/\s+/g, ''), record);
    } finally {
      if (summary) await api.services.removeSource(summary.id);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('opens a .json.gz trail file decompressed, read-only', async () => {
    const file = sampleTrailFiles()[0];
    const expected = readTrailFile(file);
    const before = sha256(file);
    await vscode.commands.executeCommand('cloudtrail.openTrailFileDecompressed', vscode.Uri.file(file));
    const editor = await eventually(
      () => (vscode.window.activeTextEditor?.document.uri.scheme === 'cloudtrail-gz' ? vscode.window.activeTextEditor : undefined),
      'the decompressed editor',
    );
    assert.equal(editor.document.languageId, 'json');
    const shown = JSON.parse(editor.document.getText()) as { Records: { eventID: string }[] };
    assert.equal(shown.Records.length, expected.Records.length);
    assert.deepEqual(
      shown.Records.map((r) => r.eventID),
      expected.Records.map((r) => r.eventID),
    );
    await assertReadOnly(editor.document.uri);
    assert.equal(sha256(file), before);
  });

  it('shows a .json.gz opened like any file decompressed instead of as binary', async () => {
    const file = sampleTrailFiles()[1];
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
    const editor = await eventually(
      () => (vscode.window.activeTextEditor?.document.uri.scheme === 'cloudtrail-gz' ? vscode.window.activeTextEditor : undefined),
      'the redirected decompressed editor',
    );
    assert.equal((JSON.parse(editor.document.getText()) as { Records: unknown[] }).Records.length, readTrailFile(file).Records.length);
    const gzTabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme !== 'cloudtrail-gz' && t.input.uri.path.endsWith('.json.gz'));
    assert.equal(gzTabs.length, 0, 'the binary tab was replaced');
  });

  for (const [how, options] of [
    ['pinned, as Quick Open (Ctrl+P) opens it', { preview: false }],
    ['as a preview, as a click in the Explorer opens it', { preview: true }],
  ] as const) {
    it(`leaves only the decompressed tab when a .json.gz is opened ${how}`, async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const file = sampleTrailFiles()[2];
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), options);
      await eventually(() => allTabs().some((t) => tabUri(t)?.scheme === 'cloudtrail-gz'), 'the decompressed tab');
      // The binary tab goes once the decompressed one is there; wait for the tab strip to settle.
      const tabs = await eventually(() => {
        const now = allTabs();
        return now.length === 1 ? now : undefined;
      }, `one tab, not: ${allTabs().map((t) => t.label).join(', ')}`);
      assert.equal(tabUri(tabs[0])?.scheme, 'cloudtrail-gz');
      assert.equal(tabUri(tabs[0])?.query.includes(encodeURIComponent(file)) || gzSourceOf(tabs[0]) === file, true);
    });
  }
});

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  const input = tab.input;
  return input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : undefined;
}

function gzSourceOf(tab: vscode.Tab): string | undefined {
  const uri = tabUri(tab);
  return uri ? (new URLSearchParams(uri.query).get('file') ?? undefined) : undefined;
}
