// Edge cases of the expression functions; the everyday cases are in expressions.test.ts.
import { describe, expect, test } from 'vitest';
import { functionNames } from '../../../lib/mapping/functions.js';
import { evaluate, mapJson, userOf } from './helpers.js';

describe('functions: edge cases', () => {
  test('the function table matches docs/mapping.md', () => {
    expect([...functionNames()].sort()).toEqual([
      'coalesce',
      'concat',
      'default',
      'if',
      'isEmpty',
      'join',
      'left',
      'lookup',
      'lower',
      'normalizeDiacritics',
      'parseDate',
      'regexReplace',
      'replace',
      'right',
      'split',
      'stripDiacritics',
      'substring',
      'switch',
      'trim',
      'upper',
    ]);
  });

  test('numbers and booleans from JSON are used as text', () => {
    expect(evaluate("concat(N, '-', B)", { N: 12, B: false })).toBe('12-false');
    expect(evaluate("join('/', N, E, B)", { N: 1.5, E: '', B: true })).toBe('1.5/true');
    expect(evaluate("replace(N, '0', 'o')", { N: 100 })).toBe('1oo');
    expect(evaluate('left(N, 2)', { N: 12345 })).toBe('12');
  });

  test('lookup keys are exact: a JSON number finds its text key, case matters', () => {
    const lookups = { lookups: { grades: { '7': 'Senior', Seven: 'S' } } };
    expect(evaluate("lookup('grades', G)", { G: 7 }, lookups)).toBe('Senior');
    const miss = mapJson({ displayName: { $expr: "lookup('grades', G)" } }, { G: 'seven' }, lookups);
    expect(userOf(miss).displayName).toBeUndefined();
    expect(miss.problems.map((p) => [p.severity, p.rule, p.column])).toEqual([['warning', 'lookup-miss', 'G']]);
  });

  test('substring, right and split at the edges', () => {
    expect(evaluate('substring(A, 10)', { A: 'abc' })).toBeUndefined();
    expect(evaluate('substring(A, 1, 0)', { A: 'abc' })).toBeUndefined();
    expect(evaluate('right(A, 0)', { A: 'abc' })).toBeUndefined();
    expect(evaluate("split(A, '', 0)", { A: 'abc' })).toBe('abc');
    expect(evaluate("split(A, '', 1)", { A: 'abc' })).toBeUndefined();
    expect(evaluate('left(A, N)', { A: 'abc', N: 'x' })).toBeUndefined();
  });

  test('functions of an empty input give empty', () => {
    for (const expr of ['trim(A)', 'lower(A)', "replace(A, 'a', 'b')", "regexReplace(A, 'a', 'b')", 'substring(A, 0)', 'left(A, 1)', "split(A, ',', 0)", 'stripDiacritics(A)']) {
      expect(evaluate(expr, {}), expr).toBeUndefined();
    }
  });

  test('regexReplace replaces every match, and the replacement may be an expression', () => {
    expect(evaluate("regexReplace(A, '\\s+', Sep)", { A: 'a  b c', Sep: '_' })).toBe('a_b_c');
    expect(evaluate("regexReplace(A, '^0+', '')", { A: '000123' })).toBe('123');
  });

  test('switch compares as == does, numbers included', () => {
    expect(evaluate("switch(G, 1, 'one', 2, 'two', 'many')", { G: '2' })).toBe('two');
    expect(evaluate("switch(G, '', 'none', 'some')", {})).toBe('none');
  });

  test('conditions read text as truth', () => {
    expect(evaluate("if(F, 'T', 'F')", { F: 'Y' })).toBe('T');
    expect(evaluate("if(F, 'T', 'F')", { F: '0' })).toBe('F');
    expect(evaluate("if(F, 'T', 'F')", { F: 0 })).toBe('F');
    expect(evaluate("if(not F, 'T', 'F')", {})).toBe('T');
    expect(evaluate("if(A and B, 'T', 'F')", { A: 'yes', B: 'no' })).toBe('F');
    expect(evaluate("if(A or B, 'T', 'F')", { A: 'no', B: 'x' })).toBe('T');
  });

  test('ordering comparisons are false with an empty side', () => {
    expect(evaluate("if(G < 5, 'T', 'F')", {})).toBe('F');
    expect(evaluate("if(G >= 5, 'T', 'F')", {})).toBe('F');
    expect(evaluate("if(G != 5, 'T', 'F')", {})).toBe('T');
  });

  test('in with numbers and mixed lists', () => {
    expect(evaluate("if(G in ['5.0', 'x'], 'T', 'F')", { G: 5 })).toBe('T');
    expect(evaluate("if(G in [A, 'x'], 'T', 'F')", { G: 'q', A: 'q' })).toBe('T');
    expect(evaluate("if(G not in [A, null], 'T', 'F')", { A: 'q' })).toBe('F');
  });

  test('a problem from parseDate inside another function still names the attribute, but no single column', () => {
    const result = mapJson({ title: { $expr: "concat(parseDate(concat(D, M), 'yyyyMMdd'), '')" } }, { D: '2021', M: '13' });
    expect(result.problems).toEqual([expect.objectContaining({ attribute: 'title', rule: 'date-format' })]);
    expect(result.problems[0]?.column).toBeUndefined();
    expect('title' in userOf(result)).toBe(false);
  });
});
