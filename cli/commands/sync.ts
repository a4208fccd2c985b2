// hrsync sync: what CSV2SCIM does, in one process and more carefully — read, map, validate,
// upload at the paced rate, read the provisioning logs until every record has an outcome,
// resend what failed for a passing reason, and say what happened to each record.
import { batchSpool, scanExtract } from '../../lib/convert/convert.js';
import { TempFileSpool } from '../../lib/convert/spool.js';
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import { StoredGate, gateSettingsOf, memoryGateStore } from '../../lib/provisioning/gate.js';
import type { Logger, LogFields } from '../../lib/core/logger.js';
import { silentLogger } from '../../lib/core/logger.js';
import { formatProblem } from '../../lib/scim/problem.js';
import type { Problem } from '../../lib/scim/problem.js';
import { DEFAULT_SYNC_OPTIONS, JobNotActiveError, syncExtract } from '../../lib/sync/sync.js';
import type { RecordSummary, SyncOptions, SyncProgress, SyncReport } from '../../lib/sync/sync.js';
import { resolve as resolvePath } from 'node:path';
import { mappingFingerprint } from '../../lib/delta/nightly.js';
import { loadSourcesFile, mappingFileOf } from '../../lib/sources/file.js';
import { DEFAULT_SOURCE, defaultSources, resolveSource } from '../../lib/sources/sources.js';
import type { SourceSettings } from '../../lib/sources/sources.js';
import { FULL_RESEND_FLAG } from '../../lib/sync/ledger-run.js';
import type { SyncNightly } from '../../lib/sync/ledger-run.js';
import { pipelineStorage } from '../storage.js';
import type { StorageFlags } from '../storage.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { openInputs, positiveInt } from '../inputs.js';
import type { ReadFlags } from '../inputs.js';
import { summaryLines, toReport } from '../report.js';
import { shortExternalId } from '../../lib/scim/problem.js';

export interface SyncFlags extends ReadFlags, ConnectionFlags, StorageFlags {
  json?: boolean;
  source?: string;
  sources?: string;
  fullResend?: boolean;
  approve?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  timeout?: string;
  pollInterval?: string;
  retryDelay?: string;
  maxAttempts?: string;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses a duration flag such as 500ms, 30s, 40m or 2h. */
export function parseDuration(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = DURATION.exec(text.trim());
  if (m === null) throw new UsageError(`${flag} must be a duration such as 500ms, 30s, 40m or 2h`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS]);
}

/** The sync options the flags ask for, over the defaults for a real tenant. */
export function syncOptionsFrom(flags: SyncFlags, concurrency: number): SyncOptions {
  const maxAttempts = positiveInt('--max-attempts', flags.maxAttempts) ?? DEFAULT_SYNC_OPTIONS.maxAttempts;
  const retryDelayMs = parseDuration('--retry-delay', flags.retryDelay, DEFAULT_SYNC_OPTIONS.retryDelayMs);
  return {
    ...DEFAULT_SYNC_OPTIONS,
    maxAttempts,
    retryDelayMs,
    maxRetryDelayMs: Math.max(retryDelayMs, DEFAULT_SYNC_OPTIONS.maxRetryDelayMs),
    timeoutMs: parseDuration('--timeout', flags.timeout, DEFAULT_SYNC_OPTIONS.timeoutMs),
    pollIntervalMs: parseDuration('--poll-interval', flags.pollInterval, DEFAULT_SYNC_OPTIONS.pollIntervalMs),
    // Twice the limiter's concurrency keeps it fed without holding many bodies in memory.
    inFlight: Math.max(2, concurrency * 2),
  };
}

/** Whether the environment names the pipeline's storage, so the sync shares its ledger. */
export function hasLedger(flags: StorageFlags, env: NodeJS.ProcessEnv): boolean {
  return flags.storageAccount !== undefined || (env.HRSYNC_STORAGE ?? '').trim() !== '' || Object.keys(env).some((k) => k.startsWith('HRSYNC_STORAGE__'));
}

