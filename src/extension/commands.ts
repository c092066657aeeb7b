/**
 * Every command the extension registers, in one place. package.json `contributes.commands`
 * lists exactly these ids (the integration suite checks both directions).
 */
export const Commands = {
  showLog: 'cloudtrail.showLog',

  addFolder: 'cloudtrail.sources.addFolder',
  addFiles: 'cloudtrail.sources.addFiles',
  addFromExplorer: 'cloudtrail.sources.addFromExplorer',
  removeSource: 'cloudtrail.sources.remove',
  reloadSource: 'cloudtrail.sources.reload',
  showSkipped: 'cloudtrail.sources.showSkipped',

  filterEdit: 'cloudtrail.filter.edit',
  filterClear: 'cloudtrail.filter.clear',
  filterBack: 'cloudtrail.filter.back',
  filterForward: 'cloudtrail.filter.forward',

  explorerGroupBy: 'cloudtrail.explorer.groupBy',
  explorerLoadMore: 'cloudtrail.explorer.loadMore',
  explorerRefresh: 'cloudtrail.explorer.refresh',
  itemPivot: 'cloudtrail.item.pivot',
  itemAddToFilter: 'cloudtrail.item.addToFilter',
  itemExclude: 'cloudtrail.item.exclude',
  itemShowOnTimeline: 'cloudtrail.item.showOnTimeline',
  itemCopyValue: 'cloudtrail.item.copyValue',

  pivotAccessKey: 'cloudtrail.pivot.accessKey',
  pivotSourceIp: 'cloudtrail.pivot.sourceIp',
  pivotPrincipal: 'cloudtrail.pivot.principal',
  pivotRoleSession: 'cloudtrail.pivot.roleSession',
  pivotEventName: 'cloudtrail.pivot.eventName',
  pivotResource: 'cloudtrail.pivot.resource',
  pivotField: 'cloudtrail.pivot.field',

  eventsToggleOrder: 'cloudtrail.events.toggleOrder',
  eventsLoadMore: 'cloudtrail.events.loadMore',
  openEvent: 'cloudtrail.openEvent',
  openTrailFileDecompressed: 'cloudtrail.openTrailFileDecompressed',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys the extension sets for `when` clauses in package.json. */
export const ContextKeys = {
  hasSources: 'cloudtrail.hasSources',
  loading: 'cloudtrail.loading',
  filterActive: 'cloudtrail.filter.active',
  canGoBack: 'cloudtrail.filter.canGoBack',
  canGoForward: 'cloudtrail.filter.canGoForward',
  eventsNewestFirst: 'cloudtrail.events.newestFirst',
} as const;

/** Commands the timeline feature registers (src/extension/timeline), called when present. */
export const TimelineCommandIds = {
  open: 'cloudtrail.timeline.open',
  /** Takes `{ field, value }` for lane fields (principal, session, accessKey, ip, region, account, eventSource). */
  showItem: 'cloudtrail.timeline.showItem',
} as const;

/** Explorer fields the timeline can show as lanes. */
export const TIMELINE_LANE_FIELDS: ReadonlySet<string> = new Set(['principal', 'session', 'accessKey', 'ip', 'region', 'account', 'eventSource']);
