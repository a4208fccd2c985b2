// Stage 3, behind the timer: reads the provisioning logs since the last checkpoint and gives
// each submitted record its outcome — confirmed, disabled, skipped, resent (retryable failure,
// or no log entry within the confirm timeout) or dead-lettered with the service's reason — by
// the rules of lib/core/lifecycle. Poisoned messages are dead-lettered with the reason upload
// kept. A run whose records are all final gets its report (JSON + CSV) and a completion event, once.
import { entrySettles, isOpen } from '../core/lifecycle.js';
import type { LifecycleEvent, LifecyclePolicy, LifecycleRecord, LoggedOutcome, ManagerView, Transition } from '../core/lifecycle.js';
import { checkFailureShare } from '../delta/guard.js';
import { DEFAULT_GUARD } from '../sources/sources.js';
import type { OutcomeTally } from '../delta/guard.js';
import { AuthError, ProvisioningError } from '../provisioning/errors.js';
import { jobAcceptsUploads } from '../provisioning/job.js';
import type { JobHealth } from '../provisioning/job.js';
import { dropManagerReference } from '../delta/managers.js';
import { outcomeOf } from '../provisioning/outcomes.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';
import { MAX_OPERATIONS_PER_REQUEST } from '../scim/schemas.js';
import { decodeOperations, nextAttempt, nextAttemptMessage, requestBatches } from './messages.js';
import type { LedgerRecord, ReconcileDeps, RunRecord } from './ports.js';
import { forEachLimit } from './parallel.js';
import { writeRunReport } from './run-report.js';
import { maskPersonalData, personalValuesOf } from '../core/mask-personal.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { countsBy, emitEvent, recordBudget, recordOutcomes, recordWaiting } from '../telemetry/emit.js';
import { groupBy } from '../core/group-by.js';

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
  maxAttempts: 5,
  confirmTimeoutMinutes: 60,
  logLagMinutes: 15,
  clockSkewSeconds: 5,
  retryBaseSeconds: 60,
  maxPoisonMessages: 1000,
  parallelism: 16,
};

export interface ReconcileSummary {
  confirmed: number;
  disabled: number;
  skipped: number;
  resent: number;
  deadLettered: number;
  completedRuns: string[];
  /** Runs stopped in this pass for too many failures. */
  stoppedRuns: string[];
}

/** One pass of reconciliation over every open run. */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions = DEFAULT_RECONCILE_OPTIONS): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { confirmed: 0, disabled: 0, skipped: 0, resent: 0, deadLettered: 0, completedRuns: [], stoppedRuns: [] };
  startedWaiting.set(summary, []);
  const job = await checkJob(deps);
  await noteBudget(deps);
  const runs = await deps.ledger.listOpenRuns();
  if (runs.length === 0) return summary;
  const now = (): string => deps.clock.now().toISOString();

  await readPoison(deps, options, summary);

  // The records on their way, once per pass: submitted ones of every open run by externalId (one
  // person can be in two runs at once), and queued ones for the heal step.
  const submitted = new Map<string, LedgerRecord[]>();
  const queued = new Map<string, LedgerRecord[]>();
  // Every record listed, by run: settle() moves their states as the pass goes, so the end of the
  // pass knows which are still open without listing the run again.
  const listed = new Map<string, LedgerRecord[]>();
  for (const run of runs) {
    const mine: LedgerRecord[] = [];
    const all: LedgerRecord[] = [];
    for await (const r of deps.ledger.listOpenRecords(run.runId)) {
      all.push(r);
      if (r.state === 'submitted') submitted.set(r.externalId, [...(submitted.get(r.externalId) ?? []), r]);
      else mine.push(r);
    }
    queued.set(run.runId, mine);
    listed.set(run.runId, all);
  }

  // A record sent back to the queue may yet be settled by a late entry (takeStrays); one never
  // sent has no entry the next pass would not read too.
  const sentBack = [...queued.values()].some((records) => records.some((r) => r.state === 'queued' && r.attempts > 0));
  if (submitted.size > 0 || sentBack) {
    const tally = await readLogs(deps, options, submitted, queued, summary, runs);
    await judgeFailureShare(deps, runs, tally, summary);
  }

  // Records submitted long ago that the logs never mentioned: send again, or give up — unless the
  // job is not running, when what it accepted waits in its bucket and no entry can appear.
  const timeoutMs = options.confirmTimeoutMinutes * 60_000;
  for (const records of job !== undefined && !jobAcceptsUploads(job) ? [] : submitted.values()) {
    for (const r of records) {
      if (r.state !== 'submitted' || r.lastSubmittedAt === undefined) continue;
      if (deps.clock.now().getTime() - Date.parse(r.lastSubmittedAt) < timeoutMs) continue;
      const manager = await managerView(deps, r);
      const reason = `no provisioning log entry within ${options.confirmTimeoutMinutes} minutes of the upload`;
      const t = await deps.ledger.transition(
        r.runId,
        r.externalId,
        { type: 'timed-out', reason, ...(manager === undefined ? {} : { manager }), now: deps.clock.now().getTime() },
        { policy: policyOf(options), seen: r },
      );
      await settle(deps, r, t, summary);
    }
  }

  // A record read again by takeStrays is in its run's list already: once is enough for the heal step.
  const inLists = new Set([...queued.values()].flat());
  for (const r of startedWaiting.get(summary) ?? []) if (!inLists.has(r)) queued.set(r.runId, [...(queued.get(r.runId) ?? []), r]);
  const waitingForManager = await healUnsent(deps, runs, queued);
  const waiting = { queued: 0, manager: 0 };
  for (const run of runs) {
    if (run.stoppedAt !== undefined) await holdIfSettled(deps, run);
    else await completeIfFinal(deps, run, summary, now, waitingForManager.get(run.runId) ?? 0, waiting, listed.get(run.runId) ?? []);
  }
  recordWaiting('queued', waiting.queued);
  recordWaiting('manager', waiting.manager);
  if (summary.confirmed + summary.disabled + summary.skipped + summary.resent + summary.deadLettered > 0 || summary.completedRuns.length > 0) {
    deps.logger.info('Reconcile pass', {
      confirmed: summary.confirmed,
      disabled: summary.disabled,
      skipped: summary.skipped,
      resent: summary.resent,
      deadLettered: summary.deadLettered,
      completedRuns: summary.completedRuns,
    });
  }
  emitEvent(EVENTS.reconcilePass, {
    openRuns: runs.length,
    confirmed: summary.confirmed,
    disabled: summary.disabled,
    skipped: summary.skipped,
    resent: summary.resent,
    deadLettered: summary.deadLettered,
    completedRuns: summary.completedRuns.length,
    stoppedRuns: summary.stoppedRuns.length,
  });
  return summary;
}

