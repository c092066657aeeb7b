/**
 * Live sources in the editor: LookupEvents across regions, trail buckets in S3, Athena and
 * CloudTrail Lake. The composition root calls `registerLiveSources` once and owns the
 * Disposables it returns.
 */
import type * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { LiveSettings } from './liveSettings';
import { registerLookupEvents } from './lookupEvents';
import { registerSqlQueries } from './sqlQueries';
import { registerTrailBucket } from './trailBucket';

export { LiveCommands } from './liveSettings';

export function registerLiveSources(services: ExtensionServices): vscode.Disposable[] {
  const settings = new LiveSettings(services.log);
  return [
    settings,
    ...registerLookupEvents(services, settings),
    ...registerTrailBucket(services, settings),
    ...registerSqlQueries(services, settings),
  ];
}
