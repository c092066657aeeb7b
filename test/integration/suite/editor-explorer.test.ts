// The Explorer tree, the filter and every pivot command in the real host: the tree's
// children and counts equal index.top over the same filter.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import type { Selection } from '../../../src/core/engine/api';
import type { PivotField } from '../../../src/core/index/fields';
import { intersect } from '../../../src/core/index/selection';
import { termFor } from '../../../src/core/query/parser';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import type { ExplorerNode, ValueNode } from '../../../src/extension/explorer/explorerTree';
import { activatedApi, ensureSampleLoaded, itemLabel, readTrailFile, sampleTrailFiles, tempFolder } from './editor-helpers';

function values(nodes: ExplorerNode[]): ValueNode[] {
  return nodes.filter((n): n is ValueNode => n.kind === 'value');
}

/**
 * The events under `parent`: the filter's selection narrowed by each ancestor's postings.
 */
function scopeOf(api: CloudTrailInvestigatorApi, parent: ValueNode | undefined): Selection {
  const index = api.services.investigation.index;
  let selection = api.services.filter.selection();
  for (const step of parent?.path ?? []) selection = intersect(selection, index.postings(step.field, step.value));
  return selection;
}

/** The tree's children of `parent` against index.top over the filter's events under that ancestry. */
function assertChildrenMatchEngine(api: CloudTrailInvestigatorApi, parent: ValueNode | undefined, fields: readonly PivotField[]): ValueNode[] {
  const index = api.services.investigation.index;
  const selection = scopeOf(api, parent);
  const expected = fields.flatMap((field) => index.top(field, selection, Number.MAX_SAFE_INTEGER).map((v) => ({ field, value: v.value, count: v.count })));
  const actual = values(api.explorer.provider.getChildren(parent)).map((n) => ({ field: n.field, value: n.value, count: n.count }));
  assert.deepEqual(actual, expected, `children of ${parent?.id ?? 'the root'} under filter "${api.services.filter.effective}"`);
  return values(api.explorer.provider.getChildren(parent));
}

/**
 * Counts of a top-level field of the sample trail's raw records, read straight from its files.
 * The sample delivers a few records twice (the same record in two files); they are one event.
 */
