// `$type`: turns a non-empty expression value into what is sent, or says which rule it breaks.
import type { DeclaredType } from './types.js';

/** Converts a non-empty value to its declared type. */
export type Coercer = (v: string | number | boolean) => string | number | boolean | typeof INVALID;

/** Returned by a Coercer for a value that is not of its type. */
export const INVALID: unique symbol = Symbol('invalid');

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);
const INTEGER = /^[+-]?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (DAYS[m - 1] as number) + (leap ? 1 : 0);
}

const toString: Coercer = (v) => (typeof v === 'string' ? v : String(v));

const toBoolean: Coercer = (v) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : INVALID;
  const word = v.toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : INVALID;
};

const toInteger: Coercer = (v) => {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : INVALID;
  if (typeof v !== 'string' || !INTEGER.test(v)) return INVALID;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : INVALID;
};

const toDateTime: Coercer = (v) => {
  if (typeof v !== 'string') return INVALID;
  const m = DATE_TIME.exec(v);
  if (m === null || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return INVALID;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return INVALID;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return INVALID;
  return v;
};

// A full dateTime (e.g. from parseDate) is cut to its own calendar date, once the whole
// of it, time included, has passed the dateTime checks.
const toDate: Coercer = (v) => {
  if (typeof v !== 'string') return INVALID;
  const m = DATE.exec(v);
  if (m !== null) return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? v : INVALID;
  const full = toDateTime(v);
  return full === INVALID ? INVALID : v.slice(0, 10);
};

export interface TypeRule {
  coerce: Coercer;
  rule: string;
  /** Completes "the value of <attribute> …". */
  message: string;
}

const RULES: Readonly<Record<DeclaredType, TypeRule>> = {
  string: { coerce: toString, rule: 'not-a-string', message: 'is not text' },
  boolean: { coerce: toBoolean, rule: 'not-a-boolean', message: 'is not a boolean (true/false, yes/no, y/n or 1/0)' },
  integer: { coerce: toInteger, rule: 'not-an-integer', message: 'is not a whole number' },
  date: { coerce: toDate, rule: 'not-a-date', message: 'is not a date in the form yyyy-MM-dd' },
  dateTime: { coerce: toDateTime, rule: 'not-a-datetime', message: 'is not an ISO 8601 date and time with Z or an offset (yyyy-MM-ddTHH:mm:ssZ)' },
};

/** The coercion and failure rule for a declared type. */
export function typeRule(type: DeclaredType): TypeRule {
  return RULES[type];
}
