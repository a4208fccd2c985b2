// The record lifecycle, once: which states a record of a run can be in and what moves it from
// one to the next. lib/pipeline (the ledger in Table storage) and lib/sync (the one-process
// record book) both ask `nextState` and store what it answers, so the two modes cannot drift
// apart on when a failure is retried, when it is final, or which log entry counts.

/** Every state a record of a run can be in. */
export const RECORD_STATES = ['held', 'queued', 'submitted', 'confirmed', 'disabled', 'skipped', 'unchanged', 'dead-lettered'] as const;
export type RecordState = (typeof RECORD_STATES)[number];

/**
 * - `held`: its run was held by the guard (before sending, or stopped over the failure share); this record was not sent. Final unless the run is approved.
 * - `queued`: to be sent (first time, or again after a retryable failure).
 * - `submitted`: accepted by bulkUpload, waiting for its provisioning log entry.
 * - `confirmed`: the logs report it created or updated.
 * - `disabled`: the logs report the disable hrsync sent (a leaver, or `active: false`).
 * - `skipped`: the service found nothing to change.
 * - `unchanged`: not sent, because the directory already holds this very record (or another source owns it).
 * - `dead-lettered`: will not succeed without a person's help; the reason says why.
 */
export const STATE_MEANINGS: Readonly<Record<RecordState, string>> = {
  held: 'not sent: its run was held by the guard (or stopped for too many failures)',
  queued: 'waiting to be sent',
  submitted: 'sent, waiting for its provisioning log entry',
  confirmed: 'created or updated, confirmed in the provisioning logs',
  disabled: 'disabled, confirmed in the provisioning logs',
  skipped: 'the service found nothing to change',
  unchanged: 'not sent: nothing changed since it was last confirmed',
  'dead-lettered': 'failed for good; the reason says why',
};

const OPEN: ReadonlySet<RecordState> = new Set(['queued', 'submitted']);

/** Whether a record still needs the pipeline (queued or submitted). */
export function isOpen(state: RecordState): boolean {
  return OPEN.has(state);
}

/** Counts of records by state, every state present. */
export function emptyCounts(): Record<RecordState, number> {
  return Object.fromEntries(RECORD_STATES.map((s) => [s, 0])) as Record<RecordState, number>;
}

/** Why a record is in a run: decided when the run is planned. */
export type Intent = 'create' | 'update' | 'disable' | 'resend';

/** What the lifecycle needs to know of a record. Times are milliseconds since the epoch. */
export interface LifecycleRecord {
  state: RecordState;
  /** Submissions accepted by bulkUpload. */
  attempts: number;
  /** Uploads that never got through (throttled or failing to the end of the client's retries). */
  refusals?: number;
  intent?: Intent;
  lastRequestId?: string;
  /** When the latest accepted submission was started. */
  lastSubmittedAt?: number;
  /** Log entries at or before this time are about an earlier attempt (or an earlier run). */
  lastOutcomeAt?: number;
}

/** A provisioning log entry's verdict on a record, as lib/provisioning classifies it. */
export interface LoggedOutcome {
  status: 'success' | 'warning' | 'skipped' | 'failure';
  /** provisioningAction: create | update | disable | delete | stagedDelete | other. */
  action?: string;
  /** The entry's activityDateTime, in ms. */
  at: number;
  errorCode?: string;
  reason?: string;
  retryable?: boolean;
  /** 'reference-pending': a reference (the manager) could not be resolved yet; 'out-of-scope': scoping excluded it. */
  category?: string;
}

/** The record's manager when the same run holds it, for a retry that may wait for it. */
export interface ManagerView {
  externalId: string;
  state: RecordState;
  lastErrorCode?: string;
  /** Whether waiting for this manager ends: it is open and its own chain of waits does not come back to the record. */
  waitable: boolean;
  /** Whether the directory holds the manager from an earlier run (People); asked only once the manager is dead-lettered. */
  known?: boolean;
}

