// What the loader hands the binder: the compiled user builder and the columns it reads.
import type { RowState } from './compile-context.js';

export interface ColumnRef {
  /** The column (CSV header or JSON key) as written in the mapping. */
  name: string;
  /** Its index in RowState.v. */
  slot: number;
  /** Mapping keys that read it, in mapping order. */
  keys: string[];
  /** SCIM path of the first attribute that reads it, for problems about the column itself. */
  attribute: string;
  /** True when some expression reads it: a bare word there may have been meant as 'text'. */
  inExpression: boolean;
}

export interface MappingPlan {
  source: string;
  /** By slot. */
  columns: readonly ColumnRef[];
  trimValues: boolean;
  row: RowState;
  buildUser: () => Record<string, unknown>;
}
