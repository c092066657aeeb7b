// Noise in the real host: hiding read-only calls goes through the filter (the Events view then
// lists exactly what the engine finds for `NOT readOnly:true`), and the Events view collapses
// AWS-service events and console bursts of the sample trail into groups that open to their events.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EventId } from '../../../src/core/engine/api';
import type { EventsNode, EventsTreeProvider } from '../../../src/extension/events/eventsView';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { activatedApi, ensureSampleLoaded, eventually, itemLabel } from './editor-helpers';
import { queryIndex } from '../../../src/core/query/query';

type GroupNode = Extract<EventsNode, { kind: 'group' }>;
type RunNode = Extract<EventsNode, { kind: 'run' }>;

/** Every top-level row of the Events view, following "Load more" until the list ends. */
function allRows(provider: EventsTreeProvider): EventsNode[] {
  for (let pages = 0; pages < 1000; pages++) {
    const rows = provider.getChildren();
    const last = rows[rows.length - 1];
    if (last?.kind !== 'more') return rows;
    provider.loadMore(last);
  }
  throw new Error('the Events view never reached its end');
}

/** A group's (or a who · where run's) events, following its own "Load more". */
function groupEvents(provider: EventsTreeProvider, group: GroupNode | RunNode): EventId[] {
  for (let pages = 0; pages < 1000; pages++) {
    const children = provider.getChildren(group);
    const last = children[children.length - 1];
    if (last?.kind === 'more') {
      provider.loadMore(last);
      continue;
    }
    return children.map((c) => {
      assert.equal(c.kind, 'event', 'a group holds events only');
      return c.kind === 'event' ? c.eventId : -1;
    });
  }
  throw new Error('the group never reached its end');
}

/** The events the view lists: top-level events and the events inside runs and groups. */
function listedEvents(provider: EventsTreeProvider): EventId[] {
  return allRows(provider).flatMap((row) => (row.kind === 'event' ? [row.eventId] : row.kind === 'group' || row.kind === 'run' ? groupEvents(provider, row) : []));
}

/** How many list rows (events, groups, Insights) the top-level nodes cover: a run covers its events. */
function rowsCovered(nodes: readonly EventsNode[]): number {
  return nodes.reduce((sum, n) => sum + (n.kind === 'run' ? n.ids.length : n.kind === 'more' ? 0 : 1), 0);
}

const sorted = (ids: Iterable<number>): number[] => [...ids].sort((a, b) => a - b);

