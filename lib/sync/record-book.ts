// Where each record of a direct sync stands, from the first upload to a final outcome. Pure:
// the orchestrator feeds it uploads, log outcomes and the time; it answers what to resend.
import type { RecordOutcome } from '../provisioning/outcomes.js';

export type SyncRecordState =
  /** Waiting for its first upload. */
  | 'pending'
  /** Accepted by bulkUpload; waiting for its log entry. */
  | 'sent'
  /** A retryable failure (or an upload that never got through); resent once due. */
  | 'waiting'
  | 'confirmed'
  | 'skipped'
  | 'failed';

export interface SyncRecord {
  externalId: string;
  /** Line of the extract the record came from. */
  line: number;
  /** Its operation's number in the OperationStore, for resends. */
  stored: number;
  state: SyncRecordState;
  /** Uploads accepted with this record in them. */
  attempts: number;
  /** Uploads that failed before the service accepted them. */
  refused: number;
  /** Local time the last accepted upload was started (ms). */
  sentAt?: number;
  /** Log entries at or before this activity time (ms) are about an earlier attempt. */
  seenUpTo?: number;
  /** When a waiting record is due for resending (ms). */
  dueAt?: number;
  requestId?: string;
  outcome?: RecordOutcome;
  /** Why the record failed or was last retried: the service's code and reason, or the upload error. */
  errorCode?: string;
  reason?: string;
}

export interface RecordBookOptions {
  /** Accepted uploads per record before a retryable failure becomes final. */
  maxAttempts: number;
  /** Wait before the first resend; doubles per attempt up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Tolerated difference between our clock and the service's activity times. */
  clockSkewMs: number;
}

/** What applying one log outcome did. */
export type OutcomeEffect = 'confirmed' | 'skipped' | 'retry' | 'failed' | 'ignored';

const FINAL: ReadonlySet<SyncRecordState> = new Set(['confirmed', 'skipped', 'failed']);

/** Tracks every record of one sync by externalId. */
export class RecordBook {
  private readonly records = new Map<string, SyncRecord>();
  private readonly counts: Record<SyncRecordState, number> = { pending: 0, sent: 0, waiting: 0, confirmed: 0, skipped: 0, failed: 0 };

  constructor(private readonly options: RecordBookOptions) {}

  /** Registers a record before its first upload; log entries at or before `seenUpTo` (ms) belong to earlier runs. */
  add(externalId: string, line: number, stored: number, seenUpTo?: number): void {
    if (this.records.has(externalId)) throw new Error(`record ${externalId} registered twice`);
    this.records.set(externalId, { externalId, line, stored, state: 'pending', attempts: 0, refused: 0, ...(seenUpTo === undefined ? {} : { seenUpTo }) });
    this.counts.pending++;
  }

  get(externalId: string): SyncRecord | undefined {
    return this.records.get(externalId);
  }

  /** How many records are in each state. */
  tally(): Readonly<Record<SyncRecordState, number>> {
    return { ...this.counts };
  }

  /** Whether every record has a final state. */
  settled(): boolean {
    return this.counts.pending + this.counts.sent + this.counts.waiting === 0;
  }

  /** Marks records as accepted by bulkUpload in one request. */
  sent(externalIds: readonly string[], requestId: string, now: number): void {
    for (const id of externalIds) {
      const r = this.require(id);
      if (FINAL.has(r.state)) continue;
      this.move(r, 'sent');
      r.attempts++;
      r.sentAt = now;
      r.requestId = requestId;
      delete r.dueAt;
    }
  }

  /**
   * Records an upload that never got through (throttled or transient to the end of its retries).
   * Nothing reached the service, so the attempt is not spent; after maxAttempts such refusals the record fails.
   */
  refused(externalIds: readonly string[], code: string, reason: string, now: number): void {
    for (const id of externalIds) {
      const r = this.require(id);
      if (FINAL.has(r.state)) continue;
      r.refused++;
      r.errorCode = code;
      r.reason = reason;
      if (r.refused >= this.options.maxAttempts) this.move(r, 'failed');
      else this.wait(r, now, r.refused);
    }
  }

  /** Fails records whose request the service rejected as a whole (400): resending it cannot help. */
  rejectedByService(externalIds: readonly string[], code: string, reason: string): void {
    for (const id of externalIds) {
      const r = this.require(id);
      if (FINAL.has(r.state)) continue;
      r.errorCode = code;
      r.reason = reason;
      this.move(r, 'failed');
    }
  }

  /** Applies one outcome from the provisioning logs; entries about other records or earlier attempts are ignored. */
  apply(outcome: RecordOutcome, now: number): OutcomeEffect {
    const r = this.records.get(outcome.externalId);
    if (r === undefined || r.state !== 'sent' || r.sentAt === undefined) return 'ignored';
    const at = Date.parse(outcome.activityDateTime);
    if (Number.isNaN(at) || at < r.sentAt - this.options.clockSkewMs) return 'ignored';
    if (r.seenUpTo !== undefined && at <= r.seenUpTo) return 'ignored';
    r.outcome = outcome;
    r.seenUpTo = at;
    if (outcome.status === 'success' || outcome.status === 'warning') {
      this.move(r, 'confirmed');
      return 'confirmed';
    }
    if (outcome.errorCode !== undefined) r.errorCode = outcome.errorCode;
    if (outcome.reason !== undefined) r.reason = outcome.reason;
    if (outcome.status === 'skipped') {
      // A scoping filter that excludes the record is not "unchanged": nothing was provisioned.
      if (outcome.category === 'out-of-scope') {
        this.move(r, 'failed');
        return 'failed';
      }
      this.move(r, 'skipped');
      return 'skipped';
    }
    if (outcome.retryable === true && r.attempts < this.options.maxAttempts) {
      this.wait(r, now, r.attempts);
      return 'retry';
    }
    this.move(r, 'failed');
    return 'failed';
  }

  /** Takes due waiting records back to pending while their resend is in flight, so none is sent twice. */
  dispatch(externalIds: readonly string[]): void {
    for (const id of externalIds) {
      const r = this.require(id);
      if (r.state === 'waiting') this.move(r, 'pending');
    }
  }

  /** Waiting records whose resend is due, in line order. */
  due(now: number): SyncRecord[] {
    const out: SyncRecord[] = [];
    for (const r of this.records.values()) if (r.state === 'waiting' && (r.dueAt ?? 0) <= now) out.push(r);
    return out.sort((a, b) => a.line - b.line);
  }

  /** The earliest time a waiting record falls due, if any waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const r of this.records.values()) {
      if (r.state === 'waiting' && r.dueAt !== undefined && (next === undefined || r.dueAt < next)) next = r.dueAt;
    }
    return next;
  }

  /** Every record in the given state, in line order. */
  inState(state: SyncRecordState): SyncRecord[] {
    const out: SyncRecord[] = [];
    for (const r of this.records.values()) if (r.state === state) out.push(r);
    return out.sort((a, b) => a.line - b.line);
  }

  private wait(r: SyncRecord, now: number, tries: number): void {
    this.move(r, 'waiting');
    const delay = Math.min(this.options.maxRetryDelayMs, this.options.retryDelayMs * 2 ** Math.max(0, tries - 1));
    r.dueAt = now + delay;
  }

  private move(r: SyncRecord, to: SyncRecordState): void {
    this.counts[r.state]--;
    this.counts[to]++;
    r.state = to;
  }

  private require(externalId: string): SyncRecord {
    const r = this.records.get(externalId);
    if (r === undefined) throw new Error(`record ${externalId} was never registered`);
    return r;
  }
}
