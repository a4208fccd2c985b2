// `hrsync mapping import`: a CSV2SCIM AttributeMapping.psd1 becomes an hrsync mapping document.
// CSV2SCIM reads the file's one hashtable as the SCIM User: a string names a CSV column, a
// scriptblock runs with the row as `$_`, a nested hashtable is a complex attribute and an array of
// hashtables a multi-valued one. What cannot be carried over exactly is listed, never guessed.
import { Psd1SyntaxError, Untranslatable } from './psd1-errors.js';
import type { Psd1Value } from './psd1-parse.js';
import { parsePsd1 } from './psd1-parse.js';
import type { HrExpr } from './psd1-script-translate.js';
import { translateScriptBlock } from './psd1-script-translate.js';

/** A JSON value of the generated mapping. */
export type MappingJson = string | number | boolean | null | MappingJson[] | { [key: string]: MappingJson };

/** A value of the psd1 that was left out of the mapping, and why. */
export interface UntranslatedEntry {
  /** Key path in the generated mapping, e.g. `attributes.urn:…:User.HireDate` or `attributes.emails[0].type`. */
  key: string;
  /** The value's source text in the psd1 (empty when the attribute is absent altogether). */
  script: string;
  /** 1-based line of the value in the psd1. */
  line: number;
  why: string;
}

export interface Psd1Import {
  mapping: { version: 1; attributes: { [key: string]: MappingJson } };
  untranslated: UntranslatedEntry[];
}

// SCIM attribute names are case-insensitive and so are PowerShell's hashtable keys, so `ExternalID`
// in a psd1 means `externalId`; hrsync spells them exactly, so known names are put in its spelling.
const KNOWN_NAMES = new Map(
  [
    'externalId',
    'active',
    'userName',
    'displayName',
    'nickName',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
    'profileUrl',
    'name',
    'formatted',
    'familyName',
    'givenName',
    'middleName',
    'honorificPrefix',
    'honorificSuffix',
    'emails',
    'phoneNumbers',
    'addresses',
    'type',
    'primary',
    'value',
    'display',
    'streetAddress',
    'locality',
    'region',
    'postalCode',
    'country',
    'employeeNumber',
    'costCenter',
    'organization',
    'division',
    'department',
    'manager',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  ].map((n) => [n.toLowerCase(), n]),
);
const ALWAYS_BOOLEAN = new Set(['active', 'primary']);
const ENTERPRISE_KEY = 'attributes.urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.';

function isCustomExtensionKey(key: string): boolean {
  return key.startsWith('attributes.urn:') && !key.startsWith(ENTERPRISE_KEY);
}
const REQUIRED = ['externalId', 'active'] as const;

/**
 * Converts the text of a CSV2SCIM AttributeMapping.psd1 into an hrsync mapping document and the list
 * of values it left out. Throws Psd1SyntaxError (a MappingError) when the file cannot be read.
 */
export function importPsd1Mapping(text: string, source: string): Psd1Import {
  const root = parsePsd1(text, source);
  if (root.kind !== 'hashtable') {
    throw new Psd1SyntaxError(source, '', 'expected the file to hold one hashtable @{ … } of attributes', root.line, root.column);
  }
  const importer = new Importer(text);
  const attributes = importer.hashtable(root, 'attributes') ?? {};
  const untranslated = importer.untranslated;
  for (const name of REQUIRED) {
    if (name in attributes) continue;
    const need = `hrsync needs ${name} mapped before this mapping can be used`;
    const entry = untranslated.find((u) => u.key === `attributes.${name}`);
    if (entry) entry.why += `; ${need}`;
    else untranslated.push({ key: `attributes.${name}`, script: '', line: root.line, why: `absent from the psd1; ${need}` });
  }
  return { mapping: { version: 1, attributes }, untranslated };
}

class Importer {
  readonly untranslated: UntranslatedEntry[] = [];

  constructor(private readonly text: string) {}

  hashtable(table: Extract<Psd1Value, { kind: 'hashtable' }>, key: string): { [key: string]: MappingJson } | undefined {
    const out: { [key: string]: MappingJson } = {};
    for (const entry of table.entries) {
      const name = KNOWN_NAMES.get(entry.key.toLowerCase()) ?? entry.key;
      const value = this.value(entry.value, `${key}.${name}`, name);
      if (value !== undefined) out[name] = value;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private value(v: Psd1Value, key: string, name: string): MappingJson | undefined {
    switch (v.kind) {
      case 'string':
        if (v.expandable)
          return this.skip(v, key, 'PowerShell would expand the $… in this double-quoted string and hrsync does not evaluate it; use single quotes for a column name');
        if (v.value === '') return this.skip(v, key, 'an empty column name');
        return v.value;
      case 'number':
      case 'boolean':
        return v.value;
      case 'null':
        return this.skip(v, key, '$null maps nothing');
      case 'hashtable':
        return this.hashtable(v, key);
      case 'array':
        return this.array(v, key);
      case 'scriptblock':
        return this.scriptblock(v, key, name);
    }
  }

  private array(v: Extract<Psd1Value, { kind: 'array' }>, key: string): MappingJson[] | undefined {
    const out: MappingJson[] = [];
    for (const [i, item] of v.items.entries()) {
      if (item.kind !== 'hashtable') {
        return this.skip(v, key, 'a list of values other than @{ … } entries is not a SCIM multi-valued attribute');
      }
      const entry = this.hashtable(item, `${key}[${i}]`);
      // An entry left with only its type and primary (its value untranslated) would say nothing.
      if (entry !== undefined && Object.keys(entry).some((k) => k !== 'type' && k !== 'primary')) out.push(entry);
    }
    return out.length > 0 ? out : undefined;
  }

  private scriptblock(v: Extract<Psd1Value, { kind: 'scriptblock' }>, key: string, name: string): MappingJson | undefined {
    let e: HrExpr;
    try {
      e = translateScriptBlock(v.body);
    } catch (err) {
      if (err instanceof Untranslatable) return this.skip(v, key, err.why);
      // Stack exhaustion from absurd nesting is a property of that one scriptblock, not of the file.
      if (err instanceof RangeError) return this.skip(v, key, 'the scriptblock is nested too deeply to translate');
      throw err;
    }
    if (e.constant) {
      const c = e.constant.value;
      if (c === null) return this.skip(v, key, 'the scriptblock always gives $null, so it maps nothing');
      return typeof c === 'string' ? { $literal: c } : c;
    }
    if (e.column !== undefined) return e.column;
    const out: { [key: string]: MappingJson } = { $expr: e.expr };
    // CSV2SCIM sends a condition's result as a JSON boolean. In hrsync only custom extension
    // attributes may be typed so; core and enterprise ones are text and get 'true'/'false'.
    if (e.kind === 'bool' && !ALWAYS_BOOLEAN.has(name) && isCustomExtensionKey(key)) out.$type = 'boolean';
    return out;
  }

  private skip(v: Psd1Value, key: string, why: string): undefined {
    const script = v.kind === 'scriptblock' ? v.text : this.text.slice(v.offset, v.end).trimEnd();
    this.untranslated.push({ key, script, line: v.line, why });
    return undefined;
  }
}
