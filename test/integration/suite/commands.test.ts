// Every command in package.json `contributes.commands` must be registered by the extension,
// and every `cloudtrail.*` command the extension registers must be contributed (commands
// meant to stay out of the palette are still contributed, hidden with
// `menus.commandPalette` `"when": "false"`). Only the real host knows what is registered.
// The command registry (src/extension/commandIds.ts) must list exactly the same ids.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../../src/extension/commandIds';

const EXTENSION_ID = 'cloudtrail-investigator.cloudtrail-investigator';
const COMMAND_PREFIX = 'cloudtrail.';
/** Commands the workbench itself registers for every contributed view `<viewId>.<suffix>`. */
const WORKBENCH_VIEW_COMMAND_SUFFIXES = ['focus', 'open', 'resetViewLocation', 'toggleVisibility', 'removeView'];

interface ContributedCommand {
  readonly command: string;
}

describe('contributes.commands ⇄ registered commands', () => {
  let contributed: string[];
  let registered: string[];

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    await extension.activate();
    const contributes = extension.packageJSON.contributes ?? {};
    contributed = ((contributes.commands ?? []) as ContributedCommand[]).map((c) => c.command).sort();
    const viewIds: string[] = Object.values((contributes.views ?? {}) as Record<string, { id: string }[]>)
      .flat()
      .map((view) => view.id);
    const generatedByWorkbench = new Set(
      viewIds.flatMap((id) => WORKBENCH_VIEW_COMMAND_SUFFIXES.map((suffix) => `${id}.${suffix}`)),
    );
    registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith(COMMAND_PREFIX) && !generatedByWorkbench.has(id))
      .sort();
  });

  it('contributes at least one command', () => {
    assert.ok(contributed.length > 0);
  });

  it('registers every contributed command', () => {
    const missing = contributed.filter((id) => !registered.includes(id));
    assert.deepEqual(missing, [], `contributed in package.json but never registered: ${missing.join(', ')}`);
  });

  it('contributes every registered command', () => {
    const extra = registered.filter((id) => !contributed.includes(id));
    assert.deepEqual(extra, [], `registered but missing from contributes.commands: ${extra.join(', ')}`);
  });

  it('the command registry (commandIds.ts) lists every contributed command', () => {
    const missing = contributed.filter((id) => !COMMAND_IDS.includes(id));
    assert.deepEqual(missing, [], `contributed in package.json but not in src/extension/commandIds.ts: ${missing.join(', ')}`);
  });

  it('every id in the command registry is contributed and registered', () => {
    const notContributed = COMMAND_IDS.filter((id) => !contributed.includes(id));
    const notRegistered = COMMAND_IDS.filter((id) => !registered.includes(id));
    assert.deepEqual(notContributed, [], `in src/extension/commandIds.ts but not in contributes.commands: ${notContributed.join(', ')}`);
    assert.deepEqual(notRegistered, [], `in src/extension/commandIds.ts but never registered: ${notRegistered.join(', ')}`);
  });
});
