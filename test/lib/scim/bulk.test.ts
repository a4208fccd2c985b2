import { describe, expect, it } from 'vitest';
import { BulkBatcher, ByteBatcher, checkBatchLimits, operationFits, parseBatch, serializeOperation, toOperation } from '../../../lib/scim/bulk.js';
import type { BulkBatch, SerializedOperation } from '../../../lib/scim/bulk.js';
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { ScimUser } from '../../../lib/scim/types.js';

const op = (i: number, pad = 0): SerializedOperation => {
  const externalId = `E${String(i).padStart(6, '0')}`;
  return { externalId, line: i + 1, json: serializeOperation({ schemas: [CORE_USER_SCHEMA], externalId, active: true, displayName: 'x'.repeat(pad) }) };
};

function batchAll(n: number, batcher: BulkBatcher, pad = 0): BulkBatch[] {
  const out: BulkBatch[] = [];
  for (let i = 0; i < n; i++) {
    const b = batcher.add(op(i, pad));
    if (b) out.push(b);
  }
  const last = batcher.flush();
  if (last) out.push(last);
  return out;
}

describe('serializeOperation', () => {
  it('wraps the user as a POST to /Users with the externalId as bulkId', () => {
    const parsed = JSON.parse(op(7).json);
    expect(parsed).toEqual({ method: 'POST', bulkId: 'E000007', path: '/Users', data: { schemas: [CORE_USER_SCHEMA], externalId: 'E000007', active: true, displayName: '' } });
  });
});

describe('serializeOperation, exactly as JSON.stringify(toOperation(user))', () => {
  const plain = (u: unknown): string => JSON.stringify(toOperation(u as ScimUser));
  const base = (): ScimUser => ({ schemas: [CORE_USER_SCHEMA], externalId: 'E1', active: true, displayName: 'Zoë "Z" \\ Ø 😀\n' });

  it('for the users the mapping builds, other schemas, and unusual shapes', () => {
    const cases: unknown[] = [
      base(),
      { ...base(), schemas: [CORE_USER_SCHEMA, 'urn:x'] },
      { schemas: [CORE_USER_SCHEMA], externalId: 'E2' },
      { schemas: [], externalId: 'E3', active: false },
      { externalId: 'E4', schemas: [CORE_USER_SCHEMA], active: true },
      { schemas: [CORE_USER_SCHEMA], active: true },
      { schemas: 'not a list', externalId: 'E5' },
      Object.freeze(base()),
      Object.assign(Object.create({ inherited: 1 }) as object, base()),
      { 7: 'x', ...base() },
    ];
    for (const u of cases) expect(serializeOperation(u as ScimUser)).toBe(plain(u));
    // The schemas of the last call are not carried over to the next.
    expect(serializeOperation({ ...base(), schemas: ['urn:a'] })).toBe(plain({ ...base(), schemas: ['urn:a'] }));
    expect(serializeOperation(base())).toBe(plain(base()));
  });

  it('leaves the user as it was', () => {
    const u = base();
    const schemas = u.schemas;
    serializeOperation(u);
    expect(u.schemas).toBe(schemas);
    expect(Object.keys(u)).toEqual(['schemas', 'externalId', 'active', 'displayName']);
  });
});

