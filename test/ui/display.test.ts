// Reading at a glance (issue 17): at the side bar's default width (about 300 px, ~33 characters),
// every Events and Explorer row shows who made the call and from where, or sits under a header
// that does (a who · where run, a noise group, an Explorer node whose path names them). Measured
// in the rendered workbench, for the first screenful: a header's label is not cut by the ellipsis
// (its text ends inside the row's visible part), and an Explorer event row's description (from
// where) is in view. Pivoted on the attacker's IP, runs are by principal alone (the view names
// the IP). Screenshots events-view-default-width, explorer-events-default-width.
import * as assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { Workbench, assertScreenshot } from './harness';

async function setExpanded(pane: Locator, expanded: boolean): Promise<void> {
  await pane.waitFor();
  const header = pane.locator('.pane-header');
  const open = (await header.getAttribute('aria-expanded')) === 'true';
  // On the twistie: the middle of a header may be its description or its actions.
  if (open !== expanded) await header.click({ position: { x: 8, y: 10 } });
  await pane.locator(`.pane-header[aria-expanded="${expanded}"]`).waitFor();
}

interface RowMeasure {
  label: string;
  description: string;
  /** aria-level (1 = top level) and aria-expanded (null: not collapsible). */
  level: number;
  expanded: string | null;
  /** Right edges (px) of the label's and the description's text, and of the row's visible part. */
  labelRight: number;
  descriptionRight: number;
  visibleRight: number;
  /** Width of the '…' that replaces the end of an overflowing row. */
  ellipsis: number;
}

/**
 * The rows of the named side bar view that are in view, each with where its label and
 * description text end against where the row is clipped. (A string: this project's TypeScript
 * has no DOM library.)
 */
const measureRows = (title: string): string => `(() => {
  const panes = [...document.querySelectorAll('.part.sidebar .pane')];
  const pane = panes.find((p) => (p.querySelector('.pane-header')?.getAttribute('aria-label') || '').startsWith(${JSON.stringify(title)}));
  if (!pane) return [];
  const body = pane.querySelector('.pane-body').getBoundingClientRect();
  const rightOf = (element) => {
    if (!element || !element.textContent) return -1;
    const range = document.createRange();
    range.selectNodeContents(element);
    return range.getBoundingClientRect().right;
  };
  // The '…' an overflowing row ends in covers this much of what comes before the edge.
  const ellipsisWidth = (element) => {
    if (!element) return 0;
    const probe = document.createElement('span');
    probe.textContent = '…';
    probe.style.font = getComputedStyle(element).font;
    probe.style.position = 'absolute';
    document.body.appendChild(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  };
  return [...pane.querySelectorAll('.monaco-list-row')]
    .filter((row) => {
      const box = row.getBoundingClientRect();
      return box.top >= body.top - 1 && box.bottom <= body.bottom + 1;
    })
    .map((row) => {
      const container = row.querySelector('.monaco-icon-label-container');
      return {
        label: row.querySelector('.label-name')?.textContent || '',
        description: row.querySelector('.label-description')?.textContent || '',
        level: Number(row.getAttribute('aria-level') || '1'),
        expanded: row.getAttribute('aria-expanded'),
        labelRight: rightOf(row.querySelector('.label-name')),
        descriptionRight: rightOf(row.querySelector('.label-description')),
        visibleRight: container ? Math.min(container.getBoundingClientRect().right, row.getBoundingClientRect().right) : 0,
        ellipsis: ellipsisWidth(row.querySelector('.label-name')),
      };
    });
})()`;

async function measure(page: Page, title: string): Promise<{ rows: RowMeasure[]; report: string }> {
  const rows = (await page.evaluate(measureRows(title))) as RowMeasure[];
  const report = rows
    .map((r) => `${'  '.repeat(r.level - 1)}${r.label} | ${r.description} | label→${Math.round(r.labelRight)} description→${Math.round(r.descriptionRight)} visible→${Math.round(r.visibleRight)} …${Math.round(r.ellipsis)}`)
    .join('\n');
  return { rows, report };
}

/**
 * The label is whole: it ends inside the row, and, when a description follows it past the edge,
 * before the ellipsis that then covers the last pixels (`198.51.100.1…` with the `0` hidden).
 */
