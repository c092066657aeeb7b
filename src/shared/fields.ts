/**
 * The fields the index keeps, as plain data: the one list that the index (src/core/index/fields.ts)
 * and the Events table's columns (src/shared/table-protocol.ts) both read, so the webview bundle
 * can import it without the engine.
 */

/** Every field the index keeps as a column, with a posting list per value. */
export const PIVOT_FIELDS = [
  'eventName',
  'eventSource',
  'region',
  'account',
  'callerAccount',
  'principal',
  'principalType',
  'issuer',
  'session',
  'sessionName',
  'sourceIdentity',
  'accessKey',
  'ip',
  'userAgent',
  'readOnly',
  'error',
  'category',
  'eventType',
  'invokedBy',
  'resource',
  'issuedKey',
  'eventId',
  'requestId',
  'sharedEventId',
  'source',
] as const;
