import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../lib/mapping/load.js';
import { runCli } from './run-cli.js';
import { workspace } from './fixtures.js';

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
});
