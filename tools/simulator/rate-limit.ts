// The bulkUpload rate limit: a sliding window per job. Throttled requests do not count, so a client
// that waits for Retry-After gets through.

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A sliding-window counter: at most `requests` admitted in any `windowSeconds`. */
export class SlidingWindowLimiter {
  private readonly admitted: number[] = [];

  constructor(
    private readonly requests: number,
    private readonly windowSeconds: number,
  ) {}

  /** Admits the request at `now` (ms) or says how long until a slot frees. */
  take(now: number): RateDecision {
    const windowMs = this.windowSeconds * 1000;
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= now - windowMs) this.admitted.shift();
    if (this.admitted.length < this.requests) {
      this.admitted.push(now);
      return { allowed: true };
    }
    const frees = (this.admitted[0] as number) + windowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((frees - now) / 1000)) };
  }
}
