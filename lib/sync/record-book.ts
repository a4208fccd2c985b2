// Where each record of a direct sync stands, from the first upload to a final state. The rules
// are lib/core/lifecycle's, the same the pipeline's ledger applies; this book only keeps the
// records in memory, with what a one-process sync needs besides (when a resend is due).
import { emptyCounts, isOpen, nextState } from '../core/lifecycle.js';
import type { Intent, LifecycleEvent, LifecyclePolicy, ManagerView, RecordState, Transition } from '../core/lifecycle.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';

export interface SyncRecord {
  externalId: string;
  /** Line of the extract the record came from (0 for a leaver, who is in no line). */
  line: number;
  /** Its operation's number in the OperationStore, for resends. */
  stored: number;
  state: RecordState;
  intent?: Intent;
  /** Uploads accepted with this record in them. */
  attempts: number;
  /** Uploads that failed before the service accepted them. */
  refusals: number;
  /** Local time the last accepted upload was started (ms). */
  lastSubmittedAt?: number;
  /** Log entries at or before this activity time (ms) are about an earlier attempt. */
  lastOutcomeAt?: number;
  /** When a queued record is due for resending (ms); absent while its first upload or a resend is on its way. */
  dueAt?: number;
  lastRequestId?: string;
  outcome?: RecordOutcome;
  /** Why the record failed or was last retried: the service's code and reason, or the upload error. */
  errorCode?: string;
  reason?: string;
  /** The manager its operation names, when that manager is in this sync too. */
  managerId?: string;
  /** A queued record held until this manager's outcome (not on a timer): sending it first fails it. */
  waitFor?: string;
  /** Due to go without the reference to this manager (dead-lettered, not in the directory): the sender drops it first. */
  dropManager?: string;
  /** Sent without the reference to this manager. */
  withoutManager?: string;
}

/** What applying one log outcome did. */
export type OutcomeEffect = Transition['effect'] | 'ignored';

/** Tracks every record of one sync by externalId. */
export class RecordBook {
  private readonly records = new Map<string, SyncRecord>();
  private readonly counts = emptyCounts();
  /** Queued records the gate turned away (budget, job): never sent, and not waited for. */
  private readonly deferredIds = new Set<string>();
  /** Records waiting for each manager's outcome. */
  private readonly waiters = new Map<string, Set<string>>();

  /**
   * `onTransition` hears every event that moved a record, e.g. to mirror it into the ledger;
   * `inDirectory` says whether the directory held someone before this sync (People), when known.
   */
  constructor(
    private readonly policy: LifecyclePolicy,
    private readonly onTransition?: (externalId: string, event: LifecycleEvent) => void,
    private readonly inDirectory: (externalId: string) => boolean = () => false,
  ) {}

  /** Registers a record before its first upload; log entries at or before `seenUpTo` (ms) belong to earlier runs. */
  add(externalId: string, line: number, stored: number, seenUpTo?: number, intent?: Intent, managerId?: string): void {
    if (this.records.has(externalId)) throw new Error(`record ${externalId} registered twice`);
    this.records.set(externalId, {
      externalId,
      line,
      stored,
      state: 'queued',
      attempts: 0,
      refusals: 0,
      ...(seenUpTo === undefined ? {} : { lastOutcomeAt: seenUpTo }),
      ...(intent === undefined ? {} : { intent }),
      ...(managerId === undefined || managerId === externalId ? {} : { managerId }),
    });
    this.counts.queued++;
  }

  /** The record's manager when this sync holds it: open, final, or dead-lettered and whether the directory has it. */
  managerView(externalId: string): ManagerView | undefined {
    const r = this.records.get(externalId);
    const m = r?.managerId === undefined ? undefined : this.records.get(r.managerId);
    if (r === undefined || m === undefined) return undefined;
    // Waiting ends only if the chain of waits above the manager does not come back to the record.
    let waitable = isOpen(m.state) && !this.deferredIds.has(m.externalId);
    let next = m.waitFor;
    for (let hops = 0; waitable && next !== undefined; hops++) {
      if (next === externalId || hops >= 50) waitable = false;
      else next = this.records.get(next)?.waitFor;
    }
    return {
      externalId: m.externalId,
      state: m.state,
      waitable,
      ...(m.errorCode === undefined ? {} : { lastErrorCode: m.errorCode }),
      ...(m.state === 'dead-lettered' ? { known: this.inDirectory(m.externalId) } : {}),
    };
  }

  /** Holds queued records until their manager's outcome: the manager's upload did not get through, and a report sent first fails. */
  hold(externalIds: readonly string[]): void {
    for (const id of externalIds) {
      const r = this.require(id);
      const view = this.managerView(id);
      if (r.state !== 'queued' || view?.waitable !== true) continue;
      delete r.dueAt;
      this.waitOn(r, view.externalId);
    }
  }

