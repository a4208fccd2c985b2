// The functions of the expression language (docs/mapping.md), each checked for arity and
// literal arguments when the mapping loads and compiled to a closure.
import type { CallNode, Expr } from './ast.js';
import { reportProblem, type CompileContext, type Evaluator } from './compile-context.js';
import { dateFormatProblem, isKnownZone, makeDateParser } from './dates.js';
import { stripDiacritics } from './diacritics.js';
import { ExpressionError } from './expression-error.js';
import { didYouMean } from './suggest.js';
import { isEmpty, isTrue, toInteger, toText, valuesEqual } from './values.js';

/** Compiles an argument that must be a single value (not a list). */
export type CompileArg = (e: Expr) => Evaluator;

interface FunctionSpec {
  min: number;
  max: number;
  /** How the arguments read, for arity messages. */
  usage: string;
  build(call: CallNode, args: readonly Expr[], compile: CompileArg, ctx: CompileContext): Evaluator;
}

// A function of one text argument: empty stays empty, numbers and booleans are used as text.
function onText(fn: (s: string) => string): FunctionSpec['build'] {
  return (_call, args, compile) => {
    const a = compile(args[0] as Expr);
    return () => {
      const v = a();
      return v === null || v === '' ? null : fn(typeof v === 'string' ? v : String(v));
    };
  };
}

function literalText(arg: Expr, what: string): string {
  if (arg.kind !== 'literal' || typeof arg.value !== 'string') {
    throw new ExpressionError(`${what} must be written as a quoted literal`, arg.offset);
  }
  return arg.value;
}

