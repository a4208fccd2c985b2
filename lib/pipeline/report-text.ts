// A run report as a person reads it in a terminal: counts first, then each problem by line.
// Like the report itself it names rows by line and externalId, never by their values.
import type { RunReport } from '../../lib/pipeline/report.js';

const SHOWN = 20;

function seconds(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

/** The report as lines of text; long problem lists are cut at 20 with a count of the rest. */
export function reportText(report: RunReport): string[] {
  const c = report.counts;
  const lines = [
    `Run ${report.runId} (${report.file}) complete in ${seconds(report.startedAt, report.endedAt)}`,
    `  rows ${report.rows}: valid ${c.valid}, rejected ${c.rejected}`,
    `  records: confirmed ${c.confirmed}, skipped ${c.skipped}, dead-lettered ${c.deadLettered}`,
  ];
  if (report.rejected.length > 0) {
    lines.push(`  rejected before sending (${report.rejected.length} problem${report.rejected.length === 1 ? '' : 's'}):`);
    for (const r of report.rejected.slice(0, SHOWN)) {
      const where = [r.line === undefined ? 'file' : `line ${r.line}`, r.column ?? r.attribute].filter(Boolean).join(', ');
      lines.push(`    ${where}${r.externalId === undefined ? '' : ` (${r.externalId})`}: ${r.message} [${r.rule}]`);
    }
    if (report.rejected.length > SHOWN) lines.push(`    … and ${report.rejected.length - SHOWN} more in problems.csv`);
  }
  if (report.deadLettered.length > 0) {
    lines.push(`  dead-lettered (${report.deadLettered.length}):`);
    for (const d of report.deadLettered.slice(0, SHOWN)) {
      lines.push(`    line ${d.line} (${d.externalId}) after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.errorCode ?? 'no code'}: ${d.reason ?? 'no reason given'}`);
    }
    if (report.deadLettered.length > SHOWN) lines.push(`    … and ${report.deadLettered.length - SHOWN} more in problems.csv`);
  }
  return lines;
}