/** The named transitions: what happened to a record. */
export type LifecycleEvent =
  /** bulkUpload accepted a request holding the record. */
  | { type: 'submitted'; requestId: string; at: number }
  /** An upload holding the record never got through; nothing reached the service. */
  | { type: 'refused'; code: string; reason: string; at: number }
  /** The service refused the record's own request (400): resending the same record cannot help. */
  | { type: 'refused-by-service'; code: string; reason: string; at: number }
  /** A provisioning log entry about the record. */
  | { type: 'logged'; outcome: LoggedOutcome; manager?: ManagerView; now: number }
  /** No log entry appeared within the confirm timeout. */
  | { type: 'timed-out'; reason: string; manager?: ManagerView; now: number }
  /** The host gave up on the record's message. */
  | { type: 'poisoned'; code: string; reason: string; at: number }
  /** A person approved the held run. */
  | { type: 'approved' }
  /** Its run stopped sending (too many failures): a record not yet sent waits, held, for a person's decision. */
  | { type: 'stopped' }
  /** A person replayed the dead-lettered record's message. */
  | { type: 'replayed' }
  /** A one-process sync stops waiting (its --timeout) with the record still open; its next run sends it again. */
  | { type: 'abandoned'; reason: string; at: number; /** Default NotConfirmed. */ code?: string }
  /**
   * A queued record's manager will not exist in the directory this run (rejected or dead-lettered, and not in People):
   * it goes without the manager reference. `payload` and `payloadHash` are what is sent now, so People learn the record
   * without its manager and the next run, finding the reference in the extract, sends it again.
   */
  | { type: 'manager-dropped'; managerId: string; payload: string; payloadHash: string };

export interface LifecyclePolicy {
  /** Accepted submissions (or refused uploads) before a retryable failure is final. */
  maxAttempts: number;
  /** First wait before a resend; doubles per try up to maxRetryMs. */
  retryBaseMs: number;
  maxRetryMs: number;
  /** Tolerated difference between our clock and the service's activity times. */
  clockSkewMs: number;
}

export const DEFAULT_POLICY: LifecyclePolicy = { maxAttempts: 5, retryBaseMs: 60_000, maxRetryMs: 3_600_000, clockSkewMs: 5_000 };

/** What a transition does: the new state and the fields to store with it. */
export interface Transition {
  from: RecordState;
  to: RecordState;
  effect: 'submitted' | 'confirmed' | 'disabled' | 'skipped' | 'retry' | 'wait' | 'dead-lettered' | 'released' | 'manager-dropped' | 'stopped';
  attempts: number;
  refusals: number;
  lastRequestId?: string;
  lastSubmittedAt?: number;
  lastOutcomeAt?: number;
  /** The log entry's provisioningAction, for created/updated counts. */
  action?: string;
  errorCode?: string;
  /** The service's (or hrsync's) reason: for reports, never for logs. */
  reason?: string;
  /** A retry: send again after this long. */
  retryDelayMs?: number;
  /** A retry held until this manager (same run) is final, instead of on a timer. */
  waitFor?: string;
  /** A retry that goes without the reference to this manager (dead-lettered, not in the directory): the caller drops it ('manager-dropped'). */
  dropManager?: string;
  /** 'manager-dropped': the manager whose reference the record no longer carries, and what it sends instead. */
  withoutManager?: string;
  payload?: string;
  payloadHash?: string;
}

/** The delay before the n-th retry (n ≥ 1): the base, doubling, capped. */
export function retryDelay(policy: LifecyclePolicy, tries: number): number {
  return Math.min(policy.maxRetryMs, policy.retryBaseMs * 2 ** Math.max(0, tries - 1));
}

/** Whether a log entry at `at` is about the record's current attempt. */
export function entryBelongs(record: LifecycleRecord, at: number, policy: LifecyclePolicy): boolean {
  if (record.state !== 'submitted' || Number.isNaN(at)) return false;
  if (record.lastSubmittedAt !== undefined && at < record.lastSubmittedAt - policy.clockSkewMs) return false;
  // An entry at or before the outcome that sent the record back is about the earlier attempt.
  return record.lastOutcomeAt === undefined || at > record.lastOutcomeAt;
}

// Two copies of one attempt reached the service (two uploads both sent it): one failed and sent the
// record back to the queue, the other then succeeded. The account is there, as sent: resending it
// would only be logged as nothing to change, and the record would end skipped. An entry after the
// failure, for a record not sent again since, can only be that other copy's. (Reconcile reads a
// queued record again when an entry newer than its last outcome comes: pipeline/reconcile.ts.)
function succeededAfterSentBack(record: LifecycleRecord, status: LoggedOutcome['status'], at: number, policy: LifecyclePolicy): boolean {
  if (record.state !== 'queued' || (status !== 'success' && status !== 'warning') || Number.isNaN(at)) return false;
  if (record.lastSubmittedAt === undefined || record.lastOutcomeAt === undefined) return false;
  return at > record.lastOutcomeAt && at >= record.lastSubmittedAt - policy.clockSkewMs;
}

