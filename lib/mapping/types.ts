// The compiled mapping: what lib/mapping offers to the conversion engine.
import type { ScimUser } from '../scim/types.js';

export type DeclaredType = 'string' | 'boolean' | 'date' | 'dateTime' | 'integer';

/** A value an expression can produce. Empty CSV cells arrive as `null`. */
export type ExprValue = string | number | boolean | null;

/** Where in the mapping an attribute comes from, for validation and messages. */
export interface AttributeInfo {
  /** SCIM path, e.g. `name.givenName`, `emails[0].value`, `urn:…:enterprise:2.0:User:manager.value`. */
  path: string;
  type: DeclaredType;
  /** Source columns the attribute reads (empty for literals). */
  columns: readonly string[];
  /** The JSON key path in the mapping file, e.g. `attributes.emails[0].value`. */
  key: string;
}

/** A value-level problem found while mapping one row (e.g. a date not in any given format). */
export interface MapProblem {
  /** Default 'error': the row is rejected. A warning reports and lets the row through. */
  severity?: 'warning';
  attribute: string;
  column?: string;
  rule: string;
  message: string;
}

export interface MapResult {
  user: ScimUser;
  /** Empty (a shared frozen array) when the row mapped cleanly. */
  problems: readonly MapProblem[];
}

/** A mapping bound to one file's columns: call once per row. */
export interface RowMapper {
  map(fields: readonly string[] | Readonly<Record<string, unknown>>): MapResult;
  /** JSON sources: columns the mapping reads that no row has had so far. */
  unseenColumns(): string[];
}

export interface Mapping {
  /** The mapping file's name, for messages. */
  source: string;
  /** `schemas` of every generated user: core, enterprise, and the custom extension when mapped. */
  schemas: readonly string[];
  /** Every source column the mapping reads. */
  columns: readonly string[];
  attributes: readonly AttributeInfo[];
  /** Optional reading defaults from the mapping's `source` section; CLI flags win. */
  extract: { format?: 'csv' | 'json' | 'ndjson'; encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'auto'; delimiter?: ',' | ';' | '\t' | '|' | 'auto' };
  /**
   * The parsed document the mapping was compiled from, when it was: a worker thread compiles
   * the same mapping from it (compiled closures cannot cross threads).
   */
  document?: unknown;
  /**
   * Binds to a file. `columns` is the CSV header; undefined for JSON sources.
   * Throws MappingError naming the key and the column when a referenced column is not in the header.
   */
  bind(columns: readonly string[] | undefined, file: string): RowMapper;
}
