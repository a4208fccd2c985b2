// Stage 3, behind the timer: reads the provisioning logs since the last checkpoint and gives
// each submitted record its outcome — confirmed, skipped, resent (retryable failure, or no log
// entry within the confirm timeout) or dead-lettered with the service's reason. Poisoned
// messages are dead-lettered with the reason upload kept. A run whose records are all final
// gets its report (JSON + CSV) and a completion event, once.
import { outcomeOf } from '../provisioning/outcomes.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';
import { decodeMessage, nextAttemptMessage } from './messages.js';
import type { LedgerRecord, ReconcileDeps, RunRecord } from './ports.js';
import { forEachLimit } from './parallel.js';
import { buildRunReport, reportCsv } from './report.js';
import type { RunReport } from './report.js';

export interface ReconcileOptions {
  maxAttempts: number;
  confirmTimeoutMinutes: number;
  /** How far behind the checkpoint each log read starts, since entries become visible late. */
  logLagMinutes: number;
  /** Tolerated difference between our clock and the service's activity times. */
  clockSkewSeconds: number;
  /** First resend delay; doubles per attempt, capped at one hour. */
  retryBaseSeconds: number;
  /** Poison messages read per run of reconcile. */
  maxPoisonMessages: number;
  /** People whose log entries are applied to the ledger at once. */
  parallelism: number;
}

export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = {
  maxAttempts: 5, confirmTimeoutMinutes: 60, logLagMinutes: 15, clockSkewSeconds: 5, retryBaseSeconds: 60, maxPoisonMessages: 1000, parallelism: 16,
};

export interface ReconcileSummary {
  confirmed: number;
  skipped: number;
  resent: number;
  deadLettered: number;
  completedRuns: string[];
}

/** One pass of reconciliation over every open run. */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions = DEFAULT_RECONCILE_OPTIONS): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { confirmed: 0, skipped: 0, resent: 0, deadLettered: 0, completedRuns: [] };
  const runs = await deps.ledger.listOpenRuns();
  if (runs.length === 0) return summary;
  const now = (): string => deps.clock.now().toISOString();

  await readPoison(deps, options, summary, now);

  // Submitted records of every open run, by externalId (one person can be in two runs at once).
  const submitted = new Map<string, LedgerRecord[]>();
  for (const run of runs) {
    for await (const r of deps.ledger.listRecords(run.runId, 'submitted')) submitted.set(r.externalId, [...(submitted.get(r.externalId) ?? []), r]);
  }

  if (submitted.size > 0) await readLogs(deps, options, submitted, summary, now, runs);

  // Records submitted long ago that the logs never mentioned: send again, or give up.
  const timeoutMs = options.confirmTimeoutMinutes * 60_000;
  for (const records of submitted.values()) {
    for (const r of records) {
      if (r.state !== 'submitted' || r.lastSubmittedAt === undefined) continue;
      if (deps.clock.now().getTime() - Date.parse(r.lastSubmittedAt) < timeoutMs) continue;
      const why = { errorCode: 'NotInLogs', reason: `no provisioning log entry within ${options.confirmTimeoutMinutes} minutes of the upload` };
      await retryOrGiveUp(deps, options, r, why, summary, now);
    }
  }

  await healUnsent(deps, runs);
  for (const run of runs) await completeIfFinal(deps, run, summary, now);
  if (summary.confirmed + summary.skipped + summary.resent + summary.deadLettered > 0 || summary.completedRuns.length > 0) {
    deps.logger.info('Reconcile pass', { confirmed: summary.confirmed, skipped: summary.skipped, resent: summary.resent, deadLettered: summary.deadLettered, completedRuns: summary.completedRuns });
  }
  return summary;
}

async function readLogs(deps: ReconcileDeps, options: ReconcileOptions, submitted: Map<string, LedgerRecord[]>, summary: ReconcileSummary, now: () => string, runs: RunRecord[]): Promise<void> {
  const checkpoint = await deps.ledger.getCheckpoint();
  const earliest = Math.min(...runs.map((r) => Date.parse(r.startedAt)));
  const from = checkpoint === undefined ? earliest : Math.max(earliest, Date.parse(checkpoint));
  const since = new Date(from - options.logLagMinutes * 60_000 - options.clockSkewSeconds * 1000);
  const outcomes: RecordOutcome[] = [];
  for await (const entry of deps.client.queryProvisioningLogs({ since })) {
    const o = outcomeOf(entry);
    if (o !== undefined && submitted.has(o.externalId)) outcomes.push(o);
  }
  outcomes.sort((a, b) => Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime));
  let newest = checkpoint === undefined ? undefined : Date.parse(checkpoint);
  // Each person's entries in time order; different people at once (a pass can hold thousands).
  const byPerson = new Map<string, RecordOutcome[]>();
  for (const o of outcomes) {
    const at = Date.parse(o.activityDateTime);
    if (newest === undefined || at > newest) newest = at;
    byPerson.set(o.externalId, [...(byPerson.get(o.externalId) ?? []), o]);
  }
  await forEachLimit(byPerson.values(), options.parallelism, async (entries) => {
    for (const o of entries) await applyOutcome(deps, options, submitted, o, summary, now);
  });
  if (newest !== undefined) await deps.ledger.setCheckpoint(new Date(newest).toISOString());
}

