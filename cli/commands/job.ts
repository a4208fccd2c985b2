// hrsync job: the provisioning job's state as Graph reports it (Active, Paused, Quarantine and
// why), its last execution's counts, and the daily budget used and left from the ledger.
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import { StoredGate, gateSettingsOf } from '../../lib/provisioning/gate.js';
import type { GateView } from '../../lib/provisioning/gate.js';
import { describeJob, jobAcceptsUploads } from '../../lib/provisioning/job.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import type { StorageFlags } from '../storage.js';
import { pipelineStorage } from '../storage.js';
import { hasLedger } from './sync.js';

export interface JobFlags extends ConnectionFlags, StorageFlags {
  json?: boolean;
}

/** Runs `hrsync job`; exit 1 when the job takes no uploads or the budget is spent. */
export async function jobCommand(flags: JobFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const client = createProvisioningClient(settings);
  const job = await client.getJob();
  let budget: GateView | undefined;
  if (hasLedger(flags, env)) {
    const gate = new StoredGate(pipelineStorage(flags, env).ledger.gateStore(), gateSettingsOf(settings.pacing));
    await gate.noteJob(job);
    budget = await gate.view();
  }
  const healthy = jobAcceptsUploads(job) && (budget === undefined || budget.closed === undefined);
  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ jobId: settings.graph.jobId, job, ...(budget === undefined ? {} : { budget }) }, null, 2)}\n`);
    return healthy ? EXIT_OK : EXIT_PROBLEMS;
  }
  const lines = [`job ${settings.graph.jobId}: ${job.code}${jobAcceptsUploads(job) ? '' : ` — ${describeJob(job)}`}`];
  if (job.quarantine !== undefined) {
    const q = job.quarantine;
    lines.push(`  quarantine: ${q.reason}${q.currentBegan === undefined ? '' : `, since ${q.currentBegan}`}${q.nextAttempt === undefined ? '' : `, next attempt ${q.nextAttempt}`}${q.seriesCount === undefined ? '' : `, ${q.seriesCount} in a row`}`);
  }
  const e = job.lastExecution;
  if (e !== undefined) {
    lines.push(`  last execution: ${e.state ?? 'unknown'}${e.timeEnded === undefined ? '' : ` (ended ${e.timeEnded})`}: imported ${e.countImported ?? 0}, exported ${e.countExported ?? 0}, escrowed ${e.countEscrowed ?? 0}`);
  }
  lines.push(...budgetLines(budget));
  await writeOut(io.out, `${lines.join('\n')}\n`);
  return healthy ? EXIT_OK : EXIT_PROBLEMS;
}

/** The budget in a line or two, for `hrsync job` and `hrsync status`. */
export function budgetLines(budget: GateView | undefined): string[] {
  if (budget === undefined) return ['  daily budget: unknown here (set HRSYNC_STORAGE to read the pipeline\'s ledger)'];
  const lines = [`  daily budget: ${budget.used} of ${budget.dailyCalls} calls used in the last 24 hours, ${budget.left} left (${budget.reserve} kept for disables and retries)`];
  if (budget.nextCallAt !== undefined) lines.push(`  next call for creates and updates: ${budget.nextCallAt}`);
  if (budget.pausedUntil !== undefined) lines.push(`  uploads paused until ${budget.pausedUntil}: ${budget.pausedWhy ?? ''}`.trimEnd());
  if (budget.closed !== undefined) lines.push(`  uploads wait: ${budget.closed.detail}`);
  return lines;
}