describe('noise: read-only calls and grouped events', function () {
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;
  let provider: EventsTreeProvider;
  let filterBefore = '';
  let settingsBefore: { hideReadOnly?: boolean; collapseServiceEvents?: boolean } = {};

  const setGrouping = async (on: boolean): Promise<void> => {
    await vscode.commands.executeCommand(on ? 'cloudtrail.noise.groupEvents' : 'cloudtrail.noise.ungroupEvents');
    await eventually(() => provider.grouping === on, `grouping ${on ? 'on' : 'off'}`);
  };

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    provider = api.events.provider;
    const config = vscode.workspace.getConfiguration('cloudtrail.noise');
    settingsBefore = {
      hideReadOnly: config.inspect<boolean>('hideReadOnly')?.globalValue,
      collapseServiceEvents: config.inspect<boolean>('collapseServiceEvents')?.globalValue,
    };
    filterBefore = api.services.filter.expression;
    api.services.filter.clear();
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration('cloudtrail.noise');
    await config.update('hideReadOnly', settingsBefore.hideReadOnly, vscode.ConfigurationTarget.Global);
    await config.update('collapseServiceEvents', settingsBefore.collapseServiceEvents, vscode.ConfigurationTarget.Global);
    if (api) api.services.filter.setExpression(filterBefore);
  });

  it('Toggle Read-Only Calls adds and removes NOT readOnly:true; the Events view lists the engine’s events', async () => {
    const { filter, investigation } = api.services;
    await setGrouping(false);
    const index = investigation.index;
    const expected = queryIndex(index, 'NOT readOnly:true');
    assert.ok(expected.length > 0 && expected.length < index.size, 'the sample trail has read-only and other calls');

    const hidden = await vscode.commands.executeCommand<boolean>('cloudtrail.noise.toggleReadOnly');
    assert.equal(hidden, true);
    assert.equal(filter.expression, 'NOT readOnly:true');
    assert.equal(vscode.workspace.getConfiguration('cloudtrail.noise').get('hideReadOnly'), true, 'the choice is remembered');
    const listed = listedEvents(provider);
    assert.equal(listed.length, expected.length, 'the Events view count equals the engine’s');
    assert.deepEqual(sorted(listed), sorted(expected));
    assert.ok(listed.every((id) => index.row(id).readOnly !== true));
    assert.match(String(api.events.treeView.description), /NOT readOnly:true/);

    // Show brings the read-only calls back; Show again changes nothing.
    await vscode.commands.executeCommand('cloudtrail.noise.showReadOnly');
    assert.equal(filter.expression, '');
    assert.equal(listedEvents(provider).length, index.size);
    await vscode.commands.executeCommand('cloudtrail.noise.showReadOnly');
    assert.equal(filter.expression, '');
    assert.equal(vscode.workspace.getConfiguration('cloudtrail.noise').get('hideReadOnly'), false);

    // On top of a pivot the term joins with AND, and goes again without touching the pivot.
    filter.setExpression('region:us-east-1 OR region:eu-west-1');
    await vscode.commands.executeCommand('cloudtrail.noise.hideReadOnly');
    assert.equal(filter.expression, '(region:us-east-1 OR region:eu-west-1) AND NOT readOnly:true');
    const narrowed = queryIndex(index, filter.effective);
    assert.deepEqual(sorted(listedEvents(provider)), sorted(narrowed));
    assert.ok(narrowed.length < expected.length, 'the pivot still applies');
    await vscode.commands.executeCommand('cloudtrail.noise.toggleReadOnly');
    assert.equal(filter.expression, 'region:us-east-1 OR region:eu-west-1');
    filter.clear();
  });

  it('grouping on: AWS-service and console-burst groups whose events add up to the ungrouped list', async () => {
    const { filter, investigation } = api.services;
    const index = investigation.index;
    filter.clear();
    await setGrouping(false);
    const ungrouped = listedEvents(provider);
    assert.equal(ungrouped.length, index.size);

    await setGrouping(true);
    assert.match(String(api.events.treeView.description), /grouped/);
    const firstPage = provider.getChildren();
    const rows = allRows(provider);
    const groups = rows.filter((r): r is GroupNode => r.kind === 'group');
    const total = rowsCovered(rows);
    assert.ok(total < ungrouped.length, 'groups take fewer rows');
    // Paged by list rows (events and groups), 200 at a time; a who · where run is shown whole.
    const firstRows = rowsCovered(firstPage);
    assert.ok(firstRows >= Math.min(total, 200), `the first page covers at least 200 rows (${firstRows})`);
    const nodes = firstPage.filter((n) => n.kind !== 'more');
    assert.ok(rowsCovered(nodes.slice(0, -1)) < 200, 'and stops at the node that reaches row 200');
    assert.equal(firstPage[firstPage.length - 1].kind === 'more', firstRows < total);

    // Who · from where first, as a run's header; what kind of group, how many and when after.
    const texts = groups.map((g) => {
      const item = provider.getTreeItem(g);
      return `${itemLabel(item)} | ${String(item.description)}`;
    });
    assert.ok(texts.some((l) => /^config\.amazonaws\.com \| AWS service · \d+ events · /.test(l)), texts.join('\n'));
    assert.ok(texts.some((l) => /^alice\.dev · \d+\.\d+\.\d+\.\d+ \| console burst · \d+ events in \d+ s · /.test(l)), texts.join('\n'));
    assert.ok(texts.some((l) => /^bob\.ops · \S+ \| console burst · /.test(l)), texts.join('\n'));
    assert.equal(new Set(groups.map((g) => provider.getTreeItem(g).id)).size, groups.length, 'group ids are unique');

    let inGroups = 0;
    for (const group of groups) {
      const item = provider.getTreeItem(group);
      assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      const members = groupEvents(provider, group);
      assert.ok(members.length >= 3, 'groups of fewer than 3 events stay single events');
      assert.equal(String(item.description).includes(` · ${members.length} events`), true, String(item.description));
      inGroups += members.length;
      // No attacker event is folded away.
      for (const id of members) assert.notEqual(index.row(id).ip, '203.0.113.66');
    }
    const singles = rows.reduce((sum, r) => sum + (r.kind === 'run' ? groupEvents(provider, r).length : r.kind === 'event' ? 1 : 0), 0);
    assert.equal(singles + inGroups, ungrouped.length, 'the runs’ rows and the groups’ events add up to the ungrouped list');
    assert.deepEqual(sorted(listedEvents(provider)), sorted(ungrouped));

    // Open Event works on a group's children.
    const consoleGroup = groups.find((g) => g.group.kind === 'console-burst');
    assert.ok(consoleGroup);
    const [child] = provider.getChildren(consoleGroup);
    const childItem = provider.getTreeItem(child);
    assert.equal(childItem.command?.command, 'cloudtrail.openEvent');
    await vscode.commands.executeCommand(childItem.command.command, ...(childItem.command.arguments ?? []));
    const editor = await eventually(
      () => (vscode.window.activeTextEditor?.document.uri.scheme === 'cloudtrail-event' ? vscode.window.activeTextEditor : undefined),
      'the event editor',
    );
    assert.ok(child.kind === 'event');
    assert.ok(editor.document.getText().includes(index.row(child.eventId).eventId ?? '\u0000'), 'the child’s event opened');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Grouping follows the filter: with read-only calls hidden the sums still hold.
    await vscode.commands.executeCommand('cloudtrail.noise.hideReadOnly');
    const expected = queryIndex(index, 'NOT readOnly:true');
    assert.deepEqual(sorted(listedEvents(provider)), sorted(expected));
    await vscode.commands.executeCommand('cloudtrail.noise.showReadOnly');
    assert.equal(filter.expression, '');
  });

  it('grouping off: every row is an event; Toggle Grouping turns it back on', async () => {
    api.services.filter.clear();
    await setGrouping(false);
    const rows = allRows(provider);
    assert.equal(rows.filter((r) => r.kind === 'group').length, 0, 'no group rows');
    assert.ok(rows.every((r) => r.kind === 'run'), 'every event in a who · where run');
    assert.equal(rowsCovered(rows), api.services.investigation.index.size);
    assert.doesNotMatch(String(api.events.treeView.description), /grouped/);

    await vscode.commands.executeCommand('cloudtrail.noise.toggleGrouping');
    await eventually(() => provider.grouping, 'grouping on again');
    assert.ok(allRows(provider).some((r) => r.kind === 'group'));
  });
});
