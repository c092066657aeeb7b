import { OptionSpec, ParsedArgs } from './args';

/** Where a command writes: stdout for results, stderr for problems and progress. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stderr is a terminal: only then is a live progress line shown. */
  interactive: boolean;
  signal: AbortSignal;
  /** Asks the user one question on the terminal (an MFA code); absent when there is no terminal. */
  prompt?: (question: string) => Promise<string | undefined>;
  /**
   * Set once a command has written to stdout (`writeOut` sets it): after that, an answer
   * cannot be taken back and given again.
   */
  stdoutStarted?: boolean;
}

/** Writes a command's result to stdout and records that output has started. */
export function writeOut(io: CliIo, text: string): void {
  io.stdoutStarted = true;
  io.stdout.write(text);
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
