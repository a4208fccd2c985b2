import { describe, expect, it } from 'vitest';
import { Holds, InFlightRecords } from '../../../lib/pipeline/in-flight.js';

describe('InFlightRecords and one invocation’s Holds', () => {
  it('the second invocation to hold a record learns that another holds it; the record is in flight until both let go', () => {
    const inFlight = new InFlightRecords();
    const a = new Holds(inFlight);
    const b = new Holds(inFlight);
    expect(a.take('r', 'M0')).toBe(true);
    expect(b.take('r', 'M0')).toBe(false);
    expect(inFlight.has('r', 'M0')).toBe(true);
    expect(inFlight.has('r2', 'M0')).toBe(false);
    a.releaseAll();
    expect(inFlight.has('r', 'M0')).toBe(true);
    b.releaseAll();
    expect(inFlight.has('r', 'M0')).toBe(false);
    expect(inFlight.count).toBe(0);
  });

  it('a record twice in one invocation is one hold; dropped, it is free for another', () => {
    const inFlight = new InFlightRecords();
    const a = new Holds(inFlight);
    expect([a.take('r', 'E1'), a.take('r', 'E1'), a.take('r', 'E2')]).toEqual([true, true, true]);
    a.drop('r', 'E1');
    a.drop('r', 'E1');
    expect([inFlight.has('r', 'E1'), inFlight.has('r', 'E2')]).toEqual([false, true]);
    expect(new Holds(inFlight).take('r', 'E1')).toBe(true);
    a.releaseAll();
    expect(inFlight.has('r', 'E2')).toBe(false);
  });

  it('without a process-wide record, every take succeeds and nothing is held', () => {
    const a = new Holds();
    expect([a.take('r', 'E1'), a.take('r', 'E1')]).toEqual([true, true]);
    expect(() => a.releaseAll()).not.toThrow();
  });
});
