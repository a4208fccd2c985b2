// Direct mode: one process reads an extract, uploads it in paced BulkRequests, reads the
// provisioning logs until every record has an outcome or the time is up, and resends what
// failed for a reason that a later try can fix (a manager not yet provisioned, a busy service).
import { scanExtract } from '../convert/convert.js';
import type { ScanResult } from '../convert/convert.js';
import { TempFileSpool } from '../convert/spool.js';
import type { Extract } from '../extract/types.js';
import type { Mapping } from '../mapping/types.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import { AuthError, GateClosedError, ProvisioningError, callsMade } from '../provisioning/errors.js';
import type { ApiGate } from '../provisioning/gate.js';
import { describeJob, jobAcceptsUploads } from '../provisioning/job.js';
import type { JobHealth } from '../provisioning/job.js';
import type { Logger } from '../provisioning/logger.js';
import { silentLogger } from '../provisioning/logger.js';
import { outcomeOf } from '../provisioning/outcomes.js';
import { withRecordMasked } from './masked-outcome.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';
import { BulkBatcher, DEFAULT_BATCH_LIMITS } from '../scim/bulk.js';
import type { BatchLimits, BulkBatch } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { BULK_REQUEST_SCHEMA } from '../scim/schemas.js';
import type { BulkOperation, BulkRequest } from '../scim/types.js';
import { randomUUID } from 'node:crypto';
import { dropManagerReference, peopleLookup, readCandidates, unknownManagerWarnings, withoutManagerMessage } from '../delta/managers.js';
import { managersFirst } from '../delta/order.js';
import type { HeldThreshold, RunPlanSummary } from '../ledger/types.js';
import { checkFailureShare } from '../delta/guard.js';
import type { OutcomeTally } from '../delta/guard.js';
import { DEFAULT_GUARD } from '../sources/sources.js';
import { planSyncRun } from './ledger-run.js';
import type { LedgerMirror, SendItem, SyncNightly } from './ledger-run.js';
import { OperationStore } from '../convert/operation-store.js';
import { RecordBook } from './record-book.js';
import type { SyncRecord } from './record-book.js';
import type { RecordState } from '../core/lifecycle.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';

export interface SyncOptions {
  /** Accepted uploads per record before a retryable failure is final. */
  maxAttempts: number;
  /** First wait before a resend; doubles per attempt up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Between reads of the provisioning logs. */
  pollIntervalMs: number;
  /** How long to keep reading the logs after the last first upload. */
  timeoutMs: number;
  /** How far back each log read reaches behind the newest entry seen, since entries become visible late. */
  logLagMs: number;
  clockSkewMs: number;
  /** Uploads waiting for an answer at once; the client's limiter still paces what is sent. */
  inFlight: number;
  batchLimits: BatchLimits;
  /** Log page size ($top); the service default when absent. */
  logPageSize?: number;
}

/** Defaults for a real tenant, where log entries appear 5 to 10 minutes after processing. */
export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  maxAttempts: 5,
  retryDelayMs: 60_000,
  maxRetryDelayMs: 15 * 60_000,
  pollIntervalMs: 30_000,
  timeoutMs: 40 * 60_000,
  logLagMs: 15 * 60_000,
  // Small: the service processes records seconds to minutes after the upload, so a genuine entry
  // is never this far before our clock's send time, while a looser bound would let entries of a
  // run moments ago count for this one.
  clockSkewMs: 5_000,
  inFlight: 8,
  batchLimits: DEFAULT_BATCH_LIMITS,
};

export type SyncPhase = 'reading' | 'uploading' | 'confirming' | 'done';

export interface SyncProgress {
  phase: SyncPhase;
  /** Valid records to send. */
  total: number;
  /** Records the service has accepted at least once. */
  uploaded: number;
  /** bulkUpload calls made, accepted or not, resends and retries included (each counts against the daily budget). */
  requests: number;
  counts: Readonly<Record<RecordState, number>>;
  /** Queued records sent back after a failure, waiting for their resend. */
  retrying: number;
}

