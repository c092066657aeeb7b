/** Command ids and context keys of the intelligence feature (package.json lists the same ids). */
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

export const IntelContextKeys = {
  /** A detection run has results for the current index. */
  hasFindings: 'cloudtrail.intel.hasFindings',
  detecting: 'cloudtrail.intel.detecting',
  hasLineage: 'cloudtrail.intel.hasLineage',
} as const;

/** The LookupEvents command of the live-sources feature; it fetches what the active filter describes. */
export const LIVE_LOOKUP_EVENTS_COMMAND = 'cloudtrail.live.lookupEvents';

export const FINDINGS_VIEW_ID = 'cloudtrail.findings';
export const LINEAGE_VIEW_ID = 'cloudtrail.lineage';
