import { describe, expect, test } from 'vitest';
import { loadMapping } from '../../../lib/mapping/load.js';
import { keepCsv2ScimEmpties } from '../../../lib/mapping/psd1-empty.js';
import type { MappingJson } from '../../../lib/mapping/psd1-import.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:1.0:User';

describe('keepCsv2ScimEmpties', () => {
  test('sends empties: the option for top-level attributes, $keepEmpty on text attributes inside objects and lists', () => {
    const attributes: { [key: string]: MappingJson } = {
      externalId: 'Id',
      active: { $expr: "Status == 'Active'" },
      title: 'Title',
      name: { givenName: 'First', familyName: { $expr: 'trim(Last)' } },
      emails: [{ type: { $literal: 'work' }, primary: true, value: 'Mail' }],
      [ENTERPRISE]: { manager: { value: 'Mgr' }, costCenter: { $column: 'CC', $type: 'string' } },
      [ACME]: { IsLead: { $expr: "Lead == 'Y'", $type: 'boolean' }, Start: { $expr: "parseDate(S, 'dd/MM/yyyy', 'UTC')", $type: 'dateTime' }, Level: 3 },
    };
    const out = keepCsv2ScimEmpties({ version: 1, attributes });
    expect(out).toEqual({
      version: 1,
      options: { emptyValues: 'send' },
      attributes: {
        externalId: 'Id',
        active: { $expr: "Status == 'Active'" },
        title: 'Title',
        name: { givenName: { $column: 'First', $keepEmpty: true }, familyName: { $expr: 'trim(Last)', $keepEmpty: true } },
        emails: [{ type: { $literal: 'work' }, primary: true, value: { $column: 'Mail', $keepEmpty: true } }],
        [ENTERPRISE]: { manager: { value: { $column: 'Mgr', $keepEmpty: true } }, costCenter: { $column: 'CC', $type: 'string', $keepEmpty: true } },
        // Typed values cannot be sent as "": left as they were.
        [ACME]: { IsLead: { $expr: "Lead == 'Y'", $type: 'boolean' }, Start: { $expr: "parseDate(S, 'dd/MM/yyyy', 'UTC')", $type: 'dateTime' }, Level: 3 },
      },
    });
    expect(() => loadMapping(out, 'imported.json')).not.toThrow();
    // The input is not changed.
    expect(attributes.title).toBe('Title');
  });
});
