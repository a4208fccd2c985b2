// Small extracts and a mapping written to a temp folder for CLI tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAPPING = {
  version: 1,
  attributes: {
    externalId: 'WorkerID',
    active: { $expr: "Status == 'Active'" },
    userName: { $expr: "concat(lower(stripDiacritics(First)), '.', lower(stripDiacritics(Last)), '@contoso.com')" },
    name: { givenName: 'First', familyName: 'Last' },
    emails: [{ type: { $literal: 'work' }, primary: true, value: 'Email' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'ManagerID' } },
    'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': {
      HireDate: { $expr: "parseDate(Hired, 'dd/MM/yyyy', 'Europe/London')", $type: 'dateTime' },
    },
  },
};

export const HEADER = 'WorkerID,Status,First,Last,Email,ManagerID,Hired';

export function workspace(files: Record<string, string | Buffer>): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'hrsync-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return (name: string) => join(dir, name);
}
