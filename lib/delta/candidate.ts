// One parse of a spooled operation gives what planning and ordering need: the record's
// canonical hash, whether it is active, and its manager.
import { ENTERPRISE_USER_SCHEMA } from '../scim/schemas.js';
import type { ScimUser } from '../scim/types.js';
import { recordHash } from './hash.js';
import type { Candidate } from './plan.js';

/** The plan's view of one valid operation (its JSON stays in the OperationStore as `stored`). */
export function candidateOf(externalId: string, line: number, json: string, stored: number): Candidate {
  const op = JSON.parse(json) as { data?: ScimUser };
  const data = op.data;
  const ext = data?.[ENTERPRISE_USER_SCHEMA] as { manager?: { value?: unknown } } | undefined;
  const manager = ext?.manager?.value;
  return {
    externalId,
    line,
    stored,
    hash: recordHash(data),
    // The mapping always sends a boolean `active`; anything else counts as active, as Entra reads it.
    active: data?.active !== false,
    ...(typeof manager === 'string' && manager !== '' ? { managerId: manager } : {}),
  };
}
