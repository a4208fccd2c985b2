import { describe, expect, it } from 'vitest';
import { checkFailureShare, checkGuard, maxDisablesFor } from '../../../lib/delta/guard.js';

const defaults = { maxShrinkPercent: 20, maxRejectedPercent: 10, maxFailedPercent: 20 };
const calm = { kind: 'full' as const, rows: 1000, rejected: 0, disables: 0, activePeople: 1000, previousRows: 1000 };

describe('the guard', () => {
  it('defaults maxDisables to the lower of 500 and 10% of active people, at least 25', () => {
    expect(maxDisablesFor(defaults, 100)).toBe(25);
    expect(maxDisablesFor(defaults, 1000)).toBe(100);
    expect(maxDisablesFor(defaults, 100_000)).toBe(500);
    expect(maxDisablesFor({ ...defaults, maxDisables: 7 }, 100_000)).toBe(7);
  });

  it('passes a calm run and one exactly at each limit', () => {
    expect(checkGuard(calm, defaults)).toEqual([]);
    expect(checkGuard({ ...calm, disables: 100, rows: 800, rejected: 80 }, defaults)).toEqual([]);
  });

  it('names every threshold a run goes over, with its numbers', () => {
    const tripped = checkGuard({ ...calm, disables: 101, rows: 700, rejected: 71 }, defaults);
    expect(tripped.map((t) => [t.threshold, t.limit, t.actual])).toEqual([
      ['maxDisables', 100, 101],
      ['maxShrinkPercent', 20, 30],
      ['maxRejectedPercent', 10, 10.1],
    ]);
    expect(tripped[0]?.message).toBe("101 disables, more than the 100 allowed (the lower of 500 and 10% of the source's 1000 active people, at least 25)");
    expect(tripped[1]?.message).toBe("700 rows, 30% fewer than the 1000 of the source's last full extract (at most 20% allowed)");
  });

  it('does not check shrink for a changes source or a first run', () => {
    expect(checkGuard({ ...calm, kind: 'changes', rows: 10 }, defaults)).toEqual([]);
    const { previousRows: _p, ...first } = calm;
    expect(checkGuard({ ...first, rows: 10 }, defaults)).toEqual([]);
  });
});

describe('checkFailureShare', () => {
  it('says nothing before 200 outcomes, however bad', () => {
    expect(checkFailureShare({ outcomes: 199, failures: 199 }, defaults)).toBeUndefined();
  });

  it('trips over 20% of at least 200 outcomes, with the numbers', () => {
    expect(checkFailureShare({ outcomes: 200, failures: 40 }, defaults)).toBeUndefined();
    const t = checkFailureShare({ outcomes: 200, failures: 41 }, defaults);
    expect(t).toMatchObject({ threshold: 'maxFailedPercent', limit: 20, actual: 20.5 });
    expect(t?.message).toContain('41 of 200 outcomes');
  });

  it('follows the source threshold, and 100 turns it off', () => {
    expect(checkFailureShare({ outcomes: 1000, failures: 300 }, { maxFailedPercent: 50 })).toBeUndefined();
    expect(checkFailureShare({ outcomes: 1000, failures: 1000 }, { maxFailedPercent: 100 })).toBeUndefined();
    expect(checkFailureShare({ outcomes: 1000, failures: 1 }, { maxFailedPercent: 0 })?.actual).toBe(0.1);
  });
});
