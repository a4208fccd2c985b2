// Builders that assemble the SCIM User of one row from compiled attribute values, leaving
// out what is empty. Each returns undefined for "leave this out".
import { INVALID, type TypeRule } from './coerce.js';
import { reportProblem, type Evaluator, type RowState } from './compile-context.js';
import type { DeclaredType } from './types.js';

export type Build = () => unknown;

export interface LeafOptions {
  evaluate: Evaluator;
  type: DeclaredType;
  rule: TypeRule;
  /** Send '' instead of leaving the attribute out when the value is empty. */
  sendEmpty: boolean;
  attribute: string;
  /** The column the value comes from, when exactly one. */
  column: string | undefined;
  row: RowState;
}

/** Builds one attribute value: empty → omitted (or ''), otherwise coerced to its type or reported. */
export function leafBuild(o: LeafOptions): Build {
  const { evaluate, row, attribute, column } = o;
  const empty = o.sendEmpty ? '' : undefined;
  if (o.type === 'string') {
    return () => {
      const v = evaluate();
      if (v === null || v === '') return empty;
      return typeof v === 'string' ? v : String(v);
    };
  }
  const { coerce, rule, message } = o.rule;
  const text = `${attribute} ${message}`;
  return () => {
    const v = evaluate();
    if (v === null || v === '') return empty;
    const out = coerce(v);
    if (out !== INVALID) return out;
    reportProblem(row, column === undefined ? { attribute, rule, message: text } : { attribute, column, rule, message: text });
    return undefined;
  };
}

/** Builds a value known when the mapping loads. */
export function constantBuild(value: string | number | boolean | undefined): Build {
  return () => value;
}

export interface Member {
  name: string;
  build: Build;
  /** False for `type` and `primary`: they alone do not make an entry worth sending. */
  counts: boolean;
  /** `$keepEmpty`: an empty value sent as '' still keeps its object. */
  keep: boolean;
}

/** Builds a complex attribute or a multi-valued entry; omitted when no member that counts has a value. */
export function objectBuild(members: readonly Member[]): Build {
  return () => {
    let out: Record<string, unknown> | undefined;
    let has = false;
    for (const m of members) {
      const v = m.build();
      if (v === undefined) continue;
      (out ??= {})[m.name] = v;
      if (m.counts && (v !== '' || m.keep)) has = true;
    }
    return has ? out : undefined;
  };
}

/** Builds a multi-valued attribute from its entries; omitted when every entry is. */
export function arrayBuild(entries: readonly Build[]): Build {
  return () => {
    let out: unknown[] | undefined;
    for (const entry of entries) {
      const v = entry();
      if (v !== undefined) (out ??= []).push(v);
    }
    return out;
  };
}

/** Builds the whole user: `schemas` first, then every attribute in mapping order. */
export function userBuild(schemas: readonly string[], members: readonly Member[]): () => Record<string, unknown> {
  return () => {
    const user: Record<string, unknown> = { schemas: schemas.slice() };
    for (const m of members) {
      const v = m.build();
      if (v !== undefined) user[m.name] = v;
    }
    return user;
  };
}
