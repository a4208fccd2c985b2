// Whether a finished run lost anything: every row is valid or rejected, every record (valid rows
// and leavers) ended in exactly one final state, and the directory agrees — everyone confirmed is
// in it, everyone disabled is disabled in it. This is the check behind `npm run local`'s exit
// code, so it reads the ledger and the simulator, not just the report the pipeline wrote about itself.
import type { PipelineLedger } from '../../lib/ledger/types.js';
import type { RunReport } from '../../lib/pipeline/report.js';

/** Problems with a finished (or held) run's accounting; empty when nothing was lost. */
export async function lostRecords(
  report: RunReport,
  ledger: Pick<PipelineLedger, 'listRecords' | 'countByState'>,
  directory: ReadonlyMap<string, { enabled: boolean }>,
): Promise<string[]> {
  const problems: string[] = [];
  const c = report.counts;
  if (report.rows !== c.valid + c.rejected) problems.push(`${report.rows} rows read but ${c.valid} valid + ${c.rejected} rejected`);
  if (c.records !== c.valid + c.leavers) problems.push(`${c.records} records but ${c.valid} valid rows + ${c.leavers} leavers`);
  const final = c.created + c.updated + c.disabled + c.unchanged + c.skipped + c.deadLettered + c.held;
  if (final !== c.records) problems.push(`${c.records} records but ${final} ended created, updated, disabled, unchanged, skipped, dead-lettered or held`);
  const states = await ledger.countByState(report.runId);
  const open = states.queued + states.submitted;
  if (open > 0) problems.push(`${open} records are still queued or submitted in the ledger`);
  let missing = 0;
  for await (const r of ledger.listRecords(report.runId, 'confirmed')) if (!directory.has(r.externalId)) missing++;
  if (missing > 0) problems.push(`${missing} records confirmed in the ledger are not in the directory`);
  let enabled = 0;
  for await (const r of ledger.listRecords(report.runId, 'disabled')) if (directory.get(r.externalId)?.enabled !== false) enabled++;
  if (enabled > 0) problems.push(`${enabled} records disabled in the ledger are not disabled in the directory`);
  return problems;
}
