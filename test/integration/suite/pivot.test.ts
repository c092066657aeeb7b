// Pivots that do what they say (issue 17), in the real host: a pivot narrows the active filter by
// default and the count the picker shows is the count the filter then selects; replacing is a
// second action with its own counts; the filter input counts matches as you type.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { andFilters, termNode } from '../../../src/core/query/expression';
import { queryIndex } from '../../../src/core/query/query';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { PivotPicker } from '../../../src/extension/pivots/pivotCommands';
import { activatedApi, ensureSampleLoaded, eventually, readTrailFile, sampleTrailFiles, tempFolder } from './editor-helpers';

const ATTACKER_IP = '203.0.113.66';
/** Calls to IAM or STS: an OR, so narrowing must keep it in parentheses. */
const BEFORE = 'eventSource:iam.amazonaws.com OR eventSource:sts.amazonaws.com';

describe('pivots narrow the filter, with the counts the user gets', () => {
  let api: CloudTrailInvestigatorApi;
  let filterBefore = '';

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    filterBefore = api.services.filter.expression;
  });

  afterEach(async () => {
    // Close whatever a failed test left on screen.
    api.pivots.activePicker?.dispose();
    api.filterControls.activeInput?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  after(() => {
    api?.services.filter.setExpression(filterBefore);
  });

  async function openPicker(command: string): Promise<{ picker: PivotPicker; pivoted: Thenable<boolean | undefined> }> {
    const pivoted = vscode.commands.executeCommand<boolean>(command);
    const picker = await eventually(() => api.pivots.activePicker, 'the pivot picker');
    return { picker, pivoted };
  }

  it('the picker narrows by default, and each count is the count the filter then selects', async () => {
    const { filter, investigation } = api.services;
    const index = investigation.index;
    filter.setTimeRange(undefined);
    filter.setExpression(BEFORE);
    const { picker, pivoted } = await openPicker('cloudtrail.pivot.sourceIp');
    assert.equal(picker.currentMode, 'narrow');
    assert.match(picker.quickPick.title ?? '', /narrows the active filter \(AND\)/);
    const items = picker.items;
    assert.ok(items.length >= 2, 'several source IPs call IAM or STS');
    for (const item of items) {
      const narrowed = queryIndex(index, andFilters(filter.effectiveNode, termNode('ip', item.value))).length;
      assert.equal(item.count, narrowed, `${item.value}: the count shown is the count narrowing selects`);
      assert.ok(item.description?.startsWith(`${item.count.toLocaleString('en-US')} event`), item.description);
      const replaced = queryIndex(index, termNode('ip', item.value)).length;
      assert.equal(item.replaceCount, replaced, `${item.value}: the replace button's count`);
      assert.equal(item.buttons?.length, 1, 'each value offers replacing instead');
      assert.match(item.buttons[0].tooltip ?? '', new RegExp(`Replace the filter .*: ${replaced.toLocaleString('en-US')} event`));
    }
    const attacker = items.find((i) => i.value === ATTACKER_IP);
    assert.ok(attacker, `${ATTACKER_IP} called IAM or STS`);
    assert.ok(attacker.count < attacker.replaceCount, 'the sample shows the difference: narrowing selects fewer than replacing');

    // Choose it as a person does: type to find it, then Enter.
    picker.quickPick.value = ATTACKER_IP;
    await eventually(() => picker.quickPick.activeItems[0]?.value === ATTACKER_IP, 'the attacker IP as the active item');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await pivoted, true);
    assert.equal(filter.expression, `(${BEFORE}) AND ip:${ATTACKER_IP}`);
    assert.equal(filter.selection().length, attacker.count, 'the filter selects exactly the count the picker showed');
  });

  it('replacing is the second action: its counts are what replacing selects, and it replaces', async () => {
    const { filter, investigation } = api.services;
    const index = investigation.index;
    filter.setExpression(BEFORE);
    const { picker, pivoted } = await openPicker('cloudtrail.pivot.sourceIp');
    // The title button lists the counts for replacing.
    picker.setMode('replace');
    assert.match(picker.quickPick.title ?? '', /replaces the filter/);
    const items = picker.items;
    assert.ok(items.length > 0);
    for (const item of items) assert.equal(item.count, queryIndex(index, termNode('ip', item.value)).length, item.value);
    assert.ok(items.length >= new Set(index.top('ip', filter.selection()).map((v) => v.value)).size, 'replacing lists values outside the filter too');
    const attacker = items.find((i) => i.value === ATTACKER_IP);
    assert.ok(attacker);
    // What the item's button does (an item button cannot be pressed from the extension host).
    picker.choose(attacker, 'replace');
    assert.equal(await pivoted, true);
    assert.equal(filter.expression, `ip:${ATTACKER_IP}`);
    assert.equal(filter.selection().length, attacker.count);
  });

  it('without an expression the picker sets the filter and offers no second action', async () => {
    const { filter } = api.services;
    filter.clear();
    const { picker, pivoted } = await openPicker('cloudtrail.pivot.accessKey');
    assert.equal(picker.canReplace, false);
    assert.match(picker.quickPick.title ?? '', /sets the filter/);
    assert.ok(picker.items.every((i) => i.buttons === undefined || i.buttons.length === 0));
    assert.deepEqual(picker.quickPick.buttons, []);
    const [first] = picker.items;
    picker.choose(first, picker.currentMode);
    assert.equal(await pivoted, true);
    assert.equal(filter.selection().length, first.count);
    filter.clear();
  });

  it('pivots given a value (lenses, hovers, tree items) narrow too, and replace when asked', async () => {
    const { filter } = api.services;
    filter.setExpression(BEFORE);
    assert.equal(await vscode.commands.executeCommand<boolean>('cloudtrail.pivot.field', 'ip', ATTACKER_IP), true);
    assert.equal(filter.expression, `(${BEFORE}) AND ip:${ATTACKER_IP}`);
    assert.equal(await vscode.commands.executeCommand<boolean>('cloudtrail.pivot.field', 'eventName', 'AssumeRole', 'replace'), true);
    assert.equal(filter.expression, 'eventName:AssumeRole');
    assert.equal(await vscode.commands.executeCommand<boolean>('cloudtrail.pivot.field', { field: 'ip', value: ATTACKER_IP, mode: 'replace' }), true);
    assert.equal(filter.expression, `ip:${ATTACKER_IP}`);
    filter.clear();
  });

  it('a code lens counts within the filter, and its pivot narrows the filter to exactly that count', async () => {
    const { filter, investigation } = api.services;
    const index = investigation.index;
    filter.setExpression(BEFORE);
    const record = sampleTrailFiles()
      .flatMap((file) => readTrailFile(file).Records)
      .find((r) => r.sourceIPAddress === ATTACKER_IP && r.eventSource === 'sts.amazonaws.com');
    assert.ok(record, `an STS call from ${ATTACKER_IP} in the sample`);
    const uri = vscode.Uri.file(path.join(tempFolder('pivot-lens'), 'event.json'));
    fs.writeFileSync(uri.fsPath, JSON.stringify(record, null, 2));
    await vscode.workspace.openTextDocument(uri);
    const narrowed = queryIndex(index, andFilters(filter.effectiveNode, termNode('ip', ATTACKER_IP))).length;
    const total = index.postings('ip', ATTACKER_IP).length;
    assert.ok(narrowed < total);
    const lens = await eventually(async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10_000)) ?? [];
      return lenses.find((l) => l.command?.command === 'cloudtrail.pivot.field' && l.command.arguments?.[0] === 'ip' && l.command.title.includes('within the filter'));
    }, 'the source IP lens counting within the filter');
    assert.ok(lens.command!.title.includes(`: ${narrowed} events within the filter (${total} in all)`), lens.command!.title);
    assert.equal(await vscode.commands.executeCommand<boolean>(lens.command!.command, ...(lens.command!.arguments ?? [])), true);
    assert.equal(filter.selection().length, narrowed, 'the lens pivot selects the count it showed');
    filter.clear();
  });

  it('the filter input shows the live match count as you type, and the parser’s message', async () => {
    const { filter, investigation } = api.services;
    const index = investigation.index;
    filter.clear();
    const editing = vscode.commands.executeCommand('cloudtrail.filter.edit');
    const input = await eventually(() => api.filterControls.activeInput, 'the filter input');
    const all = await eventually(() => input.state, 'the first count');
    assert.equal(all.count, index.size);

    input.setText(`ip:${ATTACKER_IP}`);
    const typed = await eventually(() => (input.state?.text === `ip:${ATTACKER_IP}` ? input.state : undefined), 'the count of the typed filter');
    const expected = queryIndex(index, `ip:${ATTACKER_IP}`).length;
    assert.equal(typed.count, expected);
    assert.ok(input.inputBox.prompt?.startsWith(`${expected} of ${index.size} events match`), input.inputBox.prompt);
    assert.equal(input.inputBox.validationMessage, undefined);

    input.setText(`ip:${ATTACKER_IP} AND (`);
    const broken = await eventually(() => (input.state?.text.endsWith('(') ? input.state : undefined), 'the syntax error');
    assert.match(broken.error ?? '', /at character/);
    assert.equal(broken.count, undefined);

    // With a time range brushed on the timeline, the count is what the filter will select.
    const times = Array.from(queryIndex(index, `ip:${ATTACKER_IP}`), (id) => index.time(id)).sort((a, b) => a - b);
    const range = { start: times[0], end: times[Math.floor(times.length / 2)] };
    filter.setTimeRange(range);
    input.setText(`ip:${ATTACKER_IP} `);
    const ranged = await eventually(() => (input.state?.text === `ip:${ATTACKER_IP} ` ? input.state : undefined), 'the count within the range');
    assert.equal(ranged.count, times.filter((t) => t >= range.start && t < range.end).length);
    assert.ok(ranged.count! < expected);

    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await editing;
    assert.equal(filter.expression, `ip:${ATTACKER_IP}`);
    assert.equal(filter.selection().length, ranged.count);
    filter.clear();
  });
});
