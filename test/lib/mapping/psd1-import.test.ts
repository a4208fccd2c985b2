import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MappingError } from '../../../lib/mapping/errors.js';
import { loadMapping } from '../../../lib/mapping/load.js';
import { importPsd1Mapping } from '../../../lib/mapping/psd1-import.js';

const FIXTURE = new URL('../../fixtures/psd1/AttributeMapping.psd1', import.meta.url);

/** A psd1 with the two required attributes, plus `body` inside the top hashtable. */
const withRequired = (body: string): string => `@{\n  externalId = 'Id'\n  active = $true\n${body}\n}`;

const attributes = (text: string): Record<string, unknown> => importPsd1Mapping(text, 'm.psd1').mapping.attributes;
const untranslated = (text: string): unknown[] => importPsd1Mapping(text, 'm.psd1').untranslated;

describe('importPsd1Mapping: plain values', () => {
  test('emits version 1 and the attributes; strings are columns, numbers and booleans literals', () => {
    const result = importPsd1Mapping(withRequired("  title = 'Job Title'\n  n = 3"), 'm.psd1');
    expect(result).toEqual({
      mapping: { version: 1, attributes: { externalId: 'Id', active: true, title: 'Job Title', n: 3 } },
      untranslated: [],
    });
  });

  test('nested hashtables become objects; arrays of hashtables multi-valued arrays; URN keys are kept', () => {
    expect(
      attributes(
        withRequired(`
  name = @{ givenName = 'First'; familyName = 'Last' }
  emails = @( @{ type = { 'work' }; primary = $true; value = 'Mail' }, @{ type = { 'home' }; value = 'Home Mail' } )
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" = @{ manager = @{ value = 'Mgr' } }
  'urn:ietf:params:scim:schemas:extension:acme:1.0:User' = @{ Badge = 'BadgeNo' }`),
      ),
    ).toEqual({
      externalId: 'Id',
      active: true,
      name: { givenName: 'First', familyName: 'Last' },
      emails: [
        { type: { $literal: 'work' }, primary: true, value: 'Mail' },
        { type: { $literal: 'home' }, value: 'Home Mail' },
      ],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'Mgr' } },
      'urn:ietf:params:scim:schemas:extension:acme:1.0:User': { Badge: 'BadgeNo' },
    });
  });

  test('known SCIM names take hrsync spelling (both sides are case-insensitive); others are kept', () => {
    expect(attributes("@{ ExternalID = 'Id'; ACTIVE = $true; Name = @{ GivenName = 'F' }; CustomThing = 'C' }")).toEqual({
      externalId: 'Id',
      active: true,
      name: { givenName: 'F' },
      CustomThing: 'C',
    });
  });

  test('values that map nothing are listed and left out', () => {
    const text = withRequired(`  title = $null
  nickName = ''
  displayName = "$($_.First) $($_.Last)"
  emails = @('Mail1', 'Mail2')`);
    expect(attributes(text)).toEqual({ externalId: 'Id', active: true });
    expect(untranslated(text)).toEqual([
      { key: 'attributes.title', script: '$null', line: 4, why: '$null maps nothing' },
      { key: 'attributes.nickName', script: "''", line: 5, why: 'an empty column name' },
      {
        key: 'attributes.displayName',
        script: '"$($_.First) $($_.Last)"',
        line: 6,
        why: 'PowerShell would expand the $… in this double-quoted string and hrsync does not evaluate it; use single quotes for a column name',
      },
      { key: 'attributes.emails', script: "@('Mail1', 'Mail2')", line: 7, why: 'a list of values other than @{ … } entries is not a SCIM multi-valued attribute' },
    ]);
  });
});