/** Whether a log entry with this status at `at` settles the record: its current attempt's, or a late success of a copy sent before it went back. */
export function entrySettles(record: LifecycleRecord, status: LoggedOutcome['status'], at: number, policy: LifecyclePolicy): boolean {
  return entryBelongs(record, at, policy) || succeededAfterSentBack(record, status, at, policy);
}

/** The record's next state after `event`; undefined when the event does not apply to it (nothing changes). */
export function nextState(record: LifecycleRecord, event: LifecycleEvent, policy: LifecyclePolicy = DEFAULT_POLICY): Transition | undefined {
  const base = { from: record.state, attempts: record.attempts, refusals: record.refusals ?? 0 };
  switch (event.type) {
    case 'submitted':
      // The same request recorded twice (a retried invocation) counts once.
      if (!isOpen(record.state) || record.lastRequestId === event.requestId) return undefined;
      if (record.state === 'submitted') {
        // A second request carried the same attempt: two uploads read the record queued and both
        // sent it (a manager taken along while its own message went too). The service acts on the
        // first copy it gets and logs the later one as nothing to change. The earliest submission
        // stays the attempt's, so the first entry settles the record: taking the later one, the
        // entry that created the account predated the attempt and was ignored, and a created
        // manager ended skipped. No attempt is counted: the same one went twice.
        if (record.lastSubmittedAt !== undefined && event.at >= record.lastSubmittedAt) return undefined;
        return { ...base, to: 'submitted', effect: 'submitted', lastSubmittedAt: event.at };
      }
      return { ...base, to: 'submitted', effect: 'submitted', attempts: record.attempts + 1, lastRequestId: event.requestId, lastSubmittedAt: event.at };
    case 'refused': {
      if (record.state !== 'queued') return undefined;
      const refusals = base.refusals + 1;
      if (refusals >= policy.maxAttempts) {
        return {
          ...base,
          refusals,
          to: 'dead-lettered',
          effect: 'dead-lettered',
          errorCode: event.code,
          reason: `${event.reason} (gave up after ${refusals} uploads that did not get through)`,
          lastOutcomeAt: event.at,
        };
      }
      return { ...base, refusals, to: 'queued', effect: 'retry', errorCode: event.code, reason: event.reason, retryDelayMs: retryDelay(policy, refusals) };
    }
    case 'refused-by-service':
    case 'poisoned':
      if (!isOpen(record.state)) return undefined;
      return { ...base, to: 'dead-lettered', effect: 'dead-lettered', errorCode: event.code, reason: event.reason, lastOutcomeAt: event.at };
    case 'abandoned':
      if (!isOpen(record.state)) return undefined;
      return { ...base, to: 'dead-lettered', effect: 'dead-lettered', errorCode: event.code ?? 'NotConfirmed', reason: event.reason, lastOutcomeAt: event.at };
    case 'logged':
      return logged(record, event.outcome, event.manager, event.now, policy, base);
    case 'timed-out':
      if (record.state !== 'submitted') return undefined;
      return retryOrGiveUp(record, { errorCode: 'NotInLogs', reason: event.reason }, event.manager, false, event.now, event.now, policy, base);
    case 'manager-dropped':
      // Only before it is sent again: an attempt on its way keeps what it carries.
      if (record.state !== 'queued') return undefined;
      return { ...base, to: 'queued', effect: 'manager-dropped', withoutManager: event.managerId, payload: event.payload, payloadHash: event.payloadHash, retryDelayMs: 0 };
    case 'approved':
      return record.state === 'held' ? { ...base, to: 'queued', effect: 'released' } : undefined;
    case 'stopped':
      return record.state === 'queued' ? { ...base, to: 'held', effect: 'stopped' } : undefined;
    case 'replayed':
      return record.state === 'dead-lettered' ? { ...base, to: 'queued', effect: 'released' } : undefined;
  }
}

type Base = Pick<Transition, 'from' | 'attempts' | 'refusals'>;

