// `npm run bench:api`: what living within the API costs in calls. A generated organisation of
// 5,000 workers (BENCH_API_WORKERS) goes through the local pipeline — the registered functions
// on the local host, Azurite's file store, the simulator at the documented limit (40 requests in
// any 5 s) — while the simulator answers a share of bulkUpload calls 429 with Retry-After, says
// "bucket … is full" a few times once a fifth of the records have arrived, and has the job
// paused for a minute once three fifths have, then Active again. It reports the bulkUpload
// calls counted at the simulator (on the wire and by its own tally) beside the run report's
// `requests.total`, calls per confirmed record against the issue's target of 1.05 ÷ 50, where
// any call above ⌈records ÷ 50⌉ went, the faults actually injected, and what was lost.
//
// The waits are a tenth of production's so the run takes minutes: a "bucket full" pauses every
// sender 30–60 s (production 5–10 min) and a job that is not Active turns senders away for 60 s
// before they look again (production 10 min). Neither is an app setting; both are options of the
// gate and the client, so the bench builds the runtime's gate and client again with them, as
// createPipelineRuntime builds them otherwise. BENCH_API_PRODUCTION_WAITS=1 keeps production's.
// The jitter of up to 60 s on every turned-away message is production's unless
// BENCH_API_UPLOAD_JITTER_SECONDS sets it (a diagnostic: what the jitter costs in calls).
// Results in bench/out/api-results.json (api-results-no-faults.json for a control run with every
// fault off, api-results-production-waits.json with production's waits).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWorkersCsv } from '../tools/generate/workers.js';
import { ensureSimulatorCertificate } from '../tools/simulator/index.js';

const ca = await ensureSimulatorCertificate();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCertPath) {
  // Node reads the extra CA only at start-up: run again with the simulator's CA trusted.
  const child = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCertPath } });
  process.exit(child.status ?? 1);
}

const { startLocalStack } = await import('../tools/local/stack.js');
const { lostRecords } = await import('../tools/local/accounting.js');
const { pipelineRuntime } = await import('../functions/runtime.js');
const { loadProvisioningSettings } = await import('../lib/config/settings.js');
const { createProvisioningClient } = await import('../lib/provisioning/client.js');
const { StoredGate, gateSettingsOf } = await import('../lib/provisioning/gate.js');
const { DEFAULT_UPLOAD_OPTIONS } = await import('../lib/pipeline/upload.js');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');

function numberFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got "${text}"`);
  return n;
}

const workers = numberFrom('BENCH_API_WORKERS', 5000);
const throttleShare = numberFrom('BENCH_API_THROTTLE_SHARE', 0.02);
const retryAfterSeconds = numberFrom('BENCH_API_RETRY_AFTER_SECONDS', 1);
const bucketFulls = numberFrom('BENCH_API_BUCKET_FULLS', 2);
const pauseSeconds = numberFrom('BENCH_API_PAUSE_SECONDS', 60);
const productionWaits = process.env.BENCH_API_PRODUCTION_WAITS === '1';
const bucketWait = { min: numberFrom('BENCH_API_BUCKET_WAIT_SECONDS', 30) * 1000, max: 2 * numberFrom('BENCH_API_BUCKET_WAIT_SECONDS', 30) * 1000 };
const jobRecheckMs = numberFrom('BENCH_API_JOB_RECHECK_SECONDS', 60) * 1000;
const seed = numberFrom('BENCH_API_SEED', 42);
/** A diagnostic, not a setting: the jitter on turned-away messages (production's 60 s unless set). */
const uploadJitterSeconds = process.env.BENCH_API_UPLOAD_JITTER_SECONDS === undefined ? undefined : numberFrom('BENCH_API_UPLOAD_JITTER_SECONDS', 60);
const RATE = { requests: 40, windowSeconds: 5 };
const TARGET = 1.05 / 50;
/** Shares of the run's records received by the simulator at which the bucket fills and the job pauses. */
const BUCKET_AT = 0.2;
const PAUSE_AT = 0.6;

mkdirSync(out, { recursive: true });
const file = join(out, `workers-${workers}.csv`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${workers} rows → ${file}\n`);
  await writeWorkersCsv(file, workers, { seed: 42 });
}
const content = readFileSync(file);

