// Evaluates a deployment of parsed Bicep files for one set of parameter values: which
// resources it declares (conditions and loops applied, module parameters bound) and what
// their properties are. What only Azure knows at deploy time (a resource's id, endpoints,
// uniqueString) stays an Unknown naming where it comes from, e.g.
// `modules/storage.bicep#account.properties.primaryEndpoints.blob`, so checks can still tell
// which resource a value belongs to.
import { posix } from 'node:path';
import type { BicepFile, Declaration, Expr } from './bicep-parser.js';

/** A value known only at deploy time; `text` names its origin (`<file>#<symbol>.<path>`). */
export interface Unknown {
  unknown: string;
}

/** A reference to a declared resource (its bare symbol). */
export interface ResourceRef {
  resource: string;
  type: string;
}

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Unknown | ResourceRef;

export function isUnknown(v: Value | undefined): v is Unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Unknown).unknown === 'string' && Object.keys(v).length === 1;
}

export function isResourceRef(v: Value | undefined): v is ResourceRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as ResourceRef).resource === 'string' &&
    typeof (v as ResourceRef).type === 'string' &&
    Object.keys(v).length === 2
  );
}

export function isObject(v: Value | undefined): v is { [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isUnknown(v) && !isResourceRef(v);
}

/** Text of a value for messages and for comparing where unknowns come from. */
export function describe(v: Value | undefined): string {
  if (v === undefined) return 'undefined';
  if (isUnknown(v)) return `<${v.unknown}>`;
  if (isResourceRef(v)) return `<${v.resource}>`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One resource the deployment declares (a loop yields one per item). */
export interface ResourceInstance {
  /** `<file>#<symbol>`, with `[i]` for loop items. */
  id: string;
  file: string;
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  line: number;
  body: { [key: string]: Value };
}

export interface Deployment {
  resources: ResourceInstance[];
  outputs: Record<string, Value>;
  /** Parameter values of the main file after defaults. */
  params: Record<string, Value>;
}

export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

interface ModuleInstance {
  file: BicepFile;
  /** Parameter values passed by the caller. */
  bound: Record<string, Value>;
  vars: Map<string, Value>;
  evaluating: Set<string>;
}

type Locals = Record<string, Value>;

function sameValue(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

class Evaluator {
  readonly resources: ResourceInstance[] = [];

  constructor(private readonly files: Map<string, BicepFile>) {}

  instantiate(path: string, bound: Record<string, Value>): ModuleInstance {
    const file = this.files.get(path);
    if (file === undefined) throw new EvaluationError(`${path} is referenced as a module but was not loaded`);
    const instance: ModuleInstance = { file, bound, vars: new Map(), evaluating: new Set() };
    for (const d of file.declarations) {
      if (d.kind === 'param' && d.value === undefined && !(d.name in bound)) throw new EvaluationError(`${path}: parameter ${d.name} has no value and no default`);
    }
    for (const d of file.declarations) {
      if (d.kind === 'resource') this.declareResource(instance, d);
      if (d.kind === 'module') this.declareModule(instance, d);
    }
    return instance;
  }

  private declareResource(m: ModuleInstance, d: Extract<Declaration, { kind: 'resource' }>): void {
    const base = { file: m.file.path, symbol: d.name, type: d.type, apiVersion: d.apiVersion, existing: d.existing, line: d.line };
    for (const [suffix, body] of this.expand(m, d.value, {})) {
      const value = this.eval(m, body.expr, body.locals);
      if (!isObject(value)) throw new EvaluationError(`${m.file.path}:${d.line}: resource ${d.name} has no object body`);
      this.resources.push({ ...base, id: `${m.file.path}#${d.name}${suffix}`, body: value });
    }
  }

  private declareModule(m: ModuleInstance, d: Extract<Declaration, { kind: 'module' }>): void {
    for (const [, body] of this.expand(m, d.value, {})) {
      const value = this.eval(m, body.expr, body.locals);
      const params = isObject(value) ? value.params : undefined;
      this.instantiate(posix.join(posix.dirname(m.file.path), d.path), isObject(params) ? params : {});
    }
  }

  /** Applies `if (...)` and `[for ...]` to a resource or module value: the bodies that exist. */
  private expand(m: ModuleInstance, expr: Expr, locals: Locals): [string, { expr: Expr; locals: Locals }][] {
    if (expr.kind === 'if') {
      const condition = this.eval(m, expr.condition, locals);
      if (typeof condition !== 'boolean') throw new EvaluationError(`${m.file.path}:${expr.line}: condition is not known before deployment (${describe(condition)})`);
      return condition ? this.expand(m, expr.body, locals) : [];
    }
    if (expr.kind === 'for') {
      const source = this.eval(m, expr.source, locals);
      if (!Array.isArray(source)) throw new EvaluationError(`${m.file.path}:${expr.line}: loop source is not a known array (${describe(source)})`);
      return source.flatMap((item, i) =>
        this.expand(m, expr.body, { ...locals, [expr.item]: item, ...(expr.index === undefined ? {} : { [expr.index]: i }) }).map(
          ([s, b]): [string, { expr: Expr; locals: Locals }] => [`[${i}]${s}`, b],
        ),
      );
    }
    return [['', { expr, locals }]];
  }

  private declaration(m: ModuleInstance, name: string): Declaration | undefined {
    return m.file.declarations.find((d) => d.kind !== 'targetScope' && d.name === name);
  }

  private ident(m: ModuleInstance, name: string, locals: Locals, line: number): Value {
    if (name in locals) return locals[name] as Value;
    const d = this.declaration(m, name);
    const origin = `${m.file.path}#${name}`;
    if (d === undefined) throw new EvaluationError(`${m.file.path}:${line}: "${name}" is not declared`);
    switch (d.kind) {
      case 'param':
        if (name in m.bound) return m.bound[name] as Value;
        return this.eval(m, d.value as Expr, {});
      case 'var': {
        const cached = m.vars.get(name);
        if (cached !== undefined) return cached;
        if (m.evaluating.has(name)) throw new EvaluationError(`${m.file.path}:${d.line}: variable ${name} refers to itself`);
        m.evaluating.add(name);
        const value = this.eval(m, d.value, {});
        m.evaluating.delete(name);
        m.vars.set(name, value);
        return value;
      }
      case 'resource':
        return { resource: origin, type: d.type };
      case 'module':
        return { unknown: `module:${posix.join(posix.dirname(m.file.path), d.path)}` };
      default:
        return { unknown: origin };
    }
  }

  /** A module's output, evaluated in the module instance the caller created. */
  private moduleOutput(m: ModuleInstance, moduleName: string, output: string, line: number): Value {
    const d = this.declaration(m, moduleName);
    if (d?.kind !== 'module') throw new EvaluationError(`${m.file.path}:${line}: ${moduleName} is not a module`);
    const path = posix.join(posix.dirname(m.file.path), d.path);
    const file = this.files.get(path);
    const out = file?.declarations.find((x) => x.kind === 'output' && x.name === output);
    if (file === undefined || out === undefined || out.kind !== 'output') throw new EvaluationError(`${m.file.path}:${line}: module ${moduleName} has no output ${output}`);
    const body = d.value.kind === 'if' ? d.value.body : d.value;
    const value = this.eval(m, body, {});
    const params = isObject(value) && isObject(value.params) ? value.params : {};
    return this.eval({ file, bound: params, vars: new Map(), evaluating: new Set() }, out.value, {});
  }

  eval(m: ModuleInstance, e: Expr, locals: Locals): Value {
    switch (e.kind) {
      case 'string': {
        const parts = e.parts.map((p) => (typeof p === 'string' ? p : this.eval(m, p, locals)));
        // '${x}' is x itself.
        if (parts.length === 3 && parts[0] === '' && parts[2] === '' && (isUnknown(parts[1]) || isResourceRef(parts[1]))) return parts[1] as Value;
        if (parts.every((p) => typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean')) return parts.join('');
        return { unknown: parts.map((p) => (typeof p === 'string' ? p : describe(p))).join('') };
      }
      case 'number':
      case 'bool':
        return e.value;
      case 'null':
        return null;
      case 'ident':
        return this.ident(m, e.name, locals, e.line);
      case 'object': {
        const out: { [key: string]: Value } = {};
        for (const p of e.props) {
          const key = p.keyExpr === undefined ? p.key : describe(this.eval(m, p.keyExpr, locals));
          out[key] = this.eval(m, p.value, locals);
        }
        return out;
      }
      case 'array':
        return e.items.map((item) => this.eval(m, item, locals));
      case 'for': {
        const source = this.eval(m, e.source, locals);
        if (!Array.isArray(source)) return { unknown: `for over ${describe(source)}` };
        return source.map((item, i) => this.eval(m, e.body, { ...locals, [e.item]: item, ...(e.index === undefined ? {} : { [e.index]: i }) }));
      }
      case 'if':
        return this.eval(m, e.body, locals);
      case 'member': {
        if (e.object.kind === 'member' && e.object.name === 'outputs' && e.object.object.kind === 'ident' && !(e.object.object.name in locals)) {
          const d = this.declaration(m, e.object.object.name);
          if (d?.kind === 'module') return this.moduleOutput(m, d.name, e.name, e.line);
        }
        const object = this.eval(m, e.object, locals);
        if (isObject(object)) return e.name in object ? (object[e.name] as Value) : { unknown: `${describe(object)}.${e.name}` };
        if (isResourceRef(object)) return { unknown: `${object.resource}.${e.name}` };
        if (isUnknown(object)) return { unknown: `${object.unknown}.${e.name}` };
        throw new EvaluationError(`${m.file.path}:${e.line}: .${e.name} of ${describe(object)}`);
      }
      case 'index': {
        const object = this.eval(m, e.object, locals);
        const index = this.eval(m, e.index, locals);
        if (Array.isArray(object) && typeof index === 'number') return object[index] ?? null;
        if (isObject(object) && typeof index === 'string') return object[index] ?? null;
        // An item of a resource loop: named as its ResourceInstance id is.
        if (isResourceRef(object)) return { unknown: `${object.resource}[${describe(index)}]` };
        return { unknown: `${describe(object)}[${describe(index)}]` };
      }
      case 'call':
        return this.call(m, e, locals);
      case 'unary': {
        const v = this.eval(m, e.operand, locals);
        if (e.op === '!' && typeof v === 'boolean') return !v;
        if (e.op === '-' && typeof v === 'number') return -v;
        return { unknown: `${e.op}${describe(v)}` };
      }
      case 'binary':
        return this.binary(m, e, locals);
      case 'ternary': {
        const c = this.eval(m, e.condition, locals);
        if (typeof c !== 'boolean') return { unknown: `(${describe(c)} ? … : …)` };
        return this.eval(m, c ? e.then : e.otherwise, locals);
      }
    }
  }

  private binary(m: ModuleInstance, e: Extract<Expr, { kind: 'binary' }>, locals: Locals): Value {
    const l = this.eval(m, e.left, locals);
    if (e.op === '&&' && l === false) return false;
    if (e.op === '||' && l === true) return true;
    if (e.op === '??' && l !== null && !isUnknown(l)) return l;
    const r = this.eval(m, e.right, locals);
    if (e.op === '??') return l === null ? r : { unknown: `${describe(l)} ?? ${describe(r)}` };
    const known = !isUnknown(l) && !isUnknown(r) && !isResourceRef(l) && !isResourceRef(r);
    if (!known) return { unknown: `${describe(l)} ${e.op} ${describe(r)}` };
    switch (e.op) {
      case '==':
        return sameValue(l, r);
      case '!=':
        return !sameValue(l, r);
      case '=~':
      case '!~':
        if (typeof l === 'string' && typeof r === 'string') return (l.toLowerCase() === r.toLowerCase()) === (e.op === '=~');
        break;
      case '&&':
      case '||':
        if (typeof l === 'boolean' && typeof r === 'boolean') return e.op === '&&' ? l && r : l || r;
        break;
      default:
        if (typeof l === 'number' && typeof r === 'number') {
          if (e.op === '+') return l + r;
          if (e.op === '-') return l - r;
          if (e.op === '*') return l * r;
          // Bicep's integers divide without a remainder.
          if (e.op === '/') return Math.trunc(l / r);
          if (e.op === '%') return l % r;
          if (e.op === '<') return l < r;
          if (e.op === '<=') return l <= r;
          if (e.op === '>') return l > r;
          if (e.op === '>=') return l >= r;
        }
    }
    throw new EvaluationError(`${m.file.path}:${e.line}: cannot apply ${e.op} to ${describe(l)} and ${describe(r)}`);
  }

  private call(m: ModuleInstance, e: Extract<Expr, { kind: 'call' }>, locals: Locals): Value {
    const name = e.callee.kind === 'ident' ? e.callee.name : e.callee.kind === 'member' && e.callee.object.kind === 'ident' ? e.callee.name : '';
    const args = e.args.map((a) => this.eval(m, a, locals));
    const text = `${name}(${args.map(describe).join(', ')})`;
    const allKnown = args.every((a) => !isUnknown(a) && !isResourceRef(a));
    switch (name) {
      case 'union':
        if (args.every((a) => isObject(a))) return Object.assign({}, ...(args as object[])) as Value;
        if (args.every((a) => Array.isArray(a))) return [...new Set((args as Value[][]).flat().map((v) => JSON.stringify(v)))].map((s) => JSON.parse(s) as Value);
        return { unknown: text };
      case 'string': {
        const arg = args[0] as Value;
        if (isUnknown(arg) || isResourceRef(arg)) return { unknown: text };
        // An object with deploy-time parts serialises with those parts named.
        return typeof arg === 'string' ? arg : JSON.stringify(arg, (_key, v: Value) => (isUnknown(v) || isResourceRef(v) ? describe(v) : v));
      }
      case 'empty':
        if (!allKnown) return { unknown: text };
        return args[0] === null || args[0] === '' || (Array.isArray(args[0]) && args[0].length === 0) || (isObject(args[0]) && Object.keys(args[0]).length === 0);
      case 'toLower':
      case 'toUpper':
        if (typeof args[0] !== 'string') return { unknown: text };
        return name === 'toLower' ? args[0].toLowerCase() : args[0].toUpperCase();
      case 'replace':
        if (!args.every((a) => typeof a === 'string')) return { unknown: text };
        return (args[0] as string).split(args[1] as string).join(args[2] as string);
      case 'concat':
        if (!allKnown) return { unknown: text };
        return args.every((a) => Array.isArray(a)) ? (args as Value[][]).flat() : args.map((a) => String(a)).join('');
      case 'subscriptionResourceId':
        if (!args.every((a) => typeof a === 'string')) return { unknown: text };
        return `/subscriptions/{subscriptionId}/providers/${args[0] as string}/${(args.slice(1) as string[]).join('/')}`;
      default:
        // resourceGroup(), subscription(), tenant(), guid(), uniqueString(), … are Azure's to know.
        return { unknown: text };
    }
  }
}

/** Evaluates the deployment rooted at `main` (a key of `files`) with the given parameter values. */
export function evaluateDeployment(files: Map<string, BicepFile>, main: string, params: Record<string, Value>): Deployment {
  const evaluator = new Evaluator(files);
  const root = evaluator.instantiate(main, params);
  const outputs: Record<string, Value> = {};
  const mainParams: Record<string, Value> = {};
  for (const d of root.file.declarations) {
    if (d.kind === 'output') outputs[d.name] = evaluator.eval(root, d.value, {});
    if (d.kind === 'param') mainParams[d.name] = evaluator.eval(root, { kind: 'ident', name: d.name, line: d.line }, {});
  }
  return { resources: evaluator.resources, outputs, params: mainParams };
}
