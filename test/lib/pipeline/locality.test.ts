import { describe, expect, it } from 'vitest';
import { byPartitionWithinStepsInPlace } from '../../../lib/pipeline/locality.js';

interface Item {
  id: string;
  step: string;
  partition: string;
}

// The model the in-place order is checked against: each stretch of a step sorted by partition, stably.
function byPartitionWithinSteps<T>(ordered: readonly T[], stepOf: (item: T) => string, partitionOf: (item: T) => string, stretch = Infinity): T[] {
  const out: T[] = [];
  for (let start = 0; start < ordered.length;) {
    const step = stepOf(ordered[start] as T);
    let end = start + 1;
    while (end < ordered.length && end - start < stretch && stepOf(ordered[end] as T) === step) end++;
    const keyed = ordered.slice(start, end).map((item) => ({ item, partition: partitionOf(item) }));
    // Array.prototype.sort is stable: file order survives within a partition.
    keyed.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
    for (const k of keyed) out.push(k.item);
    start = end;
  }
  return out;
}

const item = (id: string, step: string, partition: string): Item => ({ id, step, partition });
/** Items in the order byPartitionWithinStepsInPlace gives their numbers. */
function inPlace(items: Item[], stretch?: number): Item[] {
  const steps = new Map<string, number>();
  for (const i of items) if (!steps.has(i.step)) steps.set(i.step, steps.size);
  const numbers = Int32Array.from(items.keys());
  byPartitionWithinStepsInPlace(
    numbers,
    (k) => steps.get(items[k]?.step as string) as number,
    (k) => items[k]?.partition as string,
    stretch,
  );
  return [...numbers].map((k) => items[k] as Item);
}
const order = (items: Item[], stretch?: number): string[] => inPlace(items, stretch).map((i) => i.id);
const modelOrder = (items: Item[], stretch?: number): string[] =>
  byPartitionWithinSteps(
    items,
    (i) => i.step,
    (i) => i.partition,
    stretch,
  ).map((i) => i.id);

describe('byPartitionWithinStepsInPlace', () => {
  it('groups a step by partition, keeping file order within a partition', () => {
    expect(order([item('a', 's', '2'), item('b', 's', '1'), item('c', 's', '2'), item('d', 's', '1')])).toEqual(['b', 'd', 'a', 'c']);
  });

  it('never moves a record across a step boundary, so managers stay ahead of their reports', () => {
    const items = [item('m1', '0:0', 'b'), item('m2', '0:0', 'a'), item('r1', '0:1', 'a'), item('r2', '0:1', 'b'), item('r3', '0:1', 'a'), item('x', '1:0', 'a')];
    const out = inPlace(items);
    expect(out.map((i) => i.id)).toEqual(['m2', 'm1', 'r1', 'r3', 'r2', 'x']);
    expect(out.map((i) => i.step)).toEqual(items.map((i) => i.step));
  });

  it('keeps every record once, and an empty order empty', () => {
    const items = Array.from({ length: 500 }, (_, n) => item(`p${n}`, `${Math.floor(n / 120)}`, (n * 7919) % 16 === 0 ? 'a' : String((n * 31) % 16)));
    const out = order(items);
    expect(out).toHaveLength(500);
    expect(new Set(out).size).toBe(500);
    expect(order([])).toEqual([]);
  });

  it('cuts requests that each span few partitions', () => {
    // 1,000 records of one step over 16 partitions, cut into requests of 50.
    const items = Array.from({ length: 1000 }, (_, n) => item(`p${n}`, 'one', ((n * 2654435761) % 16).toString(16)));
    const out = inPlace(items);
    const spans: number[] = [];
    for (let i = 0; i < out.length; i += 50) spans.push(new Set(out.slice(i, i + 50).map((x) => x.partition)).size);
    expect(Math.max(...spans)).toBeLessThanOrEqual(2);
    const fileOrderSpans: number[] = [];
    for (let i = 0; i < items.length; i += 50) fileOrderSpans.push(new Set(items.slice(i, i + 50).map((x) => x.partition)).size);
    expect(Math.min(...fileOrderSpans)).toBeGreaterThan(10);
  });
});

describe('ordering a stretch at a time', () => {
  it('orders each stretch of a step by partition and moves no one out of their stretch', () => {
    const items = Array.from({ length: 10 }, (_, i) => item(`i${i}`, i < 7 ? 's' : 't', String(9 - i)));
    // Stretches of 3 within step s (i0-i2, i3-i5, i6), then step t (i7-i9).
    expect(order(items, 3)).toEqual(['i2', 'i1', 'i0', 'i5', 'i4', 'i3', 'i6', 'i9', 'i8', 'i7']);
    expect(order(items)).toEqual(['i6', 'i5', 'i4', 'i3', 'i2', 'i1', 'i0', 'i9', 'i8', 'i7']);
  });
});

describe('the in-place order against its model', () => {
  it('reorders a send order of numbers as the model reorders the items, over random steps and partitions', () => {
    let s = 7;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    for (let round = 0; round < 60; round++) {
      const n = Math.floor(next() * 400);
      // Half the rounds ordered a stretch at a time, as ingest does.
      const stretch = round % 2 === 0 ? undefined : 1 + Math.floor(next() * 60);
      // Steps come in runs (as the send order gives them); some repeat after another step between.
      let step = 0;
      const items = Array.from({ length: n }, (_, i) => {
        if (next() < 0.05) step = Math.floor(next() * 6);
        return { id: `i${i}`, step: String(step), partition: `run~${Math.floor(next() * 16).toString(16)}` };
      });
      // A permutation of the items' numbers, as the send order gives it.
      const numbers = Int32Array.from(items.keys()).reverse();
      const inOrder = [...numbers].map((k) => items[k] as Item);
      byPartitionWithinStepsInPlace(
        numbers,
        (k) => Number(items[k]?.step),
        (k) => items[k]?.partition as string,
        stretch,
      );
      expect([...numbers].map((k) => items[k]?.id)).toEqual(modelOrder(inOrder, stretch));
    }
  });
});
