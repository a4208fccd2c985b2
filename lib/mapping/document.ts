// Checks a parsed mapping document key by key and compiles it. Every error names the mapping
// file and the JSON key path; nothing here ever sees HR data.
import { CORE_USER_SCHEMA, CUSTOM_EXTENSION_PATTERN, ENTERPRISE_USER_SCHEMA } from '../scim/schemas.js';
import { bindPlan } from './bind.js';
import { CORE_KEYS, CORE_SIMPLE, ENTERPRISE_SIMPLE, MANAGER_PARTS, MULTI_VALUED, NAME_PARTS, whereItBelongs } from './catalog.js';
import { INVALID, typeRule } from './coerce.js';
import type { CompileContext, Evaluator, RowState } from './compile-context.js';
import { compileExpression } from './compile-expression.js';
import { MappingError } from './errors.js';
import { ExpressionError } from './expression-error.js';
import { arrayBuild, constantBuild, leafBuild, objectBuild, userBuild, type Build, type Member } from './output.js';
import type { ColumnRef, MappingPlan } from './plan.js';
import { parseExpression } from './parser.js';
import { didYouMean } from './suggest.js';
import type { AttributeInfo, DeclaredType, ExprValue, Mapping } from './types.js';

const TOP_KEYS = ['$schema', 'version', 'source', 'options', 'lookups', 'attributes'];
const VALUE_KEYS = ['$column', '$literal', '$expr', '$type', '$keepEmpty'];
const TYPES: readonly DeclaredType[] = ['string', 'boolean', 'integer', 'date', 'dateTime'];
// Core and enterprise attributes are strings on the wire; date/dateTime only check the text.
const TEXT_TYPES: readonly DeclaredType[] = ['string', 'date', 'dateTime'];
const FORMATS = ['csv', 'json', 'ndjson'] as const;
const ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
const DELIMITERS = ['auto', ',', ';', '\t', '|'] as const;
const CUSTOM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type Json = Record<string, unknown>;

/** How a leaf may be typed where it sits in the User. */
interface LeafRole {
  /** `active` and `primary`: boolean whatever the mapping says. */
  boolean?: boolean;
  /** Custom extension attributes may be any type; core and enterprise ones are text. */
  anyType?: boolean;
  /** `externalId` and `active`: an empty value is never sent as ''. */
  required?: boolean;
}

type ValueSpec =
  | { form: 'column'; column: string; type?: DeclaredType; keepEmpty: boolean }
  | { form: 'literal'; value: string | number | boolean; type?: DeclaredType; keepEmpty: boolean; bare: boolean }
  | { form: 'expr'; text: string; type?: DeclaredType; keepEmpty: boolean };