async function applyOutcome(deps: ReconcileDeps, options: ReconcileOptions, submitted: Map<string, LedgerRecord[]>, o: RecordOutcome, summary: ReconcileSummary, now: () => string): Promise<void> {
  const at = Date.parse(o.activityDateTime);
  // The entry belongs to the latest submission made before it.
  const record = (submitted.get(o.externalId) ?? [])
    .filter((r) => r.state === 'submitted' && r.lastSubmittedAt !== undefined && Date.parse(r.lastSubmittedAt) - options.clockSkewSeconds * 1000 <= at
      // An entry at or before the outcome that sent the record back is about the earlier attempt.
      && (r.lastOutcomeAt === undefined || at > Date.parse(r.lastOutcomeAt)))
    .sort((a, b) => Date.parse(b.lastSubmittedAt ?? '') - Date.parse(a.lastSubmittedAt ?? ''))[0];
  if (record === undefined) return;
  if (o.status === 'success' || o.status === 'warning' || (o.status === 'skipped' && o.category !== 'out-of-scope')) {
    const state = o.status === 'skipped' ? 'skipped' : 'confirmed';
    // The record as listed: the write is conditional on that version, with no second read.
    if (await deps.ledger.finish(record.runId, record.externalId, { state, at: o.activityDateTime }, record)) {
      summary[state === 'skipped' ? 'skipped' : 'confirmed']++;
    }
    record.state = state;
    return;
  }
  const why = { errorCode: o.errorCode ?? o.status, reason: o.reason ?? `the provisioning log reported ${o.status}` };
  if (o.retryable === true) await retryOrGiveUp(deps, options, record, why, summary, () => o.activityDateTime, o.category === 'reference-pending');
  else await deadLetter(deps, record, why, summary, now);
}

// `at` is the time of the outcome that sends the record back: the log entry's, or now for a timeout.
// `referencePending`: the failure was a reference (the manager) the service could not resolve yet.
async function retryOrGiveUp(deps: ReconcileDeps, options: ReconcileOptions, r: LedgerRecord, why: { errorCode: string; reason: string }, summary: ReconcileSummary, at: () => string, referencePending = false): Promise<void> {
  if (r.attempts >= options.maxAttempts) {
    await deadLetter(deps, r, { errorCode: why.errorCode, reason: `${why.reason} (gave up after ${r.attempts} attempts)` }, summary, () => deps.clock.now().toISOString());
    return;
  }
  const manager = await managerInRun(deps, r);
  if (referencePending && manager?.state === 'dead-lettered') {
    await deadLetter(deps, r, managerGone(why, manager), summary, () => deps.clock.now().toISOString());
    return;
  }
  const waitFor = manager === undefined ? undefined : await openManager(deps, r, manager);
  if (!(await deps.ledger.requeue(r.runId, r.externalId, { ...why, at: at() }, waitFor === undefined ? {} : { waitFor }))) return;
  r.state = 'queued';
  if (waitFor !== undefined) {
    // Sent again once its manager is final (healUnsent), not on a timer: a report resent
    // before its manager exists fails again, and one early race would cascade down the tree.
    summary.resent++;
    return;
  }
  const delay = Math.min(3600, options.retryBaseSeconds * 2 ** Math.max(0, r.attempts - 1));
  await deps.queue.send(nextAttemptMessage(r), { visibilityTimeoutSeconds: delay });
  await deps.ledger.markEnqueued(r.runId, [r.externalId]);
  summary.resent++;
}

async function deadLetter(deps: ReconcileDeps, r: LedgerRecord, why: { errorCode: string; reason: string }, summary: ReconcileSummary, now: () => string): Promise<void> {
  if (await deps.ledger.finish(r.runId, r.externalId, { state: 'dead-lettered', at: now(), ...why })) summary.deadLettered++;
  r.state = 'dead-lettered';
}

// Messages the host gave up on: their records end dead-lettered with the reason upload noted.
// The messages stay in the poison queue (hidden a while) so `hrsync replay --poison` can still move them back.
async function readPoison(deps: ReconcileDeps, options: ReconcileOptions, summary: ReconcileSummary, now: () => string): Promise<void> {
  let read = 0;
  while (read < options.maxPoisonMessages) {
    const batch = await deps.poison.receive(32, 600);
    if (batch.length === 0) break;
    read += batch.length;
    for (const m of batch) {
      let message;
      try {
        message = decodeMessage(m.text);
      } catch {
        continue;
      }
      const record = (await deps.ledger.getRecords(message.runId, [message.externalId])).get(message.externalId);
      if (record === undefined || (record.state !== 'queued' && record.state !== 'submitted')) continue;
      await deadLetter(deps, record, {
        errorCode: record.lastErrorCode ?? 'PoisonMessage',
        reason: `upload failed on every try and the message was moved to the poison queue${record.lastReason === undefined ? '' : `: ${record.lastReason}`}`,
      }, summary, now);
    }
  }
}

