import { describe, expect, it } from 'vitest';
import { intentRank, managerOf, managersFirst, sendOrder, sendPermutation } from '../../../lib/delta/order.js';
import type { QueuedOperation } from '../../../lib/delta/order.js';
import { serializeOperation } from '../../../lib/scim/bulk.js';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';

function op(externalId: string, managerId?: string): QueuedOperation {
  return { externalId, line: 0, stored: 0, ...(managerId === undefined ? {} : { managerId }) };
}
const order = (ops: QueuedOperation[]): string[] => managersFirst(ops).map((o) => o.externalId);

describe('managersFirst', () => {
  it('puts every manager in the file before its reports, keeping file order within a level', () => {
    expect(order([op('R1', 'M'), op('R2', 'M'), op('M', 'CEO'), op('X'), op('CEO')])).toEqual(['X', 'CEO', 'M', 'R1', 'R2']);
  });

  it('treats a manager outside the file as already there', () => {
    expect(order([op('B', 'ELSEWHERE'), op('A')])).toEqual(['B', 'A']);
  });

  it('gives each operation its depth in the chain', () => {
    expect(managersFirst([op('R', 'M'), op('M', 'CEO'), op('CEO')]).map((o) => [o.externalId, o.depth])).toEqual([
      ['CEO', 0],
      ['M', 1],
      ['R', 2],
    ]);
  });

  it('orders a deep chain given bottom up', () => {
    const chain = Array.from({ length: 50 }, (_, i) => op(`L${i}`, i === 49 ? undefined : `L${i + 1}`));
    expect(order(chain)).toEqual(chain.map((o) => o.externalId).reverse());
  });

  it('keeps records in a management cycle, and those hanging below it, without looping', () => {
    const result = order([op('A', 'B'), op('B', 'A'), op('C', 'A'), op('S', 'S')]);
    expect(result.sort()).toEqual(['A', 'B', 'C', 'S']);
    const ordered = order([op('A', 'B'), op('B', 'A'), op('C', 'A')]);
    expect(ordered.indexOf('C')).toBeGreaterThan(ordered.indexOf('A'));
  });
});

describe('managerOf', () => {
  it('reads the enterprise extension manager value from an operation', () => {
    const json = serializeOperation({ schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], externalId: 'E2', [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'E1' } } } as never);
    expect(managerOf(json)).toBe('E1');
    expect(managerOf(serializeOperation({ schemas: [CORE_USER_SCHEMA], externalId: 'E3' } as never))).toBeUndefined();
  });
});

describe('sendPermutation', () => {
  // A small deterministic generator, so each case is the same every run.
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }
  const INTENTS = ['disable', 'create', 'update', 'resend', undefined] as const;

  function check(ops: Array<{ externalId: string; managerId?: string; intent?: string }>): void {
    const number = new Map(ops.map((o, i) => [o.externalId, i]));
    const { order, depth } = sendPermutation(
      ops.length,
      (i) => intentRank(ops[i]?.intent),
      (i) => {
        const m = ops[i]?.managerId;
        return m === undefined ? -1 : (number.get(m) ?? -1);
      },
    );
    const expected = sendOrder(ops);
    expect([...order].map((i) => ops[i]?.externalId)).toEqual(expected.map((o) => o.externalId));
    expect([...order].map((i) => depth[i])).toEqual(expected.map((o) => o.depth));
  }

  it('gives the order and depths sendOrder gives, over random org charts with every intent, cycles, self-managers and managers outside', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const n = 1 + Math.floor(next() * 300);
      const ops = Array.from({ length: n }, (_, i) => {
        const r = next();
        // Mostly a manager earlier or later in the file; some none, some outside, some themselves.
        const managerId = r < 0.1 ? undefined : r < 0.15 ? `OUT${i}` : r < 0.17 ? `P${i}` : `P${Math.floor(next() * n)}`;
        const intent = INTENTS[Math.floor(next() * INTENTS.length)];
        return { externalId: `P${i}`, ...(managerId === undefined ? {} : { managerId }), ...(intent === undefined ? {} : { intent }) };
      });
      check(ops);
    }
  });

  it('orders a deep chain given bottom up, and nothing at all', () => {
    check(Array.from({ length: 200 }, (_, i) => ({ externalId: `L${i}`, intent: 'create', ...(i === 199 ? {} : { managerId: `L${i + 1}` }) })));
    check([]);
  });

  it('refuses a rank that is not a byte', () => {
    expect(() =>
      sendPermutation(
        1,
        () => 256,
        () => -1,
      ),
    ).toThrow(RangeError);
  });
});
