// `npm run bench:pipeline`: a 20,000-row extract through the local pipeline — the registered
// functions on the local host, Azurite, and the simulator at the documented rate limit (40
// requests in any 5 s) — timed from the drop of the blob to the last confirmation, reported as
// records confirmed per second against the ceiling of 40 / 5 × 50 = 400 records/s.
// BENCH_PIPELINE_ROWS changes the size. Everything runs in this one process, as `npm run local`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_OPERATIONS_PER_REQUEST } from '../lib/scim/schemas.js';
import { writeWorkersCsv } from '../tools/generate/workers.js';
import { ensureSimulatorCertificate } from '../tools/simulator/index.js';
import { cpuSecondsOf } from './proc-cpu.js';

const ca = await ensureSimulatorCertificate();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCertPath) {
  // Node reads the extra CA only at start-up: run again with the simulator's CA trusted.
  const child = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCertPath } });
  process.exit(child.status ?? 1);
}

const { startLocalStack } = await import('../tools/local/stack.js');
const { lostRecords } = await import('../tools/local/accounting.js');
const { countStorageOperations, perRecord } = await import('../tools/local/storage-operations.js');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');
const rows = Number(process.env.BENCH_PIPELINE_ROWS ?? 20_000);
// Azurite's file store by default: its in-memory queue cannot take 400 messages a second for
// long (see tools/azurite/start.ts), and the figure here is meant to be about the pipeline.
const store = process.env.BENCH_PIPELINE_STORE === 'memory' ? 'memory' : 'disk';
const RATE = { requests: 40, windowSeconds: 5 };
const ceiling = (RATE.requests / RATE.windowSeconds) * 50;

