// Whether a finished run lost anything: every row is valid or rejected, every valid record
// ended final, and every confirmed record is really in the (simulated) directory. This is the
// check behind `npm run local`'s exit code, so it reads the ledger and the simulator, not
// just the report the pipeline wrote about itself.
import type { PipelineLedger } from '../../lib/ledger/types.js';
import type { RunReport } from '../../lib/pipeline/report.js';

/** Problems with a finished run's accounting; empty when nothing was lost. */
export async function lostRecords(report: RunReport, ledger: Pick<PipelineLedger, 'listRecords' | 'countByState'>, directory: ReadonlyMap<string, unknown>): Promise<string[]> {
  const problems: string[] = [];
  const c = report.counts;
  if (report.rows !== c.valid + c.rejected) problems.push(`${report.rows} rows read but ${c.valid} valid + ${c.rejected} rejected`);
  const final = c.confirmed + c.skipped + c.deadLettered;
  if (final !== c.valid) problems.push(`${c.valid} valid records but ${final} ended confirmed, skipped or dead-lettered`);
  const states = await ledger.countByState(report.runId);
  const open = states.queued + states.submitted;
  if (open > 0) problems.push(`${open} records are still queued or submitted in the ledger`);
  let missing = 0;
  for await (const r of ledger.listRecords(report.runId, 'confirmed')) {
    if (!directory.has(r.externalId)) missing++;
  }
  if (missing > 0) problems.push(`${missing} records confirmed in the ledger are not in the directory`);
  return problems;
}
