// The simulated directory: one user per externalId, with what was last written to it. A record
// carries only the attributes it updates (Entra treats a partial record as an update of those),
// so attributes merge into what is there; multi-valued attributes are replaced whole.
import type { ScimUser } from '../../lib/scim/types.js';
import type { ModifiedProperty } from './log-entry.js';

/** A user in the simulated directory. */
export interface SimUser {
  /** The directory object id. */
  id: string;
  externalId: string;
  /** Everything written so far, merged. */
  attributes: Readonly<ScimUser>;
  enabled: boolean;
  createdDateTime: string;
  updatedDateTime: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Merges a record into the attributes already held: objects merge key by key, everything else replaces. */
export function mergeAttributes(current: Readonly<Record<string, unknown>>, update: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const before = out[key];
    out[key] = isPlainObject(before) && isPlainObject(value) ? mergeAttributes(before, value) : structuredClone(value);
  }
  return out;
}

/** The attribute paths whose values differ, as provisioning-log modifiedProperties (schemas and active excluded). */
export function diffAttributes(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): ModifiedProperty[] {
  const old = flatten(before);
  const now = flatten(after);
  const changes: ModifiedProperty[] = [];
  for (const [path, newValue] of now) {
    const oldValue = old.get(path) ?? null;
    if (oldValue !== newValue) changes.push({ displayName: path, oldValue, newValue });
  }
  for (const [path, oldValue] of old) {
    if (!now.has(path)) changes.push({ displayName: path, oldValue, newValue: null });
  }
  return changes;
}

function flatten(attrs: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (isPlainObject(value)) {
      // Extension attributes read `urn:…:User:department`, the way Entra's mappings name them.
      const sep = depth === 0 && path.startsWith('urn:') ? ':' : '.';
      for (const [k, v] of Object.entries(value)) walk(v, `${path}${sep}${k}`, depth + 1);
    } else if (value !== undefined && value !== null) {
      out.set(path, typeof value === 'string' ? value : JSON.stringify(value as Json));
    }
  };
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'schemas' || key === 'active') continue;
    walk(value, key, 0);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
