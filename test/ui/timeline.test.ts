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

/** Closes the editors beside the timeline (its group is the active one). */
async function closeOtherGroups(workbench: Workbench): Promise<void> {
  // Out of the webview first: the palette's key does not reach the workbench from its inputs.
  await workbench.page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } });
  await workbench.runCommand('View: Close Editors in Other Groups');
  await workbench.page.locator('.part.editor .editor-group-container').nth(1).waitFor({ state: 'detached' });
}

/**
 * Points at the first collapsed group drawn (data-group-x/y) until its tooltip answers. The
 * webview may still be settling into a new width (an editor beside it just opened or closed)
 * when the point is read: then the point is read again, up to three times.
 */
async function hoverGroup(frame: Frame): Promise<{ x: number; y: number }> {
  const tooltip = frame.locator('#tooltip').filter({ hasText: 'Click to expand' });
  const tried: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const x = Number(await frame.locator('#lanes').getAttribute('data-group-x'));
    const y = Number(await frame.locator('#lanes').getAttribute('data-group-y'));
    await frame.locator('#lanes').hover({ position: { x: 2, y: 2 } });
    await frame.locator('#lanes').hover({ position: { x, y } });
    if (await tooltip.waitFor({ timeout: 5_000 }).then(() => true, () => false)) return { x, y };
    tried.push(`(${x}, ${y}) width ${await frame.locator('#lanes').getAttribute('data-width')} status ${await frame.locator('#status').textContent()}`);
  }
  throw new Error(`no group tooltip at ${tried.join('; ')}`);
}

/** Applies a filter with the timeline's filter box, as a person would. */
async function applyFilter(frame: Frame, expression: string): Promise<void> {
  await frame.locator('#filter-input').fill(expression);
  await frame.locator('#filter-input').press('Enter');
}

/** The status line's "window <span> from <time>" part. */
async function windowText(frame: Frame): Promise<string> {
  const status = (await frame.locator('#status').textContent()) ?? '';
  const match = /window [^·]+/.exec(status);
  assert.ok(match, `status: ${status}`);
  return match[0].trim();
}

/** A test hook of the lanes canvas (src/webview/hooks.ts), parsed from its JSON. */
async function drawnHook<T>(frame: Frame, name: string): Promise<T> {
  const text = await frame.locator('#lanes').getAttribute(`data-${name}`);
  assert.ok(text, `data-${name} is set`);
  return JSON.parse(text) as T;
}

/** Presses a key on the lanes canvas and waits for the frame it causes. */
async function pressAndPaint(frame: Frame, key: string): Promise<void> {
  const before = await paints(frame);
  await frame.locator('#lanes').press(key);
  await frame.waitForFunction((n) => Number(document.body.dataset.paints ?? '0') > n, before);
}

