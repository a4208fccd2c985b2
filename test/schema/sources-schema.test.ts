// The published JSON Schema must accept what the loader accepts and refuse what it refuses.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseSources } from '../../lib/sources/sources.js';

const schema = JSON.parse(readFileSync('schema/sources.schema.json', 'utf8'));
const check = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
const docExample = JSON.parse(/```json\n([\s\S]*?)```/.exec(readFileSync('docs/sources.md', 'utf8'))?.[1] ?? '{}');

describe('schema/sources.schema.json', () => {
  const full = {
    version: 1,
    sources: {
      hr: { description: 'Workday', mapping: 'hr.json', kind: 'full', resendAfterDays: 14, guard: { maxDisables: 100, maxShrinkPercent: 15, maxRejectedPercent: 5 } },
      c: { mapping: 'c.json', kind: 'changes' },
    },
  };
  const sample = JSON.parse(readFileSync('samples/sources.json', 'utf8'));
  it.each([
    ['the docs example', docExample],
    ['samples/sources.json', sample],
    ['every setting', full],
  ])('accepts %s, which the loader also accepts', (_n, doc) => {
    expect(check(doc), JSON.stringify(check.errors)).toBe(true);
    expect(() => parseSources(doc, 's.json')).not.toThrow();
  });
  it.each([
    ['no sources', { version: 1, sources: {} }],
    ['a bad version', { version: 2, sources: { a: { mapping: 'm', kind: 'full' } } }],
    ['a bad name', { version: 1, sources: { 'a/b': { mapping: 'm', kind: 'full' } } }],
    ['a missing kind', { version: 1, sources: { a: { mapping: 'm' } } }],
    ['an unknown kind', { version: 1, sources: { a: { mapping: 'm', kind: 'delta' } } }],
    ['an empty mapping', { version: 1, sources: { a: { mapping: ' ', kind: 'full' } } }],
    ['an unknown setting', { version: 1, sources: { a: { mapping: 'm', kind: 'full', extra: 1 } } }],
    ['an unknown threshold', { version: 1, sources: { a: { mapping: 'm', kind: 'full', guard: { maxDeletes: 1 } } } }],
    ['a fractional threshold', { version: 1, sources: { a: { mapping: 'm', kind: 'full', guard: { maxDisables: 1.5 } } } }],
    ['a negative resend', { version: 1, sources: { a: { mapping: 'm', kind: 'full', resendAfterDays: -1 } } }],
  ])('refuses %s, as the loader does', (_n, doc) => {
    expect(check(doc)).toBe(false);
    expect(() => parseSources(doc, 's.json')).toThrow();
  });
});
