// hrsync status without a run id: the pipeline on one screen — the job, the daily budget, what
// waits and why, held and stopped runs with what to run about them, and the latest runs. And
// hrsync status --since: what the provisioning logs say for the job, like CSV2SCIM's
// -GetPreviousCycleLogs: counts by action and status, and each failure with its reason.
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import { summarizeOutcomesAsync } from '../../lib/provisioning/outcomes.js';
import type { RecordOutcome } from '../../lib/provisioning/outcomes.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { BLOB_POISON_QUEUE, peekPoisonedExtracts } from '../../lib/pipeline/blob-poison.js';
import type { PoisonedExtract } from '../../lib/pipeline/blob-poison.js';
import { pipelineOverview } from '../../lib/pipeline/overview.js';
import type { PipelineOverview, RunLine, Waiting } from '../../lib/pipeline/overview.js';
import type { RunRecord } from '../../lib/pipeline/ports.js';
import { loadPacingSettings } from '../../lib/config/settings.js';
import { StoredGate, gateSettingsOf } from '../../lib/provisioning/gate.js';
import type { GateView } from '../../lib/provisioning/gate.js';
import { jobAcceptsUploads, jobRemedy } from '../../lib/provisioning/job.js';
import type { JobHealth } from '../../lib/provisioning/job.js';
import type { JobReading } from '../../lib/provisioning/job-reading.js';
import { budgetLines, quarantineLine, readJobFor } from '../job-view.js';
import { pipelineStorage } from '../storage.js';
import { limitOf } from './runs.js';
import type { RunsFlags } from './runs.js';

export interface StatusFlags extends ConnectionFlags {
  since: string;
  json?: boolean;
}

const RELATIVE = /^(\d+)\s*([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses --since: an ISO 8601 time, or a span back from now such as 30m, 12h or 7d. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const rel = RELATIVE.exec(text.trim());
  if (rel !== null) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UsageError('--since must be an ISO 8601 time (2026-11-22T00:00:00Z) or a span back from now (30m, 12h, 7d)');
  }
  return at;
}

