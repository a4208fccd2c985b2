import { describe, expect, it } from 'vitest';
import { nextOccurrence, parseSchedule } from '../../../tools/host/ncrontab.js';

const at = (iso: string): Date => new Date(iso);
const next = (schedule: string, from: string): string => nextOccurrence(parseSchedule(schedule), at(from)).toISOString();

describe('parseSchedule / nextOccurrence', () => {
  it('reads six fields with seconds first', () => {
    expect(next('0 */5 * * * *', '2026-03-01T10:02:30Z')).toBe('2026-03-01T10:05:00.000Z');
    expect(next('30 * * * * *', '2026-03-01T10:02:30Z')).toBe('2026-03-01T10:03:30.000Z');
    expect(next('*/20 * * * * *', '2026-03-01T10:02:41Z')).toBe('2026-03-01T10:03:00.000Z');
  });

  it('is strictly after the start time', () => {
    expect(next('0 0 * * * *', '2026-03-01T10:00:00Z')).toBe('2026-03-01T11:00:00.000Z');
  });

  it('handles ranges, lists, steps from a value, and day and month names', () => {
    expect(next('0 30 9 * * MON-FRI', '2026-11-21T12:00:00Z')).toBe('2026-11-23T09:30:00.000Z'); // Saturday → Monday
    expect(next('0 0 8,17 * * *', '2026-03-01T09:00:00Z')).toBe('2026-03-01T17:00:00.000Z');
    expect(next('0 5/20 * * * *', '2026-03-01T09:06:00Z')).toBe('2026-03-01T09:25:00.000Z');
    expect(next('0 0 0 1 JAN *', '2026-03-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 0 12 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
  });

  it('reads a TimeSpan as an interval', () => {
    const s = parseSchedule('00:05:00');
    expect(s.kind).toBe('interval');
    expect(nextOccurrence(s, at('2026-03-01T10:02:30Z')).toISOString()).toBe('2026-03-01T10:07:30.000Z');
    expect(nextOccurrence(parseSchedule('1.02:00:00'), at('2026-03-01T00:00:00Z')).toISOString()).toBe('2026-03-02T02:00:00.000Z');
  });

  it('rejects what the host would reject, saying why', () => {
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/six NCRONTAB fields/);
    expect(() => parseSchedule('0 61 * * * *')).toThrow(/minute "61" is outside 0-59/);
    expect(() => parseSchedule('0 0 * * * 7')).toThrow(/day-of-week/);
    expect(() => parseSchedule('0 0 * * * FUNDAY')).toThrow(/not a day-of-week/);
    expect(() => parseSchedule('00:00:00')).toThrow(/longer than zero/);
    expect(() => parseSchedule('00:75:00')).toThrow(/not a TimeSpan/);
    expect(() => nextOccurrence(parseSchedule('0 0 0 31 2 *'), at('2026-01-01T00:00:00Z'))).toThrow(/never fires/);
  });
});
