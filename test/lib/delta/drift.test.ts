import { describe, expect, it } from 'vitest';
import { driftDue, lastBoundary } from '../../../lib/delta/drift.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T02:00:00Z');
const ids = Array.from({ length: 7000 }, (_, i) => `E${String(i).padStart(6, '0')}`);

describe('drift repair', () => {
  it('never resends when days is 0', () => {
    expect(driftDue('E1', T0 - 400 * DAY, T0, 0)).toBe(false);
  });

  it('after a first full night, resends about a seventh of everyone each night, never a spike', () => {
    const last = new Map(ids.map((id) => [id, T0]));
    const perNight: number[] = [];
    for (let night = 1; night <= 21; night++) {
      const now = T0 + night * DAY;
      let sent = 0;
      for (const id of ids) {
        if (driftDue(id, last.get(id) as number, now, 7)) {
          sent++;
          last.set(id, now);
        }
      }
      perNight.push(sent);
    }
    // 1,000 a night on average; a binomial spread, nowhere near the 7,000 of a spike.
    for (const n of perNight) {
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
    expect(perNight.reduce((a, b) => a + b, 0)).toBe(3 * 7000);
  });

  it('leaves nobody unsent for more than the cycle plus one night, and catches everyone on a weekly run', () => {
    for (const id of ids.slice(0, 500)) {
      let last = T0;
      for (let night = 1; night <= 30; night++) {
        const now = T0 + night * DAY;
        if (driftDue(id, last, now, 7)) {
          expect(now - last).toBeLessThanOrEqual(8 * DAY);
          last = now;
        }
      }
      expect(driftDue(id, T0, T0 + 7 * DAY + 1, 7)).toBe(true);
    }
  });

  it('puts each boundary at or before now, less than a cycle ago', () => {
    for (const id of ids.slice(0, 100)) {
      const b = lastBoundary(id, 7, T0);
      expect(b).toBeLessThanOrEqual(T0);
      expect(T0 - b).toBeLessThan(7 * DAY);
    }
  });
});