// The source the extract belongs to, from --sources (with its mapping unless --mapping is given) or the default.
async function sourceOf(flags: SyncFlags, mappingPath: string | undefined): Promise<{ source: SourceSettings; mapping: string | undefined }> {
  const name = flags.source ?? DEFAULT_SOURCE;
  if (flags.sources === undefined) {
    if (flags.source !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(flags.source))
      throw new UsageError(`--source must be a source name (letters, digits, ".", "_", "-"), got ${JSON.stringify(flags.source)}`);
    return { source: resolveSource(defaultSources(mappingPath ?? ''), name), mapping: mappingPath };
  }
  const source = resolveSource(await loadSourcesFile(flags.sources), name);
  return { source, mapping: mappingPath ?? mappingFileOf(flags.sources, source) };
}

/** Runs `hrsync sync`; returns the exit code. */
export async function syncCommand(extractPath: string, flags: SyncFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The command line first: a missing --mapping or a wrong path is named before the Graph settings.
  const { source, mapping: mappingPath } = await sourceOf(flags, flags.mapping);
  if (mappingPath === undefined || mappingPath === '') throw new UsageError("--mapping <file> is required (or --sources, naming the source's mapping)");
  const { extract, mapping } = await openInputs(extractPath, { ...flags, mapping: mappingPath });
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const options = syncOptionsFrom(flags, settings.pacing.concurrency);
  const ledger = hasLedger(flags, env) ? pipelineStorage(flags, env).ledger : undefined;
  if (ledger === undefined && (flags.fullResend === true || flags.approve === true || flags.sources !== undefined)) {
    throw new UsageError("--full-resend, --approve and --sources need the pipeline's ledger: set HRSYNC_STORAGE (or --storage-account)");
  }
  const problems: Problem[] = [];
  const pending: Promise<void>[] = [];
  const onProblem = (p: Problem): void => {
    if (flags.json === true) problems.push(p);
    else {
      const w = writeOut(io.out, `${formatProblem(p)}\n`);
      if (w !== undefined) pending.push(w);
    }
  };

  if (flags.dryRun === true) {
    const spool = new TempFileSpool();
    try {
      const scan = await scanExtract(extract, mapping, { spool, onProblem, limits: options.batchLimits });
      let requests = 0;
      for await (const _batch of batchSpool(spool, scan.withdrawn, options.batchLimits)) requests++;
      await Promise.all(pending);
      if (flags.json === true) await writeOut(io.out, `${JSON.stringify({ ...toReport(scan, mapping.source, problems, requests), dryRun: true }, null, 2)}\n`);
      else await writeOut(io.out, `${[...summaryLines(scan, requests), `dry run: nothing was sent to job ${settings.graph.jobId}`].join('\n')}\n`);
      return scan.rejected > 0 ? EXIT_PROBLEMS : EXIT_OK;
    } finally {
      await spool.dispose();
    }
  }

  const logger = flags.verbose === true ? streamLogger(io) : silentLogger;
  // One budget for every sender when the ledger is shared; otherwise this run's own calls only.
  const gate = new StoredGate(ledger === undefined ? memoryGateStore() : ledger.gateStore(), gateSettingsOf(settings.pacing));
  const client = createProvisioningClient(settings, { logger, gate });
  if (ledger === undefined) io.err.write('no ledger (HRSYNC_STORAGE is not set): every record is sent, and nobody absent from the extract is disabled\n');
  const nightly: SyncNightly | undefined =
    ledger === undefined
      ? undefined
      : {
          ledger,
          source,
          file: resolvePath(extractPath),
          fingerprint: mappingFingerprint(mapping.document ?? mapping.source),
          policy: { maxAttempts: options.maxAttempts, retryBaseMs: options.retryDelayMs, maxRetryMs: options.maxRetryDelayMs, clockSkewMs: options.clockSkewMs },
          ...(flags.fullResend === true ? { fullResend: FULL_RESEND_FLAG } : {}),
          ...(flags.approve === true ? { approve: true } : {}),
        };
  const progress = progressLine(io);
  let report: SyncReport;
  try {
    report = await syncExtract(extract, mapping, { client, gate, ...(nightly === undefined ? {} : { nightly }) }, options, { onProblem, onProgress: progress.update, logger });
  } catch (err) {
    if (!(err instanceof JobNotActiveError)) throw err;
    progress.end();
    await Promise.all(pending);
    if (flags.json === true) await writeOut(io.out, `${JSON.stringify({ jobId: settings.graph.jobId, sent: false, job: err.job, reason: err.message }, null, 2)}\n`);
    else io.err.write(`hrsync: ${err.message}\n`);
    return EXIT_PROBLEMS;
  } finally {
    progress.end();
  }
  await Promise.all(pending);
  if (flags.json === true) {
    await writeOut(
      io.out,
      `${JSON.stringify({ ...toReport({ ...report.scan, withdrawn: new Set() }, mapping.source, problems), jobId: settings.graph.jobId, sync: syncSection(report) }, null, 2)}\n`,
    );
  } else {
    await writeOut(
      io.out,
      `${[...summaryLines({ ...report.scan, withdrawn: new Set() }, report.requests), ...(report.ledger === undefined ? [] : ledgerLines(report.ledger)), ...syncLines(report)].join('\n')}\n`,
    );
  }
  const clean =
    report.scan.rejected === 0 &&
    report.failed.length === 0 &&
    report.notConfirmed.length === 0 &&
    report.deferred.length === 0 &&
    report.ledger?.holding !== true &&
    report.stopped === undefined;
  return clean ? EXIT_OK : EXIT_PROBLEMS;
}

