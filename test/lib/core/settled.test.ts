import { describe, expect, it } from 'vitest';
import { allSettledOrThrow } from '../../../lib/core/settled.js';

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
