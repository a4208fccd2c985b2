// What scanning does to one row, and to the file once every row is in: map, validate,
// serialize, catch duplicates, count. Shared by the scan on the calling thread and the one
// in a worker thread (scan-channel.ts), so both give the same problems in the same order.
import type { AttributeInfo, MapProblem, RowMapper } from '../mapping/types.js';
import type { ExtractRow, RowDefect } from '../extract/types.js';
import { operationFits, serializeOperation } from '../scim/bulk.js';
import type { BatchLimits, SerializedOperation } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { validateUser } from '../scim/validate.js';
import type { RecordIssue } from '../scim/validate.js';
import { DuplicateTracker } from './duplicates.js';

/** How often one kind of warning occurred; only its first occurrence is reported in full. */
export interface WarningCount {
  rule: string;
  attribute?: string;
  count: number;
  first: Problem;
}

/** The counts of a finished scan. */
export interface RowScanTotals {
  /** Rows that will be sent (after duplicates are withdrawn). */
  valid: number;
  rejected: number;
  errors: number;
  warnings: WarningCount[];
  duplicateIds: number;
  withdrawn: string[];
}

/**
 * Scans rows one at a time; `emit` receives each valid operation, `onProblem` each reported problem.
 * `R` is what `emit` returns: with a synchronous `emit` (`void`), `row` returns nothing to await.
 */
export class RowScanner<R extends Promise<void> | void = Promise<void> | void> {
  private readonly tracker = new DuplicateTracker();
  private readonly warnings = new WarningTally();
  private readonly columnOf: ReadonlyMap<string, string>;
  private valid = 0;
  private rejected = 0;
  private errors = 0;

  constructor(
    private readonly file: string,
    private readonly mapper: RowMapper,
    attributes: readonly AttributeInfo[],
    private readonly limits: BatchLimits,
    private readonly onProblem: (problem: Problem) => void,
    private readonly emit: (op: SerializedOperation) => R,
  ) {
    this.columnOf = columnIndex(attributes);
  }

  /** Scans one row; a promise when `emit` returned one. */
  row(row: ExtractRow): R | void {
    const file = this.file;
    const line = row.line;
    if (row.defect !== undefined) {
      this.rejected++;
      this.report(defectProblem(file, line, row.defect));
      return;
    }

    const { user, problems } = this.mapper.map(row.fields);
    const issues = validateUser(user);
    const externalId = typeof user.externalId === 'string' && user.externalId.length > 0 ? user.externalId : undefined;
    let bad = hasError(problems) || hasError(issues);
    let json: string | undefined;
    if (!bad) {
      json = serializeOperation(user);
      if (!operationFits({ externalId: externalId as string, line, json }, this.limits)) {
        bad = true;
        this.report({
          severity: 'error',
          file,
          line,
          externalId,
          rule: 'record-too-large',
          message: `the record is larger than the request size cap of ${this.limits.maxBytes} bytes`,
        });
      }
    }
    const firstLine = externalId === undefined ? undefined : this.tracker.see(externalId, line, !bad);

    for (const mp of problems) this.report(mapProblem(file, line, externalId, mp));
    for (const issue of issues) {
      // A warning seen before is only counted: no Problem is built for it.
      if (issue.severity === 'warning' && this.warnings.repeat(issue.rule, issue.attribute)) continue;
      this.report(issueProblem(file, line, externalId, issue, this.columnOf));
    }
    if (firstLine !== undefined) {
      this.report({
        severity: 'error',
        file,
        line,
        externalId,
        attribute: 'externalId',
        column: this.columnOf.get('externalId'),
        rule: 'duplicate-externalId',
        message: `externalId also appears on line ${firstLine}; both rows are rejected`,
      });
      bad = true;
    }

    if (bad) {
      this.rejected++;
      return;
    }
    this.valid++;
    return this.emit({ externalId: externalId as string, line, json: json as string });
  }

  /** After the last row: reports each duplicated id at its first line and withdraws those already emitted. */
  finish(): RowScanTotals {
    const withdrawn: string[] = [];
    for (const group of this.tracker.groups()) {
      const first = group.lines[0] as number;
      this.report({
        severity: 'error',
        file: this.file,
        line: first,
        externalId: group.externalId,
        attribute: 'externalId',
        column: this.columnOf.get('externalId'),
        rule: 'duplicate-externalId',
        message: `externalId also appears on line${group.lines.length > 2 ? 's' : ''} ${group.lines.slice(1).join(', ')}; both rows are rejected`,
      });
      if (group.firstWasValid) {
        withdrawn.push(group.externalId);
        this.valid--;
        this.rejected++;
      }
    }
    return {
      valid: this.valid,
      rejected: this.rejected,
      errors: this.errors,
      warnings: this.warnings.list,
      duplicateIds: this.tracker.duplicatedCount,
      withdrawn,
    };
  }

  private report(p: Problem): void {
    if (p.severity === 'error') {
      this.errors++;
      this.onProblem(p);
      return;
    }
    if (this.warnings.repeat(p.rule, p.attribute)) return;
    this.warnings.first(p);
    this.onProblem(p);
  }
}

// Warnings by rule and attribute, in the order each kind first occurred.
class WarningTally {
  readonly list: WarningCount[] = [];
  private readonly byRule = new Map<string, Map<string, WarningCount>>();

  /** Counts another occurrence of a kind already seen; false when the kind is new. */
  repeat(rule: string, attribute: string | undefined): boolean {
    const seen = this.byRule.get(rule)?.get(attribute ?? '');
    if (seen === undefined) return false;
    seen.count++;
    return true;
  }

  first(p: Problem): void {
    let byAttribute = this.byRule.get(p.rule);
    if (byAttribute === undefined) this.byRule.set(p.rule, (byAttribute = new Map()));
    const count: WarningCount = { rule: p.rule, attribute: p.attribute, count: 1, first: p };
    byAttribute.set(p.attribute ?? '', count);
    this.list.push(count);
  }
}

function hasError(issues: readonly (RecordIssue | MapProblem)[]): boolean {
  for (const i of issues) if (i.severity === undefined || i.severity === 'error') return true;
  return false;
}

function defectProblem(file: string, line: number, d: RowDefect): Problem {
  return { severity: 'error', file, line, column: d.column, rule: d.rule, message: d.message };
}

function mapProblem(file: string, line: number, externalId: string | undefined, mp: MapProblem): Problem {
  return { severity: mp.severity ?? 'error', file, line, externalId, column: mp.column, attribute: mp.attribute, rule: mp.rule, message: mp.message };
}

function issueProblem(file: string, line: number, externalId: string | undefined, issue: RecordIssue, columnOf: ReadonlyMap<string, string>): Problem {
  return {
    severity: issue.severity,
    file,
    line,
    externalId,
    column: columnOf.get(issue.attribute),
    attribute: issue.attribute,
    rule: issue.rule,
    message: issue.message,
  };
}

// The single source column of each attribute, so record-level issues can name a column.
function columnIndex(attributes: readonly AttributeInfo[]): Map<string, string> {
  const byPath = new Map<string, string>();
  for (const a of attributes) {
    if (a.columns.length === 1) byPath.set(a.path, a.columns[0] as string);
  }
  return byPath;
}