function ledgerLines(l: NonNullable<SyncReport['ledger']>): string[] {
  const p = l.plan;
  const lines = [
    `run ${l.runId} (source ${l.source}): create ${p.create}, update ${p.update}, resend ${p.resend}, disable ${p.disableAbsent + p.disableInactive} (${p.disableAbsent} absent from the extract), unchanged ${l.unchanged} (not sent)`,
  ];
  if (p.fullResend !== undefined) lines.push(`  everyone sent: ${p.fullResend}`);
  if (p.mappingChanged === true) lines.push("  the mapping changed since the source's last run");
  for (const w of p.warnings.slice(0, 20)) lines.push(`  warning [${w.rule}] ${shortExternalId(w.externalId)}: ${w.message}`);
  if (l.holding) {
    lines.push('HELD: nothing was sent; the run went over the guard:');
    for (const h of l.held) lines.push(`  ${h.threshold}: ${h.message}`);
    lines.push('If the numbers are right, run the sync again with --approve; if the extract is wrong, fix it first.');
  } else if (l.held.length > 0) {
    lines.push(`sent with --approve, over: ${l.held.map((h) => h.message).join('; ')}`);
  }
  return lines;
}

function syncSection(r: SyncReport): Record<string, unknown> {
  const seconds = r.firstUploadAt !== undefined && r.lastOutcomeAt !== undefined ? (Date.parse(r.lastOutcomeAt) - Date.parse(r.firstUploadAt)) / 1000 : undefined;
  return {
    requests: r.requests,
    uploaded: r.uploaded,
    resent: r.resent,
    confirmed: r.confirmed,
    confirmedWithWarning: r.confirmedWithWarning,
    skipped: r.skipped,
    failed: r.failed,
    notConfirmed: r.notConfirmed,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    firstUploadAt: r.firstUploadAt,
    lastOutcomeAt: r.lastOutcomeAt,
    secondsToConfirm: seconds,
    disabled: r.disabled,
    deferred: r.deferred,
    withoutManager: r.withoutManager,
    ...(r.deferredWhy === undefined ? {} : { deferredWhy: r.deferredWhy }),
    ledger: r.ledger,
    outcomes: r.outcomes,
    ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
    held: r.held,
  };
}

