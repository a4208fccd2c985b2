// Extract → validated SCIM operations → BulkRequests: the engine behind `validate`,
// `preview`, `sync` and the ingest stage. One streaming pass reads, maps, validates and
// spools each row; duplicates found on the way withdraw earlier rows; then the spool is
// batched. A bad row is reported and never stops the good ones.
import type { Extract, RowDefect } from '../extract/types.js';
import type { Mapping, MapProblem } from '../mapping/types.js';
import { BulkBatcher, ByteBatcher, DEFAULT_BATCH_LIMITS, checkBatchLimits, operationFits, serializeOperation } from '../scim/bulk.js';
import type { BatchLimits, BulkBatch } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { validateUser } from '../scim/validate.js';
import type { RecordIssue } from '../scim/validate.js';
import { DuplicateTracker } from './duplicates.js';
import type { OperationSpool, RecordBlockSource } from './spool.js';
import { RECORD_HEADER } from './spool-records.js';

export interface ScanOptions {
  /** Where valid operations wait for batching. */
  spool: OperationSpool;
  /** Called for every error, and for the first of each kind of warning (see ScanResult.warnings). */
  onProblem: (problem: Problem) => void;
  /** Read at most this many data rows. */
  limit?: number;
  limits?: BatchLimits;
}

/** How often one kind of warning occurred; only its first occurrence is reported in full. */
export interface WarningCount {
  rule: string;
  attribute?: string;
  count: number;
  first: Problem;
}

export interface ScanResult {
  file: string;
  format: Extract['format'];
  encoding: Extract['encoding'];
  delimiter?: Extract['delimiter'];
  /** Data rows read. */
  rows: number;
  /** Rows that will be sent (after duplicates are withdrawn). */
  valid: number;
  /** Rows rejected, each counted once however many problems it has. */
  rejected: number;
  /** Error problems reported. */
  errors: number;
  warnings: WarningCount[];
  /** externalIds that appear on more than one row. */
  duplicateIds: number;
  /** JSON sources: mapped columns that no row had. */
  unseenColumns: string[];
  /** Whether the scan stopped at `limit` before the end of the file. */
  truncated: boolean;
  /** externalIds withdrawn after being spooled; skip them when reading the spool. */
  withdrawn: ReadonlySet<string>;
}

/** Reads every row of an extract through the mapping and validation, spooling valid operations. */
export async function scanExtract(extract: Extract, mapping: Mapping, options: ScanOptions): Promise<ScanResult> {
  const limits = checkBatchLimits(options.limits ?? DEFAULT_BATCH_LIMITS);
  const mapper = mapping.bind(extract.columns, extract.file);
  const columnOf = columnIndex(mapping);
  const tracker = new DuplicateTracker();
  const warnings = new WarningTally();
  const file = extract.file;
  const limit = options.limit ?? Infinity;
  let rows = 0;
  let valid = 0;
  let rejected = 0;
  let errors = 0;
  let truncated = false;

  const report = (p: Problem): void => {
    if (p.severity === 'error') {
      errors++;
      options.onProblem(p);
      return;
    }
    if (warnings.repeat(p.rule, p.attribute)) return;
    warnings.first(p);
    options.onProblem(p);
  };

  for await (const row of extract.rows) {
    if (rows >= limit) {
      truncated = true;
      break;
    }
    rows++;
    const line = row.line;
    if (row.defect !== undefined) {
      rejected++;
      report(defectProblem(file, line, row.defect));
      continue;
    }

    const { user, problems } = mapper.map(row.fields);
    const issues = validateUser(user);
    const externalId = typeof user.externalId === 'string' && user.externalId.length > 0 ? user.externalId : undefined;
    let bad = problems.length > 0 || hasError(issues);
    let json: string | undefined;
    if (!bad) {
      json = serializeOperation(user);
      if (!operationFits({ externalId: externalId as string, line, json }, limits)) {
        bad = true;
        report({ severity: 'error', file, line, externalId, rule: 'record-too-large', message: `the record is larger than the request size cap of ${limits.maxBytes} bytes` });
      }
    }
    const firstLine = externalId === undefined ? undefined : tracker.see(externalId, line, !bad);

    for (const mp of problems) report(mapProblem(file, line, externalId, mp));
    for (const issue of issues) {
      // A warning seen before is only counted: no Problem is built for it.
      if (issue.severity === 'warning' && warnings.repeat(issue.rule, issue.attribute)) continue;
      report(issueProblem(file, line, externalId, issue, columnOf));
    }
    if (firstLine !== undefined) {
      report({
        severity: 'error', file, line, externalId, attribute: 'externalId', column: columnOf.get('externalId'),
        rule: 'duplicate-externalId', message: `externalId also appears on line ${firstLine}; both rows are rejected`,
      });
      bad = true;
    }

    if (bad) {
      rejected++;
      continue;
    }
    valid++;
    const pending = options.spool.write({ externalId: externalId as string, line, json: json as string });
    if (pending !== undefined) await pending;
  }

  const withdrawn = new Set<string>();
  for (const group of tracker.groups()) {
    const first = group.lines[0] as number;
    report({
      severity: 'error', file, line: first, externalId: group.externalId, attribute: 'externalId', column: columnOf.get('externalId'),
      rule: 'duplicate-externalId', message: `externalId also appears on line${group.lines.length > 2 ? 's' : ''} ${group.lines.slice(1).join(', ')}; both rows are rejected`,
    });
    if (group.firstWasValid) {
      withdrawn.add(group.externalId);
      valid--;
      rejected++;
    }
  }

  return {
    file, format: extract.format, encoding: extract.encoding, delimiter: extract.delimiter,
    rows, valid, rejected, errors, warnings: warnings.list, duplicateIds: tracker.duplicatedCount,
    unseenColumns: mapper.unseenColumns(), truncated, withdrawn,
  };
}

