// The canonical hash of a SCIM record: the same record gives the same hash whatever the order
// of its keys, so a mapping whose attributes were merely reordered changes nothing, while any
// changed value (arrays keep their order: the first email is the first email) changes it.
import * as crypto from 'node:crypto';

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

// crypto.hash (Node 20.12+) digests without a Hash object: a million records no longer leave a
// million native hash contexts for the garbage collector to find. Earlier Node 20s use createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex' | 'buffer') => unknown }).hash;

/** The SHA-256 of `text` (UTF-8), as hex. */
export function sha256Hex(text: string): string {
  return oneShot === undefined ? crypto.createHash('sha256').update(text, 'utf8').digest('hex') : (oneShot('sha256', text, 'hex') as string);
}

/** The SHA-256 of `text` (UTF-8), as bytes. */
export function sha256(text: string): Buffer {
  return oneShot === undefined ? crypto.createHash('sha256').update(text, 'utf8').digest() : (oneShot('sha256', text, 'buffer') as Buffer);
}

/** The canonical hash of a complete SCIM record (the operation's `data`). */
export function recordHash(user: unknown): string {
  return `${HASH_PREFIX}${sha256Hex(canonicalJson(user))}`;
}
