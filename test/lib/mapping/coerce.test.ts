import { describe, expect, test } from 'vitest';
import type { MapResult } from '../../../lib/mapping/index.js';
import { CUSTOM, load, userOf } from './helpers.js';

/** Maps one JSON row whose `V` is read by a custom extension attribute X of the given $type. */
function typed(type: string, value: unknown): MapResult {
  return load({ [CUSTOM]: { X: { $column: 'V', $type: type } } })
    .bind(undefined, 'w.json')
    .map({ Id: 'E1', V: value });
}

const x = (result: MapResult): unknown => (userOf(result)[CUSTOM] as Record<string, unknown> | undefined)?.X;

describe('$type coercion', () => {
  test.each([
    ['yes', true],
    ['No', false],
    ['1', true],
    ['0', false],
    ['TRUE', true],
    ['false', false],
    ['y', true],
    ['N', false],
    [1, true],
    [0, false],
    [true, true],
  ])('boolean %j → %j', (input, expected) => {
    const result = typed('boolean', input);
    expect(result.problems).toEqual([]);
    expect(x(result)).toBe(expected);
  });

  test('active is always boolean: text from a column is coerced', () => {
    const mapper = load({ active: 'Status' }).bind(['Id', 'Status'], 'w.csv');
    expect(userOf(mapper.map(['E1', 'Yes'])).active).toBe(true);
    expect(userOf(mapper.map(['E1', '0'])).active).toBe(false);
    const bad = mapper.map(['E1', 'Maybe']);
    expect(bad.problems).toEqual([expect.objectContaining({ attribute: 'active', column: 'Status', rule: 'not-a-boolean' })]);
    expect(bad.problems[0]?.message).not.toContain('Maybe');
  });

  test('integer', () => {
    expect(x(typed('integer', '42'))).toBe(42);
    expect(x(typed('integer', '-7'))).toBe(-7);
    expect(x(typed('integer', 12))).toBe(12);
    for (const bad of ['4.5', '12abc', '99999999999999999999', 1.5]) {
      expect(typed('integer', bad).problems[0]?.rule).toBe('not-an-integer');
    }
  });

  test('date, including a dateTime cut to its calendar date', () => {
    expect(x(typed('date', '2024-02-29'))).toBe('2024-02-29');
    expect(x(typed('date', '2024-03-01T10:00:00+01:00'))).toBe('2024-03-01');
    for (const bad of ['2023-02-29', '2023-13-01', '01/02/2023', '2024-03-01T99:99:99Z', '2024-03-01T10:00:00+25:00']) {
      expect(typed('date', bad).problems[0]?.rule).toBe('not-a-date');
    }
  });

  test('dateTime needs Z or an offset and valid fields', () => {
    expect(x(typed('dateTime', '2024-01-15T09:30:00Z'))).toBe('2024-01-15T09:30:00Z');
    expect(x(typed('dateTime', '2024-01-15T09:30:00.123+05:30'))).toBe('2024-01-15T09:30:00.123+05:30');
    for (const bad of ['2024-01-15T09:30:00', '2024-01-15', '2024-01-15T24:00:00Z', '2024-02-30T00:00:00Z', '2024-01-15T09:30:00+25:00']) {
      expect(typed('dateTime', bad).problems[0]?.rule).toBe('not-a-datetime');
    }
  });

  test('parseDate output feeds a dateTime or a date', () => {
    const mapper = load({
      [CUSTOM]: {
        Hired: { $expr: "parseDate(D, 'dd/MM/yyyy', 'Europe/London')", $type: 'dateTime' },
        HiredOn: { $expr: "parseDate(D, 'dd/MM/yyyy', 'Europe/London')", $type: 'date' },
      },
    }).bind(undefined, 'w.json');
    const result = mapper.map({ Id: 'E1', D: '01/07/2023' });
    expect(result.problems).toEqual([]);
    expect(userOf(result)[CUSTOM]).toEqual({ Hired: '2023-07-01T00:00:00+01:00', HiredOn: '2023-07-01' });
  });

  test('a failure names attribute, column and rule, never the value, and leaves the attribute out', () => {
    const secret = 'not-a-number-7734';
    const result = typed('integer', secret);
    expect(result.problems).toHaveLength(1);
    const [problem] = result.problems;
    expect(problem).toMatchObject({ attribute: `${CUSTOM}:X`, column: 'V', rule: 'not-an-integer' });
    expect(problem?.message).toContain(`${CUSTOM}:X`);
    expect(problem?.message).not.toContain(secret);
    expect(x(result)).toBeUndefined();
  });

  test('an expression over several columns reports no single column', () => {
    const result = load({ [CUSTOM]: { X: { $expr: 'concat(A, B)', $type: 'boolean' } } })
      .bind(undefined, 'w.json')
      .map({ Id: 'E1', A: 'ma', B: 'ybe' });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ attribute: `${CUSTOM}:X`, rule: 'not-a-boolean' });
    expect(result.problems[0]?.column).toBeUndefined();
    expect(result.problems[0]?.message).not.toContain('maybe');
  });

  test('empty values are not coerced and give no problem', () => {
    const result = typed('integer', '');
    expect(result.problems).toEqual([]);
    expect(CUSTOM in userOf(result)).toBe(false);
  });

  test('bare literals in a custom extension keep their JSON type', () => {
    const user = userOf(
      load({ [CUSTOM]: { Flag: true, Level: 3, Tag: { $literal: 'x' } } })
        .bind(undefined, 'w.json')
        .map({ Id: 'E1' }),
    );
    expect(user[CUSTOM]).toEqual({ Flag: true, Level: 3, Tag: 'x' });
  });
});