  /** The records sent without their manager's reference, in line order. */
  withoutManager(): SyncRecord[] {
    return [...this.records.values()].filter((r) => r.withoutManager !== undefined).sort((a, b) => a.line - b.line);
  }

  /** A queued record goes without its manager reference from now on: `stored` is its new operation, `payload` and `payloadHash` what it sends. */
  dropManager(externalId: string, managerId: string, stored: number, payload: string, payloadHash: string, now: number): boolean {
    const r = this.require(externalId);
    // The drop changes what is sent, not when: a record already on its way (dispatched, or in the request
    // being built) must not fall due again, or it is sent twice.
    const due = r.dueAt;
    const t = this.apply1(r, { type: 'manager-dropped', managerId, payload, payloadHash }, now);
    delete r.dropManager;
    if (due === undefined) delete r.dueAt;
    else r.dueAt = due;
    if (t === undefined) return false;
    r.stored = stored;
    r.withoutManager = managerId;
    return true;
  }

  private waitOn(r: SyncRecord, managerId: string): void {
    r.waitFor = managerId;
    const set = this.waiters.get(managerId);
    if (set === undefined) this.waiters.set(managerId, new Set([r.externalId]));
    else set.add(r.externalId);
  }

  // The manager is final: its waiters are due now, without the reference if it will not exist.
  private release(manager: SyncRecord, now: number): void {
    const ids = this.waiters.get(manager.externalId);
    if (ids === undefined) return;
    this.waiters.delete(manager.externalId);
    const gone = manager.state === 'dead-lettered' && !this.inDirectory(manager.externalId);
    for (const id of ids) {
      const w = this.records.get(id);
      if (w === undefined || w.waitFor !== manager.externalId) continue;
      delete w.waitFor;
      if (w.state !== 'queued') continue;
      if (gone && w.withoutManager === undefined) w.dropManager = manager.externalId;
      w.dueAt = now;
    }
  }

  get(externalId: string): SyncRecord | undefined {
    return this.records.get(externalId);
  }

  /** How many records are in each state. */
  tally(): Readonly<Record<RecordState, number>> {
    return { ...this.counts };
  }

