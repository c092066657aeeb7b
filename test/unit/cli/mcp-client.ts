/**
 * Starts `node dist/cli.js mcp ...` and connects the MCP SDK's own client to it over stdio.
 * Shared by the unit tests (test/unit/cli/mcp.test.ts) and the in-host comparison
 * (test/integration/suite/tools.test.ts). Not a test file itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Repository root, from out/test/unit/cli. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** One question per tool, with answers known from the sample trail's story. */
export const SAMPLE_QUESTIONS: [string, Record<string, unknown>][] = [
  ['sources', {}],
  ['query', { filter: 'ip:203.0.113.66 AND error:*', limit: 5 }],
  ['top', { field: 'ip', filter: 'error:*' }],
  ['timeline_summary', { by: 'accessKey', filter: 'ip:203.0.113.66', start: '2026-03-04T05:00Z', end: '2026-03-04T05:30Z' }],
  ['lineage', { accessKey: 'ASIAEXAMPLEINFRAAU02' }],
  ['findings', { minSeverity: 'high' }],
  ['event', { eventID: '51682bbb-f580-4484-9009-412842c3d8ae' }],
];

export interface McpSession {
  client: Client;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  /** One call; the text of its one content part and whether it is an error. */
  call(name: string, args: Record<string, unknown>, options?: { timeoutMs?: number; onprogress?: (p: { progress: number; total?: number; message?: string }) => void }): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

/** Rejects after `ms` with a message naming what was awaited: nothing here may hang a test. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export async function startMcp(args: string[], options: { node?: string; timeoutMs?: number } = {}): Promise<McpSession> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (node esbuild.mjs)`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transport = new StdioClientTransport({
    command: options.node ?? process.execPath,
    args: [CLI, 'mcp', ...args],
    cwd: REPO_ROOT,
    // Inside an Electron extension host, process.execPath is Electron: run it as Node.
    env: { ...(process.env as Record<string, string>), ELECTRON_RUN_AS_NODE: '1' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'ctinv-test', version: '1.0.0' });
  try {
    await withDeadline(client.connect(transport, { timeout: timeoutMs }), timeoutMs, 'connecting to ctinv mcp');
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nstderr: ${stderr}`, { cause: error });
  }
  return {
    client,
    stderr: () => stderr,
    async call(name, callArgs, callOptions = {}) {
      const ms = callOptions.timeoutMs ?? timeoutMs;
      const result = (await withDeadline(
        client.callTool({ name, arguments: callArgs }, undefined, { timeout: ms, onprogress: callOptions.onprogress, resetTimeoutOnProgress: true }),
        ms + 1_000,
        `tools/call ${name}`,
      )) as CallToolResult;
      const part = result.content[0];
      if (result.content.length !== 1 || part.type !== 'text') throw new Error(`expected one text part, got ${JSON.stringify(result.content)}`);
      return { text: part.text, isError: result.isError === true };
    },
    close: () => withDeadline(client.close(), 10_000, 'closing ctinv mcp'),
  };
}
