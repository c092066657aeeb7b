// The Findings and Lineage views as a person sees them in the real workbench: detections run
// from the palette on the sample trail, a finding expanded to its events, a key traced from the
// palette's input box. Screenshots go to test-results/screenshots/.
import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { Workbench, assertScreenshot } from './harness';

/** Expands a side bar view pane when it is collapsed, collapses it otherwise when asked. */
async function setExpanded(pane: Locator, expanded: boolean): Promise<void> {
  await pane.waitFor();
  const open = (await pane.locator('.pane-header').getAttribute('aria-expanded')) === 'true';
  if (open !== expanded) await pane.locator('.pane-header').click();
}

describe('intel: Findings and Lineage views (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('runs detections from the palette and shows the findings by severity', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => workbench.addFromExplorerMenu('AWSLogs'));
    // Room for the Findings view: fold the other trees.
    for (const title of ['Sources', 'Explorer', 'Events', 'Lineage']) await setExpanded(workbench.viewPane(title), false);
    const findings = workbench.viewPane('Findings');
    await setExpanded(findings, true);

    await workbench.runCommand('CloudTrail: Run Detections');
    const high = findings.locator('.monaco-list-row', { hasText: /^High/ }).first();
    await high.waitFor();
    const tampering = findings.locator('.monaco-list-row', { hasText: 'CloudTrail logging stopped, deleted or reduced' }).first();
    await tampering.waitFor();
    await tampering.click();
    await page.keyboard.press('ArrowRight');
    await findings.locator('.monaco-list-row', { hasText: 'StopLogging' }).first().waitFor();
    assert.match(await findings.locator('.pane-header').innerText(), /findings · 345 events scanned/i);
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shot = await workbench.screenshot('intel-findings');
    assertScreenshot(shot);
  });

  it('traces a key typed into Trace Lineage back to the IAM user', async () => {
    const page = workbench.page;
    await setExpanded(workbench.viewPane('Findings'), false);
    const lineage = workbench.viewPane('Lineage');
    await setExpanded(lineage, true);
    await workbench.runCommand('CloudTrail: Trace Lineage');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill('ASIAEXAMPLEINFRAAU02');
    await input.press('Enter');
    await lineage.locator('.monaco-list-row', { hasText: 'Origin: IAM user ci-deployer' }).first().waitFor();
    await lineage.locator('.monaco-list-row', { hasText: '2. ASIAEXAMPLEORGADMN01' }).first().waitFor();
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shot = await workbench.screenshot('intel-lineage');
    assertScreenshot(shot);
  });
});
