import * as vscode from 'vscode';

/** The one adapter from VS Code's CancellationToken to the engine's AbortSignal. */
export function abortSignalFor(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const subscription = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => subscription.dispose() };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A command handler that logs and shows what failed instead of rejecting, so a failing command
 * says which one failed; it resolves with undefined then.
 */
export function guarded<T>(log: vscode.LogOutputChannel, what: string, action: (arg?: unknown) => Promise<T>): (arg?: unknown) => Promise<T | undefined> {
  return async (arg?: unknown) => {
    try {
      return await action(arg);
    } catch (error) {
      log.error(`${what} failed: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`CloudTrail: ${what} failed: ${errorMessage(error)}`);
      return undefined;
    }
  };
}
