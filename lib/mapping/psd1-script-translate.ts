// Turns a CSV2SCIM scriptblock into an hrsync expression with the same result for every row,
// or throws Untranslatable saying why it cannot. Equal results matter more than coverage: a
// form whose PowerShell meaning hrsync cannot reproduce exactly is refused, never approximated.
//
// PowerShell semantics kept:
// - `-eq`, `-ne`, `-in`, `-contains`, `-like` ignore case (and so do their `-i…` forms): both sides
//   are lower-cased, a literal side already at conversion time; the `-c…` forms compare exactly.
// - A comparison takes its kind from its left side: text on the left (a column, a string) compares
//   as text, the right side converted as PowerShell does ($true → 'True', 5 → '5').
// - `+` after text concatenates; `-and`/`-or` have equal precedence, left to right; a string is
//   true when not empty, so a column used as a condition becomes `not isEmpty(column)`.
import { Untranslatable } from './psd1-errors.js';
import type { PsNode } from './psd1-script-parse.js';
import { parseScriptBody } from './psd1-script-parse.js';

type Constant = string | number | boolean | null;

/** A translated value: its hrsync expression text and what is known about it. */
export interface HrExpr {
  kind: 'bool' | 'str' | 'num' | 'null';
  expr: string;
  /** Binding strength when printed: 1 `or`, 2 `and`, 3 `not`, 4 comparison, 5 atom. */
  prec: number;
  /** Set when the value is the same for every row. */
  constant?: { value: Constant };
  /** Set when the value is exactly one column. */
  column?: string;
  logical?: 'and' | 'or';
  /** For `not X`: X, so a double negation cancels. */
  negated?: HrExpr;
  /** Set when the text is already lower-case. */
  lowered?: boolean;
  /** For a concatenation: its parts, so `a + b + c` stays one concat(). */
  parts?: HrExpr[];
}

const OR = 1;
const AND = 2;
const NOT = 3;
const CMP = 4;
const ATOM = 5;

const RESERVED = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

/** Translates a scriptblock body (the text between its braces); throws Untranslatable with the reason when it cannot. */
export function translateScriptBlock(body: string): HrExpr {
  return translate(parseScriptBody(body));
}

/** An hrsync column reference: the bare name when it is a plain identifier, else the backtick form. */
export function formatColumn(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name.toLowerCase())) return name;
  return `\`${name.replaceAll('`', '``')}\``;
}

/** An hrsync literal for a constant. */
export function formatLiteral(value: Constant): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}

function translate(node: PsNode): HrExpr {
  switch (node.t) {
    case 'string':
    case 'number':
    case 'bool':
      return constant(node.value);
    case 'null':
      return constant(null);
    case 'column':
      if (node.name === '') throw new Untranslatable('the whole row ($_) is not a value hrsync can map');
      return { kind: 'str', expr: formatColumn(node.name), prec: ATOM, column: node.name };
    case 'array':
      throw new Untranslatable('a list of values is only translated after -in, -notin or before -contains');
    case 'interpolated':
      return concat(node.parts.map((part) => toText(typeof part === 'string' ? constant(part) : translate(part))));
    case 'unary':
      if (node.op === 'not') return not(toBool(translate(node.operand)));
      return negate(translate(node.operand));
    case 'binary':
      return binary(node.op, node.left, node.right);
    case 'method':
      return method(translate(node.target), node.name, node.args);
    case 'static':
      return staticCall(node.type, node.name, node.args);
    case 'cast':
      return cast(node.type, translate(node.operand));
    case 'if':
      return ifThenElse(node);
  }
}

function constant(value: Constant): HrExpr {
  const kind = value === null ? 'null' : typeof value === 'string' ? 'str' : typeof value === 'number' ? 'num' : 'bool';
  return { kind, expr: formatLiteral(value), prec: ATOM, constant: { value }, lowered: typeof value === 'string' && value === value.toLowerCase() };
}

function call(name: string, args: HrExpr[], kind: HrExpr['kind'], extra: Partial<HrExpr> = {}): HrExpr {
  return { kind, expr: `${name}(${args.map((a) => a.expr).join(', ')})`, prec: ATOM, ...extra };
}

function paren(e: HrExpr, min: number): string {
  return e.prec >= min ? e.expr : `(${e.expr})`;
}

