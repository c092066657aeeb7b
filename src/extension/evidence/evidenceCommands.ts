/** Command ids of the evidence feature (package.json lists the same ids). */
export const EvidenceCommands = {
  validateIntegrity: 'cloudtrail.evidence.validateIntegrity',
  exportEvidence: 'cloudtrail.evidence.export',
  incidentReport: 'cloudtrail.evidence.incidentReport',
} as const;