/** Validates and compiles a parsed mapping document; throws MappingError naming the key at fault. */
export function loadMapping(json: unknown, source: string): Mapping {
  return new Loader(source).load(json);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function choices(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

class Loader {
  private readonly row: RowState = { v: [], problems: null };
  private readonly columns = new Map<string, ColumnRef>();
  private readonly attributes: AttributeInfo[] = [];
  private readonly lookups = new Map<string, Map<string, string>>();
  private sendEmpty = false;
  private customUrn: string | undefined;

  constructor(private readonly source: string) {}

  load(json: unknown): Mapping {
    if (!isObject(json)) this.fail('', `the mapping must be a JSON object, not ${describe(json)}`);
    for (const key of Object.keys(json)) {
      if (!TOP_KEYS.includes(key)) this.fail(key, `unknown top-level key${didYouMean(key, TOP_KEYS)}; allowed: ${TOP_KEYS.join(', ')}`);
    }
    if (!('version' in json)) this.fail('version', 'is required and must be 1');
    if (json.version !== 1) this.fail('version', 'must be 1, the only version of the mapping format');
    const extract = this.readSource(json.source);
    const trimValues = this.readOptions(json.options);
    this.readLookups(json.lookups);
    if (!('attributes' in json)) this.fail('attributes', 'is required: the SCIM User, attribute by attribute');
    const members = this.readAttributes(json.attributes);

    const schemas = Object.freeze([CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, ...(this.customUrn === undefined ? [] : [this.customUrn])]);
    const plan: MappingPlan = {
      source: this.source,
      columns: [...this.columns.values()],
      trimValues,
      row: this.row,
      buildUser: userBuild(schemas, members),
    };
    return {
      source: this.source,
      schemas,
      columns: Object.freeze(plan.columns.map((c) => c.name)),
      attributes: Object.freeze(this.attributes),
      extract,
      // A copy, so a caller changing its object later cannot make the worker's mapping differ.
      document: structuredClone(json),
      bind: (columns, file) => bindPlan(plan, columns, file),
    };
  }

  private fail(key: string, detail: string): never {
    throw new MappingError(this.source, key, detail);
  }

  private readSource(raw: unknown): Mapping['extract'] {
    if (raw === undefined) return {};
    if (!isObject(raw)) this.fail('source', `must be an object, not ${describe(raw)}`);
    const out: Mapping['extract'] = {};
    for (const [key, value] of Object.entries(raw)) {
      const at = `source.${key}`;
      if (key === 'format') out.format = this.oneOf(at, value, FORMATS);
      else if (key === 'encoding') out.encoding = this.oneOf(at, value, ENCODINGS);
      else if (key === 'delimiter') out.delimiter = this.oneOf(at, value, DELIMITERS);
      else this.fail(at, `unknown key${didYouMean(key, ['format', 'encoding', 'delimiter'])}; allowed: format, encoding, delimiter`);
    }
    return out;
  }

  private oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(key, `must be one of ${choices(allowed)}`);
    }
    return value as T;
  }

  private readOptions(raw: unknown): boolean {
    let trimValues = true;
    if (raw === undefined) return trimValues;
    if (!isObject(raw)) this.fail('options', `must be an object, not ${describe(raw)}`);
    for (const [key, value] of Object.entries(raw)) {
      const at = `options.${key}`;
      if (key === 'trimValues') {
        if (typeof value !== 'boolean') this.fail(at, 'must be true or false');
        trimValues = value;
      } else if (key === 'emptyValues') {
        this.sendEmpty = this.oneOf(at, value, ['omit', 'send'] as const) === 'send';
      } else {
        this.fail(at, `unknown option${didYouMean(key, ['trimValues', 'emptyValues'])}; allowed: trimValues, emptyValues`);
      }
    }
    return trimValues;
  }

  private readLookups(raw: unknown): void {
    if (raw === undefined) return;
    if (!isObject(raw)) this.fail('lookups', `must be an object of named tables, not ${describe(raw)}`);
    for (const [name, table] of Object.entries(raw)) {
      const at = `lookups.${name}`;
      if (name === '') this.fail(at, 'a lookup table needs a name');
      if (!isObject(table)) this.fail(at, `must be an object of "key": "value" pairs, not ${describe(table)}`);
      const entries = new Map<string, string>();
      for (const [k, v] of Object.entries(table)) {
        if (typeof v !== 'string') this.fail(`${at}.${k}`, `lookup values must be text, not ${describe(v)}`);
        entries.set(k, v);
      }
      this.lookups.set(name, entries);
    }
  }

  private readAttributes(raw: unknown): Member[] {
    if (!isObject(raw)) this.fail('attributes', `must be an object, not ${describe(raw)}`);
    const members: Member[] = [];
    for (const [name, value] of Object.entries(raw)) {
      const key = `attributes.${name}`;
      if (name.startsWith('urn:')) {
        members.push({ name, build: this.readExtension(name, value, key), counts: true, keep: false });
      } else if (CORE_SIMPLE.includes(name)) {
        const role: LeafRole = { boolean: name === 'active', required: name === 'externalId' || name === 'active' };
        members.push({ name, ...this.readLeaf(value, key, name, role), counts: true });
      } else if (name === 'name') {
        members.push({ name, build: this.readComplex(value, key, 'name', NAME_PARTS), counts: true, keep: false });
      } else if (Object.hasOwn(MULTI_VALUED, name)) {
        members.push({ name, build: this.readMultiValued(name, value, key), counts: true, keep: false });
      } else if (name.startsWith('$')) {
        this.fail(key, `"${name}" cannot stand here: $column, $literal and $expr go inside an attribute, e.g. "title": { "$expr": "…" }`);
      } else {
        const hint = whereItBelongs(name);
        this.fail(
          key,
          `unknown core attribute${hint === undefined ? didYouMean(name, CORE_KEYS) : `: ${hint}`}; custom attributes go in a custom extension (urn:ietf:params:scim:schemas:extension:<name>:1.0:User)`,
        );
      }
    }
    if (!Object.hasOwn(raw, 'externalId')) {
      this.fail('attributes.externalId', "is required: it is the record's anchor, matched to the account's employeeId by default");
    }
    if (!Object.hasOwn(raw, 'active')) {
      this.fail('attributes.active', 'is required: hrsync always sends active, because a record sent without it has been reported to disable the account');
    }
    return members;
  }

  private readExtension(urn: string, value: unknown, key: string): Build {
    if (urn === ENTERPRISE_USER_SCHEMA) {
      const fields = this.objectEntries(value, key, 'the enterprise extension');
      const members: Member[] = [];
      for (const [name, v] of fields) {
        const at = `${key}.${name}`;
        const path = `${urn}:${name}`;
        if (ENTERPRISE_SIMPLE.includes(name)) {
          members.push({ name, ...this.readLeaf(v, at, path, {}), counts: true });
        } else if (name === 'manager') {
          members.push({ name, build: this.readComplex(v, at, path, MANAGER_PARTS), counts: true, keep: false });
        } else {
          this.fail(at, `unknown enterprise attribute${didYouMean(name, [...ENTERPRISE_SIMPLE, 'manager'])}; allowed: ${[...ENTERPRISE_SIMPLE, 'manager'].join(', ')}`);
        }
      }
      return objectBuild(members);
    }
    if (urn === CORE_USER_SCHEMA) {
      this.fail(key, 'core attributes go directly under "attributes", not under the core schema URN');
    }
    if (!CUSTOM_EXTENSION_PATTERN.test(urn)) {
      const near = didYouMean(urn, [ENTERPRISE_USER_SCHEMA]);
      this.fail(key, `not a valid extension URN${near}: use ${ENTERPRISE_USER_SCHEMA} or a custom urn:ietf:params:scim:schemas:extension:<name>:1.0:User`);
    }
    if (/:extension:enterprise:1\.0:User$/i.test(urn)) {
      this.fail(key, `the enterprise extension is version 2.0: ${ENTERPRISE_USER_SCHEMA}`);
    }
    if (this.customUrn !== undefined) {
      this.fail(key, `only one custom extension may be mapped, and attributes.${this.customUrn} is already one`);
    }
    this.customUrn = urn;
    const fields = this.objectEntries(value, key, 'a custom extension');
    const members: Member[] = [];
    for (const [name, v] of fields) {
      const at = `${key}.${name}`;
      if (!CUSTOM_NAME.test(name)) {
        this.fail(at, 'custom attribute names are letters, digits, _ and -, starting with a letter or _');
      }
      if (Array.isArray(v) || (isObject(v) && !Object.keys(v).some((k) => k.startsWith('$')))) {
        this.fail(at, 'custom extension attributes are flat: give a single value, not a list or nested object');
      }
      members.push({ name, ...this.readLeaf(v, at, `${urn}:${name}`, { anyType: true }), counts: true });
    }
    return objectBuild(members);
  }

  // The entries of a complex value ({ … } without $ keys), checked to be a non-empty object.
  private objectEntries(value: unknown, key: string, what: string): [string, unknown][] {
    if (!isObject(value)) this.fail(key, `${what} must be an object of attributes, not ${describe(value)}`);
    const entries = Object.entries(value);
    if (entries.length === 0) this.fail(key, `${what} maps no attributes`);
    const dollar = entries.find(([k]) => k.startsWith('$'));
    if (dollar !== undefined) {
      this.fail(key, `${what} is complex: map its parts by name instead of using "${dollar[0]}"`);
    }
    return entries;
  }

  private readComplex(value: unknown, key: string, path: string, parts: readonly string[]): Build {
    const what = `"${path.slice(path.lastIndexOf(':') + 1)}"`;
    const members: Member[] = [];
    for (const [name, v] of this.objectEntries(value, key, what)) {
      const at = `${key}.${name}`;
      if (!parts.includes(name)) this.fail(at, `unknown part of ${what}${didYouMean(name, parts)}; allowed: ${parts.join(', ')}`);
      members.push({ name, ...this.readLeaf(v, at, `${path}.${name}`, {}), counts: true });
    }
    return objectBuild(members);
  }

  private readMultiValued(name: string, value: unknown, key: string): Build {
    const parts = MULTI_VALUED[name] as readonly string[];
    if (!Array.isArray(value)) {
      this.fail(key, `${name} is multi-valued: give a list of entries, e.g. [ { "type": { "$literal": "work" }, … } ]`);
    }
    if (value.length === 0) this.fail(key, `${name} has no entries`);
    const entries = value.map((entry: unknown, i) => {
      const at = `${key}[${i}]`;
      if (!isObject(entry)) this.fail(at, `each entry of ${name} must be an object of ${parts.join(', ')}, not ${describe(entry)}`);
      const members: Member[] = [];
      for (const [part, v] of this.objectEntries(entry, at, `an entry of ${name}`)) {
        const partKey = `${at}.${part}`;
        if (!parts.includes(part)) this.fail(partKey, `unknown part of an entry of ${name}${didYouMean(part, parts)}; allowed: ${parts.join(', ')}`);
        const counts = part !== 'type' && part !== 'primary';
        members.push({ name: part, ...this.readLeaf(v, partKey, `${name}[${i}].${part}`, { boolean: part === 'primary' }), counts });
      }
      return objectBuild(members);
    });
    return arrayBuild(entries);
  }

  private readValueSpec(raw: unknown, key: string): ValueSpec {
    if (typeof raw === 'string') {
      const column = raw.trim();
      if (column === '') this.fail(key, 'an empty column name (for text, write { "$literal": "…" })');
      return { form: 'column', column, keepEmpty: false };
    }
    if (typeof raw === 'number' || typeof raw === 'boolean') return { form: 'literal', value: raw, keepEmpty: false, bare: true };
    if (raw === null) this.fail(key, 'null is not a value: leave the attribute out instead');
    if (Array.isArray(raw)) this.fail(key, 'expects a single value, not a list (only emails, phoneNumbers and addresses are lists)');
    const spec = raw as Json;
    const keys = Object.keys(spec);
    if (!keys.some((k) => k.startsWith('$'))) {
      this.fail(key, 'expects a value: a column name, a literal, or { "$column" | "$literal" | "$expr": … }, not an object of attributes');
    }
    const plain = keys.find((k) => !k.startsWith('$'));
    if (plain !== undefined) this.fail(key, `mixes $ keys with the plain key "${plain}": a value object holds only $column, $literal or $expr and their modifiers`);
    for (const k of keys) {
      if (!VALUE_KEYS.includes(k)) this.fail(key, `unknown key "${k}"${didYouMean(k, VALUE_KEYS)}; allowed: ${VALUE_KEYS.join(', ')}`);
    }
    const sources = keys.filter((k) => k === '$column' || k === '$literal' || k === '$expr');
    if (sources.length === 0) this.fail(key, 'needs one of $column, $literal or $expr');
    if (sources.length > 1) this.fail(key, `has both ${sources[0]} and ${sources[1]}: give exactly one`);

    let type: DeclaredType | undefined;
    if ('$type' in spec) {
      const t = spec.$type;
      if (typeof t !== 'string' || !(TYPES as readonly string[]).includes(t)) {
        this.fail(key, `"$type" must be one of ${choices(TYPES)}${typeof t === 'string' ? didYouMean(t, TYPES) : ''}`);
      }
      type = t as DeclaredType;
    }
    let keepEmpty = false;
    if ('$keepEmpty' in spec) {
      if (typeof spec.$keepEmpty !== 'boolean') this.fail(key, '"$keepEmpty" must be true or false');
      keepEmpty = spec.$keepEmpty;
    }
    const withType = type === undefined ? {} : { type };
    if ('$column' in spec) {
      const c = spec.$column;
      if (typeof c !== 'string' || c.trim() === '') this.fail(key, '"$column" must be a non-empty column name');
      return { form: 'column', column: c.trim(), keepEmpty, ...withType };
    }
    if ('$literal' in spec) {
      const v = spec.$literal;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        this.fail(key, `"$literal" must be text, a number or true/false, not ${describe(v)}`);
      }
      return { form: 'literal', value: v, keepEmpty, bare: false, ...withType };
    }
    const e = spec.$expr;
    if (typeof e !== 'string') this.fail(key, `"$expr" must be the expression as text, not ${describe(e)}`);
    return { form: 'expr', text: e, keepEmpty, ...withType };
  }

  private declaredType(spec: ValueSpec, key: string, path: string, role: LeafRole): DeclaredType {
    if (role.boolean) {
      if (spec.type !== undefined && spec.type !== 'boolean') this.fail(key, `${path} is always boolean; remove "$type" or make it "boolean"`);
      return 'boolean';
    }
    if (spec.type !== undefined) {
      if (!role.anyType && !TEXT_TYPES.includes(spec.type)) {
        this.fail(key, `${path} is text in SCIM, so "$type" may be string, date or dateTime here; boolean and integer are for custom extension attributes`);
      }
      return spec.type;
    }
    // A bare true/false/42 in a custom extension keeps its JSON type; elsewhere it is sent as text.
    if (role.anyType && spec.form === 'literal' && spec.bare) {
      return typeof spec.value === 'boolean' ? 'boolean' : 'integer';
    }
    return 'string';
  }

  private readLeaf(raw: unknown, key: string, path: string, role: LeafRole): { build: Build; keep: boolean } {
    const spec = this.readValueSpec(raw, key);
    const type = this.declaredType(spec, key, path, role);
    if (spec.keepEmpty) {
      if (role.required) this.fail(key, `"$keepEmpty" cannot apply to ${path}, which must always have a value`);
      if (type !== 'string') this.fail(key, `"$keepEmpty" sends "" and so only applies to string attributes, not ${type}`);
    }
    const sendEmpty = type === 'string' && !role.required && (spec.keepEmpty || this.sendEmpty);
    const columns: string[] = [];
    this.attributes.push({ path, type, columns, key });
    const rule = typeRule(type);

    if (spec.form === 'literal') {
      const value: ExprValue = spec.value;
      if (value === '') return { build: constantBuild(sendEmpty ? '' : undefined), keep: spec.keepEmpty };
      const coerced = rule.coerce(value);
      if (coerced === INVALID) this.fail(key, `the literal ${rule.message} (declared ${type})`);
      return { build: constantBuild(coerced), keep: spec.keepEmpty };
    }

    const ctx: CompileContext = {
      row: this.row,
      attribute: path,
      lookups: this.lookups,
      slot: (column) => this.slot(column, key, path, columns, spec.form === 'expr'),
    };
    let evaluate: Evaluator;
    let checkedType = type;
    if (spec.form === 'column') {
      const slot = ctx.slot(spec.column);
      const row = this.row;
      evaluate = () => row.v[slot] as ExprValue;
    } else {
      try {
        const ast = parseExpression(spec.text);
        evaluate = compileExpression(ast, ctx);
        // parseDate already gives a valid ISO dateTime: checking it again per row is wasted work.
        if (type === 'dateTime' && ast.kind === 'call' && ast.name === 'parseDate') checkedType = 'string';
      } catch (e) {
        if (e instanceof ExpressionError) this.fail(key, e.message);
        throw e;
      }
    }
    const column = columns.length === 1 ? columns[0] : undefined;
    const build = leafBuild({ evaluate, type: checkedType, rule, sendEmpty, attribute: path, column, row: this.row });
    return { build, keep: spec.keepEmpty };
  }

  private slot(column: string, key: string, path: string, leafColumns: string[], inExpression: boolean): number {
    let ref = this.columns.get(column);
    if (ref === undefined) {
      ref = { name: column, slot: this.columns.size, keys: [], attribute: path, inExpression: false };
      this.columns.set(column, ref);
    }
    if (!ref.keys.includes(key)) ref.keys.push(key);
    if (inExpression) ref.inExpression = true;
    if (!leafColumns.includes(column)) leafColumns.push(column);
    return ref.slot;
  }
}
