// Where a run stands, from the ledger alone: what `hrsync status <runId>` prints while a run is
// still moving, before its report exists — and for a held run, which thresholds held it.
import type { ApiGate, GateView } from '../provisioning/gate.js';
import type { PipelineLedger, RecordState, RejectedRow, RunRecord, RunRequest } from './ports.js';
import { callsOf, nextSteps, reportState, tallyRecords } from './report.js';
import type { RecordTally, RunReport } from './report.js';

export interface RunStatus {
  run: RunRecord;
  counts: Record<RecordState, number>;
  created: number;
  updated: number;
  disabledWhy: RecordTally['disabledWhy'];
  /** Queued records sent back after a retryable failure (a later attempt is due). */
  retrying: number;
  /** Queued records held until their manager is final. */
  waitingForManager: number;
  requests: { total: number; accepted: number };
  rejectedTotal: number;
  /** The first `limit` rejected rows, by line. */
  rejected: RejectedRow[];
  deadLetteredTotal: number;
  /** The first `limit` dead-lettered records, by line. */
  deadLettered: RunReport['deadLettered'];
  disabledTotal: number;
  /** The first `limit` disabled people, by line. */
  disabled: RunReport['disabled'];
  /** What a person should do about it. */
  nextSteps: string[];
  /** The daily budget, the job and any pause, when the run still has records to send and the gate was given. */
  api?: GateView;
}

type StatusLedger = Pick<PipelineLedger, 'getRun' | 'listRecordSummaries' | 'listRejected' | 'listRequests'>;

/** What a run's queued records wait for besides the gate: their manager, or the time of their retry. */
export interface QueuedBreakdown {
  queued: number;
  /** Held until their manager is final. */
  waitingForManager: number;
  /** Sent back after a retryable failure; a retry draws on the budget's reserve. */
  retrying: number;
  /** Disables, which also draw on the reserve. */
  disables: number;
  /** Creates and updates free to go once the gate lets them. */
  ready: number;
}

const NO_QUEUED: QueuedBreakdown = { queued: 0, waitingForManager: 0, retrying: 0, disables: 0, ready: 0 };

/** Splits a run's queued records by what they wait for (summaries only: a big run's payloads stay in storage). */
export async function queuedBreakdown(ledger: Pick<PipelineLedger, 'listRecordSummaries'>, runId: string): Promise<QueuedBreakdown> {
  const b = { ...NO_QUEUED };
  for await (const r of ledger.listRecordSummaries(runId, 'queued')) {
    b.queued++;
    if (r.waitingFor !== undefined) b.waitingForManager++;
    else if (r.lastErrorCode !== undefined) b.retrying++;
    else if (r.intent === 'disable') b.disables++;
    else b.ready++;
  }
  return b;
}

/** The run's state and counts, and its first problems; undefined when the ledger has no such run. */
export async function runStatus(ledger: StatusLedger, runId: string, limit = 50, gate?: Pick<ApiGate, 'view'>): Promise<RunStatus | undefined> {
  const run = await ledger.getRun(runId);
  if (run === undefined) return undefined;
  const tally = await tallyRecords(ledger.listRecordSummaries(runId));
  const { retrying, waitingForManager } = tally.counts.queued > 0 ? await queuedBreakdown(ledger, runId) : NO_QUEUED;
  const rejected: RejectedRow[] = [];
  let rejectedTotal = 0;
  for await (const row of ledger.listRejected(runId)) {
    rejectedTotal++;
    if (rejected.length < limit) rejected.push(row);
  }
  rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const requests: RunRequest[] = [];
  for await (const q of ledger.listRequests(runId)) requests.push(q);
  const c = tally.counts;
  const state = reportState(run);
  const steps = nextSteps({
    runId,
    source: run.source,
    state,
    counts: { rejected: run.rejected ?? 0, deadLettered: c['dead-lettered'], open: 0 },
    ...(run.unusable === undefined ? {} : { unusable: run.unusable }),
    ...(run.plan === undefined ? {} : { plan: run.plan }),
    ...(run.held === undefined ? {} : { held: run.held }),
  });
  const api = gate !== undefined && c.queued > 0 ? await gate.view() : undefined;
  return {
    ...(api === undefined ? {} : { api }),
    run,
    counts: c,
    created: tally.created,
    updated: tally.updated,
    disabledWhy: tally.disabledWhy,
    retrying,
    waitingForManager,
    requests: { total: callsOf(requests), accepted: requests.filter((q) => q.status === 'accepted').length },
    rejectedTotal,
    rejected,
    deadLetteredTotal: tally.deadLettered.length,
    deadLettered: tally.deadLettered.slice(0, limit),
    disabledTotal: tally.disabled.length,
    disabled: tally.disabled.slice(0, limit),
    nextSteps: steps,
  };
}
