import type * as vscode from 'vscode';

/**
 * Disposes every item and empties the list, so a second `dispose()` of the owner is a no-op.
 * The one teardown loop for the extension's views, controllers and providers.
 */
export function disposeAll(disposables: vscode.Disposable[]): void {
  for (const d of disposables.splice(0)) d.dispose();
}