// Records a pass moved to wait for their manager, by the pass's summary, for its heal step.
const startedWaiting = new WeakMap<ReconcileSummary, LedgerRecord[]>();

// Confirmations written per ledger call: a log page's worth, spread over the run's partitions.
const TRANSITIONS_PER_CALL = 1000;

let jobReadRefused = false;

// The job's state for every sender (through the gate), and a warning an alert can fire on while it
// takes no uploads. A missing permission is said once per process and changes nothing else.
async function checkJob(deps: ReconcileDeps): Promise<JobHealth | undefined> {
  if (deps.client.getJob === undefined || deps.gate === undefined) return undefined;
  let job: JobHealth;
  try {
    job = await deps.client.getJob();
  } catch (err) {
    if (err instanceof AuthError && err.status === 403) {
      if (!jobReadRefused)
        deps.logger.warn('Cannot read the provisioning job; uploads go on without knowing whether it is paused', { status: 403, permission: 'Synchronization.Read.All' });
      jobReadRefused = true;
      return undefined;
    }
    if (err instanceof ProvisioningError) {
      deps.logger.warn('Reading the provisioning job failed; trying again next pass', { kind: err.kind, status: err.status, requestId: err.requestId });
      return undefined;
    }
    throw err;
  }
  const before = (await deps.gate.view()).job;
  await deps.gate.noteJob(job);
  emitEvent(EVENTS.jobState, {
    jobStatus: job.code,
    active: jobAcceptsUploads(job),
    was: before?.code,
    quarantineReason: job.quarantine?.reason,
    nextAttempt: job.quarantine?.nextAttempt,
  });
  if (!jobAcceptsUploads(job)) {
    deps.logger.warn('Provisioning job not active; uploads wait', { jobStatus: job.code, quarantineReason: job.quarantine?.reason, nextAttempt: job.quarantine?.nextAttempt });
  } else if (before !== undefined && !jobAcceptsUploads(before)) {
    deps.logger.info('Provisioning job active again; uploads resume', { jobStatus: job.code, was: before.code });
  }
  return job;
}

// The daily budget once a pass, for the workbook's budget chart: a time series even on nights without a run.
async function noteBudget(deps: ReconcileDeps): Promise<void> {
  if (deps.gate === undefined) return;
  let view;
  try {
    view = await deps.gate.view();
  } catch {
    return;
  }
  emitEvent(EVENTS.budget, { used: view.used, left: view.left, dailyCalls: view.dailyCalls, reserve: view.reserve, closedWhy: view.closed?.why, nextCallAt: view.nextCallAt });
  recordBudget(view.used, view.left);
}

