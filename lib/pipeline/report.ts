// The run report: JSON for machines, and a CSV of the problems (line, externalId, reason) an
// HR analyst can open. It names rows by line and externalId only; the reasons are the
// validator's and the service's words.
import { stringify } from 'csv-stringify/sync';
import type { LedgerRecord, RecordState, RejectedRow, RunRecord } from './ports.js';

export interface RunReport {
  runId: string;
  file: string;
  startedAt: string;
  ingestedAt?: string;
  endedAt: string;
  rows: number;
  counts: { valid: number; rejected: number; confirmed: number; skipped: number; deadLettered: number };
  rejected: RejectedRow[];
  deadLettered: Array<{ line: number; externalId: string; attempts: number; errorCode?: string; reason?: string }>;
}

/** Builds the report of a finished run from the ledger's rows. */
export function buildRunReport(run: RunRecord, counts: Record<RecordState, number>, rejected: RejectedRow[], deadLettered: LedgerRecord[], endedAt: string): RunReport {
  return {
    runId: run.runId,
    file: run.file,
    startedAt: run.startedAt,
    ...(run.ingestedAt === undefined ? {} : { ingestedAt: run.ingestedAt }),
    endedAt,
    rows: run.rows ?? 0,
    counts: { valid: run.valid ?? 0, rejected: run.rejected ?? 0, confirmed: counts.confirmed, skipped: counts.skipped, deadLettered: counts['dead-lettered'] },
    rejected: [...rejected].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    deadLettered: deadLettered
      .map((r) => ({ line: r.line, externalId: r.externalId, attempts: r.attempts, ...(r.lastErrorCode === undefined ? {} : { errorCode: r.lastErrorCode }), ...(r.lastReason === undefined ? {} : { reason: r.lastReason }) }))
      .sort((a, b) => a.line - b.line),
  };
}

/** The problems of a run as CSV: one line per rejected row problem or dead-lettered record. */
export function reportCsv(report: RunReport): string {
  const rows: string[][] = [['line', 'externalId', 'outcome', 'rule or code', 'column', 'reason']];
  for (const r of report.rejected) rows.push([r.line === undefined ? '' : String(r.line), r.externalId ?? '', 'rejected', r.rule, r.column ?? '', r.message]);
  for (const d of report.deadLettered) rows.push([String(d.line), d.externalId, 'dead-lettered', d.errorCode ?? '', '', d.reason ?? '']);
  // A BOM so Excel opens the UTF-8 file with accents intact.
  return `\uFEFF${stringify(rows, { record_delimiter: 'windows' })}`;
}