/** The attacker's calls in the sample trail (sourceIPAddress 203.0.113.66). */
const ATTACKER_EVENT_NAMES = [
  'ImportKeyPair', 'GetCallerIdentity', 'ListBuckets', 'ListUsers', 'ListRoles', 'ListPolicies', 'ListGroups', 'ListAccessKeys',
  'ListAttachedUserPolicies', 'DescribeInstances', 'DescribeSnapshots', 'DescribeVpcs', 'ListSecrets', 'DescribeDBInstances',
  'ListFunctions20150331', 'ListKeys', 'ListTables', 'ListDetectors', 'DescribeOrganization', 'ListAttachedRolePolicies', 'AssumeRole',
  'GetRole', 'RunInstances', 'CreateUser', 'CreateAccessKey', 'AttachUserPolicy', 'GetSecretValue', 'StopLogging', 'PutBucketPolicy',
  'ModifySnapshotAttribute', 'CopyObject', 'PutObject', 'ConsoleLogin',
];

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
    // The event opened beside the timeline: close it, so the timeline has its width back.
    await page.locator('.tabs-container .tab', { hasText: 'CloudTrail Timeline' }).first().click();
    await closeOtherGroups(workbench);
    // Leave the shared filter as it was for the other checks.
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
      const { x, y } = await hoverGroup(frame);
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

  it('fits the view to the events after a filter change, unless the user zoomed since', async () => {
    await applyFilter(frame, '');
    await frame.locator('#lanes').focus();
    await pressAndPaint(frame, 'Home');
    const everything = await windowText(frame);
    assert.match(everything, /window \d+ (h|d) /, 'the sample and hostile trails span hours');
    // A filter change: the view fits the filtered events (minutes), without pressing Home.
    await applyFilter(frame, 'ip:203.0.113.99');
    await frame.locator('#status').filter({ hasText: /Principal lanes 1–3 of 3/ }).waitFor();
    await frame.locator('#status').filter({ hasText: /window \d+ min/ }).waitFor();
    // Zoomed by the user: the next filter change keeps their window.
    await frame.locator('#lanes').focus();
    await pressAndPaint(frame, '+');
    const zoomed = await windowText(frame);
    await applyFilter(frame, 'ip:203.0.113.98');
    await frame.locator('#status').filter({ hasText: /Principal lanes 1–2 of 2/ }).waitFor();
    assert.equal(await windowText(frame), zoomed, 'the user\'s zoom is kept');
    // Fit (Home) ends the user's window: filter changes fit again.
    await frame.locator('#lanes').focus();
    await pressAndPaint(frame, 'Home');
    await applyFilter(frame, '');
    await frame.locator('#status').filter({ hasText: /window \d+ (h|d) / }).waitFor();
  });

  it('names the marks zoomed to a few minutes, without overlap, and opens a clicked mark beside the timeline', async () => {
    const page = workbench.page;
    await applyFilter(frame, 'ip:203.0.113.66');
    await frame.locator('#status').filter({ hasText: /window \d+ min/ }).waitFor();
    // Focus an event, then zoom around it to a few minutes.
    await frame.locator('#lanes').focus();
    const answered = Number((await frame.locator('body').getAttribute('data-navigated')) ?? '0');
    await frame.locator('#lanes').press('ArrowRight');
    await frame.waitForFunction((n) => Number(document.body.dataset.navigated ?? '0') > n, answered);
    for (let i = 0; i < 3; i++) await pressAndPaint(frame, '+');
    await frame.locator('#status').filter({ hasText: /window [1-6] min/ }).waitFor();
    await frame.waitForFunction(() => Number((globalThis as unknown as { document: { querySelector(s: string): { dataset: Record<string, string | undefined> } } }).document.querySelector('#lanes').dataset.namesDrawn ?? '0') >= 2);
    const names = await drawnHook<Array<{ rank: number; text: string; x: number; y: number; w: number }>>(frame, 'names');
    assert.ok(names.length >= 2, `names drawn: ${JSON.stringify(names)}`);
    for (const name of names) {
      // "GetSecretValue", "GetSecretValue ×3 · AccessDenied" (the focused lane), or cut: "GetSecr…".
      const base = name.text.replace(/…$/, '').split(/ ×| · /)[0];
      assert.ok(ATTACKER_EVENT_NAMES.some((n) => n.startsWith(base) && base.length > 0), `${name.text} is one of the attacker's event names`);
    }
    const width = Number(await frame.locator('#lanes').getAttribute('data-width'));
    const byLane = new Map<number, typeof names>();
    for (const name of names) byLane.set(name.rank, [...(byLane.get(name.rank) ?? []), name]);
    for (const [rank, list] of byLane) {
      list.sort((a, b) => a.x - b.x);
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].x + list[i - 1].w <= list[i].x, `lane ${rank}: ${list[i - 1].text} overlaps ${list[i].text}`);
      for (const name of list) assert.ok(name.x + name.w <= width, `${name.text} ends inside the canvas`);
    }
    await frame.locator('#lanes').press('Escape');
    await page.mouse.move(2, 2);
    await workbench.screenshot('timeline-zoomed-names');

    // Click the focused mark: its event opens in another editor group; the timeline stays visible and focused.
    const x = Number(await frame.locator('#lanes').getAttribute('data-focus-x'));
    const y = Number(await frame.locator('#lanes').getAttribute('data-focus-y'));
    await frame.locator('#lanes').click({ position: { x, y } });
    const groups = page.locator('.part.editor .editor-group-container');
    await groups.nth(1).waitFor();
    const timelineGroup = groups.filter({ has: page.locator('.tab.active', { hasText: 'CloudTrail Timeline' }) });
    assert.equal(await timelineGroup.count(), 1, 'the timeline is still the active tab of its group');
    const eventGroup = groups.filter({ hasNot: page.locator('.tab', { hasText: 'CloudTrail Timeline' }) });
    await eventGroup.locator('.monaco-editor .view-lines', { hasText: 'eventVersion' }).first().waitFor();
    assert.ok(await frame.locator('#lanes').isVisible(), 'the timeline is still drawn');
    assert.equal(await page.locator('.part.editor .editor-group-container.active').filter({ has: page.locator('.tab.active', { hasText: 'CloudTrail Timeline' }) }).count(), 1, 'the focus stays on the timeline');
    await workbench.screenshot('timeline-event-beside');
    await closeOtherGroups(workbench);
    await applyFilter(frame, '');
  });

  it('cuts long lane labels at their end with the full label in a tooltip, and keeps axis labels inside the canvas', async () => {
    await applyFilter(frame, 'ip:203.0.113.99');
    await frame.locator('#status').filter({ hasText: /Principal lanes 1–3 of 3/ }).waitFor();
    await frame.locator('#lanes').focus();
    await pressAndPaint(frame, 'Home');
    const labels = await drawnHook<Array<{ rank: number; text: string; w: number; max: number }>>(frame, 'lane-labels');
    assert.equal(labels.length, 3);
    for (const label of labels) {
      assert.ok(!label.text.startsWith('…'), `${label.text}: cut at its end, not its start`);
      assert.ok(label.w <= label.max + 0.5, `${label.text} fits its column`);
    }
    const cut = labels.find((l) => l.text.endsWith('…'));
    assert.ok(cut, `a hostile session name is longer than the label column: ${JSON.stringify(labels)}`);
    await frame.locator('#lanes').hover({ position: { x: 30, y: 22 + cut.rank * 22 + 11 } });
    const title = frame.locator('#tooltip .title.lane-value');
    await title.waitFor();
    const full = (await title.textContent()) ?? '';
    assert.ok(full.includes(cut.text.slice(0, -1)) && full.length > cut.text.length, `tooltip ${full} holds the whole of ${cut.text}`);
    // Axis labels: inside the canvas at every step of a pan across the range.
    const width = Number(await frame.locator('#lanes').getAttribute('data-width'));
    for (let step = 0; step < 6; step++) {
      const axis = await drawnHook<Array<{ text: string; x0: number; x1: number }>>(frame, 'axis-labels');
      assert.ok(axis.length > 0, 'the axis has labels');
      for (const label of axis) assert.ok(label.x0 >= 0 && label.x1 <= width, `${label.text} at ${label.x0}–${label.x1} inside 0–${width}`);
      for (let i = 1; i < axis.length; i++) assert.ok(axis[i - 1].x1 <= axis[i].x0, `${axis[i - 1].text} and ${axis[i].text} do not overlap`);
      await pressAndPaint(frame, 'Shift+ArrowRight');
    }
    await applyFilter(frame, '');
  });
});
