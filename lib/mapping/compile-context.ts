// What compiling one attribute's value needs from the loader, and the per-row state the
// compiled closures read: the row's column values by slot, and where problems go.
import type { ExprValue, MapProblem } from './types.js';

/** Mutable state shared by a mapping's closures; reset by the row mapper before each row. */
export interface RowState {
  /** Column values of the current row, by slot (see CompileContext.slot); empty cells are null. */
  v: ExprValue[];
  /** Problems of the current row; null until the first one. */
  problems: MapProblem[] | null;
}

/** A compiled expression: reads the current row through the RowState it was compiled against. */
export type Evaluator = () => ExprValue;

export interface CompileContext {
  readonly row: RowState;
  /** SCIM path of the attribute being compiled, for problems. */
  readonly attribute: string;
  /** Lookup tables of the mapping, by name. */
  readonly lookups: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Registers a read of `column` and returns its slot in RowState.v. */
  slot(column: string): number;
}

/** Records a problem of the current row. */
export function reportProblem(row: RowState, problem: MapProblem): void {
  (row.problems ??= []).push(problem);
}
