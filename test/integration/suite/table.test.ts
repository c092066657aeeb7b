// The Events table in the real VS Code host: opened from each entry point (the palette command
// that the Events view title and the timeline's editor title also run, and an Explorer item's
// "Open in Events Table", which filters to the item), its rows against the engine, following
// the shared filter, Enter opening the event beside the table, and a cell's pivot, add and
// exclude changing the shared filter. The webview is real: it requests its rows itself; the
// tests read the host side's last answer and send the webview's messages through the panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { termFor } from '../../../src/core/query/parser';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { TablePanel } from '../../../src/extension/table/tablePanel';
import { DEFAULT_COLUMNS, type RowsMessage } from '../../../src/shared/table-protocol';
import { activatedApi, ensureSampleLoaded, eventually } from './editor-helpers';
import { queryIndex } from '../../../src/core/query/query';

interface Manifest {
  contributes: { menus: Record<string, Array<{ command: string; when?: string }>> };
}

describe('events table webview (real host)', () => {
  let api: CloudTrailInvestigatorApi;
  let panel: TablePanel;
  let seq = 1_000_000;

  /** Asks for a window as the webview would and returns the host's answer. */
  async function rows(offset = 0, limit = 50): Promise<RowsMessage> {
    seq++;
    await panel.receive({ type: 'requestRows', seq, offset, limit, columns: [...DEFAULT_COLUMNS], sort: { column: 'time', direction: 'desc' } });
    const answer = panel.session.lastRows;
    assert.ok(answer && answer.seq === seq, 'the host answered the request');
    return answer;
  }

  before(async () => {
    api = await activatedApi();
    await api.restored;
    await ensureSampleLoaded(api);
    api.services.filter.clear();
    api.services.filter.setTimeRange(undefined);
  });

  after(async () => {
    api.services.filter.clear();
    api.services.filter.setTimeRange(undefined);
    api.table.current?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is offered in the palette, the Events view title, the timeline editor title and on Explorer items', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension('cloudtrail-investigator.cloudtrail-investigator')!.extensionPath, 'package.json'), 'utf8')) as Manifest;
    const menus = manifest.contributes.menus;
    assert.ok(menus['view/title'].some((m) => m.command === 'cloudtrail.table.open' && m.when === 'view == cloudtrail.events'));
    assert.ok(menus['editor/title'].some((m) => m.command === 'cloudtrail.table.open' && m.when === "activeWebviewPanelId == 'cloudtrail.timeline'"));
    assert.ok(menus['view/item/context'].some((m) => m.command === 'cloudtrail.table.showItem' && /cloudtrail\\\.value/.test(m.when ?? '')));
    assert.ok(!menus.commandPalette.some((m) => m.command === 'cloudtrail.table.open'), 'the open command stays in the palette');
  });

  it('opens from its command; the webview asks for its rows once ready and gets the selection newest first', async () => {
    await vscode.commands.executeCommand('cloudtrail.table.open');
    panel = await eventually(() => api.table.current, 'the table panel');
    assert.equal(panel.panel.viewType, 'cloudtrail.table');
    await eventually(() => panel.session.isReady, 'the table webview ready');
    const first = await eventually(() => panel.session.lastRows, 'the webview requested its first rows');
    const size = api.services.investigation.index.size;
    assert.equal(first.total, size, 'every event of the sample trail is in the table');
    const answer = await rows(0, 20);
    const times = answer.rows.map((r) => api.services.investigation.index.time(r.id));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    assert.equal(answer.rows[0].cells[DEFAULT_COLUMNS.indexOf('eventName')], api.services.investigation.index.value('eventName', answer.rows[0].id) ?? '');
    // The same command from the Events view title or the timeline: the open table is revealed, not duplicated.
    await vscode.commands.executeCommand('cloudtrail.timeline.open');
    await eventually(() => api.timeline.current?.visible, 'the timeline shown');
    await vscode.commands.executeCommand('cloudtrail.table.open');
    assert.equal(api.table.current, panel);
    await eventually(() => panel.visible && panel.session.isReady, 'the table shown again');
    api.timeline.current?.dispose();
  });

  it('follows the shared filter and the timeline time range', async () => {
    const index = api.services.investigation.index;
    api.services.filter.setExpression('ip:203.0.113.66');
    const expected = queryIndex(index, 'ip:203.0.113.66').length;
    assert.ok(expected > 0);
    // The real webview is told and asks again.
    await eventually(() => panel.session.lastRows?.total === expected, `the webview's rows follow the filter (${expected})`);
    const times = Array.from(queryIndex(index, 'ip:203.0.113.66')).map((id) => index.time(id)).sort((a, b) => a - b);
    const range = { start: times[0], end: times[Math.floor(times.length / 2)] };
    api.services.filter.setTimeRange(range);
    const inRange = Array.from(queryIndex(index, 'ip:203.0.113.66')).filter((id) => index.time(id) >= range.start && index.time(id) < range.end).length;
    await eventually(() => panel.session.lastRows?.total === inRange, `the rows follow the time range (${inRange})`);
    api.services.filter.setTimeRange(undefined);
    api.services.filter.clear();
    await eventually(() => panel.session.lastRows?.total === index.size, 'back to every event');
  });

  it('Enter (open) shows the event JSON beside the table, keeping the table in view', async () => {
    const answer = await rows(3, 1);
    const row = answer.rows[0];
    const eventId = api.services.investigation.index.value('eventId', row.id)!;
    await panel.receive({ type: 'open', eventId: row.id, preserveFocus: true });
    const editor = await eventually(
      () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'cloudtrail-event' && e.document.getText().includes(eventId)),
      'the event JSON in a visible editor',
    );
    assert.ok(panel.visible, 'the table is still visible');
    assert.notEqual(editor.viewColumn, panel.panel.viewColumn, 'the event opened in another editor group, beside the table');
  });

  it('a cell pivots, adds to and excludes from the shared filter; an Explorer item opens the table filtered to it', async () => {
    const index = api.services.investigation.index;
    const failed = queryIndex(index, 'error:*')[0];
    const ip = index.value('ip', failed)!;
    const errorCode = index.value('error', failed)!;
    await panel.receive({ type: 'cellAction', action: 'pivot', eventId: failed, column: 'ip' });
    assert.equal(api.services.filter.expression, termFor('ip', ip));
    await panel.receive({ type: 'cellAction', action: 'add', eventId: failed, column: 'error' });
    assert.equal(api.services.filter.expression, `${termFor('ip', ip)} AND ${termFor('error', errorCode)}`);
    await panel.receive({ type: 'cellAction', action: 'exclude', eventId: failed, column: 'eventName' });
    assert.equal(api.services.filter.expression, `${termFor('ip', ip)} AND ${termFor('error', errorCode)} AND NOT ${termFor('eventName', index.value('eventName', failed)!)}`);
    const expected = queryIndex(index, api.services.filter.expression).length;
    await eventually(() => panel.session.lastRows?.total === expected, 'the rows follow the cell actions');
    await panel.receive({ type: 'cellAction', action: 'copy', eventId: failed, column: 'ip' });
    assert.equal(await vscode.env.clipboard.readText(), ip);

    // From the Explorer: "Open in Events Table" on an item filters to it and shows the table.
    api.services.filter.clear();
    const opened = await vscode.commands.executeCommand<TablePanel | undefined>('cloudtrail.table.showItem', { field: 'principal', value: index.value('principal', failed) });
    assert.equal(api.services.filter.expression, termFor('principal', index.value('principal', failed)!));
    assert.equal(opened, api.table.current);
    const forPrincipal = queryIndex(index, api.services.filter.expression).length;
    await eventually(() => panel.session.lastRows?.total === forPrincipal, 'the table shows the item');
    // Something that is not an item is refused without changing the filter.
    assert.equal(await vscode.commands.executeCommand('cloudtrail.table.showItem', 'principal'), undefined);
    assert.equal(api.services.filter.expression, termFor('principal', index.value('principal', failed)!));
    api.services.filter.clear();
  });

  it('reopens with the columns, widths and order it had', async () => {
    await panel.receive({ type: 'state', state: { columns: ['time', 'userAgent'], widths: { userAgent: 333 }, sort: { column: 'userAgent', direction: 'asc' } } });
    panel.dispose();
    assert.equal(api.table.current, undefined);
    await vscode.commands.executeCommand('cloudtrail.table.open');
    panel = await eventually(() => api.table.current, 'the reopened table');
    assert.deepEqual(panel.session.currentState, { columns: ['time', 'userAgent'], widths: { userAgent: 333 }, sort: { column: 'userAgent', direction: 'asc' } });
    const first = await eventually(() => panel.session.lastRows, 'rows for the reopened table');
    assert.deepEqual(first.columns, ['time', 'userAgent']);
    // Back to the defaults for the other suites.
    await panel.receive({ type: 'state', state: { columns: [...DEFAULT_COLUMNS], widths: {}, sort: { column: 'time', direction: 'desc' } } });
  });
});
