/** Command ids of the live-source features (also in package.json `contributes.commands`). */
export const LiveCommands = {
  chooseProfile: 'cloudtrail.live.chooseProfile',
  lookupEvents: 'cloudtrail.live.lookupEvents',
  lookupInsights: 'cloudtrail.live.lookupInsights',
  downloadTrailBucket: 'cloudtrail.live.downloadTrailBucket',
  athenaSql: 'cloudtrail.live.athenaSql',
  lakeSql: 'cloudtrail.live.lakeSql',
  runQuery: 'cloudtrail.live.runQuery',
} as const;

export type LiveCommandId = (typeof LiveCommands)[keyof typeof LiveCommands];

/** What a feature hands the registry: one handler per command it owns. */
export type LiveHandlers = Partial<Record<LiveCommandId, (...args: unknown[]) => Promise<void>>>;
