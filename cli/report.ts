// The run summary in words and as JSON, shared by validate, preview and sync.
import type { ScanResult } from '../lib/convert/convert.js';
import type { Problem } from '../lib/scim/problem.js';

/** The machine-readable report of a scan (what `--json` prints). */
export interface ScanReport {
  file: string;
  mapping: string;
  format: string;
  encoding: string;
  delimiter?: string;
  rows: number;
  valid: number;
  rejected: number;
  duplicateIds: number;
  truncated: boolean;
  unseenColumns: string[];
  warnings: { rule: string; attribute?: string; count: number }[];
  problems: Problem[];
  requests?: number;
}

/** Builds the JSON report from a scan and the problems it reported. */
export function toReport(scan: ScanResult, mappingSource: string, problems: Problem[], requests?: number): ScanReport {
  return {
    file: scan.file,
    mapping: mappingSource,
    format: scan.format,
    encoding: scan.encoding,
    delimiter: scan.delimiter,
    rows: scan.rows,
    valid: scan.valid,
    rejected: scan.rejected,
    duplicateIds: scan.duplicateIds,
    truncated: scan.truncated,
    unseenColumns: scan.unseenColumns,
    warnings: scan.warnings.map((w) => ({ rule: w.rule, attribute: w.attribute, count: w.count })),
    problems,
    requests,
  };
}

/** The human summary: one line of counts, then notes on warnings and unseen columns. */
export function summaryLines(scan: ScanResult, requests?: number): string[] {
  const how =
    scan.format === 'csv'
      ? `CSV, ${scan.encoding}, delimiter ${scan.delimiter === '\t' ? 'tab' : JSON.stringify(scan.delimiter)}`
      : `${scan.format.toUpperCase()}, ${scan.encoding}`;
  // "0 rows: 0 valid" reads like a clean file; a file with nothing to send must say so.
  const counts =
    scan.rows === 0 && !scan.truncated
      ? `no rows: the file holds ${scan.format === 'csv' ? 'a header and nothing else' : 'no records'}`
      : `${scan.rows} ${plural(scan.rows, 'row')}: ${scan.valid} valid, ${scan.rejected} rejected`;
  const sent = requests === undefined || scan.rows === 0 ? '' : `, ${requests} bulk ${plural(requests, 'request')}`;
  const lines = [`${scan.file}: ${counts}${sent} (${how})${scan.truncated ? ' — stopped at --limit' : ''}`];
  if (scan.duplicateIds > 0) lines.push(`  ${scan.duplicateIds} externalId${scan.duplicateIds === 1 ? ' appears' : 's appear'} on more than one row; every such row is rejected`);
  for (const w of scan.warnings) {
    lines.push(`  warning [${w.rule}]${w.attribute === undefined ? '' : ` ${w.attribute}`}: ${w.count} ${plural(w.count, 'row')} (first on line ${w.first.line ?? '?'})`);
  }
  if (scan.unseenColumns.length > 0 && scan.rows > 0)
    lines.push(`  no row had the mapped field${scan.unseenColumns.length === 1 ? '' : 's'} ${scan.unseenColumns.map((c) => JSON.stringify(c)).join(', ')}`);
  return lines;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
