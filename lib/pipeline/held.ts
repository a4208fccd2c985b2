// A person's decisions about the nightly run, from a workstation: approve a held run (it is sent
// as it was planned: disables first, managers first), discard it (it ends unsent), or ask that a
// source's next run send everyone (after the provisioning app's attribute mappings changed).
import type { DateClock } from '../core/clock.js';
import { adoptRun } from '../delta/nightly.js';
import { sendOrder } from '../delta/order.js';
import { MAX_OPERATIONS_PER_REQUEST } from '../scim/schemas.js';
import { nextAttempt, requestBatches } from './messages.js';
import type { LedgerRecord, OperationQueue, PipelineLedger, ReportSink, RunRecord } from './ports.js';
import type { RunReport } from './report.js';
import { writeRunReport } from './run-report.js';

export interface DecisionDeps {
  ledger: PipelineLedger;
  queue: Pick<OperationQueue, 'send'>;
  reports: ReportSink;
  clock: DateClock;
}

/** Why a decision could not be taken: the run is not held (or does not exist). */
export class DecisionError extends Error {
  override readonly name = 'DecisionError';
}

async function heldRun(ledger: PipelineLedger, runId: string): Promise<RunRecord> {
  const run = await ledger.getRun(runId);
  if (run === undefined) throw new DecisionError(`no run ${runId} in the ledger; "hrsync status" lists the runs`);
  if (run.state !== 'held') {
    const why = run.decision === undefined ? '' : ` (${run.decision.kind} at ${run.decision.at})`;
    throw new DecisionError(`run ${runId} is ${run.state}${why}, not held: only a held run can be approved or discarded`);
  }
  if (run.mode === 'sync')
    throw new DecisionError(`run ${runId} was held by "hrsync sync", which sends nothing afterwards: run the sync again with --approve once the numbers are checked`);
  return run;
}

/** Sends a held run as it was planned; returns how many records were queued. */
export async function approveRun(deps: DecisionDeps, runId: string, by?: string): Promise<{ run: RunRecord; queued: number }> {
  const run = await heldRun(deps.ledger, runId);
  // Records first, the run's state last: until then reconcile leaves the run alone, and an approval
  // cut short is finished by approving again. Once the run sends, reconcile gives any queued record
  // without a message its message, so a crash after that point loses nothing either.
  const queued: LedgerRecord[] = [];
  for await (const r of deps.ledger.listRecords(runId, 'held')) {
    const t = await deps.ledger.transition(runId, r.externalId, { type: 'approved' }, { seen: r });
    if (t !== undefined) queued.push(r);
  }
  // Records an earlier, interrupted approval already moved.
  const moved = new Set(queued.map((r) => r.externalId));
  for await (const r of deps.ledger.listRecords(runId, 'queued')) if (!moved.has(r.externalId) && !r.enqueued) queued.push(r);
  const at = deps.clock.now().toISOString();
  if (!(await deps.ledger.decideHeld(runId, { kind: 'approved', at, ...(by === undefined ? {} : { by }) })))
    throw new DecisionError(`run ${runId} changed while it was being approved; look at it again with "hrsync status ${runId}"`);
  // In request-sized batches, each marked enqueued once its message is on the queue.
  const ordered = sendOrder(queued);
  for (let i = 0; i < ordered.length; i += MAX_OPERATIONS_PER_REQUEST) {
    const batch = ordered.slice(i, i + MAX_OPERATIONS_PER_REQUEST);
    for (const text of requestBatches(batch.map(nextAttempt))) await deps.queue.send(text);
    await deps.ledger.markEnqueued(
      runId,
      batch.map((r) => r.externalId),
    );
  }
  await adoptRun(deps.ledger, { name: run.source, kind: run.kind }, runId, run.rows ?? 0, run.plan);
  return { run: { ...run, state: 'ingested' }, queued: queued.length };
}

/** Ends a held run unsent; its records stay `held`. Returns its final report. */
export async function discardRun(deps: DecisionDeps, runId: string, by?: string): Promise<RunReport> {
  const run = await heldRun(deps.ledger, runId);
  const at = deps.clock.now().toISOString();
  if (!(await deps.ledger.decideHeld(runId, { kind: 'discarded', at, ...(by === undefined ? {} : { by }) })))
    throw new DecisionError(`run ${runId} changed while it was being discarded; look at it again with "hrsync status ${runId}"`);
  await deps.ledger.setSourceState(run.source, { heldRunId: '' }, { heldRunId: runId });
  const ended = await deps.ledger.getRun(runId);
  return writeRunReport(deps.ledger, deps.reports, ended ?? { ...run, state: 'discarded' }, at);
}

/** Asks that the source's next run send everyone it lists, changed or not. */
export async function requestResend(ledger: Pick<PipelineLedger, 'setSourceState'>, source: string, at: Date): Promise<string> {
  const when = at.toISOString();
  await ledger.setSourceState(source, { resendRequestedAt: when });
  return when;
}