export interface SyncHooks {
  onProblem: (problem: Problem) => void;
  onProgress?: (progress: SyncProgress) => void;
  /** Events with counts and externalIds only. */
  logger?: Logger;
}

export interface SyncDeps {
  client: ProvisioningClient;
  /**
   * The gate the client draws its calls from (the ledger's, shared with the pipeline, or this
   * process's): with it the sync reads the job first, and what the budget turns away is deferred.
   */
  gate?: Pick<ApiGate, 'noteJob'>;
  /** The pipeline's ledger and the source: send only what changed, disable leavers, hold a run over the guard. */
  nightly?: SyncNightly;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One record that did not end confirmed or skipped. `reason` is the service's text: report it, do not log it. */
export interface RecordSummary {
  externalId: string;
  line: number;
  attempts: number;
  errorCode?: string;
  reason?: string;
  retryable?: boolean;
  requestId?: string;
}

export interface SyncReport {
  scan: Omit<ScanResult, 'withdrawn'>;
  /** bulkUpload calls made, accepted or not, resends and retries included (each counts against the daily budget). */
  requests: number;
  /** Records the service accepted at least once. */
  uploaded: number;
  /** Records sent again after a retryable failure or a refused upload. */
  resent: number;
  confirmed: number;
  /** Confirmed disables (a leaver, or `active: false` for someone active). */
  disabled: number;
  /** Confirmed, but the log entry carried a warning. */
  confirmedWithWarning: number;
  /** The service found nothing to change. */
  skipped: number;
  failed: RecordSummary[];
  /** Still without a final outcome when the time ran out. */
  notConfirmed: RecordSummary[];
  /** Never sent: the gate turned them away (the daily budget spent); the next run sends them. */
  deferred: RecordSummary[];
  /** Warnings: sent without their manager reference, the manager rejected or dead-lettered in this sync and not known to the directory. */
  withoutManager: Array<{ externalId: string; line: number; manager: string; state: RecordState }>;
  /** Why they were deferred, and when a call is possible again. */
  deferredWhy?: { why: string; detail: string; until?: string };
  /** Outcomes in the provisioning logs, and the failures among them other than a manager not there yet. */
  outcomes: OutcomeTally;
  /** The failure share stopped the sync: the threshold with its numbers. */
  stopped?: HeldThreshold;
  /** Not sent (again) because the sync stopped for too many failures; the next run sends them. */
  held: RecordSummary[];
  startedAt: string;
  finishedAt: string;
  /** From the first accepted upload to the last confirmation, for throughput. */
  firstUploadAt?: string;
  lastOutcomeAt?: string;
  /** With a ledger: the run, what its plan decided, and whether the guard held it (then nothing was sent). */
  ledger?: { runId: string; source: string; plan: RunPlanSummary; held: HeldThreshold[]; holding: boolean; unchanged: number; leavers: number };
}

/** Reads, validates, uploads and confirms one extract; rejected rows go to onProblem, auth and wrong-id errors throw. */
export async function syncExtract(extract: Extract, mapping: Mapping, deps: SyncDeps, options: SyncOptions, hooks: SyncHooks): Promise<SyncReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const logger = hooks.logger ?? silentLogger;
  const startedAt = now();
  let mirror: LedgerMirror | undefined;
  // With the ledger, People say whom the directory held before this sync; without it, nobody is known.
  let inDirectory: (externalId: string) => boolean = () => false;
  const book = new RecordBook({ maxAttempts: options.maxAttempts, retryBaseMs: options.retryDelayMs, maxRetryMs: options.maxRetryDelayMs, clockSkewMs: options.clockSkewMs },
    (id, event) => mirror?.apply(id, event), (id) => inDirectory(id));
  const store = new OperationStore();
  const spool = new TempFileSpool();
  let requests = 0;
  let uploaded = 0;
  let resent = 0;
  let total = 0;
  let phase: SyncPhase = 'reading';
  let firstUploadAt: number | undefined;
  let lastOutcomeAt: number | undefined;
  let fatal: unknown;
  // The gate's first "no": what the budget or the job turned away is deferred, not sent.
  let gateClosed: GateClosedError | undefined;
  // Past the source's failure share the sync sends nothing more, before the job is quarantined.
  const logTally: OutcomeTally = { outcomes: 0, failures: 0 };
  const maxFailedPercent = deps.nightly?.source.guard.maxFailedPercent ?? DEFAULT_GUARD.maxFailedPercent;
  let stoppedFor: HeldThreshold | undefined;
  const inflight = new Set<Promise<void>>();
  // Each record's upload on its way: a report's request goes only once its manager's has been answered.
  const uploading = new Map<string, Promise<void>>();
  let file = '';