async function readLogs(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  submitted: Map<string, LedgerRecord[]>,
  queued: ReadonlyMap<string, LedgerRecord[]>,
  summary: ReconcileSummary,
  runs: RunRecord[],
): Promise<Map<string, OutcomeTally>> {
  const checkpoint = await deps.ledger.getCheckpoint();
  const earliest = Math.min(...runs.map((r) => Date.parse(r.startedAt)));
  const fromCheckpoint = checkpoint !== undefined && Date.parse(checkpoint) >= earliest;
  const from = fromCheckpoint ? Date.parse(checkpoint) : earliest;
  // The skew is between our clock and the service's: it widens a start taken from the run's start
  // (our clock), not one taken from the checkpoint (an activity time of the service's own). Behind
  // the checkpoint the log lag alone covers late entries; with it, a local run (no lag) read every
  // entry twice, the last 5 seconds of each pass again in the next (bench:pipeline: ~40,000 entries
  // for 20,000 records). `hrsync sync`'s log watch has always worked so.
  const since = new Date(from - options.logLagMinutes * 60_000 - (fromCheckpoint ? 0 : options.clockSkewSeconds * 1000));
  const waiting = queuedByPerson(queued);
  const outcomes: RecordOutcome[] = [];
  const strays: RecordOutcome[] = [];
  let newest = checkpoint === undefined ? undefined : Date.parse(checkpoint);
  for await (const entry of deps.client.queryProvisioningLogs({ since })) {
    const o = outcomeOf(entry);
    if (o === undefined) continue;
    if (submitted.has(o.externalId)) outcomes.push(o);
    else if (waiting.has(o.externalId)) strays.push(o);
    else continue;
    const at = Date.parse(o.activityDateTime);
    if (newest === undefined || at > newest) newest = at;
  }
  const hold = await takeStrays(deps, options, strays, waiting, submitted, outcomes);
  outcomes.sort(byActivity);
  // Each person's entries in time order; different people at once (a pass can hold thousands).
  const byPerson = groupBy(outcomes, (o) => o.externalId);
  const tally = new Map<string, OutcomeTally>();
  const count = (runId: string | undefined, o: RecordOutcome): void => {
    if (runId === undefined) return;
    const t = tally.get(runId) ?? { outcomes: 0, failures: 0 };
    t.outcomes++;
    // A report sent before its manager exists fails for its reference: the order's doing, not the run's data.
    if (o.status === 'failure' && o.category !== 'reference-pending') t.failures++;
    tally.set(runId, t);
  };
  // A person with one entry that needs no look at their manager (most of a night: creates and
  // updates confirmed) is written with the others of their run, a transaction per partition;
  // the rest one entry at a time, in order.
  const together = new Map<string, Array<{ record: LedgerRecord; outcome: RecordOutcome; event: LifecycleEvent }>>();
  const alone: RecordOutcome[][] = [];
  for (const entries of byPerson.values()) {
    const o = entries[0] as RecordOutcome;
    const prepared = entries.length === 1 && !(o.status === 'failure' && o.retryable === true) ? loggedEvent(deps, options, submitted, o) : undefined;
    if (prepared === undefined) alone.push(entries);
    else together.set(prepared.record.runId, [...(together.get(prepared.record.runId) ?? []), { ...prepared, outcome: o }]);
  }
  for (const [runId, items] of together) {
    for (let i = 0; i < items.length; i += TRANSITIONS_PER_CALL) {
      const chunk = items.slice(i, i + TRANSITIONS_PER_CALL);
      const applied = await deps.ledger.transitionAll(
        runId,
        chunk.map((x) => ({ seen: x.record, event: x.event })),
        policyOf(options),
      );
      for (const x of chunk) {
        const t = applied.get(x.record.externalId);
        await settle(deps, x.record, t, summary);
        count(t === undefined ? undefined : runId, x.outcome);
      }
    }
  }
  await forEachLimit(alone, options.parallelism, async (entries) => {
    await applyInOrder(deps, options, submitted, entries, summary, count);
  });
  // Not before the stored checkpoint: a held entry may lie behind it, in the lag this pass read behind it.
  if (hold !== undefined && newest !== undefined) newest = Math.max(Math.min(newest, hold), checkpoint === undefined ? -Infinity : Date.parse(checkpoint));
  if (newest !== undefined) await deps.ledger.setCheckpoint(new Date(newest).toISOString());
  return tally;
}

const byActivity = (a: RecordOutcome, b: RecordOutcome): number => Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime);

// One person's entries, in order.
async function applyInOrder(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  records: Map<string, LedgerRecord[]>,
  entries: readonly RecordOutcome[],
  summary: ReconcileSummary,
  count: (runId: string | undefined, o: RecordOutcome) => void,
): Promise<void> {
  // A success that settled nothing may be a send whose ledger write was lost (the worker died
  // after the POST): the retry sent the record again, and the service logged that copy as
  // nothing to change.
  let unclaimed: RecordOutcome | undefined;
  for (const o of entries) {
    const runId = await applyOutcome(deps, options, records, o, summary, unclaimed);
    count(runId, o);
    if (runId === undefined && (o.status === 'success' || o.status === 'warning')) unclaimed = o;
  }
}

