/**
 * Every `cloudtrail.*` command id, spelled once. Registrations, `executeCommand` calls and tree
 * items' commands all name ids from here; package.json `contributes.commands` lists exactly
 * `COMMAND_IDS` (checked both ways by test/unit/manifest/commands.test.ts and, against what the
 * host has registered, by test/integration/suite/commands.test.ts). No `vscode` import, so the
 * unit suite can read it.
 */

/** The core commands: sources, filter, explorer, pivots, events. */
export const Commands = {
  showLog: 'cloudtrail.showLog',

  addFolder: 'cloudtrail.sources.addFolder',
  addFiles: 'cloudtrail.sources.addFiles',
  addFromExplorer: 'cloudtrail.sources.addFromExplorer',
  loadWorkspaceTrails: 'cloudtrail.sources.loadWorkspaceTrails',
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

/** Commands the timeline feature registers (src/extension/timeline), called when present. */
export const TimelineCommands = {
  open: 'cloudtrail.timeline.open',
  /** Takes `{ field, value }` for lane fields (principal, session, accessKey, ip, region, account, eventSource). */
  showItem: 'cloudtrail.timeline.showItem',
} as const;

/** The full-width Events table (src/extension/table). */
export const TableCommands = {
  open: 'cloudtrail.table.open',
  /** Takes a `{ field, value }` (an Explorer item): filters to it and opens the table. */
  showItem: 'cloudtrail.table.showItem',
} as const;

/** The intelligence feature: detections and lineage. */
export const IntelCommands = {
  runDetections: 'cloudtrail.intel.runDetections',
  pickSigmaRulesFolder: 'cloudtrail.intel.pickSigmaRulesFolder',
  clearFindings: 'cloudtrail.intel.clearFindings',
  filterToFinding: 'cloudtrail.intel.filterToFinding',
  traceLineage: 'cloudtrail.intel.traceLineage',
  copyMissingHopFilter: 'cloudtrail.intel.copyMissingHopFilter',
  fetchMissingHop: 'cloudtrail.intel.fetchMissingHop',
  clearLineage: 'cloudtrail.intel.clearLineage',
} as const;

/** The live-source features (src/extension/live). */
export const LiveCommands = {
  chooseProfile: 'cloudtrail.live.chooseProfile',
  lookupEvents: 'cloudtrail.live.lookupEvents',
  lookupInsights: 'cloudtrail.live.lookupInsights',
  downloadTrailBucket: 'cloudtrail.live.downloadTrailBucket',
  athenaSql: 'cloudtrail.live.athenaSql',
  lakeSql: 'cloudtrail.live.lakeSql',
  runQuery: 'cloudtrail.live.runQuery',
} as const;

/** The evidence feature: integrity validation, export, incident report. */
export const EvidenceCommands = {
  validateIntegrity: 'cloudtrail.evidence.validateIntegrity',
  exportEvidence: 'cloudtrail.evidence.export',
  incidentReport: 'cloudtrail.evidence.incidentReport',
} as const;

/**
 * Read-only and AWS-service noise: each toggle is a pair of commands (hide/show, group/ungroup)
 * with complementary `when` clauses on a context key.
 */
export const NoiseCommands = {
  toggleReadOnly: 'cloudtrail.noise.toggleReadOnly',
  hideReadOnly: 'cloudtrail.noise.hideReadOnly',
  showReadOnly: 'cloudtrail.noise.showReadOnly',
  toggleGrouping: 'cloudtrail.noise.toggleGrouping',
  groupEvents: 'cloudtrail.noise.groupEvents',
  ungroupEvents: 'cloudtrail.noise.ungroupEvents',
} as const;

/** Every command id above: what the extension registers and package.json contributes. */
export const COMMAND_IDS: readonly string[] = [Commands, TimelineCommands, TableCommands, IntelCommands, LiveCommands, EvidenceCommands, NoiseCommands].flatMap((group) => Object.values(group));
