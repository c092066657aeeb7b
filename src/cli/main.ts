import { isatty } from 'node:tty';
import { parseArgs, UsageError } from './args';
import { CliIo } from './command';
import { COMMANDS } from './commands/index';
import { RecordChangedError } from '../core/index/read-back';
import { printable } from './terminal';

function usage(): string {
  const lines = ['Usage: ctinv COMMAND ...', '', 'Commands:'];
  for (const command of COMMANDS) lines.push(`  ${command.usage}`, `      ${command.summary}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`ctinv: unknown command "${printable(name)}"\n\n${usage()}`);
    return 2;
  }
  const dashDash = rest.indexOf('--');
  if ((dashDash === -1 ? rest : rest.slice(0, dashDash)).some((arg) => arg === '--help' || arg === '-h')) {
    io.stdout.write(`Usage: ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  try {
    const args = parseArgs(rest, command.options);
    try {
      return await command.run(args, io);
    } catch (error) {
      if (!(error instanceof RecordChangedError)) throw error;
      // The evidence changed since it was indexed: the engine has discarded that cache. Answer
      // again from a fresh read, unless part of the old answer is already out.
      if (io.stdoutStarted) {
        throw new Error(`${error.message}. The output above may be incomplete; the index cache was discarded: run the command again`, { cause: error });
      }
      io.stderr.write(`note: ${printable(error.message)}; reading the evidence again\n`);
      return await command.run(args, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ctinv ${command.name}: ${printable(error.message)}\nUsage: ${command.usage}\n`);
      return 2;
    }
    // Messages echo file names, filter text and field values: attacker-controlled.
    io.stderr.write(`ctinv ${command.name}: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
}

/**
 * Ends the process with `code` once all it wrote is out, without the teardown a process does
 * when its event loop runs dry (freeing its heap page by page, waiting for the engine's
 * background tasks): about 10 ms of a cache reopen, for nothing. The 'exit' listeners still
 * run. Where stdout or stderr still holds writes (a pipe is asynchronous on macOS and
 * Windows), the process ends as usual once they are written.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
}

if (require.main === module) {
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  // A closed pipe (`ctinv query ... | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stderr.isTTY),
    signal: controller.signal,
    // Questions go to stderr, so stdout stays the command's result.
    // awsCredentials (and the AWS SDK's credential providers) load only when a question is asked.
    // isatty(0), not process.stdin.isTTY: making the stdin stream costs every run that never reads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    prompt: isatty(0) ? (question) => (require('./awsCredentials') as typeof import('./awsCredentials')).promptLine(question, process.stdin, process.stderr, controller.signal) : undefined,
  }).then(
    (code) => exitWhenWritten(code),
    (error) => {
      process.stderr.write(`ctinv: ${(error instanceof Error ? (error.stack ?? error.message) : String(error)).split('\n').map(printable).join('\n')}\n`);
      process.exitCode = 1;
    },
  );
}
