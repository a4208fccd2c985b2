import { describe, expect, it } from 'vitest';
import { ExtractError, openExtract } from '../../../lib/extract/index.js';
import { chunked, readAll, readError } from './read.js';

describe('CSV delimiters', () => {
  it.each([
    [',', 'id,name,dept\n1,Ann,HR\n'],
    [';', 'id;name;dept\n1;Ann;HR\n'],
    ['\t', 'id\tname\tdept\n1\tAnn\tHR\n'],
    ['|', 'id|name|dept\n1|Ann|HR\n'],
  ])('detects %j from the header line', async (delimiter, content) => {
    const { extract, rows } = await readAll(content);
    expect(extract.delimiter).toBe(delimiter);
    expect(extract.columns).toEqual(['id', 'name', 'dept']);
    expect(rows).toEqual([{ line: 2, fields: ['1', 'Ann', 'HR'] }]);
  });

  it('counts delimiters outside quotes only', async () => {
    const { extract, rows } = await readAll('"a,b,c";"d,e";f\n1;2;3\n');
    expect(extract.delimiter).toBe(';');
    expect(extract.columns).toEqual(['a,b,c', 'd,e', 'f']);
    expect(rows[0]?.fields).toEqual(['1', '2', '3']);
  });

  it('reads a single-column file with no delimiter', async () => {
    const { extract, rows } = await readAll('WorkerID\n1\n2\n');
    expect(extract.columns).toEqual(['WorkerID']);
    expect(rows.map((r) => r.fields)).toEqual([['1'], ['2']]);
  });

  it('uses the delimiter that is set over the detected one', async () => {
    const { extract, rows } = await readAll('a;b|c\n1;2|3\n', { delimiter: '|' });
    expect(extract.delimiter).toBe('|');
    expect(extract.columns).toEqual(['a;b', 'c']);
    expect(rows[0]?.fields).toEqual(['1;2', '3']);
  });
});

describe('CSV quoting', () => {
  it('keeps delimiters, doubled quotes and line breaks inside quoted fields', async () => {
    const { rows } = await readAll('a,b,c\n"x, y","say ""hi""","two\nlines"\n');
    expect(rows).toEqual([{ line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] }]);
  });

  it('rejects a space before an opening quote, as RFC 4180 does', async () => {
    expect(await readError('id, "name"\n1,x\n')).toMatchObject({ code: 'bad-quoting', line: 1, column: 2 });
  });

  it('trims header names but not values', async () => {
    const { extract, rows } = await readAll(' id ,"name "\n 1 , x \n');
    expect(extract.columns).toEqual(['id', 'name']);
    expect(rows[0]?.fields).toEqual([' 1 ', ' x ']);
  });
});

describe('CSV line numbers', () => {
  it('numbers rows by the line they start on with LF', async () => {
    const { rows } = await readAll('h1,h2\na,b\n"c\nc2\nc3",d\ne,f\n');
    expect(rows.map((r) => r.line)).toEqual([2, 3, 6]);
  });

  it('numbers rows by the line they start on with CRLF, inside quotes too', async () => {
    const { rows } = await readAll('h1,h2\r\n"a\r\nx",b\r\nc,d\r\n"e\r\n\r\ny",z\r\nlast,1\r\n');
    expect(rows).toEqual([
      { line: 2, fields: ['a\r\nx', 'b'] },
      { line: 4, fields: ['c', 'd'] },
      { line: 5, fields: ['e\r\n\r\ny', 'z'] },
      { line: 8, fields: ['last', '1'] },
    ]);
  });

  it('skips blank lines but counts them', async () => {
    const { rows } = await readAll('h1,h2\n\n\na,b\n   \nc,d\n\n');
    expect(rows).toEqual([
      { line: 4, fields: ['a', 'b'] },
      { line: 6, fields: ['c', 'd'] },
    ]);
  });

  it('counts blank CRLF lines and a quoted field spanning blank lines', async () => {
    const { rows } = await readAll('h1,h2\r\n\r\n"a\n\n\nz",b\r\n\r\nc,d');
    expect(rows.map((r) => r.line)).toEqual([3, 8]);
  });

  it('handles classic Mac CR line breaks', async () => {
    const { rows } = await readAll('h1,h2\r"a\rb",1\rc,2\r');
    expect(rows).toEqual([
      { line: 2, fields: ['a\rb', '1'] },
      { line: 4, fields: ['c', '2'] },
    ]);
  });

  it('splits mixed line endings', async () => {
    const { rows } = await readAll('h1,h2\r\na,b\nc,d\r\n');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it.each([1, 2, 3, 5, 64])('gives the same rows when the input comes in %i-byte chunks', async (size) => {
    const content = 'h1;h2\r\n"a\r\nx";b\r\n\r\nc;"d ""q"""\r\né;ü\r\n';
    const { rows } = await readAll(content, {}, size);
    expect(rows).toEqual([
      { line: 2, fields: ['a\r\nx', 'b'] },
      { line: 5, fields: ['c', 'd "q"'] },
      { line: 6, fields: ['é', 'ü'] },
    ]);
  });
});

describe('CSV header', () => {
  it('accepts a header with no data rows, with or without a final line break', async () => {
    for (const content of ['a,b\n', 'a,b']) {
      const { extract, rows } = await readAll(content);
      expect(extract.columns).toEqual(['a', 'b']);
      expect(rows).toEqual([]);
    }
  });

  it('rejects a file whose first line is blank', async () => {
    const error = await readError('\nid,name\n1,x\n');
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ code: 'no-header', line: 1 });
  });

  it('rejects a file of blank lines', async () => {
    expect(await readError('\n\r\n\n')).toMatchObject({ code: 'no-header' });
  });

  it('rejects an empty header name, naming its position', async () => {
    const error = await readError('id,,name\n1,2,3\n');
    expect(error).toMatchObject({ code: 'bad-header', line: 1, column: 2 });
    expect(error.message).toBe('test.csv:1:2: header column 2 has no name.');
  });

  it('rejects a duplicate header name after trimming', async () => {
    const error = await readError('id,Name,dept, Name \n1,2,3,4\n');
    expect(error).toMatchObject({ code: 'bad-header', line: 1, column: 4 });
    expect(error.message).toContain('column 2');
  });
});

