// What the pipeline keeps in the ledger: runs, their records and rejected rows, people across
// runs, per-source state, and the port the stages talk to. lib/ledger implements it on Azure
// Table storage; the pipeline's tests keep it in memory. Record states and the rules that move
// records between them are lib/core/lifecycle's.
import type { Intent, LifecycleEvent, LifecyclePolicy, RecordState, Transition } from '../core/lifecycle.js';

export type { Intent, RecordState } from '../core/lifecycle.js';

/**
 * `ingesting` → `ingested` (sending) → `complete`; or `ingesting` → `held` → `ingested` (approved),
 * `discarded` or `superseded` (a newer extract of the same source arrived); or `ingesting` →
 * `unusable` (the file, its mapping or the sources file could not be used: nothing was read or sent).
 */
export type RunState = 'ingesting' | 'held' | 'ingested' | 'complete' | 'discarded' | 'superseded' | 'unusable';
export const FINAL_RUN_STATES: ReadonlySet<RunState> = new Set(['complete', 'discarded', 'superseded', 'unusable']);

/** Why a run could not use its input: the file (`extract`), its mapping, or the sources file; one sentence. */
export interface UnusableInput {
  rule: 'extract' | 'mapping' | 'sources';
  message: string;
}

/** One record of a run as the ledger keeps it. */
export interface LedgerRecord {
  runId: string;
  externalId: string;
  /** Line of the extract (0 for a leaver, who is on no line). */
  line: number;
  state: RecordState;
  /** Submissions accepted by bulkUpload. */
  attempts: number;
  /** The SCIM operation last sent (or to send), as JSON; empty for an unchanged record. */
  payload: string;
  /** recordHash of the operation's data. */
  payloadHash: string;
  managerId?: string;
  /** The source of its run. */
  source?: string;
  intent?: Intent;
  /** Why it is in the run: why it is sent, why it was not, why it is disabled. */
  note?: string;
  /** Whether a queue message exists for the current attempt. */
  enqueued: boolean;
  lastRequestId?: string;
  lastSubmittedAt?: string;
  lastOutcomeAt?: string;
  /** The provisioning log's action when it ended (create, update, disable, other). */
  lastAction?: string;
  lastErrorCode?: string;
  /** The service's (or hrsync's) reason: for reports, never for logs. */
  lastReason?: string;
  /**
   * A queued record held back until its manager (an externalId in the same run, itself still
   * queued or submitted) is final: sending a report before its manager is confirmed fails again.
   */
  waitingFor?: string;
  /** The manager whose reference the extract names but this run sends without: rejected or dead-lettered, and not in the directory. */
  withoutManager?: string;
  /**
   * The stored entity's version (its ETag) when this was read. Handing the record back to a change
   * lets it write conditionally on that version instead of reading again; if the record moved on
   * meanwhile, the write is refused and the change reads and decides afresh.
   */
  version?: string;
}

/** A threshold a held run went over. */
export interface HeldThreshold {
  threshold: string;
  limit: number;
  actual: number;
  message: string;
}

/** Why a run sends what it sends: counts from its plan, and what an operator should know. */
export interface RunPlanSummary {
  create: number;
  update: number;
  resend: number;
  drift: number;
  disableAbsent: number;
  disableInactive: number;
  unchanged: number;
  otherSource: number;
  /** Leavers disabled with externalId and active only (no complete record was stored). */
  incompleteDisables: number;
  /** Why everyone is sent, when they are. */
  fullResend?: string;
  /** The source's mapping differs from its last run's: changed records are the mapping's doing. */
  mappingChanged?: boolean;
  /** The fingerprint of the mapping this run used. */
  mappingFingerprint?: string;
  /** The `hrsync resend` request this run carries out. */
  resendRequestedAt?: string;
  /** People listed by two sources, handed over, taken over: ids and source names only (the first 200). */
  warnings: Array<{ rule: string; externalId: string; line?: number; source: string; message: string }>;
  warningsTotal: number;
  /** The source's failure share (guard.maxFailedPercent) as it stood at ingest: the run is judged by it while it sends. */
  maxFailedPercent?: number;
  /** What the send costs of the daily budget, as it stood at ingest; days > 1 when it needs more than today's calls. */
  budget?: { requests: number; callsLeft: number; dailyCalls: number; days: number };
}

