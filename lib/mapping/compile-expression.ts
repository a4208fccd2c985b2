// Turns a parsed expression into closures. Nothing is interpreted per row: column reads
// are slot reads, literal lists are sets, functions are prepared once.
import type { Expr, InNode } from './ast.js';
import type { CompileContext, Evaluator } from './compile-context.js';
import { ExpressionError } from './expression-error.js';
import { compileCall } from './functions.js';
import type { ExprValue } from './types.js';
import { compareValues, isTrue, valuesEqual } from './values.js';

/** Compiles a parsed expression against a context; lists are rejected outside `in` and parseDate. */
export function compileExpression(expr: Expr, ctx: CompileContext): Evaluator {
  const compile = (e: Expr): Evaluator => compileExpression(e, ctx);
  switch (expr.kind) {
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'column': {
      const slot = ctx.slot(expr.name);
      const row = ctx.row;
      return () => row.v[slot] as ExprValue;
    }
    case 'list':
      throw new ExpressionError("a list can only follow 'in' or give parseDate its formats", expr.offset);
    case 'call':
      return compileCall(expr, compile, ctx);
    case 'not': {
      const operand = compile(expr.operand);
      return () => !isTrue(operand());
    }
    case 'and': {
      const left = compile(expr.left);
      const right = compile(expr.right);
      return () => isTrue(left()) && isTrue(right());
    }
    case 'or': {
      const left = compile(expr.left);
      const right = compile(expr.right);
      return () => isTrue(left()) || isTrue(right());
    }
    case 'in':
      return compileIn(expr, compile);
    case 'compare': {
      const left = compile(expr.left);
      const right = compile(expr.right);
      switch (expr.op) {
        case '==':
          return () => valuesEqual(left(), right());
        case '!=':
          return () => !valuesEqual(left(), right());
        case '<':
          return () => {
            const c = compareValues(left(), right());
            return c !== undefined && c < 0;
          };
        case '<=':
          return () => {
            const c = compareValues(left(), right());
            return c !== undefined && c <= 0;
          };
        case '>':
          return () => {
            const c = compareValues(left(), right());
            return c !== undefined && c > 0;
          };
        case '>=':
          return () => {
            const c = compareValues(left(), right());
            return c !== undefined && c >= 0;
          };
      }
    }
  }
}

function compileIn(node: InNode, compile: (e: Expr) => Evaluator): Evaluator {
  const value = compile(node.value);
  const items = node.list.items;
  const negated = node.negated;
  for (const item of items) {
    if (item.kind === 'list') throw new ExpressionError('a list cannot hold another list', item.offset);
  }
  // The usual case, a list of quoted words, becomes one set lookup per row.
  if (items.every((i) => i.kind === 'literal' && typeof i.value === 'string')) {
    const words = new Set<string>();
    let hasEmpty = false;
    for (const item of items) {
      const word = (item as { value: string }).value;
      if (word === '') hasEmpty = true;
      else words.add(word);
    }
    return () => {
      const v = value();
      if (v === null || v === '') return hasEmpty !== negated;
      if (typeof v === 'string') return words.has(v) !== negated;
      for (const word of words) if (valuesEqual(v, word)) return !negated;
      return negated;
    };
  }
  const members = items.map(compile);
  return () => {
    const v = value();
    let found = false;
    for (const member of members) {
      if (valuesEqual(v, member())) {
        found = true;
        break;
      }
    }
    return found !== negated;
  };
}
