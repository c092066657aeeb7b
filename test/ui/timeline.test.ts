// The timeline as a person sees it in the real workbench (VS Code 1.96.4 in Chromium):
// opened from the palette on the sample trail, screenshots in dark, light and high-contrast
// themes, and the hostile trail (fixtures/hostile/trail) shown, hovered and clicked without
// anything in it executing.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { Workbench, assertScreenshot } from './harness';

// Page-side globals: the callbacks passed to frame.evaluate run in the webview, not in Node.
declare const document: {
  body: { classList: { contains(name: string): boolean }; dataset: Record<string, string | undefined> };
  querySelectorAll(selector: string): { length: number };
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const REPO = path.resolve(__dirname, '..', '..', '..');
const HOSTILE = path.join(REPO, 'fixtures', 'hostile', 'trail');
const SAMPLE = path.join(REPO, 'fixtures', 'sample-trail');
const PAYLOADS = ['<img src=x onerror=window.__pwned=1>', '</script><script>window.__pwned=1</script>', 'javascript:window.__pwned=1'];

/** Nothing in any frame of the workbench (webviews included) ran the payloads. */
async function assertNothingExecuted(workbench: Workbench): Promise<void> {
  for (const frame of workbench.page.frames()) {
    const pwned = await frame.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned).catch(() => undefined);
    assert.equal(pwned, undefined, `window.__pwned was set in frame ${frame.url()}`);
  }
}

async function paints(frame: Frame): Promise<number> {
  return Number((await frame.locator('body').getAttribute('data-paints')) ?? '0');
}

async function setTheme(workbench: Workbench, theme: string): Promise<void> {
  const page = workbench.page;
  const widget = page.locator('.quick-input-widget');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The palette, then its "Preferences: Color Theme" entry, then the theme, as a person would.
  await page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('F1');
  await input.waitFor();
  await input.fill('>Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ }).first().click();
  await input.waitFor();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Modern' }).first().waitFor();
  await input.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: theme }).first().waitFor();
  await input.press('Enter');
  await widget.waitFor({ state: 'hidden' });
}

/** "CloudTrail: Add Folder to Investigation…" through the workbench's folder dialog. */
async function addFolder(workbench: Workbench, folder: string): Promise<void> {
  const page = workbench.page;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // From the palette (not Workbench.runCommand: that waits for the quick input to close,
  // and this command opens another one, the folder dialog).
  await page.keyboard.press('F1');
  await input.waitFor();
  await input.fill('>CloudTrail: Add Folder to Investigation');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'CloudTrail: Add Folder to Investigation' }).waitFor();
  await input.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Add folders of CloudTrail logs' }).waitFor();
  // The dialog fills its input with the folder it opens at once it has listed it, which can
  // replace what was typed (then OK adds the workspace folder): type until the path stays.
  for (let attempt = 0; attempt < 10; attempt++) {
    await input.fill(folder);
    await page.waitForTimeout(400);
    if ((await input.inputValue()).replace(/\/+$/, '') === folder) break;
  }
  // The workbench's own folder dialog (a quick input): type the path, press its OK button. While
  // it is still listing, OK sometimes navigates into the folder instead of accepting it; OK again
  // then accepts the folder it shows.
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.locator('.quick-input-widget .quick-input-action .monaco-button', { hasText: /^(OK|Add to Investigation)$/ }).first().click();
    if (await widget.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false)) return;
  }
  await widget.waitFor({ state: 'hidden' });
}

/** addFolder until the Sources view lists the source (the dialog sometimes closes without adding it). */
async function addFolderListed(workbench: Workbench, folder: string, row: RegExp): Promise<void> {
  const listed = workbench.viewPane('Sources').locator('.monaco-list-row', { hasText: row }).first();
  for (let attempt = 0; attempt < 3; attempt++) {
    await addFolder(workbench, folder);
    if (await listed.waitFor({ timeout: 10_000 }).then(() => true, () => false)) return;
  }
  await listed.waitFor();
}