  const progress = (): void => hooks.onProgress?.({ phase, total, uploaded, requests, counts: book.tally(), retrying: book.retrying() });

  // The record goes without its manager reference from now on: stored again, and said in a warning.
  async function dropManager(id: string, managerId: string): Promise<void> {
    const r = book.get(id);
    if (r === undefined) return;
    const released = dropManagerReference(await store.read(r.stored));
    if (book.dropManager(id, managerId, store.add(released.json), released.json, released.hash, now())) {
      hooks.onProblem({ severity: 'warning', file, line: r.line, externalId: id, rule: 'manager-dropped', message: withoutManagerMessage(managerId, 'dead-lettered') });
      logger.info('Sent without its manager reference', { externalId: id, managerId });
    }
  }

  // Who of a request may go now: a report whose manager (in this sync) is still queued — its upload did
  // not get through — waits for the manager's outcome, and one whose manager was dead-lettered goes
  // without the reference. Managers in the same request come first in it.
  async function sendable(externalIds: string[]): Promise<string[]> {
    const here = new Set(externalIds);
    const out: string[] = [];
    for (const id of externalIds) {
      const view = book.managerView(id);
      const m = view === undefined ? undefined : book.get(view.externalId);
      // A manager not tried yet sorts later only when it exists already (an update after this create): no wait.
      const tried = m !== undefined && (m.attempts > 0 || m.refusals > 0 || m.waitFor !== undefined || book.isDeferred(m.externalId));
      if (view !== undefined && tried && !here.has(view.externalId) && view.state === 'queued') {
        if (book.isDeferred(view.externalId)) book.defer([id]);
        else book.hold([id]);
        if (book.get(id)?.waitFor !== undefined || book.isDeferred(id)) continue;
      }
      if (view?.state === 'dead-lettered' && view.known !== true && book.get(id)?.withoutManager === undefined) await dropManager(id, view.externalId);
      out.push(id);
    }
    return out;
  }