// How long a pass keeps the checkpoint at an entry whose record's send is not recorded yet. The
// upload writes the send right after the POST returns, seconds at most under load; a send whose
// write was lost is sent again by the host's retry, whose entry then comes with this one.
const UNRECORDED_HOLD_MS = 60_000;

function queuedByPerson(queued: ReadonlyMap<string, LedgerRecord[]>): Map<string, LedgerRecord[]> {
  return groupBy(
    [...queued.values()].flat().filter((r) => r.state === 'queued'),
    (r) => r.externalId,
  );
}

// Entries of people whose record was queued when the pass listed it, newer than its last outcome.
// Either the upload that sent it had not yet written the send (its POST returned, the ledger
// write still on its way: the pass lists the records before it reads the logs, and on a loaded
// store the gap is seconds), or one copy of an attempt sent twice succeeded after the other
// copy's failure sent the record back. Read again, the records join the pass's submitted ones
// and the entries its outcomes, to settle as the entry says. While a send is still unrecorded the
// checkpoint stays at its entry (returned), so the next pass reads it again: with no log lag (a
// local run) the entry was otherwise never read again, and the record, sent again on the
// timeout, ended skipped.
async function takeStrays(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  strays: readonly RecordOutcome[],
  waiting: ReadonlyMap<string, LedgerRecord[]>,
  submitted: Map<string, LedgerRecord[]>,
  outcomes: RecordOutcome[],
): Promise<number | undefined> {
  // An entry at or before the record's last outcome was applied already (the one that sent it back, say).
  const open = strays.filter((o) => (waiting.get(o.externalId) ?? []).some((r) => r.lastOutcomeAt === undefined || Date.parse(o.activityDateTime) > Date.parse(r.lastOutcomeAt)));
  if (open.length === 0) return undefined;
  const people = new Set(open.map((o) => o.externalId));
  const listed = [...people].flatMap((id) => waiting.get(id) ?? []);
  for (const [runId, records] of groupBy(listed, (r) => r.runId)) {
    const found = await deps.ledger.getRecords(
      runId,
      records.map((r) => r.externalId),
    );
    for (const r of records) {
      const now = found.get(r.externalId);
      // In place: the pass's lists (the heal step, the run's completion) hold this same object.
      if (now !== undefined) replaceFields(r, now);
      if (r.state === 'submitted' || r.state === 'queued') submitted.set(r.externalId, [...(submitted.get(r.externalId) ?? []), r]);
    }
  }
  const now = deps.clock.now().getTime();
  const policy = policyOf(options);
  let hold: number | undefined;
  for (const o of open) {
    const at = Date.parse(o.activityDateTime);
    const records = submitted.get(o.externalId) ?? [];
    const stillQueued = records.length > 0 && records.every((r) => r.state === 'queued');
    const settles = records.some((r) => entrySettles(lifecycleOf(r), o.status, at, policy));
    // A success that would confirm a record sent back (a twin copy's) may instead be another run's
    // send of the person, applied to that run already and read again: People then holds it.
    if (stillQueued && settles && (await confirmedSince(deps, o.externalId, at))) continue;
    outcomes.push(o);
    if (stillQueued && !settles && now - at < UNRECORDED_HOLD_MS) hold = Math.min(hold ?? at, at);
  }
  return hold;
}

// Whether People holds a confirmation of the person at or after `at`.
async function confirmedSince(deps: ReconcileDeps, externalId: string, at: number): Promise<boolean> {
  const person = await deps.ledger.getPerson(externalId);
  return person !== undefined && Date.parse(person.lastConfirmedAt) >= at;
}

function replaceFields(target: LedgerRecord, from: LedgerRecord): void {
  for (const key of Object.keys(target)) if (!(key in from)) delete (target as unknown as Record<string, unknown>)[key];
  Object.assign(target, from);
}

// The record an entry belongs to — the latest submission made before it (one person can be in two
// runs at once) — and the logged event for it; undefined when it belongs to none.
function loggedEvent(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  submitted: Map<string, LedgerRecord[]>,
  o: RecordOutcome,
  manager?: ManagerView,
): { record: LedgerRecord; event: LifecycleEvent } | undefined {
  const at = Date.parse(o.activityDateTime);
  const record = (submitted.get(o.externalId) ?? [])
    .filter((r) => entrySettles(lifecycleOf(r), o.status, at, policyOf(options)))
    .sort((a, b) => Date.parse(b.lastSubmittedAt ?? '') - Date.parse(a.lastSubmittedAt ?? ''))[0];
  if (record === undefined) return undefined;
  const outcome: LoggedOutcome = {
    status: o.status,
    action: o.action,
    at,
    ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode }),
    ...(o.reason === undefined ? {} : { reason: maskPersonalData(o.reason, personalValuesOf(record.payload)) }),
    ...(o.retryable === undefined ? {} : { retryable: o.retryable }),
    ...(o.category === undefined ? {} : { category: o.category }),
  };
  return { record, event: { type: 'logged', outcome, ...(manager === undefined ? {} : { manager }), now: deps.clock.now().getTime() } };
}