// An integer argument: checked at load when literal, read at run time otherwise (undefined = unusable).
function integerArg(arg: Expr, what: string, compile: CompileArg): () => number | undefined {
  if (arg.kind === 'literal') {
    const n = toInteger(arg.value);
    if (n === undefined || n < 0) throw new ExpressionError(`${what} must be a whole number of 0 or more`, arg.offset);
    return () => n;
  }
  const f = compile(arg);
  return () => {
    const n = toInteger(f());
    return n === undefined || n < 0 ? undefined : n;
  };
}

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  concat: {
    min: 1,
    max: Infinity,
    usage: 'concat(a, b, …)',
    build: (_c, args, compile) => {
      const parts = args.map(compile);
      return () => {
        let s = '';
        for (const part of parts) {
          const v = part();
          if (v !== null) s += typeof v === 'string' ? v : String(v);
        }
        return s;
      };
    },
  },
  join: {
    min: 2,
    max: Infinity,
    usage: 'join(separator, a, b, …)',
    build: (_c, args, compile) => {
      const [sepArg, ...rest] = args as [Expr, ...Expr[]];
      const sep = compile(sepArg);
      const parts = rest.map(compile);
      return () => {
        const separator = toText(sep());
        let s = '';
        let first = true;
        for (const part of parts) {
          const v = part();
          if (v === null || v === '') continue;
          s += first ? toText(v) : separator + toText(v);
          first = false;
        }
        return s;
      };
    },
  },
  trim: { min: 1, max: 1, usage: 'trim(s)', build: onText((s) => s.trim()) },
  lower: { min: 1, max: 1, usage: 'lower(s)', build: onText((s) => s.toLowerCase()) },
  upper: { min: 1, max: 1, usage: 'upper(s)', build: onText((s) => s.toUpperCase()) },
  stripDiacritics: { min: 1, max: 1, usage: 'stripDiacritics(s)', build: onText(stripDiacritics) },
  normalizeDiacritics: { min: 1, max: 1, usage: 'normalizeDiacritics(s)', build: onText(stripDiacritics) },
  replace: {
    min: 3,
    max: 3,
    usage: 'replace(s, find, with)',
    build: (_c, args, compile) => {
      const [s, find, by] = args.map(compile) as [Evaluator, Evaluator, Evaluator];
      return () => {
        const v = s();
        if (isEmpty(v)) return null;
        const f = toText(find());
        // split/join rather than replaceAll: the replacement is literal, `$&` included.
        return f === '' ? toText(v) : toText(v).split(f).join(toText(by()));
      };
    },
  },
  regexReplace: {
    min: 3,
    max: 3,
    usage: 'regexReplace(s, pattern, with)',
    build: (_c, args, compile) => {
      const patternArg = args[1] as Expr;
      const pattern = literalText(patternArg, 'the pattern of regexReplace');
      let re: RegExp;
      try {
        re = new RegExp(pattern, 'g');
      } catch (e) {
        throw new ExpressionError(`invalid regular expression: ${(e as Error).message}`, patternArg.offset);
      }
      const s = compile(args[0] as Expr);
      const by = compile(args[2] as Expr);
      return () => {
        const v = s();
        return isEmpty(v) ? null : toText(v).replace(re, toText(by()));
      };
    },
  },
  substring: {
    min: 2,
    max: 3,
    usage: 'substring(s, start, length?)',
    build: (_c, args, compile) => {
      const s = compile(args[0] as Expr);
      const start = integerArg(args[1] as Expr, 'the start of substring', compile);
      const lengthArg = args[2];
      const length = lengthArg === undefined ? undefined : integerArg(lengthArg, 'the length of substring', compile);
      return () => {
        const v = s();
        if (isEmpty(v)) return null;
        const from = start();
        if (from === undefined) return null;
        if (length === undefined) return toText(v).slice(from);
        const n = length();
        return n === undefined ? null : toText(v).slice(from, from + n);
      };
    },
  },
  left: {
    min: 2,
    max: 2,
    usage: 'left(s, n)',
    build: (_c, args, compile) => {
      const s = compile(args[0] as Expr);
      const count = integerArg(args[1] as Expr, 'the count of left', compile);
      return () => {
        const v = s();
        const n = count();
        return isEmpty(v) || n === undefined ? null : toText(v).slice(0, n);
      };
    },
  },
  right: {
    min: 2,
    max: 2,
    usage: 'right(s, n)',
    build: (_c, args, compile) => {
      const s = compile(args[0] as Expr);
      const count = integerArg(args[1] as Expr, 'the count of right', compile);
      return () => {
        const v = s();
        const n = count();
        if (isEmpty(v) || n === undefined) return null;
        const text = toText(v);
        return n === 0 ? '' : text.slice(Math.max(0, text.length - n));
      };
    },
  },
  split: {
    min: 3,
    max: 3,
    usage: 'split(s, separator, index)',
    build: (_c, args, compile) => {
      const s = compile(args[0] as Expr);
      const sep = compile(args[1] as Expr);
      const index = integerArg(args[2] as Expr, 'the index of split', compile);
      return () => {
        const v = s();
        const i = index();
        if (isEmpty(v) || i === undefined) return null;
        const separator = toText(sep());
        if (separator === '') return i === 0 ? toText(v) : null;
        return toText(v).split(separator)[i] ?? null;
      };
    },
  },
  coalesce: {
    min: 1,
    max: Infinity,
    usage: 'coalesce(a, b, …)',
    build: (_c, args, compile) => {
      const parts = args.map(compile);
      return () => {
        for (const part of parts) {
          const v = part();
          if (v !== null && v !== '') return v;
        }
        return null;
      };
    },
  },
  default: {
    min: 2,
    max: 2,
    usage: 'default(a, fallback)',
    build: (_c, args, compile) => {
      const [a, fallback] = args.map(compile) as [Evaluator, Evaluator];
      return () => {
        const v = a();
        return v === null || v === '' ? fallback() : v;
      };
    },
  },
  isEmpty: {
    min: 1,
    max: 1,
    usage: 'isEmpty(a)',
    build: (_c, args, compile) => {
      const a = compile(args[0] as Expr);
      return () => isEmpty(a());
    },
  },
  if: {
    min: 2,
    max: 3,
    usage: 'if(condition, then, else?)',
    build: (_c, args, compile) => {
      const cond = compile(args[0] as Expr);
      const then = compile(args[1] as Expr);
      const elseArg = args[2];
      const otherwise: Evaluator = elseArg === undefined ? () => null : compile(elseArg);
      return () => (isTrue(cond()) ? then() : otherwise());
    },
  },
  switch: {
    min: 3,
    max: Infinity,
    usage: 'switch(value, case1, result1, …, default?)',
    build: (_c, args, compile) => {
      const [valueArg, ...rest] = args as [Expr, ...Expr[]];
      const value = compile(valueArg);
      const cases: Evaluator[] = [];
      const results: Evaluator[] = [];
      for (let i = 0; i + 1 < rest.length; i += 2) {
        cases.push(compile(rest[i] as Expr));
        results.push(compile(rest[i + 1] as Expr));
      }
      const defaultArg = rest.length % 2 === 1 ? rest[rest.length - 1] : undefined;
      const fallback: Evaluator = defaultArg === undefined ? () => null : compile(defaultArg);
      return () => {
        const v = value();
        for (let i = 0; i < cases.length; i++) {
          if (valuesEqual(v, (cases[i] as Evaluator)())) return (results[i] as Evaluator)();
        }
        return fallback();
      };
    },
  },
  lookup: {
    min: 2,
    max: 3,
    usage: "lookup('table', key, default?)",
    build: (_c, args, compile, ctx) => {
      const tableArg = args[0] as Expr;
      const name = literalText(tableArg, 'the table name of lookup');
      const table = ctx.lookups.get(name);
      if (table === undefined) {
        const known = [...ctx.lookups.keys()];
        const where = known.length === 0 ? 'the mapping has no "lookups"' : `not in "lookups"${didYouMean(name, known)}`;
        throw new ExpressionError(`lookup table '${name}' is ${where}`, tableArg.offset);
      }
      const keyArg = args[1] as Expr;
      const key = compile(keyArg);
      const defaultArg = args[2];
      const fallback: Evaluator = defaultArg === undefined ? () => null : compile(defaultArg);
      // Without a default, a value the table lacks would leave the attribute out without a word.
      const row = ctx.row;
      const attribute = ctx.attribute;
      const column = keyArg.kind === 'column' ? keyArg.name : undefined;
      const miss = {
        severity: 'warning' as const,
        attribute,
        ...(column === undefined ? {} : { column }),
        rule: 'lookup-miss',
        message: `the value${column === undefined ? '' : ` of column ${JSON.stringify(column)}`} is not in lookup table '${name}', so ${attribute} is left out; add it to the table or give lookup a default`,
      };
      return () => {
        const k = key();
        if (k === null || k === '') return fallback();
        const found = table.get(typeof k === 'string' ? k : String(k));
        if (found !== undefined) return found;
        if (defaultArg === undefined) reportProblem(row, miss);
        return fallback();
      };
    },
  },
  parseDate: {
    min: 2,
    max: 3,
    usage: "parseDate(s, 'format' | ['format', …], 'zone'?)",
    build: (call, args, compile, ctx) => {
      const input = args[0] as Expr;
      const formatsArg = args[1] as Expr;
      const formatItems = formatsArg.kind === 'list' ? formatsArg.items : [formatsArg];
      if (formatItems.length === 0) throw new ExpressionError('parseDate needs at least one format', formatsArg.offset);
      const formats = formatItems.map((item) => {
        const format = literalText(item, 'each format of parseDate');
        const problem = dateFormatProblem(format);
        if (problem !== undefined) throw new ExpressionError(problem, item.offset);
        return format;
      });
      const zoneArg = args[2];
      const zone = zoneArg === undefined ? 'UTC' : literalText(zoneArg, 'the time zone of parseDate');
      if (zoneArg !== undefined && !isKnownZone(zone)) {
        throw new ExpressionError(`'${zone}' is not an IANA time-zone name (such as 'Europe/London' or 'UTC')`, zoneArg.offset);
      }
      const parse = makeDateParser(formats, zone);
      const s = compile(input);
      const row = ctx.row;
      const attribute = ctx.attribute;
      const column = input.kind === 'column' ? input.name : undefined;
      const message = `the date is in none of the formats ${formats.map((f) => `'${f}'`).join(', ')} (parseDate at offset ${call.offset})`;
      return () => {
        const v = s();
        if (v === null || v === '') return null;
        const iso = parse(typeof v === 'string' ? v : String(v));
        if (iso !== undefined) return iso;
        reportProblem(row, column === undefined ? { attribute, rule: 'date-format', message } : { attribute, column, rule: 'date-format', message });
        return null;
      };
    },
  },
};