// Function logs and client events are not part of the measurement.
for (const level of ['log', 'info', 'warn', 'error'] as const) console[level] = () => undefined;

// ---- What the simulator sees on the wire: every bulkUpload answer, by status, with its time. ----
const wire = { calls: 0, byStatus: new Map<string, number>(), accepted: [] as number[] };
const throttles = { share: throttleShare, retryAfterSeconds, seed };
/** The scenario as it unfolds; times in ms since the epoch. */
const events = {
  bucketFullOnAt: undefined as number | undefined,
  bucketFullOffAt: undefined as number | undefined,
  bucketFullAnswers: [] as number[],
  pausedAt: undefined as number | undefined,
  activeAt: undefined as number | undefined,
  callsWhilePaused: new Map<string, number>(),
};
let bucketEpisode: 'before' | 'on' | 'done' = bucketFulls > 0 ? 'before' : 'done';
let pauseState: 'before' | 'paused' | 'done' = pauseSeconds > 0 ? 'before' : 'done';
/** The simulator, once started: the request log turns the bucket-full episode off from within. */
const control: { simulator?: { setFaults(f: object): void } } = {};
const steadyFaults = (): object => ({ throttleShare: throttles.share, retryAfterSeconds: throttles.retryAfterSeconds, seed: throttles.seed + wire.calls });

function onRequestLine(line: string): void {
  const [method, path, status] = line.split(' ') as [string, string, string];
  if (method !== 'POST' || !path.endsWith('/bulkUpload')) return;
  const now = Date.now();
  wire.calls++;
  wire.byStatus.set(status, (wire.byStatus.get(status) ?? 0) + 1);
  if (status === '202') wire.accepted.push(now);
  if (pauseState === 'paused') events.callsWhilePaused.set(status, (events.callsWhilePaused.get(status) ?? 0) + 1);
  if (bucketEpisode === 'on' && status === '500') {
    events.bucketFullAnswers.push(now);
    if (events.bucketFullAnswers.length >= bucketFulls) {
      // Enough: the bucket has room again, and the 429s go on as before.
      bucketEpisode = 'done';
      events.bucketFullOffAt = now;
      control.simulator?.setFaults(steadyFaults());
    }
  }
}

// ---- What hrsync's client says it met (its own view, beside the simulator's). ----
const clientSaw = new Map<string, number>();
const clientLogger = {
  info: (message: string) => {
    clientSaw.set(message, (clientSaw.get(message) ?? 0) + 1);
  },
  warn: (message: string) => {
    clientSaw.set(message, (clientSaw.get(message) ?? 0) + 1);
  },
  error: (message: string) => {
    clientSaw.set(message, (clientSaw.get(message) ?? 0) + 1);
  },
};

const hostErrors: string[] = [];
const waits = new Map<string, number>();
/** Messages turned away by the gate: how many went back together in one wait (1 = a message alone, jittered on its own). */
const waitSizes = new Map<number, number>();
const stack = await startLocalStack({
  mapping: readFileSync(join(root, 'samples', 'mapping.json'), 'utf8'),
  simulator: {
    rateLimit: RATE,
    processingDelayMs: 500,
    pageSize: 1000,
    requestLog: onRequestLine,
    faults: { throttleShare, retryAfterSeconds, seed },
  },
  azuriteStore: 'disk',
  env: { ...process.env, HRSYNC_RATE_LIMIT_REQUESTS: String(RATE.requests), HRSYNC_RATE_LIMIT_WINDOW_SECONDS: String(RATE.windowSeconds) },
  logger: (line) => {
    if (line.level === 'error' || line.level === 'critical') hostErrors.push(line.message.slice(0, 200));
    // Upload's "Uploads wait" lines say why messages were turned away by the gate (no call made).
    if (line.functionName === 'upload' && line.message.includes('Uploads wait')) {
      const why = /"why":"([^"]+)"/.exec(line.message)?.[1] ?? 'unknown';
      waits.set(why, (waits.get(why) ?? 0) + 1);
      const n = Number(/"operations":(\d+)/.exec(line.message)?.[1] ?? 0);
      waitSizes.set(n, (waitSizes.get(n) ?? 0) + 1);
    }
    if (process.env.BENCH_DEBUG === '1' && /not accepted|wait|job|failed/i.test(line.message)) process.stdout.write(`  [${line.functionName}] ${line.message.slice(0, 300)}\n`);
  },
});
control.simulator = stack.simulator;