describe('importPsd1Mapping: scriptblocks', () => {
  test('each translated form takes its mapping shape', () => {
    expect(
      attributes(`@{
  externalId = { $_.'Worker ID' }
  active = { $_.'Status' -eq 'Active' }
  userType = { 'Employee' }
  preferredLanguage = { "en-GB" }
  title = { $_.Title.Trim() }
  emails = @( @{ type = { 'work' }; primary = { $true }; value = { $_.Mail.ToLower() } } )
  'urn:ietf:params:scim:schemas:extension:acme:1.0:User' = @{ IsManager = { $_.Reports -ne '0' }; Level = { 3 } }
}`),
    ).toEqual({
      externalId: 'Worker ID',
      active: { $expr: "lower(Status) == 'active'" },
      userType: { $literal: 'Employee' },
      preferredLanguage: { $literal: 'en-GB' },
      title: { $expr: 'trim(Title)' },
      emails: [{ type: { $literal: 'work' }, primary: true, value: { $expr: 'lower(Mail)' } }],
      // CSV2SCIM sends a condition as a JSON boolean, so a condition outside active/primary is typed.
      'urn:ietf:params:scim:schemas:extension:acme:1.0:User': { IsManager: { $expr: "Reports != '0'", $type: 'boolean' }, Level: 3 },
    });
  });

  test('a condition on a core or enterprise attribute stays text: only custom extension attributes are typed boolean', () => {
    expect(attributes(withRequired("  title = { $_.Lead -eq 'Y' }\n  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' = @{ division = { -not $_.Div } }"))).toEqual({
      externalId: 'Id',
      active: true,
      title: { $expr: "lower(Lead) == 'y'" },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { division: { $expr: 'isEmpty(Div)' } },
    });
  });

  test('an untranslatable scriptblock is listed with its key path, source and line, and left out', () => {
    const text = `@{
  externalId = 'Id'
  active = $true
  'urn:ietf:params:scim:schemas:extension:acme:1.0:User' = @{
    HireDate = { Get-Date $_.Start -Format 'yyyy-MM-dd' }
    Badge = 'BadgeNo'
  }
  phoneNumbers = @(
    @{ type = { 'work' }; value = 'Phone' }
    @{
      type = { 'mobile' }
      value = { $_.Mobile -replace '^0', '+44' }
    }
  )
}`;
    const result = importPsd1Mapping(text, 'm.psd1');
    expect(result.untranslated).toEqual([
      {
        key: 'attributes.urn:ietf:params:scim:schemas:extension:acme:1.0:User.HireDate',
        script: "{ Get-Date $_.Start -Format 'yyyy-MM-dd' }",
        line: 5,
        why: 'the command Get-Date is not translated',
      },
      {
        key: 'attributes.phoneNumbers[1].value',
        script: "{ $_.Mobile -replace '^0', '+44' }",
        line: 12,
        why: '-replace (a case-insensitive .NET regular expression) is not translated; use replace() or regexReplace()',
      },
    ]);
    // The mobile entry kept only its type, so it is dropped rather than sent empty.
    expect(result.mapping.attributes).toEqual({
      externalId: 'Id',
      active: true,
      'urn:ietf:params:scim:schemas:extension:acme:1.0:User': { Badge: 'BadgeNo' },
      phoneNumbers: [{ type: { $literal: 'work' }, value: 'Phone' }],
    });
  });

  test('an object whose every attribute was untranslated is left out', () => {
    const text = withRequired("  'urn:ietf:params:scim:schemas:extension:acme:1.0:User' = @{ HireDate = { Get-Date } }");
    expect(attributes(text)).toEqual({ externalId: 'Id', active: true });
    expect(untranslated(text)).toHaveLength(1);
  });

  test('a scriptblock nested absurdly deep is listed, not a crash', () => {
    const deep = `${'('.repeat(20000)}$_.A${')'.repeat(20000)}`;
    expect(untranslated(withRequired(`  title = { ${deep} }`))).toMatchObject([{ key: 'attributes.title', line: 4, why: 'the scriptblock is nested too deeply to translate' }]);
  });

  test('a scriptblock that is always $null is listed', () => {
    expect(untranslated(withRequired('  title = { $null }'))).toEqual([
      { key: 'attributes.title', script: '{ $null }', line: 4, why: 'the scriptblock always gives $null, so it maps nothing' },
    ]);
  });
});