const isOpen = (r: LedgerRecord): boolean => r.state === 'queued' || r.state === 'submitted';

// The record's manager when it is in the same run and not final yet (queued or submitted). A
// manager that itself waits is followed up the chain: a chain back to this record (two people
// naming each other) or longer than any org chart is not waited on, so nothing waits for ever.
async function openManager(deps: ReconcileDeps, r: LedgerRecord, manager: LedgerRecord): Promise<string | undefined> {
  if (!isOpen(manager)) return undefined;
  let next = manager.waitingFor;
  for (let hops = 0; next !== undefined; hops++) {
    if (next === r.externalId || hops >= 50) return undefined;
    next = (await deps.ledger.getRecords(r.runId, [next])).get(next)?.waitingFor;
  }
  return manager.externalId;
}

// The record's manager when the same run holds it.
async function managerInRun(deps: ReconcileDeps, r: LedgerRecord): Promise<LedgerRecord | undefined> {
  if (r.managerId === undefined || r.managerId === r.externalId) return undefined;
  return (await deps.ledger.getRecords(r.runId, [r.managerId])).get(r.managerId);
}

// A manager dead-lettered in this run will not exist in the directory, so a report that failed for
// want of it would fail on every further try (and hold up everyone below it): it ends now, naming why.
function managerGone(why: { errorCode: string; reason: string }, manager: LedgerRecord): { errorCode: string; reason: string } {
  return {
    errorCode: why.errorCode,
    reason: `${why.reason} (its manager ${manager.externalId} was dead-lettered in this run${manager.lastErrorCode === undefined ? '' : `: ${manager.lastErrorCode}`}; fix the manager and the next run sends both)`,
  };
}

// Whether a waiting record's manager is still open and the chain of waits above it ends without
// coming back to the record: two reports processed side by side can each start waiting for the
// other, and that circle is broken here.
async function stillWaits(deps: ReconcileDeps, r: LedgerRecord): Promise<boolean> {
  let next = r.waitingFor;
  for (let hops = 0; next !== undefined; hops++) {
    if (next === r.externalId || hops >= 50) return false;
    const manager = (await deps.ledger.getRecords(r.runId, [next])).get(next);
    if (manager === undefined || !isOpen(manager)) return hops > 0;
    next = manager.waitingFor;
  }
  return true;
}

// A crash between writing a record and sending its message leaves a queued record with no message;
// a record waiting for its manager gets its message once the manager is final. With the manager
// dead-lettered that is one last try: the service may know the manager from an earlier run, and if
// not, the reference failure it answers ends the record naming the manager (retryOrGiveUp).
// Only ingested runs: while ingest runs, queued records without a message are its work in progress.
async function healUnsent(deps: ReconcileDeps, runs: RunRecord[]): Promise<void> {
  for (const run of runs) {
    if (run.state !== 'ingested') continue;
    for await (const r of deps.ledger.listRecords(run.runId, 'queued')) {
      if (r.enqueued) continue;
      if (r.waitingFor !== undefined && await stillWaits(deps, r)) continue;
      await deps.queue.send(nextAttemptMessage(r));
      await deps.ledger.markEnqueued(r.runId, [r.externalId]);
    }
  }
}

async function completeIfFinal(deps: ReconcileDeps, run: RunRecord, summary: ReconcileSummary, now: () => string): Promise<void> {
  if (run.state !== 'ingested') return;
  const counts = await deps.ledger.countByState(run.runId);
  if (counts.queued > 0 || counts.submitted > 0) return;
  const rejected = [];
  for await (const row of deps.ledger.listRejected(run.runId)) rejected.push(row);
  const dead: LedgerRecord[] = [];
  for await (const r of deps.ledger.listRecords(run.runId, 'dead-lettered')) dead.push(r);
  const endedAt = now();
  const report: RunReport = buildRunReport(run, counts, rejected, dead, endedAt);
  // Reports first, then the run's state: a crash in between rewrites the same report next time.
  await deps.reports.write(`${run.runId}/report.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  await deps.reports.write(`${run.runId}/problems.csv`, reportCsv(report), 'text/csv; charset=utf-8');
  if (await deps.ledger.completeRun(run.runId, endedAt)) {
    summary.completedRuns.push(run.runId);
    deps.logger.info('Run complete', {
      runId: run.runId, rows: report.rows, rejected: report.counts.rejected, confirmed: report.counts.confirmed,
      skipped: report.counts.skipped, deadLettered: report.counts.deadLettered,
    });
  }
}
