import { describe, expect, it, vi } from 'vitest';
import { BucketFullError, InvalidRequestError, ThrottledError, TransientError } from '../../../lib/provisioning/errors.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetry } from '../../../lib/provisioning/retry.js';
import type { RetryPolicy } from '../../../lib/provisioning/retry.js';
import { captureLogger, JumpingClock } from './fakes.js';

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxThrottleWaitMs: 10_000 };
const transient = () => new TransientError('boom', { status: 503 }, 'server-error');

/** An operation that throws the given errors in turn, then returns 'ok'. */
function failing(...errors: Error[]) {
  const fn = vi.fn(async () => {
    const next = errors.shift();
    if (next !== undefined) throw next;
    return 'ok';
  });
  return fn;
}

function deps(random = () => 0.5) {
  const clock = new JumpingClock();
  const logger = captureLogger();
  const onThrottled = vi.fn();
  return { clock, logger, random, onThrottled };
}

describe('backoffDelayMs', () => {
  it('is full jitter: uniform below a ceiling that doubles up to the cap', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(0, p, () => 0)).toBe(0);
    expect(backoffDelayMs(0, p, () => 0.999)).toBe(100);
    expect(backoffDelayMs(2, p, () => 0.5)).toBe(200);
    expect(backoffDelayMs(3, p, () => 0.999)).toBe(799);
    expect(backoffDelayMs(10, p, () => 0.999)).toBe(999);
  });
});

describe('withRetry', () => {
  it('retries transient failures with growing back-off and succeeds', async () => {
    const d = deps();
    const op = failing(transient(), transient());
    await expect(withRetry(op, policy, d)).resolves.toBe('ok');
    expect(op).toHaveBeenCalledTimes(3);
    expect(d.clock.sleeps).toEqual([50, 100]);
    expect(d.logger.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it('gives up after maxRetries transient failures and rethrows the last one', async () => {
    const d = deps();
    const errors = [transient(), transient(), transient(), transient(), transient()];
    const op = failing(...errors);
    await expect(withRetry(op, policy, d)).rejects.toBe(errors[3]);
    expect(op).toHaveBeenCalledTimes(4);
  });

  it('waits exactly Retry-After on 429 and does not spend maxRetries on throttling', async () => {
    const d = deps();
    const op = failing(new ThrottledError({ status: 429 }, 2000), new ThrottledError({ status: 429 }, 1000), new ThrottledError({ status: 429 }, 3000), transient());
    await expect(withRetry(op, { ...policy, maxRetries: 1 }, d)).resolves.toBe('ok');
    expect(d.clock.sleeps).toEqual([2000, 1000, 3000, 50]);
    expect(d.onThrottled.mock.calls.map((c) => c[0])).toEqual([2000, 1000, 3000]);
  });

  it('backs off on 429 without Retry-After', async () => {
    const d = deps(() => 0.999);
    const op = failing(new ThrottledError({ status: 429 }, undefined), new ThrottledError({ status: 429 }, undefined));
    await withRetry(op, policy, d);
    expect(d.clock.sleeps).toEqual([100, 200]);
  });

  it('hands the ThrottledError back once the throttle wait budget would be exceeded', async () => {
    const d = deps();
    const last = new ThrottledError({ status: 429 }, 6000);
    const op = failing(new ThrottledError({ status: 429 }, 6000), last);
    await expect(withRetry(op, policy, d)).rejects.toBe(last);
    expect(d.clock.sleeps).toEqual([6000]);
  });

  it('hands a full bucket to the caller by default, or waits it out when asked', async () => {
    const full = () => new BucketFullError({ status: 500 }, 300_000);
    const d1 = deps();
    await expect(withRetry(failing(full()), policy, d1)).rejects.toBeInstanceOf(BucketFullError);
    expect(d1.clock.sleeps).toEqual([]);
    const d2 = deps();
    await expect(withRetry(failing(full()), { ...policy, waitOnBucketFull: true }, d2)).resolves.toBe('ok');
    expect(d2.clock.sleeps).toEqual([300_000]);
  });

  it('never retries permanent errors', async () => {
    const d = deps();
    const op = failing(new InvalidRequestError('bad', { status: 400 }));
    await expect(withRetry(op, policy, d)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(op).toHaveBeenCalledTimes(1);
  });
});