describe('importPsd1Mapping: output hrsync accepts', () => {
  const FORMS = [
    "$_.'Status' -eq 'Active'",
    "$_.Status -ceq 'Active'",
    '$_.A -ne $_.B',
    '$_.Grade -eq 5',
    "$_.Leaver -eq ''",
    "$_.Type -in 'Employee','Intern'",
    "$_.Type -notin @('X')",
    "@('a') -contains $_.Type",
    "$_.Mail -like 'adm*'",
    "$_.Mail -like '*@contoso.com'",
    "$_.Title -like '*lead*'",
    "$_.Mail -notlike 'x'",
    "$_.Mail -like ''",
    "$_.A -eq 'x' -or $_.B -eq 'y' -and $_.C",
    "-not ($_.A -eq 'x')",
    '!$_.A',
    '-not -not $_.A',
    '$_.A -and $_.B',
    '[string]::IsNullOrEmpty($_.A)',
    '[string]::IsNullOrWhiteSpace($_.A)',
    "if ($_.X -eq 'y') { 'a' } elseif ($_.X) { $_.Y } else { 'b' }",
    'if ($_.X) { $true }',
    "$_.First + ' ' + $_.Last",
    '"$($_.\'First Name\') $($_.Last)"',
    "($_.A + '.' + $_.B).ToLower()",
    '$_.A.ToUpper().Trim()',
    "$_.Phone.Replace(' ', '')",
    "$_.'and' + $_.'2nd'",
  ];

  test('every translated form loads with loadMapping', () => {
    const attrs = FORMS.map((form, i) => `    A${i} = { ${form} }`).join('\n');
    const text = withRequired(`  'urn:ietf:params:scim:schemas:extension:acme:1.0:User' = @{\n${attrs}\n  }`);
    const { mapping, untranslated: left } = importPsd1Mapping(text, 'm.psd1');
    expect(left).toEqual([]);
    const ext = mapping.attributes['urn:ietf:params:scim:schemas:extension:acme:1.0:User'] as Record<string, unknown>;
    expect(Object.keys(ext)).toHaveLength(FORMS.length);
    expect(() => loadMapping(mapping, 'mapping.json')).not.toThrow();
  });
});

describe('importPsd1Mapping: externalId and active', () => {
  test('an untranslated active is still emitted without it, and its entry says hrsync needs it', () => {
    const result = importPsd1Mapping("@{\n  externalId = 'Id'\n  active = { $_.Status -match '^A' }\n}", 'm.psd1');
    expect(result.mapping).toEqual({ version: 1, attributes: { externalId: 'Id' } });
    expect(result.untranslated).toEqual([
      {
        key: 'attributes.active',
        script: "{ $_.Status -match '^A' }",
        line: 3,
        why: 'regular-expression matching (-match) has no hrsync equivalent; hrsync needs active mapped before this mapping can be used',
      },
    ]);
  });

  test('absent externalId and active are listed at the line of the top hashtable', () => {
    expect(untranslated("# header\n@{\n  title = 'T'\n}")).toEqual([
      { key: 'attributes.externalId', script: '', line: 2, why: 'absent from the psd1; hrsync needs externalId mapped before this mapping can be used' },
      { key: 'attributes.active', script: '', line: 2, why: 'absent from the psd1; hrsync needs active mapped before this mapping can be used' },
    ]);
  });
});

describe('importPsd1Mapping: errors', () => {
  test('syntax errors are MappingErrors naming file:line:column', () => {
    expect(() => importPsd1Mapping("@{\n  externalId = 'Id\n}", 'AttributeMapping.psd1')).toThrow(MappingError);
    expect(() => importPsd1Mapping("@{\n  externalId = 'Id\n}", 'AttributeMapping.psd1')).toThrow('AttributeMapping.psd1:2:16: externalId: this string has no closing quote');
  });

  test('a file that is not one hashtable', () => {
    expect(() => importPsd1Mapping("\n  @('a', 'b')", 'm.psd1')).toThrow('m.psd1:2:3: expected the file to hold one hashtable @{ … } of attributes');
  });
});

