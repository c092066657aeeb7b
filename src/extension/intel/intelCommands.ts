/** Context keys and view ids of the intelligence feature (package.json lists the same). */
export const IntelContextKeys = {
  /** A detection run has results for the current index. */
  hasFindings: 'cloudtrail.intel.hasFindings',
  detecting: 'cloudtrail.intel.detecting',
  hasLineage: 'cloudtrail.intel.hasLineage',
} as const;

export const FINDINGS_VIEW_ID = 'cloudtrail.findings';
export const LINEAGE_VIEW_ID = 'cloudtrail.lineage';
