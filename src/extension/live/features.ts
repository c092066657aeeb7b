/**
 * The live-source features, built on the first live command: this module pulls in the AWS
 * SDK, which activation should not pay for.
 */
import type * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import type { LiveHandlers } from './liveCommands';
import { LiveSettings } from './liveSettings';
import type { LivePrompts } from './prompts';
import { lookupEventsHandlers } from './lookupEvents';
import { sqlQueryHandlers } from './sqlQueries';
import { trailBucketHandlers } from './trailBucket';

export interface LiveFeatures extends vscode.Disposable {
  readonly handlers: LiveHandlers;
}

/** What the live sources read of the services. */
export type LiveServices = Pick<ExtensionServices, 'context' | 'filter' | 'investigation' | 'log' | 'addSource'>;

export function createLiveFeatures(services: LiveServices, prompts: LivePrompts): LiveFeatures {
  const settings = new LiveSettings(services.log, prompts);
  return {
    handlers: {
      ...lookupEventsHandlers(services, settings),
      ...trailBucketHandlers(services, settings),
      ...sqlQueryHandlers(services, settings),
    },
    dispose: () => settings.dispose(),
  };
}
