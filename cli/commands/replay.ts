// hrsync replay --poison: after fixing what made uploads fail (a permission, a job id), moves the
// operations queue's poison messages back so the pipeline sends them again.
import { BLOB_POISON_QUEUE, peekPoisonedExtracts } from '../../lib/pipeline/blob-poison.js';
import { azureQueue } from '../../lib/pipeline/azure-queue.js';
import { DEFAULT_REPLAY_OPTIONS, emptyReplaySummary, replayPoison } from '../../lib/pipeline/replay.js';
import type { ReplaySummary } from '../../lib/pipeline/replay.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { pipelineStorage } from '../storage.js';
import type { StorageFlags } from '../storage.js';

export interface ReplayFlags extends StorageFlags {
  poison?: boolean;
  dryRun?: boolean;
  run?: string;
  max?: string;
  json?: boolean;
}

/** Runs `hrsync replay --poison`: exit 1 when messages had to stay in the poison queue. */
export async function replayCommand(flags: ReplayFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (flags.poison !== true) throw new UsageError("say what to replay: --poison moves the operations queue's poison messages back");
  const max = flags.max === undefined ? DEFAULT_REPLAY_OPTIONS.max : Number(flags.max);
  if (!Number.isInteger(max) || max < 1) throw new UsageError('--max must be a whole number of messages, 1 or more');
  const { settings, clients, ledger } = pipelineStorage(flags, env);
  const poisonClient = clients.queue(settings.poisonQueue);
  const before = (await poisonClient.exists()) ? ((await poisonClient.getProperties()).approximateMessagesCount ?? 0) : 0;
  const summary =
    before === 0
      ? emptyReplaySummary()
      : await replayPoison(
          { ledger, queue: azureQueue(clients.queue(settings.operationsQueue)), poison: azureQueue(poisonClient) },
          { ...DEFAULT_REPLAY_OPTIONS, dryRun: flags.dryRun === true, max, ...(flags.run === undefined ? {} : { runId: flags.run }) },
        );
  // Reconcile hides the poison messages it has read for ten minutes; those were not visible to this pass.
  const hidden = Math.max(0, before - summary.read);
  const extracts = await peekPoisonedExtracts(clients.queue(BLOB_POISON_QUEUE));
  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ queue: settings.poisonQueue, dryRun: flags.dryRun === true, ...summary, hidden, poisonedExtracts: extracts }, null, 2)}\n`);
  } else {
    await writeOut(io.out, `${describe(settings.poisonQueue, settings.operationsQueue, flags.dryRun === true, summary, hidden, extracts.total).join('\n')}\n`);
  }
  const stuck = summary.counts.undecodable + summary.counts['unknown-record'];
  return stuck > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

function describe(poison: string, queue: string, dryRun: boolean, s: ReplaySummary, hidden: number, poisonedExtracts: number): string[] {
  const c = s.counts;
  const verb = dryRun ? 'would move' : 'moved';
  const lines = [`${poison}: read ${s.read} message${s.read === 1 ? '' : 's'}; ${verb} ${c.moved} back to ${queue}${dryRun ? ' (dry run: nothing changed)' : ''}`];
  for (const [runId, ids] of Object.entries(s.movedByRun)) lines.push(`  run ${runId}: ${ids.length} record${ids.length === 1 ? '' : 's'}`);
  if (c.stale > 0) lines.push(`  ${c.stale} already confirmed, skipped or sent again: ${dryRun ? 'would be deleted' : 'deleted'}, nothing to send`);
  if (c['other-run'] > 0) lines.push(`  ${c['other-run']} of other runs: left in place`);
  if (c['unknown-record'] > 0) lines.push(`  ${c['unknown-record']} name a record the ledger does not hold (its tables removed, or another --table-prefix?): left in place`);
  if (c.undecodable > 0) lines.push(`  ${c.undecodable} are not hrsync operation messages: left in place for you to inspect`);
  if (hidden > 0) lines.push(`  about ${hidden} more are hidden for now (reconcile read them in the last 10 minutes); run again later to move them`);
  if (poisonedExtracts > 0)
    lines.push(
      `${poisonedExtracts} extract${poisonedExtracts === 1 ? '' : 's'} failed ingest on every try (${BLOB_POISON_QUEUE}); those are replayed by uploading the file again — "hrsync status" lists them`,
    );
  if (c.moved > 0 && !dryRun) lines.push("the upload function sends them as it finds them; reconcile confirms them and rewrites the runs' reports");
  return lines;
}
