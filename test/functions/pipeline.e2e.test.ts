// The Functions app end to end: the registered definitions from functions/, driven by the local
// host against Azurite, uploading to the simulator over HTTPS. Each scenario drops an extract,
// lets the host run ingest and upload, fires reconcile until the run is complete, and checks
// the report blob against what the simulator's directory holds.
import { BlobServiceClient } from '@azure/storage-blob';
import { parse } from 'csv-parse/sync';
import { QueueClient } from '@azure/storage-queue';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { definitions } from '../../functions/index.js';
import { pipelineRuntime, resetPipelineRuntime } from '../../functions/runtime.js';
import type { RunReport } from '../../lib/pipeline/report.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { writeWorkersCsv } from '../../tools/generate/workers.js';
import { readHostJson } from '../../tools/host/host-json.js';
import { createLocalHost } from '../../tools/host/local-host.js';
import type { HostLogLine, LocalHost } from '../../tools/host/local-host.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { startSimulator } from '../../tools/simulator/index.js';
import { collect, simClient } from '../lib/provisioning/simulator-client.js';

let azurite: AzuriteInstance;
let sim: Simulator;
let dir: string;
let extract: Buffer;
let smallExtract: Buffer;
const saved: Record<string, string | undefined> = {};
const logs: HostLogLine[] = [];
// The process logger (client events outside an invocation) writes to the console: kept here, so
// it is checked for personal data too and does not flood the test output.
const consoleLines: string[] = [];
// Every scenario's lines, for the check that no log holds personal data.
const allLogs: string[] = [];
const allConsoleLines: string[] = [];

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      const line = args.map(String).join(' ');
      consoleLines.push(line);
      allConsoleLines.push(line);
    });
  }
  [azurite, sim] = await Promise.all([startAzurite(), startSimulator({ processingDelayMs: 5, pageSize: 1000 })]);
  dir = await mkdtemp(join(tmpdir(), 'hrsync-e2e-'));
  await writeWorkersCsv(join(dir, 'workers.csv'), 2000, { seed: 3 });
  extract = await readFile(join(dir, 'workers.csv'));
  await writeWorkersCsv(join(dir, 'small.csv'), 400, { seed: 4 });
  smallExtract = await readFile(join(dir, 'small.csv'));
  setEnv({ ...sim.settings, HRSYNC_STORAGE: azurite.connectionString, HRSYNC_RECONCILE_SCHEDULE: '0 0 0 1 1 *', HRSYNC_RETRY_BASE_SECONDS: '0' });
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await blobs.getContainerClient('hrsync-config').createIfNotExists();
  const mapping = await readFile('samples/mapping.json');
  await blobs.getContainerClient('hrsync-config').getBlockBlobClient('mapping.json').upload(mapping, mapping.length);
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([azurite.stop(), sim.close(), rm(dir, { recursive: true, force: true })]);
});

let scenario = 0;
let host: LocalHost;
beforeEach(() => {
  // A fresh queue and fresh tables per scenario, so counts belong to it alone.
  scenario++;
  setEnv({
    HRSYNC_OPERATIONS_QUEUE: `ops-${scenario}`,
    HRSYNC_TABLE_PREFIX: `e2e${scenario}`,
    HRSYNC_REPORTS_CONTAINER: `reports-${scenario}`,
    HRSYNC_EXTRACTS_CONTAINER: `drop-${scenario}`,
    HRSYNC_SOURCES_BLOB: `hrsync-config/sources-${scenario}.json`,
  });
  resetPipelineRuntime();
  sim.reset();
  sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
  logs.length = 0;
  consoleLines.length = 0;
  // host.json as shipped, but failed messages come back at once so poison tests stay short.
  host = createLocalHost({
    definitions,
    env: process.env,
    host: { ...readHostJson('host.json'), visibilityTimeoutSeconds: 0 },
    onLog: (l) => {
      logs.push(l);
      allLogs.push(l.message);
    },
  });
});

