// Rows that say who and from where at the default side bar width (issue 17), in the real host:
// the Events view gathers consecutive events by one principal from one IP under a who · where
// run header, and the Explorer's last level opens to its events, each row leaving out what its
// ancestry names. Checked on the sample trail and on attacker-shaped names.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { MAX_RUN, type EventsNode } from '../../../src/extension/events/eventsView';
import type { ExplorerNode, ValueNode } from '../../../src/extension/explorer/explorerTree';
import { GROUPINGS } from '../../../src/extension/explorer/groupings';
import { activatedApi, ensureSampleLoaded, eventually, itemLabel, tempFolder, tooltipText } from './editor-helpers';

type RunNode = Extract<EventsNode, { kind: 'run' }>;

/** Control, line and bidirectional characters that must never reach a label as they are. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROLS = /[\u0000-\u001f\u007f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function valueNodes(nodes: readonly ExplorerNode[]): ValueNode[] {
  return nodes.filter((n): n is ValueNode => n.kind === 'value');
}

describe('rows: who and from where at a glance (issue 17)', function () {
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    api.services.filter.clear();
  });

  afterEach(async () => {
    api.services.filter.clear();
    await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'identity');
  });

  it('Events view: a run header says everything to a screen reader; its rows only their own part', () => {
    const provider = api.events.provider;
    const index = api.services.investigation.index;
    const runs = provider.getChildren().filter((n): n is RunNode => n.kind === 'run');
    assert.ok(runs.length > 0);
    const run = runs.find((r) => r.ids.length > 1) ?? runs[0];
    const header = provider.getTreeItem(run);
    const who = api.services.display.principal(run.principal);
    const a11y = header.accessibilityInformation?.label ?? '';
    assert.ok(a11y.startsWith(`${run.ids.length} event`), a11y);
    assert.ok(a11y.includes(`by ${who}`), a11y);
    if (run.ip && run.ip !== who) assert.ok(a11y.includes(`from ${run.ip}`), a11y);
    assert.match(a11y, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z to /, 'the span, in the display form');
    const tip = tooltipText(header).replace(/\\(.)/g, '$1');
    assert.ok(tip.includes(`${index.row(run.ids[0]).eventName}: `), 'the event names with their counts');
    assert.ok(tip.includes(run.principal ?? ''), 'the full principal');
    assert.match(tip, /\*\*Time \(UTC\)\*\*: 2026-03-04 /);
    // Each row's screen-reader text still names who and from where (the row itself does not).
    for (const child of provider.getChildren(run)) {
      assert.ok(child.kind === 'event');
      const item = provider.getTreeItem(child);
      assert.ok(item.accessibilityInformation?.label.includes(`by ${who}`), item.accessibilityInformation?.label);
    }
    // Insights and noise groups stay as they were, between the runs.
    assert.ok(provider.getChildren().some((n) => n.kind === 'group'));
  });

  it('Explorer: every grouping’s last level opens to its events; each row leaves out what its path names', async () => {
    const provider = api.explorer.provider;
    const index = api.services.investigation.index;
    for (const grouping of GROUPINGS) {
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', grouping.id);
      // Down the first branch to the last level.
      let node: ValueNode | undefined;
      let nodes = valueNodes(provider.getChildren());
      for (let depth = 0; depth < grouping.levels.length; depth++) {
        node = nodes.find((n) => n.count > 1) ?? nodes[0];
        assert.ok(node, `${grouping.id}: a node at depth ${depth}`);
        nodes = valueNodes(provider.getChildren(node));
      }
      assert.ok(node);
      const rows = provider.getChildren(node);
      assert.equal(rows.filter((r) => r.kind === 'event').length, Math.min(node.count, 200), grouping.id);
      const fields = new Set(node.path.map((p) => p.field));
      const whoNamed = fields.has('principal') || fields.has('session') || fields.has('accessKey');
      for (const row of rows) {
        if (row.kind !== 'event') continue;
        const item = provider.getTreeItem(row);
        const event = index.row(row.eventId);
        const who = api.services.display.principal(event.principal);
        const label = itemLabel(item);
        const description = String(item.description ?? '');
        const expected = [whoNamed ? undefined : who, fields.has('ip') || event.ip === who ? undefined : event.ip, fields.has('error') ? undefined : event.error].filter(Boolean).join(' · ');
        assert.equal(description, expected, `${grouping.id} ${node.id}: ${label} | ${description}`);
        if (fields.has('eventName')) assert.match(label, /^\d{2}:\d{2}:\d{2}$/, 'the path names the event: the time alone');
        else assert.equal(label.slice(9), event.eventName);
        assert.ok(item.id?.startsWith(`${node.id}/`), 'ids from the ancestry');
        assert.ok(item.accessibilityInformation?.label.includes(`by ${who}`));
      }
      // Stable ids across a refresh: the same rows come back with the same ids.
      const ids = rows.map((r) => provider.getTreeItem(r).id);
      api.services.filter.setExpression('region:us-east-1 OR NOT region:us-east-1');
      await eventually(() => api.services.filter.expression !== '', 'the filter');
      const again = provider.getChildren(node).map((r) => provider.getTreeItem(r).id);
      assert.deepEqual(again, ids, grouping.id);
      api.services.filter.clear();
    }
  });

  it('hostile names: run headers and rows stay one line, quote what is not a plain name, and escape their tooltips', async () => {
    const folder = tempFolder('hostile-rows');
    const base = {
      eventVersion: '1.09',
      eventSource: 's3.amazonaws.com',
      awsRegion: 'us-east-1',
      recipientAccountId: '111111111111',
      userAgent: 'aws-cli/2',
    };
    const evilUser = 'x\u202eevil\n· 10.0.0.1 [click](command:workbench.action.terminal.new)';
    const evilIp = 'attacker.example\r\n$(alert) **bold**';
    const records = [0, 1, 2].map((i) => ({
      ...base,
      eventTime: `2026-03-04T07:00:0${i}Z`,
      eventID: `eeeeeeee-0000-4000-8000-00000000000${i}`,
      eventName: i === 1 ? 'Get\u202eObject' : 'GetObject',
      sourceIPAddress: evilIp,
      userIdentity: { type: 'IAMUser', principalId: 'AIDAEVIL', arn: `arn:aws:iam::111111111111:user/${evilUser}`, accountId: '111111111111', userName: evilUser, accessKeyId: 'AKIA[x](command:y)' },
    }));
    records.push({
      ...base,
      eventTime: '2026-03-04T07:00:03Z',
      eventID: 'eeeeeeee-0000-4000-8000-000000000003',
      eventName: 'ListBuckets',
      sourceIPAddress: '198.51.100.9',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAOK', arn: 'arn:aws:iam::111111111111:user/ok.user', accountId: '111111111111', userName: 'ok.user', accessKeyId: 'AKIAOK' },
    });
    fs.writeFileSync(path.join(folder, 'hostile.json'), JSON.stringify({ Records: records }));
    const summary = await api.services.addSource([folder], 'hostile rows');
    try {
      assert.equal(summary?.events, 4);
      api.services.filter.setExpression('account:111111111111');
      const provider = api.events.provider;
      await eventually(() => provider.getChildren().some((n) => n.kind === 'run'), 'runs');
      const runs = provider.getChildren().filter((n): n is RunNode => n.kind === 'run');
      // Newest first: ok.user's call, then the three hostile ones as one run.
      assert.deepEqual(
        runs.map((r) => r.ids.length),
        [1, 3],
      );
      const [ok, evil] = runs.map((r) => provider.getTreeItem(r));
      assert.equal(itemLabel(ok), 'ok.user · 198.51.100.9');
      const evilLabel = itemLabel(evil);
      assert.doesNotMatch(evilLabel, RAW_CONTROLS, JSON.stringify(evilLabel));
      const who = api.services.display.principal(runs[1].principal);
      assert.doesNotMatch(who, RAW_CONTROLS, `the display name escapes what could reorder or break the row: ${who}`);
      assert.ok(evilLabel.startsWith(`${who} · `), evilLabel);
      assert.ok(evilLabel.includes('attacker.example'), 'from where, on one line');
      const tip = tooltipText(evil);
      assert.doesNotMatch(tip, /\]\(command:/, 'no link survives in the tooltip');
      assert.doesNotMatch(tip, /\*\*bold\*\*/, 'attacker Markdown is escaped');
      assert.ok((evil.tooltip as vscode.MarkdownString).isTrusted !== true);
      const childLabels: string[] = [];
      for (const child of provider.getChildren(runs[1])) {
        const item = provider.getTreeItem(child);
        childLabels.push(itemLabel(item));
        assert.doesNotMatch(itemLabel(item), RAW_CONTROLS, 'an event name cannot reorder its row');
        assert.equal(String(item.description ?? ''), '', 'the run names who and from where');
      }
      assert.ok(
        childLabels.some((label) => label.endsWith('Get\\u202eObject')),
        `the override is shown escaped: ${JSON.stringify(childLabels)}`,
      );
      // The Explorer's rows under the hostile principal: one line, from where.
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'userAgent');
      const explorer = api.explorer.provider;
      const [agent] = valueNodes(explorer.getChildren()).filter((n) => n.value === 'aws-cli/2');
      const principal = valueNodes(explorer.getChildren(agent)).find((n) => n.value === runs[1].principal);
      assert.ok(principal);
      assert.doesNotMatch(itemLabel(explorer.getTreeItem(principal)), RAW_CONTROLS);
      const names = valueNodes(explorer.getChildren(principal));
      for (const name of names) {
        for (const row of explorer.getChildren(name)) {
          const item = explorer.getTreeItem(row);
          assert.match(itemLabel(item), /^\d{2}:\d{2}:\d{2}$/);
          assert.doesNotMatch(String(item.description), /[\r\n]/);
          assert.ok(String(item.description).startsWith('attacker.example'), String(item.description));
        }
      }
    } finally {
      api.services.filter.clear();
      if (summary) await api.services.removeSource(summary.id);
    }
  });

  it('paging: a run is shown whole and pages its own rows; a run longer than MAX_RUN is cut and carries on', async () => {
    const folder = tempFolder('long-run');
    const event = (i: number, user: string, ip: string): string =>
      JSON.stringify({
        eventVersion: '1.08',
        eventTime: new Date(Date.parse('2026-03-06T00:00:00Z') + i * 1000).toISOString(),
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'us-east-1',
        sourceIPAddress: ip,
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::777766665555:user/${user}`, accountId: '777766665555', principalId: `AIDA${user}` },
        eventID: `long-run-${i}`,
        recipientAccountId: '777766665555',
      });
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) lines.push(event(i, 'bob', '198.18.0.2'));
    for (let i = 10; i < 10 + MAX_RUN + 5; i++) lines.push(event(i, 'pager', '198.18.0.1'));
    fs.writeFileSync(path.join(folder, 'long.jsonl'), lines.join('\n'));
    const summary = await api.services.addSource([folder], 'long run');
    try {
      assert.equal(summary?.events, MAX_RUN + 15);
      api.services.filter.setExpression('account:777766665555');
      const provider = api.events.provider;
      // Newest first: the pager's calls, cut at MAX_RUN; the first page stops there.
      const page = provider.getChildren();
      assert.deepEqual(
        page.map((n) => (n.kind === 'run' ? `run ${n.ids.length}${n.cut ? ' cut' : ''}` : n.kind === 'more' ? `more ${n.shown} of ${n.total}` : n.kind)),
        [`run ${MAX_RUN} cut`, `more ${MAX_RUN} of ${MAX_RUN + 15}`],
      );
      const [long] = page;
      assert.ok(long.kind === 'run');
      provider.setExpanded(long, false);
      assert.match(String(provider.getTreeItem(long).description), new RegExp(`^${MAX_RUN.toLocaleString('en-US')} events\\+ · `));
      assert.match(tooltipText(provider.getTreeItem(long)), /the next run carries on/);
      provider.setExpanded(long, true);
      // Its rows page by 200.
      const rows = provider.getChildren(long);
      assert.equal(rows.length, 201);
      const more = rows[200];
      assert.ok(more.kind === 'more' && more.group === long);
      assert.match(itemLabel(provider.getTreeItem(more)), /^Load more… \(200 of 5,000 events of the run shown\)$/);
      provider.loadMore(more);
      assert.equal(provider.getChildren(long).length, 401);
      // The list's Load more shows the rest: the pager's last 5, then bob's 10.
      provider.loadMore(page[1]);
      const all = provider.getChildren();
      assert.deepEqual(
        all.map((n) => (n.kind === 'run' ? `${itemLabel(provider.getTreeItem(n))} ${n.ids.length}` : n.kind)),
        [`pager · 198.18.0.1 ${MAX_RUN}`, 'pager · 198.18.0.1 5', 'bob · 198.18.0.2 10'],
      );
      assert.equal(all[0], long, 'the first run keeps its identity while the list is the same');
    } finally {
      api.services.filter.clear();
      if (summary) await api.services.removeSource(summary.id);
    }
  });

  it('a run keeps its id (and so its expansion state) when newer events join it', async () => {
    const event = (i: number, user: string, ip: string): Record<string, unknown> => ({
      eventVersion: '1.08',
      eventTime: new Date(Date.parse('2026-03-07T00:00:00Z') + i * 1000).toISOString(),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'us-east-1',
      sourceIPAddress: ip,
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::666655554444:user/${user}`, accountId: '666655554444', principalId: `AIDA${user}` },
      eventID: `join-${i}`,
      recipientAccountId: '666655554444',
    });
    const first = tempFolder('join-a');
    fs.writeFileSync(path.join(first, 'a.json'), JSON.stringify({ Records: [event(0, 'alice', '198.18.1.1'), event(1, 'alice', '198.18.1.1'), event(2, 'bob', '198.18.1.2'), event(3, 'carol', '198.18.1.3')] }));
    const second = tempFolder('join-b');
    fs.writeFileSync(path.join(second, 'b.json'), JSON.stringify({ Records: [event(4, 'carol', '198.18.1.3')] }));
    const a = await api.services.addSource([first], 'join a');
    let b: Awaited<ReturnType<typeof api.services.addSource>> | undefined;
    try {
      api.services.filter.setExpression('account:666655554444');
      const provider = api.events.provider;
      const runs = (): RunNode[] => provider.getChildren().filter((n): n is RunNode => n.kind === 'run');
      const before = runs();
      assert.deepEqual(
        before.map((r) => `${itemLabel(provider.getTreeItem(r))} ${r.ids.length}`),
        ['carol · 198.18.1.3 1', 'bob · 198.18.1.2 1', 'alice · 198.18.1.1 2'],
      );
      provider.setExpanded(before[2], false);
      b = await api.services.addSource([second], 'join b');
      assert.equal(b?.events, 1);
      await eventually(() => runs()[0]?.ids.length === 2, 'carol’s newer call joining her run');
      const after = runs();
      assert.deepEqual(
        after.map((r) => provider.getTreeItem(r).id),
        before.map((r) => provider.getTreeItem(r).id),
        'the same ids: each run is named by its oldest event',
      );
      assert.equal(provider.getTreeItem(after[2]).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed, 'alice’s run stays collapsed');
      // Oldest first, the runs are the same runs under the same ids.
      await vscode.commands.executeCommand('cloudtrail.events.toggleOrder');
      assert.deepEqual(
        runs().map((r) => provider.getTreeItem(r).id),
        [...after].reverse().map((r) => provider.getTreeItem(r).id),
      );
      await vscode.commands.executeCommand('cloudtrail.events.toggleOrder');
    } finally {
      api.services.filter.clear();
      if (b) await api.services.removeSource(b.id);
      if (a) await api.services.removeSource(a.id);
    }
  });
});
