/**
 * Live sources in the editor: LookupEvents across regions, trail buckets in S3, Athena and
 * CloudTrail Lake. The composition root calls `registerLiveSources` once and owns the
 * Disposables it returns. The features (and the AWS SDK) load on the first live command.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../util/cancellation';
import type { LiveFeatures, LiveServices } from './features';
import type { LivePrompts } from './prompts';
import { LiveCommands } from '../commandIds';

export { inputBoxPrompts, type LivePrompts } from './prompts';

export function registerLiveSources(services: LiveServices, prompts: LivePrompts): vscode.Disposable[] {
  let features: Promise<LiveFeatures> | undefined;
  let disposed = false;
  const load = (): Promise<LiveFeatures> => {
    // A deferred require: esbuild keeps the module in the bundle but evaluates it (and the
    // AWS SDK) only here, on the first live command.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    features ??= Promise.resolve().then(() => (require('./features') as typeof import('./features')).createLiveFeatures(services, prompts));
    return features;
  };
  const commands = Object.values(LiveCommands).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        const loaded = await load();
        if (disposed) return;
        await loaded.handlers[id]?.(...args);
      } catch (error) {
        services.log.error(`${id} failed: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
      }
    }),
  );
  return [
    ...commands,
    {
      dispose: () => {
        disposed = true;
        void features?.then((f) => f.dispose());
      },
    },
  ];
}