function logged(record: LifecycleRecord, o: LoggedOutcome, manager: ManagerView | undefined, now: number, policy: LifecyclePolicy, base: Base): Transition | undefined {
  if (!entrySettles(record, o.status, o.at, policy)) return undefined;
  const described = {
    ...(o.errorCode === undefined ? {} : { errorCode: o.errorCode }),
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.action === undefined ? {} : { action: o.action }),
  };
  if (o.status === 'success' || o.status === 'warning') {
    const disabled = record.intent === 'disable' || o.action === 'disable';
    return { ...base, ...described, to: disabled ? 'disabled' : 'confirmed', effect: disabled ? 'disabled' : 'confirmed', lastOutcomeAt: o.at };
  }
  if (o.status === 'skipped' && o.category !== 'out-of-scope') return { ...base, ...described, to: 'skipped', effect: 'skipped', lastOutcomeAt: o.at };
  const why = { errorCode: o.errorCode ?? o.status, reason: o.reason ?? `the provisioning log reported ${o.status}` };
  // Scoping excluded the record: resending the same record changes nothing.
  if (o.status === 'skipped' || o.retryable !== true) return { ...base, ...why, to: 'dead-lettered', effect: 'dead-lettered', lastOutcomeAt: o.at };
  return retryOrGiveUp(record, why, manager, o.category === 'reference-pending', o.at, now, policy, base);
}

// `at` is the time of the outcome that sends the record back: the log entry's, or now for a timeout.
function retryOrGiveUp(
  record: LifecycleRecord,
  why: { errorCode: string; reason: string },
  manager: ManagerView | undefined,
  referencePending: boolean,
  at: number,
  now: number,
  policy: LifecyclePolicy,
  base: Base,
): Transition {
  if (record.attempts >= policy.maxAttempts) {
    // The service's text for a pending reference says it resolves later; at the end that is no longer true.
    const reason = referencePending ? referenceGivenUp(record.attempts, manager) : `${why.reason} (gave up after ${record.attempts} attempts)`;
    return { ...base, to: 'dead-lettered', effect: 'dead-lettered', errorCode: why.errorCode, reason, lastOutcomeAt: Math.max(at, now) };
  }
  // A manager dead-lettered in this run, and not in the directory from before, will not exist this run: every
  // further try with the reference fails (and holds up everyone below). The person gets their account without
  // it now; the next run, with the manager fixed, sends the reference.
  if (referencePending && manager?.state === 'dead-lettered' && manager.known !== true) {
    return {
      ...base,
      to: 'queued',
      effect: 'retry',
      retryDelayMs: 0,
      dropManager: manager.externalId,
      errorCode: why.errorCode,
      lastOutcomeAt: at,
      reason: `its manager ${manager.externalId} was dead-lettered in this run${manager.lastErrorCode === undefined ? '' : ` (${manager.lastErrorCode})`} and is not in the directory: sent again without the manager reference`,
    };
  }
  // Sent again once its manager is final, not on a timer: a report resent before its manager
  // exists fails again, and one early race would cascade down the tree.
  if (manager?.waitable === true) return { ...base, ...why, to: 'queued', effect: 'wait', waitFor: manager.externalId, lastOutcomeAt: at };
  return { ...base, ...why, to: 'queued', effect: 'retry', retryDelayMs: retryDelay(policy, record.attempts), lastOutcomeAt: at };
}

// Why a report whose manager reference never resolved ended, true for each case of its manager.
function referenceGivenUp(attempts: number, manager: ManagerView | undefined): string {
  const tries = `the manager reference could not be resolved in ${attempts} attempts`;
  if (manager === undefined)
    return `${tries}: its manager is neither in this run nor in the directory; fix the manager's externalId in the HR data (or send the manager), and the next run sends the record again`;
  if (manager.state === 'dead-lettered')
    return `${tries}: its manager ${manager.externalId} failed in this run${manager.lastErrorCode === undefined ? '' : ` (${manager.lastErrorCode})`}; fix the manager and the next run sends both`;
  if (isOpen(manager.state)) return `${tries}: its manager ${manager.externalId} was still not confirmed; the next run sends the record again`;
  return `${tries} although its manager ${manager.externalId} ended ${manager.state} in this run; the next run sends the record again`;
}
