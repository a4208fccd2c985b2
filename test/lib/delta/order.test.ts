import { describe, expect, it } from 'vitest';
import { managerOf, managersFirst } from '../../../lib/delta/order.js';
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