// The run whose record the entry settled, or undefined when it belongs to none (or was applied before).
async function applyOutcome(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  submitted: Map<string, LedgerRecord[]>,
  o: RecordOutcome,
  summary: ReconcileSummary,
  unclaimed?: RecordOutcome,
): Promise<string | undefined> {
  const found = loggedEvent(deps, options, submitted, o);
  if (found === undefined) return undefined;
  const earlier = unclaimed === undefined ? undefined : sentUnrecorded(found.record, o, unclaimed);
  if (earlier !== undefined && found.event.type === 'logged') {
    // "Nothing to change" because this record's own unrecorded send had just made the change: the
    // record ends as that send did (created, updated), not skipped.
    const t = await deps.ledger.transition(
      found.record.runId,
      found.record.externalId,
      { ...found.event, outcome: { status: earlier.status, action: earlier.action, at: found.event.outcome.at } },
      { policy: policyOf(options), seen: found.record },
    );
    await settle(deps, found.record, t, summary);
    return t === undefined ? undefined : found.record.runId;
  }
  const retryable = o.status === 'failure' && o.retryable === true;
  const manager = retryable ? await managerView(deps, found.record) : undefined;
  const { record, event } = manager === undefined ? found : (loggedEvent(deps, options, submitted, o, manager) as { record: LedgerRecord; event: LifecycleEvent });
  // The record as listed: the write is conditional on that version, with no second read.
  const t = await deps.ledger.transition(record.runId, record.externalId, event, { policy: policyOf(options), seen: record });
  await settle(deps, record, t, summary);
  return t === undefined ? undefined : record.runId;
}

// The success that explains a "nothing to change" entry: logged after the record was last sent back
// (or, on its first attempt, after the person was last confirmed) and before its recorded
// submission — so from a send of this record that the ledger never recorded.
function sentUnrecorded(record: LedgerRecord, o: RecordOutcome, success: RecordOutcome): RecordOutcome | undefined {
  if (o.status !== 'skipped' || o.category === 'out-of-scope' || record.lastSubmittedAt === undefined) return undefined;
  const at = Date.parse(success.activityDateTime);
  const after = record.lastOutcomeAt === undefined ? -Infinity : Date.parse(record.lastOutcomeAt);
  return at > after && at < Date.parse(record.lastSubmittedAt) ? success : undefined;
}

/** The lifecycle's policy from reconcile's options. */
export function policyOf(options: ReconcileOptions): LifecyclePolicy {
  return { maxAttempts: options.maxAttempts, retryBaseMs: options.retryBaseSeconds * 1000, maxRetryMs: 3_600_000, clockSkewMs: options.clockSkewSeconds * 1000 };
}

function lifecycleOf(r: LedgerRecord): LifecycleRecord {
  const ms = (s: string | undefined): number | undefined => (s === undefined || Number.isNaN(Date.parse(s)) ? undefined : Date.parse(s));
  const submittedAt = ms(r.lastSubmittedAt);
  const outcomeAt = ms(r.lastOutcomeAt);
  return {
    state: r.state,
    attempts: r.attempts,
    ...(r.intent === undefined ? {} : { intent: r.intent }),
    ...(submittedAt === undefined ? {} : { lastSubmittedAt: submittedAt }),
    ...(outcomeAt === undefined ? {} : { lastOutcomeAt: outcomeAt }),
  };
}

// What a transition asks of the queue, and what it counts: a retry on a timer gets its message now
// (delayed); a retry waiting for its manager gets it once the manager is final (healUnsent).
async function settle(deps: ReconcileDeps, r: LedgerRecord, t: Transition | undefined, summary: ReconcileSummary): Promise<void> {
  if (t === undefined) return;
  r.state = t.to;
  r.attempts = t.attempts;
  // A later entry of the same pass is judged against this outcome: a copy's success after its twin's
  // failure sent the record back (lifecycle.ts) confirms it before its resend.
  if (t.lastOutcomeAt !== undefined) r.lastOutcomeAt = new Date(t.lastOutcomeAt).toISOString();
  switch (t.effect) {
    case 'confirmed':
      summary.confirmed++;
      break;
    case 'disabled':
      summary.disabled++;
      break;
    case 'skipped':
      summary.skipped++;
      break;
    case 'dead-lettered':
      summary.deadLettered++;
      break;
    case 'wait':
      // Waiting for its manager from now on: the heal step looks at it before the pass ends.
      r.enqueued = false;
      if (t.waitFor === undefined) delete r.waitingFor;
      else r.waitingFor = t.waitFor;
      startedWaiting.get(summary)?.push(r);
      summary.resent++;
      break;
    case 'retry':
      if (t.dropManager !== undefined && (await dropManager(deps, r, t.dropManager))) {
        summary.resent++;
        break;
      }
      await deps.queue.send(nextAttemptMessage(r), { visibilityTimeoutSeconds: Math.ceil((t.retryDelayMs ?? 0) / 1000) });
      await deps.ledger.markEnqueued(r.runId, [r.externalId]);
      summary.resent++;
      break;
    default:
      break;
  }
}

