import { describe, expect, it } from 'vitest';
import { OperationStore } from '../../../lib/convert/operation-store.js';

// JSON of varied size and script: accents, CJK, an emoji (4 bytes in UTF-8), and now and then one
// larger than the store's 1 MiB block or its 64 KiB pages.
function json(i: number): string {
  const words = ['plain', 'Ærøskøbing', '東京都', 'smile 😀', 'quote"d'];
  const note = i % 997 === 5 ? 'ß'.repeat(700_000) : i % 211 === 7 ? '東'.repeat(30_000) : (words[i % words.length] as string).repeat(1 + (i % 17));
  return JSON.stringify({ method: 'POST', bulkId: `E${i}`, data: { externalId: `E${i}`, note } });
}

// A fixed permutation of 0..n-1 (a linear congruential walk), so a failure repeats.
function shuffled(n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

describe('OperationStore', () => {
  it('gives back every operation byte for byte, in file order, in a random order and read side by side', async () => {
    const store = new OperationStore();
    try {
      const n = 3_000;
      const numbers: number[] = [];
      for (let i = 0; i < n; i++) {
        numbers.push(store.add(json(i)));
        if (store.shouldFlush) await store.flush();
      }
      expect(numbers).toEqual(Array.from({ length: n }, (_, i) => i));
      for (let i = 0; i < n; i++) expect(await store.read(i)).toBe(json(i));
      for (const i of shuffled(n)) expect(await store.read(i)).toBe(json(i));
      const together = shuffled(n).slice(0, 500);
      expect(await Promise.all(together.map((i) => store.read(i)))).toEqual(together.map(json));
    } finally {
      await store.dispose();
    }
  });

  it('reads what was added after earlier reads, flushed or not, and reads started before a flush ends', async () => {
    const store = new OperationStore();
    try {
      for (let i = 0; i < 100; i++) store.add(json(i));
      expect(await store.read(50)).toBe(json(50));
      // Added after the window was read: the window must not serve them stale or cut short.
      for (let i = 100; i < 200; i++) store.add(json(i));
      const reads = [store.read(150), store.read(199), store.read(0)];
      store.add(json(200));
      reads.push(store.read(200));
      expect(await Promise.all(reads)).toEqual([json(150), json(199), json(0), json(200)]);
    } finally {
      await store.dispose();
    }
  });

  it('keeps empty operations and refuses numbers it never gave', async () => {
    const store = new OperationStore();
    try {
      expect(store.add('')).toBe(0);
      expect(store.add('{}')).toBe(1);
      expect(await store.read(0)).toBe('');
      expect(await store.read(1)).toBe('{}');
      await expect(store.read(2)).rejects.toThrow(/no stored operation 2/);
      await expect(store.read(-1)).rejects.toThrow(/no stored operation -1/);
      await expect(store.read(0.5)).rejects.toThrow(/no stored operation/);
    } finally {
      await store.dispose();
    }
  });
});