export interface RunRecord {
  runId: string;
  /** `container/name` of the extract (or the file given to `hrsync sync`). */
  file: string;
  etag: string;
  state: RunState;
  source: string;
  kind: 'full' | 'changes';
  /** `sync` for a run of `hrsync sync`, which the functions leave alone. */
  mode?: 'sync';
  startedAt: string;
  ingestedAt?: string;
  endedAt?: string;
  rows?: number;
  valid?: number;
  rejected?: number;
  plan?: RunPlanSummary;
  /** The thresholds a held run went over. */
  held?: HeldThreshold[];
  /** What a person (or a newer extract) decided about a held run. */
  decision?: { kind: 'approved' | 'discarded' | 'superseded'; at: string; by?: string };
  /** Its records' outcomes in the provisioning logs so far (every entry applied), and the failures among them other than a manager not there yet. */
  outcomes?: OutcomeTally;
  /** When the failure share stopped the run while it was sending (cleared when a person approves it). */
  stoppedAt?: string;
  /** Why an `unusable` run read nothing. */
  unusable?: UnusableInput;
}

/** Outcomes in the provisioning logs, for the failure share. */
export interface OutcomeTally {
  outcomes: number;
  failures: number;
}

/** A row rejected before sending, as the report lists it. */
export interface RejectedRow {
  line?: number;
  externalId?: string;
  column?: string;
  attribute?: string;
  rule: string;
  message: string;
}

export interface NewRecord {
  externalId: string;
  line: number;
  payload: string;
  payloadHash: string;
  managerId?: string;
  /** Default `queued`; `unchanged` and `held` records need no message. */
  state?: 'queued' | 'unchanged' | 'held';
  intent?: Intent;
  note?: string;
  source?: string;
  /** Log entries at or before this time are about earlier runs (the person's last confirmation). */
  seenUpTo?: string;
  /** Sent without the reference to this manager (see LedgerRecord.withoutManager). */
  withoutManager?: string;
}

/** A record without its payload, for reports and for counting what waits. */
export type RecordSummary = Pick<
  LedgerRecord,
  'externalId' | 'line' | 'state' | 'attempts' | 'intent' | 'note' | 'lastAction' | 'lastErrorCode' | 'lastReason' | 'withoutManager' | 'waitingFor'
>;

/** One bulkUpload call that carried records of a run. */
export interface RunRequest {
  requestId: string;
  at: string;
  operations: number;
  /** `accepted`, or why the call was not. */
  status: string;
  /** Calls it took, retries included (absent: one). Every call counts against the daily budget. */
  calls?: number;
}

/** What the ledger remembers of one person across runs (the People table). */
export interface PersonRecord {
  externalId: string;
  lastConfirmedHash: string;
  lastConfirmedAt: string;
  lastRunId: string;
  managerId?: string;
  active?: boolean;
  /** The source that last sent them; People from before sources belong to `default`. */
  source: string;
  /** Another source whose extract also listed them. */
  alsoIn?: string;
  /** The last confirmed operation, complete (with getPerson(…, { payload: true }) only). */
  payload?: string;
}

/** Per source: what its next run compares with. */
export interface SourceState {
  source: string;
  /** The latest run of the source that was not held, discarded or superseded. */
  lastRunId?: string;
  /** The source's kind at that run: a `changes` source's extract lists only changes, so it says nothing of who it still has. */
  kind?: 'full' | 'changes';
  /** That run's rows, for the guard's shrink check (full sources). */
  lastRows?: number;
  /** The fingerprint of the mapping that run used. */
  mappingFingerprint?: string;
  /** A held run of the source waiting for a decision. */
  heldRunId?: string;
  /** Set by `hrsync resend`: the next run sends everyone. */
  resendRequestedAt?: string;
}

/** How a transition is applied: the lifecycle's policy, and the record as the caller read it. */
export interface TransitionOptions {
  policy?: LifecyclePolicy;
  seen?: LedgerRecord;
}