// The record goes on without its manager reference: its stored payload (and hash) become what is sent,
// then its message goes. False when the record moved on meanwhile (another instance got there first).
async function dropManager(deps: ReconcileDeps, r: LedgerRecord, managerId: string): Promise<boolean> {
  const released = dropManagerReference(r.payload);
  const t = await deps.ledger.transition(r.runId, r.externalId, { type: 'manager-dropped', managerId, payload: released.json, payloadHash: released.hash });
  if (t === undefined) return false;
  await deps.queue.send(nextAttemptMessage({ ...r, attempts: t.attempts, payload: released.json }));
  await deps.ledger.markEnqueued(r.runId, [r.externalId]);
  deps.logger.info('Sent without its manager reference', { runId: r.runId, externalId: r.externalId, managerId });
  return true;
}

// Whether the directory holds someone from an earlier run.
async function inDirectory(deps: ReconcileDeps, externalId: string): Promise<boolean> {
  return (await deps.ledger.getPerson(externalId)) !== undefined;
}

// Messages the host gave up on: their records end dead-lettered with the reason upload noted.
// The messages stay in the poison queue (hidden a while) so `hrsync replay --poison` can still move them back.
async function readPoison(deps: ReconcileDeps, options: ReconcileOptions, summary: ReconcileSummary): Promise<void> {
  let read = 0;
  const poisoned = new Map<string, number>();
  while (read < options.maxPoisonMessages) {
    const batch = await deps.poison.receive(32, 600);
    if (batch.length === 0) break;
    read += batch.length;
    for (const m of batch) {
      let messages;
      try {
        messages = decodeOperations(m.text);
      } catch {
        continue;
      }
      for (const message of messages) {
        const record = (await deps.ledger.getRecords(message.runId, [message.externalId])).get(message.externalId);
        if (record === undefined || !isOpen(record.state)) continue;
        const t = await deps.ledger.transition(
          record.runId,
          record.externalId,
          {
            type: 'poisoned',
            at: deps.clock.now().getTime(),
            code: record.lastErrorCode ?? 'PoisonMessage',
            reason: `upload failed on every try and the message was moved to the poison queue${record.lastReason === undefined ? '' : `: ${record.lastReason}`}`,
          },
          { seen: record },
        );
        await settle(deps, record, t, summary);
        if (t !== undefined) poisoned.set(record.runId, (poisoned.get(record.runId) ?? 0) + 1);
      }
    }
  }
  for (const [runId, records] of poisoned) emitEvent(EVENTS.recordsPoisoned, { runId, records });
}

// The record's manager when the same run holds it, and whether waiting for it ends: it is open,
// and a manager that itself waits is followed up the chain — a chain back to this record (two
// people naming each other) or longer than any org chart is not waited on, so nothing waits for ever.
async function managerView(deps: ReconcileDeps, r: LedgerRecord): Promise<ManagerView | undefined> {
  if (r.managerId === undefined || r.managerId === r.externalId) return undefined;
  const manager = (await deps.ledger.getRecords(r.runId, [r.managerId])).get(r.managerId);
  if (manager === undefined) return undefined;
  let waitable = isOpen(manager.state);
  let next = manager.waitingFor;
  for (let hops = 0; waitable && next !== undefined; hops++) {
    if (next === r.externalId || hops >= 50) waitable = false;
    else next = (await deps.ledger.getRecords(r.runId, [next])).get(next)?.waitingFor;
  }
  return {
    externalId: manager.externalId,
    state: manager.state,
    waitable,
    ...(manager.lastErrorCode === undefined ? {} : { lastErrorCode: manager.lastErrorCode }),
    // Only a dead-lettered manager's place in the directory changes what happens to the report.
    ...(manager.state === 'dead-lettered' ? { known: await inDirectory(deps, manager.externalId) } : {}),
  };
}

// Whether a waiting record's manager is still open and the chain of waits above it ends without
// coming back to the record: two reports processed side by side can each start waiting for the
// other, and that circle is broken here.
// `going`: records this pass is sending, whose outcome a record waiting on them waits for.
async function stillWaits(deps: ReconcileDeps, r: LedgerRecord, going: ReadonlySet<string> = new Set()): Promise<boolean> {
  let next = r.waitingFor;
  for (let hops = 0; next !== undefined; hops++) {
    if (going.has(next)) return true;
    if (next === r.externalId || hops >= 50) return false;
    const manager = (await deps.ledger.getRecords(r.runId, [next])).get(next);
    if (manager === undefined || !isOpen(manager.state)) return hops > 0;
    next = manager.waitingFor;
  }
  return true;
}

