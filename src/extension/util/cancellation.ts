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
