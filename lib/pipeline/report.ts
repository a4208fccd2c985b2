// The run report: JSON for machines (its fields are documented in docs/report.md), and a CSV
// of the problems and disables (line, externalId, reason) an HR analyst can open. It names
// rows by line and externalId only; the reasons are the validator's, hrsync's and the service's words.
import { stringify } from 'csv-stringify/sync';
import { emptyCounts } from '../core/lifecycle.js';
import type { HeldThreshold, RecordState, RecordSummary, RejectedRow, RunPlanSummary, RunRecord, RunRequest, UnusableInput } from './ports.js';

/** The report's counts: rows read, and every record of the run by its final state. */
export interface ReportCounts {
  /** Rows that became records. */
  valid: number;
  rejected: number;
  /** Records: the valid rows, plus leavers (who are on no row). */
  records: number;
  leavers: number;
  created: number;
  updated: number;
  /** Created and updated. */
  confirmed: number;
  disabled: number;
  /** Not sent: nothing changed (or another source owns the person). */
  unchanged: number;
  /** Sent; the service found nothing to change. */
  skipped: number;
  deadLettered: number;
  /** Not sent: the run was held. */
  held: number;
  /** Still queued or submitted (a report written while a run is held or moving). */
  open: number;
}

export interface RunReport {
  runId: string;
  file: string;
  source: string;
  kind: 'full' | 'changes';
  /** complete: every record final; held: nothing sent, waiting for a person; discarded / superseded: ended unsent; unusable: the input could not be used, nothing read or sent. */
  state: 'complete' | 'held' | 'discarded' | 'superseded' | 'unusable';
  /** Why an unusable run read nothing: `rule` (extract, mapping, sources) and one sentence. */
  unusable?: UnusableInput;
  startedAt: string;
  ingestedAt?: string;
  endedAt?: string;
  rows: number;
  counts: ReportCounts;
  /** Why people were disabled. */
  disabledWhy: { absent: number; inactive: number; other: number };
  /** bulkUpload calls that carried the run's records (a call may carry records of two runs). */
  requests: { total: number; accepted: number; notAccepted: number };
  plan?: RunPlanSummary;
  /** The thresholds a held run went over. */
  held?: HeldThreshold[];
  decision?: RunRecord['decision'];
  /** What a person should do, one sentence per kind of problem. */
  nextSteps: string[];
  rejected: RejectedRow[];
  deadLettered: Array<{ line: number; externalId: string; attempts: number; errorCode?: string; reason?: string }>;
  disabled: Array<{ line: number; externalId: string; reason: string }>;
  /** Warnings: records sent without their manager reference, naming the manager (rejected or dead-lettered in this run, not in the directory). */
  withoutManager?: Array<{ line: number; externalId: string; manager: string; state: RecordState }>;
}

/** The tally of a run's records, from one pass over them. */
export interface RecordTally {
  counts: Record<RecordState, number>;
  created: number;
  updated: number;
  leavers: number;
  disabledWhy: RunReport['disabledWhy'];
  deadLettered: RunReport['deadLettered'];
  disabled: RunReport['disabled'];
  withoutManager: NonNullable<RunReport['withoutManager']>;
}

export const ABSENT = 'absent from the extract';

/** Counts a run's records by state and reason, keeping the dead-lettered and disabled ones for the report. */
export async function tallyRecords(records: AsyncIterable<RecordSummary>): Promise<RecordTally> {
  const t: RecordTally = {
    counts: emptyCounts(),
    created: 0,
    updated: 0,
    leavers: 0,
    disabledWhy: { absent: 0, inactive: 0, other: 0 },
    deadLettered: [],
    disabled: [],
    withoutManager: [],
  };
  for await (const r of records) {
    t.counts[r.state]++;
    if (r.withoutManager !== undefined && r.withoutManager !== '') t.withoutManager.push({ line: r.line, externalId: r.externalId, manager: r.withoutManager, state: r.state });
    if (r.line === 0) t.leavers++;
    if (r.state === 'confirmed') {
      if (r.lastAction === 'create') t.created++;
      else t.updated++;
    } else if (r.state === 'disabled') {
      const why = r.note === ABSENT ? 'absent' : r.intent === 'disable' ? 'inactive' : 'other';
      t.disabledWhy[why]++;
      t.disabled.push({ line: r.line, externalId: r.externalId, reason: r.intent === 'disable' ? (r.note ?? 'active: false in the extract') : 'the service reported a disable' });
    } else if (r.state === 'dead-lettered') {
      t.deadLettered.push({
        line: r.line,
        externalId: r.externalId,
        attempts: r.attempts,
        ...(r.lastErrorCode === undefined ? {} : { errorCode: r.lastErrorCode }),
        ...(r.lastReason === undefined ? {} : { reason: r.lastReason }),
      });
    }
  }
  const byLine = (a: { line: number; externalId: string }, b: { line: number; externalId: string }): number => a.line - b.line || (a.externalId < b.externalId ? -1 : 1);
  t.deadLettered.sort(byLine);
  t.disabled.sort(byLine);
  t.withoutManager.sort(byLine);
  return t;
}

