// Live sources end to end in the real host: the LookupEvents command, run with the bundled
// AWS SDK against the local CloudTrail server (2 requests per second per region, real
// NextToken rules), streams the pages into a live source while it fetches, the Sources tree
// shows the source, a repeat asks the server nothing (fetched windows), and a filter sends its
// most selective term to the API.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { CloudTrailServer } from '../../servers/cloudtrailServer';
import { synthEvents } from '../../servers/synth';
import { activatedApi, itemLabel, tempFolder } from './editor-helpers';

const HOUR = 3600_000;
const PROFILE = 'ctinv-it-live';
const REGIONS = ['us-east-1', 'eu-west-1'];
const LOOKUP = 'cloudtrail.live.lookupEvents';

describe('live sources: LookupEvents in the real host against the local CloudTrail server', function () {
  // The server's real budget (2 requests per second per region) paces the fetch.
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;
  let server: CloudTrailServer;
  let dir: string;
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
  // Ended an hour ago, so the whole range is past the settling minutes and recorded as fetched.
  const end = Math.floor(Date.now() / 1000) * 1000 - HOUR;
  const start = end - 10 * HOUR;
  const events = synthEvents({ count: 240, regions: REGIONS, start, end, seed: 11 });
  const args = { profile: PROFILE, regions: REGIONS, start, end };
  const lookups = (): Array<Record<string, unknown>> => server.requests.filter((r) => r.operation === 'LookupEvents').map((r) => r.body);
  const liveSources = () => api.services.investigation.summaries().filter((s) => s.label.startsWith(`LookupEvents · ${PROFILE}`));

  before(async () => {
    api = await activatedApi();
    server = new CloudTrailServer();
    server.addEvents(events);
    await server.start();
    dir = tempFolder('live-aws');
    const configFile = path.join(dir, 'config');
    const credentialsFile = path.join(dir, 'credentials');
    fs.writeFileSync(configFile, `[profile ${PROFILE}]\nregion = us-east-1\n`);
    fs.writeFileSync(credentialsFile, `[${PROFILE}]\naws_access_key_id = ${TEST_KEYS.ok}\naws_secret_access_key = ${TEST_SECRET}\n`);
    // The extension host is this process: the profile files are found the way the AWS CLI finds them.
    process.env.AWS_CONFIG_FILE = configFile;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile;
    await vscode.workspace.getConfiguration('cloudtrail').update('endpoints.cloudtrail', server.endpoint, vscode.ConfigurationTarget.Global);
    api.services.filter.clear();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('cloudtrail').update('endpoints.cloudtrail', undefined, vscode.ConfigurationTarget.Global);
    api.services.filter.clear();
    for (const summary of liveSources()) await api.services.removeSource(summary.id);
    for (const [name, value] of [
      ['AWS_CONFIG_FILE', saved.config],
      ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fetches every event of both regions into a live source that grows page by page', async () => {
    const seen: number[] = [];
    const watch = api.services.investigation.onDidChange(() => {
      const source = liveSources()[0];
      if (source) seen.push(source.events);
    });
    try {
      await vscode.commands.executeCommand(LOOKUP, args);
    } finally {
      watch.dispose();
    }
    const sources = liveSources();
    assert.equal(sources.length, 1, 'one live source for the profile');
    const source = sources[0];
    assert.equal(source.events, 240);
    // 120 events per region in pages of 50: the source was seen with part of them first.
    assert.ok(
      seen.some((n) => n > 0 && n < 240),
      `the source grew while fetching: ${seen.join(', ')}`,
    );
    assert.deepEqual(seen.filter((n, i) => i > 0 && n < seen[i - 1]), [], 'the count never went down');
    assert.equal(lookups().length, 6, 'three pages per region');
    assert.equal(server.count('LookupEvents', 'ThrottlingException'), 0, 'the shared budget kept under the server limit');
    assert.ok(api.services.investigation.index.size >= 240);

    const provider = api.sources.provider;
    const node = provider.getChildren().find((n) => n.kind === 'source' && n.sourceId === source.id);
    assert.ok(node, 'the live source is a root of the Sources view');
    const item = provider.getTreeItem(node);
    assert.equal(itemLabel(item), source.label);
    assert.match(String(item.description), /240 events/);
  });

  it('a repeat asks the server for nothing: the window is already fetched', async () => {
    const before = lookups().length;
    await vscode.commands.executeCommand(LOOKUP, args);
    assert.equal(lookups().length, before, 'no LookupEvents request');
    assert.equal(liveSources().length, 1, 'the same live source');
    assert.equal(liveSources()[0].events, 240);
  });

  it('the filter’s most selective term goes to the API, the rest stays with the index', async () => {
    api.services.filter.setExpression('eventSource:signin.amazonaws.com AND eventName:ConsoleLogin');
    const before = lookups().length;
    await vscode.commands.executeCommand(LOOKUP, args);
    const sent = lookups().slice(before);
    assert.ok(sent.length >= REGIONS.length, 'one fetch per region for the new attribute');
    for (const body of sent) assert.deepEqual(body.LookupAttributes, [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }]);
    // Started right after the first fetch spent the budget: the shared per-(account, region)
    // budget made this one wait instead of drawing throttling answers.
    assert.equal(server.count('LookupEvents', 'ThrottlingException'), 0);
  });
});
