// Code lenses and hovers on JSON holding CloudTrail events, through the real host's
// vscode.executeCodeLensProvider / vscode.executeHoverProvider: a trail file, a single
// event and LookupEvents output (CloudTrailEvent as a JSON string).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PivotField } from '../../../src/core/index/fields';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { activatedApi, ensureSampleLoaded, readTrailFile, sampleTrailFiles, tempFolder } from './editor-helpers';

const INFRA_KEY = 'ASIAEXAMPLEINFRAAU02';

interface Files {
  trail: vscode.Uri;
  single: vscode.Uri;
  lookup: vscode.Uri;
  hostile: vscode.Uri;
}

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  await vscode.workspace.openTextDocument(uri);
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10_000)) ?? [];
}

function factsLens(lenses: vscode.CodeLens[], field: PivotField, value: string): vscode.CodeLens | undefined {
  return factsLenses(lenses, field, value)[0];
}

function factsLenses(lenses: vscode.CodeLens[], field: PivotField, value: string): vscode.CodeLens[] {
  return lenses.filter((l) => l.command?.command === 'cloudtrail.pivot.field' && l.command.arguments?.[0] === field && l.command.arguments?.[1] === value);
}

/** The key a lens names in its title, per field it counts (the principal sits on `arn` or `principalId`). */
const LENS_NAME: Partial<Record<PivotField, string>> = {
  accessKey: 'accessKeyId',
  principal: 'principal',
  issuer: 'sessionIssuer',
  ip: 'sourceIPAddress',
  userAgent: 'userAgent',
  eventName: 'eventName',
};

