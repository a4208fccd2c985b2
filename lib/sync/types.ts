// The public face of a direct sync: its options, hooks and dependencies, its progress and its report.
import type { ScanResult } from '../convert/convert.js';
import type { OutcomeTally } from '../delta/guard.js';
import type { HeldThreshold, RunPlanSummary } from '../ledger/types.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import type { ApiGate } from '../provisioning/gate.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { BatchLimits } from '../scim/bulk.js';
import { DEFAULT_BATCH_LIMITS } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import type { RecordState } from '../core/lifecycle.js';
import type { SyncNightly } from './ledger-run.js';

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
  /** The time and the waits between log polls (the system clock unless given). */
  clock?: Clock;
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
