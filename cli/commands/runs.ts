// hrsync status <runId>: what the pipeline's ledger says about one run — the view an operator
// needs before a run's report exists (the overview without a run id is in status.ts).
import { writeFile } from 'node:fs/promises';
import { reportHtml } from '../../lib/pipeline/report-html.js';
import { collectRunReport } from '../../lib/pipeline/run-report.js';
import { runStatus } from '../../lib/pipeline/run-status.js';
import type { RunStatus } from '../../lib/pipeline/run-status.js';
import type { RunRecord } from '../../lib/pipeline/ports.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { pipelineStorage } from '../storage.js';
import { loadPacingSettings } from '../../lib/config/settings.js';
import { StoredGate, gateSettingsOf } from '../../lib/provisioning/gate.js';
import type { StorageFlags } from '../storage.js';
import { shortExternalId } from '../../lib/scim/problem.js';

export interface RunsFlags extends StorageFlags {
  json?: boolean;
  limit?: string;
  /** With a run id: the run's report as an HTML page, into this file, or on stdout when true. */
  html?: string | boolean;
}

/** --limit, checked; `fallback` without it. */
export function limitOf(flags: RunsFlags, fallback: number): number {
  if (flags.limit === undefined) return fallback;
  const n = Number(flags.limit);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  return n;
}