  async function upload(ids: string[]): Promise<void> {
    if (stoppedFor !== undefined) {
      book.stop(ids);
      return;
    }
    const externalIds = await sendable(ids);
    if (externalIds.length === 0) return;
    const request: BulkRequest = {
      schemas: [BULK_REQUEST_SCHEMA],
      Operations: await Promise.all(externalIds.map(async (id) => JSON.parse(await store.read(book.get(id)?.stored ?? -1)) as BulkOperation)),
      failOnErrors: null,
    };
    // Disables and resends may spend the budget's reserve; the rest stops where it begins.
    const callClass = externalIds.every((id) => { const r = book.get(id); return r?.intent === 'disable' || (r?.attempts ?? 0) > 0 || (r?.refusals ?? 0) > 0; }) ? 'reserved' : 'normal';
    if (gateClosed !== undefined && (gateClosed.why !== 'budget' || callClass === 'normal')) {
      book.defer(externalIds);
      return;
    }
    // Taken before sending: the service may process the records before the 202 reaches us.
    const at = now();
    try {
      const result = await deps.client.uploadBulkRequest(request, { callClass });
      firstUploadAt ??= at;
      requests += result.calls;
      mirror?.request({ requestId: result.requestId, at: new Date(at).toISOString(), operations: externalIds.length, status: 'accepted', ...(result.calls === 1 ? {} : { calls: result.calls }) });
      for (const id of externalIds) if ((book.get(id)?.attempts ?? 0) === 0) uploaded++;
      book.sent(externalIds, result.requestId, at);
    } catch (err) {
      if (!(err instanceof ProvisioningError)) {
        fatal ??= err;
        return;
      }
      const calls = callsMade(err);
      requests += calls;
      if (calls > 0) mirror?.request({ requestId: err.requestId ?? randomUUID(), at: new Date(at).toISOString(), operations: externalIds.length, status: err.kind, ...(calls === 1 ? {} : { calls }) });
      if (err instanceof GateClosedError) {
        if (gateClosed === undefined || (err.why === 'budget' && callClass === 'reserved')) gateClosed = err;
        book.defer(externalIds);
        logger.warn('Not sent: the gate is closed', { why: err.why, until: Number.isFinite(err.until) ? new Date(err.until).toISOString() : 'never', records: externalIds.length });
        return;
      }
      if (err.kind === 'auth' || err.kind === 'not-found') {
        // Every later request would fail the same way: stop and name the cause.
        fatal ??= err;
        return;
      }
      if (err.kind === 'invalid-request') {
        book.rejectedByService(externalIds, err.code ?? 'InvalidRequest', err.serviceMessage ?? err.message);
        logger.warn('Bulk request rejected by the service', { status: err.status, requestId: err.requestId, externalIds });
        return;
      }
      book.refused(externalIds, err.kind, err.message, now());
      logger.warn('Bulk request not accepted after retries; will resend', { kind: err.kind, externalIds });
    } finally {
      progress();
    }
  }

  async function dispatch(externalIds: string[]): Promise<void> {
    // Requests can overtake each other on the way: wait until the requests holding these records' managers are answered.
    const before = new Set<Promise<void>>();
    for (const id of externalIds) {
      const m = book.get(id)?.managerId;
      const p = m === undefined ? undefined : uploading.get(m);
      if (p !== undefined) before.add(p);
    }
    const task: Promise<void> = (before.size === 0 ? upload(externalIds) : Promise.all(before).then(() => upload(externalIds))).finally(() => {
      inflight.delete(task);
      for (const id of externalIds) if (uploading.get(id) === task) uploading.delete(id);
    });
    for (const id of externalIds) uploading.set(id, task);
    inflight.add(task);
    if (inflight.size >= options.inFlight) await Promise.race(inflight);
    if (fatal !== undefined) throw fatal;
  }

  async function send(batch: BulkBatch | undefined): Promise<void> {
    if (batch === undefined) return;
    confirming ??= confirmLoop().catch((err: unknown) => { fatal ??= err; });
    await dispatch(batch.externalIds);
  }

  async function resendDue(): Promise<void> {
    const found = book.due(now());
    if (found.length === 0) return;
    for (const r of found) if (r.dropManager !== undefined) await dropManager(r.externalId, r.dropManager);
    // Managers before their reports, as on the first pass.
    const due = managersFirst(found.map((r) => ({ r, externalId: r.externalId, ...(r.managerId === undefined ? {} : { managerId: r.managerId }) }))).map((x) => x.r);
    book.dispatch(due.map((r) => r.externalId));
    // Held back before their first upload (their manager's did not get through) is not a resend.
    const again = due.filter((r) => r.attempts > 0 || r.refusals > 0);
    resent += again.length;
    logger.info('Resending records', { records: due.length, externalIds: due.map((r) => r.externalId) });
    const batcher = new BulkBatcher(options.batchLimits);
    for (const r of due) await send(batcher.add({ externalId: r.externalId, line: r.line, json: await store.read(r.stored) }));
    await send(batcher.flush());
  }

