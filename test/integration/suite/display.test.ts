// Reading at a glance (issue 17) in the real host: Events and Explorer rows say who and from
// where, one time format everywhere (rows, tooltips, hovers, lenses, lineage) switched between
// UTC and local time by cloudtrail.display.timeZone, one unambiguous name per principal (three
// accounts' roots on the timeline), and event tabs told apart by event, time and principal.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EventId } from '../../../src/core/engine/api';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { ExplorerNode, ValueNode } from '../../../src/extension/explorer/explorerTree';
import type { EventsNode } from '../../../src/extension/events/eventsView';
import { termFor } from '../../../src/core/query/parser';
import { activatedApi, ensureSampleLoaded, eventually, itemLabel, tempFolder, tooltipText } from './editor-helpers';

/** An ISO-8601 time as the old views wrote it (`2026-03-04T05:08:31.000Z`): never shown any more. */
const ISO_T = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** The one display form in UTC, `2026-03-04 05:08:31Z`. */
const DISPLAY_UTC = /\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?Z/;

/** Markdown tooltips escape punctuation; the text a user reads has no backslashes. */
function plain(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1');
}

function eventRows(api: CloudTrailInvestigatorApi): { id: EventId; item: vscode.TreeItem }[] {
  const provider = api.events.provider;
  for (let guard = 0; guard < 50 && provider.getChildren().some((n) => n.kind === 'more'); guard++) provider.loadMore();
  const rows: { id: EventId; item: vscode.TreeItem }[] = [];
  const walk = (nodes: EventsNode[]): void => {
    for (const node of nodes) {
      if (node.kind === 'event') rows.push({ id: node.eventId, item: provider.getTreeItem(node) });
      else if (node.kind === 'group' || node.kind === 'insight' || node.kind === 'run') walk(provider.getChildren(node));
    }
  };
  walk(provider.getChildren());
  return rows;
}

function record(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.77',
    userAgent: 'Mozilla/5.0',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    ...overrides,
  };
}

function root(account: string, time: string, n: number): Record<string, unknown> {
  return record({
    eventTime: time,
    eventID: `dddddddd-0000-4000-8000-00000000000${n}`,
    recipientAccountId: account,
    userIdentity: { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account },
  });
}

