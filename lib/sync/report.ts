// A direct sync's report, built from where its records ended in the record book and what was
// sent, and the line and event that close the sync.
import type { ScanResult } from '../convert/convert.js';
import type { ManagerDropped } from '../delta/managers.js';
import type { OutcomeTally } from '../delta/guard.js';
import type { HeldThreshold } from '../ledger/types.js';
import type { GateClosedError } from '../provisioning/errors.js';
import type { Logger } from '../core/logger.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';
import type { RecordBook, SyncRecord } from './record-book.js';
import type { RecordSummary, SyncReport } from './types.js';

/** What the report is built from besides the record book. */
export interface ReportInput {
  scan: ScanResult;
  book: RecordBook;
  /** The run is mirrored into the ledger: its records left open were ended, and those endings are not failures. */
  ledgerBacked: boolean;
  sent: { requests: number; uploaded: number; resent: number; firstUploadAt?: number };
  lastOutcomeAt: number | undefined;
  /** Open and deferred records as they were before the sync ended them. */
  notConfirmed: RecordSummary[];
  deferred: RecordSummary[];
  /** Reports sent without the reference to a manager rejected in this extract. */
  dropped: readonly ManagerDropped[];
  ledger: SyncReport['ledger'];
  outcomes: OutcomeTally;
  stopped: HeldThreshold | undefined;
  gateClosed: Pick<GateClosedError, 'why' | 'detail' | 'until'> | undefined;
  startedAt: number;
  finishedAt: number;
}

/** Codes of records the sync itself ended (not sent, not confirmed in time): the next run sends them, they did not fail. */
const ENDED_BY_THE_SYNC = ['NotConfirmed', 'DeferredForBudget', 'JobNotActive'];

/** The sync's report. */
export function buildReport(input: ReportInput): SyncReport {
  const { book, ledger, stopped, gateClosed, deferred } = input;
  const { withdrawn: _withdrawn, ...scan } = input.scan;
  const tally = book.tally();
  return {
    scan,
    requests: input.sent.requests,
    uploaded: input.sent.uploaded,
    resent: input.sent.resent,
    confirmed: tally.confirmed,
    disabled: tally.disabled,
    confirmedWithWarning: book.inState('confirmed').filter((r) => r.outcome?.status === 'warning').length,
    skipped: tally.skipped,
    failed: book
      .inState('dead-lettered')
      .filter((r) => !input.ledgerBacked || !ENDED_BY_THE_SYNC.includes(r.errorCode ?? ''))
      .map(recordSummary),
    notConfirmed: input.notConfirmed,
    deferred,
    withoutManager: [
      ...input.dropped.map((d) => ({
        externalId: d.externalId,
        line: d.line,
        manager: d.managerId,
        state: book.get(d.externalId)?.state ?? (ledger?.holding === true ? 'held' : 'unchanged'),
      })),
      ...book.withoutManager().map((r) => ({ externalId: r.externalId, line: r.line, manager: r.withoutManager as string, state: r.state })),
    ].sort((a, b) => a.line - b.line),
    outcomes: { ...input.outcomes },
    ...(stopped === undefined ? {} : { stopped }),
    held: stopped === undefined ? [] : book.inState('held').map(recordSummary),
    ...(gateClosed === undefined || deferred.length === 0
      ? {}
      : {
          deferredWhy: { why: gateClosed.why, detail: gateClosed.detail, ...(Number.isFinite(gateClosed.until) ? { until: new Date(gateClosed.until).toISOString() } : {}) },
        }),
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(input.finishedAt).toISOString(),
    ...(input.sent.firstUploadAt === undefined ? {} : { firstUploadAt: new Date(input.sent.firstUploadAt).toISOString() }),
    ...(input.lastOutcomeAt === undefined ? {} : { lastOutcomeAt: new Date(input.lastOutcomeAt).toISOString() }),
    ...(ledger === undefined ? {} : { ledger }),
  };
}

/** Logs the sync's end and emits its event: counts and ids only. */
export function announceFinished(report: SyncReport, logger: Logger): void {
  const counts = {
    requests: report.requests,
    uploaded: report.uploaded,
    resent: report.resent,
    confirmed: report.confirmed,
    skipped: report.skipped,
    failed: report.failed.length,
    notConfirmed: report.notConfirmed.length,
    deferred: report.deferred.length,
    held: report.held.length,
    rejected: report.scan.rejected,
  };
  logger.info('Sync finished', counts);
  emitEvent(EVENTS.syncFinished, { runId: report.ledger?.runId, source: report.ledger?.source, ...counts });
}

/** One record as the report lists it. */
export function recordSummary(r: SyncRecord): RecordSummary {
  return {
    externalId: r.externalId,
    line: r.line,
    attempts: r.attempts,
    ...(r.errorCode === undefined ? {} : { errorCode: r.errorCode }),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.outcome?.retryable === undefined ? {} : { retryable: r.outcome.retryable }),
    ...(r.lastRequestId === undefined ? {} : { requestId: r.lastRequestId }),
  };
}
