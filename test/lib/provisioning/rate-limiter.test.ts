import { describe, expect, it } from 'vitest';
import { defaultSafetyMarginMs, RateLimiter } from '../../../lib/provisioning/rate-limiter.js';
import { FakeClock } from './fakes.js';

/** Starts `n` tasks that each take `durationMs` of fake time; returns their start times. */
function launch(limiter: RateLimiter, clock: FakeClock, n: number, durationMs: number) {
  const starts: number[] = [];
  const done = Array.from({ length: n }, (_, i) =>
    limiter.run(async () => {
      starts[i] = clock.now();
      await clock.sleep(durationMs);
      return i;
    }),
  );
  return { starts, done: Promise.all(done) };
}

describe('RateLimiter', () => {
  it('never runs more than `concurrency` tasks at once', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ limit: 100, windowMs: 1000, concurrency: 3, clock });
    const { starts, done } = launch(limiter, clock, 7, 50);
    await clock.advance(0);
    expect(limiter.inFlight).toBe(3);
    expect(limiter.queued).toBe(4);
    await clock.advance(200);
    await done;
    const t0 = starts[0] ?? 0;
    expect(starts.map((s) => s - t0)).toEqual([0, 0, 0, 50, 50, 50, 100]);
  });

  it('allows `limit` starts per window plus margin, in FIFO order', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ limit: 3, windowMs: 1000, safetyMarginMs: 100, concurrency: 10, clock });
    const { starts, done } = launch(limiter, clock, 7, 10);
    await clock.advance(3000);
    await done;
    const t0 = starts[0] ?? 0;
    expect(starts.map((s) => s - t0)).toEqual([0, 0, 0, 1100, 1100, 1100, 2200]);
  });

  it('holds every start during a pause after a 429', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ limit: 100, windowMs: 1000, concurrency: 10, clock });
    const t0 = clock.now();
    limiter.pauseFor(2500);
    limiter.pauseFor(1000); // a shorter pause never cuts the longer one
    const { starts, done } = launch(limiter, clock, 2, 10);
    await clock.advance(2499);
    expect(starts).toEqual([]);
    await clock.advance(11);
    await done;
    expect(starts).toEqual([t0 + 2500, t0 + 2500]);
  });

  it('documents its default margin: 5% of the window, at least 100 ms', () => {
    expect(defaultSafetyMarginMs(5000)).toBe(250);
    expect(defaultSafetyMarginMs(1000)).toBe(100);
  });

  it('keeps 20k records at 40 per 5 s under the limit in every window and above 90% of the ceiling', async () => {
    const clock = new FakeClock();
    const windowMs = 5000;
    const limiter = new RateLimiter({ limit: 40, windowMs, concurrency: 4, clock });
    const requests = 20_000 / 50;
    const { starts, done } = launch(limiter, clock, requests, 40);
    await clock.advance(120_000);
    await done;
    const sorted = [...starts].sort((a, b) => a - b);
    // The server's view: any 41 consecutive starts span more than one window, even with 250 ms of skew.
    for (let i = 0; i + 40 < sorted.length; i += 1) {
      expect((sorted[i + 40] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(windowMs + 250);
    }
    const elapsedS = ((sorted.at(-1) ?? 0) + 40 - (sorted[0] ?? 0)) / 1000;
    const recordsPerSecond = 20_000 / elapsedS;
    expect(recordsPerSecond).toBeGreaterThanOrEqual(360);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new RateLimiter({ limit: 0, windowMs: 1000, concurrency: 1, clock: new FakeClock() })).toThrow(RangeError);
  });
});