/** Runs `hrsync status <runId>`: exit 1 when the run is held or unusable or has rejected or dead-lettered records, 2 when there is no such run. */
export async function runStatusCommand(runId: string, flags: RunsFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const limit = limitOf(flags, 50);
  const { ledger, settings } = pipelineStorage(flags, env);
  if (flags.html !== undefined && flags.html !== false) return runHtmlCommand(runId, flags.html, ledger, settings.tablePrefix, io);
  const status = await runStatus(ledger, runId, limit, new StoredGate(ledger.gateStore(), gateSettingsOf(loadPacingSettings(env))));
  if (status === undefined) {
    throw new UsageError(`no run ${runId} in the ledger tables ${settings.tablePrefix}*; run "hrsync status" to list the runs`);
  }
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify(status, null, 2)}\n`);
  else await writeOut(io.out, `${describeRun(status).join('\n')}\n`);
  return status.rejectedTotal + status.deadLetteredTotal > 0 || needsAPerson(status.run) ? EXIT_PROBLEMS : EXIT_OK;
}

// The page the pipeline writes as report.html, built from the ledger as it stands: a run still
// moving shows its open records, one whose report.html is lost or predates the page gets one.
async function runHtmlCommand(runId: string, html: string | true, ledger: ReturnType<typeof pipelineStorage>['ledger'], tablePrefix: string, io: Console2): Promise<number> {
  const run = await ledger.getRun(runId);
  if (run === undefined) throw new UsageError(`no run ${runId} in the ledger tables ${tablePrefix}*; run "hrsync status" to list the runs`);
  const { report, requests } = await collectRunReport(ledger, run, run.endedAt);
  const page = reportHtml(report, requests);
  if (html === true) {
    await writeOut(io.out, page);
  } else {
    try {
      await writeFile(html, page);
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : '';
      throw new UsageError(
        `cannot write ${JSON.stringify(html)}: ${code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'no permission to write it' : 'the file could not be written'}`,
      );
    }
    await writeOut(io.out, `${html}: the report of run ${runId} (${run.state}) as one HTML page; open it in a browser\n`);
  }
  return report.counts.rejected + report.counts.deadLettered > 0 || needsAPerson(run) ? EXIT_PROBLEMS : EXIT_OK;
}

// A held run waits for a decision; an unusable one for a fixed file, mapping or sources file.
function needsAPerson(r: RunRecord): boolean {
  return r.state === 'held' || r.state === 'unusable';
}

// A held run sent nothing unless the failure share stopped it while it was sending.
function stateNote(r: RunRecord, open: number): string {
  if (r.state === 'held') return r.stoppedAt === undefined ? ' (nothing sent)' : ` (sending stopped at ${r.stoppedAt}: too many failures)`;
  if (r.state === 'unusable') return ' (nothing read or sent)';
  if (r.state === 'complete')
    return r.stoppedAt === undefined ? '' : ` (hrsync sync stopped sending at ${r.stoppedAt}: too many failures; what it did not send is held, and the next run sends it)`;
  if (r.stoppedAt !== undefined) return `, sending stopped at ${r.stoppedAt} (too many failures): held once the ${open} record${open === 1 ? '' : 's'} on their way are final`;
  return open > 0 ? `, ${open} record${open === 1 ? '' : 's'} still open` : '';
}

function describeRun(s: RunStatus): string[] {
  const r = s.run;
  const c = s.counts;
  const open = c.queued + c.submitted;
  const lines = [
    `run ${r.runId}: ${r.state}${stateNote(r, open)}`,
    `  file      ${r.file} (source ${r.source}, ${r.kind})`,
    `  started   ${r.startedAt}${r.ingestedAt === undefined ? '' : `, ingested ${r.ingestedAt}`}${r.endedAt === undefined ? '' : `, ended ${r.endedAt}`}`,
  ];
  if (r.unusable !== undefined) lines.push(`  unusable  ${r.unusable.rule}: ${r.unusable.message}`);
  else if (r.rows !== undefined) lines.push(`  rows      ${r.rows} (valid ${r.valid ?? 0}, rejected ${r.rejected ?? 0})`);
  const p = r.plan;
  if (p !== undefined) {
    lines.push(
      `  planned   create ${p.create}, update ${p.update}, resend ${p.resend}${p.drift > 0 ? ` (${p.drift} drift repair)` : ''}, disable ${p.disableAbsent + p.disableInactive} (${p.disableAbsent} absent, ${p.disableInactive} active: false), unchanged ${p.unchanged}${p.otherSource > 0 ? `, ${p.otherSource} left to another source` : ''}`,
    );
    if (p.fullResend !== undefined) lines.push(`  everyone sent: ${p.fullResend}`);
    if (p.mappingChanged === true) lines.push("  the mapping changed since the source's last run");
  }
  for (const h of r.held ?? []) lines.push(`  held      ${h.threshold}: ${h.message}`);
  if (r.decision !== undefined) lines.push(`  decision  ${r.decision.kind} at ${r.decision.at}${r.decision.by === undefined ? '' : ` by ${r.decision.by}`}`);
  const why = s.disabledWhy;
  lines.push(
    `  records   created ${s.created}, updated ${s.updated}, disabled ${c.disabled}${c.disabled > 0 ? ` (${why.absent} absent, ${why.inactive} active: false${why.other > 0 ? `, ${why.other} other` : ''})` : ''}, unchanged ${c.unchanged}, skipped ${c.skipped}, dead-lettered ${c['dead-lettered']}, held ${c.held}, submitted ${c.submitted}, queued ${c.queued}` +
      (s.retrying + s.waitingForManager > 0 ? ` (${s.retrying} awaiting a retry, ${s.waitingForManager} waiting for their manager)` : ''),
  );
  lines.push(`  requests  ${s.requests.total}${s.requests.total > s.requests.accepted ? ` (${s.requests.total - s.requests.accepted} not accepted)` : ''}`);
  const b = r.plan?.budget;
  if (b !== undefined && b.days > 1)
    lines.push(`  budget    the run needs ${b.requests} calls, ${b.callsLeft} of ${b.dailyCalls} were left at ingest: about ${b.days} days to send it all`);
  if (s.api?.closed !== undefined && c.queued > 0) {
    lines.push(`  waiting   ${c.queued} queued record${c.queued === 1 ? '' : 's'} wait: ${s.api.closed.detail}`);
    lines.push(`            next try ${s.api.closed.until}; budget ${s.api.used} of ${s.api.dailyCalls} calls used in the last 24 hours`);
  }
  for (const step of s.nextSteps) lines.push(`  → ${step}`);
  if (s.deadLetteredTotal > 0) {
    lines.push(`dead-lettered (${s.deadLetteredTotal}${s.deadLettered.length < s.deadLetteredTotal ? `, first ${s.deadLettered.length} by line` : ''}):`);
    for (const d of s.deadLettered)
      lines.push(
        `  ${d.line === 0 ? 'leaver' : `line ${d.line}`} ${shortExternalId(d.externalId)}: ${d.errorCode ?? 'error'} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.reason ?? ''}`.trimEnd(),
      );
  }
  if (s.disabledTotal > 0) {
    lines.push(`disabled (${s.disabledTotal}${s.disabled.length < s.disabledTotal ? `, first ${s.disabled.length} by line` : ''}):`);
    for (const d of s.disabled) lines.push(`  ${d.line === 0 ? '' : `line ${d.line} `}${shortExternalId(d.externalId)}: ${d.reason}`);
  }
  const warnings = r.plan?.warnings ?? [];
  if (warnings.length > 0) {
    lines.push(`warnings (${r.plan?.warningsTotal ?? warnings.length}):`);
    for (const w of warnings.slice(0, 50)) lines.push(`  ${w.line === undefined ? '' : `line ${w.line} `}${shortExternalId(w.externalId)}: ${w.message} [${w.rule}]`);
  }
  if (s.rejectedTotal > 0 && r.state !== 'unusable') {
    lines.push(`rejected row problems (${s.rejectedTotal}${s.rejected.length < s.rejectedTotal ? `, first ${s.rejected.length} by line` : ''}):`);
    for (const p of s.rejected)
      lines.push(
        `  line ${p.line ?? '?'}${p.column === undefined ? '' : ` column ${p.column}`}${p.externalId === undefined ? '' : ` ${shortExternalId(p.externalId)}`}: ${p.rule}: ${p.message}`,
      );
  }
  if (r.state === 'complete' || r.state === 'held' || r.state === 'discarded' || r.state === 'superseded' || r.state === 'unusable')
    lines.push(`report: <reports container>/${r.runId}/report.html, report.json and problems.csv`);
  return lines;
}
