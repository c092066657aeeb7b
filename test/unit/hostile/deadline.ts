/**
 * Runs one scenario of `slow-child.ts` in a fresh Node process that is killed at a deadline, so
 * that a regression to a backtracking or recursive matcher fails the test instead of stalling CI.
 * The deadline is generous (the work takes milliseconds; the machine may be busy): it only tells
 * "finishes" from "runs for minutes".
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export const DEADLINE_MS = 20_000;

export function runScenario(name: string, deadlineMs = DEADLINE_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(__dirname, 'slow-child.js'), name],
      { timeout: deadlineMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          const killed = (error as { killed?: boolean }).killed === true || (error as { signal?: string }).signal === 'SIGKILL';
          reject(new Error(killed ? `scenario "${name}" did not finish within ${deadlineMs} ms` : `scenario "${name}" failed: ${stderr || error.message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as unknown);
        } catch {
          reject(new Error(`scenario "${name}" printed no JSON: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}