  /** Queued records sent back after a failure (a resend is due at some point). */
  retrying(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.state === 'queued' && r.dueAt !== undefined) n++;
    return n;
  }

  /** Whether every record has a final state, or waits for the gate. */
  settled(): boolean {
    return this.counts.queued - this.deferredIds.size + this.counts.submitted === 0;
  }

  /** Keeps queued records out of this sync: the gate said no (daily budget, the job), so nothing is sent or awaited for them. */
  defer(externalIds: readonly string[]): void {
    for (const id of externalIds) {
      if (this.require(id).state !== 'queued' || this.deferredIds.has(id)) continue;
      this.deferredIds.add(id);
      // Who waits for a record that will not be sent cannot go either.
      const waiting = this.waiters.get(id);
      if (waiting !== undefined) this.defer([...waiting]);
    }
  }

  /** Records the gate turned away, in line order. */
  deferred(): SyncRecord[] {
    return [...this.deferredIds].map((id) => this.require(id)).sort((a, b) => a.line - b.line);
  }

  /** Whether a record waits for the gate. */
  isDeferred(externalId: string): boolean {
    return this.deferredIds.has(externalId);
  }

  /** Marks records as accepted by bulkUpload in one request. */
  sent(externalIds: readonly string[], requestId: string, now: number): void {
    for (const id of externalIds) this.apply1(this.require(id), { type: 'submitted', requestId, at: now }, now);
  }

  /** Records an upload that never got through (throttled or transient to the end of its retries): no attempt is spent. */
  refused(externalIds: readonly string[], code: string, reason: string, now: number): void {
    for (const id of externalIds) this.apply1(this.require(id), { type: 'refused', code, reason, at: now }, now);
  }

  /** Fails records whose request the service rejected as a whole (400): resending it cannot help. */
  rejectedByService(externalIds: readonly string[], code: string, reason: string, now = Date.now()): void {
    for (const id of externalIds) this.apply1(this.require(id), { type: 'refused-by-service', code, reason, at: now }, now);
  }

  /** Applies one outcome from the provisioning logs; entries about other records or earlier attempts are ignored. */
  apply(outcome: RecordOutcome, now: number): OutcomeEffect {
    const r = this.records.get(outcome.externalId);
    if (r === undefined) return 'ignored';
    const manager = outcome.status === 'failure' && outcome.retryable === true ? this.managerView(r.externalId) : undefined;
    const t = this.apply1(
      r,
      {
        type: 'logged',
        now,
        ...(manager === undefined ? {} : { manager }),
        outcome: {
          status: outcome.status,
          action: outcome.action,
          at: Date.parse(outcome.activityDateTime),
          ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
          ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
          ...(outcome.retryable === undefined ? {} : { retryable: outcome.retryable }),
          ...(outcome.category === undefined ? {} : { category: outcome.category }),
        },
      },
      now,
    );
    if (t !== undefined) r.outcome = outcome;
    return t?.effect ?? 'ignored';
  }

  /** Ends every open record (or only the deferred ones): the sync stops waiting. Returns them as they were, in line order. */
  abandon(reason: string, now: number, which: { deferred?: boolean; code?: string } = {}): SyncRecord[] {
    const open = (which.deferred === true ? this.deferred() : this.open()).map((r) => ({ ...r }));
    for (const r of open) {
      this.deferredIds.delete(r.externalId);
      this.apply1(this.require(r.externalId), { type: 'abandoned', reason, at: now, ...(which.code === undefined ? {} : { code: which.code }) }, now);
    }
    return open;
  }

  /** The sync stops sending (too many failures): queued records, the given ones or all, end held. Returns the ids held. */
  stop(externalIds?: readonly string[]): string[] {
    const ids = externalIds ?? this.inState('queued').map((r) => r.externalId);
    const out: string[] = [];
    for (const id of ids) {
      const r = this.require(id);
      if (this.apply1(r, { type: 'stopped' }, Date.now()) === undefined) continue;
      this.deferredIds.delete(id);
      delete r.dueAt;
      out.push(id);
    }
    return out;
  }

  /** Marks due queued records as on their way, so none is sent twice. */
  dispatch(externalIds: readonly string[]): void {
    for (const id of externalIds) delete this.require(id).dueAt;
  }

  /** Queued records whose resend is due, in line order. */
  due(now: number): SyncRecord[] {
    const out: SyncRecord[] = [];
    for (const r of this.records.values()) if (r.state === 'queued' && r.dueAt !== undefined && r.dueAt <= now) out.push(r);
    return out.sort((a, b) => a.line - b.line);
  }

  /** The earliest time a queued record falls due, if any waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const r of this.records.values()) {
      if (r.state === 'queued' && r.dueAt !== undefined && (next === undefined || r.dueAt < next)) next = r.dueAt;
    }
    return next;
  }

  /** Every record in the given state, in line order. */
  inState(state: RecordState): SyncRecord[] {
    const out: SyncRecord[] = [];
    for (const r of this.records.values()) if (r.state === state) out.push(r);
    return out.sort((a, b) => a.line - b.line);
  }

  /** Every record still open (queued or submitted) and not deferred, in line order. */
  open(): SyncRecord[] {
    const out: SyncRecord[] = [];
    for (const r of this.records.values()) if (isOpen(r.state) && !this.deferredIds.has(r.externalId)) out.push(r);
    return out.sort((a, b) => a.line - b.line);
  }

  private apply1(r: SyncRecord, event: LifecycleEvent, now: number): Transition | undefined {
    const t = nextState(r, event, this.policy);
    if (t === undefined) return undefined;
    this.counts[r.state]--;
    this.counts[t.to]++;
    r.state = t.to;
    r.attempts = t.attempts;
    r.refusals = t.refusals;
    if (t.lastRequestId !== undefined) r.lastRequestId = t.lastRequestId;
    if (t.lastSubmittedAt !== undefined) r.lastSubmittedAt = t.lastSubmittedAt;
    if (t.lastOutcomeAt !== undefined) r.lastOutcomeAt = t.lastOutcomeAt;
    if (t.errorCode !== undefined) r.errorCode = t.errorCode;
    if (t.reason !== undefined) r.reason = t.reason;
    if (t.retryDelayMs !== undefined) r.dueAt = now + t.retryDelayMs;
    else delete r.dueAt;
    if (r.waitFor !== undefined && t.waitFor !== r.waitFor) {
      this.waiters.get(r.waitFor)?.delete(r.externalId);
      delete r.waitFor;
    }
    if (t.waitFor !== undefined) this.waitOn(r, t.waitFor);
    if (t.dropManager !== undefined) r.dropManager = t.dropManager;
    this.onTransition?.(r.externalId, event);
    if (!isOpen(t.to)) this.release(r, now);
    return t;
  }

  private require(externalId: string): SyncRecord {
    const r = this.records.get(externalId);
    if (r === undefined) throw new Error(`record ${externalId} was never registered`);
    return r;
  }
}