const labelInView = (r: RowMeasure): boolean => {
  if (r.labelRight <= 0) return false;
  const overflows = r.descriptionRight > r.visibleRight + 1 || r.labelRight > r.visibleRight + 1;
  return overflows ? r.labelRight + r.ellipsis <= r.visibleRight + 1 : true;
};
/** Nothing follows a description: it is whole when it ends inside the row. */
const descriptionInView = (r: RowMeasure): boolean => r.descriptionRight > 0 && r.descriptionRight <= r.visibleRight + 1;
/** An event row (`05:57:47 ListFunctions`, or the time alone under an event-name node). */
const isEventRow = (r: RowMeasure): boolean => /^\d{2}:\d{2}:\d{2}( |$)/.test(r.label);
/** Rows that name no one: Insights (no principal, no IP) and Load more. */
const namesNoOne = (r: RowMeasure): boolean => /^(Insight: |Load more…|CloudTrail Insights$)/.test(r.label);

describe('reading at a glance: Events and Explorer rows at the default side bar width (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('Events view: each run header’s who · where is in view at the default width; rows sit under it', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => workbench.addFromExplorerMenu('AWSLogs'));
    // Room for the Events view: fold the other views (the side bar keeps its width).
    for (const title of ['Sources', 'Explorer', 'Findings', 'Lineage']) await setExpanded(workbench.viewPane(title), false);
    const events = workbench.viewPane('Events');
    await setExpanded(events, true);
    await events.locator('.monaco-list-row[aria-level="2"]').first().waitFor();
    await workbench.runCommand('Notifications: Clear All Notifications');

    const sidebar = await page.locator('.part.sidebar').boundingBox();
    assert.ok(sidebar, 'the side bar is shown');
    assert.ok(sidebar.width >= 200 && sidebar.width <= 320, `the side bar is at its default width (${sidebar.width} px)`);

    const checkEvents = async (pivot: boolean): Promise<string> => {
      const { rows, report } = await measure(page, 'Events');
      assert.ok(rows.length >= 10, report);
      const headers = rows.filter((r) => r.expanded !== null && !namesNoOne(r));
      assert.ok(headers.length >= 3, `who · where headers\n${report}`);
      for (const header of headers) assert.ok(labelInView(header), `"${header.label}" is in view, not cut\n${report}`);
      if (!pivot) assert.ok(headers.some((h) => / · \d+\.\d+\.\d+\.\d+$/.test(h.label)), `a header names an IP\n${report}`);
      // Every event row is under a header (its context names who and from where).
      for (const row of rows.filter(isEventRow)) assert.equal(row.level, 2, `${row.label} sits under a header\n${report}`);
      return report;
    };
    await checkEvents(false);
    await page.mouse.move(800, 600); // no hover tooltip over the rows
    assertScreenshot(await workbench.screenshot('events-view-default-width'));

    // The attacker's IP: the view names it; runs are by principal alone, each header in view.
    await workbench.runCommand('CloudTrail: Edit Filter');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('ip:203.0.113.66');
    await input.press('Enter');
    await events.locator('.pane-header .description', { hasText: 'from 203.0.113.66' }).first().waitFor();
    await page.waitForTimeout(300);
    const report = await checkEvents(true);
    assert.ok(!report.includes('203.0.113.66'), `no row repeats the shared IP\n${report}`);
    await workbench.runCommand('CloudTrail: Clear Filter');
    await events.locator('.pane-header .description', { hasText: 'from 203.0.113.66' }).first().waitFor({ state: 'detached' });
  });

  it('Explorer: an expanded event name’s rows show from where (its path names who and what) at the default width', async () => {
    const page = workbench.page;
    await setExpanded(workbench.viewPane('Events'), false);
    const explorer = workbench.viewPane('Explorer');
    await setExpanded(explorer, true);
    // Account › Region › Principal › Key or session › Event name › its events: a click on a row
    // opens it; one node is open per level, so the first row a level down is its child.
    await explorer.locator('.monaco-list-row[aria-level="1"]', { hasText: '111122223333' }).first().click();
    for (let level = 2; level <= 5; level++) {
      const row = explorer.locator(`.monaco-list-row[aria-level="${level}"]`).first();
      await row.waitFor();
      await row.click();
    }
    await explorer.locator('.monaco-list-row[aria-level="6"]').first().waitFor();
    await page.waitForTimeout(300);
    const { rows, report } = await measure(page, 'Explorer');
    const eventRows = rows.filter((r) => r.level === 6);
    assert.ok(eventRows.length >= 1, report);
    for (const row of eventRows) {
      assert.match(row.label, /^\d{2}:\d{2}:\d{2}$/, `the path names the event: the time alone\n${report}`);
      assert.ok(row.description.length > 0, `from where\n${report}`);
      assert.ok(descriptionInView(row), `"${row.description}" is in view, not cut\n${report}`);
    }
    await page.mouse.move(800, 600);
    assertScreenshot(await workbench.screenshot('explorer-events-default-width'));
  });
});
