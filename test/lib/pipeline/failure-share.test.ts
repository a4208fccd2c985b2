// The failure share: a run whose outcomes in the provisioning logs fail past guard.maxFailedPercent
// (20% of at least 200, reference failures aside) stops sending before Microsoft quarantines the
// job, is held once what it sent is final, and sends the rest only when a person approves it.
import { createReadStream } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { approveRun } from '../../../lib/pipeline/held.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { PipelineLedger, ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { uploadOperations } from '../../../lib/pipeline/upload.js';
import { defaultSources } from '../../../lib/sources/sources.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { EVENTS } from '../../../lib/telemetry/catalogue.js';
import { CUSTOM_EVENT_NAME_ATTRIBUTE } from '../../../lib/telemetry/emit.js';

// The telemetry events the stages emit, for the alerts on a stopped and a held run.
const events = new InMemoryLogRecordExporter();
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(events)] }));
const emitted = (name: string, runId: string): Array<Record<string, unknown>> =>
  events
    .getFinishedLogRecords()
    .filter((r) => r.attributes[CUSTOM_EVENT_NAME_ATTRIBUTE] === name && r.attributes.runId === runId)
    .map((r) => r.attributes);

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0, logLagMinutes: 1 };

let sim: Simulator;
let restore: () => void;
let mapping: Mapping;
let azurite: AzuriteInstance;
beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5, pageSize: 500 }), startAzurite()]);
  restore = setIdentityEndpoint(sim);
  mapping = await loadMappingFile('samples/mapping.json');
}, 60_000);
afterAll(async () => {
  restore();
  await Promise.all([sim.close(), azurite.stop()]);
});
beforeEach(() => {
  sim.reset();
  events.reset();
});

let tables = 0;
const LEDGERS: Array<[string, () => PipelineLedger]> = [
  ['memory', () => new MemoryLedger()],
  [
    'Table storage',
    () =>
      new RunLedger(ledgerTableNames(`fs${++tables}x${Date.now() % 100000}`), (name) =>
        TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }),
      ),
  ],
];

function world(ledger: PipelineLedger) {
  const queue = new MemoryQueue(() => Date.now());
  const poison = new MemoryQueue(() => Date.now());
  const reports = new MemoryReports();
  const logger = captureLogger();
  const client = simClient(sim).client;
  const base = { ledger, queue, logger, clock: { now: () => new Date() } };
  const ingest: IngestDeps = { ...base, reports, loadSources: async () => defaultSources('mapping.json'), loadMapping: async () => mapping };
  const upload: UploadDeps = { ...base, client };
  const rec: ReconcileDeps = { ...base, client, poison, reports };
  /** Runs the upload function for `invocations` triggering messages (each takes up to 50 operations). */
  const uploads = async (invocations = Number.POSITIVE_INFINITY): Promise<void> => {
    for (let i = 0; i < invocations; i++) {
      const [m] = await queue.receive(1, 30);
      if (m === undefined) return;
      await uploadOperations(m.text, upload);
      await queue.delete(m);
    }
  };
  const pass = async (): Promise<void> => {
    await new Promise((r) => setTimeout(r, 60));
    await reconcile(rec, OPTIONS);
  };
  const report = (runId: string): RunReport => JSON.parse(reports.blobs.get(`${runId}/report.json`)?.content ?? 'null') as RunReport;
  return { ledger, queue, reports, logger, ingest, rec, uploads, pass, report };
}

const sent = (): number => [...sim.stats().perRecordSends.values()].reduce((a, b) => a + b, 0);

