// The pipeline within the API's limits, on Azurite and the simulator: a paused job gets no upload
// and resumes when Active, "bucket full" pauses every sender, and the daily budget is never
// exceeded by two instances racing — the rest waits, queued and never poisoned, until calls free.
import { TableClient } from '@azure/data-tables';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { DEFAULT_UPLOAD_OPTIONS, uploadOperations } from '../../../lib/pipeline/upload.js';
import { DEFAULT_GATE_SETTINGS, StoredGate } from '../../../lib/provisioning/gate.js';
import type { GateSettings } from '../../../lib/provisioning/gate.js';
import { defaultSources } from '../../../lib/sources/sources.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import { writeNightsCsv } from '../../../tools/generate/nights.js';
import type { NightSummary } from '../../../tools/generate/nights.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';
import { MemoryQueue, MemoryReports } from './memory.js';

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0, logLagMinutes: 1 };
const UPLOAD = { ...DEFAULT_UPLOAD_OPTIONS, waitJitterSeconds: 0 };
const WORKERS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let sim: Simulator;
let azurite: AzuriteInstance;
let restore: () => void;
let mapping: Mapping;
let dir: string;
let nights: NightSummary[];
const text: string[] = [];
let tables = 0;

beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5, pageSize: 1000, bucketCapacity: 2 }), startAzurite()]);
  restore = setIdentityEndpoint(sim);
  mapping = await loadMappingFile('samples/mapping.json');
  dir = await mkdtemp(join(tmpdir(), 'hrsync-gate-'));
  nights = await writeNightsCsv(dir, { workers: WORKERS, nights: 2, seed: 11 });
  for (const n of nights) text.push(await readFile(n.file, 'utf8'));
}, 60_000);
afterAll(async () => {
  restore();
  await Promise.all([sim.close(), azurite.stop(), rm(dir, { recursive: true, force: true })]);
});
beforeEach(() => {
  sim.reset();
});

/** The shared storage of one deployment: tables by prefix, one queue, a clock tests can move forward. */
function storage() {
  const prefix = `gate${++tables}`;
  const skew = { ms: 0 };
  const now = (): number => Date.now() + skew.ms;
  return { prefix, skew, now, queue: new MemoryQueue(now), reports: new MemoryReports() };
}

