import { describe, expect, it } from 'vitest';
import { DAY_MS, callsUsed, capOf, decodeWindow, encodeWindow, nextFreeAt, takeCalls } from '../../../lib/provisioning/budget.js';
import type { CallWindow } from '../../../lib/provisioning/budget.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const MIN = 60_000;
const policy = { dailyCalls: 10, reserve: 2 };

function spend(window: CallWindow, at: number, n: number, cls: 'normal' | 'reserved' = 'normal'): CallWindow {
  let w = window;
  for (let i = 0; i < n; i++) {
    const d = takeCalls(w, at, 1, cls, policy);
    if (!d.granted) throw new Error(`call ${i} refused`);
    w = d.window;
  }
  return w;
}

describe('the daily budget window', () => {
  it('grants normal calls up to the budget less the reserve, and reserved calls up to the whole budget', () => {
    let w: CallWindow = spend(new Map(), T0, 8);
    expect(callsUsed(w, T0)).toBe(8);
    const refused = takeCalls(w, T0, 1, 'normal', policy);
    expect(refused.granted).toBe(false);
    w = spend(w, T0, 2, 'reserved');
    expect(takeCalls(w, T0, 1, 'reserved', policy).granted).toBe(false);
    expect(capOf(policy, 'normal')).toBe(8);
  });

  it('frees a call a whole day (and up to two minutes more) after it was drawn, never earlier', () => {
    const w = spend(new Map(), T0 + 30_000, 8);
    // Drawn at 08:00:30: still counted at 08:01:59 the next day, free from 08:02:00.
    expect(takeCalls(w, T0 + DAY_MS + MIN + 59_000, 1, 'normal', policy).granted).toBe(false);
    const refused = takeCalls(w, T0 + DAY_MS, 1, 'normal', policy);
    expect(refused.granted === false && refused.nextAt).toBe(T0 + DAY_MS + 2 * MIN);
    expect(takeCalls(w, T0 + DAY_MS + 2 * MIN, 1, 'normal', policy).granted).toBe(true);
  });

  it('says when n more calls fit, minute by minute as the oldest calls free', () => {
    let w = spend(new Map(), T0, 3);
    w = spend(w, T0 + 10 * MIN, 3);
    w = spend(w, T0 + 20 * MIN, 2);
    const now = T0 + 30 * MIN;
    expect(nextFreeAt(w, now, 1, 8)).toBe(T0 + 2 * MIN + DAY_MS);
    expect(nextFreeAt(w, now, 4, 8)).toBe(T0 + 12 * MIN + DAY_MS);
    expect(nextFreeAt(w, now, 9, 8)).toBe(Number.POSITIVE_INFINITY);
  });

  it('round-trips through its table form, which stays small for a full day of minutes', () => {
    const w: CallWindow = new Map();
    for (let m = 0; m < 1440; m++) w.set(Math.floor(T0 / MIN) + m, 1 + (m % 7));
    const text = encodeWindow(w);
    expect(decodeWindow(text)).toEqual(w);
    expect(text.length).toBeLessThan(16_000);
    expect(decodeWindow('')).toEqual(new Map());
  });
});
