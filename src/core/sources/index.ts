/** The evidence readers: what the engine uses to find files and read CloudTrail records from them. */
export * from './types';
export { readEvidenceFile, WHOLE_DOCUMENT_LIMIT, MAX_RECORD_BYTES } from './read';
export type { ReadEvidenceOptions } from './read';
export { walkEvidence, isSkippedByName } from './walk';
export type { WalkOptions } from './walk';
export { parseTrailKeyLayout } from './layout';
export { unwrapRecord, isDigestDocument, isDigestSignatureDocument } from './unwrap';
export type { Unwrapped } from './unwrap';
export { parseCsvRow, readCsvHeader, recordFromCsvRow } from './csv';
export { JsonRecordScanner } from './jsonScanner';
export type { ScanHandlers, RecordContainer } from './jsonScanner';
