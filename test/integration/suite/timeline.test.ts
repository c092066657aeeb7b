// The timeline in the real VS Code host: opened by its command on the sample trail, its lanes
// and counts against the engine, a brush applied as the shared time filter (and the Explorer
// tree following it), a click on a mark opening the right event, "Show on timeline".
// The panel's webview is real: it requests its views itself; the tests read the host side's
// last answer and send the webview's messages through the panel's own handler.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PivotField } from '../../../src/core/index/fields';
import { groupNoise } from '../../../src/core/noise';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { TimelinePanel } from '../../../src/extension/timeline/timelinePanel';
import type { LaneField, ViewMessage } from '../../../src/shared/timeline-protocol';
import { eventually } from './editor-helpers';
import { queryIndex } from '../../../src/core/query/query';

const EXTENSION_ID = 'cloudtrail-investigator.cloudtrail-investigator';
const T = (iso: string): number => Date.parse(iso);


function sampleTrail(): string {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = folder.uri.fsPath.endsWith('sample-trail') ? folder.uri.fsPath : path.join(folder.uri.fsPath, 'sample-trail');
    if (fs.existsSync(path.join(candidate, 'AWSLogs'))) return candidate;
  }
  return path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'sample-trail');
}

/** Events a lane view's cells count (decoded like the webview does; findings are counted among the other kinds). */
function laneSum(cells: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < cells.length; ) {
    i++; // dx
    const mask = cells[i++];
    for (let k = 0; k < 4; k++) {
      if (!(mask & (1 << k))) continue;
      if (k < 3) sum += cells[i];
      i++;
    }
  }
  return sum;
}

