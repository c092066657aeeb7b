import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';

/**
 * Runs `ctinv ARGV...` in-process (not interactive) and collects its exit code, stdout and
 * stderr. `signal` stands for Ctrl-C (a test's deadline uses it to end a hung run).
 */
export async function runCli(argv: string[], signal = new AbortController().signal): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(argv, { stdout, stderr, interactive: false, signal });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
