import { describe, expect, it } from 'vitest';
import { groupBy } from '../../../lib/core/group-by.js';

describe('groupBy', () => {
  it('groups by key, keys in first-seen order and each group in the items’ order', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0] as string);
    expect([...groups.entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
  });

  it('gives an empty map for no items', () => {
    expect(groupBy([], String).size).toBe(0);
  });
});
