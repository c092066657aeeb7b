import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';

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

  it('runs its Show Log command', async () => {
    await vscode.commands.executeCommand('cloudtrail.showLog');
  });
});
