// A file whose content is not the format its name or the settings claim says which it is.
import { describe, expect, it } from 'vitest';
import { ExtractError } from '../../../lib/extract/index.js';
import { readAll, readError } from './read.js';

describe('a JSON object where an array of records is expected', () => {
  it('says it holds an object, and how to read one object per line', async () => {
    const error = await readError('\n{"WorkerID": "E1"}', { file: 'hr.json' });
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ code: 'not-json-array', line: 2 });
    expect(error.message).toContain('holds a JSON object where an array of records is expected');
    expect(error.message).toContain('.ndjson');
  });

  it('keeps the plain message for other tops', async () => {
    const error = await readError('"text"', { file: 'hr.json' });
    expect(error.message).toContain('it must start with [');
  });
});

describe('JSON read as CSV', () => {
  it.each([
    ['{"WorkerID": "E1"}', 'a JSON object'],
    ['  [\n  {"WorkerID": "E1"}\n]', 'a JSON array'],
    ['[]', 'a JSON array'],
  ])('a CSV file starting %j says it holds JSON', async (text, what) => {
    const error = await readError(text, { file: 'hr.csv', format: 'csv' });
    expect(error).toMatchObject({ code: 'not-csv' });
    expect(error.message).toContain(`is read as CSV but holds ${what}`);
    expect(error.message).toContain('--format json');
  });

  it('reads a header of bracketed names (SQL Server exports) as CSV', async () => {
    const { extract, rows } = await readAll('[WorkerID],[Name]\nE1,Zoë\n', { file: 'hr.csv' });
    expect(extract.columns).toEqual(['[WorkerID]', '[Name]']);
    expect(rows).toHaveLength(1);
  });
});
