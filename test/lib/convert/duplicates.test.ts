import { describe, expect, it } from 'vitest';
import { DuplicateTracker } from '../../../lib/convert/duplicates.js';

describe('DuplicateTracker', () => {
  it('returns the first line for a repeat and nothing for a first sighting', () => {
    const t = new DuplicateTracker();
    expect(t.see('E1', 2, true)).toBeUndefined();
    expect(t.see('E2', 3, false)).toBeUndefined();
    expect(t.see('E1', 4, true)).toBe(2);
    expect(t.see('E2', 5, true)).toBe(3);
    expect(t.see('E1', 6, false)).toBe(2);
    expect(t.duplicatedCount).toBe(2);
    expect([...t.groups()]).toEqual([
      { externalId: 'E1', lines: [2, 4, 6], firstWasValid: true },
      { externalId: 'E2', lines: [3, 5], firstWasValid: false },
    ]);
  });

  it('tells apart ids that differ in one character, in length or only past the first byte of a character', () => {
    const t = new DuplicateTracker();
    const ids = ['A', 'AA', 'A\u0000', 'Ā', 'Ł', '😀', '😁', 'E 1', 'E1 ', 'e1', 'E1'];
    ids.forEach((id, i) => expect(t.see(id, i + 2, true)).toBeUndefined());
    ids.forEach((id, i) => expect(t.see(id, 100 + i, true)).toBe(i + 2));
  });

  it('agrees with a Map over many ids, through every growth of its tables', () => {
    const t = new DuplicateTracker();
    const first = new Map<string, number>();
    const repeats = new Map<string, number[]>();
    const wrong: number[] = [];
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let line = 2; line < 60_000; line++) {
      // ~40k distinct ids of varied length, so a quarter of the rows repeat an earlier one.
      const n = next() % 40_000;
      const id = `W${n.toString(36)}${n % 11 === 0 ? 'é'.repeat(n % 5) : ''}`;
      const valid = next() % 3 !== 0;
      const expected = first.get(id);
      const got = t.see(id, line, valid);
      if (got !== (expected === undefined ? undefined : Math.abs(expected))) wrong.push(line);
      if (expected === undefined) first.set(id, valid ? line : -line);
      else if (repeats.has(id)) repeats.get(id)?.push(line);
      else repeats.set(id, [line]);
    }
    expect(wrong).toEqual([]);
    expect(t.duplicatedCount).toBe(repeats.size);
    const groups = [...t.groups()];
    expect(groups.map((g) => g.externalId)).toEqual([...repeats.keys()]);
    for (const g of groups) {
      const f = first.get(g.externalId) as number;
      expect(g).toEqual({ externalId: g.externalId, lines: [Math.abs(f), ...(repeats.get(g.externalId) as number[])], firstWasValid: f > 0 });
    }
  });
});