/** The pipeline's state, in Azure Table storage in production (lib/ledger). */
export interface PipelineLedger {
  /** Creates the run, or returns it as it is when it exists (a re-delivered blob). */
  beginRun(run: { runId: string; file: string; etag: string; startedAt: string; source: string; kind: 'full' | 'changes'; mode?: 'sync' }): Promise<RunRecord>;
  /**
   * Adds records (queued unless said otherwise); existing records are left as they are. Returns the ids that still need a queue message.
   * `sending`: the caller sends a message for each id returned, right away, so new queued records are written enqueued (no second
   * write), and existing ones still on their first attempt are returned again (their message may not have gone).
   * `versions`: filled with the version of each record this call created (none for one that existed).
   */
  addRecords(runId: string, records: readonly NewRecord[], options?: { sending?: boolean; versions?: Map<string, string> }): Promise<string[]>;
  /** Notes that the records' messages are on the queue (and that none waits any longer). */
  markEnqueued(runId: string, externalIds: readonly string[]): Promise<void>;
  addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void>;
  listRejected(runId: string): AsyncIterable<RejectedRow>;
  /** Ends ingest: the run is sending (`ingested`), `held`, or `unusable` (final, ended at `at`) when its input could not be used. */
  finishIngest(
    runId: string,
    result: { rows: number; valid: number; rejected: number; at: string; plan?: RunPlanSummary; held?: HeldThreshold[]; unusable?: UnusableInput },
  ): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  getRecords(runId: string, externalIds: readonly string[]): Promise<Map<string, LedgerRecord>>;
  /** The partition a record lives in: records sharing one are read with one query and written in one transaction. */
  partitionOf(runId: string, externalId: string): string;
  /** Marks records submitted by one accepted request; attempts +1 unless this request was already recorded. */
  markSubmitted(runId: string, externalIds: readonly string[], at: { requestId: string; at: string }, seen?: ReadonlyMap<string, LedgerRecord>): Promise<void>;
  /** Remembers why an upload failed (for the report if the message is poisoned). */
  noteFailure(runId: string, externalIds: readonly string[], failure: { errorCode: string; reason: string }): Promise<void>;
  /**
   * Applies a named transition through lib/core/lifecycle under the record's ETag (re-deciding after a
   * conflict); the transition applied, or undefined when it did not apply (nothing counted twice).
   * A record ending confirmed, disabled or skipped updates People.
   */
  transition(runId: string, externalId: string, event: LifecycleEvent, options?: TransitionOptions): Promise<Transition | undefined>;
  /**
   * transition() for many records of one run, each from the version given: one transaction per
   * partition, and People created in transactions; what moved meanwhile goes alone, re-read. By externalId.
   */
  transitionAll(runId: string, items: ReadonlyArray<{ seen: LedgerRecord; event: LifecycleEvent }>, policy?: LifecyclePolicy): Promise<Map<string, Transition | undefined>>;
  /** Records one bulkUpload call that carried records of the run (once per request id). */
  noteRequest(runId: string, request: RunRequest): Promise<void>;
  listRequests(runId: string): AsyncIterable<RunRequest>;
  /** Runs the functions work on: ingesting or sending, not `hrsync sync`'s. */
  listOpenRuns(): Promise<RunRecord[]>;
  listRecords(runId: string, state?: RecordState): AsyncIterable<LedgerRecord>;
  /** Every record of the run (or those in `state`) without its payload: what a report counts. */
  listRecordSummaries(runId: string, state?: RecordState): AsyncIterable<RecordSummary>;
  countByState(runId: string): Promise<Record<RecordState, number>>;
  /**
   * The run's records still on their way, read without the rest: what a reconcile pass works on.
   * Submitted ones whole; queued ones without their payload (empty) or version: read one again to send it.
   */
  listOpenRecords(runId: string): AsyncIterable<LedgerRecord>;
  /** How many of the run's records are queued and submitted, counting only those. */
  countOpen(runId: string): Promise<{ queued: number; submitted: number }>;
  completeRun(runId: string, at: string): Promise<boolean>;
  /** Decides a held run: approved (it sends), discarded or superseded (it ends unsent); false when it was not held. */
  decideHeld(runId: string, decision: { kind: 'approved' | 'discarded' | 'superseded'; at: string; by?: string }): Promise<boolean>;
  /** Adds one reconcile pass's outcomes to the run's tally; the tally after it (undefined without the run). */
  addOutcomes(runId: string, add: OutcomeTally): Promise<OutcomeTally | undefined>;
  /**
   * Stops a sending run over the failure share: it stays `ingested` with `stoppedAt` and the threshold while what it
   * already sent is confirmed, and sends nothing more; false when it was not sending or already stopped.
   */
  stopRun(runId: string, threshold: HeldThreshold, at: string): Promise<boolean>;
  /** A stopped run whose sent records are all final becomes `held`, for a person to approve or discard; false otherwise. */
  holdStoppedRun(runId: string): Promise<boolean>;
  /** Moves a complete run back to sending (a replayed record needs it again). */
  reopenRun(runId: string): Promise<void>;
  getCheckpoint(): Promise<string | undefined>;
  setCheckpoint(at: string): Promise<void>;
  /** Everyone ever confirmed, without their payloads. */
  listPeople(): AsyncIterable<PersonRecord>;
  getPerson(externalId: string, options?: { payload?: boolean }): Promise<PersonRecord | undefined>;
  /** Marks a person as also listed by another source (undefined clears it). */
  markAlsoIn(externalId: string, source: string | undefined): Promise<void>;
  /** Moves a person to another source, forgetting the hash so that source's next run sends them. */
  handOver(externalId: string, to: string): Promise<void>;
  getSourceState(source: string): Promise<SourceState | undefined>;
  /** Merges into the source's state ('' clears a field); with `onlyIf`, only while those fields hold those values. */
  setSourceState(source: string, patch: Partial<Omit<SourceState, 'source'>>, onlyIf?: Partial<Omit<SourceState, 'source'>>): Promise<void>;
}
