// Mistakes a person makes on the command line get a sentence saying what to change, never
// "unexpected error:" with a system message.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { HEADER, MAPPING, workspace } from './fixtures.js';

const ROW = 'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020';
// The samples' mapping says CSV in its source section, as a mapping written for the HR export would.
const CSV_MAPPING = JSON.stringify({ ...MAPPING, source: { format: 'csv' } });
const RECORDS = JSON.stringify([{ WorkerID: 'E1', Status: 'Active', First: 'Zoë', Last: 'Ørsted', Email: 'zoe.orsted@contoso.com', ManagerID: null, Hired: '01/02/2020' }]);

describe('paths that are not files', () => {
  it('a folder given as the extract is named as a folder', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': `${HEADER}\n${ROW}\n` });
    const folder = at('');
    for (const command of ['validate', 'preview']) {
      const r = await runCli(command, folder, '--mapping', at('m.json'));
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('unexpected error');
      expect(r.err).toContain(`the extract ${JSON.stringify(folder)} is a folder, not a file`);
    }
  });

  it('a folder given as the mapping is named as a folder', async () => {
    const at = workspace({ 'w.csv': `${HEADER}\n${ROW}\n` });
    const r = await runCli('validate', at('w.csv'), '--mapping', at(''));
    expect(r.code).toBe(2);
    expect(r.err).toContain('the mapping file');
    expect(r.err).toContain('is a folder, not a file');
  });

  it('a missing argument or option is named', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING });
    const noExtract = await runCli('validate', '--mapping', at('m.json'));
    expect(noExtract.code).toBe(2);
    expect(noExtract.err).toContain("missing required argument 'extract'");
    const noMapping = await runCli('validate', at('m.json'));
    expect(noMapping.code).toBe(2);
    expect(noMapping.err).toContain("'-m, --mapping <file>' not specified");
  });
});

describe('the file name decides the format, unless --format says otherwise', () => {
  it('a .json extract is read as JSON although the mapping says csv', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': RECORDS });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 row: 1 valid, 0 rejected (JSON, utf-8)');
  });

  it('--format wins over the name', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': `${HEADER}\n${ROW}\n` });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'), '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 row: 1 valid, 0 rejected (CSV');
  });

  it('the mapping decides for a name that says nothing', async () => {
    const at = workspace({ 'm.json': JSON.stringify({ ...MAPPING, source: { format: 'json' } }), 'w.dat': RECORDS });
    const r = await runCli('validate', at('w.dat'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('(JSON, utf-8)');
  });

  it('the samples validate in both formats with the samples\' mapping', async () => {
    for (const file of ['samples/workers.csv', 'samples/workers.json']) {
      const r = await runCli('validate', file, '--mapping', 'samples/mapping.json');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('400 rows: 400 valid, 0 rejected');
    }
  });

  it('a JSON object where an array is expected says so, whatever the mapping says', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': RECORDS.slice(1, -1), 'w.csv': RECORDS.slice(1, -1) });
    const json = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(json.code).toBe(2);
    expect(json.err).toContain('holds a JSON object where an array of records is expected');
    const csv = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(csv.code).toBe(2);
    expect(csv.err).toContain('is read as CSV but holds a JSON object');
    expect(`${json.err}${csv.err}`).not.toContain('unexpected error');
  });
});

describe('a file without rows', () => {
  it('a header-only CSV says it holds no rows', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': `${HEADER}\r\n` });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${at('w.csv')}: no rows: the file holds a header and nothing else`);
    expect(r.out).not.toContain('0 valid');
    const preview = await runCli('preview', at('w.csv'), '--mapping', at('m.json'));
    expect(preview.err).toContain('no rows: the file holds a header and nothing else');
  });

  it('an empty JSON array says it holds no records, and not that no row had the mapped fields', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': '[]' });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('no rows: the file holds no records');
    expect(r.out).not.toContain('no row had the mapped');
  });
});
