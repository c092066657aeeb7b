/** Context keys the extension sets for `when` clauses in package.json (the command ids are in commandIds.ts). */
export const ContextKeys = {
  hasSources: 'cloudtrail.hasSources',
  loading: 'cloudtrail.loading',
  /** How many trail files the workspace holds (0 when none): the Sources welcome offers to load them. */
  workspaceTrailFiles: 'cloudtrail.workspaceTrailFiles',
  filterActive: 'cloudtrail.filter.active',
  canGoBack: 'cloudtrail.filter.canGoBack',
  canGoForward: 'cloudtrail.filter.canGoForward',
  eventsNewestFirst: 'cloudtrail.events.newestFirst',
} as const;

/** Explorer fields the timeline can show as lanes. */
export const TIMELINE_LANE_FIELDS: ReadonlySet<string> = new Set(['principal', 'session', 'accessKey', 'ip', 'region', 'account', 'eventSource']);
