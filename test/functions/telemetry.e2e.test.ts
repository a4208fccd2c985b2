// Telemetry end to end: the registered functions, driven by the local host against Azurite and the
// simulator, emit the catalogue's events and metrics through the OpenTelemetry SDK into in-memory
// exporters. One world for the file: a first night of the sample extract (with some 429s), then a
// much smaller extract of the same source that the guard holds. Every attribute of every event is
// then checked against the sample rows' names, emails and addresses.
import { BlobServiceClient } from '@azure/storage-blob';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { definitions } from '../../functions/index.js';
import { resetPipelineRuntime } from '../../functions/runtime.js';
import { installTelemetry } from '../../functions/telemetry.js';
import type { TelemetryPipeline } from '../../functions/telemetry.js';
import type { RunReport } from '../../lib/pipeline/report.js';
import { EVENTS } from '../../lib/telemetry/catalogue.js';
import { CUSTOM_EVENT_NAME_ATTRIBUTE } from '../../lib/telemetry/emit.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { readHostJson } from '../../tools/host/host-json.js';
import { createLocalHost } from '../../tools/host/local-host.js';
import type { LocalHost } from '../../tools/host/local-host.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { startSimulator } from '../../tools/simulator/index.js';

let azurite: AzuriteInstance;
let sim: Simulator;
let host: LocalHost;
let pipeline: TelemetryPipeline;
const events = new InMemoryLogRecordExporter();
const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const saved: Record<string, string | undefined> = {};
let sample: Buffer;
let first: RunReport;
let second: RunReport;

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

async function drop(name: string, content: Buffer): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('tel-drop');
  await container.createIfNotExists();
  await container.getBlockBlobClient(name).upload(content, content.length);
}

