// The intel and evidence features in the real host: Findings view vs the core's detections,
// Sigma problems shown, lineage of the sample trail's keys, integrity of the sample trail,
// evidence export with matching manifest hashes, and the incident report.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinRules } from '../../../src/core/detect/builtin';
import { runDetectionsReport } from '../../../src/core/detect/engine';
import type { ExportResult } from '../../../src/core/export/export';
import type { Lineage } from '../../../src/core/lineage/lineage';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { keyFilesNear, type IntegrityOutcome } from '../../../src/extension/evidence/integrity';
import type { IncidentReportOutcome } from '../../../src/extension/evidence/incidentReport';
import type { DetectionRun } from '../../../src/extension/intel/findingsStore';
import type { FindingsNode } from '../../../src/extension/intel/findingsView';
import type { IntelligenceFeature } from '../../../src/extension/intel/index';
import type { LineageNode } from '../../../src/extension/intel/lineageView';
import { activatedApi, ensureSampleLoaded, itemLabel, sampleTrailFolder, tempFolder } from './editor-helpers';

/** Every file under a folder with its size and mtime: evidence must come out of the suite unchanged. */
function snapshot(folder: string): string {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((f) => {
      const stat = fs.statSync(path.join(folder, f));
      return `${f} ${stat.size} ${stat.mtimeMs}`;
    })
    .join('\n');
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('intel: findings, lineage, integrity, export and report', function () {
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;
  let intel: IntelligenceFeature;
  let evidenceBefore: string;
  const temps: string[] = [];
  let filterBefore = '';

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
    intel = api.intel;
    evidenceBefore = snapshot(sampleTrailFolder());
    filterBefore = api.services.filter.expression;
    api.services.filter.setExpression('');
  });

  after(() => {
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
    if (api) api.services.filter.setExpression(filterBefore);
  });

  it('Run Detections fills the Findings view by severity with the core\u2019s findings and event counts', async () => {
    const run = await vscode.commands.executeCommand<DetectionRun | undefined>('cloudtrail.intel.runDetections', { sigmaRulesFolder: '', includeBuiltin: true });
    assert.ok(run, 'the command returned the run');
    const index = api.services.investigation.index;
    const expected = await runDetectionsReport(index, builtinRules());

    const provider = intel.findingsView.provider;
    const roots = provider.getChildren();
    const severities = roots.filter((n): n is Extract<FindingsNode, { kind: 'severity' }> => n.kind === 'severity').map((n) => n.severity);
    assert.deepEqual(severities, [...new Set(expected.findings.map((f) => f.severity))], 'severity groups in order');
    const seen = new Map<string, number>();
    for (const root of roots) {
      if (root.kind !== 'severity') continue;
      assert.match(itemLabel(provider.getTreeItem(root)), /^(Critical|High|Medium|Low|Info)$/);
      for (const node of provider.getChildren(root)) {
        assert.equal(node.kind, 'finding');
        if (node.kind !== 'finding') continue;
        const events = provider.getChildren(node);
        assert.ok(events.every((e) => e.kind === 'event'));
        // Every event item opens its event.
        const item = provider.getTreeItem(events[0]);
        assert.equal(item.command?.command, 'cloudtrail.openEvent');
        seen.set(`${node.finding.ruleId}|${node.finding.principal}|${node.finding.first}`, events.length);
      }
    }
    const wanted = new Map(expected.findings.map((f) => [`${f.ruleId}|${f.principal}|${f.first}`, f.events.length]));
    assert.deepEqual([...seen].sort(), [...wanted].sort(), 'the view shows exactly the core findings with the same event counts');

    const rules = new Set(expected.findings.map((f) => f.ruleId));
    for (const id of ['ctinv.defense-evasion.cloudtrail-tampering', 'ctinv.persistence.iam-user-created', 'ctinv.initial-access.root-activity', 'ctinv.persistence.access-key-for-other-user']) {
      assert.ok(rules.has(id), `the sample trail triggers ${id}`);
    }
    const createUser = expected.findings.filter((f) => f.ruleId === 'ctinv.persistence.iam-user-created');
    assert.equal(createUser.reduce((n, f) => n + f.events.length, 0), 1, 'CreateUser delivered twice counts once');
    const stopLogging = expected.findings.find((f) => f.ruleId === 'ctinv.defense-evasion.cloudtrail-tampering');
    assert.ok(stopLogging?.events.some((e) => e.eventName === 'StopLogging'));

    // The timeline's view of the findings.
    const ids = api.intel.findings.eventIds();
    const union = new Set(expected.findings.flatMap((f) => f.eventIds));
    assert.equal(ids?.length, union.size);
    assert.equal(intel.findingsView.treeView.badge?.value, expected.findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length || undefined);
  });

  it('Sigma rules that cannot be used appear as warning items, and usable ones run', async () => {
    const rulesDir = tempFolder('sigma');
    temps.push(rulesDir);
    fs.writeFileSync(path.join(rulesDir, 'stop-logging.yml'), 'title: Stop logging seen\nid: 5b1b2a52-0000-4000-8000-000000000001\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection: {eventName: StopLogging}\n  condition: selection\nlevel: high\n');
    fs.writeFileSync(path.join(rulesDir, 'aggregation.yml'), 'title: Many secrets\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection: {eventName: GetSecretValue}\n  condition: selection | count() by userIdentity.arn > 10\n');
    fs.writeFileSync(path.join(rulesDir, 'broken.yml'), 'title: [unclosed\n');
    const run = await vscode.commands.executeCommand<DetectionRun | undefined>('cloudtrail.intel.runDetections', { sigmaRulesFolder: rulesDir, includeBuiltin: false });
    assert.ok(run);
    assert.equal(run.sigmaRules, 1);
    assert.equal(run.findings.length, 1);
    assert.equal(run.findings[0].ruleId, 'sigma:5b1b2a52-0000-4000-8000-000000000001');
    assert.equal(run.findings[0].events[0].eventName, 'StopLogging');

    const provider = intel.findingsView.provider;
    const problems = provider.getChildren().find((n) => n.kind === 'problems');
    assert.ok(problems, 'a "Rules not used" group');
    const items = provider.getChildren(problems).map((n) => provider.getTreeItem(n));
    const described = items.map((i) => `${itemLabel(i)} ${String(i.description)}`);
    assert.ok(described.some((d) => /aggregation\.yml/.test(d) && /^.*unsupported: .*aggregation/.test(d)), described.join('\n'));
    assert.ok(described.some((d) => /broken\.yml/.test(d) && /invalid/.test(d)), described.join('\n'));

    // Back to the built-in rules for the tests that follow.
    await vscode.commands.executeCommand('cloudtrail.intel.runDetections', { sigmaRulesFolder: '', includeBuiltin: true });
  });

  it('Trace Lineage of the second ASIA key reaches the IAM user ci-deployer', async () => {
    const lineage = await vscode.commands.executeCommand<Lineage | undefined>('cloudtrail.intel.traceLineage', 'ASIAEXAMPLEINFRAAU02');
    assert.ok(lineage);
    assert.equal(lineage.complete, true);
    const provider = intel.lineageView.provider;
    const roots = provider.getChildren();
    const hops = roots.filter((n): n is Extract<LineageNode, { kind: 'hop' }> => n.kind === 'hop');
    assert.deepEqual(
      hops.map((h) => h.hop.accessKey),
      ['ASIAEXAMPLEINFRAAU02', 'ASIAEXAMPLEORGADMN01', 'AKIAEXAMPLECIDEPLOY1'],
    );
    const first = provider.getTreeItem(hops[0]);
    assert.match(itemLabel(first), /^1\. ASIAEXAMPLEINFRAAU02$/);
    assert.match(String(first.description), /^infra-sync · AssumeRole 2026-03-04 05:08:31Z$/);
    const issued = provider.getChildren(hops[0]).map((n) => provider.getTreeItem(n)).find((i) => itemLabel(i).startsWith('Issued by AssumeRole'));
    assert.ok(issued?.command, 'the issuing event can be opened');
    assert.equal(issued.command.command, 'cloudtrail.openEvent');
    const origin = roots.find((n) => n.kind === 'origin');
    assert.ok(origin);
    assert.match(itemLabel(provider.getTreeItem(origin)), /^Origin: IAM user ci-deployer/);
    assert.match(String(intel.lineageView.treeView.description), /ASIAEXAMPLEINFRAAU02 · complete/);
  });

  it('lens and hover on an ASIA key carry its lineage back to the origin', async () => {
    const file = path.join(tempFolder('lineage-lens'), 'event.json');
    temps.push(path.dirname(file));
    const event = { eventVersion: '1.08', eventTime: '2026-03-04T05:10:00Z', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', awsRegion: 'us-east-1',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync', accountId: '111122223333', accessKeyId: 'ASIAEXAMPLEINFRAAU02' } };
    fs.writeFileSync(file, JSON.stringify(event, null, 2));
    const uri = vscode.Uri.file(file);
    const document = await vscode.workspace.openTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    const issuance = lenses.find((l) => l.command?.command === 'cloudtrail.openEvent');
    assert.ok(issuance?.command, lenses.map((l) => l.command?.title).join(' | '));
    assert.equal(issuance.command.title, 'lineage: issued by AssumeRole · origin IAM user ci-deployer');
    assert.match(String(issuance.command.tooltip), /through AssumeRole by ci-deploy-8841 at 2026-03-04 /);
    assert.match(String(issuance.command.tooltip), /Lineage: ASIAEXAMPLEINFRAAU02 ← AssumeRole .* ASIAEXAMPLEORGADMN01 ← AssumeRole .* ⇐ IAM user ci-deployer/);
    const position = document.positionAt(document.getText().indexOf('"accessKeyId"') + 2);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Lineage: ASIAEXAMPLEINFRAAU02/);
    assert.match(text, /IAM user ci\\?-deployer/);
  });

  it('a missing hop says what to load and copies the filter (from an Explorer item)', async () => {
    const lineage = await vscode.commands.executeCommand<Lineage | undefined>('cloudtrail.intel.traceLineage', { field: 'accessKey', value: 'ASIAEXAMPLEMONITOR06' });
    assert.ok(lineage?.missing, 'the cross-account hop is not loaded');
    const provider = intel.lineageView.provider;
    const missing = provider.getChildren().find((n) => n.kind === 'missing');
    assert.ok(missing);
    const details = provider.getChildren(missing).map((n) => provider.getTreeItem(n));
    const labels = details.map(itemLabel);
    assert.ok(labels.some((l) => l === 'Account: 444455556666'), labels.join('\n'));
    assert.ok(labels.some((l) => l.startsWith('Event names: AssumeRole')), labels.join('\n'));
    const copy = details.find((d) => d.command?.command === 'cloudtrail.intel.copyMissingHopFilter');
    assert.ok(copy?.command);
    const text = await vscode.commands.executeCommand<string>(copy.command.command, ...(copy.command.arguments ?? []));
    assert.match(text, /LookupEvents .*AttributeKey=EventName,AttributeValue=AssumeRole/);
    assert.match(text, /Filter: eventName:AssumeRole AND time>=2026-03-04T04:14:58/);
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  it('Validate Log File Integrity finds the sample trail all valid and leaves it untouched', async () => {
    const folder = sampleTrailFolder();
    const publicKeyFile = path.join(folder, '..', 'sample-trail-public-key.pem');
    const outcome = await vscode.commands.executeCommand<IntegrityOutcome | undefined>('cloudtrail.evidence.validateIntegrity', { folder, publicKeyFile });
    assert.ok(outcome);
    assert.equal(outcome.result.ok, true, outcome.report);
    assert.equal(outcome.result.counts.logs.valid, 12);
    assert.equal(outcome.result.counts.digests.valid, 6);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === outcome.reportUri.toString());
    assert.ok(document, 'the report is open');
    assert.equal(document.languageId, 'markdown');
    assert.match(document.getText(), /^# Log file integrity: all valid/);
    assert.match(document.getText(), /\| Log files \| 12 \| 0 \| 0 \| 0 \| 0 \|/);
    assert.match(document.getText(), /- Window checked: 2026\\-03\\-04T04\\:50\\:59Z → 2026\\-03\\-04T06\\:00\\:00Z \(the span the evidence covers/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // A window, as validate-logs --start-time takes it: the earlier hour is left out, and the report says so.
    const windowed = await vscode.commands.executeCommand<IntegrityOutcome | undefined>('cloudtrail.evidence.validateIntegrity', {
      folder,
      publicKeyFile,
      noReport: true,
      startTime: '2026-03-04T05:30:00Z',
    });
    assert.ok(windowed);
    assert.equal(windowed.result.ok, true, windowed.report);
    assert.deepEqual(windowed.result.window, { start: '2026-03-04T05:30:00Z', end: '2026-03-04T06:00:00Z', given: { start: true, end: false } });
    assert.equal(windowed.result.counts.digests.valid, 3);
    assert.match(windowed.report, /## Not checked \(4\)\n\n- 3 digests and 3 log files outside the window were not checked/);
    const badWindow = await vscode.commands.executeCommand<IntegrityOutcome | undefined>('cloudtrail.evidence.validateIntegrity', {
      folder,
      publicKeyFile,
      noReport: true,
      startTime: 'yesterday',
    });
    assert.equal(badWindow, undefined, 'a start time that is not ISO 8601 is refused');

    // Without the key: nothing is proven, and the report says why for each file.
    const unverified = await vscode.commands.executeCommand<IntegrityOutcome | undefined>('cloudtrail.evidence.validateIntegrity', { folder, noReport: true });
    assert.ok(unverified);
    assert.equal(unverified.result.ok, false);
    assert.equal(unverified.result.counts.logs['not-verifiable'], 12);
    assert.match(unverified.report, /## Log files not valid \(12\)/);
    // The report names the missing key and how to supply it; the key beside the folder is offered.
    assert.match(unverified.report, /## Public key needed\n\n6 digests could not be checked: no public key with fingerprint `d0875b7f571486b4515f20e609cdd10f` \(no key file was given\)\. .*choose the public key file/);
    assert.deepEqual(await keyFilesNear(folder), [path.resolve(publicKeyFile)]);
    assert.equal(snapshot(folder), evidenceBefore, 'the evidence folder is unchanged');
  });

  it('Export Evidence writes the current filter with a manifest whose hashes match, never overwriting', async () => {
    api.services.filter.setExpression('principal:"arn:aws:sts::111122223333:assumed-role/InfraAutomation/infra-sync"');
    const expected = api.services.filter.selection().length;
    assert.ok(expected > 0);
    const outDir = tempFolder('export');
    temps.push(outDir);
    const result = await vscode.commands.executeCommand<ExportResult | undefined>('cloudtrail.evidence.export', { outDir, quiet: true });
    assert.ok(result);
    assert.equal(result.eventsWritten, expected);
    const manifest = JSON.parse(fs.readFileSync(result.manifestPath, 'utf8')) as { files: Array<{ name: string; sha256: string; size: number }>; _provenance: { filter: string } };
    assert.match(manifest._provenance.filter, /infra-sync/);
    assert.deepEqual(manifest.files.map((f) => f.name).sort(), ['events.csv', 'events.jsonl', 'provenance.json']);
    for (const f of manifest.files) assert.equal(sha256(path.join(result.folder, f.name)), f.sha256, `${f.name} hash`);
    for (const line of fs.readFileSync(result.checksumPath, 'utf8').trim().split('\n')) {
      const [hash, name] = line.split(/ {2}/);
      assert.equal(sha256(path.join(result.folder, name)), hash, `${name} in MANIFEST.sha256`);
    }
    const lines = fs.readFileSync(path.join(result.folder, 'events.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, expected + 1, 'provenance line + one line per event');

    const again = await vscode.commands.executeCommand<ExportResult | undefined>('cloudtrail.evidence.export', { outDir, quiet: true });
    assert.ok(again);
    assert.notEqual(again.folder, result.folder, 'a second export goes to a new folder');
    assert.equal(sha256(path.join(result.folder, 'events.jsonl')), manifest.files.find((f) => f.name === 'events.jsonl')?.sha256, 'the first export is untouched');

    const refused = await vscode.commands.executeCommand<ExportResult | undefined>('cloudtrail.evidence.export', { outDir: sampleTrailFolder(), quiet: true });
    assert.equal(refused, undefined, 'exporting into the evidence is refused');
    // The same through a symbolic link to the evidence, also to a folder below it not created yet.
    const linkParent = tempFolder('export-link');
    temps.push(linkParent);
    const link = path.join(linkParent, 'sneaky');
    fs.symlinkSync(sampleTrailFolder(), link);
    for (const target of [link, path.join(link, 'new', 'deeper')]) {
      const throughLink = await vscode.commands.executeCommand<ExportResult | undefined>('cloudtrail.evidence.export', { outDir: target, quiet: true });
      assert.equal(throughLink, undefined, `exporting into the evidence through a link (${target}) is refused`);
    }
    assert.equal(snapshot(sampleTrailFolder()), evidenceBefore, 'the evidence folder is unchanged');
    api.services.filter.setExpression('');
  });

  it('Export Evidence on a Findings item exports that finding\u2019s events, whatever the filter', async () => {
    const run = api.intel.findings.current ?? (await vscode.commands.executeCommand<DetectionRun | undefined>('cloudtrail.intel.runDetections'));
    const finding = run?.findings.find((f) => f.ruleId === 'ctinv.credential-access.secrets-burst');
    assert.ok(finding, 'the secrets burst finding');
    api.services.filter.setExpression('eventName:ConsoleLogin');
    const outDir = tempFolder('export-finding');
    temps.push(outDir);
    const result = await vscode.commands.executeCommand<ExportResult | undefined>('cloudtrail.evidence.export', { kind: 'finding', finding, outDir, quiet: true });
    api.services.filter.setExpression('');
    assert.ok(result);
    assert.equal(result.eventsWritten, new Set(finding.eventIds).size);
    const lines = fs.readFileSync(path.join(result.folder, 'events.jsonl'), 'utf8').trim().split('\n');
    const header = JSON.parse(lines[0]) as { _provenance: { filter: string } };
    assert.match(header._provenance.filter, /^events of finding ctinv\.credential-access\.secrets-burst .*\(filter at the time: eventName:ConsoleLogin\)$/);
    const names = lines.slice(1).map((l) => (JSON.parse(l) as { eventName: string }).eventName);
    assert.ok(names.every((n) => n === 'GetSecretValue'), names.join(','));
  });

  it('the Incident Report has the findings, the lineage of the principals and the events in order', async () => {
    const run = api.intel.findings.current;
    assert.ok(run && run.findings.length > 0);
    const outcome = await vscode.commands.executeCommand<IncidentReportOutcome | undefined>('cloudtrail.evidence.incidentReport');
    assert.ok(outcome?.document, 'the report opened in an editor');
    assert.equal(outcome.document.languageId, 'markdown');
    assert.equal(outcome.document.isUntitled, true);
    const text = outcome.document.getText();
    assert.equal(text, outcome.text);
    assert.match(text, /^# CloudTrail incident report/);
    for (const f of run.findings) assert.ok(text.includes(`\`${f.ruleId}\``), `report names ${f.ruleId}`);
    assert.match(text, /## Lineage of the principals involved/);
    assert.match(text, /\*\*Origin:\*\* IAM user ci\\-deployer/);
    assert.match(text, /ASIAEXAMPLEINFRAAU02/);
    const eventsSection = text.slice(text.indexOf('## Events in order'));
    const times = [...eventsSection.matchAll(/^\| (2026\\-03\\-04T[^ ]+) \|/gm)].map((m) => m[1]);
    assert.ok(times.length > 10, 'events are listed');
    assert.deepEqual([...times].sort(), times, 'in time order');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
