import * as fs from 'node:fs';
import { stringOption, UsageError } from '../args';
import { CliCommand } from '../command';
import { defaultCacheDir, LOAD_FLAGS, LOAD_VALUED } from '../load';
import { printable } from '../terminal';
import { toolVersion } from './export';

export const mcpCommand: CliCommand = {
  name: 'mcp',
  usage: 'ctinv mcp PATH... [--rules DIR]',
  summary:
    'Serve the evidence tools (sources, query, top, timeline_summary, lineage, findings, event) to an agent over the Model Context Protocol on stdio; the evidence is loaded once, read-only, and nothing calls AWS.',
  options: { flags: [...LOAD_FLAGS], valued: ['rules', ...LOAD_VALUED] },
  async run(args, io) {
    if (args.positionals.length === 0) throw new UsageError('give at least one file or folder of CloudTrail evidence');
    const workersText = stringOption(args, 'workers');
    if (workersText !== undefined && !/^\d+$/.test(workersText)) throw new UsageError('--workers takes a whole number');
    const rules = stringOption(args, 'rules') ?? '';
    if (args.options.get('rules') === '' || (rules && !fs.existsSync(rules))) throw new UsageError(`--rules: no such file or folder: ${printable(rules)}`);
    const cacheDirOption = stringOption(args, 'cache-dir');
    // Loaded here: the MCP SDK and zod take about 20 ms to load, which no other command should pay.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serveMcp } = require('../mcp/server') as typeof import('../mcp/server');
    // The protocol goes straight to stdout: from here on output has started.
    io.stdoutStarted = true;
    await serveMcp({
      paths: args.positionals,
      load: {
        cacheDir: args.options.has('no-cache') ? undefined : (cacheDirOption ?? defaultCacheDir()),
        workers: workersText !== undefined ? Number(workersText) : undefined,
      },
      sigmaRules: rules,
      version: toolVersion(),
      stdin: process.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
    });
    return 0;
  },
};
