/**
 * runDetections over the engine's index: same findings as the pure evaluation, prefilters,
 * batches, progress, cancellation, and a rule that throws (reported; the others go on).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinRules } from '../../../src/core/detect/builtin';
import { evaluateRulesOnEvents, prefilterQuery, prefilterSelection, runDetectionsReport } from '../../../src/core/detect/engine';
import { loadSigmaRules } from '../../../src/core/detect/sigma/load';
import { DetectionRule, DetectProgress, Finding } from '../../../src/core/detect/types';
import { EventIndexApi } from '../../../src/core/engine/api';
import { Investigation } from '../../../src/core/engine/investigation';
import { runCli } from '../run-cli';
import { requireDataset, SAMPLE_TRAIL, sampleTrailEvents } from './helpers';

function signature(findings: Finding[], eventId: (f: Finding) => string[]): string[] {
  return findings.map((f) => `${f.ruleId}|${f.severity}|${f.principal}|${eventId(f).join(',')}`).sort();
}

describe('intel/detect: runDetections over the index', function () {
  let index: EventIndexApi;

  before(async function () {
    index = (await Investigation.open([SAMPLE_TRAIL], { workers: 0 })).investigation.index;
  });

  it('finds the same as the pure evaluation, with built-in and Sigma rules', async function () {
    const sigmaDir = requireDataset(this, 'sigma-aws-cloudtrail');
    const rules: DetectionRule[] = [...builtinRules(), ...(await loadSigmaRules([sigmaDir])).rules];
    const progress: DetectProgress[] = [];
    const report = await runDetectionsReport(index, rules, { batchSize: 37, onProgress: (p) => progress.push(p) });
    assert.deepEqual(report.ruleErrors, []);
    const pure = evaluateRulesOnEvents(sampleTrailEvents(), rules);
    const events = sampleTrailEvents();
    assert.deepEqual(
      signature(report.findings, (f) => f.events.map((e) => e.eventID ?? '')),
      signature(pure.findings, (f) => f.eventIds.map((id) => String(events[id].eventID))),
    );
    assert.ok(report.findings.length > 20);
    // Progress: starts at 0, ends at the total, never goes back.
    assert.equal(progress[0].eventsDone, 0);
    assert.equal(progress[progress.length - 1].eventsDone, progress[progress.length - 1].eventsTotal);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].eventsDone >= progress[i - 1].eventsDone);
  });

  it('reads only the prefiltered events when every rule has a prefilter', async function () {
    const rules = builtinRules().filter((r) => r.prefilter !== undefined);
    const report = await runDetectionsReport(index, rules);
    const admitted = new Set<number>();
    for (const r of rules) for (const id of prefilterSelection(index, r.prefilter!)) admitted.add(id);
    assert.equal(report.eventsScanned, admitted.size);
    assert.ok(report.eventsScanned < index.size / 2, `${report.eventsScanned} of ${index.size}`);
    assert.ok(report.findings.some((f) => f.ruleId === 'ctinv.impact.s3-sse-c-copy'));
  });

  it('prefilters match case-insensitively against the values present in the index', function () {
    const ids = prefilterSelection(index, [{ field: 'eventName', values: ['stoplogging', 'CREATEUSER'] }]);
    assert.deepEqual(Array.from(ids, (id) => index.value('eventName', id)).sort(), ['CreateUser', 'StopLogging']);
    assert.equal(prefilterQuery([{ field: 'eventName', values: ['StopLogging', 'DeleteTrail'] }]), 'eventName:StopLogging OR eventName:DeleteTrail');
  });

  it('a rule that throws is reported and the other rules still produce their findings', async function () {
    const broken: DetectionRule = {
      id: 'test.broken',
      title: 'broken',
      severity: 'low',
      description: 'throws on the first event',
      mitre: [],
      origin: 'builtin',
      start: () => ({
        event() {
          throw new Error('boom');
        },
        finish: () => [],
      }),
    };
    const report = await runDetectionsReport(index, [broken, ...builtinRules()]);
    assert.deepEqual(report.ruleErrors, [{ ruleId: 'test.broken', message: 'boom' }]);
    assert.equal(report.findings.length, 14);
  });

  it('stops when the signal is aborted', async function () {
    const controller = new AbortController();
    const promise = runDetectionsReport(index, builtinRules(), {
      signal: controller.signal,
      batchSize: 10,
      onProgress: (p) => {
        if (p.eventsDone >= 20) controller.abort();
      },
    });
    await assert.rejects(promise, { name: 'AbortError' });
  });
});

const cli = runCli;

describe('intel/cli: ctinv detect and ctinv lineage', function () {
  it('detect --json lists findings by severity with event ids and files', async function () {
    const { code, stdout } = await cli(['detect', SAMPLE_TRAIL, '--json', '--no-cache', '--workers', '0']);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as { findings: Array<{ ruleId: string; severity: string; events: Array<{ eventID: string; file: string }> }> };
    assert.equal(out.findings.length, 14);
    assert.equal(out.findings[0].severity, 'critical');
    const stop = out.findings.find((f) => f.ruleId === 'ctinv.defense-evasion.cloudtrail-tampering')!;
    assert.equal(stop.events[0].eventID, '158ef2d5-b988-4fc7-9473-0b2aa353fb0e');
    assert.match(stop.events[0].file, /CloudTrail\/us-east-1\/2026\/03\/04\/.*\.json\.gz$/);
  });

  it('detect --rules reports unusable Sigma rules by file and still runs the others', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-cli-sigma-'));
    try {
      fs.writeFileSync(path.join(dir, 'ok.yml'), 'title: Import key pair\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection: {eventName: ImportKeyPair}\n  condition: selection\nlevel: high\n');
      fs.writeFileSync(path.join(dir, 'agg.yml'), 'title: Agg\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  selection: {eventName: X}\n  condition: selection | count() > 3\n');
      const { code, stdout, stderr } = await cli(['detect', SAMPLE_TRAIL, '--rules', dir, '--no-builtin', '--no-cache', '--workers', '0']);
      assert.equal(code, 0);
      assert.match(stderr, /rules: .*agg\.yml: unsupported: aggregation in condition/);
      assert.match(stderr, /1 Sigma rule loaded, 1 not usable/);
      assert.match(stdout, /^1 finding /);
      assert.match(stdout, /\[HIGH\] Import key pair/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detect rejects a bad --min-severity as a usage error', async function () {
    const { code, stderr } = await cli(['detect', SAMPLE_TRAIL, '--min-severity', 'severe']);
    assert.equal(code, 2);
    assert.match(stderr, /--min-severity must be one of/);
  });

  it('lineage --json: ordered hops from the key back to ci-deployer', async function () {
    const { code, stdout } = await cli(['lineage', 'ASIAEXAMPLEINFRAAU02', SAMPLE_TRAIL, '--json', '--no-cache', '--workers', '0']);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as { hops: Array<{ accessKey: string; principal: string; issuedBy: { eventName: string; eventID: string; time: string } | null }>; origin: { principal: string } };
    assert.deepEqual(
      out.hops.map((h) => [h.accessKey, h.issuedBy?.eventName ?? null, h.issuedBy?.eventID ?? null, h.issuedBy?.time ?? null]),
      [
        ['ASIAEXAMPLEINFRAAU02', 'AssumeRole', '51682bbb-f580-4484-9009-412842c3d8ae', '2026-03-04T05:08:31.000Z'],
        ['ASIAEXAMPLEORGADMN01', 'AssumeRole', 'd25235be-864a-4199-8e8e-52d782662570', '2026-03-04T05:06:02.000Z'],
        ['AKIAEXAMPLECIDEPLOY1', null, null, null],
      ],
    );
    assert.equal(out.origin.principal, 'arn:aws:iam::111122223333:user/ci-deployer');
  });

  it('lineage of an incomplete chain exits 1 and prints the LookupEvents command to fetch the hop', async function () {
    const { code, stdout } = await cli(['lineage', 'ASIAEXAMPLEMONITOR06', SAMPLE_TRAIL, '--no-cache', '--workers', '0']);
    assert.equal(code, 1);
    assert.match(stdout, /incomplete: AssumeRole was called from account 444455556666/);
    assert.match(stdout, /aws cloudtrail lookup-events --region us-east-1 --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole --start-time 2026-03-04T04:14:58.000Z/);
  });

  it('lineage refuses something that is not an access key id', async function () {
    const { code, stderr } = await cli(['lineage', '../etc/passwd', SAMPLE_TRAIL]);
    assert.equal(code, 2);
    assert.match(stderr, /does not look like an access key id/);
  });
});
