// The example in docs/mapping.md, mapped from a realistic CSV row to the exact SCIM User.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadMapping } from '../../../lib/mapping/index.js';
import { CORE, CUSTOM, ENTERPRISE } from './helpers.js';

const markdown = readFileSync(new URL('../../../docs/mapping.md', import.meta.url), 'utf8');
const example: unknown = JSON.parse(/```json\n([\s\S]*?)```/.exec(markdown)?.[1] ?? 'null');

const HEADER = [
  'WorkerID',
  'WorkerStatus',
  'WorkerType',
  'FirstName',
  'PreferredName',
  'LastName',
  'JobTitle',
  'JobCode',
  'WorkEmail',
  'OfficePhone',
  'Street',
  'City',
  'PostCode',
  'Country',
  'Department',
  'CostCenter',
  'ManagerID',
  'HireDate',
];

function row(values: Record<string, string>): string[] {
  return HEADER.map((h) => values[h] ?? '');
}

const ZOE = {
  WorkerID: 'W0042',
  WorkerStatus: 'Active',
  WorkerType: 'Employee',
  FirstName: 'Zoë',
  PreferredName: '',
  LastName: 'Ørsted-Łukasz',
  JobTitle: ' Senior Engineer ',
  JobCode: 'ENG-3',
  WorkEmail: 'zoe.orsted-lukasz@contoso.com',
  OfficePhone: '+44 20 7946 0018',
  Street: '1 Canada Square',
  City: 'London',
  PostCode: 'E14 5AB',
  Country: 'United Kingdom',
  Department: 'Platform',
  CostCenter: 'CC-104',
  ManagerID: 'W0007',
  HireDate: '03/07/2021',
};

describe('the docs/mapping.md example', () => {
  const mapping = loadMapping(example, 'docs/mapping.md');

  test('describes itself', () => {
    expect(mapping.schemas).toEqual([CORE, ENTERPRISE, CUSTOM]);
    expect(mapping.extract).toEqual({ format: 'csv', encoding: 'auto', delimiter: 'auto' });
    expect([...mapping.columns].sort()).toEqual([...HEADER].sort());
    expect(mapping.attributes.find((a) => a.path === `${CUSTOM}:HireDate`)).toEqual({
      path: `${CUSTOM}:HireDate`,
      type: 'dateTime',
      columns: ['HireDate'],
      key: `attributes.${CUSTOM}.HireDate`,
    });
    expect(mapping.attributes.find((a) => a.path === 'userName')?.columns).toEqual(['FirstName', 'LastName']);
  });

  test('maps a realistic row to the exact SCIM User, in mapping order', () => {
    const result = mapping.bind(HEADER, 'workers.csv').map(row(ZOE));
    expect(result.problems).toEqual([]);
    expect(result.user).toEqual({
      schemas: [CORE, ENTERPRISE, CUSTOM],
      externalId: 'W0042',
      active: true,
      userName: 'zoe.orsted-lukasz@contoso.com',
      displayName: 'Zoë Ørsted-Łukasz',
      name: { givenName: 'Zoë', familyName: 'Ørsted-Łukasz' },
      userType: 'Employee',
      title: 'Senior Engineer',
      emails: [{ type: 'work', primary: true, value: 'zoe.orsted-lukasz@contoso.com' }],
      phoneNumbers: [{ type: 'work', value: '+44 20 7946 0018' }],
      addresses: [{ type: 'work', streetAddress: '1 Canada Square', locality: 'London', postalCode: 'E14 5AB', country: 'GB' }],
      [ENTERPRISE]: { employeeNumber: 'W0042', department: 'Platform', costCenter: 'CC-104', manager: { value: 'W0007' } },
      [CUSTOM]: { HireDate: '2021-07-03T00:00:00+01:00', JobCode: 'ENG-3' },
    });
    expect(Object.keys(result.user)).toEqual([
      'schemas',
      'externalId',
      'active',
      'userName',
      'displayName',
      'name',
      'userType',
      'title',
      'emails',
      'phoneNumbers',
      'addresses',
      ENTERPRISE,
      CUSTOM,
    ]);
  });

  test("a leaver with sparse data: inactive, preferred name used, empty parts and an unknown country's address left out", () => {
    const leaver = mapping.bind(HEADER, 'workers.csv').map(
      row({
        WorkerID: 'W0099',
        WorkerStatus: 'Terminated',
        FirstName: 'Ramón',
        PreferredName: 'Ray',
        LastName: 'Ñúñez',
        Country: 'Atlantis',
        HireDate: '2019-11-30',
      }),
    );
    // The unknown country is left out with a warning, not silently.
    expect(leaver.problems.map((p) => [p.severity, p.rule, p.column])).toEqual([['warning', 'lookup-miss', 'Country']]);
    expect(leaver.user).toEqual({
      schemas: [CORE, ENTERPRISE, CUSTOM],
      externalId: 'W0099',
      active: false,
      userName: 'ramon.nunez@contoso.com',
      displayName: 'Ray Ñúñez',
      name: { givenName: 'Ramón', familyName: 'Ñúñez' },
      [ENTERPRISE]: { employeeNumber: 'W0099' },
      [CUSTOM]: { HireDate: '2019-11-30T00:00:00+00:00' },
    });
  });

  test('a hire date in neither format rejects the row with the column and rule, not the value', () => {
    const result = mapping.bind(HEADER, 'workers.csv').map(row({ ...ZOE, HireDate: 'July 3rd 2021' }));
    expect(result.problems).toEqual([
      {
        attribute: `${CUSTOM}:HireDate`,
        column: 'HireDate',
        rule: 'date-format',
        message: expect.stringContaining("'dd/MM/yyyy', 'yyyy-MM-dd'") as unknown as string,
      },
    ]);
    expect(result.problems[0]?.message).not.toContain('July');
    expect(result.user[CUSTOM]).toEqual({ JobCode: 'ENG-3' });
  });
});
