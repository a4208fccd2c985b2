import { describe, expect, it } from 'vitest';
import { SentRecords } from '../../../lib/pipeline/sent-records.js';

describe('SentRecords', () => {
  it('knows a record only in the run it went in', () => {
    const s = new SentRecords();
    s.add('r1', ['a', 'b']);
    expect([s.has('r1', 'a'), s.has('r1', 'b'), s.has('r1', 'c'), s.has('r2', 'a')]).toEqual([true, true, false, false]);
    s.add('r1', ['a']);
    expect(s.count).toBe(2);
  });

  it('past its limit drops the oldest run first, never the one it is adding to', () => {
    const s = new SentRecords(4);
    s.add('r1', ['a', 'b']);
    s.add('r2', ['a', 'b']);
    s.add('r3', ['a']);
    expect([s.has('r1', 'a'), s.has('r2', 'a'), s.has('r3', 'a')]).toEqual([false, true, true]);
    expect(s.count).toBe(3);
  });

  it('a run larger than the limit keeps what it holds and notes no more', () => {
    const s = new SentRecords(3);
    s.add('r1', ['x']);
    s.add('r2', ['a', 'b', 'c', 'd', 'e']);
    expect(s.count).toBe(3);
    expect([s.has('r1', 'x'), s.has('r2', 'a'), s.has('r2', 'c'), s.has('r2', 'd')]).toEqual([false, true, true, false]);
  });

  it('a run noted with nothing takes no room', () => {
    const s = new SentRecords(2);
    s.add('r0', []);
    s.add('r1', ['a', 'b']);
    s.add('r2', ['c']);
    // r1 made room for c; r0 held nothing to drop.
    expect([s.has('r1', 'a'), s.has('r2', 'c'), s.count]).toEqual([false, true, 1]);
  });
});
