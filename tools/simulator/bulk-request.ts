// Checks a bulkUpload body against the documented contract: a SCIM BulkRequest of 1..50 POST
// operations on /Users, each a User carrying the core and enterprise schemas and an externalId.
// Messages name the operation and the attribute, never a value.
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, MAX_OPERATIONS_PER_REQUEST } from '../../lib/scim/schemas.js';
import type { ScimUser } from '../../lib/scim/types.js';

export interface AcceptedOperation {
  bulkId: string;
  data: ScimUser;
}

export type BulkCheck = { ok: true; operations: AcceptedOperation[] } | { ok: false; message: string };

/** Parses and checks a bulkUpload body; `message` says what is wrong in one sentence. */
export function checkBulkRequest(text: string): BulkCheck {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('the body is not valid JSON');
  }
  if (!isObject(body)) return fail('the body must be a JSON object (a SCIM BulkRequest)');
  if (!Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST_SCHEMA)) {
    return fail(`schemas must contain ${BULK_REQUEST_SCHEMA}`);
  }
  const ops = body.Operations;
  if (!Array.isArray(ops)) return fail('Operations must be an array');
  if (ops.length === 0) return fail('Operations is empty; send at least one operation');
  if (ops.length > MAX_OPERATIONS_PER_REQUEST) {
    return fail(`the request has ${ops.length} operations; at most ${MAX_OPERATIONS_PER_REQUEST} are allowed per bulk request`);
  }
  if (body.failOnErrors !== undefined && body.failOnErrors !== null && typeof body.failOnErrors !== 'number') {
    return fail('failOnErrors must be null or a number');
  }
  const operations: AcceptedOperation[] = [];
  for (let i = 0; i < ops.length; i++) {
    const problem = operationProblem(ops[i]);
    if (problem !== undefined) return fail(`Operations[${i}]${problem}`);
    const op = ops[i] as { bulkId: string; data: ScimUser };
    operations.push({ bulkId: op.bulkId, data: op.data });
  }
  return { ok: true, operations };
}

function operationProblem(op: unknown): string | undefined {
  if (!isObject(op)) return ' must be an object';
  if (op.method !== 'POST') return '.method must be "POST" (the only method bulkUpload supports)';
  if (op.path !== '/Users') return '.path must be "/Users"';
  if (typeof op.bulkId !== 'string' || op.bulkId === '') return '.bulkId must be a non-empty string';
  const data = op.data;
  if (!isObject(data)) return '.data must be an object (a SCIM User)';
  const schemas = data.schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) return '.data.schemas must be an array of schema URNs';
  for (const required of [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA]) {
    if (!schemas.includes(required)) return `.data.schemas must contain ${required}`;
  }
  if (typeof data.externalId !== 'string' || data.externalId.trim() === '') return '.data.externalId is missing or empty';
  if (data.active !== undefined && typeof data.active !== 'boolean') return '.data.active must be a boolean';
  for (const key of Object.keys(data)) {
    if (key.startsWith('urn:') && !schemas.includes(key)) return `.data has attributes under ${key}, which is not listed in .data.schemas`;
  }
  const manager = isObject(data[ENTERPRISE_USER_SCHEMA]) ? (data[ENTERPRISE_USER_SCHEMA] as Record<string, unknown>).manager : undefined;
  if (manager !== undefined && (!isObject(manager) || (manager.value !== undefined && typeof manager.value !== 'string'))) {
    return `.data["${ENTERPRISE_USER_SCHEMA}"].manager must be an object whose value is the manager's externalId`;
  }
  return undefined;
}

function fail(detail: string): BulkCheck {
  return { ok: false, message: `Invalid Data Format: ${detail}.` };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