/** Runs the host and the timer until the report of a run of `file` appears. */
async function runToReport(file: string, timeoutMs = 120_000): Promise<RunReport> {
  const reports = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('tel-reports');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await host.drain(timeoutMs);
    await host.fireTimer('reconcile');
    if (await reports.exists()) {
      for await (const b of reports.listBlobsFlat()) {
        if (!b.name.endsWith('/report.json')) continue;
        const report = JSON.parse((await reports.getBlockBlobClient(b.name).downloadToBuffer()).toString()) as RunReport;
        if (report.file === `tel-drop/${file}`) return report;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no report for ${file} within ${timeoutMs} ms`);
}

function named(name: string): ReadableLogRecord[] {
  return events.getFinishedLogRecords().filter((r) => r.attributes[CUSTOM_EVENT_NAME_ATTRIBUTE] === name);
}

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  pipeline = await installTelemetry({ logs: events, metrics: metricsOut, metricIntervalMs: 3_600_000 });
  [azurite, sim] = await Promise.all([startAzurite(), startSimulator({ processingDelayMs: 5, pageSize: 1000 })]);
  sample = await readFile('samples/workers.csv');
  setEnv({
    ...sim.settings,
    HRSYNC_STORAGE: azurite.connectionString,
    HRSYNC_RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    HRSYNC_RETRY_BASE_SECONDS: '0',
    HRSYNC_OPERATIONS_QUEUE: 'tel-ops',
    HRSYNC_TABLE_PREFIX: 'tel',
    HRSYNC_REPORTS_CONTAINER: 'tel-reports',
    HRSYNC_EXTRACTS_CONTAINER: 'tel-drop',
    HRSYNC_SOURCES_BLOB: 'hrsync-config/tel-sources.json',
  });
  const config = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('hrsync-config');
  await config.createIfNotExists();
  const mapping = await readFile('samples/mapping.json');
  await config.getBlockBlobClient('mapping.json').upload(mapping, mapping.length);
  resetPipelineRuntime();
  sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All']);
  // Some bulkUpload calls answered 429 (Retry-After 1 s), so the throttle fields carry something.
  sim.setFaults({ throttleShare: 0.3, retryAfterSeconds: 1, seed: 11 });
  host = createLocalHost({ definitions, env: process.env, host: { ...readHostJson('host.json'), visibilityTimeoutSeconds: 0 }, onLog: () => undefined });

  // Night 1: the 400 sample workers. Night 2: the first 100 of them, which the guard holds (rows down 75%, 300 leavers).
  await drop('night1.csv', sample);
  first = await runToReport('night1.csv', 150_000);
  sim.setFaults({});
  const lines = sample.toString('utf8').split('\n');
  await drop('night2.csv', Buffer.from(`${lines.slice(0, 101).join('\n')}\n`));
  second = await runToReport('night2.csv');
  await pipeline.flush();
}, 240_000);

afterAll(async () => {
  await pipeline.shutdown();
  vi.restoreAllMocks();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetPipelineRuntime();
  await Promise.all([azurite.stop(), sim.close()]);
});

describe('telemetry of a pipeline run', () => {
  it('emits a run started, ingested and completed with every outcome count of the report', () => {
    expect(first.state).toBe('complete');
    const started = named(EVENTS.runStarted.name).map((r) => r.attributes);
    expect(started).toContainEqual(expect.objectContaining({ runId: first.runId, source: 'default', kind: 'full', mode: 'pipeline' }));
    const ingested = named(EVENTS.runIngested.name).find((r) => r.attributes.runId === first.runId)?.attributes;
    expect(ingested).toMatchObject({ source: 'default', rows: 400, valid: 400, rejected: 0, enqueued: 400, requestsPlanned: 8, budgetDays: 1 });
    const completed = named(EVENTS.runCompleted.name).filter((r) => r.attributes.runId === first.runId);
    expect(completed).toHaveLength(1);
    const c = first.counts;
    expect(completed[0]?.attributes).toMatchObject({
      source: 'default',
      rows: 400,
      valid: c.valid,
      rejected: c.rejected,
      records: c.records,
      created: c.created,
      updated: c.updated,
      confirmed: c.confirmed,
      disabled: c.disabled,
      unchanged: c.unchanged,
      skipped: c.skipped,
      deadLettered: c.deadLettered,
      held: c.held,
      open: c.open,
      requests: first.requests.total,
      requestsAccepted: first.requests.accepted,
      failureCodes: '{}',
      rejectedRules: '{}',
    });
    expect(c.created).toBe(400);
  });

  it('emits each bulkUpload call with its request id, operations, latency, status and 429 wait', () => {
    const calls = named(EVENTS.bulkUpload.name).map((r) => r.attributes);
    const accepted = calls.filter((a) => a.status === 202);
    const throttled = calls.filter((a) => a.status === 429);
    expect(accepted.reduce((n, a) => n + (a.operations as number), 0)).toBeGreaterThanOrEqual(400);
    expect(throttled.length).toBeGreaterThan(0);
    expect(calls.length).toBe(first.requests.total);
    for (const a of throttled) expect(a.throttleWaitMs).toBe(1000);
    for (const a of accepted) {
      expect(a.requestId).toMatch(/\S/);
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
      expect(a.runIds).toEqual([first.runId]);
      expect((a.externalIds as string[]).length).toBe(a.operations);
      expect(a.throttleWaitMs).toBe(0);
    }
  });

  it("emits the daily budget, the job's state and what open runs wait for", () => {
    const budgets = named(EVENTS.budget.name).map((r) => r.attributes);
    expect(budgets.length).toBeGreaterThan(0);
    const last = budgets[budgets.length - 1];
    expect(last).toMatchObject({ dailyCalls: 2000, used: first.requests.total });
    expect((last?.used as number) + (last?.left as number)).toBe(2000);
    expect(named(EVENTS.jobState.name).map((r) => r.attributes)).toContainEqual(expect.objectContaining({ jobStatus: 'Active', active: true }));
    expect(named(EVENTS.reconcilePass.name).some((r) => r.attributes.completedRuns === 1)).toBe(true);
    const waiting = named(EVENTS.recordsWaiting.name).map((r) => r.attributes);
    for (const w of waiting) expect(w).toMatchObject({ runId: first.runId, waitingForManager: expect.any(Number) as number });
  });

  it('emits the held run with its thresholds and numbers', () => {
    expect(second.state).toBe('held');
    const held = named(EVENTS.runHeld.name).find((r) => r.attributes.runId === second.runId)?.attributes;
    expect(held).toMatchObject({ source: 'default', stage: 'guard', rows: 100, rejected: 0 });
    expect(held?.thresholds).toEqual(expect.arrayContaining(['maxShrinkPercent']));
    expect((held?.limits as number[]).length).toBe((held?.thresholds as string[]).length);
    expect(named(EVENTS.runIngested.name).some((r) => r.attributes.runId === second.runId)).toBe(false);
  });

  it('emits only names and fields from the catalogue', () => {
    const specs = new Map<string, readonly string[]>(Object.values(EVENTS).map((e) => [e.name, e.fields]));
    for (const r of events.getFinishedLogRecords()) {
      const name = r.attributes[CUSTOM_EVENT_NAME_ATTRIBUTE] as string;
      expect(specs.has(name), name).toBe(true);
      for (const key of Object.keys(r.attributes)) if (key !== CUSTOM_EVENT_NAME_ATTRIBUTE) expect(specs.get(name), `${name}.${key}`).toContain(key);
    }
  });

  it('exports the metrics: calls by status, latency, budget and records by outcome', () => {
    const names = new Set(metricsOut.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name))));
    for (const n of ['hrsync.bulkupload.calls', 'hrsync.bulkupload.latency', 'hrsync.bulkupload.throttle_wait', 'hrsync.budget.used', 'hrsync.budget.left', 'hrsync.records'])
      expect(names, n).toContain(n);
  });

  it('carries no name, email, phone or address of the extract in any event attribute', () => {
    const rows = parse(sample, { columns: true, bom: true }) as Array<Record<string, string>>;
    const columns = ['FirstName', 'PreferredName', 'LastName', 'MiddleName', 'Email', 'PersonalEmail', 'OfficePhone', 'MobilePhone', 'Street', 'PostCode'];
    const personal = [...new Set(rows.flatMap((r) => columns.map((c) => r[c] ?? '')))].filter((v) => v.length >= 4);
    expect(personal.length).toBeGreaterThan(1000);
    const values = events.getFinishedLogRecords().flatMap((r) =>
      Object.values(r.attributes)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .map(String),
    );
    expect(values.length).toBeGreaterThan(500);
    const text = values.join('\n');
    expect(personal.filter((p) => text.includes(p))).toEqual([]);
    // The emails' local parts too: a UPN built from them would carry the person's name.
    const locals = rows.map((r) => (r.Email ?? '').split('@')[0] ?? '').filter((v) => v.length >= 4);
    expect(locals.filter((p) => text.includes(p))).toEqual([]);
  });
});
