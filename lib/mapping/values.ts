// The value rules of the expression language: what is empty, how values become text,
// when two values are equal and how they order.
import type { ExprValue } from './types.js';

/** True for null and '' — an empty cell, a missing JSON field, or an expression giving nothing. */
export function isEmpty(v: ExprValue): v is null | '' {
  return v === null || v === '';
}

/** The text of a value: '' for empty, `true`/`false` for booleans, decimal for numbers. */
export function toText(v: ExprValue): string {
  return typeof v === 'string' ? v : v === null ? '' : String(v);
}

const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

/** The truth of a value in a condition: false when empty, false, 0 or false/no/n/0 (any case), else true. */
export function isTrue(v: ExprValue): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null || v === '') return false;
  if (typeof v === 'number') return v !== 0;
  return !FALSE_WORDS.has(v.toLowerCase());
}

const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

// A number against text that reads as a number compares as numbers, so `Grade >= 5` works on CSV text;
// two texts always compare as text, so IDs such as '007' and '7' stay different.
function asNumberPair(a: ExprValue, b: ExprValue): [number, number] | undefined {
  if (typeof a === 'number') {
    if (typeof b === 'number') return [a, b];
    if (typeof b === 'string' && NUMERIC_TEXT.test(b)) return [a, Number(b)];
  } else if (typeof b === 'number' && typeof a === 'string' && NUMERIC_TEXT.test(a)) {
    return [Number(a), b];
  }
  return undefined;
}

/** `==`: empty equals '' and null; numbers as numbers (see asNumberPair); otherwise text, case-sensitive. */
export function valuesEqual(a: ExprValue, b: ExprValue): boolean {
  const aEmpty = a === null || a === '';
  const bEmpty = b === null || b === '';
  if (aEmpty || bEmpty) return aEmpty && bEmpty;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const pair = asNumberPair(a, b);
  return pair === undefined ? toText(a) === toText(b) : pair[0] === pair[1];
}

/** Orders two values for `<` and friends: negative, zero or positive; undefined when either is empty. */
export function compareValues(a: ExprValue, b: ExprValue): number | undefined {
  if (a === null || a === '' || b === null || b === '') return undefined;
  const pair = asNumberPair(a, b);
  if (pair !== undefined) return pair[0] - pair[1];
  const x = toText(a);
  const y = toText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Reads an integer argument (a number or numeric text); undefined when it is not a whole number. */
export function toInteger(v: ExprValue): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC_TEXT.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
