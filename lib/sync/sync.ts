// Direct mode: one process reads an extract, uploads it in paced BulkRequests, reads the
// provisioning logs until every record has an outcome or the time is up, and resends what
// failed for a reason that a later try can fix (a manager not yet provisioned, a busy service).
// The phases have files of their own: prepare.ts (reading and planning), sync-run.ts (sending
// and confirming, with sender.ts and log-watch.ts), report.ts.
import { TempFileSpool } from '../convert/spool.js';
import { OperationStore } from '../convert/operation-store.js';
import type { Extract } from '../extract/types.js';
import type { Mapping } from '../mapping/types.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import { AuthError } from '../provisioning/errors.js';
import type { ApiGate } from '../provisioning/gate.js';
import { describeJob, jobAcceptsUploads } from '../provisioning/job.js';
import type { JobHealth } from '../provisioning/job.js';
import { systemClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { planSend, readExtract } from './prepare.js';
import { announceFinished } from './report.js';
import { SyncRun } from './sync-run.js';
import type { SyncDeps, SyncHooks, SyncOptions, SyncReport } from './types.js';

export { DEFAULT_SYNC_OPTIONS } from './types.js';
export type { RecordSummary, SyncDeps, SyncHooks, SyncOptions, SyncPhase, SyncProgress, SyncReport } from './types.js';

/** Reads, validates, uploads and confirms one extract; rejected rows go to onProblem, auth and wrong-id errors throw. */
export async function syncExtract(extract: Extract, mapping: Mapping, deps: SyncDeps, options: SyncOptions, hooks: SyncHooks): Promise<SyncReport> {
  const clock = deps.clock ?? systemClock;
  const now = (): number => clock.now();
  const sleep = (ms: number): Promise<void> => clock.sleep(ms);
  const logger = hooks.logger ?? silentLogger;
  const startedAt = now();
  const store = new OperationStore();
  const spool = new TempFileSpool();
  let run: SyncRun | undefined;
  try {
    if (deps.gate !== undefined) await checkJob(deps.client, deps.gate, logger);
    const read = await readExtract(extract, mapping, { spool, store, limits: options.batchLimits, nightly: deps.nightly, onProblem: hooks.onProblem, logger });
    const plan = await planSend(read, deps.nightly, { store, startedAt, logger });
    run = new SyncRun({ client: deps.client, nightly: deps.nightly, options, hooks, logger, store, now, sleep, startedAt }, read, plan);
    const report = await run.run();
    announceFinished(report, logger);
    return report;
  } finally {
    await run?.settleUploads();
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
