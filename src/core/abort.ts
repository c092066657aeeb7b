/**
 * The one test for "this failure is a cancellation, not an error". Core (AWS paging, retry,
 * integrity validation) and the extension's commands all ask it, so a cancelled run is reported
 * the same way everywhere.
 *
 * True when the caller's signal has fired, or the error is named `AbortError` (fetch, the AWS SDK,
 * `AbortSignal.reason`) or `CanceledError` (a cancellation raised by an HTTP client). Errors may be
 * any thrown value, so the name is read without assuming an `Error` instance.
 */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'AbortError' || name === 'CanceledError';
}
