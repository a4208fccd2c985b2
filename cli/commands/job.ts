// hrsync job: the provisioning job's state as Graph reports it (Active, Paused, Quarantine and
// why), its last execution's counts, and the daily budget used and left from the ledger.
import { StoredGate, gateSettingsOf } from '../../lib/provisioning/gate.js';
import type { GateView } from '../../lib/provisioning/gate.js';
import { describeJob, jobAcceptsUploads } from '../../lib/provisioning/job.js';
import type { ConnectionFlags } from '../connection.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { budgetLines, quarantineLine, readJobFor } from '../job-view.js';
import type { StorageFlags } from '../storage.js';
import { pipelineStorage } from '../storage.js';
import { hasLedger } from './sync.js';

export interface JobFlags extends ConnectionFlags, StorageFlags {
  json?: boolean;
}

/** Runs `hrsync job`; exit 1 when the job takes no uploads or the budget is spent. */
export async function jobCommand(flags: JobFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const read = await readJobFor(flags, env);
  // Reading the job is this command's whole point: what stopped it is the error, unlike in `hrsync status`.
  if (read.settings === undefined) throw read.reading.error ?? new Error(read.reading.detail);
  if (!read.reading.read) throw read.reading.error ?? new Error(read.reading.detail);
  const {
    settings,
    reading: { job },
  } = read;
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
  if (job.quarantine !== undefined) lines.push(`  ${quarantineLine(job.quarantine)}`);
  const e = job.lastExecution;
  if (e !== undefined) {
    lines.push(
      `  last execution: ${e.state ?? 'unknown'}${e.timeEnded === undefined ? '' : ` (ended ${e.timeEnded})`}: imported ${e.countImported ?? 0}, exported ${e.countExported ?? 0}, escrowed ${e.countEscrowed ?? 0}`,
    );
  }
  lines.push(...budgetLines(budget));
  await writeOut(io.out, `${lines.join('\n')}\n`);
  return healthy ? EXIT_OK : EXIT_PROBLEMS;
}
