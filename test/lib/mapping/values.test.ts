import { describe, expect, test } from 'vitest';
import { compareValues, isEmpty, isTrue, toInteger, toText, valuesEqual } from '../../../lib/mapping/values.js';

describe('value rules', () => {
  test('empty is null or ""', () => {
    expect([null, '', ' ', 0, false].map(isEmpty)).toEqual([true, true, false, false, false]);
  });

  test('text of a value', () => {
    expect([null, 'a', 12.5, true].map(toText)).toEqual(['', 'a', '12.5', 'true']);
  });

  test('truth in a condition', () => {
    expect([true, 'yes', 'Active', 1, -2].map(isTrue)).toEqual([true, true, true, true, true]);
    expect([false, null, '', 0, 'false', 'NO', 'n', '0'].map(isTrue)).toEqual([false, false, false, false, false, false, false, false]);
  });

  test('equality: empties, numbers against numeric text, otherwise case-sensitive text', () => {
    expect(valuesEqual(null, '')).toBe(true);
    expect(valuesEqual('', 'x')).toBe(false);
    expect(valuesEqual(10, '10.0')).toBe(true);
    expect(valuesEqual('007', '7')).toBe(false);
    expect(valuesEqual(7, '007')).toBe(true);
    expect(valuesEqual(true, 'true')).toBe(true);
    expect(valuesEqual('True', true)).toBe(false);
    expect(valuesEqual('a', 'A')).toBe(false);
  });

  test('ordering: numbers when a number is involved, text otherwise, none with an empty side', () => {
    expect(compareValues('9', 10)).toBeLessThan(0);
    expect(compareValues('9', '10')).toBeGreaterThan(0);
    expect(compareValues('b', 'a')).toBeGreaterThan(0);
    expect(compareValues('x', 'x')).toBe(0);
    expect(compareValues(null, 1)).toBeUndefined();
    expect(compareValues('', 'a')).toBeUndefined();
  });

  test('integers from numbers and numeric text', () => {
    expect([3, '42', '-1', '+5'].map(toInteger)).toEqual([3, 42, -1, 5]);
    expect([1.5, '1.5', 'x', null, '99999999999999999999'].map(toInteger)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
