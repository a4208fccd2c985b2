// Keys and payload parts within Table storage's limits, without a server.
import { describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_CHARS,
  PAYLOAD_PART_CHARS,
  PEOPLE_PARTITIONS,
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
  });
});

describe('personBucket', () => {
  it('spreads people over the 16 partitions p0 … pf, the same one each time', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 4800; i++) {
      const b = personBucket(`W${i}`);
      expect(b).toMatch(/^p[0-9a-f]$/);
      expect(b >= PEOPLE_PARTITIONS.from && b <= PEOPLE_PARTITIONS.to).toBe(true);
      seen.set(b, (seen.get(b) ?? 0) + 1);
    }
    expect(seen.size).toBe(16);
    // 300 each on average: a hash that favoured a few partitions would leave some far off it.
    for (const n of seen.values()) expect(n).toBeGreaterThan(200);
    expect(personBucket('a/b')).toBe(personBucket('a/b'));
  });

  it('keeps the 256 two-digit partitions of the development layout outside the range it reads', () => {
    for (const old of ['00', '7f', 'ff']) expect(old < PEOPLE_PARTITIONS.from || old > PEOPLE_PARTITIONS.to).toBe(true);
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
