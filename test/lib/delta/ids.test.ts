import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../lib/delta/ids.js';

describe('IdIndex', () => {
  it('numbers ids in the order first met and gives each back', () => {
    const ids = new IdIndex();
    expect(['B', 'A', 'B', 'C', 'A'].map((id) => ids.intern(id))).toEqual([0, 1, 0, 2, 1]);
    expect(ids.size).toBe(3);
    expect([0, 1, 2].map((n) => ids.get(n))).toEqual(['B', 'A', 'C']);
    expect(ids.find('C')).toBe(2);
    expect(ids.find('D')).toBe(-1);
    expect(ids.size).toBe(3);
  });

  it('after dropLookup still gives each id back by number, and refuses to find or add one', () => {
    const index = new IdIndex(4);
    const ids = ['A', 'Zoë', '', 'E00042'];
    for (const id of ids) index.intern(id);
    index.dropLookup();
    expect(ids.map((_, n) => index.get(n))).toEqual(ids);
    expect(() => index.find('A')).toThrow(/no longer finds ids/);
    expect(() => index.intern('B')).toThrow(/no longer finds ids/);
  });

  it('keeps ids that are prefixes of each other, empty, or not ASCII apart', () => {
    const ids = new IdIndex(1);
    const all = ['E1', 'E10', 'E100', '', 'é', 'e\u0301', 'Zoë-7', '社員42', '\u{1F600}', 'E1 '];
    const numbers = all.map((id) => ids.intern(id));
    expect(new Set(numbers).size).toBe(all.length);
    all.forEach((id, i) => {
      expect(ids.find(id)).toBe(numbers[i]);
      expect(ids.get(numbers[i] as number)).toBe(id);
    });
  });

  it('finds every id again after growing many times past its first size', () => {
    const ids = new IdIndex(4);
    const all = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? `Ü${i}` : `W${i.toString(36)}`));
    all.forEach((id, i) => expect(ids.intern(id)).toBe(i));
    expect(ids.size).toBe(all.length);
    for (let i = 0; i < all.length; i += 7) {
      expect(ids.find(all[i] as string)).toBe(i);
      expect(ids.get(i)).toBe(all[i]);
    }
    expect(ids.find('W-none')).toBe(-1);
  });

  it('refuses a number it never gave', () => {
    const ids = new IdIndex();
    ids.intern('A');
    expect(() => ids.get(1)).toThrow(RangeError);
    expect(() => ids.get(-1)).toThrow(RangeError);
  });
});

describe('IdIndex.reserve', () => {
  it('keeps every id and number when room is made after some were interned', () => {
    const ids = new IdIndex(2);
    const first = ['A', 'Bé', 'C'].map((id) => ids.intern(id));
    ids.reserve(5000);
    const rest = Array.from({ length: 5000 }, (_, i) => ids.intern(`N${i}`));
    expect(first).toEqual([0, 1, 2]);
    expect(rest[0]).toBe(3);
    expect(['A', 'Bé', 'C', 'N4999'].map((id) => ids.find(id))).toEqual([0, 1, 2, 5002]);
    expect(ids.get(1)).toBe('Bé');
  });
});
