// The published JSON Schema must accept what the loader accepts and refuse what it refuses.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../lib/mapping/load.js';

const schema = JSON.parse(readFileSync('schema/mapping.schema.json', 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
const check = ajv.compile(schema);
const docExample = JSON.parse(/```json\n([\s\S]*?)```/.exec(readFileSync('docs/mapping.md', 'utf8'))?.[1] ?? '{}');
const sample = JSON.parse(readFileSync('samples/mapping.json', 'utf8'));

describe('schema/mapping.schema.json', () => {
  const custom = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
  const typed = {
    version: 1,
    options: { trimValues: false, emptyValues: 'send' },
    attributes: {
      externalId: { $column: 'Id', $type: 'string' },
      active: { $expr: "Status in ['A', 'L']", $type: 'boolean' },
      nickName: { $column: 'Nick', $keepEmpty: true },
      emails: [{ type: { $literal: 'work' }, primary: 'IsPrimary', value: 'Mail' }],
      [custom]: { Level: 3, Flag: false, Hired: { $column: 'Hired', $type: 'date' }, Grade: { $column: 'Grade', $type: 'integer' } },
    },
  };
  it.each([
    ['the docs example', docExample],
    ['samples/mapping.json', sample],
    ['a mapping using every modifier', typed],
  ])('accepts %s, which the loader also accepts', (_name, mapping) => {
    expect(check(mapping), JSON.stringify(check.errors)).toBe(true);
    expect(() => loadMapping(mapping, 'm.json')).not.toThrow();
  });

  const base = { version: 1, attributes: { externalId: 'WorkerID', active: true } };
  it.each([
    ['a missing active', { version: 1, attributes: { externalId: 'WorkerID' } }],
    ['a wrong version', { ...base, version: 2 }],
    ['an unknown core attribute', { ...base, attributes: { ...base.attributes, jobTitle: 'Title' } }],
    ['an unknown $ key', { ...base, attributes: { ...base.attributes, title: { $col: 'Title' } } }],
    ['a bad $type', { ...base, attributes: { ...base.attributes, title: { $column: 'Title', $type: 'datetime' } } }],
    ['a malformed extension URN', { ...base, attributes: { ...base.attributes, 'urn:contoso:HireDate': { HireDate: 'HireDate' } } }],
    ['a nested custom attribute', { ...base, attributes: { ...base.attributes, 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': { a: { b: 'C' } } } }],
    ['an integer $type on a core attribute', { ...base, attributes: { ...base.attributes, title: { $column: 'T', $type: 'integer' } } }],
    ['a non-boolean $type on active', { ...base, attributes: { ...base.attributes, active: { $column: 'S', $type: 'string' } } }],
    ['$keepEmpty on externalId', { ...base, attributes: { ...base.attributes, externalId: { $column: 'Id', $keepEmpty: true } } }],
    ['a null $literal', { ...base, attributes: { ...base.attributes, title: { $literal: null } } }],
    ['both $column and $expr', { ...base, attributes: { ...base.attributes, title: { $column: 'T', $expr: 'T' } } }],
    ['an empty name', { ...base, attributes: { ...base.attributes, name: {} } }],
    ['an empty list of emails', { ...base, attributes: { ...base.attributes, emails: [] } }],
    ['a multi-valued entry that is not an object', { ...base, attributes: { ...base.attributes, emails: ['Mail'] } }],
    ['the enterprise extension at 1.0', { ...base, attributes: { ...base.attributes, 'urn:ietf:params:scim:schemas:extension:enterprise:1.0:User': { department: 'D' } } }],
    ['a custom attribute name with a dot', { ...base, attributes: { ...base.attributes, 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': { 'a.b': 'C' } } }],
    ['an unknown manager part', { ...base, attributes: { ...base.attributes, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { displayName: 'M' } } } }],
  ])('refuses %s, as the loader does', (_name, mapping) => {
    expect(check(mapping)).toBe(false);
    expect(() => loadMapping(mapping, 'm.json')).toThrow();
  });
});