async function drop(name: string, content: Buffer): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(process.env.HRSYNC_EXTRACTS_CONTAINER as string);
  await container.createIfNotExists();
  await container.getBlockBlobClient(name).upload(content, content.length);
}

/** Runs the host and the timer until a report appears; returns it. */
// Generous: on two cores shared with the rest of the suite, Azurite (one Node process) serves every
// ledger call, and a reconcile pass over 2,000 confirmations is ~8,000 table round trips.
async function runToReport(timeoutMs = 120_000): Promise<RunReport> {
  const reports = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(process.env.HRSYNC_REPORTS_CONTAINER as string);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await host.drain(timeoutMs);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; host logs: ${logs
          .slice(-8)
          .map((l) => l.message.slice(0, 300))
          .join(' | ')}; client events: ${consoleLines
          .slice(-8)
          .map((l) => l.slice(0, 300))
          .join(' | ')}; ${await openRecords()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
    await host.fireTimer('reconcile');
    if (await reports.exists()) {
      for await (const b of reports.listBlobsFlat()) {
        if (b.name.endsWith('/report.json')) return JSON.parse((await reports.getBlockBlobClient(b.name).downloadToBuffer()).toString()) as RunReport;
      }
    }
  }
  throw new Error(
    `no report within ${timeoutMs} ms; host logs: ${logs
      .slice(-5)
      .map((l) => l.message)
      .join(' | ')}; client events: ${consoleLines
      .slice(-8)
      .map((l) => l.slice(0, 300))
      .join(' | ')}; ${await openRecords()}`,
  );
}

/** For a run that does not finish: where its open records stand (ids and states only), in the ledger and at the simulator. */
async function openRecords(): Promise<string> {
  const ledger = pipelineRuntime().ledger;
  const lines: string[] = [];
  const log = await collect(simClient(sim).client.queryProvisioningLogs({ since: new Date(Date.now() - 600_000) }));
  for (const run of await ledger.listOpenRuns()) {
    lines.push(`run ${run.runId} ${run.state} ${JSON.stringify(await ledger.countByState(run.runId))}`);
    let shown = 0;
    for await (const r of ledger.listRecords(run.runId)) {
      if ((r.state !== 'queued' && r.state !== 'submitted') || shown++ >= 10) continue;
      const entries = log.filter((e) => e.sourceIdentity?.id === r.externalId).map((e) => `${e.provisioningStatusInfo?.status}@${e.activityDateTime}`);
      lines.push(
        `${r.externalId} ${r.state} attempts=${r.attempts} enqueued=${r.enqueued} waitingFor=${r.waitingFor ?? '-'} manager=${r.managerId ?? '-'} code=${r.lastErrorCode ?? '-'} submitted=${r.lastSubmittedAt ?? '-'} outcome=${r.lastOutcomeAt ?? '-'} sends=${sim.stats().perRecordSends.get(r.externalId) ?? 0} log=[${entries.join(',')}]`,
      );
    }
  }
  const ops = new QueueClient(azurite.connectionString, process.env.HRSYNC_OPERATIONS_QUEUE as string);
  lines.push(`queue ~${(await ops.getProperties()).approximateMessagesCount}`);
  return lines.join('\n');
}

/** The extract's managers: the ManagerID of some row. */
function managersOf(): Set<string> {
  return new Set((parse(extract, { columns: true }) as Array<Record<string, string>>).map((r) => r['ManagerID']).filter((m): m is string => m !== undefined && m !== ''));
}

/**
 * Records sent more often than needed: each record once, plus once per failure the logs show for it
 * (a report that reached the service before its manager, two upload invocations running side by side),
 * plus once for a manager that upload brought ahead of a report while another upload held the
 * manager's own message (the service skips the second copy; it rides in a request sent anyway).
 */
