import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { HEADER, MAPPING, workspace } from './fixtures.js';

function rows(n: number): string {
  const lines = [HEADER];
  for (let i = 1; i <= n; i++) lines.push(`E${i},Active,First${i},Last${i},first${i}.last${i}@contoso.com,${i > 1 ? 'E1' : ''},01/02/2020`);
  return lines.join('\n');
}

describe('hrsync preview', () => {
  it('prints one SCIM BulkRequest per line, at most 50 operations each', async () => {
    const at = workspace({ 'w.csv': rows(120), 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('preview', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    const requests = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(requests.map((q) => q.Operations.length)).toEqual([50, 50, 20]);
    const first = requests[0].Operations[1];
    expect(first).toMatchObject({ method: 'POST', bulkId: 'E2', path: '/Users' });
    expect(first.data).toEqual({
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        'urn:ietf:params:scim:schemas:extension:contoso:1.0:User',
      ],
      externalId: 'E2',
      active: true,
      userName: 'first2.last2@contoso.com',
      name: { givenName: 'First2', familyName: 'Last2' },
      emails: [{ type: 'work', primary: true, value: 'first2.last2@contoso.com' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'E1' } },
      'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': { HireDate: '2020-02-01T00:00:00+00:00' },
    });
    expect(r.err).toContain('120 rows: 120 valid, 0 rejected, 3 bulk requests');
  });

  it('honours --limit and --batch-size, and refuses a batch size above 50', async () => {
    const at = workspace({ 'w.csv': rows(30), 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('preview', at('w.csv'), '-m', at('m.json'), '--limit', '25', '--batch-size', '10');
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).Operations.length),
    ).toEqual([10, 10, 5]);
    const tooBig = await runCli('preview', at('w.csv'), '-m', at('m.json'), '--batch-size', '51');
    expect(tooBig.code).toBe(2);
    expect(tooBig.err).toContain('--batch-size must be a whole number from 1 to 50');
  });

  it('keeps problems on stderr and rejected rows out of the requests', async () => {
    const at = workspace({ 'w.csv': `${rows(3)}\nE2,Active,Dup,Row,dup.row@contoso.com,E1,01/02/2020`, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('preview', at('w.csv'), '-m', at('m.json'));
    expect(r.code).toBe(1);
    const ids = r.out
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l).Operations.map((o: { bulkId: string }) => o.bulkId));
    expect(ids).toEqual(['E1', 'E3']);
    expect(r.err).toContain('[duplicate-externalId]');
  });

  it('shows the requests in the order they would be sent: managers before their reports', async () => {
    const csv = [
      HEADER,
      'E4,Active,Dee,Four,dee@contoso.com,E2,01/02/2020',
      'E2,Active,Bea,Two,bea@contoso.com,E1,01/02/2020',
      'E5,Active,Eve,Five,eve@contoso.com,,01/02/2020',
      'E3,Active,Cy,Three,cy@contoso.com,E1,01/02/2020',
      'E1,Active,Al,One,al@contoso.com,,01/02/2020',
    ].join('\n');
    const at = workspace({ 'w.csv': csv, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('preview', at('w.csv'), '-m', at('m.json'), '--batch-size', '2');
    expect(r.code).toBe(0);
    const requests = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).Operations.map((o: { bulkId: string }) => o.bulkId));
    // Depth 0 (no manager in the file) in file order, then their reports, then theirs.
    expect(requests).toEqual([['E5', 'E1'], ['E2', 'E3'], ['E4']]);
  });

  it('shows a report of a rejected manager without the manager reference, as sync would send it, with a warning', async () => {
    const csv = [HEADER, 'E1,Active,Al,One,not-an-email,,01/02/2020', 'E2,Active,Bea,Two,bea@contoso.com,E1,01/02/2020'].join('\n');
    const at = workspace({ 'w.csv': csv, 'm.json': JSON.stringify(MAPPING) });
    const r = await runCli('preview', at('w.csv'), '-m', at('m.json'));
    expect(r.code).toBe(1);
    const ops = r.out
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l).Operations as Array<{ bulkId: string; data: Record<string, Record<string, unknown> | undefined> }>);
    expect(ops.map((o) => o.bulkId)).toEqual(['E2']);
    expect(ops[0]?.data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']?.['manager']).toBeUndefined();
    expect(r.err).toContain('[manager-rejected]');
    expect(r.err).toContain('manager E1 was rejected');
  });
});