/** Batches what a scan spooled into BulkRequests, leaving out withdrawn records. */
export async function* batchSpool(spool: OperationSpool, withdrawn: ReadonlySet<string>, limits: BatchLimits = DEFAULT_BATCH_LIMITS): AsyncGenerator<BulkBatch> {
  if (hasBlocks(spool)) {
    yield* batchBlocks(spool, withdrawn, limits);
    return;
  }
  const batcher = new BulkBatcher(limits);
  for await (const op of spool.read()) {
    if (withdrawn.size > 0 && withdrawn.has(op.externalId)) continue;
    const closed = batcher.add(op);
    if (closed !== undefined) yield closed;
  }
  const last = batcher.flush();
  if (last !== undefined) yield last;
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

function hasBlocks(spool: OperationSpool): spool is OperationSpool & RecordBlockSource {
  return typeof (spool as Partial<RecordBlockSource>).blocks === 'function';
}

// Requests straight from the spool's bytes: only each record's externalId is decoded.
async function* batchBlocks(spool: RecordBlockSource, withdrawn: ReadonlySet<string>, limits: BatchLimits): AsyncGenerator<BulkBatch> {
  const batcher = new ByteBatcher(limits);
  const check = withdrawn.size > 0;
  for await (const block of spool.blocks()) {
    const end = block.length;
    for (let at = 0; at < end;) {
      const idStart = at + RECORD_HEADER;
      const jsonStart = idStart + block.readUInt32LE(at + 4);
      const jsonEnd = jsonStart + block.readUInt32LE(at + 8);
      const externalId = block.toString('utf8', idStart, jsonStart);
      if (!check || !withdrawn.has(externalId)) {
        const batch = batcher.add(externalId, block.readUInt32LE(at), block, jsonStart, jsonEnd);
        if (batch !== undefined) yield batch;
      }
      at = jsonEnd;
    }
  }
  const last = batcher.flush();
  if (last !== undefined) yield last;
}

function hasError(issues: readonly RecordIssue[]): boolean {
  for (const i of issues) if (i.severity === 'error') return true;
  return false;
}

function defectProblem(file: string, line: number, d: RowDefect): Problem {
  return { severity: 'error', file, line, column: d.column, rule: d.rule, message: d.message };
}

function mapProblem(file: string, line: number, externalId: string | undefined, mp: MapProblem): Problem {
  return { severity: 'error', file, line, externalId, column: mp.column, attribute: mp.attribute, rule: mp.rule, message: mp.message };
}

function issueProblem(file: string, line: number, externalId: string | undefined, issue: RecordIssue, columnOf: ReadonlyMap<string, string>): Problem {
  return {
    severity: issue.severity, file, line, externalId, column: columnOf.get(issue.attribute),
    attribute: issue.attribute, rule: issue.rule, message: issue.message,
  };
}

// The single source column of each attribute, so record-level issues can name a column.
function columnIndex(mapping: Mapping): Map<string, string> {
  const byPath = new Map<string, string>();
  for (const a of mapping.attributes) {
    if (a.columns.length === 1) byPath.set(a.path, a.columns[0] as string);
  }
  return byPath;
}