/** Every call the requests took: an accepted request that waited out a 429 took two. */
export function callsOf(requests: readonly RunRequest[]): number {
  return requests.reduce((n, q) => n + (q.calls ?? 1), 0);
}

/** Builds the report of a run from its ledger entity, its records' tally, rejected rows and requests. */
export function buildRunReport(run: RunRecord, tally: RecordTally, rejected: RejectedRow[], requests: RunRequest[], endedAt: string | undefined): RunReport {
  const c = tally.counts;
  const state = reportState(run);
  const accepted = requests.filter((q) => q.status === 'accepted').length;
  const report: RunReport = {
    runId: run.runId,
    file: run.file,
    source: run.source,
    kind: run.kind,
    state,
    startedAt: run.startedAt,
    ...(run.ingestedAt === undefined ? {} : { ingestedAt: run.ingestedAt }),
    ...(endedAt === undefined ? {} : { endedAt }),
    rows: run.rows ?? 0,
    counts: {
      valid: run.valid ?? 0,
      rejected: run.rejected ?? 0,
      records: Object.values(c).reduce((a, b) => a + b, 0),
      leavers: tally.leavers,
      created: tally.created,
      updated: tally.updated,
      confirmed: c.confirmed,
      disabled: c.disabled,
      unchanged: c.unchanged,
      skipped: c.skipped,
      deadLettered: c['dead-lettered'],
      held: c.held,
      open: c.queued + c.submitted,
    },
    disabledWhy: tally.disabledWhy,
    requests: { total: callsOf(requests), accepted, notAccepted: callsOf(requests) - accepted },
    ...(run.plan === undefined ? {} : { plan: run.plan }),
    ...(run.held === undefined ? {} : { held: run.held }),
    ...(run.decision === undefined ? {} : { decision: run.decision }),
    ...(run.unusable === undefined ? {} : { unusable: run.unusable }),
    nextSteps: [],
    // Rows rejected before a file turned out broken half-way are not the run's: it read nothing.
    rejected: state === 'unusable' ? [] : [...rejected].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    deadLettered: tally.deadLettered,
    disabled: tally.disabled,
    withoutManager: tally.withoutManager,
  };
  report.nextSteps = nextSteps(report);
  return report;
}

/** The report's state for a run's ledger state: a run still moving reports as `complete` (with its open records counted). */
export function reportState(run: Pick<RunRecord, 'state'>): RunReport['state'] {
  return run.state === 'held' || run.state === 'discarded' || run.state === 'superseded' || run.state === 'unusable' ? run.state : 'complete';
}

const UNUSABLE_STEPS: Record<UnusableInput['rule'], string> = {
  extract: 'Export the file again as the format its name says (CSV with a header row, a JSON array or NDJSON), then drop it again.',
  mapping: 'Fix the mapping (or the export, if a column was renamed) and drop the extract again; "hrsync validate <extract> --mapping <file>" checks both first.',
  sources: 'Fix the sources file (docs/sources.md) and drop the extract again.',
};

