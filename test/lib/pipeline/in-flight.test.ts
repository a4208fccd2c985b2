import { describe, expect, it } from 'vitest';
import { Holds, InFlightRecords } from '../../../lib/pipeline/in-flight.js';

describe('InFlightRecords and one invocation’s Holds', () => {
  it('counts holders: a record is in flight until every hold is let go, and only in its own run', () => {
    const inFlight = new InFlightRecords();
    expect([inFlight.hold('r', 'M0'), inFlight.hold('r', 'M0')]).toEqual([true, false]);
    expect([inFlight.has('r', 'M0'), inFlight.has('r2', 'M0')]).toEqual([true, false]);
    inFlight.release('r', 'M0');
    expect(inFlight.has('r', 'M0')).toBe(true);
    inFlight.release('r', 'M0');
    expect(inFlight.has('r', 'M0')).toBe(false);
    expect(inFlight.count).toBe(0);
  });

  it('whenFree resolves once every record asked about is let go by all its holders; at once when none is held; not after cancel', async () => {
    const inFlight = new InFlightRecords();
    const settled = (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
    inFlight.hold('r', 'M0');
    inFlight.hold('r', 'M0');
    inFlight.hold('r', 'M1');
    const both = inFlight.whenFree([
      { runId: 'r', externalId: 'M0' },
      { runId: 'r', externalId: 'M1' },
      { runId: 'r', externalId: 'M9' },
    ]);
    const cancelled = inFlight.whenFree([{ runId: 'r', externalId: 'M1' }]);
    cancelled.cancel();
    inFlight.release('r', 'M0');
    inFlight.release('r', 'M1');
    expect(await settled(both.free)).toBe(false);
    expect(await settled(cancelled.free)).toBe(false);
    inFlight.release('r', 'M0');
    expect(await settled(both.free)).toBe(true);
    expect(await settled(inFlight.whenFree([{ runId: 'r', externalId: 'M0' }]).free)).toBe(true);
  });

  it('an invocation refused a record holds none of it, and refuses every copy of it', () => {
    const inFlight = new InFlightRecords();
    const a = new Holds(inFlight);
    const b = new Holds(inFlight);
    expect(a.take('r', 'M0')).toBe(true);
    expect([b.take('r', 'M0'), b.take('r', 'M0')]).toEqual([false, false]);
    a.releaseAll();
    // b never held it: once a lets go, no one does.
    expect(inFlight.has('r', 'M0')).toBe(false);
    b.releaseAll();
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