function rawCounts(key: string, where: (record: Record<string, unknown>) => boolean = () => true): Map<string, number> {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const file of sampleTrailFiles()) {
    for (const record of readTrailFile(file).Records) {
      const text = JSON.stringify(record);
      if (seen.has(text)) continue;
      seen.add(text);
      const value = record[key];
      if (typeof value === 'string' && where(record)) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  return counts;
}

function countsOf(nodes: readonly ValueNode[]): Map<string, number> {
  return new Map(nodes.map((n) => [n.value, n.count]));
}

describe('editor: Explorer, filter and pivots', () => {
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'identity');
    api.services.filter.clear();
  });

  after(() => api.services.filter.clear());

  it('shows Accounts › Regions › Principals › Sessions and keys › Event names with the engine’s counts', () => {
    const accounts = assertChildrenMatchEngine(api, undefined, ['account']);
    assert.deepEqual(countsOf(accounts), rawCounts('recipientAccountId'), 'accounts as counted in the raw records');
    const account = accounts.find((a) => a.value === '111122223333');
    assert.ok(account, 'account 111122223333');
    const regions = assertChildrenMatchEngine(api, account, ['region']);
    assert.deepEqual(countsOf(regions), rawCounts('awsRegion', (r) => r.recipientAccountId === '111122223333'), 'regions as counted in the raw records');
    assert.deepEqual(regions.map((r) => r.value).sort(), ['ap-southeast-3', 'eu-west-1', 'us-east-1']);
    const usEast = regions.find((r) => r.value === 'us-east-1');
    assert.ok(usEast);
    const principals = assertChildrenMatchEngine(api, usEast, ['principal']);
    const orgAdmin = principals.find((p) => p.value.includes('assumed-role/OrgAdmin/ci-deploy-8841'));
    assert.ok(orgAdmin, principals.map((p) => p.value).join(', '));
    const sessionsAndKeys = assertChildrenMatchEngine(api, orgAdmin, ['session', 'accessKey']);
    const key = sessionsAndKeys.find((n) => n.field === 'accessKey' && n.value === 'ASIAEXAMPLEORGADMN01');
    assert.ok(key);
    const names = assertChildrenMatchEngine(api, key, ['eventName']);
    assert.ok(names.some((n) => n.value === 'AssumeRole'));
    // The last level opens to its events, newest first; a row names only what the path does not.
    const provider = api.explorer.provider;
    const rows = provider.getChildren(names[0]);
    assert.equal(rows.length, names[0].count, 'an event name lists its events');
    const index = api.services.investigation.index;
    const times = rows.map((r) => (r.kind === 'event' ? index.time(r.eventId) : NaN));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    for (const row of rows) {
      assert.ok(row.kind === 'event');
      assert.equal(provider.getParent(row), names[0]);
      const item = provider.getTreeItem(row);
      assert.match(itemLabel(item), /^\d{2}:\d{2}:\d{2}$/, 'the path names the event: the time alone');
      const ip = index.row(row.eventId).ip ?? '';
      assert.equal(String(item.description), [ip, index.row(row.eventId).error].filter(Boolean).join(' · '), 'the path names who: from where');
      assert.equal(item.command?.command, 'cloudtrail.openEvent');
    }
  });

  it('gives principals an icon per identity type, ids from the ancestry and the item actions', () => {
    const provider = api.explorer.provider;
    const [account] = values(provider.getChildren());
    const region = values(provider.getChildren(account)).find((r) => r.value === 'us-east-1');
    assert.ok(region);
    const principals = values(provider.getChildren(region));
    const icon = (match: string): string => {
      const node = principals.find((p) => p.value.includes(match));
      assert.ok(node, match);
      return (provider.getTreeItem(node).iconPath as vscode.ThemeIcon).id;
    };
    assert.equal(icon(':user/alice.dev'), 'person');
    assert.equal(icon('assumed-role/'), 'shield');
    assert.equal(icon(':root'), 'warning');
    assert.equal(icon('service:'), 'cloud');
    const item = provider.getTreeItem(principals[0]);
    assert.equal(item.contextValue, 'cloudtrail.value.principal');
    // The count, then from where (the path names the principal: no "who").
    assert.match(String(item.description), new RegExp(`^${principals[0].count.toLocaleString('en-US')} · \\d+\\.\\d+\\.\\d+\\.\\d+|^${principals[0].count.toLocaleString('en-US')} · [a-z0-9.-]+\\.amazonaws\\.com`));
    assert.ok(item.id?.includes('111122223333') && item.id.includes('us-east-1'), item.id);
    const ids = new Set(principals.map((p) => provider.getTreeItem(p).id));
    assert.equal(ids.size, principals.length, 'ids are unique');
  });

  it('follows the active filter and shows it in the view description', async () => {
    await vscode.commands.executeCommand('cloudtrail.filter.edit', 'ip:203.0.113.66');
    assert.equal(api.services.filter.expression, 'ip:203.0.113.66');
    const [account] = assertChildrenMatchEngine(api, undefined, ['account']);
    const regions = assertChildrenMatchEngine(api, account, ['region']);
    for (const region of regions) assertChildrenMatchEngine(api, region, ['principal']);
    assert.match(String(api.explorer.treeView.description), /ip:203\.0\.113\.66/);
    assert.match(String(api.events.treeView.description), /ip:203\.0\.113\.66/);
  });

  it('switches groupings (source IP, access key, event name, error code, user agent)', async () => {
    const firstFields: Record<string, PivotField> = { ip: 'ip', accessKey: 'accessKey', eventName: 'eventName', error: 'error', userAgent: 'userAgent' };
    api.services.filter.clear();
    for (const [grouping, field] of Object.entries(firstFields)) {
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', grouping);
      const roots = assertChildrenMatchEngine(api, undefined, [field]);
      assert.ok(roots.length > 0, grouping);
      const second = api.explorer.provider.currentGrouping.levels[1];
      assertChildrenMatchEngine(api, roots[0], second);
    }
    await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'identity');
  });

  const pivots: ReadonlyArray<readonly [string, PivotField, string]> = [
    ['cloudtrail.pivot.accessKey', 'accessKey', 'ASIAEXAMPLEINFRAAU02'],
    ['cloudtrail.pivot.sourceIp', 'ip', '203.0.113.66'],
    ['cloudtrail.pivot.principal', 'principal', 'arn:aws:iam::111122223333:user/ci-deployer'],
    ['cloudtrail.pivot.roleSession', 'session', 'arn:aws:iam::111122223333:role/OrgAdmin/ci-deploy-8841@2026-03-04T05:06:02Z'],
    ['cloudtrail.pivot.eventName', 'eventName', 'GetSecretValue'],
    ['cloudtrail.pivot.resource', 'resource', 'arn:aws:iam::111122223333:role/OrgAdmin'],
  ];
  for (const [command, field, value] of pivots) {
    it(`${command} with a value sets the filter and the tree follows`, async () => {
      api.services.filter.clear();
      const pivoted = await vscode.commands.executeCommand<boolean>(command, value);
      assert.equal(pivoted, true);
      assert.equal(api.services.filter.expression, termFor(field, value));
      const selection = api.services.filter.selection();
      assert.deepEqual([...selection], [...api.services.investigation.index.postings(field, value)]);
      const accounts = assertChildrenMatchEngine(api, undefined, ['account']);
      assert.equal(
        accounts.reduce((n, a) => n + a.count, 0),
        selection.length,
        'every event of the sample has an account, so the roots add up to the selection',
      );
    });
  }

  it('cloudtrail.pivot.field pivots on any field given (field, value)', async () => {
    api.services.filter.clear();
    const pivoted = await vscode.commands.executeCommand<boolean>('cloudtrail.pivot.field', 'userAgent', 'config.amazonaws.com');
    assert.equal(pivoted, true);
    assert.equal(api.services.filter.expression, termFor('userAgent', 'config.amazonaws.com'));
    assertChildrenMatchEngine(api, undefined, ['account']);
  });

  it('adds, excludes, goes back and forward, and clears', async () => {
    const filter = api.services.filter;
    filter.clear();
    await vscode.commands.executeCommand('cloudtrail.pivot.sourceIp', '203.0.113.66');
    const node = { field: 'eventName', value: 'GetSecretValue' };
    await vscode.commands.executeCommand('cloudtrail.item.addToFilter', node);
    assert.equal(filter.expression, 'ip:203.0.113.66 AND eventName:GetSecretValue');
    await vscode.commands.executeCommand('cloudtrail.filter.back');
    assert.equal(filter.expression, 'ip:203.0.113.66');
    await vscode.commands.executeCommand('cloudtrail.item.exclude', { field: 'error', value: 'AccessDenied' });
    assert.equal(filter.expression, 'ip:203.0.113.66 AND NOT error:AccessDenied');
    assert.equal(filter.canGoForward, false, 'a new pivot drops the forward history');
    await vscode.commands.executeCommand('cloudtrail.filter.back');
    await vscode.commands.executeCommand('cloudtrail.filter.forward');
    assert.equal(filter.expression, 'ip:203.0.113.66 AND NOT error:AccessDenied');
    assertChildrenMatchEngine(api, undefined, ['account']);
    await vscode.commands.executeCommand('cloudtrail.item.pivot', { field: 'eventName', value: 'CreateUser' });
    assert.equal(filter.expression, 'eventName:CreateUser');
    await vscode.commands.executeCommand('cloudtrail.filter.clear');
    assert.equal(filter.expression, '');
    assert.equal(filter.selection().length, api.services.investigation.index.size);
  });

  it('refuses an invalid filter with the parser’s message and keeps the current one', async () => {
    const filter = api.services.filter;
    await vscode.commands.executeCommand('cloudtrail.filter.edit', 'ip:192.0.2.10');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('cloudtrail.filter.edit', 'ip:(')), /at character/);
    assert.equal(filter.expression, 'ip:192.0.2.10');
    filter.clear();
  });

  it('lists the matching events newest first, pages them and toggles the order', async () => {
    const provider = api.events.provider;
    api.services.filter.clear();
    // One row per event: noise grouping (on by default) has its own suite, noise.test.ts.
    const noise = vscode.workspace.getConfiguration('cloudtrail.noise');
    const groupingBefore = noise.inspect<boolean>('collapseServiceEvents')?.globalValue;
    await noise.update('collapseServiceEvents', false, vscode.ConfigurationTarget.Global);
    try {
      await listsEventsNewestFirst(provider);
    } finally {
      await noise.update('collapseServiceEvents', groupingBefore, vscode.ConfigurationTarget.Global);
    }
  });

  const listsEventsNewestFirst = async (provider: CloudTrailInvestigatorApi['events']['provider']): Promise<void> => {
    // Consecutive events by one principal from one IP are one who · where run (issue 17).
    const covered = (nodes: ReturnType<typeof provider.getChildren>): number => nodes.reduce((n, node) => n + (node.kind === 'run' ? node.ids.length : node.kind === 'more' ? 0 : 1), 0);
    const page = provider.getChildren();
    assert.ok(page.every((n) => n.kind === 'run' || n.kind === 'more'));
    assert.ok(covered(page) >= 200 && covered(page.slice(0, -2)) < 200, `the first page: the runs that reach 200 events (${covered(page)})`);
    assert.equal(page[page.length - 1].kind, 'more', 'and a Load more row');
    const index = api.services.investigation.index;
    const run = page[0];
    assert.ok(run.kind === 'run');
    const [first] = provider.getChildren(run);
    assert.ok(first.kind === 'event');
    assert.equal(index.time(first.eventId), Math.max(...[...index.all()].map((id) => index.time(id))));
    const item = provider.getTreeItem(first);
    assert.equal(item.command?.command, 'cloudtrail.openEvent');
    assert.match(itemLabel(item), /^05:57:47 /, 'one day of events: the clock alone');
    assert.match(String(api.events.treeView.description), /· 2026-03-04 UTC ·/, 'the view names the day');
    await vscode.commands.executeCommand('cloudtrail.events.loadMore');
    const everything = provider.getChildren();
    assert.notEqual(everything[everything.length - 1].kind, 'more');
    assert.equal(covered(everything), 345);
    await vscode.commands.executeCommand('cloudtrail.events.toggleOrder');
    const oldestRun = provider.getChildren()[0];
    assert.ok(oldestRun.kind === 'run');
    const oldest = provider.getChildren(oldestRun)[0];
    assert.ok(oldest.kind === 'event');
    assert.equal(index.time(oldest.eventId), Math.min(...[...index.all()].map((id) => index.time(id))));
    await vscode.commands.executeCommand('cloudtrail.events.toggleOrder');
    await vscode.commands.executeCommand('cloudtrail.pivot.accessKey', 'ASIAEXAMPLEINFRAAU02');
    assert.equal(covered(provider.getChildren()), index.postings('accessKey', 'ASIAEXAMPLEINFRAAU02').length);
    api.services.filter.clear();
  };

  it('pages more than 200 children with a Load more item', async () => {
    const folder = tempFolder('many');
    const lines: string[] = [];
    for (let i = 0; i < 250; i++) {
      lines.push(
        JSON.stringify({
          eventVersion: '1.08',
          eventTime: `2026-03-05T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
          eventSource: 's3.amazonaws.com',
          eventName: 'ListBuckets',
          awsRegion: 'us-east-1',
          sourceIPAddress: `198.18.${Math.floor(i / 200)}.${i % 200}`,
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::999988887777:user/pager', accountId: '999988887777', principalId: 'AIDAPAGER' },
          eventID: `pager-${i}`,
          recipientAccountId: '999988887777',
        }),
      );
    }
    fs.writeFileSync(nodePath.join(folder, 'many.jsonl'), lines.join('\n'));
    const summary = await api.services.addSource([folder], 'many IPs');
    assert.equal(summary?.events, 250);
    try {
      await vscode.commands.executeCommand('cloudtrail.pivot.field', 'account', '999988887777');
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'ip');
      const provider = api.explorer.provider;
      const page = provider.getChildren();
      assert.equal(page.length, 201);
      const more = page[200];
      assert.equal(more.kind, 'loadMore');
      const item = provider.getTreeItem(more);
      assert.match(itemLabel(item), /Load more… \(200 of 250 shown\)/);
      assert.ok(item.command);
      await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
      const all = provider.getChildren();
      assert.equal(all.length, 250);
      assertChildrenMatchEngine(api, undefined, ['ip']);
    } finally {
      await vscode.commands.executeCommand('cloudtrail.explorer.groupBy', 'identity');
      api.services.filter.clear();
      if (summary) await api.services.removeSource(summary.id);
    }
  });
});
