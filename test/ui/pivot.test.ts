// Pivots that do what they say (issue 17), as a person sees them: the filter input counts the
// matches while the filter is typed, the pivot picker says it narrows the active filter and
// shows per value the count the filter then has, and after choosing, the status bar shows that
// count. Screenshots go to test-results/screenshots/ (`pivot` is the picker over a filter).
import * as assert from 'node:assert/strict';
import { Workbench, assertScreenshot } from './harness';

const BEFORE = 'eventSource:iam.amazonaws.com OR eventSource:sts.amazonaws.com';
const ATTACKER_IP = '203.0.113.66';

describe('pivot: narrowing the filter with the counts shown (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('counts as the filter is typed, then narrows it with a pivot to exactly the count shown', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => workbench.addFromExplorerMenu('AWSLogs'));
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const message = page.locator('.quick-input-widget .quick-input-message');

    // The filter input: the live count follows the keys typed, and a syntax error shows the parser's message.
    await workbench.runCommand('CloudTrail: Edit Filter…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'CloudTrail filter' }).waitFor();
    await message.filter({ hasText: /^345 of 345 events match/ }).waitFor();
    await input.fill('');
    await input.pressSequentially('eventSource:iam.amazonaws.com OR (');
    await message.filter({ hasText: /at character/ }).waitFor();
    await input.fill('');
    await input.pressSequentially(BEFORE);
    const typed = message.filter({ hasText: /^\d+ of 345 events match/ });
    await typed.waitFor();
    const filtered = Number(/^(\d+) of/.exec(await typed.innerText())?.[1]);
    assert.ok(filtered > 0 && filtered < 345, `${filtered} events call IAM or STS`);
    await input.press('Enter');
    await page.locator('.statusbar-item', { hasText: `${filtered} of 345` }).first().waitFor();

    // The picker says what choosing does, with the counts it gives (no notification over the screenshot).
    await workbench.runCommand('Notifications: Clear All Notifications');
    await workbench.runCommand('CloudTrail: Pivot on Source IP…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'narrows the active filter (AND)' }).waitFor();
    await input.fill(ATTACKER_IP);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: ATTACKER_IP }).first();
    await row.waitFor();
    const count = Number(/^(\d+) events?$/.exec((await row.locator('.label-description').innerText()).trim())?.[1]);
    assert.ok(count > 0 && count <= filtered, `${ATTACKER_IP}: ${count} of the ${filtered} events`);
    // The second action: replacing, offered on the row (the active row shows its button) and in the title bar.
    const replace = row.locator('.action-label[aria-label^="Replace the filter with this value instead"]');
    await replace.waitFor();
    assert.match(String(await replace.getAttribute('aria-label')), /: \d+ events?$/);
    await page.locator('.quick-input-widget .quick-input-titlebar .action-label[aria-label^="Replace the filter instead"]').waitFor();
    const shot = await workbench.screenshot('pivot');
    assertScreenshot(shot);

    // Enter chooses the active row: the filter narrows.
    assert.equal(await page.locator('.quick-input-widget').isVisible(), true, 'the picker is still open');
    await input.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    // The filter now selects exactly the count the picker showed.
    await page.locator('.statusbar-item', { hasText: `${count} of 345` }).first().waitFor();
    await workbench.screenshot('pivot-narrowed');
    await workbench.runCommand('CloudTrail: Clear Filter');
    await page.locator('.statusbar-item', { hasText: 'all 345 events' }).first().waitFor();
  });
});
