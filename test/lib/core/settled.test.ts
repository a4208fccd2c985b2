import { describe, expect, it } from 'vitest';
import { allSettledInTurns, allSettledOrThrow } from '../../../lib/core/settled.js';

const later = <T>(ms: number, value: T, log: string[]): Promise<T> =>
  new Promise((resolve) =>
    setTimeout(() => {
      log.push(`done ${String(value)}`);
      resolve(value);
    }, ms),
  );

describe('allSettledOrThrow', () => {
  it('resolves once every promise has', async () => {
    const log: string[] = [];
    await allSettledOrThrow([later(20, 'a', log), later(5, 'b', log), Promise.resolve('c')]);
    expect(log).toEqual(['done b', 'done a']);
  });

  it('rejects with the first failure only once every other promise has settled', async () => {
    const log: string[] = [];
    const failing = Promise.reject(new Error('first'));
    const outcome = allSettledOrThrow([later(40, 'slow', log), failing, Promise.reject(new Error('second'))]).catch((err: unknown) => {
      log.push(`rejected ${(err as Error).message}`);
    });
    await outcome;
    // Promise.all would have rejected at once, with the slow write still on its way.
    expect(log).toEqual(['done slow', 'rejected first']);
  });

  it('resolves an empty list', async () => {
    await expect(allSettledOrThrow([])).resolves.toBeUndefined();
  });
});

describe('allSettledInTurns', () => {
  it('never has more than the limit in flight, and tries every item', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await allSettledInTurns([1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 8 - n));
      inFlight--;
      done.push(n);
    });
    expect(most).toBe(2);
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('goes on after a failure and rejects with the first in item order, once every item has settled', async () => {
    const log: string[] = [];
    const outcome = allSettledInTurns(['a', 'b', 'c', 'd'], 2, async (x) => {
      await new Promise((r) => setTimeout(r, x === 'a' ? 30 : 1));
      if (x === 'a' || x === 'c') throw new Error(`failed ${x}`);
      log.push(`done ${x}`);
    }).catch((err: unknown) => {
      log.push(`rejected ${(err as Error).message}`);
    });
    await outcome;
    // 'c' failed first in time, but 'a' comes first among the items; 'd' still went after both failures.
    expect(log).toEqual(['done b', 'done d', 'rejected failed a']);
  });

  it('resolves an empty list without calling anything', async () => {
    let calls = 0;
    await allSettledInTurns([], 3, () => {
      calls++;
      return Promise.resolve();
    });
    expect(calls).toBe(0);
  });
});