describe('timeline webview (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;
  let frame: Frame;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('opens "CloudTrail: Open Timeline" on the sample trail and draws its lanes', async () => {
    const page = workbench.page;
    await workbench.showSampleTrail(() => addFolder(workbench, SAMPLE));
    await workbench.runCommand('CloudTrail: Open Timeline');
    frame = await workbench.webviewFrame('#lanes');
    await frame.locator('body[data-paints]').waitFor();
    const status = frame.locator('#status');
    await status.filter({ hasText: /Principal lanes 1–\d+ of \d+/ }).waitFor();
    const legend = await frame.locator('#legend').innerText();
    for (const kind of ['Read', 'Write', 'Error', 'New IP / user agent']) assert.ok(legend.includes(kind), `legend: ${legend}`);
    // The density strip tells how many events the timeline holds.
    assert.equal(await frame.locator('#grouping').inputValue(), 'principal');
    // Keyboard: focus the lanes, move to the nearest event, see its details.
    await frame.locator('#lanes').focus();
    await frame.locator('#lanes').press('ArrowRight');
    await frame.locator('#tooltip:not([hidden])').waitFor();
    assert.match(await frame.locator('#tooltip').innerText(), /Time 2026-03-04 \d{2}:\d{2}:\d{2}(\.\d{3})?Z/);
    await frame.locator('#lanes').press('Escape');
    await page.keyboard.press('Escape');
  });

  it('saves screenshots in the dark, light and high-contrast themes', async () => {
    await workbench.runCommand('Notifications: Clear All Notifications');
    const shots: string[] = [];
    let darkBackground = '';
    for (const [theme, name] of [
      ['Dark Modern', 'timeline-dark'],
      ['Light Modern', 'timeline-light'],
      ['Dark High Contrast', 'timeline-high-contrast'],
    ] as const) {
      const before = await paints(frame);
      await setTheme(workbench, theme);
      // The webview redraws with the new theme's colours (its body class changes).
      await frame.waitForFunction(
        ([kind]) => document.body.classList.contains(kind),
        [theme.startsWith('Light') ? 'vscode-light' : theme.startsWith('Dark High') ? 'vscode-high-contrast' : 'vscode-dark'],
      );
      await frame.locator('#lanes').focus();
      await frame.locator('#lanes').press('Shift+ArrowRight');
      await frame.waitForFunction((n) => Number(document.body.dataset.paints ?? '0') > n, before);
      if (theme === 'Dark Modern') darkBackground = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
      if (theme.startsWith('Light')) {
        const lightBackground = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.notEqual(lightBackground, darkBackground, 'the theme colours reach the webview');
      }
      shots.push(await workbench.screenshot(name));
    }
    await setTheme(workbench, 'Light Modern');
    for (const shot of shots) assertScreenshot(shot);
  });

  it('shows hostile event text literally, on hover and on click, and runs none of it', async () => {
    const page = workbench.page;
    // Add the hostile trail with the folder dialog, as a person would.
    await addFolderListed(workbench, HOSTILE, /(^|\D)15 events/);

    // Narrow the timeline to those events with its filter box and fit the window to them.
    await frame.locator('#filter-input').fill('ip:203.0.113.99');
    await frame.locator('#filter-input').press('Enter');
    await frame.locator('#status').filter({ hasText: /Principal lanes 1–3 of 3/ }).waitFor();
    await frame.locator('#lanes').focus();
    await frame.locator('#lanes').press('Home');
    await frame.locator('#status').filter({ hasText: /window \d+ min/ }).waitFor();

    const seen = new Set<string>();
    const tooltip = frame.locator('#tooltip');
    for (let lane = 0; lane < 3; lane++) {
      for (let step = 0; step < 3; step++) {
        const answered = Number((await frame.locator('body').getAttribute('data-navigated')) ?? '0');
        await frame.locator('#lanes').press(step === 0 ? (lane === 0 ? 'ArrowRight' : 'ArrowDown') : 'ArrowRight');
        // Wait for the host's answer (the last tooltip also says "Principal"; at a lane's end the focus stays).
        await frame.waitForFunction((n) => Number(document.body.dataset.navigated ?? '0') > n, answered);
        await tooltip.filter({ hasText: 'Principal' }).waitFor();
        // Point at the focused mark with the mouse: the hover answers with the same event.
        const x = Number(await frame.locator('#lanes').getAttribute('data-focus-x'));
        const y = Number(await frame.locator('#lanes').getAttribute('data-focus-y'));
        await frame.locator('#lanes').hover({ position: { x, y } });
        await tooltip.filter({ hasText: 'Click to open' }).waitFor();
        const text = (await tooltip.textContent()) ?? '';
        for (const payload of PAYLOADS) if (text.includes(payload)) seen.add(payload);
        assert.equal(await tooltip.locator('img, script, a').count(), 0, 'the tooltip holds text only');
      }
    }
    assert.deepEqual([...seen].sort(), [...PAYLOADS].sort(), 'every payload appears literally in a tooltip');
    await workbench.screenshot('timeline-hostile');
    // The lane labels (principal ARNs with the session names) are drawn on the canvas; their
    // full text appears in the label tooltip, literally.
    await frame.locator('#lanes').hover({ position: { x: 30, y: 22 + 11 } });
    await tooltip.filter({ hasText: 'events, ' }).waitFor();
    const label = (await tooltip.textContent()) ?? '';
    assert.ok(PAYLOADS.some((p) => label.includes(p)), `label tooltip: ${label}`);

    assert.equal(await frame.evaluate(() => document.querySelectorAll('img').length), 0, 'no element was made from event text');
    await assertNothingExecuted(workbench);

    // Click the focused mark: the event opens as JSON in an editor, the text still inert.
    const x = Number(await frame.locator('#lanes').getAttribute('data-focus-x'));
    const y = Number(await frame.locator('#lanes').getAttribute('data-focus-y'));
    await frame.locator('#lanes').click({ position: { x, y } });
    const tab = page.locator('.tabs-container .tab', { hasText: /(GetObject|PutBucketPolicy) [^/]*\.json/ }).first();
    await tab.waitFor();
    const editorText = await page.locator('.part.editor .editor-instance .view-lines').first().innerText();
    assert.ok(PAYLOADS.some((p) => editorText.replace(/\u00a0/g, ' ').includes(p)), 'the event JSON shows the payload as text');
    await workbench.screenshot('timeline-hostile-event');
    await assertNothingExecuted(workbench);
    // Leave the shared filter as it was for the other checks.
    await page.locator('.tabs-container .tab', { hasText: 'CloudTrail Timeline' }).first().click();
    frame = await workbench.webviewFrame('#lanes');
    await frame.locator('#filter-input').fill('');
    await frame.locator('#filter-input').press('Enter');
    await assertNothingExecuted(workbench);
  });

  it('collapses hostile AWS-service events and a console burst into groups: hover shows the text literally, click expands', async () => {
    // The hostile trail (added above) also holds AWS-service events and a console burst from 203.0.113.98.
    await frame.locator('#filter-input').fill('ip:203.0.113.98');
    await frame.locator('#filter-input').press('Enter');
    await frame.locator('#status').filter({ hasText: /Principal lanes 1–2 of 2/ }).waitFor();
    await frame.locator('#lanes').focus();
    await frame.locator('#lanes').press('Home');
    await frame.locator('#legend').filter({ hasText: 'console burst' }).waitFor();
    await frame.locator('#lanes[data-group-x]').waitFor();
    const tooltip = frame.locator('#tooltip');
    const seen = new Set<string>();
    // Each lane holds one collapsed group: hover it, click it (it expands and the view zooms to it).
    for (let i = 0; i < 2; i++) {
      const x = Number(await frame.locator('#lanes').getAttribute('data-group-x'));
      const y = Number(await frame.locator('#lanes').getAttribute('data-group-y'));
      await frame.locator('#lanes').hover({ position: { x, y } });
      await tooltip.filter({ hasText: 'Click to expand' }).waitFor();
      const text = (await tooltip.textContent()) ?? '';
      assert.match(text, /3 events/);
      for (const payload of PAYLOADS) if (text.includes(payload)) seen.add(payload);
      assert.equal(await tooltip.locator('img, script, a').count(), 0, 'the tooltip holds text only');
      if (i === 0) await workbench.screenshot('timeline-groups');
      await assertNothingExecuted(workbench);
      const before = await paints(frame);
      await frame.locator('#lanes').click({ position: { x, y } });
      await frame.locator('#announcer').filter({ hasText: 'expanded' }).waitFor();
      await frame.waitForFunction((n) => Number(document.body.dataset.paints ?? '0') > n, before);
      await frame.locator('#lanes').press('Home');
    }
    assert.ok(seen.size > 0, 'a payload appears literally in a group tooltip');
    // Both expanded: no collapsed group left to point at; C collapses them again.
    await frame.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { dataset: Record<string, string | undefined> } } }).document.querySelector('#lanes').dataset.groupX === undefined);
    await frame.locator('#lanes').press('c');
    await frame.locator('#lanes[data-group-x]').waitFor();
    await assertNothingExecuted(workbench);
    await frame.locator('#filter-input').fill('');
    await frame.locator('#filter-input').press('Enter');
  });
});