mkdirSync(out, { recursive: true });
const file = join(out, `workers-${rows}.csv`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${rows} rows → ${file}\n`);
  await writeWorkersCsv(file, rows, { seed: 42 });
}
const content = readFileSync(file);

// Client events and function logs are not part of the measurement.
for (const level of ['log', 'info', 'warn', 'error'] as const) console[level] = () => undefined;
const hostErrors: string[] = [];
const logMessages = new Map<string, number>();
// When each message was first said, for the start of a run: what comes between the drop and the first request.
const firstSaid = new Map<string, number>();
// A function's log line is JSON with its message among the fields.
function messageName(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m : text.slice(0, 80);
  } catch {
    return text.slice(0, 80);
  }
}
const stack = await startLocalStack({
  mapping: readFileSync(join(root, 'samples', 'mapping.json'), 'utf8'),
  // The same processing delay and page size as bench:sync, so the two compare.
  simulator: { rateLimit: RATE, processingDelayMs: 500, pageSize: 1000 },
  azuriteStore: store,
  env: { ...process.env, HRSYNC_RATE_LIMIT_REQUESTS: String(RATE.requests), HRSYNC_RATE_LIMIT_WINDOW_SECONDS: String(RATE.windowSeconds) },
  logger: (line) => {
    if (line.level === 'error' || line.level === 'critical') hostErrors.push(line.message.slice(0, 200));
    // What the functions said, by message (their fields aside): how often uploads waited, put back, took managers along.
    const name = messageName(line.message);
    logMessages.set(name, (logMessages.get(name) ?? 0) + 1);
    if (!firstSaid.has(name)) firstSaid.set(name, Date.now());
  },
});

// Each record the service got more than once, with whether it manages anyone in the run: a manager
// can go twice when taken along, anyone else only when a message of theirs came twice.
async function sentMoreThanOnce(sends: ReadonlyMap<string, number>, runId: string): Promise<Array<{ externalId: string; sends: number; manages: boolean; attempts?: number }>> {
  const twice = [...sends].filter(([, n]) => n > 1);
  if (twice.length === 0) return [];
  const managers = new Set<string>();
  for await (const r of stack.ledger.listRecords(runId)) if (r.managerId !== undefined) managers.add(r.managerId);
  const records = await stack.ledger.getRecords(
    runId,
    twice.map(([id]) => id),
  );
  return twice.map(([externalId, n]) => {
    const attempts = records.get(externalId)?.attempts;
    return { externalId, sends: n, manages: managers.has(externalId), ...(attempts === undefined ? {} : { attempts }) };
  });
}

// When the service accepted each request, against the fastest the rate limit allows for the records
// accepted: full requests, from the first one, `requests` at once and as many again each window.
// What the last request lags behind that is the sending's own (our pacing margin, short requests,
// uploads waiting on storage or CPU).
function sendingTimeline(
  acceptedAt: readonly number[],
  records: number,
  dropAt: number,
): { firstAtSeconds: number; lastAtSeconds: number; behindLimitSeconds: number; perWindow: number[] } {
  const windowMs = RATE.windowSeconds * 1000;
  const first = acceptedAt[0] ?? dropAt;
  const last = acceptedAt.at(-1) ?? dropAt;
  const fewest = Math.ceil(records / MAX_OPERATIONS_PER_REQUEST);
  const fastestLast = first + Math.floor(Math.max(0, fewest - 1) / RATE.requests) * windowMs;
  const perWindow: number[] = [];
  for (const t of acceptedAt) {
    const w = Math.floor((t - first) / windowMs);
    while (perWindow.length <= w) perWindow.push(0);
    perWindow[w] = (perWindow[w] as number) + 1;
  }
  const s = (ms: number): number => Math.round(ms / 100) / 10;
  return { firstAtSeconds: s(first - dropAt), lastAtSeconds: s(last - dropAt), behindLimitSeconds: s(last - fastestLast), perWindow };
}

try {
  stack.host.start();
  const load = loadavg()[0] ?? 0;
  const counting = countStorageOperations(stack.azurite);
  const dropAt = Date.now();
  await stack.drop('workers.csv', content);
  const droppedAt = Date.now();
  let report;
  for (;;) {
    [report] = await stack.reports();
    if (report !== undefined) break;
    if (Date.now() - dropAt > 30 * 60_000) throw new Error(`no report after 30 minutes: ${stack.host.progressLine()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const completeSeenAt = Date.now();
  // Everything the functions did for the run, up to the report (the accounting below reads storage too).
  const storageCounts = counting.stop();
  const lost = await lostRecords(report, stack.ledger, stack.simulator.directory);

  // The service's side: when the simulator processed the last record; the pipeline's side: when reconcile completed the run.
  let lastActivity = 0;
  let firstSubmit = Infinity;
  for await (const r of stack.ledger.listRecords(report.runId)) {
    if (r.lastOutcomeAt !== undefined) lastActivity = Math.max(lastActivity, Date.parse(r.lastOutcomeAt));
    if (r.lastSubmittedAt !== undefined) firstSubmit = Math.min(firstSubmit, Date.parse(r.lastSubmittedAt));
  }
  const ingestedAt = report.ingestedAt === undefined ? NaN : Date.parse(report.ingestedAt);
  const endedAt = Date.parse(report.endedAt ?? '');
  const done = report.counts.confirmed + report.counts.disabled + report.counts.skipped;
  const s = (ms: number): number => Math.round(ms / 100) / 10;
  const toComplete = (endedAt - dropAt) / 1000;
  const toLastConfirmation = (lastActivity - dropAt) / 1000;
  const stats = stack.simulator.stats();
  const sending = sendingTimeline(stats.acceptedAt, stats.recordsReceived, dropAt);
  const own = process.cpuUsage();
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    when: new Date().toISOString(),
    loadAverageAtStart: Math.round(load * 100) / 100,
    azuriteStore: store,
    queueBacklog: stack.settings.queueBacklog,
    rows: report.rows,
    counts: report.counts,
    lost,
    rateLimit: RATE,
    ceilingRecordsPerSecond: ceiling,
    reconcileSchedule: stack.settings.reconcileSchedule,
    secondsDropUpload: s(droppedAt - dropAt),
    secondsDropToIngested: s(ingestedAt - dropAt),
    secondsDropToFirstSubmit: s(firstSubmit - dropAt),
    secondsDropToLastConfirmation: s(lastActivity - dropAt),
    secondsDropToRunComplete: s(endedAt - dropAt),
    secondsDropToReportSeen: s(completeSeenAt - dropAt),
    confirmedPerSecondToLastConfirmation: Math.round(done / toLastConfirmation),
    shareOfCeilingToLastConfirmation: Math.round((done / toLastConfirmation / ceiling) * 1000) / 1000,
    confirmedPerSecondToRunComplete: Math.round(done / toComplete),
    shareOfCeilingToRunComplete: Math.round((done / toComplete / ceiling) * 1000) / 1000,
    // Requests to Azurite per record, by kind (a table transaction or query counts once, as Azure bills it).
    storageOperationsPerRecord: perRecord(storageCounts, report.rows),
    storageOperations: storageCounts,
    simulatorRequests: stats.requests,
    sending,
    throttled: stats.throttled,
    // Records the service accepted more than once: the cost of taking a manager along while an upload beside sends it too.
    recordsSentMoreThanOnce: [...stats.perRecordSends.values()].filter((n) => n > 1).length,
    sentMoreThanOnce: await sentMoreThanOnce(stats.perRecordSends, report.runId),
    logMessages: Object.fromEntries([...logMessages].sort((a, b) => b[1] - a[1])),
    secondsDropToFirstSaid: Object.fromEntries([...firstSaid].map(([name, at]) => [name, s(at - dropAt)]).sort((a, b) => (a[1] as number) - (b[1] as number))),
    invocations: stack.host.stats,
    hostErrors: hostErrors.slice(0, 5),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    // Where the CPU went during the whole run: this process (functions, local host, simulator) and
    // each Azurite service in its own process.
    cpuSeconds: {
      functionsHostAndSimulator: Math.round((own.user + own.system) / 1e4) / 100,
      azuriteQueue: cpuSecondsOf(stack.azurite.pids.queue),
      azuriteTable: cpuSecondsOf(stack.azurite.pids.table),
      azuriteBlob: cpuSecondsOf(stack.azurite.pids.blob),
    },
  };
  writeFileSync(join(out, `pipeline-results-${store}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const share = result.shareOfCeilingToLastConfirmation;
  process.stdout.write(
    `${result.rows} rows: ${report.counts.confirmed} confirmed, ${report.counts.skipped} skipped, ${report.counts.deadLettered} dead-lettered, ${report.counts.rejected} rejected; ` +
      `${lost.length === 0 ? 'nothing lost' : `LOST: ${lost.join('; ')}`}; ${stats.requests} simulator requests, ${stats.throttled} answered 429; ${result.recordsSentMoreThanOnce} records sent more than once\n` +
      `drop → ingested ${result.secondsDropToIngested} s, → first submission ${result.secondsDropToFirstSubmit} s, → last confirmation ${result.secondsDropToLastConfirmation} s ` +
      `(${result.confirmedPerSecondToLastConfirmation} records/s = ${Math.round(share * 1000) / 10}% of the ${ceiling} records/s ceiling), ` +
      `→ run complete in the ledger ${result.secondsDropToRunComplete} s (${Math.round(result.shareOfCeilingToRunComplete * 1000) / 10}%, reconcile on "${result.reconcileSchedule}")\n` +
      `first said, seconds after the drop: ${Object.entries(result.secondsDropToFirstSaid)
        .slice(0, 6)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ')}\n` +
      `requests accepted from ${sending.firstAtSeconds} s to ${sending.lastAtSeconds} s after the drop, the last ${sending.behindLimitSeconds} s later than the rate limit allows (requests per ${RATE.windowSeconds} s: ${sending.perWindow.join(' ')})\n` +
      `Azurite ${store} store, operations queue capped at ${result.queueBacklog} messages; ${result.machine}, load ${result.loadAverageAtStart} at start; peak RSS ${result.peakRssMb} MB (this process: functions and simulator; Azurite runs in its own); ` +
      `CPU seconds: functions, host and simulator ${result.cpuSeconds.functionsHostAndSimulator}, Azurite queue ${result.cpuSeconds.azuriteQueue ?? '?'}, table ${result.cpuSeconds.azuriteTable ?? '?'}, blob ${result.cpuSeconds.azuriteBlob ?? '?'}\n` +
      `storage operations per record: ${result.storageOperationsPerRecord.total} (target ≤ 3): ${Object.entries(result.storageOperationsPerRecord.byKind)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n` +
      `target ≥ 85% of the ceiling: ${share >= 0.85 ? 'met' : 'MISSED'}\n`,
  );
} finally {
  await stack.stop();
}