function syncLines(r: SyncReport): string[] {
  const lines = [
    `sync: ${r.uploaded} uploaded in ${r.requests} bulk upload call${r.requests === 1 ? '' : 's'}${r.resent > 0 ? ` (${r.resent} resent)` : ''}; ` +
      `${r.confirmed} confirmed${r.confirmedWithWarning > 0 ? ` (${r.confirmedWithWarning} with a warning)` : ''}${r.disabled > 0 ? `, ${r.disabled} disabled` : ''}, ${r.skipped} skipped by the service (nothing to change), ` +
      `${r.failed.length} failed, ${r.notConfirmed.length} not confirmed in time`,
  ];
  if (r.withoutManager.length > 0) {
    lines.push(
      `sent without their manager reference: ${r.withoutManager.length} record${r.withoutManager.length === 1 ? '' : 's'} whose manager failed in this sync and is not known to the directory; fix the manager and the next run sends the reference:`,
    );
    for (const w of r.withoutManager.slice(0, 20)) lines.push(`  line ${w.line} ${shortExternalId(w.externalId)}: manager ${shortExternalId(w.manager)}`);
    if (r.withoutManager.length > 20) lines.push(`  … and ${r.withoutManager.length - 20} more (--json lists them all)`);
  }
  if (r.failed.length > 0) lines.push('failed:');
  for (const f of r.failed) lines.push(`  ${describe(f)}`);
  if (r.stopped !== undefined) {
    lines.push(
      `STOPPED: ${r.stopped.message}. ${r.held.length} record${r.held.length === 1 ? ' was' : 's were'} not sent (held). Failures this common usually share one cause (the mapping, the provisioning app's attribute mappings, a domain): fix it from the codes above, then run the sync again; it sends what was not confirmed.`,
    );
  }
  if (r.deferred.length > 0) {
    lines.push(
      `deferred, not sent: ${r.deferred.length} record${r.deferred.length === 1 ? '' : 's'} — ${r.deferredWhy?.detail ?? 'the daily budget is spent'}. Nothing is lost: run the sync again once calls are free${r.deferredWhy?.until === undefined ? '' : ` (from ${r.deferredWhy.until})`} and it sends them.`,
    );
  }
  if (r.notConfirmed.length > 0) lines.push('not confirmed in time (run `hrsync status --since` later to see their outcome):');
  for (const n of r.notConfirmed)
    lines.push(
      `  line ${n.line} ${shortExternalId(n.externalId)}: sent ${n.attempts} time${n.attempts === 1 ? '' : 's'}${n.requestId === undefined ? '' : `, last in request ${n.requestId}`}`,
    );
  return lines;
}

function describe(f: RecordSummary): string {
  const kind = f.retryable === true ? 'retryable' : 'permanent';
  return `line ${f.line} ${shortExternalId(f.externalId)}: ${f.errorCode ?? 'error'} (${kind}) ${f.reason ?? ''}`.trimEnd();
}

// One line on stderr: rewritten in place on a terminal, otherwise printed every few seconds.
function progressLine(io: Console2): { update: (p: SyncProgress) => void; end: () => void } {
  const tty = (io.err as { isTTY?: boolean }).isTTY === true;
  let last = 0;
  let lastPhase = '';
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000) && p.phase === lastPhase) return;
      last = now;
      lastPhase = p.phase;
      const c = p.counts;
      const text = `${p.phase}: uploaded ${p.uploaded}/${p.total} in ${p.requests} requests; confirmed ${c.confirmed}, skipped ${c.skipped}, failed ${c['dead-lettered']}, waiting to resend ${p.retrying}, awaiting logs ${c.submitted}`;
      io.err.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
      shown = tty;
    },
    end() {
      if (shown) io.err.write('\n');
    },
  };
}

// --verbose: the client's and the sync's events as JSON lines; they carry ids and counts, never HR data.
function streamLogger(io: Console2): Logger {
  const write =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      io.err.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