// A crash between writing a record and sending its message leaves a queued record with no message;
// a record waiting for its manager gets its message once the manager is final. With the manager
// dead-lettered and not in the directory, the record goes without the manager reference (it could
// only fail with it); a manager the directory holds from an earlier run resolves, so it goes as it is.
// Only ingested runs: while ingest runs, queued records without a message are its work in progress.
// Returns, per run, how many records still wait for their manager.
// `queued`: each run's queued records as the pass listed them; one that starts waiting during the
// pass is looked at by the next.
async function healUnsent(deps: ReconcileDeps, runs: RunRecord[], queued: ReadonlyMap<string, LedgerRecord[]>): Promise<Map<string, number>> {
  const waiting = new Map<string, number>();
  for (const run of runs) {
    if (run.state !== 'ingested') continue;
    // Sent together in request-sized batches: a level of reports freed by its manager's outcome fills requests.
    const unsent: LedgerRecord[] = [];
    const going = new Set<string>();
    for (const r of queued.get(run.runId) ?? []) {
      // A record this pass settled from a late entry (takeStrays) is no longer the heal step's.
      if (r.enqueued || r.state !== 'queued') continue;
      if (r.waitingFor !== undefined && (await stillWaits(deps, r, going))) {
        waiting.set(run.runId, (waiting.get(run.runId) ?? 0) + 1);
        continue;
      }
      if (r.managerId !== undefined && r.managerId !== r.externalId && r.withoutManager === undefined) {
        const manager = (await deps.ledger.getRecords(r.runId, [r.managerId])).get(r.managerId);
        if (manager?.state === 'dead-lettered' && !(await inDirectory(deps, manager.externalId))) {
          // The pass listed it without its payload: the one sent is read now.
          const whole = (await deps.ledger.getRecords(r.runId, [r.externalId])).get(r.externalId);
          if (whole === undefined || whole.state !== 'queued' || whole.enqueued) continue;
          if (await dropManager(deps, whole, manager.externalId)) continue;
        }
      }
      unsent.push(r);
      going.add(r.externalId);
    }
    for (let i = 0; i < unsent.length; i += MAX_OPERATIONS_PER_REQUEST) {
      // Listed without their payloads: read whole now, and only those still queued without a message go.
      const ids = unsent.slice(i, i + MAX_OPERATIONS_PER_REQUEST).map((r) => r.externalId);
      const whole = await deps.ledger.getRecords(run.runId, ids);
      const batch = ids.map((id) => whole.get(id)).filter((r): r is LedgerRecord => r !== undefined && r.state === 'queued' && !r.enqueued);
      if (batch.length === 0) continue;
      for (const text of requestBatches(batch.map(nextAttempt))) await deps.queue.send(text);
      await deps.ledger.markEnqueued(
        run.runId,
        batch.map((r) => r.externalId),
      );
    }
  }
  return waiting;
}

// The failure share, judged on what the logs said of each run so far: a run past it stops sending
// (records not yet sent wait, held) and is held once what it already sent is final. A run a person
// approved after such a stop is not judged again.
async function judgeFailureShare(deps: ReconcileDeps, runs: RunRecord[], tally: Map<string, OutcomeTally>, summary: ReconcileSummary): Promise<void> {
  for (const [runId, add] of tally) {
    const total = await deps.ledger.addOutcomes(runId, add);
    const run = runs.find((r) => r.runId === runId);
    if (total === undefined || run === undefined || run.state !== 'ingested' || run.stoppedAt !== undefined) continue;
    if (run.decision?.kind === 'approved' && (run.held ?? []).some((h) => h.threshold === 'maxFailedPercent')) continue;
    const tripped = checkFailureShare(total, { maxFailedPercent: run.plan?.maxFailedPercent ?? DEFAULT_GUARD.maxFailedPercent });
    if (tripped === undefined) continue;
    const at = deps.clock.now().toISOString();
    if (!(await deps.ledger.stopRun(runId, tripped, at))) continue;
    run.stoppedAt = at;
    summary.stoppedRuns.push(runId);
    let held = 0;
    for await (const r of deps.ledger.listRecords(runId, 'queued')) if ((await deps.ledger.transition(runId, r.externalId, { type: 'stopped' }, { seen: r })) !== undefined) held++;
    // For the alert: counts only. Microsoft quarantines the job over 40% failing, which stops every source.
    deps.logger.warn('Run stopped: too many failures', {
      runId,
      source: run.source,
      outcomes: total.outcomes,
      failures: total.failures,
      percent: tripped.actual,
      limit: tripped.limit,
      notSent: held,
    });
    emitEvent(EVENTS.runStopped, {
      runId,
      source: run.source,
      mode: 'pipeline',
      outcomes: total.outcomes,
      failures: total.failures,
      percent: tripped.actual,
      limit: tripped.limit,
      notSent: held,
    });
  }
}

