// `ctinv mcp` driven by the MCP SDK's own client over stdio (node dist/cli.js, built by
// `node esbuild.mjs` before the unit tests in `npm test`): the tools listed, each called on
// the sample trail and on a public dataset, bad calls answered while the server keeps
// serving, progress during a long load, and nothing but the protocol on stdout.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Investigation } from '../../../src/core/engine/investigation';
import { EVIDENCE_TOOLS, EvidenceTools, inputJsonSchema } from '../../../src/core/tools/index';
import { requireDataset, SAMPLE_TRAIL } from '../intel/helpers';
import { CLI, McpSession, REPO_ROOT, SAMPLE_QUESTIONS, startMcp, withDeadline } from './mcp-client';

type Answer = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any


describe('ctinv mcp over stdio (the SDK client)', function () {
  this.timeout(120_000);

  describe('on the sample trail', () => {
    let session: McpSession;
    before(async () => {
      session = await startMcp([SAMPLE_TRAIL, '--no-cache']);
    });
    after(async () => {
      await session?.close();
    });

    it('lists the seven tools, read-only, with the core\u2019s input schemas', async () => {
      const { tools } = await withDeadline(session.client.listTools(), 30_000, 'tools/list');
      assert.deepEqual(
        tools.map((t) => t.name),
        EVIDENCE_TOOLS.map((t) => t.name),
      );
      for (const tool of tools) {
        const core = EVIDENCE_TOOLS.find((t) => t.name === tool.name)!;
        assert.equal(tool.description, core.description);
        assert.equal(tool.annotations?.readOnlyHint, true);
        assert.equal(tool.annotations?.openWorldHint, false);
        const { $schema, ...schema } = tool.inputSchema as Record<string, unknown>;
        assert.match(String($schema), /draft-07/);
        assert.deepEqual(schema, inputJsonSchema(core), tool.name);
      }
      const version = session.client.getServerVersion();
      assert.equal(version?.name, 'ctinv');
      assert.match(session.client.getInstructions() ?? '', /untrusted data/);
    });

    it('answers each tool with the core\u2019s answer, byte for byte', async () => {
      const { investigation } = await Investigation.open([SAMPLE_TRAIL], { workers: 0 });
      const core = new EvidenceTools({ index: () => investigation.index, sources: () => investigation.summaries(), sigmaRules: () => '' });
      for (const [name, args] of SAMPLE_QUESTIONS) {
        const served = await session.call(name, args);
        assert.equal(served.isError, false, `${name}: ${served.text}`);
        assert.equal(served.text, (await core.invoke(name, args)).text, name);
      }
    });

    it('gives real answers: the attacker\u2019s IP, the chained key\u2019s origin, the findings', async () => {
      const top = JSON.parse((await session.call('top', { field: 'ip', filter: 'error:*' })).text) as Answer;
      assert.deepEqual(top.evidence.values[0], { value: '203.0.113.66', count: 23, first: '2026-03-04T05:03:02.000Z', last: '2026-03-04T05:31:05.000Z' });
      const lineage = JSON.parse((await session.call('lineage', { accessKey: 'ASIAEXAMPLEINFRAAU02' })).text) as Answer;
      assert.equal(lineage.complete, true);
      assert.equal(lineage.evidence.lineage.origin.label, 'IAM user ci-deployer (long-term key AKIAEXAMPLECIDEPLOY1)');
      const findings = JSON.parse((await session.call('findings', {})).text) as Answer;
      assert.equal(findings.total, 14);
      const event = JSON.parse((await session.call('event', { eventID: 'b764e1da-90aa-4a37-ab23-f87dbbfb2571' })).text) as Answer;
      assert.equal(event.evidence.records[0].record.eventName, 'GetCallerIdentity');
    });

    it('answers bad calls with a clear error and keeps serving', async () => {
      const syntax = await session.call('query', { filter: 'error:* AND (ip:203.0.113.66' });
      assert.equal(syntax.isError, true);
      const error = (JSON.parse(syntax.text) as Answer).error;
      assert.equal(error.kind, 'filter-syntax');
      assert.equal(typeof error.position, 'number');
      assert.match(error.message, /at character \d+/);

      const unknown = await session.call('delete_everything', {});
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /delete_everything.*not found/);

      const types = await session.call('query', { limit: 'ten' });
      assert.equal(types.isError, true);
      assert.match(types.text, /Invalid arguments for tool query.*limit/s);

      const key = await session.call('lineage', { accessKey: 'not a key; rm -rf /' });
      assert.equal(key.isError, true);
      assert.match(key.text, /accessKey/);

      const after = await session.call('sources', {});
      assert.equal(after.isError, false);
      assert.equal((JSON.parse(after.text) as Answer).events, 345);
    });

    it('reports on stderr what it loaded', async () => {
      await session.call('sources', {});
      assert.match(session.stderr(), /ctinv mcp: loaded 345 events from 12 files/);
    });
  });

  describe('on a public dataset (Panther: compromised root credentials), with the SigmaHQ rules', () => {
    let session: McpSession;
    before(async function () {
      const dataset = requireDataset(this, 'panther-scenario-compromised-root');
      const rules = requireDataset(this, 'sigma-aws-cloudtrail');
      session = await startMcp([dataset, '--rules', rules, '--no-cache']);
    });
    after(async () => {
      await session?.close();
    });

    it('lists the root\u2019s session, its findings (built-in and Sigma) and the backdoor user\u2019s creation', async () => {
      const sources = JSON.parse((await session.call('sources', {})).text) as Answer;
      // 16 records in the scenario file and 11 in the enrichment example, all with eventID "1":
      // records that share an eventID but differ are all kept (issue 12 §3).
      assert.equal(sources.events, 27);
      assert.equal(sources.problems, 4, 'the upstream YAML files are reported, not indexed');
      assert.ok(sources.evidence.problems.every((p: Answer) => /\.yml$/.test(p.path)));

      const root = JSON.parse((await session.call('timeline_summary', { by: 'principal', filter: 'principalType:Root' })).text) as Answer;
      assert.equal(root.evidence.rows[0].value, 'arn:aws:iam::493859302102:root');
      assert.ok(root.evidence.rows[0].sourceIPs.top.some((ip: Answer) => ip.value === '92.55.146.245'));

      const findings = JSON.parse((await session.call('findings', { limit: 50 })).text) as Answer;
      assert.ok(findings.rules.sigma > 0, 'Sigma rules were loaded from --rules');
      assert.equal(findings.evidence.findings[0].ruleId, 'ctinv.initial-access.root-activity');
      assert.ok(findings.evidence.findings.some((f: Answer) => f.origin === 'sigma'), 'a Sigma rule matched');

      const created = JSON.parse((await session.call('query', { filter: 'eventName:CreateUser OR eventName:CreateAccessKey', order: 'oldest' })).text) as Answer;
      assert.ok(created.evidence.events.some((e: Answer) => e.eventName === 'CreateUser'));
      assert.equal(created.total, created.evidence.events.length);
      assert.ok(created.evidence.events.every((e: Answer) => e.principalType === 'Root'));
    });
  });

  describe('a long load', () => {
    let folder: string;
    before(async () => {
      // 72,000 events in 12 files (about 32 MB): a load of a few seconds on one worker.
      folder = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-mcp-load-'));
      for (let f = 0; f < 12; f++) {
        const records = Array.from({ length: 6000 }, (_, i) => {
          const n = f * 6000 + i;
          return {
            eventVersion: '1.09',
            eventTime: new Date(Date.UTC(2026, 2, 4) + n * 1000).toISOString(),
            eventSource: 'ec2.amazonaws.com',
            eventName: n % 7 === 0 ? 'RunInstances' : 'DescribeInstances',
            awsRegion: 'us-east-1',
            sourceIPAddress: `198.51.100.${n % 200}`,
            userAgent: 'aws-cli/2.15.0',
            userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/u${n % 50}`, accountId: '111122223333', accessKeyId: `AKIAEXAMPLEUSER${String(n % 50).padStart(5, '0')}` },
            eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
            readOnly: n % 7 !== 0,
            recipientAccountId: '111122223333',
          };
        });
        await fs.writeFile(path.join(folder, `trail-${f}.json`), JSON.stringify({ Records: records }));
      }
    });
    after(async () => {
      await fs.rm(folder, { recursive: true, force: true });
    });

    it('answers the handshake at once, and a call made during the load gets progress, then the answer', async () => {
      const session = await startMcp([folder, '--no-cache', '--workers', '1']);
      try {
        const progress: { progress: number; total?: number; message?: string }[] = [];
        const answer = await session.call('top', { field: 'eventName' }, { onprogress: (p) => progress.push(p), timeoutMs: 90_000 });
        assert.equal(answer.isError, false, answer.text);
        const top = JSON.parse(answer.text) as Answer;
        assert.equal(top.matching, 72_000);
        assert.deepEqual(top.evidence.values.map((v: Answer) => [v.value, v.count]), [
          ['DescribeInstances', 61_714],
          ['RunInstances', 10_286],
        ]);
        assert.ok(progress.length >= 1, 'progress was reported while loading');
        assert.match(progress[0].message ?? '', /indexing|looking for evidence/);
        for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress, 'progress grows with every notification');
        assert.match(session.stderr(), /ctinv mcp: loaded 72,000 events from 12 files/);
      } finally {
        await session.close();
      }
    });
  });

  it('writes nothing but JSON-RPC messages on stdout', async () => {
    const child = spawn(process.execPath, [CLI, 'mcp', SAMPLE_TRAIL, '--no-cache'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const send = (message: unknown) => child.stdin.write(JSON.stringify(message) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'query', arguments: { filter: 'error:*', limit: 3 } } });
    await withDeadline(
      (async () => {
        while (!stdout.split('\n').some((line) => line.includes('"id":2'))) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      30_000,
      'the answer to a raw tools/call',
    );
    child.stdin.end();
    assert.equal(await withDeadline(exited, 10_000, 'ctinv mcp exiting when stdin closes'), 0);
    const lines = stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 2);
    for (const line of lines) assert.equal((JSON.parse(line) as Answer).jsonrpc, '2.0', line);
  });

  it('refuses to start without evidence, or with a rules folder that does not exist (exit 2, on stderr)', async () => {
    for (const args of [['mcp'], ['mcp', SAMPLE_TRAIL, '--rules', path.join(os.tmpdir(), 'no-such-rules-folder')]]) {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const code = await withDeadline(new Promise<number | null>((resolve) => child.once('exit', resolve)), 30_000, `ctinv ${args.join(' ')}`);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, /ctinv mcp: .*(evidence|no such file or folder)/);
      assert.match(stderr, /Usage: ctinv mcp PATH/);
    }
  });
});
