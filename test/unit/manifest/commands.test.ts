import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS } from '../../../src/extension/commandIds';

/** package.json's `contributes.commands` ids. */
function contributedCommands(): string[] {
  // out/test/unit/manifest -> repo root
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  return manifest.contributes.commands.map((c) => c.command);
}

describe('command registry (src/extension/commandIds.ts) equals package.json contributes.commands', () => {
  const contributed = contributedCommands();

  it('spells each id once', () => {
    const repeated = COMMAND_IDS.filter((id, i) => COMMAND_IDS.indexOf(id) !== i);
    assert.deepEqual(repeated, []);
    assert.ok(COMMAND_IDS.length > 0);
    for (const id of COMMAND_IDS) assert.match(id, /^cloudtrail\.[A-Za-z.]+$/);
  });

  it('every registry id is contributed', () => {
    const missing = COMMAND_IDS.filter((id) => !contributed.includes(id));
    assert.deepEqual(missing, [], 'in src/extension/commandIds.ts but not in package.json');
  });

  it('every contributed command is in the registry', () => {
    const missing = contributed.filter((id) => !COMMAND_IDS.includes(id));
    assert.deepEqual(missing, [], 'in package.json but not in src/extension/commandIds.ts');
  });
});
