import { describe, expect, test } from 'vitest';
import { closest, didYouMean } from '../../../lib/mapping/suggest.js';

describe('closest', () => {
  test('finds slips of case and a letter or two', () => {
    expect(closest('username', ['userName', 'displayName'])).toBe('userName');
    expect(closest('JobTtle', ['JobTitle', 'JobCode'])).toBe('JobTitle');
    expect(closest('Job Title', ['JobTitle', 'Title'])).toBe('JobTitle');
  });

  test('suggests nothing for a name far from every candidate', () => {
    expect(closest('Salary', ['JobTitle', 'WorkerID'])).toBeUndefined();
    expect(closest('ab', ['xy'])).toBeUndefined();
    expect(didYouMean('Salary', ['JobTitle'])).toBe('');
  });

  test('formats the hint', () => {
    expect(didYouMean('lowr', ['lower', 'upper'])).toBe(' (did you mean "lower"?)');
  });
});
