// Client-side pacing: a sliding-window log of request start times plus a bound on requests in flight.
//
// The server counts requests by when it receives them, we count by when we send them. Latency
// differs between requests, so two sends exactly one window apart can land less than a window
// apart at the server. The limiter therefore treats the window as `window + safetyMargin`:
// a send is allowed only if fewer than `limit` sends started in the last window+margin. The
// default margin is 5% of the window, at least 100 ms (250 ms for 40 per 5 s), which absorbs
// that much latency skew while keeping steady throughput at limit / (window + margin) =
// 95% of the ceiling (7.6 requests/s, 381 records/s at the documented 40 per 5 s).
// A 429 with Retry-After pauses every sender through pauseFor().

import type { Clock } from '../core/clock.js';

export interface RateLimiterOptions {
  /** Requests allowed per window (HRSYNC_RATE_LIMIT_REQUESTS). */
  limit: number;
  /** Window length (HRSYNC_RATE_LIMIT_WINDOW_SECONDS × 1000). */
  windowMs: number;
  /** Requests in flight at once (HRSYNC_CONCURRENCY). */
  concurrency: number;
  /** Added to the window to absorb latency skew; defaults to defaultSafetyMarginMs(windowMs). */
  safetyMarginMs?: number;
  clock: Clock;
}

/** The default margin: 5% of the window, at least 100 ms. */
export function defaultSafetyMarginMs(windowMs: number): number {
  return Math.max(100, Math.round(windowMs * 0.05));
}

/** Paces calls so at most `limit` start in any window (plus margin) and at most `concurrency` run at once; FIFO. */
export class RateLimiter {
  private readonly limit: number;
  private readonly spanMs: number;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly starts: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private pausedUntil = 0;
  private timerPending = false;

  constructor(options: RateLimiterOptions) {
    if (!(options.limit >= 1 && options.windowMs > 0 && options.concurrency >= 1)) {
      throw new RangeError('RateLimiter needs limit >= 1, windowMs > 0 and concurrency >= 1');
    }
    this.limit = options.limit;
    this.spanMs = options.windowMs + (options.safetyMarginMs ?? defaultSafetyMarginMs(options.windowMs));
    this.concurrency = options.concurrency;
    this.clock = options.clock;
  }

  /** Runs `task` once pacing allows it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.pump();
    }
  }

  /** Holds every new start for `ms` (after a 429 with Retry-After); never shortens an existing pause. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.active;
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.active < this.concurrency) {
      const now = this.clock.now();
      if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil, now);
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - this.spanMs) this.starts.shift();
      if (this.starts.length >= this.limit) return this.wakeAt((this.starts[0] ?? now) + this.spanMs, now);
      this.starts.push(now);
      this.active += 1;
      this.waiting.shift()?.();
    }
  }

  private wakeAt(at: number, now: number): void {
    // One timer at a time: when it fires, pump() re-evaluates and sets the next one if still needed.
    if (this.timerPending) return;
    this.timerPending = true;
    void this.clock.sleep(Math.max(0, at - now)).then(() => {
      this.timerPending = false;
      this.pump();
    });
  }
}
