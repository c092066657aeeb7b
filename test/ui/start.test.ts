// The first minutes after `npm start`, as a person sees them: the sample trail loaded and the
// CloudTrail views shown when the workbench opens (the start profile's
// cloudtrail.autoLoadWorkspaceTrails), the Sources welcome's button that loads the workspace's
// trail files, a .json.gz picked in Quick Open, and a key traced in the Lineage view.
// Screenshots go to test-results/screenshots/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { Workbench, assertScreenshot, harnessConfig } from './harness';

/** The host's user settings file (`<user-data-dir>/User/settings.json`, beside the logs folder). */
function userSettingsFile(): string {
  return path.join(path.dirname(harnessConfig().hostLogsDir), 'User', 'settings.json');
}

/** Expands a side bar view pane when it is collapsed, collapses it otherwise when asked. */
async function setExpanded(pane: Locator, expanded: boolean): Promise<void> {
  await pane.waitFor();
  const open = (await pane.locator('.pane-header').getAttribute('aria-expanded')) === 'true';
  if (open !== expanded) await pane.locator('.pane-header').click();
}

describe('start: the sample loaded at once, the welcome offer, Quick Open and lineage (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;
  let settingsBefore: string;

  before(async () => {
    // What `npm start` writes into its profile (scripts/start.mjs).
    settingsBefore = fs.readFileSync(userSettingsFile(), 'utf8');
    const settings = JSON.parse(settingsBefore) as Record<string, unknown>;
    settings['cloudtrail.autoLoadWorkspaceTrails'] = true;
    settings['git.openRepositoryInParentFolders'] = 'never';
    fs.writeFileSync(userSettingsFile(), JSON.stringify(settings, null, 2));
    workbench = await Workbench.open();
  });

  after(async () => {
    fs.writeFileSync(userSettingsFile(), settingsBefore);
    await workbench?.close();
  });

  it('shows the sample trail loaded in the Sources and Events views when the workbench opens', async () => {
    // Nothing is clicked: the extension loads the workspace's trail and shows its views itself.
    const sources = workbench.viewPane('Sources');
    const source = sources.locator('.monaco-list-row', { hasText: /345 events/ }).first();
    await source.waitFor();
    assert.match(await source.innerText(), /AWSLogs/);
    const events = workbench.viewPane('Events');
    await setExpanded(events, true);
    const rows = events.locator('.monaco-list-row');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 5, 'the Events view lists events');
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shot = await workbench.screenshot('first-view-sample-loaded');
    assertScreenshot(shot);
  });

  it('offers the workspace’s trail files in the Sources welcome once nothing is loaded, and loads them from there', async () => {
    const sources = workbench.viewPane('Sources');
    const row = sources.locator('.monaco-list-row', { hasText: /345 events/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Remove Source"]').click();
    const button = sources.locator('.welcome-view-content a, .welcome-view-content .monaco-button', { hasText: 'Load the Trail Files Found in This Workspace' }).first();
    await button.waitFor();
    await sources.locator('.pane-header .description', { hasText: '12 trail files found' }).waitFor();
    // The other views follow the removal: no account row or event row is left over.
    await workbench.viewPane('Explorer').locator('.monaco-list-row', { hasText: '111122223333' }).waitFor({ state: 'detached' });
    await workbench.viewPane('Events').locator('.monaco-list-row', { hasText: 'ListFunctions' }).first().waitFor({ state: 'detached' });
    await workbench.screenshot('sources-welcome-offer');
    await button.click();
    await sources.locator('.monaco-list-row', { hasText: /345 events/ }).first().waitFor();
  });

  it('opens a .json.gz picked in Quick Open (Ctrl+P) decompressed, with no binary tab', async () => {
    const page = workbench.page;
    const name = '111122223333_CloudTrail_us-east-1_20260304T0510Z_7L7JCOGI2CURSBGJ';
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(`${name}.json.gz`);
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).waitFor();
    await input.press('Enter');
    const tabs = page.locator('.part.editor .tabs-container .tab');
    await tabs.filter({ hasText: `${name}.json` }).first().waitFor();
    // The binary tab may show for a moment; it is gone once the tab strip settles.
    await page.waitForFunction(
      `(() => [...document.querySelectorAll('.part.editor .tabs-container .tab')].every((t) => !(t.textContent || '').includes('.json.gz')))()`,
      undefined,
      { timeout: 30_000 },
    );
    const labels = await tabs.allInnerTexts();
    assert.deepEqual(
      labels.filter((l) => l.includes(name)).map((l) => l.trim().split('\n')[0]),
      [`${name}.json`],
    );
    assert.equal(await page.locator('.part.editor', { hasText: 'binary' }).count(), 0, 'no "binary file" editor');
    await page.locator('.part.editor .codelens-decoration', { hasText: 'sourceIPAddress: ' }).first().waitFor();
  });

  it('traces the attacker’s key in the Lineage view, showing the chain to the IAM user', async () => {
    const page = workbench.page;
    await workbench.runCommand('View: Close All Editors');
    for (const title of ['Sources', 'Explorer', 'Events', 'Findings']) await setExpanded(workbench.viewPane(title), false);
    const lineage = workbench.viewPane('Lineage');
    await setExpanded(lineage, true);
    await workbench.runCommand('CloudTrail: Trace Lineage');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill('ASIAEXAMPLEINFRAAU02');
    await input.press('Enter');
    await lineage.locator('.monaco-list-row', { hasText: 'ASIAEXAMPLEINFRAAU02' }).first().waitFor();
    await lineage.locator('.monaco-list-row', { hasText: '2. ASIAEXAMPLEORGADMN01' }).first().waitFor();
    await lineage.locator('.monaco-list-row', { hasText: 'Origin: IAM user ci-deployer' }).first().waitFor();
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shot = await workbench.screenshot('lineage-view');
    assertScreenshot(shot);
    // Leave the workspace as the UI checks after this one expect it: nothing loaded.
    await workbench.runCommand('CloudTrail: Clear Lineage');
    await setExpanded(workbench.viewPane('Sources'), true);
    const row = workbench.viewPane('Sources').locator('.monaco-list-row', { hasText: /345 events/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Remove Source"]').click();
    await workbench.viewPane('Sources').locator('.welcome-view-content', { hasText: 'No CloudTrail events loaded yet' }).waitFor();
  });
});