async function hoverText(uri: vscode.Uri, needle: string): Promise<string> {
  const document = await vscode.workspace.openTextDocument(uri);
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} in ${uri.path}`);
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, document.positionAt(offset + 2))) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('editor: code lenses and hovers on CloudTrail JSON', () => {
  let api: CloudTrailInvestigatorApi;
  let files: Files;
  let infraEvent: Record<string, unknown>;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    const folder = tempFolder('lenses');
    const trailFile = sampleTrailFiles().find((f) => readTrailFile(f).Records.some((r) => JSON.stringify(r).includes(INFRA_KEY)));
    assert.ok(trailFile, `a sample trail file with ${INFRA_KEY}`);
    const trail = readTrailFile(trailFile);
    infraEvent = trail.Records.find((r) => r.eventName === 'RunInstances') ?? trail.Records.find((r) => JSON.stringify(r).includes(INFRA_KEY))!;
    const lookupEvents = trail.Records.slice(0, 20).map((r) => ({
      EventId: r.eventID,
      EventName: r.eventName,
      ReadOnly: String(r.readOnly),
      AccessKeyId: (r.userIdentity as { accessKeyId?: string }).accessKeyId,
      EventTime: r.eventTime,
      EventSource: r.eventSource,
      CloudTrailEvent: JSON.stringify(r),
    }));
    const hostile = {
      ...infraEvent,
      userAgent: 'evil [click](command:workbench.action.terminal.new) **bold** <img src=x>',
    };
    files = {
      trail: vscode.Uri.file(path.join(folder, path.basename(trailFile, '.gz'))),
      single: vscode.Uri.file(path.join(folder, 'single-event.json')),
      lookup: vscode.Uri.file(path.join(folder, 'lookup-events.json')),
      hostile: vscode.Uri.file(path.join(folder, 'hostile-event.json')),
    };
    // The trail file as S3 delivers it (one line, minified), decompressed.
    fs.writeFileSync(files.trail.fsPath, JSON.stringify(trail));
    fs.writeFileSync(files.single.fsPath, JSON.stringify(infraEvent, null, 2));
    fs.writeFileSync(files.lookup.fsPath, JSON.stringify({ Events: lookupEvents }, null, 4));
    fs.writeFileSync(files.hostile.fsPath, JSON.stringify(hostile, null, 2));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('cloudtrail.lenses').update('enabled', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('cloudtrail.lenses').update('fields', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  /** Every resolved "N events" lens has exactly the engine's count for its value. */
  function assertCountsMatchEngine(lenses: vscode.CodeLens[]): number {
    const index = api.services.investigation.index;
    let checked = 0;
    for (const lens of lenses) {
      if (lens.command?.command !== 'cloudtrail.pivot.field') continue;
      const [field, value] = lens.command.arguments as [PivotField, string];
      const count = index.postings(field, value).length;
      const name = LENS_NAME[field];
      assert.ok(name, `a lens on ${field}`);
      assert.ok(
        lens.command.title.startsWith(`${name}: ${count.toLocaleString('en-US')} event`),
        `${field}=${value}: "${lens.command.title}" should name ${name} and count ${count}`,
      );
      assert.match(lens.command.title, /· Pivot$/);
      checked++;
    }
    return checked;
  }

  it('places lenses on a trail file (Records) with the engine’s counts', async () => {
    const lenses = await lensesOf(files.trail);
    assert.ok(lenses.length > 0, 'lenses on the trail file');
    assert.ok(assertCountsMatchEngine(lenses) > 5);
    const fields = new Set(lenses.filter((l) => l.command?.command === 'cloudtrail.pivot.field').map((l) => l.command!.arguments![0]));
    for (const field of ['accessKey', 'principal', 'issuer', 'ip', 'userAgent', 'eventName']) assert.ok(fields.has(field), `a ${field} lens`);
    const key = factsLens(lenses, 'accessKey', INFRA_KEY);
    assert.ok(key, `a lens on ${INFRA_KEY}`);
    assert.match(key.command!.title, /first 2026-03-04 05:\d\d:\d\dZ, last 2026-03-04 05:\d\d:\d\dZ/);
  });

  it('counts within the time range the timeline brush chose, and says so', async () => {
    const index = api.services.investigation.index;
    const ids = index.postings('accessKey', INFRA_KEY);
    const times = Array.from(ids, (id) => index.time(id)).sort((a, b) => a - b);
    assert.ok(times.length >= 4, 'enough events to cut in two');
    const range = { start: times[0], end: times[Math.floor(times.length / 2)] };
    const inRange = times.filter((t) => t >= range.start && t < range.end).length;
    api.services.filter.setTimeRange(range);
    try {
      const key = factsLens(await lensesOf(files.trail), 'accessKey', INFRA_KEY);
      assert.ok(key?.command, `a lens on ${INFRA_KEY}`);
      assert.ok(
        key.command.title.startsWith(`accessKeyId: ${inRange} event${inRange === 1 ? '' : 's'} in the selected time (${times.length} in all)`),
        `"${key.command.title}" counts ${inRange} of ${times.length}`,
      );
      assert.match(await hoverText(files.trail, INFRA_KEY), /in the selected time/);
    } finally {
      api.services.filter.setTimeRange(undefined);
    }
    const whole = factsLens(await lensesOf(files.trail), 'accessKey', INFRA_KEY);
    assert.ok(whole?.command?.title.startsWith(`accessKeyId: ${times.length} events, first`), 'the whole index again once the range is cleared');
  });

  it('shows for an ASIA key a short lineage lens (issuing call, origin), the rest in its tooltip', async () => {
    const lenses = await lensesOf(files.single);
    const issuance = lenses.find((l) => l.command?.command === 'cloudtrail.openEvent');
    assert.ok(issuance, lenses.map((l) => l.command?.title).join(' | '));
    const title = issuance.command!.title;
    assert.equal(title, 'lineage: issued by AssumeRole · origin IAM user ci-deployer');
    assert.ok(title.length <= 80, `${title.length} characters`);
    const tooltip = String(issuance.command!.tooltip);
    assert.match(tooltip, /issued to infra-sync through AssumeRole by ci-deploy-8841 at 2026-03-04 05:08:31Z/);
    assert.match(tooltip, /ASIAEXAMPLEORGADMN01/, 'the chain is in the tooltip');
    const [issuingId] = issuance.command!.arguments as [number];
    assert.equal(api.services.investigation.index.value('eventId', issuingId), '51682bbb-f580-4484-9009-412842c3d8ae');
  });

  it('keeps the lineage lens short whatever the names along the chain', async () => {
    const folder = tempFolder('long-lineage');
    const longRole = `Role${'x'.repeat(200)}`;
    const issuer = {
      ...infraEvent,
      eventID: 'long-lineage-issue',
      eventName: 'AssumeRole',
      eventSource: 'sts.amazonaws.com',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${'u'.repeat(200)}`, accountId: '111122223333', accessKeyId: 'AKIAEXAMPLELONGUSER1' },
      requestParameters: { roleArn: `arn:aws:iam::111122223333:role/${longRole}`, roleSessionName: 's'.repeat(64) },
      responseElements: {
        credentials: { accessKeyId: 'ASIAEXAMPLELONGCHAIN', expiration: 'Mar 4, 2026, 6:10:05 AM', sessionToken: 'x' },
        assumedRoleUser: { arn: `arn:aws:sts::111122223333:assumed-role/${longRole}/${'s'.repeat(64)}`, assumedRoleId: 'AROAEXAMPLE:s' },
      },
    };
    const user = {
      ...infraEvent,
      eventID: 'long-lineage-use',
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::111122223333:assumed-role/${longRole}/${'s'.repeat(64)}`,
        accountId: '111122223333',
        accessKeyId: 'ASIAEXAMPLELONGCHAIN',
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${longRole}`, accountId: '111122223333' } },
      },
    };
    fs.writeFileSync(path.join(folder, 'chain.json'), JSON.stringify({ Records: [issuer, user] }));
    const file = vscode.Uri.file(path.join(folder, 'use.json'));
    fs.writeFileSync(file.fsPath, JSON.stringify(user, null, 2));
    const summary = await api.services.addSource([path.join(folder, 'chain.json')], 'long lineage');
    assert.ok(summary);
    try {
      const lineage = (await lensesOf(file)).find((l) => l.command?.command === 'cloudtrail.openEvent');
      assert.ok(lineage?.command, 'a lineage lens on the key');
      assert.ok(lineage.command.title.startsWith('lineage: issued by AssumeRole · origin '), lineage.command.title);
      assert.ok(lineage.command.title.length <= 80, `${lineage.command.title.length} characters: ${lineage.command.title}`);
    } finally {
      await api.services.removeSource(summary.id);
    }
  });

  it('puts a lens on every record: the attacker IP keeps its lens on later records, the span only on the first three', async () => {
    const attacker = '203.0.113.66';
    const trailFile = sampleTrailFiles()
      .map((f) => ({ f, n: readTrailFile(f).Records.filter((r) => r.sourceIPAddress === attacker).length }))
      .sort((a, b) => b.n - a.n)[0];
    assert.ok(trailFile.n > 3, `a sample file with more than 3 records from ${attacker}`);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('cloudtrail.openTrailFileDecompressed', vscode.Uri.file(trailFile.f));
    assert.ok(editor, 'the decompressed trail file');
    const ipLenses = factsLenses(await lensesOf(editor.document.uri), 'ip', attacker).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(ipLenses.length, trailFile.n, 'one lens per record from the attacker IP');
    const count = api.services.investigation.index.postings('ip', attacker).length;
    ipLenses.forEach((lens, i) => {
      if (i < 3) assert.match(lens.command!.title, new RegExp(`^sourceIPAddress: ${count} events, first 2026-03-04 \\S+, last 2026-03-04 \\S+ · Pivot$`));
      else assert.equal(lens.command!.title, `sourceIPAddress: ${count} events · Pivot`);
    });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('places lenses on a single event, one per value', async () => {
    const lenses = await lensesOf(files.single);
    assert.ok(assertCountsMatchEngine(lenses) >= 5);
    const principal = (infraEvent.userIdentity as { arn: string }).arn;
    assert.ok(factsLens(lenses, 'principal', principal));
    assert.ok(factsLens(lenses, 'issuer', 'arn:aws:iam::111122223333:role/InfraAutomation'));
    assert.ok(factsLens(lenses, 'ip', '203.0.113.66'));
    assert.ok(factsLens(lenses, 'eventName', String(infraEvent.eventName)));
  });

  it('places lenses inside LookupEvents output, where CloudTrailEvent is a JSON string', async () => {
    const lenses = await lensesOf(files.lookup);
    const document = await vscode.workspace.openTextDocument(files.lookup);
    assert.ok(assertCountsMatchEngine(lenses) > 5);
    const embedded = lenses.filter((l) => document.getText(l.range).startsWith('\\"'));
    assert.ok(embedded.length > 0, 'lenses on keys inside the escaped CloudTrailEvent string');
    const embeddedFields = new Set(embedded.map((l) => l.command?.arguments?.[0]));
    assert.ok(embeddedFields.has('principal') && embeddedFields.has('issuer') && embeddedFields.has('ip'), [...embeddedFields].join(','));
  });

  it('gives the same facts in a hover, with the pivot as the only command link', async () => {
    const index = api.services.investigation.index;
    const text = await hoverText(files.single, '"sourceIPAddress"');
    const count = index.postings('ip', '203.0.113.66').length;
    assert.match(text, new RegExp(`${count} events`));
    assert.match(text, /first 2026\\?-03\\?-04/);
    assert.match(text, /\(command:cloudtrail\.pivot\.field\?/);
    const keyHover = await hoverText(files.single, '"accessKeyId"');
    assert.match(keyHover, /Issued to/);
    assert.match(keyHover, /AssumeRole/);
  });

  it('escapes attacker-controlled text in hovers', async () => {
    const text = await hoverText(files.hostile, '"userAgent"');
    assert.ok(text.length > 0);
    assert.doesNotMatch(text, /\]\(command:workbench/, 'event text never forms a command link');
    assert.doesNotMatch(text, /(^|[^\\])<img/, 'markup arrives escaped');
    assert.doesNotMatch(text, /(^|[^\\])\*\*bold/);
  });

  it('follows the settings: lenses off, and only some fields', async () => {
    const config = vscode.workspace.getConfiguration('cloudtrail.lenses');
    await config.update('fields', ['eventName'], vscode.ConfigurationTarget.Global);
    const some = await lensesOf(files.single);
    assert.ok(some.length > 0);
    assert.ok(some.every((l) => l.command?.arguments?.[0] === 'eventName'), some.map((l) => l.command?.title).join(' | '));
    await config.update('enabled', false, vscode.ConfigurationTarget.Global);
    assert.equal((await lensesOf(files.single)).length, 0);
    await config.update('enabled', undefined, vscode.ConfigurationTarget.Global);
    await config.update('fields', undefined, vscode.ConfigurationTarget.Global);
    assert.ok((await lensesOf(files.single)).length > some.length);
  });

  it('places lenses on the format fixtures (LookupEvents output, JSON lines) once they are loaded', async () => {
    const formats = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'formats');
    const lookup = path.join(formats, 'lookup-events.json');
    const lines = path.join(formats, 'events.jsonl');
    if (!fs.existsSync(lookup) || !fs.existsSync(lines)) return;
    const summary = await api.services.addSource([lookup, lines], 'format fixtures');
    assert.ok(summary && summary.events > 0);
    try {
      for (const file of [lookup, lines]) {
        const lenses = await lensesOf(vscode.Uri.file(file));
        assert.ok(assertCountsMatchEngine(lenses) > 0, `resolved lenses with counts on ${path.basename(file)}`);
      }
    } finally {
      await api.services.removeSource(summary.id);
    }
  });

  it('refreshes when the index changes: a value not loaded gets its count once its source is added', async () => {
    const folder = tempFolder('refresh');
    const event = { ...infraEvent, eventID: 'refresh-0001', sourceIPAddress: '198.51.100.250' };
    const file = vscode.Uri.file(path.join(folder, 'new-event.json'));
    fs.writeFileSync(file.fsPath, JSON.stringify(event, null, 2));
    const before = factsLens(await lensesOf(file), 'ip', '198.51.100.250');
    assert.equal(before, undefined, 'no pivot on a value that is not loaded');
    const titles = (await lensesOf(file)).map((l) => l.command?.title);
    assert.ok(titles.includes('sourceIPAddress: not in the loaded events'), titles.join(' | '));
    const refreshed = new Promise<void>((resolve) => {
      const subscription = api.lenses.onDidChangeCodeLenses(() => {
        subscription.dispose();
        resolve();
      });
    });
    const summary = await api.services.addSource([folder], 'refresh');
    assert.ok(summary);
    try {
      await refreshed;
      const after = factsLens(await lensesOf(file), 'ip', '198.51.100.250');
      assert.ok(after, 'the lens pivots once the event is loaded');
      assert.match(after.command!.title, /^sourceIPAddress: 1 event, at 2026-03-04/);
    } finally {
      await api.services.removeSource(summary.id);
    }
  });

  it('places no lenses on JSON that holds no CloudTrail events', async () => {
    const other = vscode.Uri.file(path.join(path.dirname(files.single.fsPath), 'package.json'));
    fs.writeFileSync(other.fsPath, JSON.stringify({ name: 'x', arn: 'arn:aws:iam::1:user/x', userAgent: 'y' }, null, 2));
    assert.equal((await lensesOf(other)).length, 0);
  });
});
