// What a person sees of the investigation in the editor: the trail folder added from the
// Explorer's context menu, the CloudTrail side bar with the Sources, Explorer and Events
// trees filled from it, and an event opened from the Events view with its code lenses. Screenshots go to test-results/screenshots/.
import * as assert from 'node:assert/strict';
import { Workbench, assertScreenshot } from './harness';

describe('editor: the investigation tree and lenses (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('adds the trail folder from the Explorer context menu and shows it under Sources', async () => {
    await workbench.addFromExplorerMenu('AWSLogs');
    const sources = workbench.viewPane('Sources');
    await sources.waitFor();
    const sourceRow = sources.locator('.monaco-list-row', { hasText: /345 events/ }).first();
    await sourceRow.waitFor();
    assert.match(await sourceRow.innerText(), /2026-03-04 04:29:58Z/);
  });

  it('shows the Explorer tree with accounts, regions and principals and their counts', async () => {
    const page = workbench.page;
    const explorer = workbench.viewPane('Explorer');
    if (!(await explorer.locator('.pane-body').isVisible())) await explorer.locator('.pane-header').click();
    const account = explorer.locator('.monaco-list-row', { hasText: '111122223333' }).first();
    await account.waitFor();
    assert.match(await account.innerText(), /345/);
    await account.click();
    await page.keyboard.press('ArrowRight');
    const region = explorer.locator('.monaco-list-row', { hasText: 'us-east-1' }).first();
    await region.waitFor();
    await region.click();
    await page.keyboard.press('ArrowRight');
    await explorer.locator('.monaco-list-row', { hasText: 'alice.dev' }).first().waitFor();
    // Dismiss notifications (the AWSLogs offer, the skipped-files warning) so they do not cover the screenshot.
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shot = await workbench.screenshot('editor-investigation-tree');
    assertScreenshot(shot);
  });

  it('pivots from the palette with a Quick Pick of values, counts and first/last seen', async () => {
    const page = workbench.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>CloudTrail: Pivot on Source IP');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Pivot on Source IP' }).waitFor();
    await input.press('Enter');
    // The palette gives way to the values' Quick Pick.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Pivot on Source IP' }).waitFor();
    await input.fill('203.0.113.66');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: '203.0.113.66' }).first();
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /\d+ events/);
    assert.match(text, /first 2026-03-04 05:02:11Z · last 2026-03-04 05:40:30Z/);
    await workbench.screenshot('editor-pivot-quick-pick');
    await input.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await page.locator('.statusbar-item', { hasText: 'ip:203.0.113.66' }).first().waitFor();
    await workbench.viewPane('Explorer').locator('.pane-header .description', { hasText: 'ip:203.0.113.66' }).first().waitFor();
    await workbench.runCommand('CloudTrail: Clear Filter');
    await page.locator('.statusbar-item', { hasText: 'all 345 events' }).first().waitFor();
  });

  it('opens an event from the Events view as read-only JSON with code lenses', async () => {
    const page = workbench.page;
    const events = workbench.viewPane('Events');
    if (!(await events.locator('.pane-body').isVisible())) await events.locator('.pane-header').click();
    // Room for the Events view: its rows sit under who · where run headers, so the first
    // AssumeRole is a few rows further down than a flat list had it (the list renders what is in view).
    for (const title of ['Findings', 'Lineage']) {
      const pane = workbench.viewPane(title);
      if (await pane.locator('.pane-body').isVisible()) await pane.locator('.pane-header').click({ position: { x: 8, y: 10 } });
    }
    const row = events.locator('.monaco-list-row', { hasText: 'AssumeRole' }).first();
    await row.waitFor();
    await row.click();
    const editor = page.locator('.part.editor .editor-instance').first();
    await editor.waitFor();
    const lens = page.locator('.part.editor .codelens-decoration', { hasText: /events?, / }).first();
    await lens.waitFor();
    const lensText = await page.locator('.part.editor .codelens-decoration').allInnerTexts();
    assert.ok(lensText.some((t) => /\d+ events?, (first|at) 2026-03-04/.test(t)), lensText.join(' | '));
    const tab = page.locator('.tabs-container .tab.active');
    assert.match(await tab.innerText(), /AssumeRole 03-04 \d\d:\d\d:\d\dZ \S+\.json/);
    const shot = await workbench.screenshot('editor-event-lenses');
    assertScreenshot(shot);
  });

  it('removes the source with its inline action and shows the welcome view again', async () => {
    // Also leaves the workspace as it was for the UI checks that follow (sources are remembered).
    const sources = workbench.viewPane('Sources');
    const row = sources.locator('.monaco-list-row', { hasText: /345 events/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Remove Source"]').click();
    await sources.locator('.welcome-view-content', { hasText: 'No CloudTrail events loaded yet' }).waitFor();
    assert.equal(await sources.locator('.monaco-list-row', { hasText: /345 events/ }).count(), 0);
  });
});