  // Entries already in the logs when the sync starts (a run moments ago) must not confirm this one.
  async function readBaseline(): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    for await (const entry of deps.client.queryProvisioningLogs({ since: new Date(startedAt - options.clockSkewMs) })) {
      const id = entry.sourceIdentity?.id;
      const time = Date.parse(entry.activityDateTime);
      if (id !== undefined && !Number.isNaN(time) && time > (latest.get(id) ?? -Infinity)) latest.set(id, time);
    }
    return latest;
  }

  let newest = startedAt - options.clockSkewMs;
  async function readLogs(): Promise<void> {
    const since = new Date(Math.max(startedAt - options.clockSkewMs, newest - options.logLagMs));
    const outcomes: RecordOutcome[] = [];
    for await (const entry of deps.client.queryProvisioningLogs({ since, ...(options.logPageSize === undefined ? {} : { pageSize: options.logPageSize }) })) {
      const outcome = outcomeOf(entry);
      if (outcome !== undefined) outcomes.push(await withRecordMasked(outcome, book.get(outcome.externalId)?.stored, (n) => store.read(n)));
    }
    // Oldest first, so a failure and the later success of its resend apply in the order they happened.
    outcomes.sort((a, b) => Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime));
    const at = now();
    for (const o of outcomes) {
      const time = Date.parse(o.activityDateTime);
      if (time > newest) newest = time;
      const effect = book.apply(o, at);
      if (effect !== 'ignored') {
        lastOutcomeAt = at;
        logTally.outcomes++;
        // A report that reached the service before its manager fails for the reference: not a sign of a bad run.
        if (o.status === 'failure' && o.category !== 'reference-pending') logTally.failures++;
      }
      if (effect === 'retry') logger.info('Retryable failure; will resend', { externalId: o.externalId, errorCode: o.errorCode });
    }
    judgeFailureShare();
  }

  // Past the failure share: what is queued ends held, and nothing more is sent (upload holds the rest).
  function judgeFailureShare(): void {
    if (stoppedFor !== undefined) return;
    const tripped = checkFailureShare(logTally, { maxFailedPercent });
    if (tripped === undefined) return;
    stoppedFor = tripped;
    const held = book.stop();
    mirror?.stop(tripped, now());
    logger.warn('Run stopped: too many failures', { ...(mirror === undefined ? {} : { runId: mirror.runId }), outcomes: logTally.outcomes, failures: logTally.failures, percent: tripped.actual, limit: tripped.limit, notSent: held.length });
    emitEvent(EVENTS.runStopped, {
      runId: mirror?.runId, source: deps.nightly?.source.name, mode: 'sync', outcomes: logTally.outcomes, failures: logTally.failures, percent: tripped.actual, limit: tripped.limit, notSent: held.length,
    });
  }

  // Confirmation runs beside the uploads, so records confirm while later requests still go out.
  let confirming: Promise<void> | undefined;
  let uploadsDone = false;
  let stopped = false;
  let deadline = Infinity;
  async function confirmLoop(): Promise<void> {
    while (fatal === undefined && !stopped) {
      await sleep(options.pollIntervalMs);
      if (fatal !== undefined || stopped) return;
      if (firstUploadAt !== undefined) {
        try {
          await readLogs();
        } catch (err) {
          // A log read that failed for a passing reason is tried again at the next turn.
          if (!(err instanceof ProvisioningError) || !['throttled', 'transient', 'bucket-full'].includes(err.kind)) throw err;
          logger.warn('Reading the provisioning logs failed; trying again', { kind: err.kind, status: err.status, requestId: err.requestId });
        }
      }
      if (uploadsDone) await resendDue();
      progress();
      if (uploadsDone && inflight.size === 0 && book.settled()) return;
      if (now() >= deadline) return;
    }
  }

  try {
    if (deps.gate !== undefined) await checkJob(deps.client, deps.gate, logger);
    // Everyone the extract names, rejected rows included: a person whose row is rejected has not left.
    const present = new Set<string>();
    const onProblem = (p: Problem): void => {
      if (p.severity === 'error' && p.externalId !== undefined) present.add(p.externalId);
      hooks.onProblem(p);
    };
    const scan = await scanExtract(extract, mapping, { spool, onProblem, limits: options.batchLimits });
    file = scan.file;
    logger.info('Extract read', { rows: scan.rows, valid: scan.valid, rejected: scan.rejected });
    // A manager rejected here will not exist: unless the directory has them, their reports go without the reference.
    const known = deps.nightly === undefined ? undefined : peopleLookup((id) => (deps.nightly as SyncNightly).ledger.getPerson(id));
    const released = await readCandidates(spool.read(), scan, present, known, store);
    const candidates = released.candidates;
    for (const w of released.warnings) hooks.onProblem(w);
    const refs = candidates.flatMap((c) => (c.managerId === undefined ? [] : [{ externalId: c.externalId, line: c.line, managerId: c.managerId }]));
    for (const p of await unknownManagerWarnings(scan.file, refs, present, known)) hooks.onProblem(p);
    if (released.dropped.length > 0) logger.info('Reports of rejected managers go without the manager reference', { records: released.dropped.length });
    let queued: SendItem[] = managersFirst(candidates).map(({ externalId, line, stored, managerId }) => ({ externalId, line, stored, ...(managerId === undefined ? {} : { managerId }) }));
    let ledgerPart: SyncReport['ledger'];
    if (deps.nightly !== undefined) {
      const planned = await planSyncRun(deps.nightly, { candidates, present, rows: scan.rows, rejected: scan.rejected, now: startedAt, store });
      const p = planned.plan;
      ledgerPart = { runId: p.runId, source: deps.nightly.source.name, plan: p.summary, held: p.held, holding: p.holding, unchanged: p.unchanged, leavers: p.leavers };
      logger.info(p.holding ? 'Run held' : 'Run planned', { runId: p.runId, source: deps.nightly.source.name, toSend: p.toSend.length, unchanged: p.unchanged, leavers: p.leavers, thresholds: p.held.map((h) => h.threshold) });
      emitEvent(EVENTS.runStarted, { runId: p.runId, source: deps.nightly.source.name, kind: deps.nightly.source.kind, mode: 'sync' });
      if (p.holding) {
        emitEvent(EVENTS.runHeld, {
          runId: p.runId, source: deps.nightly.source.name, mode: 'sync', stage: 'guard', thresholds: p.held.map((h) => h.threshold), limits: p.held.map((h) => h.limit),
          actuals: p.held.map((h) => h.actual), rows: scan.rows, rejected: scan.rejected, notSent: p.toSend.length,
        });
      }
      queued = p.holding ? [] : p.toSend;
      if (!p.holding) mirror = planned.mirror;
      inDirectory = planned.inDirectory;
    }
    total = queued.length;
    phase = 'uploading';
    progress();
    const baseline = queued.length > 0 ? await readBaseline() : new Map<string, number>();
    try {
      const batcher = new BulkBatcher(options.batchLimits);
      for (const q of queued) {
        const seen = Math.max(baseline.get(q.externalId) ?? -Infinity, q.seenUpTo ?? -Infinity);
        book.add(q.externalId, q.line, q.stored, Number.isFinite(seen) ? seen : undefined, q.intent, q.managerId);
        await send(batcher.add({ externalId: q.externalId, line: q.line, json: await store.read(q.stored) }));
      }
      await send(batcher.flush());
      await Promise.all(inflight);
      if (fatal !== undefined) throw fatal;
      uploadsDone = true;
      phase = 'confirming';
      deadline = now() + options.timeoutMs;
      progress();
      await confirming;
      if (fatal !== undefined) throw fatal;
      // Resends dispatched by the last loop turn may still be in flight when the time runs out.
      await Promise.all(inflight);
      if (fatal !== undefined) throw fatal;
    } finally {
      stopped = true;
      await confirming;
    }
    const notConfirmed = book.open().map(summary);
    const deferred = book.deferred().map(summary);
    if (mirror !== undefined && deferred.length > 0) {
      // Never sent: the run ends without them and the next run sends them (People does not know them as sent).
      book.abandon(`not sent: ${gateClosed?.detail ?? 'the daily budget was spent'}; the next run sends it`, now(), { deferred: true, code: gateClosed?.why === 'job' ? 'JobNotActive' : 'DeferredForBudget' });
    }
    if (mirror !== undefined) {
      // The run ends now: what is still open ends dead-lettered, and the next run sends it again.
      book.abandon(`no provisioning log entry before the sync stopped waiting (--timeout); the next run sends it again`, now());
      await mirror.complete(now());
    }
    phase = 'done';
    progress();
    const { withdrawn: _withdrawn, ...scanSummary } = scan;
    const report: SyncReport = {
      scan: scanSummary,
      requests,
      uploaded,
      resent,
      confirmed: book.tally().confirmed,
      disabled: book.tally().disabled,
      confirmedWithWarning: book.inState('confirmed').filter((r) => r.outcome?.status === 'warning').length,
      skipped: book.tally().skipped,
      failed: book.inState('dead-lettered').filter((r) => mirror === undefined || !['NotConfirmed', 'DeferredForBudget', 'JobNotActive'].includes(r.errorCode ?? '')).map(summary),
      notConfirmed,
      deferred,
      withoutManager: [
        ...released.dropped.map((d) => ({ externalId: d.externalId, line: d.line, manager: d.managerId, state: book.get(d.externalId)?.state ?? (ledgerPart?.holding === true ? 'held' : 'unchanged') })),
        ...book.withoutManager().map((r) => ({ externalId: r.externalId, line: r.line, manager: r.withoutManager as string, state: r.state })),
      ].sort((a, b) => a.line - b.line),
      outcomes: { ...logTally },
      ...(stoppedFor === undefined ? {} : { stopped: stoppedFor }),
      held: stoppedFor === undefined ? [] : book.inState('held').map(summary),
      ...(gateClosed === undefined || deferred.length === 0 ? {} : {
        deferredWhy: { why: gateClosed.why, detail: gateClosed.detail, ...(Number.isFinite(gateClosed.until) ? { until: new Date(gateClosed.until).toISOString() } : {}) },
      }),
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(now()).toISOString(),
      ...(firstUploadAt === undefined ? {} : { firstUploadAt: new Date(firstUploadAt).toISOString() }),
      ...(lastOutcomeAt === undefined ? {} : { lastOutcomeAt: new Date(lastOutcomeAt).toISOString() }),
      ...(ledgerPart === undefined ? {} : { ledger: ledgerPart }),
    };
    logger.info('Sync finished', {
      requests, uploaded, resent, confirmed: report.confirmed, skipped: report.skipped,
      failed: report.failed.length, notConfirmed: report.notConfirmed.length, deferred: deferred.length, held: report.held.length, rejected: scan.rejected,
    });
    emitEvent(EVENTS.syncFinished, {
      runId: ledgerPart?.runId, source: ledgerPart?.source, requests, uploaded, resent, confirmed: report.confirmed, skipped: report.skipped,
      failed: report.failed.length, notConfirmed: report.notConfirmed.length, deferred: deferred.length, held: report.held.length, rejected: scan.rejected,
    });
    return report;
  } finally {
    await Promise.allSettled(inflight);
    await Promise.all([spool.dispose(), store.dispose()]);
  }
}

/** The provisioning job is not Active: the sync sends nothing. */
export class JobNotActiveError extends Error {
  override readonly name = 'JobNotActiveError';
  constructor(readonly job: JobHealth) {
    super(`nothing was sent: ${describeJob(job)}`);
  }
}

// A job that is not Active stages what it gets and processes none of it: send nothing, say why. A
// missing permission to read the job is said, and the sync goes on as before.
async function checkJob(client: Pick<ProvisioningClient, 'getJob'>, gate: Pick<ApiGate, 'noteJob'>, logger: Logger): Promise<void> {
  let job: JobHealth;
  try {
    job = await client.getJob();
  } catch (err) {
    if (err instanceof AuthError && err.status === 403) {
      logger.warn('Cannot read the provisioning job (Synchronization.Read.All); sending without knowing whether it is paused', { status: 403 });
      return;
    }
    throw err;
  }
  await gate.noteJob(job);
  if (!jobAcceptsUploads(job)) throw new JobNotActiveError(job);
}

function summary(r: SyncRecord): RecordSummary {
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