/** PowerShell's conversion to text, as `+` after a string and "$(…)" apply it. */
function toText(e: HrExpr): HrExpr {
  if (e.kind === 'str') return e;
  if (e.constant) {
    const v = e.constant.value;
    return constant(v === null ? '' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  }
  throw new Untranslatable('a true/false value used as text is not translated');
}

/** PowerShell's truth: a non-empty string, a non-zero number, $true. */
function toBool(e: HrExpr): HrExpr {
  if (e.kind === 'bool') return e;
  if (e.constant) {
    const v = e.constant.value;
    return constant(typeof v === 'string' ? v !== '' : typeof v === 'number' ? v !== 0 : false);
  }
  return not(call('isEmpty', [e], 'bool'));
}

function not(e: HrExpr): HrExpr {
  if (e.constant) return constant(!e.constant.value);
  if (e.negated) return e.negated;
  return { kind: 'bool', expr: `not ${paren(e, ATOM)}`, prec: NOT, negated: e };
}

function negate(e: HrExpr): HrExpr {
  if (e.constant && typeof e.constant.value === 'number') return constant(-e.constant.value);
  throw new Untranslatable('arithmetic is not translated');
}

function lower(e: HrExpr): HrExpr {
  if (e.lowered) return e;
  if (e.constant && typeof e.constant.value === 'string') return constant(e.constant.value.toLowerCase());
  return call('lower', [e], 'str', { lowered: true });
}

function hasCase(s: string): boolean {
  return s.toLowerCase() !== s.toUpperCase();
}

function concat(parts: HrExpr[]): HrExpr {
  const flat: HrExpr[] = [];
  for (const part of parts.flatMap((p) => p.parts ?? [p])) {
    const last = flat[flat.length - 1];
    if (last?.constant && part.constant) flat[flat.length - 1] = constant(`${String(last.constant.value)}${String(part.constant.value)}`);
    else if (!(part.constant && part.constant.value === '')) flat.push(part);
  }
  if (flat.length === 0) return constant('');
  if (flat.length === 1) return flat[0] as HrExpr;
  return call('concat', flat, 'str', { parts: flat });
}

const COMPARISONS = /^([ic]?)(eq|ne|in|notin|contains|notcontains|like|notlike|gt|ge|lt|le|match|notmatch|replace|split|join|is|isnot|as)$/;

function binary(op: string, left: PsNode, right: PsNode): HrExpr {
  if (op === 'and' || op === 'or') return logical(op, toBool(translate(left)), toBool(translate(right)));
  if (op === 'xor') throw new Untranslatable('-xor is not translated');
  if (op === '+') return plus(translate(left), translate(right));
  if (op === '-' || op === '*' || op === '/' || op === '%') throw new Untranslatable('arithmetic is not translated');
  const m = COMPARISONS.exec(op);
  if (!m) {
    if (op === 'f') throw new Untranslatable('the format operator -f is not translated');
    throw new Untranslatable(`the operator -${op} is not translated`);
  }
  const ignoreCase = m[1] !== 'c';
  const base = m[2] as string;
  switch (base) {
    case 'eq':
    case 'ne':
      return equals(translate(left), translate(right), ignoreCase, base === 'ne');
    case 'in':
    case 'notin':
      return membership(translate(left), right, ignoreCase, base === 'notin', `-${op}`);
    case 'contains':
    case 'notcontains':
      return membership(translate(right), left, ignoreCase, base === 'notcontains', `-${op}`);
    case 'like':
    case 'notlike':
      return like(translate(left), translate(right), ignoreCase, base === 'notlike');
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      throw new Untranslatable(`-${op} compares text in PowerShell ('10' -lt '9') but numbers in hrsync, so it is not translated`);
    case 'match':
    case 'notmatch':
      throw new Untranslatable(`regular-expression matching (-${op}) has no hrsync equivalent`);
    case 'replace':
      throw new Untranslatable('-replace (a case-insensitive .NET regular expression) is not translated; use replace() or regexReplace()');
    default:
      throw new Untranslatable(`the operator -${op} is not translated`);
  }
}

function logical(op: 'and' | 'or', a: HrExpr, b: HrExpr): HrExpr {
  const min = op === 'and' ? AND : OR;
  // PowerShell gives -and and -or equal precedence; parenthesise every mix so no reader has to know that.
  const side = (e: HrExpr): string => (e.logical !== undefined && e.logical !== op ? `(${e.expr})` : paren(e, min));
  return { kind: 'bool', expr: `${side(a)} ${op} ${side(b)}`, prec: min, logical: op };
}

function plus(a: HrExpr, b: HrExpr): HrExpr {
  if (a.kind === 'str' || (a.constant && a.constant.value === null)) return concat([toText(a), toText(b)]);
  if (a.kind === 'num') throw new Untranslatable('arithmetic is not translated');
  throw new Untranslatable('+ after a true/false value is not translated');
}

/** The left side of a comparison: it must be text for the comparison to be a text comparison. */
function textOperand(e: HrExpr, op: string): HrExpr {
  if (e.kind === 'str') return e;
  if (e.kind === 'null') throw new Untranslatable(`$null on the left of ${op} is true only for a missing column (an empty cell is ''), so it is not translated`);
  if (e.kind === 'num') throw new Untranslatable(`a number on the left of ${op} compares as numbers, which is not translated`);
  throw new Untranslatable(`a true/false value on the left of ${op} is not translated`);
}

/** A literal compared with text: PowerShell converts it to text; $null is refused (an empty cell is '', not $null). */
function textConstant(e: HrExpr, op: string): string {
  if (!e.constant) throw new Untranslatable(`${op} with a list that is not all literals is not translated`);
  if (e.constant.value === null) throw nullComparison(op);
  return String(toText(e).constant?.value ?? '');
}

function nullComparison(op: string): Untranslatable {
  return new Untranslatable(`${op} $null is true only for a missing column (an empty cell is ''); compare with '' instead`);
}

function equals(a: HrExpr, b: HrExpr, ignoreCase: boolean, negate: boolean): HrExpr {
  const op = negate ? '-ne' : '-eq';
  let left = textOperand(a, op);
  if (b.kind === 'null') throw nullComparison(op);
  if (b.kind === 'bool' && !b.constant) throw new Untranslatable(`a true/false value on the right of ${op} is not translated`);
  let right = toText(b);
  if (ignoreCase) {
    // Lower-casing is needed only when a literal side has letters (or neither side is a literal).
    const literal = right.constant ?? left.constant;
    if (!literal || hasCase(String(literal.value)) || (left.constant && right.constant)) {
      left = lower(left);
      right = lower(right);
    }
  }
  if (left.constant && right.constant) return constant((left.constant.value === right.constant.value) !== negate);
  return { kind: 'bool', expr: `${left.expr} ${negate ? '!=' : '=='} ${right.expr}`, prec: CMP };
}

function membership(value: HrExpr, list: PsNode, ignoreCase: boolean, negate: boolean, op: string): HrExpr {
  let left = textOperand(value, op);
  const items = (list.t === 'array' ? list.items : [list]).map((item) => textConstant(translate(item), op));
  const cased = ignoreCase && items.some(hasCase);
  const values = cased ? items.map((s) => s.toLowerCase()) : items;
  if (cased) left = lower(left);
  if (left.constant || values.length === 0) return constant(values.includes(String(left.constant?.value)) !== negate);
  return { kind: 'bool', expr: `${left.expr} ${negate ? 'not in' : 'in'} [${values.map(formatLiteral).join(', ')}]`, prec: CMP };
}

function like(a: HrExpr, b: HrExpr, ignoreCase: boolean, negate: boolean): HrExpr {
  const op = negate ? '-notlike' : '-like';
  let value = textOperand(a, op);
  if (!b.constant) throw new Untranslatable(`${op} with a pattern that is not a literal is not translated`);
  let pattern = textConstant(b, op);
  if (/[?[`]/.test(pattern)) throw new Untranslatable(`the ${op} wildcards ? and [ ] are not translated; only * at the start and/or end`);
  if (ignoreCase && hasCase(pattern)) {
    value = lower(value);
    pattern = pattern.toLowerCase();
  }
  const core = /^(\*?)([^*]*)(\*?)$/.exec(pattern.replace(/^\*+/, '*').replace(/\*+$/, '*'));
  if (!core) throw new Untranslatable(`the ${op} pattern '${pattern}' has a * inside; only * at the start and/or end is translated`);
  const lead = core[1] ?? '';
  const text = core[2] ?? '';
  const trail = core[3] ?? '';
  const literal = constant(text);
  let result: HrExpr;
  if (text === '') {
    // '*' matches anything, and '' only the empty value.
    result = lead || trail ? constant(true) : call('isEmpty', [value], 'bool');
  } else if (lead && trail) {
    // No contains() in hrsync: the value holds the text exactly when removing it changes the value.
    result = { kind: 'bool', expr: `${call('replace', [value, literal, constant('')], 'str').expr} != ${value.expr}`, prec: CMP };
  } else if (trail) {
    result = { kind: 'bool', expr: `${call('left', [value, constant(text.length)], 'str').expr} == ${literal.expr}`, prec: CMP };
  } else if (lead) {
    result = { kind: 'bool', expr: `${call('right', [value, constant(text.length)], 'str').expr} == ${literal.expr}`, prec: CMP };
  } else {
    result = { kind: 'bool', expr: `${value.expr} == ${literal.expr}`, prec: CMP };
  }
  return negate ? not(result) : result;
}

const STRING_METHODS: Readonly<Record<string, 'lower' | 'upper' | 'trim'>> = {
  tolower: 'lower',
  tolowerinvariant: 'lower',
  toupper: 'upper',
  toupperinvariant: 'upper',
  trim: 'trim',
};

function method(target: HrExpr, name: string, args: PsNode[]): HrExpr {
  const lname = name.toLowerCase();
  if (target.kind !== 'str') throw new Untranslatable(`.${name}() on a value that is not text is not translated`);
  const fn = STRING_METHODS[lname];
  if (fn !== undefined) {
    if (args.length > 0) throw new Untranslatable(`.${name}() with arguments is not translated`);
    if (target.constant && typeof target.constant.value === 'string') {
      const s = target.constant.value;
      return constant(fn === 'lower' ? s.toLowerCase() : fn === 'upper' ? s.toUpperCase() : s.trim());
    }
    return fn === 'lower' ? lower(target) : call(fn, [target], 'str');
  }
  if (lname === 'replace') {
    const [find, by] = args.map(translate);
    const literal = (e: HrExpr | undefined): e is HrExpr => e?.constant !== undefined && typeof e.constant.value === 'string';
    if (args.length !== 2 || !literal(find) || !literal(by) || find.constant?.value === '') {
      throw new Untranslatable('.Replace() is translated only with two literal strings (the first not empty)');
    }
    return call('replace', [target, find, by], 'str');
  }
  if (lname === 'substring') {
    throw new Untranslatable(".Substring() fails in PowerShell on values shorter than asked, where hrsync's substring()/left() do not; write it by hand");
  }
  throw new Untranslatable(`the method .${name}() is not translated`);
}

function isStringType(type: string): boolean {
  return /^(system\.)?string$/i.test(type);
}

function staticCall(type: string, name: string, args: PsNode[]): HrExpr {
  const lname = name.toLowerCase();
  if (isStringType(type) && (lname === 'isnullorempty' || lname === 'isnullorwhitespace')) {
    const [arg] = args;
    if (args.length !== 1 || arg === undefined) throw new Untranslatable(`[string]::${name}() takes one argument`);
    let value = toText(translate(arg));
    if (lname === 'isnullorwhitespace') value = value.constant ? constant(String(value.constant.value).trim()) : call('trim', [value], 'str');
    if (value.constant) return constant(value.constant.value === '');
    return call('isEmpty', [value], 'bool');
  }
  if (isStringType(type) && lname === 'concat') return concat(args.map((arg) => toText(translate(arg))));
  throw new Untranslatable(`[${type}]::${name}() is not translated`);
}

function cast(type: string, operand: HrExpr): HrExpr {
  if (isStringType(type)) return toText(operand);
  if (/^(system\.)?bool(ean)?$/i.test(type)) return toBool(operand);
  throw new Untranslatable(`the cast [${type}] is not translated`);
}

function ifThenElse(node: Extract<PsNode, { t: 'if' }>): HrExpr {
  const cond = toBool(translate(node.cond));
  const then = node.then ? translate(node.then) : constant(null);
  const otherwise = node.else ? translate(node.else) : constant(null);
  if (cond.constant) return cond.constant.value ? then : otherwise;
  const kinds = new Set([then.kind, otherwise.kind].filter((k) => k !== 'null'));
  if (kinds.has('bool') && kinds.size > 1) throw new Untranslatable('the branches of this if give a true/false value and text, which is not translated');
  const kind = kinds.has('bool') ? 'bool' : 'str';
  return call('if', [cond, then, otherwise], kind);
}