describe('CSV ragged rows and delimiters', () => {
  it('yields a ragged row with a defect and goes on', async () => {
    const { rows } = await readAll('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    expect(rows.map((r) => r.defect?.rule)).toEqual([undefined, 'ragged-row', 'ragged-row', undefined]);
    expect(rows[1]).toEqual({ line: 3, fields: ['4', '5'], defect: { rule: 'ragged-row', message: 'line 3 has 2 fields but the header has 3' } });
    expect(rows[2]?.defect?.message).toBe('line 4 has 4 fields but the header has 3');
  });

  it('throws wrong-delimiter when most of the first rows are ragged', async () => {
    const content = 'a,b,c\n' + Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? '1,2,3' : '1;2;3')).join('\n') + '\n';
    const error = await readError(content);
    expect(error).toMatchObject({ code: 'wrong-delimiter', line: 3 });
    expect(error.message).toContain("split on ','");
    expect(error.message).toContain('16 of the first 20 rows');
  });

  it('names a tab when the tab set by hand is wrong', async () => {
    const error = await readError('a\tb\n1,2\n3,4\n', { delimiter: '\t' });
    expect(error).toMatchObject({ code: 'wrong-delimiter', line: 2 });
    expect(error.message).toContain('split on tab');
  });

  it('judges the delimiter on the first 100 rows only', async () => {
    const good = Array.from({ length: 100 }, () => '1,2').join('\n');
    const bad = Array.from({ length: 300 }, () => '1').join('\n');
    const { rows } = await readAll(`a,b\n${good}\n${bad}\n`);
    expect(rows).toHaveLength(400);
    expect(rows.filter((r) => r.defect !== undefined)).toHaveLength(300);
  });
});

describe('CSV bad quoting', () => {
  it('reports a quote never closed at the line its record starts, after the rows before it', async () => {
    const good = Array.from({ length: 8997 }, (_, i) => `${i},x`).join('\n');
    const content = `id,name\n${good}\n8998,"open\n1,2\n3,4\n`;
    const seen: number[] = [];
    const extract = await openExtract(chunked(content, 4096), { file: 'hr.csv' });
    let caught: unknown;
    try {
      for await (const row of extract.rows) seen.push(row.line);
    } catch (error) {
      caught = error;
    }
    expect(seen).toHaveLength(8997);
    expect(seen.at(-1)).toBe(8998);
    expect(caught).toBeInstanceOf(ExtractError);
    expect(caught).toMatchObject({ code: 'bad-quoting', line: 8999, column: 2 });
    expect((caught as Error).message).toMatch(/^hr\.csv:8999:2: .*never closed\.$/);
  });

  it('stops a runaway quote at the record size limit, at the line the record starts', async () => {
    const content = `id,name\n1,"open\n${'x,y\n'.repeat(300_000)}`;
    const error = await readError(content, {}, 65536);
    expect(error).toMatchObject({ code: 'bad-quoting', line: 2 });
  });

  it('reports text after a closing quote with the field', async () => {
    const error = await readError('id,name,dept\n1,"Sm"ith,HR\n');
    expect(error).toMatchObject({ code: 'bad-quoting', line: 2, column: 2 });
    expect(error.message).not.toContain('ith');
  });

  it('reports a quote inside an unquoted value without quoting the value', async () => {
    const error = await readError('id,name\n1,Secret"Value\n');
    expect(error).toMatchObject({ code: 'bad-quoting', line: 2, column: 2 });
    expect(error.message).not.toContain('Secret');
  });

  it('throws bad-quoting from openExtract when the header itself is broken', async () => {
    expect(await readError('"id,name\n')).toMatchObject({ code: 'bad-quoting', line: 1 });
  });
});

describe('CSV invalid UTF-8', () => {
  it('gives rows with invalid bytes a defect without the value', async () => {
    const content = Buffer.concat([Buffer.from('id,name\n1,ok\n2,Ren'), Buffer.from([0xe9]), Buffer.from('\n3,fine\n')]);
    const { rows } = await readAll(content);
    expect(rows.map((r) => r.defect?.rule)).toEqual([undefined, 'invalid-encoding', undefined]);
    expect(rows[1]?.defect?.message).toBe('line 3 has bytes that are not valid UTF-8; if the file is Windows-1252, set the encoding to windows-1252');
  });

  it('does not flag characters split between chunks', async () => {
    const { rows } = await readAll('id,name\n1,Zoë 😀 Ümit €\n', {}, 1);
    expect(rows).toEqual([{ line: 2, fields: ['1', 'Zoë 😀 Ümit €'] }]);
  });
});

describe('CSV streaming', () => {
  it('streams 200k rows in small chunks with the right count and last line', async () => {
    const parts = ['id,name,dept\n'];
    for (let i = 1; i <= 200_000; i++) parts.push(i % 50_000 === 0 ? `${i},"multi\nline",d\n` : `${i},n${i},d\n`);
    const extract = await openExtract(chunked(parts.join(''), 1500), { file: 'big.csv' });
    let count = 0;
    let last = 0;
    for await (const row of extract.rows) {
      count++;
      last = row.line;
    }
    expect(count).toBe(200_000);
    // One line for the header, one per row, one more for each of the four two-line rows.
    expect(last).toBe(200_000 + 1 + 3);
  });
});
