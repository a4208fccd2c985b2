// Retries around one Graph call. Transient failures get exponential back-off with full jitter,
// bounded by maxRetries. Throttling (429) waits Retry-After (or backs off) on its own budget of
// waiting time: it is the service pacing us, not a failure, so it never uses up maxRetries.

import type { Clock } from '../core/clock.js';
import { BucketFullError, ThrottledError, TransientError } from './errors.js';
import type { Logger } from '../core/logger.js';

export interface RetryPolicy {
  /** Retries after transient failures (HRSYNC_MAX_RETRIES). */
  maxRetries: number;
  /** First back-off ceiling; doubles per retry. */
  baseDelayMs: number;
  /** Largest single back-off. */
  maxDelayMs: number;
  /** Total time to spend waiting on 429s before handing a ThrottledError to the caller to reschedule. */
  maxThrottleWaitMs: number;
  /** Wait out a full bucket here (CLI) instead of handing BucketFullError to the caller (queue functions reschedule instead). */
  waitOnBucketFull: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxThrottleWaitMs: 120_000,
  waitOnBucketFull: false,
};

export interface RetryDeps {
  clock: Clock;
  /** Uniform in [0, 1). */
  random: () => number;
  logger: Logger;
  /** Told before every wait caused by a 429, so shared pacing can hold all senders. */
  onThrottled?: (waitMs: number) => void;
}

/** Full-jitter back-off: uniform in [0, min(maxDelayMs, baseDelayMs * 2^retry)]. */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(random() * ceiling);
}

/** Runs `attempt` until it succeeds, retrying transient failures and throttling as the policy allows. */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, deps: RetryDeps): Promise<T> {
  let retries = 0;
  let throttles = 0;
  let throttledMs = 0;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      let waitMs: number;
      if (error instanceof ThrottledError) {
        waitMs = error.retryAfterMs ?? backoffDelayMs(throttles, policy, deps.random);
        if (throttledMs + waitMs > policy.maxThrottleWaitMs) throw error;
        throttles += 1;
        throttledMs += waitMs;
        deps.onThrottled?.(waitMs);
        deps.logger.warn('Graph throttled the request; waiting', {
          requestId: error.requestId,
          status: error.status,
          waitMs,
          retryAfterGiven: error.retryAfterMs !== undefined,
          throttles,
        });
      } else if (error instanceof TransientError || (error instanceof BucketFullError && policy.waitOnBucketFull)) {
        if (retries >= policy.maxRetries) throw error;
        waitMs = error instanceof BucketFullError ? error.retryAfterMs : backoffDelayMs(retries, policy, deps.random);
        retries += 1;
        deps.logger.warn('Graph call failed; retrying', {
          requestId: error.requestId,
          status: error.status,
          code: error.code,
          error: error.name,
          retry: retries,
          maxRetries: policy.maxRetries,
          waitMs,
        });
      } else {
        throw error;
      }
      await deps.clock.sleep(waitMs);
    }
  }
}
