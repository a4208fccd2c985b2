import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../../tools/simulator/rate-limit.js';

describe('SlidingWindowLimiter', () => {
  it('admits the limit within a window and frees slots as they slide out', () => {
    const limiter = new SlidingWindowLimiter(2, 5);
    expect(limiter.take(0).allowed).toBe(true);
    expect(limiter.take(1000).allowed).toBe(true);
    expect(limiter.take(4000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take(5000).allowed).toBe(true);
    expect(limiter.take(5500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take(6000).allowed).toBe(true);
  });

  it('does not count refused requests', () => {
    const limiter = new SlidingWindowLimiter(1, 10);
    expect(limiter.take(0).allowed).toBe(true);
    expect(limiter.take(1000)).toEqual({ allowed: false, retryAfterSeconds: 9 });
    expect(limiter.take(9000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take(10_000).allowed).toBe(true);
  });
});
