/** Log file integrity validation: the public surface for the extension and the CLI. */
export * from './types';
export { validateFolder, validateS3, validateStore, S3ValidationOptions } from './validate';
export {
  DigestPublicKey,
  KeyFileError,
  keyFingerprints,
  pkcs1Fingerprint,
  parsePublicKeys,
  loadPublicKeyFile,
  listCloudTrailPublicKeys,
} from './keys';
export { parseDigest, signingString, verifyDigestSignature, ParsedDigest, DigestSignature } from './digest';
export { sha256OfDecompressed, DecompressError } from './hash';
export { FolderStore, EvidenceStore, StoredFile, SIGNATURE_SIDECAR_SUFFIX } from './store';
export { S3Store } from './s3store';
export { parseAwsLogsKey, awsLogsSuffix } from './layout';