if (uploadJitterSeconds !== undefined) {
  // The upload function takes the default options; this changes them in this process only.
  DEFAULT_UPLOAD_OPTIONS.waitJitterSeconds = uploadJitterSeconds;
}
if (!productionWaits) {
  // The runtime the functions use, with the gate and the client built as createPipelineRuntime
  // builds them but for the two waits (see the top of this file).
  const rt = pipelineRuntime();
  const provisioning = loadProvisioningSettings(stack.env);
  const gate = new StoredGate(rt.ledger.gateStore(), { ...gateSettingsOf(provisioning.pacing), jobRecheckMs });
  rt.gate = gate;
  rt.client = createProvisioningClient(provisioning, { logger: clientLogger, gate, retry: { maxThrottleWaitMs: 30_000 }, bucketFullWaitMs: bucketWait });
}

const records = workers;
// The code measured: the commit built, and whether lib/, functions/ or tools/ held edits not yet committed.
const git = (...args: string[]): string => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'lib', 'functions', 'tools') === '' ? '' : ' + uncommitted edits'}`;
const load = { start: loadavg().map((l) => Math.round(l * 100) / 100), end: [] as number[] };
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
let result: Record<string, unknown> | undefined;
try {
  stack.host.start();
  const dropAt = Date.now();
  await stack.drop('workers.csv', content);
  let report;
  for (;;) {
    [report] = await stack.reports();
    if (report !== undefined) break;
    const now = Date.now();
    if (now - dropAt > 60 * 60_000) {
      const open = (await stack.progress()).map((p) => JSON.stringify(p.counts)).join('; ');
      throw new Error(
        `no report after an hour: ${stack.host.progressLine()}; records by state: ${open}; ${wire.calls} calls so far (${[...wire.byStatus].map(([k, v]) => `${v} × ${k}`).join(', ')})`,
      );
    }
    const received = stack.simulator.stats().recordsReceived;
    if (bucketEpisode === 'before' && received >= BUCKET_AT * records) {
      bucketEpisode = 'on';
      events.bucketFullOnAt = now;
      stack.simulator.setFaults({ bucketFullShare: 1 });
    }
    if (pauseState === 'before' && bucketEpisode === 'done' && received >= PAUSE_AT * records) {
      pauseState = 'paused';
      events.pausedAt = now;
      stack.simulator.setJob({ status: 'Paused' });
    }
    if (pauseState === 'paused' && now - (events.pausedAt ?? now) >= pauseSeconds * 1000) {
      pauseState = 'done';
      events.activeAt = now;
      stack.simulator.setJob({ status: 'Active' });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seenAt = Date.now();
  load.end = loadavg().map((l) => Math.round(l * 100) / 100);
  const lost = await lostRecords(report, stack.ledger, stack.simulator.directory);
  const stats = stack.simulator.stats();

  // hrsync's own account of its calls, request by request.
  const requests = [];
  for await (const q of stack.ledger.listRequests(report.runId)) requests.push(q);
  const acceptedSizes = requests.filter((q) => q.status === 'accepted').map((q) => q.operations);
  const sizeHistogram = new Map<string, number>();
  for (const n of acceptedSizes) {
    const bucket = n === 50 ? '50' : n >= 40 ? '40-49' : n >= 25 ? '25-39' : n >= 10 ? '10-24' : n >= 2 ? '2-9' : '1';
    sizeHistogram.set(bucket, (sizeHistogram.get(bucket) ?? 0) + 1);
  }
  // Records sent more than once, and what the service said the first time.
  const resent = [...stats.perRecordSends].filter(([, n]) => n > 1);
  const errorCodes = new Map<string, number>();
  const notFinal: string[] = [];
  const resentIds = new Set(resent.map(([id]) => id));
  /** The ledger's attempts of the records the simulator accepted more than once: 1 means sent twice within one attempt. */
  const resentAttempts = new Map<number, number>();
  /** Of the records sent again, how many manage someone in the run (a manager can be brought along ahead of a report). */
  const managers = new Set<string>();
  for await (const r of stack.ledger.listRecords(report.runId)) {
    if (resentIds.has(r.externalId)) resentAttempts.set(r.attempts, (resentAttempts.get(r.attempts) ?? 0) + 1);
    if (r.managerId !== undefined) managers.add(r.managerId);
    if (r.lastErrorCode !== undefined) errorCodes.set(r.lastErrorCode, (errorCodes.get(r.lastErrorCode) ?? 0) + 1);
    if (r.state !== 'confirmed' && r.state !== 'disabled')
      notFinal.push(`${r.externalId}: ${r.state}${r.lastErrorCode === undefined ? '' : ` (${r.lastErrorCode}: ${r.lastReason ?? ''})`}`);
  }

  // The service's own word on the records sent again: their provisioning log entries.
  const serviceSaid = new Map<string, number>();
  for await (const e of pipelineRuntime().client.queryProvisioningLogs({ since: new Date(dropAt - 60_000), pageSize: 1000 })) {
    const id = e.sourceIdentity?.id;
    if (id === undefined || !resentIds.has(id)) continue;
    const said = `${e.provisioningStatusInfo?.status ?? '?'}${e.provisioningStatusInfo?.errorInformation?.errorCode ? `: ${e.provisioningStatusInfo.errorInformation.errorCode}` : ''}`;
    serviceSaid.set(said, (serviceSaid.get(said) ?? 0) + 1);
  }

  const c = report.counts;
  const confirmed = c.confirmed + c.disabled;
  const minimum = Math.ceil(c.records / 50);
  const acceptedCalls = stats.accepted;
  const notAccepted = stats.requests - stats.accepted;
  // Accepted calls beyond the minimum: records sent again, and requests of fewer than 50.
  const extraRecordSends = stats.recordsReceived - stats.perRecordSends.size;
  const perfectAccepted = Math.ceil(stats.recordsReceived / 50);
  const firstAcceptedAfter = (t: number | undefined): number | undefined => (t === undefined ? undefined : wire.accepted.find((a) => a > t));
  const afterBucket = firstAcceptedAfter(events.bucketFullAnswers.at(-1));
  const afterActive = firstAcceptedAfter(events.activeAt);
  const lastCallWhilePaused = events.pausedAt === undefined ? undefined : wire.accepted.filter((a) => a >= (events.pausedAt ?? 0) && a < (events.activeAt ?? Infinity)).at(-1);
  const s = (from: number | undefined, to: number | undefined): number | undefined => (from === undefined || to === undefined ? undefined : round((to - from) / 1000));

  result = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    when: new Date().toISOString(),
    commit,
    loadAverage: load,
    workers,
    rateLimit: RATE,
    waits: productionWaits
      ? { bucketFullSeconds: '300-600 (production)', jobRecheckSeconds: 600, uploadJitterSeconds: '0-60' }
      : {
          bucketFullSeconds: `${bucketWait.min / 1000}-${bucketWait.max / 1000}`,
          jobRecheckSeconds: jobRecheckMs / 1000,
          uploadJitterSeconds: uploadJitterSeconds === undefined ? '0-60 (production)' : `0-${uploadJitterSeconds} (BENCH_API_UPLOAD_JITTER_SECONDS, a diagnostic)`,
        },
    injected: {
      throttleShare,
      retryAfterSeconds,
      throttled429: stats.refusedBy.throttle,
      bucketFull: stats.refusedBy.bucketFull,
      bucketFullOfPausedJob: stats.refusedBy.bucketFullNotActive,
      jobPausedSeconds: s(events.pausedAt, events.activeAt),
    },
    calls: {
      simulatorWire: wire.calls,
      simulatorWireByStatus: Object.fromEntries(wire.byStatus),
      simulatorTally: stats.requests,
      simulatorRefusedBy: stats.refusedBy,
      hrsyncReport: report.requests,
      hrsyncClient: Object.fromEntries(clientSaw),
      minimum,
      accepted: acceptedCalls,
      notAccepted,
      acceptedAboveMinimum: acceptedCalls - minimum,
      acceptedAboveMinimumFromPartialRequests: acceptedCalls - perfectAccepted,
      acceptedAboveMinimumFromRecordsSentAgain: perfectAccepted - minimum,
      acceptedRequestSizes: Object.fromEntries(sizeHistogram),
      gateTurnedAwayWithoutCall: Object.fromEntries(waits),
      gateWaitsByMessagesTogether: Object.fromEntries([...waitSizes].sort((a, b) => a[0] - b[0])),
    },
    records: {
      ...c,
      recordsReceivedBySimulator: stats.recordsReceived,
      recordsSentMoreThanOnce: resent.length,
      extraRecordSends,
      ledgerAttemptsOfRecordsSentAgain: Object.fromEntries(resentAttempts),
      logEntriesOfRecordsSentAgain: Object.fromEntries(serviceSaid),
      managersAmongRecordsSentAgain: [...resentIds].filter((id) => managers.has(id)).length,
      recordsSentAgain: [...resentIds].slice(0, 20),
      lastErrorCodes: Object.fromEntries(errorCodes),
    },
    confirmed,
    callsPerConfirmedRecord: round(stats.requests / confirmed, 5),
    callsPerConfirmedRecordTarget: TARGET,
    callsAgainstMinimum: round(stats.requests / minimum, 3),
    targetMet: stats.requests / confirmed <= TARGET + 1e-12,
    lost: [...lost, ...notFinal.slice(0, 20)],
    lostCount: c.records - confirmed,
    timeline: {
      secondsDropToBucketFull: s(dropAt, events.bucketFullAnswers[0]),
      bucketFullAnswersAtSeconds: events.bucketFullAnswers.map((t) => s(dropAt, t)),
      secondsLastBucketFullToNextAccepted: s(events.bucketFullAnswers.at(-1), afterBucket),
      secondsDropToPause: s(dropAt, events.pausedAt),
      callsWhileJobPaused: Object.fromEntries(events.callsWhilePaused),
      secondsPauseToLastCallWhilePaused: s(events.pausedAt, lastCallWhilePaused),
      secondsActiveToNextAccepted: s(events.activeAt, afterActive),
      secondsDropToLastAccepted: s(dropAt, wire.accepted.at(-1)),
      secondsDropToRunComplete: s(dropAt, Date.parse(report.endedAt ?? '')),
      secondsDropToIngested: s(dropAt, Date.parse(report.ingestedAt ?? '')),
      // When each accepted request of fewer than 50 went, against the faults and the end of ingest.
      shortRequestsAt: requests.filter((q) => q.status === 'accepted' && q.operations < 50).map((q) => `${s(dropAt, Date.parse(q.at)) ?? '?'}s:${q.operations}`),
      wallSeconds: s(dropAt, seenAt),
    },
    invocations: stack.host.stats,
    hostErrors: hostErrors.slice(0, 5),
  };
  // A control run with every fault off (BENCH_API_THROTTLE_SHARE=0 BENCH_API_BUCKET_FULLS=0 BENCH_API_PAUSE_SECONDS=0) is kept beside the run with faults.
  const control = throttleShare === 0 && bucketFulls === 0 && pauseSeconds === 0;
  writeFileSync(
    join(out, control ? 'api-results-no-faults.json' : productionWaits ? 'api-results-production-waits.json' : 'api-results.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );

  const r = result as { calls: Record<string, unknown>; timeline: Record<string, unknown> };
  const line = (text: string): boolean => process.stdout.write(`${text}\n`);
  line(
    `${workers} workers, ${c.records} records: ${c.created} created, ${c.updated} updated, ${c.disabled} disabled, ${c.skipped} skipped, ${c.deadLettered} dead-lettered, ${c.rejected} rejected; ` +
      `${lost.length === 0 && confirmed === c.records ? 'nothing lost' : `LOST ${c.records - confirmed}: ${[...lost, ...notFinal.slice(0, 5)].join('; ')}`}`,
  );
  line(
    `injected: ${stats.refusedBy.throttle} × 429 (share ${throttleShare}, Retry-After ${retryAfterSeconds} s), ${stats.refusedBy.bucketFull} × bucket full` +
      `${stats.refusedBy.bucketFullNotActive > 0 ? ` (+${stats.refusedBy.bucketFullNotActive} from the paused job's bucket)` : ''}, job paused ${s(events.pausedAt, events.activeAt) ?? 0} s; ` +
      `rate-limit 429s ${stats.refusedBy.rateLimit}`,
  );
  line(
    `bulkUpload calls: ${wire.calls} on the wire (${[...wire.byStatus].map(([k, v]) => `${v} × ${k}`).join(', ')}), ${stats.requests} in the simulator's tally, ` +
      `${report.requests.total} in hrsync's report (${report.requests.accepted} accepted, ${report.requests.notAccepted} not); minimum ⌈${c.records} ÷ 50⌉ = ${minimum}`,
  );
  line(
    `accepted ${acceptedCalls}: ${acceptedCalls - perfectAccepted} above ⌈records received ÷ 50⌉ from requests of fewer than 50 (sizes ${JSON.stringify(r.calls['acceptedRequestSizes'])}), ` +
      `${perfectAccepted - minimum} from ${extraRecordSends} records sent again (${resent.length} records, by the ledger's attempts ${JSON.stringify(Object.fromEntries(resentAttempts))}, their log entries ${JSON.stringify(Object.fromEntries(serviceSaid))}, ${[...resentIds].filter((id) => managers.has(id)).length} of them managers; last error codes ${JSON.stringify(Object.fromEntries(errorCodes))})`,
  );
  line(
    `turned away by the gate without a call: ${JSON.stringify(Object.fromEntries(waits))} times; messages put back together per wait ${JSON.stringify(Object.fromEntries([...waitSizes].sort((a, b) => a[0] - b[0])))}`,
  );
  line(
    `calls per confirmed record ${round(stats.requests / confirmed, 5)} (${round(stats.requests / minimum, 3)} × the minimum) against the target ${TARGET} (1.05 ÷ 50): ${result['targetMet'] === true ? 'met' : 'MISSED'}`,
  );
  line(
    `timeline: bucket full at ${JSON.stringify(r.timeline['bucketFullAnswersAtSeconds'])} s, next accepted call ${r.timeline['secondsLastBucketFullToNextAccepted'] ?? '-'} s later; ` +
      `job paused at ${r.timeline['secondsDropToPause'] ?? '-'} s for ${s(events.pausedAt, events.activeAt) ?? 0} s (calls while paused ${JSON.stringify(r.timeline['callsWhileJobPaused'])}, the last ${r.timeline['secondsPauseToLastCallWhilePaused'] ?? '-'} s in), ` +
      `first accepted call ${r.timeline['secondsActiveToNextAccepted'] ?? '-'} s after Active; last accepted call at ${r.timeline['secondsDropToLastAccepted'] ?? '-'} s, run complete at ${r.timeline['secondsDropToRunComplete'] ?? '-'} s, wall ${r.timeline['wallSeconds'] ?? '-'} s; ingest done at ${r.timeline['secondsDropToIngested'] ?? '-'} s; short requests (s:records) ${(r.timeline['shortRequestsAt'] as string[] | undefined)?.join(' ') ?? '-'}`,
  );
  line(`${commit}; ${String(result['machine'])}; load average ${load.start.join(' ')} at start, ${load.end.join(' ')} at the end; waits ${JSON.stringify(result['waits'])}`);
  if (hostErrors.length > 0) line(`host errors (first 5): ${hostErrors.slice(0, 5).join(' | ')}`);
} finally {
  await stack.stop();
}
// Records lost fail the command; a missed target is a figure to read, as in the other benches.
if (result === undefined || result['lostCount'] !== 0) process.exitCode = 1;
