import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { activatedApi, eventually } from './editor-helpers';

const EXTENSION_ID = 'cloudtrail-investigator.cloudtrail-investigator';

describe('activation', () => {
  it('runs inside a real VS Code extension host', () => {
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    // The offline runner pins the host version; other hosts (test-electron) leave it unset.
    const expected = process.env.CTINV_EXPECT_VSCODE;
    if (expected) assert.equal(vscode.version, expected);
  });

  it('finds the extension and activates it, returning the API', async () => {
    const extension = vscode.extensions.getExtension<CloudTrailInvestigatorApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    const api = await extension.activate();
    assert.equal(extension.isActive, true);
    assert.equal(api.log.name, 'CloudTrail Investigator');
    assert.equal(typeof api.log.info, 'function');
  });

  it('opens the fixture workspace', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'exactly one workspace folder');
    const folderPath = folders[0].uri.path;
    assert.ok(folderPath.split('/').includes('fixtures'), `workspace ${folderPath} is not under fixtures/`);
    assert.ok(path.posix.isAbsolute(folderPath));
  });

  it('can search the workspace (the host has ripgrep for workspace.findFiles)', async () => {
    const files = await vscode.workspace.findFiles('**/*', undefined, 50);
    assert.ok(files.length > 0, 'findFiles returned nothing in the fixture workspace');
  });

  it('runs its Show Log command: the log, with its activation line, becomes visible', async () => {
    const api = await activatedApi();
    api.log.info('activation test: Show Log');
    // An output channel shown in the panel is a visible editor on an `output:` document.
    const logEditor = (): vscode.TextEditor | undefined =>
      vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'output' && e.document.getText().includes('activation test: Show Log'));
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await eventually(() => !logEditor(), 'the panel to close');
    await vscode.commands.executeCommand('cloudtrail.showLog');
    const editor = await eventually(logEditor, 'the CloudTrail Investigator log to be shown', 10_000);
    assert.match(editor.document.getText(), /CloudTrail Investigator activated/);
  });
});