const NAMES = Object.keys(FUNCTIONS);

/** The names of every function, for documentation and suggestions. */
export function functionNames(): readonly string[] {
  return NAMES;
}

/** Compiles a call: checks the function exists, its arity and its literal arguments. */
export function compileCall(call: CallNode, compile: CompileArg, ctx: CompileContext): Evaluator {
  const spec = Object.hasOwn(FUNCTIONS, call.name) ? FUNCTIONS[call.name] : undefined;
  if (spec === undefined) {
    throw new ExpressionError(`unknown function '${call.name}'${didYouMean(call.name, NAMES)}`, call.offset);
  }
  const n = call.args.length;
  if (n < spec.min || n > spec.max) {
    const wanted = spec.min === spec.max ? `${spec.min}` : spec.max === Infinity ? `at least ${spec.min}` : `${spec.min} to ${spec.max}`;
    throw new ExpressionError(`${call.name} takes ${wanted} argument${spec.min === 1 && spec.max === 1 ? '' : 's'}, not ${n}: ${spec.usage}`, call.offset);
  }
  // Lists are only meaningful as parseDate's formats; everywhere else they are a mistake.
  call.args.forEach((arg, i) => {
    if (arg.kind === 'list' && !(call.name === 'parseDate' && i === 1)) {
      throw new ExpressionError("a list can only follow 'in' or give parseDate its formats", arg.offset);
    }
  });
  return spec.build(call, call.args, compile, ctx);
}
