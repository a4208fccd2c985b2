import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { HEADER, MAPPING, workspace } from './fixtures.js';

const good = [
  HEADER,
  'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020',
  "E2,Active,Seán,O'Brien,sean.obrien@contoso.com,E1,15/06/2021",
  'E3,Terminated,"Ana-María",Núñez,ana.nunez@contoso.com,E1,31/12/2019',
].join('\r\n');

const bad = [
  HEADER,
  'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020',
  'E2,Active,Seán,Brien,sean-at-contoso.com,E1,15/06/2021',
  'E3,Active,Ana,Núñez,ana.nunez@contoso.com,E1,2019-12-31',
  'E1,Active,Zoë,Again,zoe.again@contoso.com,,01/02/2020',
  'E4,Active,Only,Four',
  'E5,Active,Ivo,Kraus,ivo.kraus@contoso.com,E1,02/02/2022',
].join('\n');

describe('hrsync validate', () => {
  it('exits 0 and summarises a clean file', async () => {
    const at = workspace({ 'w.csv': good, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 rows: 3 valid, 0 rejected');
    expect(r.out).toContain('delimiter ","');
  });

  it('warns once per row whose manager is not in the file, naming the manager and the line; a manager on a later row is found', async () => {
    const text = [
      HEADER,
      "E2,Active,Seán,O'Brien,sean.obrien@contoso.com,E1,15/06/2021",
      'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020',
      'E3,Active,Ana,Núñez,ana.nunez@contoso.com,E9,01/02/2020',
      'E4,Active,Ivo,Kraus,ivo.kraus@contoso.com,E9,02/02/2022',
    ].join('\r\n');
    const at = workspace({ 'w.csv': text, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    const file = at('w.csv');
    const warnings = r.out.split('\n').filter((l) => l.includes('[manager-unknown]'));
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)}:4: warning \\[manager-unknown\\] manager E9 is not in the extract: .*externalId E3\\)$`)),
      expect.stringMatching(new RegExp(`^${escape(file)}:5: warning \\[manager-unknown\\] manager E9 is not in the extract: .*externalId E4\\)$`)),
    ]);
    const json = JSON.parse((await runCli('validate', at('w.csv'), '--mapping', at('m.json'), '--json')).out) as { problems: Array<{ rule: string; line: number }> };
    expect(json.problems.filter((p) => p.rule === 'manager-unknown').map((p) => p.line)).toEqual([4, 5]);
  });

  it('exits 1, names file, line, column and rule for each problem, and lets good rows through', async () => {
    const at = workspace({ 'w.csv': bad, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(1);
    const file = at('w.csv');
    expect(r.out).toContain(`${file}:3: error [email-format]`);
    expect(r.out).toMatch(new RegExp(`${escape(file)}:4: error \\[date-format\\].*column "Hired"`));
    expect(r.out).toContain(`${file}:5: error [duplicate-externalId] externalId also appears on line 2`);
    expect(r.out).toContain(`${file}:2: error [duplicate-externalId] externalId also appears on line 5`);
    expect(r.out).toContain(`${file}:6: error [ragged-row]`);
    expect(r.out).toContain('6 rows: 1 valid, 5 rejected');
  });

  it('never prints a cell value from the file', async () => {
    const at = workspace({ 'w.csv': bad, 'm.json': JSON.stringify(MAPPING) });
    const text = (await runCli('validate', at('w.csv'), '--mapping', at('m.json'))).out + (await runCli('validate', at('w.csv'), '--mapping', at('m.json'), '--json')).out;
    for (const personal of ['Zoë', 'Ørsted', 'Seán', 'sean-at-contoso.com', 'Núñez', 'ana.nunez', 'zoe.again', 'Kraus', '2019-12-31']) {
      expect(text).not.toContain(personal);
    }
  });

  it('writes a JSON report with every problem', async () => {
    const at = workspace({ 'w.csv': bad, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'), '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ rows: 6, valid: 1, rejected: 5, duplicateIds: 1, format: 'csv', encoding: 'utf-8' });
    expect(report.problems.map((p: { line: number; rule: string }) => `${p.line}:${p.rule}`).sort()).toEqual([
      '2:duplicate-externalId',
      '3:email-format',
      '4:date-format',
      '5:duplicate-externalId',
      '6:ragged-row',
    ]);
  });

  it('exits 2 with one actionable sentence for an unknown column, a missing file or a bad flag', async () => {
    const at = workspace({ 'w.csv': good, 'm.json': JSON.stringify({ ...MAPPING, attributes: { ...MAPPING.attributes, title: 'JobTitel' } }) });
    const unknown = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/attributes\.title/);
    expect(unknown.err).toMatch(/JobTitel/);
    expect(unknown.err.trim().split('\n')).toHaveLength(1);

    const missing = await runCli('validate', at('nope.csv'), '--mapping', at('m.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read the extract .*nope\.csv/);

    const noMapping = await runCli('validate', at('w.csv'));
    expect(noMapping.code).toBe(2);
    expect(noMapping.err).toMatch(/--mapping/);

    const badLimit = await runCli('validate', at('w.csv'), '--mapping', at('m.json'), '--limit', 'ten');
    expect(badLimit.code).toBe(2);
    expect(badLimit.err).toContain('--limit must be a whole number');
  });

  it('exits 2 naming the file and line for a file that is not what it claims', async () => {
    const at = workspace({ 'w.csv': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3]), 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(at('w.csv'));
    expect(r.err).toMatch(/xlsx|Excel|ZIP/i);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('shows help for every command with exit 0', async () => {
    for (const args of [['--help'], ['validate', '--help'], ['preview', '--help'], ['mapping', 'import', '--help']]) {
      const r = await runCli(...args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: hrsync/);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('hrsync validate flags', () => {
  it('refuses an unknown --format with the allowed values, exit 2', async () => {
    const at = workspace({ 'w.csv': `${HEADER}\nE1,Active,A,B,a.b@contoso.com,,01/02/2020`, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('validate', at('w.csv'), '-m', at('m.json'), '--format', 'xlsx');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format must be one of csv, json, ndjson');
  });
});

describe('the samples', () => {
  // A sample mapping that warns on most rows teaches users to ignore warnings.
  it('samples/mapping.json validates samples/workers.csv and workers.json without a warning', async () => {
    for (const [file, format] of [
      ['samples/workers.csv', 'csv'],
      ['samples/workers.json', 'json'],
    ] as const) {
      const r = await runCli('validate', file, '-m', 'samples/mapping.json', '--format', format, '--json');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out);
      expect(report.rows).toBe(400);
      expect(report.valid).toBe(400);
      expect(report.warnings).toEqual([]);
    }
  });
});
