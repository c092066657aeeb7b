/**
 * Token buckets shared by every task in the process: LookupEvents allows 2 requests per
 * second per account and region, so all fetches for one (account, region) draw from one
 * bucket (a module-level registry). A throttling answer empties the bucket and pauses it.
 */

export interface RateLimitOptions {
  /** Requests per second. */
  rps: number;
  /** Bucket capacity: requests allowed back to back after a quiet period. */
  burst: number;
  /**
   * Extra spacing per request, in milliseconds, so that jitter between our clock and the
   * server's never puts two requests closer than the server's own bucket allows.
   */
  marginMs: number;
}

/**
 * CloudTrail documents 2 LookupEvents requests per second per account and region. Two back
 * to back, then one every 512 ms: the 12 ms margin absorbs clock and network jitter; if the
 * real burst is smaller, the first throttling answer is retried unseen and pauses the bucket.
 */
export const LOOKUP_EVENTS_LIMIT: RateLimitOptions = { rps: 2, burst: 2, marginMs: 12 };

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Resolves after `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A token bucket that models the server's. The server takes a token when a request arrives,
 * some time between our send and its answer; to never overtake it, a request holds its token
 * "in flight" and the token is only counted as spent when the answer comes back (the latest
 * moment the server can have counted it). Waiters are served first come, first served.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private inflight = 0;
  /** Time (performance.now) before which nobody may take a token. */
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(readonly options: RateLimitOptions) {
    this.tokens = options.burst;
    this.last = performance.now();
  }

  private interval(): number {
    return 1000 / this.options.rps + this.options.marginMs;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.options.burst, this.tokens + (now - this.last) / this.interval());
    this.last = now;
  }

  /**
   * Waits for a token. Call the returned function once the request's answer (or failure)
   * came back. Rejects if the signal aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const turn = this.queue.then(() => this.takeWhenReady(signal));
    // A cancelled waiter must not block the ones behind it.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn.then(() => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        this.refill(performance.now());
        this.inflight--;
        this.tokens -= 1;
        this.wake?.();
      };
    });
  }

  private async takeWhenReady(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const now = performance.now();
      this.refill(now);
      const available = this.tokens - this.inflight;
      if (now >= this.pausedUntil && available >= 1) {
        this.inflight++;
        return;
      }
      const wait = Math.max(this.pausedUntil - now, (1 - available) * this.interval(), 1);
      // A request settling frees nothing sooner (its token is spent), but re-check then anyway.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(finish, wait);
        const onAbort = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(abortError(signal!));
        };
        function finish(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wake = finish;
      });
      this.wake = undefined;
    }
  }

  /** The server said "slow down": drop what we thought we had and wait `ms` before the next request. */
  penalize(ms: number): void {
    const now = performance.now();
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
  }
}

const registry = new Map<string, TokenBucket>();

/**
 * The process-wide bucket for one API, account and region. `account` may be a stand-in
 * (`profile:NAME`) when the account id is not known before the first answer.
 */
export function sharedBucket(api: string, account: string, region: string, options: RateLimitOptions): TokenBucket {
  const key = `${api}|${account}|${region}`;
  let bucket = registry.get(key);
  if (!bucket) {
    bucket = new TokenBucket(options);
    registry.set(key, bucket);
  }
  return bucket;
}

/** For tests and benchmarks that need a fresh state; never called by the engine. */
export function resetSharedBuckets(): void {
  registry.clear();
}
