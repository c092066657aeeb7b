/**
 * One request with the project's retry policy: throttling answers are retried with
 * exponential backoff and jitter (and pause the shared bucket so other tasks slow down too),
 * dropped connections and 5xx a few times, an expired token once after resolving the
 * credentials again. Everything else, and the last failure, goes to the caller.
 */
import { isAbort } from '../abort';
import { isThrottling, isTransient, errorCode } from './errors';
import { TokenBucket, sleep } from './rateLimiter';

export interface RetryPolicy {
  /** Throttling retries before giving up (the user should never see throttling). */
  maxThrottleRetries: number;
  maxTransientRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxThrottleRetries: 12, maxTransientRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

export interface RetryCounters {
  throttleRetries: number;
  transientRetries: number;
}

export interface RetryOptions {
  signal?: AbortSignal;
  bucket?: TokenBucket;
  policy?: RetryPolicy;
  counters: RetryCounters;
  /** Called once after an expired-token answer; the request is then tried again. */
  refreshCredentials?: () => void;
  /** Told about each retry, for the log. */
  onRetry?: (reason: string, delayMs: number) => void;
  random?: () => number;
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export async function withRetry<T>(call: (signal?: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let throttles = 0;
  let transients = 0;
  let refreshed = false;
  for (;;) {
    const settle = options.bucket ? await options.bucket.acquire(options.signal) : undefined;
    if (!settle && options.signal?.aborted) throw options.signal.reason;
    try {
      const result = await call(options.signal);
      settle?.();
      return result;
    } catch (error) {
      settle?.();
      if (isAbort(error, options.signal)) throw error;
      let delay: number;
      if (isThrottling(error) && throttles < policy.maxThrottleRetries) {
        delay = backoffDelay(throttles++, policy, options.random);
        options.counters.throttleRetries++;
        options.bucket?.penalize(delay);
      } else if (isTransient(error) && transients < policy.maxTransientRetries) {
        delay = backoffDelay(transients++, { ...policy, baseDelayMs: policy.baseDelayMs / 2 }, options.random);
        options.counters.transientRetries++;
      } else if (!refreshed && options.refreshCredentials && /^(ExpiredTokenException|ExpiredToken|RequestExpired)$/.test(errorCode(error))) {
        refreshed = true;
        options.refreshCredentials();
        delay = 0;
      } else {
        throw error;
      }
      options.onRetry?.(errorCode(error), delay);
      if (delay > 0 && !options.bucket) await sleep(delay, options.signal);
      // With a bucket, the penalty (throttling) or the next acquire paces the retry;
      // transient errors still wait their backoff.
      else if (delay > 0 && !isThrottling(error)) await sleep(delay, options.signal);
    }
  }
}
