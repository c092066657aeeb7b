// Entry point the VS Code extension host calls (`extensionTestsPath`): runs every
// `suite/**/*.test.js` with mocha (BDD: describe/it) inside the real host.
//
// Host-agnostic: under @vscode/test-electron it prints mocha's spec output and rejects on
// failure (the desktop host then exits non-zero). Under the offline web host the window
// cannot exit, so when CTINV_TEST_EVENTS names a file, every mocha event is also appended
// to it as one JSON line; scripts/run-integration.mjs tails that file and prints it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** One line of the events file; scripts/run-integration.mjs reads it, scripts/lib/spec-printer.mjs prints it. */
export type TestEvent =
  | { readonly type: 'start'; readonly total: number; readonly vscodeVersion: string }
  | { readonly type: 'suite'; readonly title: string; readonly depth: number }
  | { readonly type: 'pass'; readonly title: string; readonly depth: number; readonly durationMs: number }
  | { readonly type: 'pending'; readonly title: string; readonly depth: number }
  | {
      readonly type: 'fail';
      readonly title: string;
      readonly fullTitle: string;
      readonly depth: number;
      readonly message: string;
      readonly stack: string;
    }
  | { readonly type: 'end'; readonly passes: number; readonly failures: number; readonly pending: number; readonly durationMs: number };

function listTestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((relative) => relative.endsWith('.test.js'))
    .map((relative) => path.join(dir, relative))
    .sort();
}

function depthOf(runnable: Mocha.Runnable | Mocha.Suite): number {
  let depth = 0;
  for (let parent = runnable.parent; parent && !parent.root; parent = parent.parent) depth++;
  return depth;
}

function describeError(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) return { message: `${error.name}: ${error.message}`, stack: error.stack ?? '' };
  return { message: String(error), stack: '' };
}

/** Writes every mocha event as a JSON line, flushed synchronously so nothing is lost if the host dies. */
function attachEventWriter(runner: Mocha.Runner, eventsFile: string, vscodeVersion: string): void {
  const write = (event: TestEvent): void => fs.appendFileSync(eventsFile, JSON.stringify(event) + '\n');
  const started = Date.now();
  runner.on(Mocha.Runner.constants.EVENT_RUN_BEGIN, () => write({ type: 'start', total: runner.total, vscodeVersion }));
  runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
    if (!suite.root) write({ type: 'suite', title: suite.title, depth: depthOf(suite) });
  });
  runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) =>
    write({ type: 'pass', title: test.title, depth: depthOf(test), durationMs: test.duration ?? 0 }),
  );
  runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test: Mocha.Test) =>
    write({ type: 'pending', title: test.title, depth: depthOf(test) }),
  );
  runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Runnable, error: unknown) =>
    write({ type: 'fail', title: test.title, fullTitle: test.fullTitle(), depth: depthOf(test), ...describeError(error) }),
  );
  runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
    const stats = runner.stats;
    write({
      type: 'end',
      passes: stats?.passes ?? 0,
      failures: stats?.failures ?? 0,
      pending: stats?.pending ?? 0,
      durationMs: Date.now() - started,
    });
  });
}

function eventsReporter(eventsFile: string): Mocha.ReporterConstructor {
  return class EventsReporter extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      attachEventWriter(runner, eventsFile, vscode.version);
    }
  };
}

export async function run(): Promise<void> {
  const eventsFile = process.env.CTINV_TEST_EVENTS;
  const mocha = new Mocha({
    ui: 'bdd',
    color: !eventsFile,
    timeout: 60_000,
    reporter: eventsFile ? eventsReporter(eventsFile) : 'spec',
    grep: process.env.CTINV_TEST_GREP || undefined,
  });
  const files = listTestFiles(path.join(__dirname, 'suite'));
  if (files.length === 0) throw new Error(`no *.test.js files under ${path.join(__dirname, 'suite')}; compile with \`tsc -p .\``);
  for (const file of files) mocha.addFile(file);

  try {
    await mocha.loadFilesAsync();
  } catch (error) {
    if (eventsFile) {
      const { message, stack } = describeError(error);
      const lines: TestEvent[] = [
        { type: 'start', total: 0, vscodeVersion: vscode.version },
        { type: 'fail', title: 'loading the test files', fullTitle: 'loading the test files', depth: 0, message, stack },
        { type: 'end', passes: 0, failures: 1, pending: 0, durationMs: 0 },
      ];
      fs.appendFileSync(eventsFile, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    }
    throw error;
  }

  const failures = await new Promise<number>((resolve) => mocha.run((count) => resolve(count)));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
