// Binds a compiled mapping to one file: CSV columns become array indexes, JSON columns
// object keys, and each row's referenced values are read once into the slot array.
import { reportProblem } from './compile-context.js';
import { MappingError } from './errors.js';
import type { ColumnRef, MappingPlan } from './plan.js';
import { closest } from './suggest.js';
import type { ExprValue, MapProblem, MapResult, RowMapper } from './types.js';
import type { ScimUser } from '../scim/types.js';

const NO_PROBLEMS: readonly MapProblem[] = Object.freeze([]);

/** Binds a plan to a CSV header (`columns`) or to JSON rows (`columns` undefined). */
export function bindPlan(plan: MappingPlan, columns: readonly string[] | undefined, file: string): RowMapper {
  return columns === undefined ? bindJson(plan) : bindCsv(plan, columns, file);
}

function bindCsv(plan: MappingPlan, header: readonly string[], file: string): RowMapper {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const missing = plan.columns.filter((c) => !index.has(c.name));
  if (missing.length > 0) throw unknownColumns(plan.source, missing, header, file);

  const indexes = Int32Array.from(plan.columns, (c) => index.get(c.name) as number);
  const count = indexes.length;
  const values: ExprValue[] = new Array<ExprValue>(count).fill(null);
  const { row, buildUser, trimValues } = plan;
  return {
    map(fields) {
      const cells = fields as readonly string[];
      for (let k = 0; k < count; k++) {
        const raw = cells[indexes[k] as number];
        if (raw === undefined) {
          values[k] = null;
        } else {
          const text = trimValues ? raw.trim() : raw;
          values[k] = text === '' ? null : text;
        }
      }
      return run(values, buildUser, row);
    },
    unseenColumns: () => [],
  };
}

function bindJson(plan: MappingPlan): RowMapper {
  const refs = plan.columns;
  const names = refs.map((c) => c.name);
  const count = names.length;
  const values: ExprValue[] = new Array<ExprValue>(count).fill(null);
  const seen = new Array<boolean>(count).fill(false);
  let unseen = count;
  const { row, buildUser, trimValues } = plan;
  return {
    map(fields) {
      const obj = fields as Readonly<Record<string, unknown>>;
      if (unseen > 0) {
        for (let k = 0; k < count; k++) {
          if (!seen[k] && Object.hasOwn(obj, names[k] as string)) {
            seen[k] = true;
            unseen--;
          }
        }
      }
      row.problems = null;
      for (let k = 0; k < count; k++) {
        const raw = obj[names[k] as string];
        if (typeof raw === 'string') {
          const text = trimValues ? raw.trim() : raw;
          values[k] = text === '' ? null : text;
        } else if (raw === undefined || raw === null) {
          values[k] = null;
        } else if (typeof raw === 'number' || typeof raw === 'boolean') {
          values[k] = raw;
        } else {
          values[k] = null;
          // Inherited names (constructor, toString…) are not fields of the row.
          if (Object.hasOwn(obj, names[k] as string)) notScalar(plan, refs[k] as ColumnRef, raw);
        }
      }
      return run(values, buildUser, row, true);
    },
    unseenColumns: () => names.filter((_, k) => !seen[k]),
  };
}

function notScalar(plan: MappingPlan, ref: ColumnRef, raw: unknown): void {
  const kind = Array.isArray(raw) ? 'a list' : 'an object';
  reportProblem(plan.row, {
    attribute: ref.attribute,
    column: ref.name,
    rule: 'not-a-scalar',
    message: `the field holds ${kind}; only text, numbers, true/false and null can be mapped`,
  });
}

function run(values: ExprValue[], buildUser: MappingPlan['buildUser'], row: MappingPlan['row'], keepProblems = false): MapResult {
  row.v = values;
  if (!keepProblems) row.problems = null;
  const user = buildUser() as unknown as ScimUser;
  const problems = row.problems ?? NO_PROBLEMS;
  row.problems = null;
  return { user, problems };
}

function unknownColumns(source: string, missing: readonly ColumnRef[], header: readonly string[], file: string): MappingError {
  const describe = (c: ColumnRef): string => {
    const near = closest(c.name, header);
    const hint = near !== undefined ? `; did you mean ${JSON.stringify(near)}?` : c.inExpression ? `; if you meant text, quote it: '${c.name}'` : '';
    return `${JSON.stringify(c.name)} (${c.keys.join(', ')}${hint})`;
  };
  const where = `the header of ${file}`;
  if (missing.length === 1) {
    const only = missing[0] as ColumnRef;
    return new MappingError(source, only.keys[0] as string, `column ${describe(only)} is not in ${where}`);
  }
  return new MappingError(source, '', `${missing.length} columns are not in ${where}: ${missing.map(describe).join('; ')}`);
}
