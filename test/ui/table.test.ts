// The Events table as a person sees it in the real workbench (VS Code 1.96.4 in Chromium):
// opened from the palette on the sample trail, its header and rows, the keyboard moving the
// selection, a header click sorting, Enter opening the event beside, the cell menu; screenshots
// at the default width (side bar shown) and wide (side bar hidden).
import * as assert from 'node:assert/strict';
import { Workbench, assertScreenshot } from './harness';

const CONSOLE_COLUMNS = ['Event time', 'Event name', 'User name / principal', 'Source IP address', 'AWS access key', 'AWS region', 'Error code', 'Resources'];

describe('events table webview (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('opens from the palette, shows the console columns and real rows, moves the selection with the keyboard, and saves screenshots', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => workbench.addFromExplorerMenu('AWSLogs'));
    await workbench.runCommand('CloudTrail: Open Events Table');
    const frame = await workbench.webviewFrame('#grid');
    await frame.locator('body[data-paints]').waitFor();
    await frame.locator('#status').filter({ hasText: /^[\d,]+ events · rows 1–\d+ · by event time newest first$/ }).waitFor();
    const total = Number(await frame.locator('body').getAttribute('data-total'));
    assert.ok(total >= 345, `the table holds the sample trail (${total} events)`);

    const headers = await frame.locator('.th button').allInnerTexts();
    assert.deepEqual(headers.map((h) => h.replace(/ [▲▼]$/, '')), CONSOLE_COLUMNS);
    assert.match(headers[0], /▼$/, 'sorted by time, newest first');
    // Real rows: a time and an event name in the first row.
    const firstRow = frame.locator('.tr[data-position="0"]');
    await firstRow.filter({ hasNotText: '…' }).waitFor();
    assert.match(await firstRow.locator('.td.c-time').innerText(), /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.match(await firstRow.locator('.td.c-eventName').innerText(), /^[A-Z][A-Za-z0-9]+$/);

    // Keyboard: the grid moves its selection.
    const grid = frame.locator('#grid');
    await grid.focus();
    await grid.press('ArrowDown');
    await grid.press('ArrowDown');
    await frame.locator('body[data-selected="2"]').waitFor();
    await frame.locator('.tr.selected[data-position="2"]').waitFor();
    await grid.press('PageDown');
    const afterPage = Number(await frame.locator('body').getAttribute('data-selected'));
    assert.ok(afterPage > 10, `Page Down moves a page (${afterPage})`);
    await grid.press('End');
    await frame.locator(`body[data-selected="${total - 1}"]`).waitFor();
    await frame.locator(`.tr.selected[data-position="${total - 1}"]`).filter({ hasNotText: '…' }).waitFor();
    await grid.press('Home');
    await frame.locator('body[data-selected="0"]').waitFor();
    await grid.press('ArrowDown');
    await frame.locator('body[data-selected="1"]').waitFor();

    await workbench.runCommand('Notifications: Clear All Notifications');
    const defaultShot = await workbench.screenshot('events-table-default');
    const defaultWidth = await frame.locator('#scroller').evaluate((e) => (e as unknown as { clientWidth: number }).clientWidth);
    // Wide: the side bar hidden, the table takes the window's width.
    await workbench.runCommand('View: Toggle Primary Side Bar Visibility');
    await frame.waitForFunction((w) => (globalThis as unknown as { document: { getElementById(id: string): { clientWidth: number } } }).document.getElementById('scroller').clientWidth > w + 100, defaultWidth);
    await frame.locator('.tr[data-position="1"]').filter({ hasNotText: '…' }).waitFor();
    const wideShot = await workbench.screenshot('events-table-wide');
    await workbench.runCommand('View: Toggle Primary Side Bar Visibility');
    assertScreenshot(defaultShot);
    assertScreenshot(wideShot);

    // A header click sorts by that column.
    await frame.locator('.th button[data-column="eventName"]').click();
    await frame.locator('#status').filter({ hasText: 'by event name A→Z' }).waitFor();
    await frame.locator('.tr[data-position="1"]').filter({ hasNotText: '…' }).waitFor();
    const names = [];
    for (let p = 0; p < 5; p++) names.push(await frame.locator(`.tr[data-position="${p}"] .td.c-eventName`).innerText());
    assert.deepEqual(names, [...names].sort(), `sorted: ${names.join(', ')}`);

    // The cell menu on a right-click offers pivot, add, exclude and copy.
    await frame.locator('.tr[data-position="0"] .td.c-ip').click({ button: 'right' });
    await frame.locator('#cell-menu:not([hidden])').waitFor();
    assert.deepEqual(await frame.locator('#cell-menu button').allInnerTexts(), ['Pivot on this source ip address (replaces the filter)', 'Add to filter (AND)', 'Exclude from filter', 'Copy']);
    await page.keyboard.press('Escape');
    await frame.locator('#cell-menu[hidden]').waitFor({ state: 'attached' });

    // Enter opens the selected event's JSON beside the table; the table stays open.
    await grid.focus();
    await grid.press('Home');
    await grid.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: /\.json/ }).first().waitFor();
    await page.locator('.tabs-container .tab', { hasText: 'CloudTrail Events' }).first().waitFor();
    assert.ok((await page.locator('.part.editor .editor-group-container').count()) >= 2, 'the event opened in a second editor group');
    // Back to the default order for whoever opens the table next.
    await frame.locator('.th button[data-column="time"]').click();
    await frame.locator('#status').filter({ hasText: 'by event time' }).waitFor();
  });
});