describe('timeline webview (real host)', () => {
  let api: CloudTrailInvestigatorApi;
  let panel: TimelinePanel;
  let seq = 1_000_000;

  /** Sends a view request as the webview would and returns the host's answer. */
  async function requestView(laneField: LaneField, extra: Record<string, unknown> = {}): Promise<ViewMessage> {
    seq++;
    await panel.receive({ type: 'requestView', seq, width: 800, laneField, lanes: { offset: 0, limit: 60 }, ...extra });
    const view = panel.session.lastView;
    assert.ok(view && view.seq === seq, 'the host answered the request');
    return view;
  }

  /** Brings the timeline to the front (an opened event hides it, and a hidden webview is torn down) and waits for it. */
  async function showPanel(): Promise<void> {
    panel.reveal();
    await eventually(() => panel.visible && panel.session.isReady, 'the timeline visible and its webview ready');
  }

  before(async () => {
    const extension = vscode.extensions.getExtension<CloudTrailInvestigatorApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    await api.restored;
    const folder = sampleTrail();
    const loaded = api.services.investigation.summaries().some((s) => s.paths.length === 1 && s.paths[0] === folder);
    if (!loaded) assert.ok(await api.services.addSource([folder]));
    api.services.filter.clear();
    api.services.filter.setTimeRange(undefined);
  });

  after(async () => {
    api.services.filter.setTimeRange(undefined);
    api.timeline.current?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens from its command and the webview pulls its first view once ready', async () => {
    await vscode.commands.executeCommand('cloudtrail.timeline.open');
    panel = await eventually(() => api.timeline.current, 'the timeline panel');
    assert.equal(panel.panel.viewType, 'cloudtrail.timeline');
    assert.equal(panel.panel.title, 'CloudTrail Timeline');
    // The real webview (in the workbench's Chromium) says ready and requests a view by itself.
    const view = await eventually(() => panel.session.isReady && panel.session.lastView, 'a view requested by the webview');
    assert.ok(view.width > 0 && view.lanes.length > 0);
    const options = panel.panel.webview.options;
    assert.equal(options.enableScripts, true);
    assert.deepEqual(
      options.localResourceRoots?.map((u) => path.relative(api.services.context.extensionUri.fsPath, u.fsPath)),
      [path.join('media', 'dist')],
    );
    assert.match(panel.panel.webview.html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9]+'; style-src [^;]+; img-src [^;]+ data:; font-src [^;]+; connect-src 'none'/);
  });

  it('shows lanes and counts equal to the engine for every grouping', async () => {
    const index = api.services.investigation.index;
    const all = index.all();
    const fields: LaneField[] = ['principal', 'session', 'accessKey', 'ip', 'region', 'account', 'eventSource'];
    for (const field of fields) {
      const view = await requestView(field);
      const top = index.top(field as PivotField, all, Number.MAX_SAFE_INTEGER);
      assert.equal(view.events, 345, 'every unique event of the sample trail is on the timeline');
      const withValue = view.lanes.filter((l) => l.value !== '');
      assert.deepEqual(
        withValue.map((l) => [l.value, l.total]),
        top.slice(0, withValue.length).map((v) => [v.value, v.count]),
        `${field} lanes`,
      );
      const withoutValue = view.lanes.find((l) => l.value === '');
      assert.equal(withoutValue?.total ?? 0, 345 - top.reduce((n, v) => n + v.count, 0), `${field}: events without a value`);
      // Events of collapsed noise groups are counted apart (they are drawn as one span).
      for (const lane of view.lanes) assert.equal(laneSum(lane.cells) + (lane.collapsed ?? 0), lane.inWindow, `${field} ${lane.value}: columns add up`);
    }
    const regions = await requestView('region');
    assert.deepEqual(
      regions.lanes.map((l) => l.value),
      ['us-east-1', 'eu-west-1', 'ap-southeast-3'],
    );
  });

  it('marks the leaked key’s first use from the attacker host as first-seen', async () => {
    const view = await requestView('principal');
    const ci = view.lanes.find((l) => l.value.endsWith(':user/ci-deployer'));
    assert.ok(ci, 'a ci-deployer lane');
    const marks = view.firstSeen.filter((m) => m.rank === ci.rank);
    const index = api.services.investigation.index;
    const first = marks.map((m) => index.row(m.id)).find((r) => r.ip === '203.0.113.66');
    assert.ok(first, 'a first-seen mark for 203.0.113.66');
    assert.equal(first.eventId, 'b764e1da-90aa-4a37-ab23-f87dbbfb2571');
  });

  it('applies a brush as the shared time filter, and the Explorer tree follows', async () => {
    const start = T('2026-03-04T05:02:00Z');
    const end = T('2026-03-04T05:32:00Z');
    const changed = new Promise<void>((resolve) => {
      const subscription = api.services.filter.onDidChange(() => {
        subscription.dispose();
        resolve();
      });
    });
    await panel.receive({ type: 'brush', start, end });
    await changed;
    assert.deepEqual(api.services.filter.timeRange, { start, end });
    const index = api.services.investigation.index;
    const expected = queryIndex(index, api.services.filter.effective).length;
    assert.ok(expected > 0 && expected < 345, `${expected} events in the brushed half hour`);
    const rootCount = (): number =>
      api.explorer.provider
        .getChildren()
        .filter((n): n is typeof n & { kind: 'value'; count: number } => n.kind === 'value')
        .reduce((sum, n) => sum + n.count, 0);
    await eventually(() => rootCount() === expected, `the Explorer's counts to add up to ${expected}`);
    // The timeline keeps showing the whole range, with the brushed range drawn over it.
    const view = await requestView('principal');
    assert.equal(view.events, 345);

    await panel.receive({ type: 'clearBrush' });
    assert.equal(api.services.filter.timeRange, undefined);
    await eventually(() => rootCount() === 345, 'the Explorer back to every event');
  });

  it('opens the clicked mark’s event as JSON', async () => {
    const view = await requestView('principal', { t0: T('2026-03-04T05:00:00Z'), t1: T('2026-03-04T05:10:00Z') });
    const ci = view.lanes.find((l) => l.value.endsWith(':user/ci-deployer'));
    assert.ok(ci);
    // A click at 05:02:11 on the ci-deployer lane: the webview sends a hover, then opens its row.
    await panel.receive({ type: 'hover', seq: 1, modelVersion: view.modelVersion, rank: ci.rank, time: T('2026-03-04T05:02:12Z'), t0: view.t0, t1: view.t1, width: view.width });
    const row = panel.session.lastHover;
    assert.ok(row, 'a mark under the pointer');
    assert.equal(row.eventName, 'GetCallerIdentity');
    assert.equal(row.ip, '203.0.113.66');
    await panel.receive({ type: 'open', eventId: row.id });
    const editor = await eventually(
      () => vscode.window.visibleTextEditors.find((e) => e.document.getText().includes('b764e1da-90aa-4a37-ab23-f87dbbfb2571')),
      'the event JSON in an editor',
    );
    const event = JSON.parse(editor.document.getText()) as { eventID: string; eventName: string };
    assert.equal(event.eventID, 'b764e1da-90aa-4a37-ab23-f87dbbfb2571');
    assert.equal(event.eventName, 'GetCallerIdentity');
    // Beside the timeline, which stays visible and keeps the focus.
    assert.ok(panel.visible, 'the timeline is still visible');
    assert.ok(panel.panel.active, 'the timeline keeps the focus');
    assert.notEqual(editor.viewColumn, panel.panel.viewColumn, 'the event opened in another column');
    // Close it (the timeline's group is the active one): the next checks see the timeline alone.
    await vscode.commands.executeCommand('workbench.action.closeEditorsInOtherGroups');
    await eventually(() => !vscode.window.visibleTextEditors.includes(editor), 'the event editor closed');
  });

  it('marks detection findings once detections have run', async function () {
    const findings = api.intel.findings;
    await vscode.commands.executeCommand('cloudtrail.intel.runDetections');
    const ids = await eventually(() => findings.eventIds(), 'findings from the built-in rules', 60_000);
    assert.ok(ids.length > 0, 'the sample trail has findings');
    const view = await eventually(async () => {
      const v = await requestView('principal');
      return v.findings ? v : undefined;
    }, 'a view with finding marks');
    // Every finding event in the window is counted as a finding in its lane's column.
    let marked = 0;
    for (const lane of view.lanes) {
      for (let i = 0; i < lane.cells.length; ) {
        i++;
        const mask = lane.cells[i++];
        for (let k = 0; k < 4; k++) {
          if (!(mask & (1 << k))) continue;
          if (k === 3) marked += lane.cells[i];
          i++;
        }
      }
    }
    assert.equal(marked, ids.length, 'finding marks = finding events');
  });

  it('collapses AWS-service events and console bursts into groups per lane, as src/core/noise groups them', async () => {
    const index = api.services.investigation.index;
    const view = await requestView('principal');
    assert.equal(view.collapseNoise, true, 'cloudtrail.noise.collapseServiceEvents is on by default');
    assert.ok(view.lanes.length === view.laneCount, 'every principal lane fits in one view');
    // The engine's grouping, lane by lane (a group never spans two lanes).
    const expected: string[] = [];
    for (const lane of view.lanes) {
      const ids = index.postings('principal', lane.value);
      const laneIds = lane.value === '' ? index.sortByTime(index.all(), 'asc').filter((id) => index.value('principal', id) === undefined) : index.sortByTime(ids, 'asc');
      for (const item of groupNoise(index, laneIds)) if (item.kind === 'group') expected.push(`${lane.rank} ${item.group.kind} ${item.group.label} ${item.group.ids.length}`);
    }
    assert.deepEqual(view.groups.map((g) => `${g.rank} ${g.kind} ${g.label} ${g.count}`).sort(), expected.sort());
    const labels = view.groups.map((g) => g.label);
    assert.ok(labels.some((l) => l.startsWith('config.amazonaws.com: ')), `an AWS Config group: ${labels.join(' | ')}`);
    assert.ok(labels.some((l) => l.startsWith('console alice.dev: ')), `a console burst of alice.dev: ${labels.join(' | ')}`);
    // What is drawn plus what is collapsed is every event; the attacker's calls stay marks.
    let drawn = 0;
    let collapsed = 0;
    for (const lane of view.lanes) {
      assert.equal(laneSum(lane.cells) + (lane.collapsed ?? 0), lane.inWindow, lane.value);
      drawn += laneSum(lane.cells);
      collapsed += lane.collapsed ?? 0;
    }
    assert.equal(drawn + collapsed, 345);
    assert.equal(collapsed, view.groups.reduce((n, g) => n + g.count, 0));
    // Expanded (a click on the span): the group's events are marks again.
    const group = view.groups.find((g) => g.label.startsWith('console alice.dev: '))!;
    const expanded = await requestView('principal', { expanded: [group.id] });
    assert.equal(expanded.groups.find((g) => g.id === group.id)?.expanded, true);
    const lane = expanded.lanes.find((l) => l.rank === group.rank)!;
    const before = view.lanes.find((l) => l.rank === group.rank)!;
    assert.equal(laneSum(lane.cells), laneSum(before.cells) + group.count);
    await requestView('principal', { expanded: [] });
  });

  it('follows cloudtrail.noise.collapseServiceEvents when it changes', async function () {
    const config = vscode.workspace.getConfiguration('cloudtrail.noise');
    assert.equal(config.inspect('collapseServiceEvents')?.defaultValue, true, 'cloudtrail.noise.collapseServiceEvents is contributed, on by default');
    await showPanel();
    await config.update('collapseServiceEvents', false, vscode.ConfigurationTarget.Global);
    try {
      // The webview is told to ask again, and its own request comes back uncollapsed.
      const view = await eventually(() => {
        const v = panel.session.lastView;
        return v && !v.collapseNoise && v.seq < 1_000_000 ? v : undefined;
      }, 'the webview’s view without groups');
      assert.deepEqual(view.groups, []);
      for (const lane of view.lanes) assert.equal(laneSum(lane.cells), lane.inWindow);
    } finally {
      await config.update('collapseServiceEvents', undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually(() => panel.session.lastView?.collapseNoise === true && panel.session.lastView, 'groups back');
  });

  it('hides read-only calls through the shared filter (NOT readOnly:true), and the webview follows', async () => {
    const index = api.services.investigation.index;
    const expected = queryIndex(index, 'NOT readOnly:true').length;
    assert.ok(expected > 0 && expected < 345);
    const commands = await vscode.commands.getCommands(true);
    const hideSetting = vscode.workspace.getConfiguration('cloudtrail.noise').inspect('hideReadOnly');
    const viaCommand = commands.includes('cloudtrail.noise.toggleReadOnly') && hideSetting?.defaultValue !== undefined;
    await showPanel();
    if (viaCommand) await vscode.commands.executeCommand('cloudtrail.noise.toggleReadOnly');
    else api.services.filter.setExpression('NOT readOnly:true');
    try {
      assert.match(api.services.filter.expression, /NOT readOnly:true/);
      // The webview gets filterChanged and asks again by itself.
      const view = await eventually(() => {
        const v = panel.session.lastView;
        return v && v.seq < 1_000_000 && v.events === expected ? v : undefined;
      }, `the webview’s view of the ${expected} events that are not read-only`);
      for (const lane of view.lanes) {
        for (let i = 0; i < lane.cells.length; ) {
          i++;
          const mask = lane.cells[i++];
          assert.equal(mask & 1, 0, `${lane.value}: a read mark`);
          for (let k = 0; k < 4; k++) if (mask & (1 << k)) i++;
        }
      }
      for (const group of view.groups) assert.equal(group.kinds[0], 0, `${group.label}: read events in a group`);
    } finally {
      if (viaCommand) await vscode.commands.executeCommand('cloudtrail.noise.toggleReadOnly');
      else api.services.filter.clear();
    }
    assert.equal(api.services.filter.expression, '');
    await eventually(() => {
      const v = panel.session.lastView;
      return v && v.seq < 1_000_000 && v.events === 345;
    }, 'every event back');
  });

  it('ignores messages that name an id out of range or anything but an event id', async () => {
    const documents = (): string[] => vscode.workspace.textDocuments.map((d) => d.uri.toString()).sort();
    const before = documents();
    const terminals = vscode.window.terminals.length;
    await panel.receive({ type: 'open', eventId: 99_999 });
    await panel.receive({ type: 'open', eventId: '1' });
    await panel.receive({ type: 'open', eventId: 1.5 });
    await panel.receive({ type: 'open', path: '/etc/passwd' });
    await panel.receive({ type: 'runCommand', command: 'workbench.action.terminal.new' });
    assert.deepEqual(documents(), before, 'no document was opened');
    assert.equal(vscode.window.terminals.length, terminals);
    assert.equal(api.timeline.current, panel, 'the panel is still the same');
  });

  it('"Show on timeline" switches the grouping and reveals the lane, through the webview', async () => {
    await vscode.commands.executeCommand('cloudtrail.timeline.showItem', { field: 'ip', value: '203.0.113.66' });
    assert.equal(api.timeline.current, panel, 'the open timeline is reused');
    const view = await eventually(
      () => {
        const v = panel.session.lastView;
        return v && v.laneField === 'ip' && v.focusRank !== undefined ? v : undefined;
      },
      'the webview to request the ip grouping with the revealed lane',
    ).catch((error: unknown) => {
      const v = panel.session.lastView;
      throw new Error(`${String(error)}; visible ${panel.panel.visible}, ready ${panel.session.isReady}, last view seq ${v?.seq} ${v?.laneField} focus ${v?.focusRank}, paints ${panel.session.paints.length}`);
    });
    const lane = view.lanes.find((l) => l.rank === view.focusRank);
    assert.equal(lane?.value, '203.0.113.66');
    assert.equal(lane?.total, api.services.investigation.index.postings('ip', '203.0.113.66').length);
    assert.equal(panel.session.currentState.laneField, 'ip');
  });

  it('keeps its state when closed and opened again', async () => {
    const state = panel.session.currentState;
    assert.equal(state.laneField, 'ip');
    assert.ok(state.t0 !== undefined && state.t1 !== undefined);
    panel.dispose();
    assert.equal(api.timeline.current, undefined);
    await vscode.commands.executeCommand('cloudtrail.timeline.open');
    panel = await eventually(() => api.timeline.current, 'the reopened panel');
    const view = await eventually(() => panel.session.isReady && panel.session.lastView, 'the reopened webview’s first view');
    assert.equal(view.laneField, 'ip');
    assert.ok(Math.abs(view.t0 - state.t0!) < 1 && Math.abs(view.t1 - state.t1!) < 1, 'the same window');
  });

  it('rejects a "Show on timeline" argument it cannot use', async () => {
    const result = await vscode.commands.executeCommand('cloudtrail.timeline.showItem', { field: 'userAgent', value: 'x' });
    assert.equal(result, undefined);
    assert.equal(await vscode.commands.executeCommand('cloudtrail.timeline.showItem', 'principal'), undefined);
  });
});
