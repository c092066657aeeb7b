import { OptionSpec, ParsedArgs } from './args';

/** Where a command writes: stdout for results, stderr for problems and progress. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stderr is a terminal: only then is a live progress line shown. */
  interactive: boolean;
  signal: AbortSignal;
}

export interface CliCommand {
  name: string;
  /** One line: `ctinv NAME ARGS...` */
  usage: string;
  summary: string;
  options: OptionSpec;
  /** Returns the exit code: 0 success, 1 failure, 2 usage error (throw UsageError for those). */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
