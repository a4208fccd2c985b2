// Where a run stands, from the ledger alone: what `hrsync status <runId>` prints while a run
// is still moving, before its report exists.
import type { LedgerRecord, PipelineLedger, RecordState, RejectedRow, RunRecord } from './ports.js';

export interface RunStatus {
  run: RunRecord;
  counts: Record<RecordState, number>;
  /** Queued records sent back after a retryable failure (a later attempt is due). */
  retrying: number;
  /** Queued records held until their manager is final. */
  waitingForManager: number;
  rejectedTotal: number;
  /** The first `limit` rejected rows, by line. */
  rejected: RejectedRow[];
  deadLetteredTotal: number;
  /** The first `limit` dead-lettered records, by line. */
  deadLettered: Array<Pick<LedgerRecord, 'line' | 'externalId' | 'attempts' | 'lastErrorCode' | 'lastReason'>>;
}

type StatusLedger = Pick<PipelineLedger, 'getRun' | 'countByState' | 'listRecords' | 'listRejected'>;

/** The run's state and counts, and its first problems; undefined when the ledger has no such run. */
export async function runStatus(ledger: StatusLedger, runId: string, limit = 50): Promise<RunStatus | undefined> {
  const run = await ledger.getRun(runId);
  if (run === undefined) return undefined;
  const counts = await ledger.countByState(runId);
  let retrying = 0;
  let waitingForManager = 0;
  if (counts.queued > 0) {
    for await (const r of ledger.listRecords(runId, 'queued')) {
      if (r.waitingFor !== undefined) waitingForManager++;
      else if (r.lastErrorCode !== undefined) retrying++;
    }
  }
  const rejected: RejectedRow[] = [];
  let rejectedTotal = 0;
  for await (const row of ledger.listRejected(runId)) {
    rejectedTotal++;
    if (rejected.length < limit) rejected.push(row);
  }
  const dead: RunStatus['deadLettered'] = [];
  for await (const r of ledger.listRecords(runId, 'dead-lettered')) {
    dead.push({ line: r.line, externalId: r.externalId, attempts: r.attempts, ...(r.lastErrorCode === undefined ? {} : { lastErrorCode: r.lastErrorCode }), ...(r.lastReason === undefined ? {} : { lastReason: r.lastReason }) });
  }
  dead.sort((a, b) => a.line - b.line);
  rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { run, counts, retrying, waitingForManager, rejectedTotal, rejected, deadLetteredTotal: dead.length, deadLettered: dead.slice(0, limit) };
}
