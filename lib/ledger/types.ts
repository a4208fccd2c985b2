// What the pipeline keeps in the ledger: runs, their records and rejected rows, and the port
// the stages talk to. lib/ledger implements it on Azure Table storage; the pipeline's tests
// keep it in memory.
export type RecordState = 'queued' | 'submitted' | 'confirmed' | 'skipped' | 'dead-lettered';
export type RunState = 'ingesting' | 'ingested' | 'complete';

/** One record of a run as the ledger keeps it. */
export interface LedgerRecord {
  runId: string;
  externalId: string;
  line: number;
  state: RecordState;
  /** Submissions accepted by bulkUpload. */
  attempts: number;
  /** The SCIM operation last sent (or to send), as JSON. */
  payload: string;
  payloadHash: string;
  managerId?: string;
  /** Whether a queue message exists for the current attempt. */
  enqueued: boolean;
  lastRequestId?: string;
  lastSubmittedAt?: string;
  lastOutcomeAt?: string;
  lastErrorCode?: string;
  /** The service's (or hrsync's) reason: for reports, never for logs. */
  lastReason?: string;
  /**
   * A queued record held back until its manager (an externalId in the same run, itself still
   * queued or submitted) is final: sending a report before its manager is confirmed fails again.
   */
  waitingFor?: string;
  /**
   * The stored entity's version (its ETag) when this was read. Handing the record back to a change
   * (markSubmitted, finish) lets it write conditionally on that version instead of reading again;
   * if the record moved on meanwhile, the write is refused and the change reads and decides afresh.
   */
  version?: string;
}

export interface RunRecord {
  runId: string;
  /** `container/name` of the extract. */
  file: string;
  etag: string;
  state: RunState;
  startedAt: string;
  ingestedAt?: string;
  endedAt?: string;
  rows?: number;
  valid?: number;
  rejected?: number;
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
}

/** The pipeline's state, in Azure Table storage in production (lib/ledger). */
export interface PipelineLedger {
  /** Creates the run, or returns it as it is when it exists (a re-delivered blob). */
  beginRun(run: { runId: string; file: string; etag: string; startedAt: string }): Promise<RunRecord>;
  /** Adds records as queued; existing records are left as they are. Returns the ids that still need a queue message. */
  addRecords(runId: string, records: readonly NewRecord[]): Promise<string[]>;
  /** Notes that the records' messages are on the queue (and that none waits any longer). */
  markEnqueued(runId: string, externalIds: readonly string[]): Promise<void>;
  addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void>;
  listRejected(runId: string): AsyncIterable<RejectedRow>;
  finishIngest(runId: string, counts: { rows: number; valid: number; rejected: number; at: string }): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  getRecords(runId: string, externalIds: readonly string[]): Promise<Map<string, LedgerRecord>>;
  /** Marks records submitted by one accepted request; attempts +1 unless this request was already recorded. */
  markSubmitted(runId: string, externalIds: readonly string[], at: { requestId: string; at: string }, seen?: ReadonlyMap<string, LedgerRecord>): Promise<void>;
  /** Remembers why an upload failed (for the report if the message is poisoned). */
  noteFailure(runId: string, externalIds: readonly string[], failure: { errorCode: string; reason: string }): Promise<void>;
  /** Moves a queued or submitted record to a final state; false when it was already final (nothing counted twice). */
  finish(runId: string, externalId: string, outcome: { state: 'confirmed' | 'skipped' | 'dead-lettered'; at: string; errorCode?: string; reason?: string }, seen?: LedgerRecord): Promise<boolean>;
  /** Puts a submitted record back to queued for another attempt (held for `waitFor` when given); false when it was no longer submitted. */
  requeue(runId: string, externalId: string, why: { errorCode: string; reason: string; at: string }, options?: { waitFor?: string }): Promise<boolean>;
  /** Puts a dead-lettered record back to queued, not yet enqueued (replaying a poison message), and reopens its run; undefined when it was not dead-lettered. */
  reopen(runId: string, externalId: string): Promise<LedgerRecord | undefined>;
  listOpenRuns(): Promise<RunRecord[]>;
  listRecords(runId: string, state?: RecordState): AsyncIterable<LedgerRecord>;
  countByState(runId: string): Promise<Record<RecordState, number>>;
  completeRun(runId: string, at: string): Promise<boolean>;
  getCheckpoint(): Promise<string | undefined>;
  setCheckpoint(at: string): Promise<void>;
}
