// Shared builders for the mapping compiler tests: a minimal valid mapping plus what is under test.
import { expect } from 'vitest';
import { loadMapping } from '../../../lib/mapping/index.js';
import type { MapResult, Mapping } from '../../../lib/mapping/index.js';

export const SOURCE = 'm.json';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CUSTOM = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';

/** A mapping document with the required externalId and active, plus `attributes`. */
export function doc(attributes: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, ...extra, attributes: { externalId: 'Id', active: { $literal: true }, ...attributes } };
}

export function load(attributes: Record<string, unknown>, extra: Record<string, unknown> = {}): Mapping {
  return loadMapping(doc(attributes, extra), SOURCE);
}

/** Loads, binds to JSON rows and maps one row. */
export function mapJson(attributes: Record<string, unknown>, row: Record<string, unknown>, extra: Record<string, unknown> = {}): MapResult {
  return load(attributes, extra)
    .bind(undefined, 'rows.json')
    .map({ Id: 'E1', ...row });
}

/** The user as a plain record, for reading attributes. */
export function userOf(result: MapResult): Record<string, unknown> {
  return result.user as unknown as Record<string, unknown>;
}

/** Evaluates `expr` as displayName against one JSON row; undefined when the attribute is left out. */
export function evaluate(expr: string, row: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): unknown {
  const result = mapJson({ displayName: { $expr: expr } }, row, extra);
  expect(result.problems).toEqual([]);
  return userOf(result).displayName;
}

/** The message of the MappingError thrown by loading `attributes`. */
export function loadError(attributes: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  try {
    load(attributes, extra);
  } catch (e) {
    expect((e as Error).name).toBe('MappingError');
    return (e as Error).message;
  }
  throw new Error('the mapping loaded without error');
}