/** Runs `hrsync status`; exit 1 when the window holds failures. */
export async function statusCommand(flags: StatusFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const since = parseSince(flags.since);
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const client = createProvisioningClient(settings);
  const counts = new Map<string, number>();
  let entries = 0;
  const outcomes = await summarizeOutcomesAsync(
    (async function* () {
      for await (const entry of client.queryProvisioningLogs({ since })) {
        entries++;
        const key = `${entry.provisioningAction ?? 'other'}\u0000${entry.provisioningStatusInfo?.status ?? 'unknown'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        yield entry;
      }
    })(),
  );
  const failures = [...outcomes.values()].filter((o) => o.status === 'failure');
  const byActionStatus = [...counts]
    .map(([k, n]) => {
      const [action, status] = k.split('\u0000');
      return { action, status, entries: n };
    })
    .sort((a, b) => (a.action ?? '').localeCompare(b.action ?? '') || (a.status ?? '').localeCompare(b.status ?? ''));

  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ jobId: settings.graph.jobId, since: since.toISOString(), entries, records: outcomes.size, byActionStatus, failures }, null, 2)}\n`);
  } else {
    const lines = [`job ${settings.graph.jobId} since ${since.toISOString()}: ${entries} log entries for ${outcomes.size} records`];
    for (const c of byActionStatus) lines.push(`  ${c.action} ${c.status}: ${c.entries}`);
    if (failures.length > 0) lines.push(`${failures.length} record${failures.length === 1 ? '' : 's'} failing (latest entry each):`);
    for (const f of failures) lines.push(`  ${describeFailure(f)}`);
    await writeOut(io.out, `${lines.join('\n')}\n`);
  }
  return failures.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

function describeFailure(f: RecordOutcome): string {
  const kind = f.retryable === true ? 'retryable' : 'permanent';
  return `${f.externalId}: ${f.errorCode ?? 'error'} (${kind}) ${f.reason ?? ''}`.trimEnd();
}

export interface OverviewFlags extends RunsFlags, ConnectionFlags {}

/** The job as `hrsync status` knows it: read from Graph now, or as reconcile last stored it, and why it was not read. */
export interface JobSection {
  /** graph: read just now; reconcile: not read here, this is reconcile's last read; none: known to neither. */
  source: 'graph' | 'reconcile' | 'none';
  health?: JobHealth;
  /** Why this command could not read the job itself. */
  unread?: { why: Extract<JobReading, { read: false }>['why']; detail: string; missingPermissions?: string[] };
}

/** Runs `hrsync status` without a run id; exit 1 when something needs a person (see needsAPerson in the JSON). */
export async function statusOverviewCommand(flags: OverviewFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const limit = limitOf(flags, 10);
  const { ledger, clients } = pipelineStorage(flags, env);
  const gate = new StoredGate(ledger.gateStore(), gateSettingsOf(loadPacingSettings(env)));
  const [{ reading }, poisoned] = await Promise.all([readJobFor(flags, env), peekPoisonedExtracts(clients.queue(BLOB_POISON_QUEUE))]);
  const overview = await pipelineOverview(ledger, gate, { limit, ...(reading.read ? { job: reading.job } : {}) });
  const job = jobSection(reading, overview.api);
  const needs = needsOf(overview, job, poisoned.total);
  if (flags.json === true) {
    const { runs, held, stopped, open, waiting, api } = overview;
    await writeOut(io.out, `${JSON.stringify({ needsAPerson: needs, job, api, waiting, held, stopped, open, runs, poisonedExtracts: poisoned }, null, 2)}\n`);
  } else {
    await writeOut(io.out, `${describeOverview(overview, job, needs, poisoned).join('\n')}\n`);
  }
  return needs.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

function jobSection(reading: JobReading, api: GateView): JobSection {
  if (reading.read) return { source: 'graph', health: reading.job };
  const unread = { why: reading.why, detail: reading.detail, ...(reading.missingPermissions === undefined ? {} : { missingPermissions: reading.missingPermissions }) };
  return api.job === undefined ? { source: 'none', unread } : { source: 'reconcile', health: api.job, unread };
}

// What a person has to act on. A spent budget is not among them: it frees by itself.
function needsOf(o: PipelineOverview, job: JobSection, poisoned: number): string[] {
  const out: string[] = [];
  const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (o.held.length > 0) out.push(`${plural(o.held.length, 'held run')} to approve or discard`);
  if (o.stopped.length > 0) out.push(`${plural(o.stopped.length, 'stopped run')} (too many failures)`);
  const unusable = o.runs.filter((l) => l.run.state === 'unusable').length;
  if (unusable > 0) out.push(`${plural(unusable, 'unusable run')} among the latest`);
  // Reconcile's read counts only while the gate still trusts it (then uploads really wait for it).
  const stale = job.source === 'reconcile' && o.api.closed?.why !== 'job';
  if (job.health !== undefined && !jobAcceptsUploads(job.health) && !stale) out.push(`the provisioning job is ${job.health.code}`);
  if (poisoned > 0) out.push(`${plural(poisoned, 'extract')} that failed ingest`);
  return out;
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function describeOverview(o: PipelineOverview, job: JobSection, needs: string[], poisoned: { total: number; extracts: PoisonedExtract[] }): string[] {
  const lines = [needs.length === 0 ? 'nothing needs a person' : `needs a person: ${needs.join('; ')}`];
  lines.push(...jobLines(job));
  const [first, ...rest] = budgetLines(o.api, { closed: false });
  lines.push((first ?? '').trimStart(), ...rest);
  lines.push(...waitingLines(o.waiting));
  if (o.held.length > 0) lines.push(`held: ${count(o.held.length, 'run waits', 'runs wait')} for a decision`);
  for (const { run, counts } of o.held) {
    lines.push(
      `  ${run.runId} (source ${run.source}, ${run.file}): ${count(counts.held, 'record')} held, ${run.stoppedAt === undefined ? 'nothing sent' : `sending stopped at ${run.stoppedAt}`}`,
    );
    for (const h of run.held ?? []) lines.push(`    ${h.threshold}: ${h.message}`);
    lines.push(`    → hrsync approve ${run.runId} sends it; hrsync discard (same id) ends it unsent`);
  }
  if (o.stopped.length > 0) lines.push(`stopped: ${count(o.stopped.length, 'run')} stopped sending after too many failures`);
  for (const { run, counts } of o.stopped) {
    const open = counts.queued + counts.submitted;
    lines.push(`  ${run.runId} (source ${run.source}): ${run.held?.find((h) => h.threshold === 'maxFailedPercent')?.message ?? 'too many failures'}`);
    lines.push(`    held once its ${count(open, 'record')} on ${open === 1 ? 'its way is' : 'their way are'} final; then hrsync approve or discard it`);
  }
  lines.push(...runLines(o.runs));
  if (poisoned.total > 0) {
    lines.push(
      `${count(poisoned.total, 'extract')} failed ingest on every try (${BLOB_POISON_QUEUE}); fix the cause (see the ingest errors in Application Insights) and upload again:`,
    );
    for (const p of poisoned.extracts) lines.push(`  ${p.container}/${p.name}${p.at === undefined ? '' : ` (given up ${p.at})`}`);
  }
  return lines;
}

function jobLines(job: JobSection): string[] {
  const h = job.health;
  const lines: string[] = [];
  if (job.source === 'graph' && h !== undefined) {
    lines.push(`job: ${h.code} (read from Graph at ${h.checkedAt})${jobAcceptsUploads(h) ? '' : '; uploads wait'}`);
  } else {
    lines.push(`job: not read — ${job.unread?.detail ?? 'unknown'}`);
    lines.push(h === undefined ? '  reconcile has not read it either' : `  as reconcile last read it at ${h.checkedAt}: ${h.code}`);
  }
  if (h !== undefined && !jobAcceptsUploads(h)) {
    if (h.quarantine !== undefined) lines.push(`  ${quarantineLine(h.quarantine)}`);
    lines.push(`  → ${jobRemedy(h)}`);
  }
  return lines;
}

function waitingLines(w: Waiting): string[] {
  if (w.queued + w.submitted === 0) return [`waiting: nothing${w.openRuns === 0 ? ' (no open run)' : ` (${count(w.openRuns, 'open run')})`}`];
  const lines = [`waiting: ${count(w.openRuns, 'open run')}, ${w.queued} queued, ${w.submitted} submitted (their outcome not yet in the provisioning logs)`];
  const until = w.until === undefined ? '' : ` until ${w.until}`;
  const parts = [
    w.forManager > 0 ? `${w.forManager} for their manager` : '',
    w.forBudget > 0 ? `${w.forBudget} for the daily budget${until}` : '',
    w.forJob > 0 ? `${w.forJob} for the job${until}` : '',
    w.forPause > 0 ? `${w.forPause} for the pause after "bucket full"${until}` : '',
    w.retrying > 0 ? `${w.retrying} for their retry` : '',
    w.sendable > 0 ? `${w.sendable} free to go` : '',
  ].filter((p) => p !== '');
  if (parts.length > 0) lines.push(`  queued: ${parts.join(', ')}`);
  return lines;
}

// Two lines a run, within 100 columns for the usual file names: ids, state and file; then the counts that are not zero.
function runLines(runs: RunLine[]): string[] {
  const out = runs.length === 0 ? ['no runs in the ledger yet'] : [`${count(runs.length, 'latest run')}, newest first:`];
  for (const { run, counts } of runs) {
    out.push(`  ${run.runId}  ${run.state.padEnd(10)}  ${run.startedAt.slice(0, 16)}  ${run.source.padEnd(8)}  ${run.file}${run.mode === 'sync' ? ' (hrsync sync)' : ''}`);
    if (run.unusable !== undefined) {
      out.push(`      unusable: ${run.unusable.message}`);
      continue;
    }
    const shown: Array<[string, number]> = [
      ['confirmed', counts.confirmed],
      ['disabled', counts.disabled],
      ['unchanged', counts.unchanged],
      ['skipped', counts.skipped],
      ['dead-lettered', counts['dead-lettered']],
      ['held', counts.held],
      ['open', counts.queued + counts.submitted],
    ];
    const nonZero = shown.filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    out.push(`      rows ${run.rows ?? '?'}, rejected ${run.rejected ?? 0}${nonZero.length === 0 ? '' : `: ${nonZero.join(', ')}`}${stoppedNote(run)}`);
  }
  return out;
}

function stoppedNote(run: RunRecord): string {
  return run.state === 'ingested' && run.stoppedAt !== undefined ? '; sending stopped' : '';
}