describe.each(LEDGERS)('the failure share on the %s ledger', (_name, make) => {
  it('stops a run failing past 20% of 200 outcomes, holds it once what it sent is final, and sends the rest on approval', async () => {
    // Half of everyone fails for good (a UPN the directory refuses): a mapping gone wrong, say.
    sim.setFaults({ recordRules: [{ match: /[13579]$/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const w = world(make());
    const { runId } = await ingestExtract(
      { container: 'hr-extracts', name: 'workers.csv', etag: '"0x1"', lastModified: new Date('2026-12-05T00:00:00Z'), content: createReadStream('samples/workers.csv') },
      w.ingest,
    );

    await w.uploads(4);
    const before = sent();
    expect(before).toBe(200);
    for (let i = 0; i < 10 && (await w.ledger.getRun(runId))?.stoppedAt === undefined; i++) await w.pass();

    const stopped = await w.ledger.getRun(runId);
    expect(stopped?.stoppedAt).toBeDefined();
    expect(stopped?.outcomes?.outcomes).toBeGreaterThanOrEqual(200);
    const stop = w.logger.lines.find((l) => l.message === 'Run stopped: too many failures');
    expect(stop?.level).toBe('warn');
    expect(stop?.fields).toMatchObject({ runId, limit: 20 });
    expect(emitted(EVENTS.runStopped.name, runId)).toEqual([expect.objectContaining({ source: 'default', mode: 'pipeline', limit: 20, outcomes: stopped?.outcomes?.outcomes })]);

    // Nothing more goes out: queued messages are dropped, retries wait, and the run is held once settled.
    await w.uploads();
    for (let i = 0; i < 10 && (await w.ledger.getRun(runId))?.state !== 'held'; i++) await w.pass();
    expect(sent()).toBe(before);
    const held = await w.ledger.getRun(runId);
    expect(held?.state).toBe('held');
    const report = w.report(runId);
    expect(report.state).toBe('held');
    expect(report.held).toEqual([expect.objectContaining({ threshold: 'maxFailedPercent', limit: 20 })]);
    // The 200 never sent, and those sent whose retry came after the stop (reports of failed managers).
    expect(report.counts.held).toBeGreaterThanOrEqual(200);
    expect(report.counts.open).toBe(0);
    expect(report.counts.held + report.counts.confirmed + report.counts.deadLettered).toBe(400);
    expect(w.logger.lines.filter((l) => l.message === 'Run held')).toHaveLength(1);
    expect(emitted(EVENTS.runHeld.name, runId)).toEqual([
      expect.objectContaining({ stage: 'failureShare', thresholds: ['maxFailedPercent'], limits: [20], notSent: report.counts.held }),
    ]);
    expect(report.nextSteps[0]).toMatch(/^Sending stopped: \d+ of \d+ outcomes .* "hrsync approve /);

    // A person looked and approves: the rest is sent, and the share is not judged again.
    const approved = await approveRun({ ledger: w.ledger, queue: w.queue, reports: w.reports, clock: { now: () => new Date() } }, runId, 'ops');
    expect(approved.queued).toBe(report.counts.held);
    for (let i = 0; i < 20 && (await w.ledger.getRun(runId))?.state !== 'complete'; i++) {
      await w.uploads();
      await w.pass();
    }
    const done = w.report(runId);
    expect(done.state).toBe('complete');
    expect(done.counts.held).toBe(0);
    expect(new Set(sim.stats().perRecordSends.keys()).size).toBe(400);
    expect(w.logger.lines.filter((l) => l.message === 'Run stopped: too many failures')).toHaveLength(1);
    // The completed run's failure reasons, as the workbook's top-reasons chart reads them: codes and counts.
    const [completed] = emitted(EVENTS.runCompleted.name, runId);
    expect(completed).toMatchObject({ deadLettered: done.counts.deadLettered, created: done.counts.created });
    const codes = JSON.parse(completed?.failureCodes as string) as Record<string, number>;
    expect(codes.AzureActiveDirectoryInvalidUserPrincipalName).toBeGreaterThan(0);
    expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBe(done.counts.deadLettered);
  }, 60_000);

  it('leaves a run alone whose failures are all a manager not there yet', async () => {
    // Everyone's reference fails once (a manager the service had not made yet), then resolves.
    sim.setFaults({
      recordRules: [
        { match: /./, times: 1, errorCode: 'UnresolvedReference', reason: 'The manager reference could not be resolved.', stepType: 'referenceResolution', retryable: true },
      ],
    });
    const w = world(make());
    const { runId } = await ingestExtract(
      { container: 'hr-extracts', name: 'workers.csv', etag: '"0x2"', lastModified: new Date('2026-12-05T00:00:00Z'), content: createReadStream('samples/workers.csv') },
      w.ingest,
    );
    for (let i = 0; i < 30 && (await w.ledger.getRun(runId))?.state !== 'complete'; i++) {
      await w.uploads();
      await w.pass();
    }
    const run = await w.ledger.getRun(runId);
    expect(run?.state).toBe('complete');
    expect(run?.stoppedAt).toBeUndefined();
    // Every record failed once for its reference and then succeeded: 800 outcomes, none counted as a failure.
    expect(run?.outcomes).toEqual({ outcomes: 800, failures: 0 });
    expect(w.report(runId).counts.confirmed).toBe(400);
  }, 60_000);
});