async function needlessSends(): Promise<string[]> {
  const managers = managersOf();
  const failures = new Map<string, number>();
  for (const e of await collect(simClient(sim).client.queryProvisioningLogs({ since: new Date(Date.now() - 600_000) }))) {
    if (e.provisioningStatusInfo?.status === 'failure') failures.set(e.sourceIdentity?.id ?? '', (failures.get(e.sourceIdentity?.id ?? '') ?? 0) + 1);
  }
  expect([...failures.values()].reduce((a, b) => a + b, 0)).toBeLessThan(100);
  return [...sim.stats().perRecordSends]
    .filter(([id, n]) => n !== 1 + (failures.get(id) ?? 0) && !(managers.has(id) && n === 2 + (failures.get(id) ?? 0)))
    .map(([id, n]) => `${id}×${n}`);
}

describe('the Functions app on Azurite and the simulator', () => {
  it('confirms every record of a 2,000-row extract and writes a correct report', async () => {
    await drop('workers.csv', extract);
    const report = await runToReport();
    expect(report).toMatchObject({ file: `drop-${scenario}/workers.csv`, rows: 2000 });
    expect(report.counts).toMatchObject({ valid: 2000, rejected: 0, records: 2000, created: 2000, confirmed: 2000, skipped: 0, deadLettered: 0, unchanged: 0, held: 0 });
    expect(sim.directory.size).toBe(2000);
    expect(await needlessSends()).toEqual([]);
    expect(logs.some((l) => l.message.includes('"Run complete"'))).toBe(true);
  }, 150_000);

  it('ends the same under 429s, 5xx, dropped connections and per-record failures', async () => {
    sim.setFaults({
      throttleShare: 0.04,
      error500Share: 0.03,
      error503Share: 0.03,
      dropShare: 0.02,
      retryAfterSeconds: 1,
      seed: 5,
      recordRules: [
        { match: /7$/, times: 1, errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.', retryable: true },
        { match: /^E0001(2|3)\d$/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' },
      ],
    });
    await drop('workers.csv', extract);
    const report = await runToReport(150_000);
    const invalid = [...sim.stats().perRecordSends.keys()].filter((id) => /^E0001(2|3)\d$/.test(id));
    // Under these faults a record can reach the service twice (a manager a report took along while its
    // own message went too; a record whose first copy failed while the other went through): the copy
    // that did the work settles it, and the later one's "nothing to change" does not. Every record
    // ends confirmed (created) or dead-lettered, none skipped.
    expect(report.counts).toMatchObject({ skipped: 0, created: report.counts.confirmed });
    expect(report.counts.confirmed + report.counts.deadLettered).toBe(2000);
    expect(
      report.deadLettered
        .filter((d) => d.errorCode === 'AzureActiveDirectoryInvalidUserPrincipalName')
        .map((d) => d.externalId)
        .sort(),
    ).toEqual(invalid.sort());
    // Reports of a worker whose UPN is refused wait for a manager that never comes, then give up with that reason.
    for (const d of report.deadLettered.filter((x) => x.errorCode !== 'AzureActiveDirectoryInvalidUserPrincipalName')) expect(d.errorCode).toBe('UnresolvedReference');
    expect(sim.stats().throttled + sim.stats().faults).toBeGreaterThan(0);
    expect(host.stats.poisoned).toBe(0);
  }, 180_000);

  it('an ingest killed half-way through the file and run again loses nothing and confirms nothing twice', async () => {
    const send = QueueClient.prototype.sendMessage;
    let sent = 0;
    const spy = vi.spyOn(QueueClient.prototype, 'sendMessage').mockImplementation(function (this: QueueClient, ...args: Parameters<QueueClient['sendMessage']>) {
      // 400 records are 8 messages of 50: the kill comes half-way. (The crash tests use the small
      // extract: what they check does not grow with the file, and the suite's time does.)
      if (this.name === `ops-${scenario}` && ++sent === 4) return Promise.reject(new Error('worker killed'));
      return send.apply(this, args);
    });
    try {
      await drop('small.csv', smallExtract);
      const report = await runToReport();
      expect(logs.some((l) => l.functionName === 'ingest' && l.message.includes('worker killed'))).toBe(true);
      expect(report.counts).toMatchObject({ valid: 400, confirmed: 400, deadLettered: 0 });
      expect(sim.directory.size).toBe(400);
      // Messages sent just before the kill get a twin on the retry; two uploads running side by side
      // may both send such a pair before either records it, so a few records go out twice, never more.
      expect(Math.max(...sim.stats().perRecordSends.values())).toBeLessThanOrEqual(2);
      expect(logs.filter((l) => l.message.includes('"Run complete"'))).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  }, 150_000);

  it('an upload killed between the POST and its ledger write is retried; its records are confirmed once', async () => {
    const mark = RunLedger.prototype.markSubmitted;
    let calls = 0;
    const spy = vi.spyOn(RunLedger.prototype, 'markSubmitted').mockImplementation(function (this: RunLedger, ...args: Parameters<RunLedger['markSubmitted']>) {
      if (++calls === 3) return Promise.reject(new Error('worker killed after the POST'));
      return mark.apply(this, args);
    });
    try {
      await drop('small.csv', smallExtract);
      const report = await runToReport();
      // The resent copy of the unrecorded request is the service's last word on those records,
      // "nothing to change"; the records end as the unrecorded send did: created.
      const twice = [...sim.stats().perRecordSends.values()].filter((n) => n >= 2).length;
      expect(twice).toBeGreaterThanOrEqual(1);
      expect(report.counts).toMatchObject({ valid: 400, confirmed: 400, created: 400, skipped: 0, deadLettered: 0 });
      expect(logs.filter((l) => l.message.includes('"Run complete"'))).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  }, 150_000);

  it('a message that fails every time ends in the poison queue and in the report with its reason', async () => {
    sim.setPermissions(['AuditLog.Read.All']);
    // broken.csv rejects 10 of 16 rows, which the guard would hold: this source allows it.
    const sources = JSON.stringify({ version: 1, sources: { default: { mapping: 'mapping.json', kind: 'full', guard: { maxRejectedPercent: 100 } } } });
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('hrsync-config')
      .getBlockBlobClient(`sources-${scenario}.json`)
      .upload(sources, sources.length);
    const small = Buffer.from(await readFile('samples/broken.csv'));
    await drop('broken.csv', small);
    await host.drain();
    const poison = new QueueClient(azurite.connectionString, `ops-${scenario}-poison`);
    expect((await poison.getProperties()).approximateMessagesCount).toBeGreaterThan(0);
    const report = await runToReport();
    expect(report.counts).toMatchObject({ valid: 6, rejected: 10, deadLettered: 6, confirmed: 0 });
    expect(report.deadLettered[0]?.reason).toMatch(/poison queue.*SynchronizationData-User\.Upload/);
    expect(report.rejected.length).toBeGreaterThanOrEqual(10);
  }, 150_000);

  it('logs no secret, token, name or email while doing all this', async () => {
    // The scenarios above are checked too (their lines are kept); this run's extract names new people.
    await drop('small.csv', smallExtract);
    await runToReport();
    const text = [...allLogs, ...allConsoleLines].join('\n');
    expect(consoleLines.length).toBeGreaterThan(0);
    const rows = [extract, smallExtract].flatMap((b) => b.toString('utf8').split(/\r?\n/).slice(1, 100));
    const personal = rows.flatMap((r) => r.split(',').slice(3, 8)).filter((v) => v.length >= 5 && !/^\d/.test(v));
    expect(personal.length).toBeGreaterThan(100);
    expect(personal.filter((v) => text.includes(v))).toEqual([]);
    expect(text).not.toMatch(/Bearer|client_secret|eyJ[A-Za-z0-9_-]{10}/);
  }, 150_000);
});