// A stopped run is held once nothing of it is on its way: what was sent is final, what was not waits
// for "hrsync approve" (send the rest) or "hrsync discard". Records sent back meanwhile wait too.
async function holdIfSettled(deps: ReconcileDeps, run: RunRecord): Promise<void> {
  for await (const r of deps.ledger.listRecords(run.runId, 'queued')) await deps.ledger.transition(run.runId, r.externalId, { type: 'stopped' }, { seen: r });
  const counts = await deps.ledger.countByState(run.runId);
  if (counts.submitted > 0 || counts.queued > 0) return;
  if (!(await deps.ledger.holdStoppedRun(run.runId))) return;
  const held = await deps.ledger.getRun(run.runId);
  await deps.ledger.setSourceState(run.source, { heldRunId: run.runId });
  await writeRunReport(deps.ledger, deps.reports, held ?? { ...run, state: 'held' }, undefined);
  const threshold = held?.held?.find((h) => h.threshold === 'maxFailedPercent');
  deps.logger.warn('Run held', {
    runId: run.runId,
    source: run.source,
    thresholds: ['maxFailedPercent'],
    limits: [threshold?.limit ?? 0],
    actuals: [threshold?.actual ?? 0],
    notSent: counts.held,
  });
  emitEvent(EVENTS.runHeld, {
    runId: run.runId,
    source: run.source,
    mode: 'pipeline',
    stage: 'failureShare',
    thresholds: ['maxFailedPercent'],
    limits: [threshold?.limit ?? 0],
    actuals: [threshold?.actual ?? 0],
    rows: run.rows,
    rejected: run.rejected,
    notSent: counts.held,
  });
}

async function completeIfFinal(
  deps: ReconcileDeps,
  run: RunRecord,
  summary: ReconcileSummary,
  now: () => string,
  waitingForManager: number,
  waiting: { queued: number; manager: number },
  listed: readonly LedgerRecord[],
): Promise<void> {
  if (run.state !== 'ingested') return;
  // What the pass listed and left open is open still, or was moments ago (another instance may have
  // settled it since): the run is not complete, and counting again would scan the run a second time
  // each pass. Only when the pass left nothing open does the ledger count, exactly, before the run ends.
  const seen = { queued: 0, submitted: 0 };
  for (const r of listed) if (r.state === 'queued' || r.state === 'submitted') seen[r.state]++;
  const counts = seen.queued + seen.submitted > 0 ? seen : await deps.ledger.countOpen(run.runId);
  if (counts.queued > 0 || counts.submitted > 0) {
    emitEvent(EVENTS.recordsWaiting, { runId: run.runId, source: run.source, queued: counts.queued, submitted: counts.submitted, waitingForManager });
    waiting.queued += counts.queued;
    waiting.manager += waitingForManager;
    return;
  }
  const endedAt = now();
  const report = await writeRunReport(deps.ledger, deps.reports, { ...run, state: 'complete' }, endedAt);
  if (await deps.ledger.completeRun(run.runId, endedAt)) {
    summary.completedRuns.push(run.runId);
    const c = report.counts;
    deps.logger.info('Run complete', {
      runId: run.runId,
      source: run.source,
      rows: report.rows,
      rejected: c.rejected,
      created: c.created,
      updated: c.updated,
      disabled: c.disabled,
      unchanged: c.unchanged,
      skipped: c.skipped,
      deadLettered: c.deadLettered,
      requests: report.requests.total,
    });
    emitEvent(EVENTS.runCompleted, {
      runId: run.runId,
      source: run.source,
      mode: 'pipeline',
      rows: report.rows,
      valid: c.valid,
      rejected: c.rejected,
      records: c.records,
      created: c.created,
      updated: c.updated,
      confirmed: c.confirmed,
      disabled: c.disabled,
      unchanged: c.unchanged,
      skipped: c.skipped,
      deadLettered: c.deadLettered,
      held: c.held,
      open: c.open,
      withoutManager: report.withoutManager?.length ?? 0,
      requests: report.requests.total,
      requestsAccepted: report.requests.accepted,
      durationSeconds: Math.round((Date.parse(endedAt) - Date.parse(run.startedAt)) / 1000),
      failureCodes: countsBy(report.deadLettered, (d) => d.errorCode ?? 'unknown'),
      rejectedRules: countsBy(report.rejected, (r) => r.rule),
    });
    recordOutcomes(run.source, {
      created: c.created,
      updated: c.updated,
      disabled: c.disabled,
      unchanged: c.unchanged,
      skipped: c.skipped,
      rejected: c.rejected,
      deadLettered: c.deadLettered,
    });
  }
}
