// The evidence tools as language model tools in the real host: listed in vscode.lm.tools,
// invoked with vscode.lm.invokeTool outside any chat request (no language model is installed
// in the test host, and none is needed), real answers on the sample trail, errors as answers,
// and the same answers as the core's tools over the same investigation and as `ctinv mcp`
// (dist/cli.js, spawned from here with the MCP SDK's client) over the sample trail.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EvidenceTools } from '../../../src/core/tools/index';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { McpSession, SAMPLE_QUESTIONS, startMcp, withDeadline } from '../../unit/cli/mcp-client';
import { activatedApi, ensureSampleLoaded, sampleTrailFolder } from './editor-helpers';

type Answer = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOOL_NAMES = ['sources', 'query', 'top', 'timeline_summary', 'lineage', 'findings', 'event'];

async function invoke(name: string, input: Record<string, unknown>): Promise<string> {
  const result = await withDeadline(
    Promise.resolve(vscode.lm.invokeTool(`cloudtrail_${name}`, { input, toolInvocationToken: undefined })),
    60_000,
    `vscode.lm.invokeTool cloudtrail_${name}`,
  );
  assert.equal(result.content.length, 1, 'one part');
  const part = result.content[0];
  assert.ok(part instanceof vscode.LanguageModelTextPart, 'a text part');
  return part.value;
}

describe('language model tools (vscode.lm) over the loaded evidence', function () {
  this.timeout(120_000);
  let api: CloudTrailInvestigatorApi;

  before(async () => {
    api = await activatedApi();
    await ensureSampleLoaded(api);
  });

  it('lists the seven tools in vscode.lm.tools, with their schemas and tags', () => {
    const ours = vscode.lm.tools.filter((t) => t.name.startsWith('cloudtrail_'));
    assert.deepEqual(
      ours.map((t) => t.name).sort(),
      TOOL_NAMES.map((n) => `cloudtrail_${n}`).sort(),
    );
    for (const tool of ours) {
      assert.ok(tool.tags.includes('cloudtrail') && tool.tags.includes('read-only'), tool.name);
      assert.equal((tool.inputSchema as Answer | undefined)?.type, 'object', tool.name);
      assert.match(tool.description, /untrusted data/);
    }
  });

  it('answers invokeTool without a chat request: real answers on the sample trail', async () => {
    const top = JSON.parse(await invoke('top', { field: 'ip', filter: 'error:* AND accessKey:AKIAEXAMPLECIDEPLOY1' })) as Answer;
    assert.deepEqual(top.evidence.values, [{ value: '203.0.113.66', count: 16, first: '2026-03-04T05:03:02.000Z', last: '2026-03-04T05:04:10.000Z' }]);

    const lineage = JSON.parse(await invoke('lineage', { accessKey: 'ASIAEXAMPLEINFRAAU02' })) as Answer;
    assert.equal(lineage.complete, true);
    assert.equal(lineage.evidence.lineage.origin.label, 'IAM user ci-deployer (long-term key AKIAEXAMPLECIDEPLOY1)');

    const event = JSON.parse(await invoke('event', { eventID: '361e9a8e-a45a-4c32-997c-da808b28ac7a' })) as Answer;
    assert.equal(event.evidence.records[0].record.eventName, 'CreateUser');
    assert.equal(event.evidence.records[0].record.requestParameters.userName, 'backup-admin');

    const findings = JSON.parse(await invoke('findings', { minSeverity: 'critical' })) as Answer;
    assert.ok(
      findings.evidence.findings.some((f: Answer) => f.ruleId === 'ctinv.exfiltration.resource-made-public' && f.events[0].eventName === 'PutBucketPolicy'),
      'the public bucket policy is found',
    );

    const sources = JSON.parse(await invoke('sources', {})) as Answer;
    assert.ok(sources.sources.some((s: Answer) => s.paths[0] === sampleTrailFolder() && s.events === 345));
  });

  it('answers a bad filter with its position, bad input with the reason, and keeps answering', async () => {
    const syntax = JSON.parse(await invoke('query', { filter: 'ip:203.0.113.66 AND (' })) as Answer;
    assert.equal(syntax.error.kind, 'filter-syntax');
    assert.equal(typeof syntax.error.position, 'number');
    const types = JSON.parse(await invoke('top', { field: 'colour', limit: 'ten' })) as Answer;
    assert.equal(types.error.kind, 'invalid-input');
    assert.deepEqual(types.error.issues.map((i: Answer) => i.path).sort(), ['field', 'limit']);
    const query = JSON.parse(await invoke('query', { filter: 'eventName:StopLogging' })) as Answer;
    assert.equal(query.total, 1);
    assert.equal(query.evidence.events[0].error, 'AccessDenied');
  });

  it('answers exactly as the core\u2019s tools over the same investigation, and as ctinv mcp over the sample trail', async () => {
    const others = api.services.investigation.summaries().filter((s) => !(s.paths.length === 1 && s.paths[0] === sampleTrailFolder()));
    assert.deepEqual(others.map((s) => s.label), [], 'only the sample trail is loaded (suites remove the sources they add)');
    const investigation = api.services.investigation;
    const core = new EvidenceTools({ index: () => investigation.index, sources: () => investigation.summaries(), sigmaRules: () => '' });
    let mcp: McpSession | undefined;
    try {
      mcp = await startMcp([sampleTrailFolder(), '--no-cache']);
      for (const [name, input] of SAMPLE_QUESTIONS) {
        const editor = await invoke(name, input);
        assert.equal(editor, (await core.invoke(name, input)).text, `${name}: the editor and the core`);
        if (name === 'sources') continue; // the editor's source has its own id and label
        const served = await mcp.call(name, input);
        assert.equal(served.isError, false, served.text);
        assert.equal(editor, served.text, `${name}: the editor and ctinv mcp`);
      }
    } finally {
      await mcp?.close();
    }
  });
});
