// samples/mapping.json against the sample extracts, through the real mapping loader.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import type { ScimUser } from '../../../lib/scim/types.js';
import { buildBrokenCsv } from '../../../tools/generate/broken.js';
import { WORKER_COLUMNS, generateWorkers } from '../../../tools/generate/workers.js';
import type { WorkerRow } from '../../../tools/generate/workers.js';

const SAMPLES = join(import.meta.dirname, '../../../samples');
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CONTOSO = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const ISO = { 'United Kingdom': 'GB', 'United States': 'US', Germany: 'DE', France: 'FR', Netherlands: 'NL', Spain: 'ES' } as Record<string, string>;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T00:00:00(?:Z|[+-]\d{2}:\d{2})$/;

let mapping: Mapping;
let header: string[];
let rows: string[][];
beforeAll(async () => {
  mapping = await loadMappingFile(join(SAMPLES, 'mapping.json'));
  [header = [], ...rows] = parse(await readFile(join(SAMPLES, 'workers.csv')), { bom: true }) as string[][];
});

function expectShape(user: ScimUser, row: WorkerRow): void {
  expect(user.externalId).toBe(row.WorkerID);
  expect(user.active).toBe(row.WorkerStatus !== 'Terminated');
  expect(user.userName).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*@contoso\.com$/);
  // The Email column is the same address, numbered when the name repeats.
  const local = (user.userName ?? '').replace('@contoso.com', '');
  expect(row.Email).toMatch(new RegExp(`^${local.replaceAll('.', '\\.')}\\d*@contoso\\.com$`));
  expect(user.displayName).toBe(`${row.PreferredName || row.FirstName} ${row.LastName}`);
  expect(user.emails).toEqual([{ type: 'work', primary: true, value: row.Email }]);
  expect(user.addresses?.[0]?.country).toBe(ISO[row.Country]);
  const enterprise = user[ENTERPRISE];
  expect(enterprise?.employeeNumber).toBe(row.WorkerID);
  expect(enterprise?.manager?.value).toBe(row.ManagerID === '' ? undefined : row.ManagerID);
  const custom = user[CONTOSO];
  expect(custom?.HireDate).toMatch(DATE_TIME);
  expect(custom?.JobCode).toBe(row.JobCode);
  if (row.WorkerStatus === 'Terminated') expect(custom?.TerminationDate).toMatch(DATE_TIME);
  else expect(custom?.TerminationDate).toBeUndefined();
  expect(JSON.stringify(user)).not.toContain(row.PersonalEmail);
}

const asRow = (fields: readonly string[]): WorkerRow => Object.fromEntries(WORKER_COLUMNS.map((c, i) => [c, fields[i] ?? ''])) as WorkerRow;

describe('samples/mapping.json', () => {
  it('loads, reads only extract columns, and leaves PersonalEmail out', () => {
    for (const c of mapping.columns) expect(WORKER_COLUMNS).toContain(c);
    expect(mapping.columns).not.toContain('PersonalEmail');
    expect(mapping.schemas).toContain(CONTOSO);
  });

  it('binds to the header of workers.csv and maps all 400 rows cleanly to the expected users', () => {
    const mapper = mapping.bind(header, 'workers.csv');
    expect(rows).toHaveLength(400);
    for (const fields of rows) {
      const { user, problems } = mapper.map(fields);
      expect(problems).toEqual([]);
      expectShape(user, asRow(fields));
    }
  });

  it('maps a freshly generated row the same way', () => {
    const mapper = mapping.bind(header, 'generated.csv');
    const [row] = [...generateWorkers(1, 12345)];
    if (row === undefined) throw new Error('no row');
    expectShape(mapper.map(WORKER_COLUMNS.map((c) => row[c])).user, row);
  });

  it('maps workers.json to the same users as workers.csv', async () => {
    const json = JSON.parse(await readFile(join(SAMPLES, 'workers.json'), 'utf8')) as Record<string, unknown>[];
    const fromJson = mapping.bind(undefined, 'workers.json');
    const fromCsv = mapping.bind(header, 'workers.csv');
    json.forEach((record, i) => expect(fromJson.map(record).user).toEqual(fromCsv.map(rows[i] ?? []).user));
  });

  it('finds the mapping-level defects of broken.csv and maps its good rows cleanly', () => {
    const { bytes, lines } = buildBrokenCsv();
    const [brokenHeader = [], ...records] = parse(bytes, { bom: true, relax_column_count: true }) as string[][];
    const mapper = mapping.bind(brokenHeader, 'broken.csv');
    records.forEach((fields, i) => {
      const expected = lines[i];
      if (expected?.rule === 'ragged-row' || expected?.rule === 'invalid-encoding') return;
      const { user, problems } = mapper.map(fields);
      expect(problems.map((p) => [p.rule, p.column])).toEqual(expected?.rule === 'date-format' ? [['date-format', 'HireDate']] : []);
      if (expected?.rule === 'userName-format') expect(user.userName).toBe('@contoso.com');
      if (expected?.rule === 'externalId-required') expect(user.externalId).toBeUndefined();
    });
  });
});
