import { parseArgs, UsageError } from './args';
import { CliIo } from './command';
import { COMMANDS } from './commands/index';
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
  try {
    return await command.run(parseArgs(rest, command.options), io);
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
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`ctinv: ${(error instanceof Error ? (error.stack ?? error.message) : String(error)).split('\n').map(printable).join('\n')}\n`);
      process.exitCode = 1;
    },
  );
}
