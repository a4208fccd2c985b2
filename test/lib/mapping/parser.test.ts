import { describe, expect, test } from 'vitest';
import type { Expr } from '../../../lib/mapping/ast.js';
import { ExpressionError } from '../../../lib/mapping/expression-error.js';
import { parseExpression } from '../../../lib/mapping/parser.js';
import { loadError } from './helpers.js';

// A compact rendering of the tree, so precedence shows as parentheses.
function show(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.name;
    case 'literal':
      return JSON.stringify(e.value);
    case 'list':
      return `[${e.items.map(show).join(',')}]`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(',')})`;
    case 'compare':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'in':
      return `(${show(e.value)} ${e.negated ? 'not in' : 'in'} ${show(e.list)})`;
    case 'and':
    case 'or':
      return `(${show(e.left)} ${e.kind} ${show(e.right)})`;
    case 'not':
      return `(not ${show(e.operand)})`;
  }
}

const tree = (text: string): string => show(parseExpression(text));

function errorOf(text: string): ExpressionError {
  try {
    parseExpression(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error('parsed without error');
}

describe('parseExpression: precedence', () => {
  test('or is looser than and, and is looser than not, not is looser than comparison', () => {
    expect(tree("a == 'x' or b == 'y' and c == 'z'")).toBe('((a == "x") or ((b == "y") and (c == "z")))');
    expect(tree("not a == 'x' and b")).toBe('((not (a == "x")) and b)');
    expect(tree('not not a')).toBe('(not (not a))');
    expect(tree('a or b or c')).toBe('((a or b) or c)');
  });

  test('parentheses override precedence', () => {
    expect(tree('(a or b) and c')).toBe('((a or b) and c)');
    expect(tree("not (a == 'x' and b)")).toBe('(not ((a == "x") and b))');
  });

  test('in and not in take a list', () => {
    expect(tree("S in ['A', 'B']")).toBe('(S in ["A","B"])');
    expect(tree("S not in ['A'] or T")).toBe('((S not in ["A"]) or T)');
    expect(tree('S in []')).toBe('(S in [])');
  });

  test('calls, nested calls, literals and negative numbers', () => {
    expect(tree("concat(lower(a), '.', b)")).toBe('concat(lower(a),".",b)');
    expect(tree('f()')).toBe('f()');
    expect(tree('x < -1.5')).toBe('(x < -1.5)');
    expect(tree('true == false')).toBe('(true == false)');
    expect(tree('null')).toBe('null');
    expect(tree('`Hire Date`')).toBe('Hire Date');
  });
});

describe('parseExpression: errors carry the offset', () => {
  test.each([
    ["WorkerStatus == ('Active'", "expected ')'", 25],
    ["concat(a, 'b'", "expected ')'", 13],
    ["S in ['a', 'b'", "expected ']'", 14],
    ["S in 'a'", "expected '[' after 'in'", 5],
    ['a ==', 'expected a value before the end', 4],
    ['a b', 'expected end of expression', 2],
    ["a == 'x' == 'y'", 'comparisons cannot be chained', 9],
    ["a == 'x' AND b", "keywords are lowercase: 'and'", 9],
    ['and', "found 'and'", 0],
    ['-a', "'-' may only start a number", 0],
    ['f(a,)', 'expected a value', 4],
  ])('%s → %s at offset %i', (text, detail, offset) => {
    const e = errorOf(text);
    expect(e.detail).toContain(detail);
    expect(e.offset).toBe(offset);
  });

  test('an empty expression', () => {
    expect(errorOf('   ').detail).toBe('empty expression');
  });

  test('deep nesting is refused instead of exhausting the stack', () => {
    expect(errorOf(`${'('.repeat(200)}a${')'.repeat(200)}`).detail).toContain('nested more than 64 levels');
    expect(tree(`${'('.repeat(30)}a${')'.repeat(30)}`)).toBe('a');
  });

  test('the loader names the key and the offset', () => {
    expect(loadError({ active: { $expr: "Status == ('Active'" } })).toContain("attributes.active: expected ')' at offset 19 in expression");
  });
});
