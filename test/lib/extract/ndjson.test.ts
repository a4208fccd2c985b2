import { describe, expect, it } from 'vitest';
import { readAll } from './read.js';

async function ndjson(content: string | Buffer, size?: number) {
  return (await readAll(content, { file: 'hr.ndjson' }, size)).rows;
}

describe('NDJSON', () => {
  it('reads one object per line, skipping blank lines but counting them', async () => {
    const { extract, rows } = await readAll('{"id":"E1","n":1}\r\n\r\n   \n{"id":"E2","ok":false}\n', { file: 'hr.jsonl' });
    expect(extract.format).toBe('ndjson');
    expect(extract.columns).toBeUndefined();
    expect(rows).toEqual([
      { line: 1, fields: { id: 'E1', n: 1 } },
      { line: 4, fields: { id: 'E2', ok: false } },
    ]);
  });

  it('turns a line that is not JSON into a defect and goes on', async () => {
    const rows = await ndjson('{"id":"E1"}\n{"id": "Secret" oops}\n{"id":"E3"}');
    expect(rows.map((r) => [r.line, r.defect?.rule])).toEqual([
      [1, undefined],
      [2, 'invalid-json'],
      [3, undefined],
    ]);
    expect(rows[1]).toEqual({ line: 2, fields: {}, defect: { rule: 'invalid-json', message: 'line 2 is not valid JSON (column 17)' } });
  });

  it('gives the column of the fault counting leading spaces', async () => {
    const rows = await ndjson('  {"a":tru}\n');
    expect(rows[0]?.defect?.message).toBe('line 1 is not valid JSON (column 11)');
  });

  it('flags lines that are not objects, and leaves nested values to the mapping', async () => {
    const rows = await ndjson('[1,2]\n"x"\n{"a":{"b":1}}\n');
    expect(rows.map((r) => r.defect?.rule)).toEqual(['not-an-object', 'not-an-object', undefined]);
    expect(rows[2]?.fields).toEqual({ a: { b: 1 } });
  });

  it.each([1, 4])('reads lines split between %i-byte chunks', async (size) => {
    const rows = await ndjson('{"name":"Zoë €"}\n\n{"name":"Ümit"}', size);
    expect(rows).toEqual([
      { line: 1, fields: { name: 'Zoë €' } },
      { line: 3, fields: { name: 'Ümit' } },
    ]);
  });

  it('flags invalid UTF-8 on its line', async () => {
    const rows = await ndjson(Buffer.concat([Buffer.from('{"n":"a"}\n{"n":"Ren'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    expect(rows.map((r) => r.defect?.rule)).toEqual([undefined, 'invalid-encoding']);
  });
});
