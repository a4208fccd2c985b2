// A run report as a person reads it in a terminal (`npm run local`, `hrsync status <runId>`):
// what happened, counts first, then what to do, then each problem by line. Like the report
// itself it names rows by line and externalId, never by their values.
import type { RunReport } from './report.js';
import { shortExternalId } from '../scim/problem.js';

const SHOWN = 20;

function seconds(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

function headline(r: RunReport): string {
  const what = `Run ${r.runId} (${r.file}, source ${r.source}, ${r.kind})`;
  if (r.state === 'held') return `${what} HELD: nothing was sent`;
  if (r.state === 'discarded' || r.state === 'superseded') return `${what} ${r.state}: nothing was sent`;
  if (r.state === 'unusable') return `${what} UNUSABLE: nothing was read or sent`;
  return `${what} complete${r.endedAt === undefined ? '' : ` in ${seconds(r.startedAt, r.endedAt)}`}`;
}

/** The report as lines of text; long lists are cut at 20 with a count of the rest. */
export function reportText(report: RunReport): string[] {
  const c = report.counts;
  const lines = [headline(report)];
  // An unusable run read no row: the reason is all there is to say (and its next step).
  if (report.state === 'unusable') lines.push(`  ${report.unusable?.rule ?? 'extract'}: ${report.unusable?.message ?? 'the input could not be used'}`);
  else lines.push(`  rows ${report.rows}: valid ${c.valid}, rejected ${c.rejected}`);
  if (report.state === 'unusable') {
    // Nothing to count.
  } else if (report.state === 'complete') {
    const why = report.disabledWhy;
    const disabled =
      c.disabled === 0
        ? ''
        : ` (${[why.absent > 0 ? `${why.absent} absent from the extract` : '', why.inactive > 0 ? `${why.inactive} active: false` : '', why.other > 0 ? `${why.other} other` : ''].filter(Boolean).join(', ')})`;
    lines.push(
      `  records ${c.records}: created ${c.created}, updated ${c.updated}, disabled ${c.disabled}${disabled}, unchanged ${c.unchanged} (not sent), skipped ${c.skipped}, dead-lettered ${c.deadLettered}`,
    );
    lines.push(`  requests ${report.requests.total}${report.requests.notAccepted > 0 ? ` (${report.requests.notAccepted} not accepted)` : ''}`);
  } else {
    const p = report.plan;
    if (p !== undefined)
      lines.push(
        `  planned: create ${p.create}, update ${p.update}, resend ${p.resend}, disable ${p.disableAbsent + p.disableInactive} (${p.disableAbsent} absent, ${p.disableInactive} active: false), unchanged ${p.unchanged + p.otherSource}`,
      );
    lines.push(`  records ${c.records}: held ${c.held}, unchanged ${c.unchanged}`);
  }
  for (const h of report.held ?? []) lines.push(`  held: ${h.threshold}: ${h.message}`);
  if (report.decision !== undefined) lines.push(`  ${report.decision.kind} at ${report.decision.at}${report.decision.by === undefined ? '' : ` by ${report.decision.by}`}`);
  if (report.plan?.fullResend !== undefined) lines.push(`  everyone sent: ${report.plan.fullResend}`);
  for (const step of report.nextSteps) lines.push(`  → ${step}`);
  const warnings = report.plan?.warnings ?? [];
  if (warnings.length > 0) {
    lines.push(`  warnings (${report.plan?.warningsTotal ?? warnings.length}):`);
    for (const w of warnings.slice(0, SHOWN)) lines.push(`    ${w.line === undefined ? '' : `line ${w.line} `}(${shortExternalId(w.externalId)}): ${w.message} [${w.rule}]`);
    if ((report.plan?.warningsTotal ?? 0) > SHOWN) lines.push(`    … and ${(report.plan?.warningsTotal ?? 0) - SHOWN} more in report.json`);
  }
  if (report.rejected.length > 0) {
    lines.push(`  rejected before sending (${report.rejected.length} problem${report.rejected.length === 1 ? '' : 's'}):`);
    for (const r of report.rejected.slice(0, SHOWN)) {
      const where = [r.line === undefined ? 'file' : `line ${r.line}`, r.column ?? r.attribute].filter(Boolean).join(', ');
      lines.push(`    ${where}${r.externalId === undefined ? '' : ` (${shortExternalId(r.externalId)})`}: ${r.message} [${r.rule}]`);
    }
    if (report.rejected.length > SHOWN) lines.push(`    … and ${report.rejected.length - SHOWN} more in problems.csv`);
  }
  if (report.deadLettered.length > 0) {
    lines.push(`  dead-lettered (${report.deadLettered.length}):`);
    for (const d of report.deadLettered.slice(0, SHOWN)) {
      lines.push(
        `    ${d.line === 0 ? 'leaver' : `line ${d.line}`} (${shortExternalId(d.externalId)}) after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.errorCode ?? 'no code'}: ${d.reason ?? 'no reason given'}`,
      );
    }
    if (report.deadLettered.length > SHOWN) lines.push(`    … and ${report.deadLettered.length - SHOWN} more in problems.csv`);
  }
  const without = report.withoutManager ?? [];
  if (without.length > 0) {
    lines.push(`  sent without their manager reference (${without.length}):`);
    for (const w of without.slice(0, SHOWN))
      lines.push(`    line ${w.line} (${shortExternalId(w.externalId)}): manager ${shortExternalId(w.manager)} failed in this run and is not in the directory [manager-dropped]`);
    if (without.length > SHOWN) lines.push(`    … and ${without.length - SHOWN} more in report.json`);
  }
  if (report.disabled.length > 0) {
    lines.push(`  disabled (${report.disabled.length}):`);
    for (const d of report.disabled.slice(0, SHOWN)) lines.push(`    ${d.line === 0 ? '' : `line ${d.line} `}(${shortExternalId(d.externalId)}): ${d.reason}`);
    if (report.disabled.length > SHOWN) lines.push(`    … and ${report.disabled.length - SHOWN} more in problems.csv`);
  }
  return lines;
}
