/**
 * `ctinv mcp`: the evidence tools (src/core/tools) over the Model Context Protocol on stdio,
 * with the official SDK. The server answers `initialize` at once and loads the evidence
 * (from the cache when it can) in the background; a tool call made during the load waits
 * for it and sends progress notifications meanwhile, so a client does not time out.
 * stdout carries only the protocol; progress and problems go to stderr and to MCP log
 * messages.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { LoadOptions, LoadProgress } from '../../core/engine/api';
import { Investigation } from '../../core/engine/investigation';
import { answerText, errorAnswer, EVIDENCE_TOOLS, EvidenceTools, UNTRUSTED_NOTICE } from '../../core/tools/index';
import { printable } from '../terminal';

export interface McpServeOptions {
  paths: string[];
  load: Pick<LoadOptions, 'cacheDir' | 'workers'>;
  /** Sigma rules file or folder for `findings` ('' for none). */
  sigmaRules: string;
  version: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborts the load and closes the server (Ctrl-C). */
  signal: AbortSignal;
}

/** How often a waiting call reports the load's progress (and stderr gets a line). */
const PROGRESS_EVERY_MS = 1_000;

const SERVER_INSTRUCTIONS = [
  'Tools over CloudTrail evidence already downloaded and indexed on this machine (files given to `ctinv mcp`); none calls AWS.',
  'Start with `sources` (what is loaded, its time span), then `findings`, `timeline_summary`, `top` and `query` (the filter language of CloudTrail Investigator), `event` for one full record and `lineage` to trace an access key to its origin.',
  UNTRUSTED_NOTICE,
].join(' ');

function progressText(p: LoadProgress | undefined): string {
  if (!p) return 'looking for evidence files';
  const percent = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
  return `indexing: ${p.filesDone}/${p.filesTotal} files, ${p.events.toLocaleString('en-US')} events (${percent}%)`;
}

class EvidenceLoad {
  progress: LoadProgress | undefined;
  failure: string | undefined;
  done = false;
  readonly finished: Promise<void>;
  readonly controller = new AbortController();

  constructor(
    readonly investigation: Investigation,
    paths: string[],
    private readonly log: (level: 'info' | 'warning' | 'error', line: string) => void,
  ) {
    const started = Date.now();
    let lastLine = 0;
    this.finished = investigation
      .addSource(paths, {
        signal: this.controller.signal,
        onProgress: (p) => {
          this.progress = p;
          if (Date.now() - lastLine >= PROGRESS_EVERY_MS) {
            lastLine = Date.now();
            this.log('info', progressText(p));
          }
        },
      })
      .loaded.then((summary) => {
        for (const problem of summary.skipped) {
          this.log('warning', `skipped: ${printable(problem.path)}${problem.offset !== undefined ? ` (at byte ${problem.offset})` : ''}: ${printable(problem.reason)}`);
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        this.log('info', `loaded ${summary.events.toLocaleString('en-US')} events from ${summary.files} files${summary.fromCache ? ' (from the cache)' : ''} in ${seconds}s`);
      })
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error.message : String(error);
        this.log('error', `the evidence could not be loaded: ${this.failure}`);
      })
      .finally(() => {
        this.done = true;
      });
  }
}

/** Serves until the client closes stdin (or the signal aborts); resolves then. */
export async function serveMcp(options: McpServeOptions): Promise<void> {
  const server = new McpServer(
    { name: 'ctinv', title: 'CloudTrail Investigator', version: options.version },
    { capabilities: { logging: {} }, instructions: SERVER_INSTRUCTIONS },
  );
  // Log messages only once the client has finished the handshake (the protocol allows none before).
  let initialized = false;
  server.server.oninitialized = () => {
    initialized = true;
  };
  const log = (level: 'info' | 'warning' | 'error', line: string) => {
    options.stderr.write(`ctinv mcp: ${line}\n`);
    if (initialized && server.isConnected()) server.sendLoggingMessage({ level, logger: 'ctinv', data: line }).catch(() => undefined);
  };

  const investigation = new Investigation(options.load);
  const load = new EvidenceLoad(investigation, options.paths, log);
  const tools = new EvidenceTools({
    index: () => investigation.index,
    sources: () => investigation.summaries(),
    sigmaRules: () => options.sigmaRules,
    loading: () => !load.done,
  });

  for (const tool of EVIDENCE_TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      async (args, extra): Promise<CallToolResult> => {
        if (!load.done) await waitForLoad(load, extra);
        if (load.failure !== undefined) {
          return { content: [{ type: 'text', text: answerText(errorAnswer(tool.name, 'failed', `the evidence could not be loaded: ${load.failure}`)) }], isError: true };
        }
        const outcome = await tools.invoke(tool.name, args, extra.signal);
        return { content: [{ type: 'text', text: outcome.text }], isError: !outcome.ok };
      },
    );
  }

  const transport = new StdioServerTransport(options.stdin as NodeJS.ReadStream, options.stdout as NodeJS.WriteStream);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  const close = () => {
    load.controller.abort();
    void server.close();
  };
  // The SDK's stdio transport does not watch for the client going away: end of stdin is the end.
  options.stdin.once('end', close);
  options.stdin.once('close', close);
  if (options.signal.aborted) close();
  else options.signal.addEventListener('abort', close, { once: true });

  await server.connect(transport);
  log('info', `serving ${EVIDENCE_TOOLS.length} tools on stdio over ${options.paths.map(printable).join(', ')}`);
  await closed;
  await load.finished;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Waits for the load, sending progress notifications when the call asked for them. */
async function waitForLoad(load: EvidenceLoad, extra: Extra): Promise<void> {
  const token = extra._meta?.progressToken;
  // The protocol wants a value that grows with every notification, also while one large file
  // is parsed: bytes read so far, or one more than last time.
  let sent = -1;
  const report = () => {
    if (token === undefined) return;
    const p = load.progress;
    const progress = Math.max(p?.bytesDone ?? 0, sent + 1);
    sent = progress;
    const total = p && p.bytesTotal >= progress ? { total: p.bytesTotal } : {};
    void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, ...total, message: progressText(p) } }).catch(() => undefined);
  };
  report();
  const timer = setInterval(report, PROGRESS_EVERY_MS);
  try {
    await Promise.race([load.finished, new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }))]);
  } finally {
    clearInterval(timer);
  }
}
