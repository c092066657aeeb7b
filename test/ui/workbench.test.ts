// What a person sees: the CloudTrail activity bar entry, its Sources view, and the
// extension's log in the Output panel after running its command from the palette.
import * as assert from 'node:assert/strict';
import { Workbench, assertScreenshot } from './harness';

describe('workbench (Playwright on VS Code 1.96.4)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open();
  });

  after(async () => {
    await workbench?.close();
  });

  it('shows the CloudTrail activity bar entry and opens its Sources view', async () => {
    const entry = workbench.activityBarItem('CloudTrail');
    assert.equal(await entry.isVisible(), true);
    await entry.click();
    const sources = workbench.viewPane('Sources');
    await sources.waitFor();
    await sources.locator('.pane-body').waitFor();
    const title = await workbench.page.locator('.part.sidebar .composite.title h2').innerText();
    assert.match(title, /CLOUDTRAIL/i);
    const body = (await sources.locator('.pane-body').innerText()).trim();
    assert.notEqual(body, '', 'the Sources view renders its welcome content or tree items');
    const shot = await workbench.screenshot('sources-view');
    assertScreenshot(shot);
  });

  it('runs "CloudTrail: Show Log" from the command palette and shows the extension log', async () => {
    await workbench.runCommand('CloudTrail: Show Log');
    const panel = workbench.page.locator('.part.panel');
    await panel.waitFor();
    const output = panel.locator('.output-view .view-lines');
    await output.filter({ hasText: '[info]' }).waitFor();
    const text = await output.innerText();
    assert.match(text, /\[info\]/);
    const selected = await panel.locator('select.monaco-select-box').first().evaluate((el) => {
      const select = el as unknown as { selectedIndex: number; options: ArrayLike<{ text: string }> };
      return select.options[select.selectedIndex]?.text ?? '';
    });
    assert.match(selected, /CloudTrail Investigator/);
    await workbench.screenshot('show-log-output');
  });
});
