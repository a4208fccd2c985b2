import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../lib/mapping/load.js';
import { runCli } from './run-cli.js';
import { workspace } from './fixtures.js';

const CSV2SCIM_PSD1 = `@{
  externalId = 'WorkerID'
  active = { $_.'WorkerStatus' -eq 'Active' }
  userName = 'UserID'
  title = 'JobTitle'
  emails = @( @{ type = { 'work' }; primary = $true; value = 'Email' } )
  phoneNumbers = @( @{ type = { 'work' }; value = 'OfficePhone' } )
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" = @{
    department = 'Department'
    manager = @{ value = 'ManagerID' }
  }
}
`;
const CSV2SCIM_CSV = 'WorkerID,WorkerStatus,UserID,JobTitle,Email,OfficePhone,Department,ManagerID\nE1,Active,ada@contoso.com,,,,,\n';

describe('hrsync mapping import', () => {
  it('converts the CSV2SCIM-shaped sample into a mapping hrsync loads', async () => {
    const r = await runCli('mapping', 'import', 'test/fixtures/psd1/AttributeMapping.psd1');
    const mapping = JSON.parse(r.out);
    expect(mapping.version).toBe(1);
    expect(() => loadMapping(mapping, 'imported.json')).not.toThrow();
    // The fixture holds two scriptblocks hrsync cannot express (a pipeline, ParseExact); each is named with its line.
    expect(r.code).toBe(1);
    expect(r.err).toContain('AttributeMapping.psd1:38: attributes.phoneNumbers[1].value: not translated');
    expect(r.err).toContain('AttributeMapping.psd1:52: attributes.urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User.HireDate: not translated');
    expect(r.err).toContain('2 attributes need finishing by hand');
  });

  it('names a scriptblock it cannot translate, leaves it out and exits 1', async () => {
    const at = workspace({
      'm.psd1': "@{\n  externalId = 'WorkerID'\n  active = { $_.'Status' -eq 'Active' }\n  title = { Get-Date -Format 'yyyy' }\n}\n",
    });
    const r = await runCli('mapping', 'import', at('m.psd1'), '-o', at('out.json'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${at('m.psd1')}:4: attributes.title: not translated`);
    const written = JSON.parse(readFileSync(at('out.json'), 'utf8'));
    expect(written.attributes.title).toBeUndefined();
    expect(written.attributes.externalId).toBe('WorkerID');
    expect(written.attributes.active).toEqual({ $expr: "lower(Status) == 'active'" });
  });

  it('exits 2 naming file, line and column for a broken psd1', async () => {
    const at = workspace({ 'm.psd1': "@{\n  externalId = 'WorkerID\n}\n" });
    const r = await runCli('mapping', 'import', at('m.psd1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`m\\.psd1:\\d+:\\d+`));
  });

  it('keeps what CSV2SCIM sent: an empty cell goes as "", in objects and lists too, and says so', async () => {
    const at = workspace({ 'm.psd1': CSV2SCIM_PSD1, 'w.csv': CSV2SCIM_CSV });
    const r = await runCli('mapping', 'import', at('m.psd1'), '-o', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.err).toContain('empty cells are sent as "", as CSV2SCIM sent them');
    expect(r.err).toContain('--empty-values omit');
    expect(JSON.parse(readFileSync(at('m.json'), 'utf8')).options).toEqual({ emptyValues: 'send' });
    const p = await runCli('preview', at('w.csv'), '-m', at('m.json'));
    expect(p.code).toBe(0);
    // What CSV2SCIM builds for this row: every mapped attribute, the empty ones as "".
    expect(JSON.parse(p.out).Operations[0].data).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'E1',
      active: true,
      userName: 'ada@contoso.com',
      title: '',
      emails: [{ type: 'work', primary: true, value: '' }],
      phoneNumbers: [{ type: 'work', value: '' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: '', manager: { value: '' } },
    });
  });

  it('leaves empty cells out with --empty-values omit, and says what that changes', async () => {
    const at = workspace({ 'm.psd1': CSV2SCIM_PSD1, 'w.csv': CSV2SCIM_CSV });
    const r = await runCli('mapping', 'import', at('m.psd1'), '--empty-values', 'omit', '-o', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.err).toContain('empty cells are left out (Entra keeps what it has)');
    const p = await runCli('preview', at('w.csv'), '-m', at('m.json'));
    expect(JSON.parse(p.out).Operations[0].data).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'E1',
      active: true,
      userName: 'ada@contoso.com',
    });
    const bad = await runCli('mapping', 'import', at('m.psd1'), '--empty-values', 'keep');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--empty-values must be send or omit; got "keep"');
  });
});
