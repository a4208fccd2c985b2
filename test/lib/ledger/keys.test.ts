// Keys and payload parts within Table storage's limits, without a server.
import { describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_CHARS,
  PAYLOAD_PART_CHARS,
  RECORD_BUCKETS,
  clip,
  compareTimes,
  joinPayload,
  personBucket,
  recordKey,
  recordPartition,
  runOfPartition,
  splitPayload,
} from '../../../lib/ledger/keys.js';

/** Characters Table storage refuses in keys: `/ \\ # ?` and control characters. */
function forbidden(key: string): boolean {
  return [...key].some((c) => '/\\#?'.includes(c) || (c.codePointAt(0) ?? 0) < 0x20 || ((c.codePointAt(0) ?? 0) >= 0x7f && (c.codePointAt(0) ?? 0) <= 0x9f));
}

describe('recordKey', () => {
  it('is a legal, distinct key for awkward ids, hashed only when too long', () => {
    const ids = ['a/b', 'a\\b', 'a#b', 'a?b', '100%', 'tab\there', 'Zoë', 'x'.repeat(200), 'y'.repeat(5000), 'y'.repeat(5001)];
    const keys = ids.map(recordKey);
    for (const k of keys) {
      expect(forbidden(k)).toBe(false);
      expect(Buffer.byteLength(k, 'utf8')).toBeLessThanOrEqual(1024);
      expect(k.startsWith('R|')).toBe(true);
    }
    expect(new Set(keys).size).toBe(ids.length);
    expect(keys[7]).toBe(`R|${Buffer.from('x'.repeat(200)).toString('base64url')}`);
    expect(keys[8]).toMatch(/^R\|!/);
    expect(forbidden('a\tb') && forbidden('a#b')).toBe(true);
    expect(personBucket('a/b')).toMatch(/^[0-9a-f]{2}$/);
  });
});

describe('payload parts', () => {
  it('round-trips, and never ends a part on half a surrogate pair', () => {
    const payload = `${'a'.repeat(PAYLOAD_PART_CHARS - 1)}😀${'é'.repeat(PAYLOAD_PART_CHARS)}😀`;
    const parts = splitPayload(payload);
    expect(parts['payloadParts']).toBe(3);
    for (let i = 0; i < 3; i++) {
      const part = parts[`payload${i}`] as string;
      expect(part.length).toBeLessThanOrEqual(PAYLOAD_PART_CHARS);
      expect(part).not.toMatch(/[\ud800-\udbff]$/);
    }
    expect(joinPayload(parts)).toBe(payload);
    expect(joinPayload(splitPayload(''))).toBe('');
    expect(() => splitPayload('z'.repeat(MAX_PAYLOAD_CHARS + 1))).toThrow(RangeError);
  });

  it('clips reasons without splitting a pair', () => {
    expect(clip('ab😀', 3)).toBe('ab');
    expect(clip('abc', 3)).toBe('abc');
  });

  it('compares timestamps by instant', () => {
    expect(compareTimes('2026-11-23T00:00:01Z', '2026-11-23T00:00:01.000Z')).toBe(0);
    expect(compareTimes('2026-11-23T00:00:01Z', '2026-11-23T00:00:01.500Z')).toBeLessThan(0);
  });
});

describe('recordPartition', () => {
  it('spreads a run over 16 partitions that name their run', () => {
    const partitions = new Set(Array.from({ length: 2000 }, (_, i) => recordPartition('20261123-abc', `E${i}`)));
    expect(partitions.size).toBe(RECORD_BUCKETS);
    for (const p of partitions) {
      expect(p).toMatch(/^20261123-abc~[0-9a-f]$/);
      expect(runOfPartition(p)).toBe('20261123-abc');
    }
    expect(recordPartition('r', 'E1')).toBe(recordPartition('r', 'E1'));
  });

  it("refuses a run id holding '~', which would fall inside another run's range", () => {
    expect(() => recordPartition('r~a', 'E1')).toThrow(/'~'/);
  });
});
