// Writing a run's report where reports go: when the run completes, when it is held, and when a
// held run is discarded or superseded. Reports first, then the run's state, so a crash in
// between rewrites the same report next time.
import type { PipelineLedger, ReportSink, RejectedRow, RunRecord, RunRequest } from './ports.js';
import { buildRunReport, reportCsv, tallyRecords } from './report.js';
import type { RunReport } from './report.js';

/** Builds the run's report from the ledger and writes `<runId>/report.json` and `problems.csv`. */
export async function writeRunReport(ledger: Pick<PipelineLedger, 'listRecordSummaries' | 'listRejected' | 'listRequests'>, reports: ReportSink, run: RunRecord, endedAt: string | undefined): Promise<RunReport> {
  const tally = await tallyRecords(ledger.listRecordSummaries(run.runId));
  const rejected: RejectedRow[] = [];
  for await (const row of ledger.listRejected(run.runId)) rejected.push(row);
  const requests: RunRequest[] = [];
  for await (const q of ledger.listRequests(run.runId)) requests.push(q);
  const report = buildRunReport(run, tally, rejected, requests, endedAt);
  await reports.write(`${run.runId}/report.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  await reports.write(`${run.runId}/problems.csv`, reportCsv(report), 'text/csv; charset=utf-8');
  return report;
}