/** One sentence per kind of problem the report shows, saying what a person should do. */
export function nextSteps(
  r: Pick<RunReport, 'state' | 'runId' | 'source' | 'held' | 'plan'> & { unusable?: UnusableInput; withoutManager?: RunReport['withoutManager'] } & {
    counts: Pick<ReportCounts, 'rejected' | 'deadLettered' | 'open'>;
  },
): string[] {
  const out: string[] = [];
  if (r.state === 'unusable') {
    out.push(
      `${UNUSABLE_STEPS[r.unusable?.rule ?? 'extract']} Nothing of this run was read or sent; the next extract of source ${r.source} is compared with its last usable run, as usual.`,
    );
  }
  const stopped = r.held?.find((h) => h.threshold === 'maxFailedPercent');
  if (r.state === 'held' && stopped !== undefined) {
    out.push(
      `Sending stopped: ${stopped.message}. The dead-lettered records' codes (problems.csv) say why; failures this common usually share one cause (the mapping, the provisioning app's attribute mappings, a domain). Fix it, then run "hrsync approve ${r.runId}" to send the rest, or "hrsync discard ${r.runId}" and let the next extract send them.`,
    );
  } else if (r.state === 'held') {
    out.push(
      `Nothing was sent: the run went over ${r.held?.length === 1 ? 'a threshold' : 'thresholds'} of source ${r.source}. If the numbers are right (a reorganisation, a batch of leavers), run "hrsync approve ${r.runId}"; if the extract is wrong, fix the export and drop it again (a newer extract of the source supersedes this one) or run "hrsync discard ${r.runId}".`,
    );
  }
  if (r.state === 'discarded' || r.state === 'superseded')
    out.push(`Nothing of this run was sent (${r.state}); the next extract of source ${r.source} is compared with what was last confirmed, as usual.`);
  if (r.counts.rejected > 0)
    out.push(
      'Fix the rejected rows in the HR system: problems.csv lists each by line, column and rule. They are sent with the next extract that has them right; until then, those people are neither updated nor disabled.',
    );
  if (r.counts.deadLettered > 0)
    out.push(
      "Each dead-lettered record names the service's error code and reason: fix the cause (often in the HR data or the provisioning app's attribute mappings); the next run sends them again, since nothing of theirs was confirmed.",
    );
  if ((r.withoutManager?.length ?? 0) > 0) {
    const n = r.withoutManager?.length ?? 0;
    out.push(
      `${n} ${n === 1 ? 'record was' : 'records were'} sent without ${n === 1 ? 'its' : 'their'} manager reference, because the manager failed in this run and is not in the directory: fix the managers named (their rows are in problems.csv) and the next run sends the references.`,
    );
  }
  const otherSource = r.plan?.warnings.filter((w) => w.rule === 'other-source').length ?? 0;
  if (otherSource > 0)
    out.push("Some people are listed by two sources: decide which source owns each and remove them from the other extract. Until then the owner's record is the one sent.");
  if ((r.plan?.incompleteDisables ?? 0) > 0)
    out.push(
      `${plural(r.plan?.incompleteDisables ?? 0, 'leaver was', 'leavers were')} disabled with externalId and active only: hrsync had no complete record of them (they were last confirmed before it kept one).`,
    );
  if (r.plan?.mappingChanged === true) out.push("The mapping changed since the source's last run, so records it changes are sent even though the HR data did not change.");
  if (r.counts.open > 0 && r.state === 'complete') out.push(`${plural(r.counts.open, 'record was', 'records were')} still open when this report was written.`);
  return out;
}

/** The problems and disables of a run as CSV: one line per rejected row problem, dead-lettered record or disabled person. */
export function reportCsv(report: RunReport): string {
  const rows: string[][] = [['line', 'externalId', 'outcome', 'rule or code', 'column', 'reason']];
  for (const r of report.rejected) rows.push([r.line === undefined ? '' : String(r.line), r.externalId ?? '', 'rejected', r.rule, r.column ?? '', r.message]);
  for (const d of report.deadLettered) rows.push([lineText(d.line), d.externalId, 'dead-lettered', d.errorCode ?? '', '', d.reason ?? '']);
  for (const d of report.disabled) rows.push([lineText(d.line), d.externalId, 'disabled', '', '', d.reason]);
  for (const w of report.withoutManager ?? [])
    rows.push([
      lineText(w.line),
      w.externalId,
      'without manager',
      'manager-dropped',
      '',
      `sent without its manager reference: manager ${w.manager} failed in this run and is not in the directory`,
    ]);
  for (const h of report.held ?? []) rows.push(['', '', 'held', h.threshold, '', h.message]);
  if (report.unusable !== undefined) rows.push(['', '', 'unusable', report.unusable.rule, '', report.unusable.message]);
  // A BOM so Excel opens the UTF-8 file with accents intact.
  return `\uFEFF${stringify(rows, { record_delimiter: 'windows' })}`;
}

// Leavers are on no line of the extract.
function lineText(line: number): string {
  return line === 0 ? '' : String(line);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
