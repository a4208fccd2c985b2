import { describe, expect, it } from 'vitest';
import { ExtractError, openExtract } from '../../../lib/extract/index.js';
import type { ExtractRow } from '../../../lib/extract/index.js';
import { chunked, readAll, readError } from './read.js';

const PRETTY = `[
  {
    "id": "E1",
    "name": "Ann [HR] \\"A\\" }{",
    "active": true,
    "grade": 7,
    "manager": null
  },
  { "id": "E2", "note": "a ] b ,\\\\" },

  {"id": "E3"}
]
`;

async function json(content: string | Buffer, size?: number): Promise<ExtractRow[]> {
  return (await readAll(content, { file: 'hr.json' }, size)).rows;
}

describe('JSON arrays', () => {
  it('streams pretty-printed elements with the line each starts on and JSON types', async () => {
    const { extract, rows } = await readAll(PRETTY, { file: 'hr.json' });
    expect(extract.format).toBe('json');
    expect(extract.columns).toBeUndefined();
    expect(extract.delimiter).toBeUndefined();
    expect(rows).toEqual([
      { line: 2, fields: { id: 'E1', name: 'Ann [HR] "A" }{', active: true, grade: 7, manager: null } },
      { line: 9, fields: { id: 'E2', note: 'a ] b ,\\' } },
      { line: 11, fields: { id: 'E3' } },
    ]);
  });

  it.each([1, 2, 7])('gives the same rows when the input comes in %i-byte chunks', async (size) => {
    expect(await json(PRETTY, size)).toEqual(await json(PRETTY));
  });

  it('reads elements on one line and an empty array', async () => {
    expect((await json('[{"a":1},{"a":2}]')).map((r) => r.line)).toEqual([1, 1]);
    expect(await json(' [ ] ')).toEqual([]);
  });

  it('keeps multi-byte characters split between chunks', async () => {
    expect(await json('[{"name":"Zoë 😀 €"}]', 1)).toEqual([{ line: 1, fields: { name: 'Zoë 😀 €' } }]);
  });

  it('yields an element that is not an object with a defect, without its value', async () => {
    const rows = await json('[\n"secret",\n42,\nnull,\n[1],\ntrue,\n{"ok":1}\n]');
    expect(rows.map((r) => [r.line, r.defect?.rule])).toEqual([
      [2, 'not-an-object'],
      [3, 'not-an-object'],
      [4, 'not-an-object'],
      [5, 'not-an-object'],
      [6, 'not-an-object'],
      [7, undefined],
    ]);
    expect(rows[0]).toEqual({ line: 2, fields: {}, defect: { rule: 'not-an-object', message: 'line 2 holds a string, not an object' } });
  });

  it('passes nested objects and arrays through for the mapping to judge', async () => {
    const rows = await json('[{"id":1,"org":{"dept":"HR"}},{"id":2,"tags":[]}]');
    expect(rows.map((r) => r.defect)).toEqual([undefined, undefined]);
    expect(rows[0]?.fields).toEqual({ id: 1, org: { dept: 'HR' } });
  });

  it('flags invalid UTF-8 in an element', async () => {
    const bytes = Buffer.concat([Buffer.from('[{"n":"ok"},\n{"n":"Ren'), Buffer.from([0xe9]), Buffer.from('"}]')]);
    const rows = await json(bytes);
    expect(rows.map((r) => r.defect?.rule)).toEqual([undefined, 'invalid-encoding']);
    expect(rows[1]?.defect?.message).toContain('line 2 has bytes that are not valid UTF-8');
  });
});

describe('JSON errors', () => {
  it('rejects a top level that is not an array before any row', async () => {
    const error = await readError('{"id": 1}', { file: 'hr.json' });
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ code: 'not-json-array', line: 1 });
  });

  it('gives the line and column of a syntax error inside an element, without the text', async () => {
    const error = await readError('[\n  {"id": "E1"},\n  {"id": "Secret",\n   "x": tru}\n]', { file: 'hr.json' });
    expect(error).toMatchObject({ code: 'invalid-json', line: 4, column: 12 });
    expect(error.message).toMatch(/^hr\.json:4:12: /);
    expect(error.message).not.toContain('Secret');
  });

  it('places errors V8 reports with a position', async () => {
    expect(await readError('[{"a" 1}]', { file: 'hr.json' })).toMatchObject({ code: 'invalid-json', line: 1, column: 7 });
    expect(await readError('[\n{"a":1,}]', { file: 'hr.json' })).toMatchObject({ code: 'invalid-json', line: 2, column: 8 });
  });

  it('delivers the elements before a syntax error', async () => {
    const seen: number[] = [];
    const extract = await openExtract(chunked('[{"a":1},\n{"a":2},\n{"a":}]'), { file: 'hr.json' });
    await expect(
      (async () => {
        for await (const row of extract.rows) seen.push(row.line);
      })(),
    ).rejects.toMatchObject({ code: 'invalid-json', line: 3, column: 6 });
    expect(seen).toEqual([1, 2]);
  });

  it.each([
    ['a missing comma', '[{"a":1}\n {"a":2}]', 2, 2],
    ['a trailing comma', '[{"a":1},\n]', 2, 1],
    ['a doubled comma', '[{"a":1},,{"a":2}]', 1, 10],
    ['text after the array', '[{"a":1}]\nx', 2, 1],
    ['a closing brace too many', '[{"a":1}}]', 1, 9],
  ])('reports %s with line and column', async (_what, content, line, column) => {
    expect(await readError(content, { file: 'hr.json' })).toMatchObject({ code: 'invalid-json', line, column });
  });

  it('reports an array that is never closed at the last line', async () => {
    expect(await readError('[\n{"a":1},\n{"a":2}\n', { file: 'hr.json' })).toMatchObject({ code: 'invalid-json', line: 4 });
    expect(await readError('[{"a":1}, 42', { file: 'hr.json' })).toMatchObject({ code: 'invalid-json', line: 1 });
  });

  it('rejects a JSON file of white space', async () => {
    expect(await readError('  \n ', { file: 'hr.json' })).toMatchObject({ code: 'not-json-array' });
  });
});
