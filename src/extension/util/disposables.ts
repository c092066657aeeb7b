import type * as vscode from 'vscode';

/**
 * Disposes every item and empties the list, so a second `dispose()` of the owner is a no-op.
 * The one teardown loop for the extension's views, controllers and providers.
 */
export function disposeAll(disposables: vscode.Disposable[]): void {
  for (const d of disposables.splice(0)) d.dispose();
}

/**
 * The base of every view, controller and provider that owns registrations: push them onto
 * `disposables`, and `dispose()` releases them once (vscode-pull-request-github's
 * `src/common/lifecycle.ts`). A subclass with more to release overrides `dispose()` and calls
 * `super.dispose()`.
 */
export abstract class Disposable implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];

  dispose(): void {
    disposeAll(this.disposables);
  }
}
