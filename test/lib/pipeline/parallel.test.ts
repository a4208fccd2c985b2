import { describe, expect, it } from 'vitest';
import { forEachLimit } from '../../../lib/pipeline/parallel.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('forEachLimit', () => {
  it('calls every item once with no more than the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit(
      Array.from({ length: 40 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await tick();
        seen.push(i);
        inFlight--;
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('rejects with the first error after the calls in flight settle, and starts no new ones', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = forEachLimit([1, 2, 3, 4, 5, 6], 2, async (i) => {
      started.push(i);
      await tick();
      settled++;
      if (i === 2) throw new Error('boom 2');
    });
    await expect(run).rejects.toThrow('boom 2');
    expect(settled).toBe(started.length);
    expect(started.length).toBeLessThan(6);
  });
});