describe('BulkBatcher', () => {
  it('makes requests of at most 50 operations that parse as SCIM BulkRequests', () => {
    const batches = batchAll(120, new BulkBatcher());
    expect(batches.map((b) => b.externalIds.length)).toEqual([50, 50, 20]);
    expect(batches.map((b) => b.index)).toEqual([1, 2, 3]);
    const req = parseBatch(batches[1] as BulkBatch);
    expect(req.schemas).toEqual([BULK_REQUEST_SCHEMA]);
    expect(req.failOnErrors).toBeNull();
    expect(req.Operations).toHaveLength(50);
    expect(req.Operations[0]?.bulkId).toBe('E000050');
    expect(batches[1]?.lines[0]).toBe(51);
  });

  it('reports the exact byte size of each body and keeps every request under the cap', () => {
    const cap = 8192;
    const batches = batchAll(40, new BulkBatcher({ maxOperations: 50, maxBytes: cap }), 500);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      expect(b.bytes).toBe(Buffer.byteLength(b.body));
      expect(b.bytes).toBeLessThanOrEqual(cap);
    }
    expect(batches.flatMap((b) => b.externalIds)).toHaveLength(40);
  });

  it('counts multi-byte characters in bytes, not string length', () => {
    const batcher = new BulkBatcher({ maxOperations: 50, maxBytes: 4096 });
    const wide = (i: number): SerializedOperation => ({
      externalId: `E${i}`,
      line: i,
      json: serializeOperation({ schemas: [], externalId: `E${i}`, active: true, displayName: 'Ø'.repeat(1000) }),
    });
    const out: BulkBatch[] = [];
    for (let i = 0; i < 6; i++) {
      const b = batcher.add(wide(i));
      if (b) out.push(b);
    }
    const last = batcher.flush();
    if (last) out.push(last);
    for (const b of out) expect(Buffer.byteLength(b.body)).toBeLessThanOrEqual(4096);
    // ~2.1 kB each in UTF-8 (but ~1.1k characters): only one fits under 4096 bytes.
    expect(out.map((b) => b.externalIds.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('honours a smaller batch size and refuses one above 50', () => {
    expect(batchAll(7, new BulkBatcher({ maxOperations: 3, maxBytes: 1 << 20 })).map((b) => b.externalIds.length)).toEqual([3, 3, 1]);
    expect(() => checkBatchLimits({ maxOperations: 51, maxBytes: 1 << 20 })).toThrow(/1 to 50/);
    expect(() => checkBatchLimits({ maxOperations: 0, maxBytes: 1 << 20 })).toThrow(/1 to 50/);
  });

  it('knows when one operation can never fit', () => {
    expect(operationFits(op(1, 10_000), { maxOperations: 50, maxBytes: 4096 })).toBe(false);
    expect(operationFits(op(1, 10), { maxOperations: 50, maxBytes: 4096 })).toBe(true);
  });

  it('decides fitting on UTF-8 bytes right at the cap, whatever the characters', () => {
    const limits = { maxOperations: 50, maxBytes: 4096 };
    for (const char of ['x', 'Ø', '東', '😀']) {
      for (let n = 0; n < 4200; n += char.length === 2 ? 7 : 13) {
        const o: SerializedOperation = { externalId: 'E1', line: 2, json: serializeOperation({ schemas: [], externalId: 'E1', active: true, displayName: char.repeat(n) }) };
        const alone = new BulkBatcher({ maxOperations: 50, maxBytes: 1 << 30 });
        alone.add(o);
        expect(operationFits(o, limits), `${n} × ${char}`).toBe((alone.flush() as BulkBatch).bytes <= limits.maxBytes);
      }
    }
  });

  it('gives nothing for no operations', () => {
    expect(new BulkBatcher().flush()).toBeUndefined();
  });
});

describe('ByteBatcher', () => {
  it('builds from UTF-8 bytes the requests BulkBatcher builds from strings', () => {
    for (const limits of [
      { maxOperations: 50, maxBytes: 1 << 20 },
      { maxOperations: 4, maxBytes: 1 << 20 },
      { maxOperations: 50, maxBytes: 4096 },
    ]) {
      const list = Array.from({ length: 23 }, (_, i) => ({
        externalId: `É${i}`,
        line: i + 2,
        json: serializeOperation({ schemas: [], externalId: `É${i}`, active: true, displayName: 'Ø😀'.repeat(i * 40) }),
      }));
      const byBytes = new ByteBatcher(limits);
      const out: BulkBatch[] = [];
      for (const o of list) {
        const bytes = Buffer.from(`xx${o.json}yy`);
        const b = byBytes.add(o.externalId, o.line, bytes, 2, bytes.length - 2);
        if (b) out.push(b);
      }
      const last = byBytes.flush();
      if (last) out.push(last);
      const plain = new BulkBatcher(limits);
      const expected: BulkBatch[] = [];
      for (const o of list) {
        const b = plain.add(o);
        if (b) expected.push(b);
      }
      expected.push(plain.flush() as BulkBatch);
      expect(out).toEqual(expected);
    }
  });

  it('gives nothing for no operations', () => {
    expect(new ByteBatcher().flush()).toBeUndefined();
  });
});