/** One function instance over that storage: its own ledger, gate and client, as a second host would have. */
function instance(s: ReturnType<typeof storage>, settings: GateSettings) {
  const ledger = new RunLedger(ledgerTableNames(s.prefix), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
  const gate = new StoredGate(ledger.gateStore(), settings, { now: s.now });
  const logger = captureLogger();
  const clock = { now: () => new Date() };
  const client = simClient(sim, {}, { gate, bucketFullWaitMs: { min: 1500, max: 1500 }, retry: { maxRetries: 0, maxThrottleWaitMs: 10_000 } }).client;
  const uploadDeps: UploadDeps = { ledger, queue: s.queue, logger, clock, client, gate };
  const reconcileDeps: ReconcileDeps = { ledger, queue: s.queue, logger, clock, client, gate, poison: new MemoryQueue(s.now), reports: s.reports };

  /** Every visible message through upload, as the host would, until none is visible. */
  async function pump(): Promise<void> {
    for (let [m] = await s.queue.receive(1, 30); m !== undefined; [m] = await s.queue.receive(1, 30)) {
      await uploadOperations(m.text, uploadDeps, UPLOAD);
      await s.queue.delete(m);
    }
  }
  async function ingest(content: string, version: string): Promise<string> {
    const r = await ingestExtract(
      { container: 'hr-extracts', name: 'night.csv', etag: `"${version}"`, lastModified: new Date(), content: Readable.from([Buffer.from(content)]) },
      { ledger, queue: s.queue, logger, clock, reports: s.reports, gate, loadSources: async () => defaultSources('mapping.json'), loadMapping: async () => mapping },
    );
    return r.runId;
  }
  /** Upload and reconcile until every run completes. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await pump();
      await reconcile(reconcileDeps, OPTIONS);
      if ((await ledger.listOpenRuns()).length === 0) return;
      await sleep(50);
    }
    throw new Error('runs never completed');
  }
  const report = (runId: string): RunReport => JSON.parse(s.reports.blobs.get(`${runId}/report.json`)?.content ?? 'null') as RunReport;
  return { ledger, gate, logger, pump, ingest, settle, report, reconcileDeps };
}

const quick: GateSettings = { ...DEFAULT_GATE_SETTINGS, jobRecheckMs: 300 };

describe("the job's health", () => {
  it('a paused job gets no upload — the records wait queued, never poisoned — and they go once it is Active again', async () => {
    const s = storage();
    const a = instance(s, quick);
    sim.setJob({ status: 'Paused' });
    const runId = await a.ingest(text[0] as string, 'v1');
    await reconcile(a.reconcileDeps, OPTIONS);
    await a.pump();
    await sleep(1100);
    await reconcile(a.reconcileDeps, OPTIONS);
    await a.pump();
    expect(sim.stats().requests).toBe(0);
    expect(s.queue.operations()).toHaveLength(WORKERS);
    expect(s.queue.messages.every((m) => m.dequeueCount === 0)).toBe(true);
    expect((await a.gate.view()).closed).toMatchObject({ why: 'job' });
    expect(a.logger.lines.some((l) => l.level === 'warn' && l.message === 'Provisioning job not active; uploads wait' && l.fields?.['jobStatus'] === 'Paused')).toBe(true);

    sim.setJob({ status: 'Active' });
    await reconcile(a.reconcileDeps, OPTIONS);
    expect(a.logger.lines.some((l) => l.message === 'Provisioning job active again; uploads resume')).toBe(true);
    await sleep(1100);
    await a.settle();
    expect(a.report(runId).counts).toMatchObject({ records: WORKERS, created: WORKERS, deadLettered: 0 });
  }, 60_000);

  it('"bucket full" pauses every sender, not one message, and uploads resume after the wait', async () => {
    const s = storage();
    const [a, b] = [instance(s, quick), instance(s, quick)];
    // The gate does not know yet: the job stages two requests, then its bucket is full.
    sim.setJob({ status: 'Paused' });
    const runId = await a.ingest(text[0] as string, 'v1');
    await a.pump();
    expect(sim.stats().requests).toBe(3);
    expect(sim.stats().accepted).toBe(2);
    // Everything left waits for the pause, whichever instance holds it.
    await Promise.all([a.pump(), b.pump()]);
    expect(sim.stats().requests).toBe(3);
    expect((await b.gate.view()).closed?.why).toBe('bucket-full');
    sim.setJob({ status: 'Active' });
    await sleep(2700);
    await b.settle();
    expect(a.report(runId).counts).toMatchObject({ records: WORKERS, created: WORKERS, deadLettered: 0 });
  }, 60_000);
});

describe('the daily budget', () => {
  it('two racing instances never spend more than the budget; the rest waits for its turn and goes when calls free', async () => {
    const s = storage();
    const budget: GateSettings = { ...quick, dailyCalls: 4, reserve: 1 };
    const [a, b] = [instance(s, budget), instance(s, budget)];
    const runId = await a.ingest(text[0] as string, 'v1');
    expect((await a.ledger.getRun(runId))?.plan?.budget).toEqual({ requests: 4, callsLeft: 4, dailyCalls: 4, days: 2 });
    expect(a.logger.lines.some((l) => l.message === 'Run needs more than the daily budget')).toBe(true);
    // A batch whose managers are in flight beside it waits a moment on the gathering grid: pump past it.
    for (let i = 0; i < 4; i++) {
      await Promise.all([a.pump(), b.pump()]);
      s.skew.ms += 5_000;
    }
    await reconcile(a.reconcileDeps, OPTIONS);
    expect(sim.stats().requests).toBe(3);
    const view = await b.gate.view();
    expect(view).toMatchObject({ used: 3, left: 1, closed: { why: 'budget' } });
    // Whatever the three calls did not carry waits, queued.
    let queued = 0;
    for await (const _ of a.ledger.listRecords(runId, 'queued')) queued++;
    expect(queued).toBe(WORKERS - sim.stats().perRecordSends.size);
    expect(queued).toBeGreaterThan(0);
    expect(s.queue.operations().length).toBeGreaterThanOrEqual(queued);
    expect(s.queue.messages.every((m) => m.dequeueCount === 0)).toBe(true);
    expect(Date.parse(view.nextCallAt ?? '')).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    // A day (and the two minutes of margin) later the calls have freed: the rest goes.
    s.skew.ms = Date.parse(view.nextCallAt ?? '') - Date.now() + 61_000;
    await a.settle();
    expect(sim.stats().requests).toBe(3 + Math.ceil(queued / 50));
    expect(a.report(runId).counts).toMatchObject({ records: WORKERS, created: WORKERS, deadLettered: 0 });
  }, 60_000);

  it('when only the reserve is left, leavers are disabled on it and the other records wait', async () => {
    const s = storage();
    const budget: GateSettings = { ...quick, dailyCalls: 6, reserve: 2 };
    const a = instance(s, budget);
    await a.ingest(text[0] as string, 'v1');
    await a.settle();
    expect(sim.stats().requests).toBe(4);
    const n1 = nights[1] as NightSummary;
    const runId = await a.ingest(text[1] as string, 'v2');
    await a.pump();
    expect(sim.stats().requests).toBe(5);
    await sleep(200);
    for (const id of n1.leavers) expect(sim.directory.get(id)?.enabled).toBe(false);
    // The changed and new people wait for normal calls: none of them was sent.
    const sent = new Set([...sim.stats().perRecordSends].filter(([, n]) => n > 1).map(([id]) => id));
    for (const id of n1.changed) expect(sent.has(id)).toBe(false);
    expect(s.queue.operations()).toHaveLength(n1.changed.length + n1.joiners.length);
    expect((await a.ledger.getRun(runId))?.state).not.toBe('complete');
  }, 60_000);
});
