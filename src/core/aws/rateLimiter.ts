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

export const LOOKUP_EVENTS_LIMIT: RateLimitOptions = { rps: 2, burst: 1, marginMs: 12 };

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

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Time (performance.now) before which nobody may take a token. */
  private pausedUntil = 0;
  /** Waiters served in arrival order. */
  private queue: Promise<void> = Promise.resolve();

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

  /** Waits for a token (first come, first served). Rejects if the signal aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeWhenReady(signal));
    // A cancelled waiter must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeWhenReady(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const now = performance.now();
      this.refill(now);
      if (now >= this.pausedUntil && this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const untilToken = (1 - this.tokens) * this.interval();
      await sleep(Math.max(this.pausedUntil - now, untilToken, 1), signal);
    }
  }

  /** The server said "slow down": drop what we thought we had and wait `ms` before the next request. */
  penalize(ms: number): void {
    const now = performance.now();
    this.refill(now);
    this.tokens = 0;
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
