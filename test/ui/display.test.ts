// Reading at a glance (issue 17): at the side bar's default width, an Events row shows who made
// the call, not only its time and name (it used to end in `05:57:47Z ListFuncti…`). Measured in
// the rendered workbench: the principal's text lies inside the row's visible label, not in the
// part cut off by the ellipsis. Pivoted on the attacker's IP, the rows leave the IP out (the view
// names it) so who is in view. Screenshot events-view-default-width.
import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { Workbench, assertScreenshot } from './harness';

async function setExpanded(pane: Locator, expanded: boolean): Promise<void> {
  await pane.waitFor();
  const open = (await pane.locator('.pane-header').getAttribute('aria-expanded')) === 'true';
  if (open !== expanded) await pane.locator('.pane-header').click();
}

interface RowMeasure {
  label: string;
  description: string;
  /** Right edges (px) of the principal's and the source IP's text, and of the visible label. */
  whoRight: number;
  ipRight: number;
  visibleRight: number;
}

/**
 * Each rendered Events row: its label and description, and where the description's first two
 * parts (principal · source IP) end on screen against where the row's label is clipped.
 * (A string: this project's TypeScript has no DOM library.)
 */
const MEASURE_ROWS = `(() => {
  const panes = [...document.querySelectorAll('.part.sidebar .pane')];
  const pane = panes.find((p) => (p.querySelector('.pane-header')?.getAttribute('aria-label') || '').startsWith('Events'));
  if (!pane) return [];
  return [...pane.querySelectorAll('.monaco-list-row')].map((row) => {
    const label = row.querySelector('.label-name')?.textContent || '';
    const desc = row.querySelector('.label-description');
    const container = row.querySelector('.monaco-icon-label-container');
    const text = desc && desc.firstChild;
    const description = desc ? desc.textContent || '' : '';
    const parts = description.split(' · ');
    const rightOf = (end) => {
      if (!text || end <= 0) return -1;
      const range = document.createRange();
      range.setStart(text, 0);
      range.setEnd(text, Math.min(end, text.length));
      return range.getBoundingClientRect().right;
    };
    const who = parts[0] || '';
    const ip = parts.length > 1 ? parts[1] : '';
    return {
      label,
      description,
      whoRight: rightOf(who.length),
      ipRight: ip ? rightOf(who.length + 3 + ip.length) : -1,
      visibleRight: container ? Math.min(container.getBoundingClientRect().right, row.getBoundingClientRect().right) : 0,
    };
  });
})()`;

describe('reading at a glance: the Events view at the default side bar width (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('event rows show the principal at the default width, and leave out a source IP the whole list shares', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => workbench.addFromExplorerMenu('AWSLogs'));
    // Room for the Events view: fold the other views (the side bar keeps its width).
    for (const title of ['Sources', 'Explorer', 'Findings', 'Lineage']) await setExpanded(workbench.viewPane(title), false);
    const events = workbench.viewPane('Events');
    await setExpanded(events, true);
    await events.locator('.monaco-list-row .label-description').first().waitFor();
    await workbench.runCommand('Notifications: Clear All Notifications');

    const sidebar = await page.locator('.part.sidebar').boundingBox();
    assert.ok(sidebar, 'the side bar is shown');
    assert.ok(sidebar.width >= 200 && sidebar.width <= 320, `the side bar is at its default width (${sidebar.width} px)`);

    const measure = async (): Promise<{ rows: RowMeasure[]; report: string }> => {
      const rows = ((await page.evaluate(MEASURE_ROWS)) as RowMeasure[]).filter((r) => /^\d{2}:\d{2}:\d{2} /.test(r.label));
      const report = rows.map((r) => `${r.label} | ${r.description} | who→${Math.round(r.whoRight)} ip→${Math.round(r.ipRight)} visible→${Math.round(r.visibleRight)}`).join('\n');
      return { rows, report };
    };
    const whoVisible = (r: RowMeasure): boolean => r.whoRight > 0 && r.whoRight <= r.visibleRight + 1;

    // All events: each row's description starts with who, then from where.
    const all = await measure();
    assert.ok(all.rows.length >= 5, all.report);
    for (const row of all.rows) assert.ok(row.description.length > 0, `${row.label}: a description (who, from where)\n${all.report}`);
    // About 33 characters are in view: with a long event name the principal runs past the edge.
    assert.ok(all.rows.some(whoVisible), `a row shows who\n${all.report}`);

    // The attacker's IP: the rows leave the shared IP out (the view names it), who is in view.
    await workbench.runCommand('CloudTrail: Edit Filter');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('ip:203.0.113.66');
    await input.press('Enter');
    await events.locator('.pane-header .description', { hasText: 'from 203.0.113.66' }).first().waitFor();
    await page.waitForTimeout(300);
    const pivot = await measure();
    assert.ok(pivot.rows.length >= 5, pivot.report);
    const shown = pivot.rows.filter(whoVisible);
    assert.ok(shown.length * 3 >= pivot.rows.length * 2, `the principal is in view on most rows (${shown.length} of ${pivot.rows.length})\n${pivot.report}`);
    assert.ok(pivot.rows.every((r) => !r.description.includes('203.0.113.66')), pivot.report);

    await page.mouse.move(800, 600); // no hover tooltip over the rows
        const shot = await workbench.screenshot('events-view-default-width');
    assertScreenshot(shot);
    await workbench.runCommand('CloudTrail: Clear Filter');
  });
});
