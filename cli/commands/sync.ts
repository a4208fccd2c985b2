// hrsync sync: what CSV2SCIM does, in one process and more carefully — read, map, validate,
// upload at the paced rate, read the provisioning logs until every record has an outcome,
// resend what failed for a passing reason, and say what happened to each record.
import { batchSpool, scanExtract } from '../../lib/convert/convert.js';
import { TempFileSpool } from '../../lib/convert/spool.js';
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import type { Logger, LogFields } from '../../lib/provisioning/logger.js';
import { silentLogger } from '../../lib/provisioning/logger.js';
import { formatProblem } from '../../lib/scim/problem.js';
import type { Problem } from '../../lib/scim/problem.js';
import { DEFAULT_SYNC_OPTIONS, syncExtract } from '../../lib/sync/sync.js';
import type { RecordSummary, SyncOptions, SyncProgress, SyncReport } from '../../lib/sync/sync.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { openInputs, positiveInt } from '../inputs.js';
import type { ReadFlags } from '../inputs.js';
import { summaryLines, toReport } from '../report.js';

export interface SyncFlags extends ReadFlags, ConnectionFlags {
  json?: boolean;
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

/** Runs `hrsync sync`; returns the exit code. */
export async function syncCommand(extractPath: string, flags: SyncFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const options = syncOptionsFrom(flags, settings.pacing.concurrency);
  const { extract, mapping } = await openInputs(extractPath, flags);
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
  const client = createProvisioningClient(settings, { logger });
  const progress = progressLine(io);
  let report: SyncReport;
  try {
    report = await syncExtract(extract, mapping, { client }, options, { onProblem, onProgress: progress.update, logger });
  } finally {
    progress.end();
  }
  await Promise.all(pending);
  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ ...toReport({ ...report.scan, withdrawn: new Set() }, mapping.source, problems), jobId: settings.graph.jobId, sync: syncSection(report) }, null, 2)}\n`);
  } else {
    await writeOut(io.out, `${[...summaryLines({ ...report.scan, withdrawn: new Set() }, report.requests), ...syncLines(report)].join('\n')}\n`);
  }
  const clean = report.scan.rejected === 0 && report.failed.length === 0 && report.notConfirmed.length === 0;
  return clean ? EXIT_OK : EXIT_PROBLEMS;
}

function syncSection(r: SyncReport): Record<string, unknown> {
  const seconds = r.firstUploadAt !== undefined && r.lastOutcomeAt !== undefined
    ? (Date.parse(r.lastOutcomeAt) - Date.parse(r.firstUploadAt)) / 1000 : undefined;
  return {
    requests: r.requests, uploaded: r.uploaded, resent: r.resent, confirmed: r.confirmed, confirmedWithWarning: r.confirmedWithWarning,
    skipped: r.skipped, failed: r.failed, notConfirmed: r.notConfirmed, startedAt: r.startedAt, finishedAt: r.finishedAt,
    firstUploadAt: r.firstUploadAt, lastOutcomeAt: r.lastOutcomeAt, secondsToConfirm: seconds,
  };
}

function syncLines(r: SyncReport): string[] {
  const lines = [
    `sync: ${r.uploaded} uploaded in ${r.requests} bulk request${r.requests === 1 ? '' : 's'}${r.resent > 0 ? ` (${r.resent} resent)` : ''}; `
    + `${r.confirmed} confirmed${r.confirmedWithWarning > 0 ? ` (${r.confirmedWithWarning} with a warning)` : ''}, ${r.skipped} skipped as unchanged, `
    + `${r.failed.length} failed, ${r.notConfirmed.length} not confirmed in time`,
  ];
  if (r.failed.length > 0) lines.push('failed:');
  for (const f of r.failed) lines.push(`  ${describe(f)}`);
  if (r.notConfirmed.length > 0) lines.push('not confirmed in time (run `hrsync status --since` later to see their outcome):');
  for (const n of r.notConfirmed) lines.push(`  line ${n.line} ${n.externalId}: sent ${n.attempts} time${n.attempts === 1 ? '' : 's'}${n.requestId === undefined ? '' : `, last in request ${n.requestId}`}`);
  return lines;
}

function describe(f: RecordSummary): string {
  const kind = f.retryable === true ? `retryable, gave up after ${f.attempts} attempts` : 'permanent';
  return `line ${f.line} ${f.externalId}: ${f.errorCode ?? 'error'} (${kind}) ${f.reason ?? ''}`.trimEnd();
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
  const write = (level: string) => (message: string, fields?: LogFields): void => {
    io.err.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
