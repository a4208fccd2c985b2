// The subset of OData $filter the provisioning logs document and hrsync uses: clauses joined by
// `and`, each `<property> <op> <value>`. Anything else is rejected, as Graph rejects what it does
// not support, so a client cannot come to rely on a filter the real service would refuse.
import type { ProvisioningObjectSummary } from './log-entry.js';

/** Thrown for a filter the simulator (and the documented API) does not support. */
export class FilterError extends Error {}

export type EntryPredicate = (entry: ProvisioningObjectSummary) => boolean;

type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

interface Property {
  read(entry: ProvisioningObjectSummary): string;
  kind: 'string' | 'dateTime';
}

// Filters are case sensitive for values, but Graph accepts property names in any case (the docs write `jobid`).
const PROPERTIES: ReadonlyMap<string, Property> = new Map([
  ['jobid', { read: (e) => e.jobId, kind: 'string' }],
  ['id', { read: (e) => e.id, kind: 'string' }],
  ['cycleid', { read: (e) => e.cycleId, kind: 'string' }],
  ['changeid', { read: (e) => e.changeId, kind: 'string' }],
  ['provisioningaction', { read: (e) => e.provisioningAction, kind: 'string' }],
  ['statusinfo/status', { read: (e) => e.provisioningStatusInfo.status, kind: 'string' }],
  ['provisioningstatusinfo/status', { read: (e) => e.provisioningStatusInfo.status, kind: 'string' }],
  ['sourceidentity/id', { read: (e) => e.sourceIdentity.id, kind: 'string' }],
  ['targetidentity/id', { read: (e) => e.targetIdentity.id, kind: 'string' }],
  ['activitydatetime', { read: (e) => e.activityDateTime, kind: 'dateTime' }],
] as const);

const CLAUSE = /^\s*([A-Za-z][A-Za-z/]*)\s+(eq|ne|gt|ge|lt|le)\s+('(?:[^']|'')*'|[0-9][0-9T:.+\-Z]*)\s*$/;

/** Compiles a $filter expression into a predicate, or throws FilterError naming the unsupported part. */
export function compileFilter(filter: string): EntryPredicate {
  const clauses = splitAnd(filter);
  const predicates = clauses.map(compileClause);
  return (entry) => predicates.every((p) => p(entry));
}

function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inString = false;
  const words = filter.split(/(\s+and\s+|')/);
  for (const word of words) {
    if (word === "'") {
      inString = !inString;
      current += word;
    } else if (!inString && /^\s+and\s+$/.test(word)) {
      parts.push(current);
      current = '';
    } else {
      current += word;
    }
  }
  if (inString) throw new FilterError('the $filter has an unterminated string literal');
  parts.push(current);
  return parts;
}

function compileClause(clause: string): EntryPredicate {
  const m = CLAUSE.exec(clause);
  if (m === null) throw new FilterError(`unsupported $filter clause: ${clause.trim()}; use <property> eq|gt|ge|lt|le <value> joined by and`);
  const [, name, op, literal] = m as unknown as [string, string, Comparison, string];
  const property = PROPERTIES.get(name.toLowerCase());
  if (property === undefined) throw new FilterError(`unsupported property in $filter: ${name}`);
  if (property.kind === 'string') {
    if (op !== 'eq' && op !== 'ne') throw new FilterError(`${name} supports only eq and ne`);
    if (!literal.startsWith("'")) throw new FilterError(`${name} must be compared with a quoted string`);
    const value = literal.slice(1, -1).replace(/''/g, "'");
    return op === 'eq' ? (e) => property.read(e) === value : (e) => property.read(e) !== value;
  }
  // Graph takes the date-time unquoted; a quoted one is tolerated.
  const text = literal.startsWith("'") ? literal.slice(1, -1) : literal;
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at)) throw new FilterError(`${name} must be compared with an ISO 8601 date-time`);
  return (e) => compare(Date.parse(property.read(e)), at, op);
}

function compare(a: number, b: number, op: Comparison): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}
