// The canonical hash of a SCIM record: the same record gives the same hash whatever the order
// of its keys, so a mapping whose attributes were merely reordered changes nothing, while any
// changed value (arrays keep their order: the first email is the first email) changes it.
import { createHash } from 'node:crypto';

/** Marks hashes of this scheme; a stored hash without it was recorded before delta and never matches. */
export const HASH_PREFIX = 'c1-';

/** JSON with every object's keys sorted, at every depth. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The canonical hash of a complete SCIM record (the operation's `data`). */
export function recordHash(user: unknown): string {
  return `${HASH_PREFIX}${createHash('sha256').update(canonicalJson(user)).digest('hex')}`;
}