describe('reading at a glance: one time format, one name per principal (issue 17)', () => {
  let api: CloudTrailInvestigatorApi;
  const config = () => vscode.workspace.getConfiguration('cloudtrail.display');

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    api.services.filter.clear();
  });

  afterEach(async () => {
    await config().update('timeZone', undefined, vscode.ConfigurationTarget.Global);
    await eventually(() => api.services.display.zone === 'utc', 'the time zone back to UTC');
    api.services.filter.clear();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Events rows: who · from where once per run of events, each row its time, event name and error; tooltips hold everything', async () => {
    const index = api.services.investigation.index;
    const provider = api.events.provider;
    const rows = eventRows(api);
    assert.equal(rows.length, index.size, 'every event has a row');
    for (const { id, item } of rows) {
      const row = index.row(id);
      // One day of events: the clock alone (the view's description names the day).
      assert.match(itemLabel(item), /^\d{2}:\d{2}:\d{2} /, itemLabel(item));
      assert.ok(itemLabel(item).endsWith(row.eventName ?? '(no event name)'), itemLabel(item));
      const tooltip = plain(tooltipText(item));
      assert.match(tooltip, DISPLAY_UTC);
      for (const field of [row.ip, row.accessKey, row.region, row.eventId]) if (field) assert.ok(tooltip.includes(field), `${field} in the tooltip`);
    }
    // Runs (grouping on: noise groups stand between them): the header says who and from where.
    const top = provider.getChildren();
    const runs = top.filter((n): n is Extract<EventsNode, { kind: 'run' }> => n.kind === 'run');
    assert.ok(runs.length > 10, `${runs.length} runs`);
    let withIp = 0;
    for (const run of runs) {
      const first = index.row(run.ids[0]);
      const who = api.services.display.principal(first.principal);
      const header = provider.getTreeItem(run);
      assert.equal(header.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
      if (first.ip && first.ip !== who) {
        withIp++;
        assert.equal(itemLabel(header), `${who} · ${first.ip}`);
      } else assert.equal(itemLabel(header), who, 'a service calling from its own name says it once');
      // Expanded, its rows show their times: no description to cut the label with an ellipsis.
      assert.equal(header.description, undefined);
      assert.ok(header.accessibilityInformation?.label.includes(`by ${who}`), header.accessibilityInformation?.label);
      const tip = plain(tooltipText(header));
      assert.ok(tip.includes(first.principal ?? ''), 'the full principal in the tooltip');
      if (first.accessKey) assert.ok(tip.includes(first.accessKey), 'the access keys used');
      for (const child of provider.getChildren(run)) {
        assert.ok(child.kind === 'event');
        const row = index.row(child.eventId);
        assert.equal(row.principal, first.principal, 'one principal per run');
        assert.equal(row.ip, first.ip, 'one source IP per run');
        // The run names who and from where: the row only its error, if any.
        assert.equal(String(provider.getTreeItem(child).description), row.error ?? '');
      }
    }
    assert.ok(withIp > 10, `${withIp} runs with a source IP`);
    // Collapsed (the tree view reports it), a run summarises what it hides: how many, and when.
    const long = runs.find((r) => r.ids.length > 1);
    assert.ok(long);
    provider.setExpanded(long, false);
    const collapsed = provider.getTreeItem(long);
    assert.equal(collapsed.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match(String(collapsed.description), new RegExp(`^${long.ids.length} events · \\d{2}:\\d{2}:\\d{2}–\\d{2}:\\d{2}:\\d{2}$`), String(collapsed.description));
    provider.setExpanded(long, true);
    assert.equal(provider.getTreeItem(long).description, undefined);
    // Consecutive runs differ (else they would be one).
    for (let i = 1; i < top.length; i++) {
      const [a, b] = [top[i - 1], top[i]];
      if (a.kind === 'run' && b.kind === 'run') assert.ok(a.principal !== b.principal || a.ip !== b.ip, `${a.id} and ${b.id}`);
    }
    // The ids survive a refresh (expansion state is kept by id).
    const ids = top.map((n) => (n.kind === 'more' ? 'more' : provider.getTreeItem(n).id));
    api.services.filter.setExpression('region:us-east-1');
    assert.notDeepEqual(provider.getChildren().map((n) => n.kind === 'run' && n.id), ids);
    api.services.filter.clear();
    for (let guard = 0; guard < 50 && provider.getChildren().some((n) => n.kind === 'more'); guard++) provider.loadMore();
    assert.deepEqual(
      provider.getChildren().map((n) => (n.kind === 'more' ? 'more' : provider.getTreeItem(n).id)),
      ids,
    );
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');

    // Pivoted on the attacker's IP, the view names it once: runs by principal alone, rows without it.
    api.services.filter.setExpression('ip:203.0.113.66');
    await eventually(() => /from 203\.0\.113\.66/.test(String(api.events.treeView.description)), 'the view naming the shared IP');
    const pivoted = eventRows(api);
    assert.ok(pivoted.length > 10);
    for (const { item } of pivoted) assert.ok(!String(item.description).includes('203.0.113.66'), String(item.description));
    for (const node of provider.getChildren()) {
      if (node.kind !== 'run') continue;
      assert.equal(node.ip, undefined);
      assert.equal(itemLabel(provider.getTreeItem(node)), api.services.display.principal(node.principal));
    }
    // On one principal from one IP (a pivot on both), no runs: the title says it all.
    const attacker = index.row(index.postings('ip', '203.0.113.66')[0]).principal ?? '';
    api.services.filter.setExpression(`ip:203.0.113.66 AND ${termFor('principal', attacker)}`);
    await eventually(() => /by .* · from 203\.0\.113\.66/.test(String(api.events.treeView.description)), 'the view naming who and from where');
    const flat = provider.getChildren();
    assert.ok(flat.length > 1 && flat.every((n) => n.kind === 'event' || n.kind === 'group' || n.kind === 'more'), flat.map((n) => n.kind).join());
  });

  it('Explorer rows: principals by their one display name, with who and from where beside the count', async () => {
    const provider = api.explorer.provider;
    await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'eventName');
    try {
      const names = provider.getChildren().filter((n): n is ValueNode => n.kind === 'value');
      assert.ok(names.length > 10);
      for (const node of names) {
        const item = provider.getTreeItem(node);
        const description = String(item.description);
        // `12 · carol.admin +2 · 203.0.113.66 +1`: count, who, from where.
        assert.match(description, /^[\d,]+ · .+ · .+$/, `${itemLabel(item)}: ${description}`);
      }
      const principals = provider.getChildren(names[0]).filter((n): n is ValueNode => n.kind === 'value');
      for (const node of principals) assert.equal(itemLabel(provider.getTreeItem(node)), api.services.display.principal(node.value));
    } finally {
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'identity');
    }
  });

  it('one format everywhere: no ISO `T` times in tree rows, tooltips, lineage, lens titles or hovers', async () => {
    const texts: string[] = [];
    for (const { item } of eventRows(api)) texts.push(itemLabel(item), String(item.description ?? ''), plain(tooltipText(item)));
    const explorer = api.explorer.provider;
    const walk = (nodes: ExplorerNode[], depth: number): void => {
      for (const node of nodes.slice(0, 30)) {
        const item = explorer.getTreeItem(node);
        texts.push(itemLabel(item), String(item.description ?? ''));
        // A session's tooltip holds its raw key (with the ISO creation time it was recorded with).
        if (node.kind === 'value' && node.field !== 'session') texts.push(plain(tooltipText(item)).replace(node.value, ''));
        if (depth < 4) walk(explorer.getChildren(node), depth + 1);
      }
    };
    walk(explorer.getChildren(), 0);
    assert.ok(texts.length > 1000);

    const lineage = await vscode.commands.executeCommand('cloudtrail.intel.traceLineage', 'ASIAEXAMPLEINFRAAU02');
    assert.ok(lineage);
    const lineageProvider = api.intel.lineageView.provider;
    for (const node of lineageProvider.getChildren()) {
      if (node.kind !== 'hop' && node.kind !== 'origin') continue;
      const item = lineageProvider.getTreeItem(node);
      texts.push(itemLabel(item), String(item.description ?? ''));
    }
    assert.ok(texts.some((t) => /AssumeRole 2026-03-04 05:08:31Z/.test(t)), 'a lineage hop in the display form');

    // Lens titles and hovers in an opened event (a temporary key: its issuance and lineage lens).
    const index = api.services.investigation.index;
    const [id] = index.postings('accessKey', 'ASIAEXAMPLEINFRAAU02');
    await api.services.openEvent(id);
    const editor = await eventually(() => (vscode.window.activeTextEditor?.document.uri.scheme === 'cloudtrail-event' ? vscode.window.activeTextEditor : undefined), 'the event editor');
    const uri = editor.document.uri;
    const lenses = await eventually(async () => {
      const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
      return found.length > 0 && found.every((l) => l.command) ? found : undefined;
    }, 'resolved lenses');
    const titles = lenses.map((l) => l.command!.title);
    assert.ok(titles.some((t) => DISPLAY_UTC.test(t)), titles.join('\n'));
    texts.push(...titles, ...lenses.map((l) => l.command!.tooltip ?? ''));
    const text = editor.document.getText();
    for (const key of ['"sourceIPAddress"', '"accessKeyId"']) {
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, editor.document.positionAt(text.indexOf(key) + 2))) ?? [];
      const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
      assert.match(plain(hoverText), DISPLAY_UTC, `the ${key} hover shows times`);
      texts.push(plain(hoverText));
    }

    const iso = texts.filter((t) => ISO_T.test(t));
    assert.deepEqual(iso, [], 'texts with an ISO-8601 `T` time');
  });

  it('cloudtrail.display.timeZone switches every time between UTC and local time', async () => {
    const first = () => eventRows(api)[0];
    assert.match(plain(tooltipText(first().item)), /\*\*Time\*\*: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?Z/);
    const sources = api.sources.provider;
    const sourceItem = () => sources.getTreeItem(sources.getChildren()[0]);
    assert.match(String(sourceItem().description), /Z – /);

    await config().update('timeZone', 'local', vscode.ConfigurationTarget.Global);
    await eventually(() => api.services.display.zone === 'local', 'the local time zone');
    const offset = /\*\*Time\*\*: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?[+-]\d{2}:\d{2}/;
    assert.match(plain(tooltipText(first().item)), offset, 'local time carries its offset');
    assert.doesNotMatch(String(sourceItem().description), /Z – /);
    assert.match(String(sourceItem().description), /[+-]\d{2}:\d{2} – /);
    const local = new Date(api.services.investigation.index.time(first().id));
    const hh = String(local.getHours()).padStart(2, '0');
    assert.match(itemLabel(first().item), new RegExp(`^${hh}:`), 'the row shows the local hour');

    await config().update('timeZone', 'utc', vscode.ConfigurationTarget.Global);
    await eventually(() => api.services.display.zone === 'utc', 'UTC again');
    assert.match(plain(tooltipText(first().item)), /\*\*Time\*\*: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{3})?Z/);
  });

  it('three accounts: three roots read as three names on the timeline; three ConsoleLogin tabs differ; attacker text never names a path', async () => {
    const folder = tempFolder('three-roots');
    const hostile = record({
      eventTime: '2026-03-04T06:00:04Z',
      eventID: 'dddddddd-0000-4000-8000-000000000004',
      recipientAccountId: '111111111111',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAX', arn: 'arn:aws:iam::111111111111:user/../../x\u202e y', accountId: '111111111111', userName: '../../x\u202e y' },
    });
    const records = [root('111111111111', '2026-03-04T06:00:01Z', 1), root('222222222222', '2026-03-04T06:00:02Z', 2), root('333333333333', '2026-03-04T06:00:03Z', 3), hostile];
    fs.writeFileSync(path.join(folder, 'roots.json'), JSON.stringify({ Records: records }));
    const summary = await api.services.addSource([folder], 'three roots');
    try {
      assert.equal(summary?.events, 4);
      const index = api.services.investigation.index;
      const keys = ['111111111111', '222222222222', '333333333333'].map((a) => `arn:aws:iam::${a}:root`);
      const names = keys.map((k) => api.services.display.principal(k));
      assert.deepEqual(names, ['root (111111111111)', 'root (222222222222)', 'root (333333333333)']);

      // The timeline's lanes, grouped by principal, for these events.
      api.services.filter.setExpression('ip:192.0.2.77');
      await vscode.commands.executeCommand('cloudtrail.timeline.open');
      const panel = await eventually(() => api.timeline.current, 'the timeline panel');
      await eventually(() => panel.session.isReady, 'the timeline webview ready');
      await panel.receive({ type: 'requestView', seq: 2_000_001, width: 800, laneField: 'principal', lanes: { offset: 0, limit: 60 } });
      const view = panel.session.lastView;
      assert.ok(view && view.seq === 2_000_001);
      const labels = view.lanes.map((l) => l.label ?? l.value);
      assert.equal(view.lanes.length, 4, labels.join(', '));
      assert.deepEqual(labels.filter((l) => l.startsWith('root')).sort(), names);
      assert.equal(view.timeZone, 'utc');
      panel.dispose();

      // Three ConsoleLogin tabs, one per root: named by event, time and principal.
      const tabs: string[] = [];
      for (const eventId of ['dddddddd-0000-4000-8000-000000000001', 'dddddddd-0000-4000-8000-000000000002', 'dddddddd-0000-4000-8000-000000000003', 'dddddddd-0000-4000-8000-000000000004']) {
        const [id] = index.postings('eventId', eventId);
        await api.services.openEvent(id);
        const editor = await eventually(
          () => (vscode.window.activeTextEditor?.document.uri.query.includes(eventId) ? vscode.window.activeTextEditor : undefined),
          `the tab of ${eventId}`,
        );
        const uriPath = editor.document.uri.path;
        assert.match(uriPath, /^\/\d+\/[A-Za-z0-9_ :-]+\.json$/, `one safe file name: ${uriPath}`);
        tabs.push(path.posix.basename(uriPath));
        const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
        assert.equal(tab?.label, path.posix.basename(uriPath));
      }
      assert.deepEqual(tabs.slice(0, 3), ['ConsoleLogin 03-04 06:00:01Z root-111111111111.json', 'ConsoleLogin 03-04 06:00:02Z root-222222222222.json', 'ConsoleLogin 03-04 06:00:03Z root-333333333333.json']);
      assert.equal(new Set(tabs).size, 4);
    } finally {
      if (summary) await api.services.removeSource(summary.id);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
