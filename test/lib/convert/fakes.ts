// A hand-made extract and mapping, so the engine is tested apart from the real reader and compiler.
import type { Extract, ExtractRow } from '../../../lib/extract/types.js';
import type { Mapping, MapProblem, RowMapper } from '../../../lib/mapping/types.js';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { ScimUser } from '../../../lib/scim/types.js';

export const COLUMNS = ['WorkerID', 'Status', 'Email', 'HireDate'] as const;

export function fakeExtract(rows: ExtractRow[], file = 'workers.csv'): Extract {
  return {
    file,
    format: 'csv',
    encoding: 'utf-8',
    delimiter: ',',
    columns: [...COLUMNS],
    rows: (async function* () {
      yield* rows;
    })(),
  };
}

export const row = (line: number, id: string, email = `${id.toLowerCase()}@contoso.com`, status = 'Active', hire = '2020-01-01'): ExtractRow => ({
  line,
  fields: [id, status, email, hire],
});

/** Maps WorkerID/Status/Email; a HireDate of 'bad' gives a map problem. */
export function fakeMapping(): Mapping {
  const mapper: RowMapper = {
    map(fields) {
      const f = fields as readonly string[];
      const user: ScimUser = { schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], externalId: f[0] ?? '', active: f[1] === 'Active' };
      if (f[2]) user.emails = [{ type: 'work', value: f[2] }];
      const problems: MapProblem[] =
        f[3] === 'bad' ? [{ attribute: 'urn:x:HireDate', column: 'HireDate', rule: 'date-format', message: 'HireDate is not a date in dd/MM/yyyy' }] : [];
      return { user, problems };
    },
    unseenColumns: () => [],
  };
  return {
    source: 'mapping.json',
    schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    columns: [...COLUMNS],
    attributes: [
      { path: 'externalId', type: 'string', columns: ['WorkerID'], key: 'attributes.externalId' },
      { path: 'active', type: 'boolean', columns: ['Status'], key: 'attributes.active' },
      { path: 'emails[0].value', type: 'string', columns: ['Email'], key: 'attributes.emails[0].value' },
    ],
    extract: {},
    bind: () => mapper,
  };
}
