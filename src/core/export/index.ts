/** Evidence export (JSON lines, CSV, provenance, SHA-256 manifest): the surface the extension and CLI wire up. */
export {
  exportEvents,
  inBatches,
  isInside,
  buildProvenance,
  conflictProvenance,
  EventIdConflicts,
  ExportFormat,
  ExportOptions,
  ExportProgress,
  ExportProvenance,
  ExportProvenanceInput,
  ExportResult,
  ManifestFile,
  SkippedRecord,
  PROVENANCE_KEY,
} from './export';
export { CSV_COLUMNS, CsvColumn, csvField, csvHeader, csvRecord, csvRow, defuseFormula } from './csv';
export { evidenceContaining, insideEvidenceMessage, isInsideReal, realPathOf } from '../sources/evidence-guard';
