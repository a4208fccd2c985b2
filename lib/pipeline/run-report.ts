// Writing a run's report where reports go: when the run completes, when it is held, and when a
// held run is discarded or superseded. Reports first, then the run's state, so a crash in
// between rewrites the same report next time.
import type { PipelineLedger, ReportSink, RejectedRow, RunRecord, RunRequest } from './ports.js';
import { buildRunReport, reportCsv, tallyRecords } from './report.js';
import type { RunReport } from './report.js';
import { reportHtml } from './report-html.js';

type ReportLedger = Pick<PipelineLedger, 'listRecordSummaries' | 'listRejected' | 'listRequests'>;

/** The run's report from the ledger, with the requests it counts (the HTML page charts them over time). */
export async function collectRunReport(ledger: ReportLedger, run: RunRecord, endedAt: string | undefined): Promise<{ report: RunReport; requests: RunRequest[] }> {
  const tally = await tallyRecords(ledger.listRecordSummaries(run.runId));
  const rejected: RejectedRow[] = [];
  for await (const row of ledger.listRejected(run.runId)) rejected.push(row);
  const requests: RunRequest[] = [];
  for await (const q of ledger.listRequests(run.runId)) requests.push(q);
  return { report: buildRunReport(run, tally, rejected, requests, endedAt), requests };
}

/** Builds the run's report from the ledger and writes `<runId>/report.json`, `problems.csv` and `report.html`. */
export async function writeRunReport(ledger: ReportLedger, reports: ReportSink, run: RunRecord, endedAt: string | undefined): Promise<RunReport> {
  const { report, requests } = await collectRunReport(ledger, run, endedAt);
  await reports.write(`${run.runId}/report.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  await reports.write(`${run.runId}/problems.csv`, reportCsv(report), 'text/csv; charset=utf-8');
  await reports.write(`${run.runId}/report.html`, reportHtml(report, requests), 'text/html; charset=utf-8');
  return report;
}