describe('importPsd1Mapping: a CSV2SCIM-style AttributeMapping.psd1', () => {
  const text = readFileSync(FIXTURE, 'utf8');

  test('converts every attribute it can and lists the two it cannot', () => {
    const { mapping, untranslated: left } = importPsd1Mapping(text, 'AttributeMapping.psd1');
    expect(mapping).toEqual({
      version: 1,
      attributes: {
        externalId: 'EmployeeRef',
        name: { familyName: 'Surname', givenName: 'Forename' },
        active: { $expr: "lower(`Employment Status`) == 'current' or lower(`Employment Status`) == 'onleave'" },
        userName: { $expr: "lower(concat(Forename, '.', Surname, '@fabrikam.example'))" },
        displayName: { $expr: "concat(`Known As`, ' ', Surname)" },
        nickName: 'Known As',
        userType: { $expr: "if(lower(ContractType) in ['perm', 'ftc'], 'Employee', 'Contractor')" },
        title: { $expr: 'trim(`Job Title`)' },
        emails: [{ type: { $literal: 'work' }, primary: true, value: 'WorkEmail' }],
        addresses: [
          {
            type: { $literal: 'work' },
            streetAddress: 'Site Street',
            locality: 'Site Town',
            postalCode: 'Site Postcode',
            country: { $expr: 'upper(`Site Country`)' },
          },
        ],
        phoneNumbers: [{ type: { $literal: 'work' }, value: { $expr: "replace(`Desk Phone`, ' ', '')" } }],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
          employeeNumber: 'EmployeeRef',
          costCenter: 'Cost Centre',
          organization: { $literal: 'Fabrikam' },
          division: 'Division',
          department: { $expr: "if(isEmpty(Department), 'Unassigned', Department)" },
          manager: { value: 'Line Manager Ref' },
        },
        'urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User': {
          IsManager: { $expr: "lower(`Has Reports`) == 'y'", $type: 'boolean' },
          Grade: 'Grade',
        },
      },
    });
    expect(left.map(({ key, line, why }) => ({ key, line, why }))).toEqual([
      { key: 'attributes.phoneNumbers[1].value', line: 38, why: 'pipelines (|) are not translated' },
      {
        key: 'attributes.urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User.HireDate',
        line: 52,
        why: '[datetime]::ParseExact() is not translated',
      },
    ]);
  });

  test('the converted mapping loads, and maps rows as CSV2SCIM would', () => {
    const { mapping } = importPsd1Mapping(text, 'AttributeMapping.psd1');
    const loaded = loadMapping(mapping, 'mapping.json');
    expect(loaded.schemas).toContain('urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User');
    expect([...loaded.columns].sort()).toEqual([
      'ContractType',
      'Cost Centre',
      'Department',
      'Desk Phone',
      'Division',
      'EmployeeRef',
      'Employment Status',
      'Forename',
      'Grade',
      'Has Reports',
      'Job Title',
      'Known As',
      'Line Manager Ref',
      'Site Country',
      'Site Postcode',
      'Site Street',
      'Site Town',
      'Surname',
      'WorkEmail',
    ]);

    const header = [...loaded.columns];
    const row = (cells: Record<string, string>): string[] => header.map((h) => cells[h] ?? '');
    const mapper = loaded.bind(header, 'workers.csv');

    const current = mapper.map(
      row({
        EmployeeRef: 'E100',
        Forename: 'Ada',
        Surname: 'Lovelace',
        'Known As': 'Ada',
        'Employment Status': 'CURRENT',
        ContractType: 'perm',
        'Job Title': '  Analyst ',
        WorkEmail: 'ada@fabrikam.example',
        'Site Country': 'gb',
        'Desk Phone': '020 7946 0000',
        'Has Reports': 'y',
        'Line Manager Ref': 'E001',
      }),
    );
    expect(current.problems).toEqual([]);
    expect(current.user).toMatchObject({
      externalId: 'E100',
      active: true,
      userName: 'ada.lovelace@fabrikam.example',
      displayName: 'Ada Lovelace',
      userType: 'Employee',
      title: 'Analyst',
      addresses: [{ type: 'work', country: 'GB' }],
      phoneNumbers: [{ type: 'work', value: '02079460000' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { organization: 'Fabrikam', department: 'Unassigned', manager: { value: 'E001' } },
      'urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User': { IsManager: true },
    });

    const leaver = mapper.map(row({ EmployeeRef: 'E200', 'Employment Status': 'Left', ContractType: 'Agency', Department: 'Finance' }));
    expect(leaver.user).toMatchObject({ externalId: 'E200', active: false, userType: 'Contractor' });
    expect(leaver.user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toMatchObject({ department: 'Finance' });
  });
});
