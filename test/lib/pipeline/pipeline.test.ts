// The three stages end to end on in-memory ports and the real provisioning client against the
// simulator: outcomes, idempotency after crashes, poison handling and the run report.
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkersCsv } from '../../../tools/generate/workers.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import { decodeOperations, encodeMessage } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';
import { SentRecords } from '../../../lib/pipeline/sent-records.js';
import { BULK_REQUEST_SCHEMA } from '../../../lib/scim/schemas.js';
import type { BulkOperation } from '../../../lib/scim/types.js';
import { defaultSources, parseSources } from '../../../lib/sources/sources.js';
import type { SourcesConfig } from '../../../lib/sources/sources.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import type { ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { DEFAULT_UPLOAD_OPTIONS, uploadOperations } from '../../../lib/pipeline/upload.js';
import type { ProvisioningClient } from '../../../lib/provisioning/client.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';
import { TableClient } from '@azure/data-tables';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import type { PipelineLedger } from '../../../lib/pipeline/ports.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0, logLagMinutes: 1, confirmTimeoutMinutes: 60 };

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

// Every scenario runs on the in-memory ledger and on the Table storage ledger (Azurite), fresh tables each time.
let tables = 0;
const LEDGERS: Array<[string, () => PipelineLedger]> = [
  ['memory', () => new MemoryLedger()],
  [
    'Table storage',
    () => {
      const names = ledgerTableNames(`t${++tables}x${Date.now() % 100000}`);
      return new RunLedger(names, (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
    },
  ],
];
let makeLedger: () => PipelineLedger = LEDGERS[0]![1];
beforeEach(() => {
  sim.reset();
  sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
});

function world(client: ProvisioningClient = simClient(sim).client, sources: SourcesConfig = defaultSources('mapping.json')) {
  const ledger = makeLedger();
  // Queue time runs ahead of the wall clock when a test skips the five minutes held messages stay hidden.
  const skew = { ms: 0 };
  const queue = new MemoryQueue(() => Date.now() + skew.ms);
  const poison = new MemoryQueue(() => Date.now() + skew.ms);
  const reports = new MemoryReports();
  const logger = captureLogger();
  const clock = { now: () => new Date() };
  const base = { ledger, queue, logger, clock };
  const ingestDeps: IngestDeps = { ...base, reports, loadSources: async () => sources, loadMapping: async () => mapping };
  const uploadDeps: UploadDeps = { ...base, client };
  const reconcileDeps: ReconcileDeps = { ...base, client, poison, reports };
  return { ledger, queue, poison, reports, logger, ingestDeps, uploadDeps, reconcileDeps, skew };
}
type World = ReturnType<typeof world>;

function blob(path: string, etag = '"0x1"') {
  return { container: 'hr-extracts', name: path.split('/').pop() as string, etag, lastModified: new Date('2026-11-23T00:00:00Z'), content: createReadStream(path) };
}

// These tests drive the stages one after another, so a message that went back to wait for its
// run's ingest (gathering, tested in upload-gather.test.ts) would only come back after the test.
const UPLOAD = { ...DEFAULT_UPLOAD_OPTIONS, gatherSeconds: 0 };

/** Drives the upload stage as the host does: one trigger at a time, poison after five failures. */
async function drainUploads(w: World, uploadDeps: UploadDeps = w.uploadDeps): Promise<number> {
  let invocations = 0;
  for (;;) {
    const [m] = await w.queue.receive(1, 30);
    if (m === undefined) return invocations;
    invocations++;
    try {
      await uploadOperations(m.text, uploadDeps, UPLOAD);
      await w.queue.delete(m);
    } catch {
      if (m.dequeueCount >= 5) {
        await w.poison.send(m.text);
        await w.queue.delete(m);
      } else {
        await w.queue.release(m);
      }
    }
  }
}

/** Reconciles until every run is complete (the simulator processes within milliseconds). */
async function reconcileUntilDone(w: World, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 40));
    await reconcile(w.reconcileDeps, OPTIONS);
    await drainUploads(w);
    if ((await w.ledger.listOpenRuns()).length === 0) return;
  }
  throw new Error('runs never completed');
}

/** Waits until the simulator's provisioning logs hold `n` entries for each of these records. */
async function logged(ids: readonly string[], n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const count = new Map<string, number>();
    for await (const e of simClient(sim).client.queryProvisioningLogs({ since: new Date(Date.now() - 600_000) })) {
      const id = e.sourceIdentity?.id ?? '';
      count.set(id, (count.get(id) ?? 0) + 1);
    }
    if (ids.every((id) => (count.get(id) ?? 0) >= n)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the simulator never logged ${n} entries for each record`);
}

// broken.csv rejects 10 of its 16 rows: over the guard's default 10%, so these tests allow it.
const lenient = (): SourcesConfig =>
  parseSources({ version: 1, sources: { default: { mapping: 'mapping.json', kind: 'full', guard: { maxRejectedPercent: 100 } } } }, 'sources.json');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

function reportOf(w: World, runId: string): RunReport {
  return JSON.parse(w.reports.blobs.get(`${runId}/report.json`)?.content ?? 'null') as RunReport;
}

describe.each(LEDGERS)('pipeline stages on the %s ledger', (_name, make) => {
  beforeEach(() => {
    makeLedger = make;
  });

  it('ingests, uploads and confirms every record of the sample extract, then writes the report once', async () => {
    const w = world();
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    expect(result).toMatchObject({ ingested: true, rows: 400, valid: 400, rejected: 0, enqueued: 400 });
    // One message per request's worth: 8 batches of 50.
    expect(w.queue.operations()).toHaveLength(400);
    expect(w.queue.messages.length).toBe(8);
    // Every record ingest sent is enqueued in the ledger: a reconcile pass before any upload sends
    // none of them again (it sends a message for a queued record the ledger says has none).
    await reconcile(w.reconcileDeps, OPTIONS);
    expect(w.queue.operations()).toHaveLength(400);
    expect(await drainUploads(w)).toBe(8);
    await reconcileUntilDone(w);
    const report = reportOf(w, result.runId);
    expect(report.counts).toEqual({
      valid: 400,
      rejected: 0,
      records: 400,
      leavers: 0,
      created: 400,
      updated: 0,
      confirmed: 400,
      disabled: 0,
      unchanged: 0,
      skipped: 0,
      deadLettered: 0,
      held: 0,
      open: 0,
    });
    expect(report.requests).toEqual({ total: 8, accepted: 8, notAccepted: 0 });
    expect([...sim.stats().perRecordSends.values()].every((n) => n === 1)).toBe(true);
    expect(w.logger.lines.filter((l) => l.message === 'Run complete')).toHaveLength(1);
  }, 30_000);

  it('with a backlog cap, ingest keeps the queue under it, waiting for upload, and still sends managers first', async () => {
    const w = world();
    let peak = 0;
    const send = w.queue.send.bind(w.queue);
    w.queue.send = async (text, options) => {
      await send(text, options);
      peak = Math.max(peak, w.queue.messages.length);
    };
    let waits = 0;
    // Upload runs while ingest waits, as the queue trigger would.
    const sleep = async (): Promise<void> => {
      waits++;
      await drainUploads(w);
    };
    const result = await ingestExtract(blob('samples/workers.csv'), { ...w.ingestDeps, queueBacklog: 3, sleep });
    expect(result).toMatchObject({ rows: 400, valid: 400, enqueued: 400 });
    expect(peak).toBeLessThanOrEqual(3);
    expect(waits).toBeGreaterThan(0);
    expect(w.logger.lines.filter((l) => l.message.includes('backlog cap'))).toHaveLength(1);
    await drainUploads(w);
    await reconcileUntilDone(w);
    expect(reportOf(w, result.runId).counts).toMatchObject({ valid: 400, rejected: 0, confirmed: 400, skipped: 0, deadLettered: 0 });
    // Managers still reached the service before their reports: no record needed a second send.
    expect([...sim.stats().perRecordSends.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it('with a backlog cap that never clears, ingest stops waiting after five minutes and sends the rest', async () => {
    const w = world();
    let waits = 0;
    const sleep = async (): Promise<void> => {
      waits++;
    }; // upload never runs: the queue only grows
    const result = await ingestExtract(blob('samples/workers.csv'), { ...w.ingestDeps, queueBacklog: 3, sleep });
    expect(result).toMatchObject({ rows: 400, valid: 400, enqueued: 400 });
    expect(w.queue.operations()).toHaveLength(400);
    expect(waits).toBe((5 * 60_000) / 200);
    expect(w.logger.lines.filter((l) => l.message.includes('ingest sends the rest without waiting'))).toHaveLength(1);
  }, 60_000);

  it('puts rejected rows and dead-lettered records in the report and its CSV', async () => {
    sim.setFaults({ recordRules: [{ match: /^E0005/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const w = world(undefined, lenient());
    const result = await ingestExtract(blob('samples/broken.csv'), w.ingestDeps);
    expect(result).toMatchObject({ rows: 16, valid: 6, rejected: 10 });
    await drainUploads(w);
    await reconcileUntilDone(w);
    const report = reportOf(w, result.runId);
    expect(report.rejected.length).toBeGreaterThanOrEqual(10);
    expect(report.rejected.every((r) => typeof r.line === 'number' && r.rule !== '')).toBe(true);
    expect(report.counts.confirmed + report.counts.deadLettered).toBe(6);
    const csv = w.reports.blobs.get(`${result.runId}/problems.csv`)?.content ?? '';
    expect(csv.startsWith('\uFEFFline,externalId,outcome,rule or code,column,reason\r\n')).toBe(true);
    expect(csv.split('\r\n').filter((l) => l.includes(',rejected,')).length).toBe(report.rejected.length);
    for (const d of report.deadLettered) expect(csv).toContain(`${d.line},${d.externalId},dead-lettered`);
    // report.html beside them: the same rules, lines and ids, and none of the people's names, emails, phones or addresses.
    const page = w.reports.blobs.get(`${result.runId}/report.html`);
    expect(page?.contentType).toBe('text/html; charset=utf-8');
    for (const r of report.rejected) expect(page?.content).toContain(`<section class="rule" data-rule="${r.rule}">`);
    for (const d of report.deadLettered) expect(page?.content).toContain(`<td class="num">${d.line}</td><td class="id">${d.externalId}</td>`);
    const rows = parse(readFileSync('samples/broken.csv'), { bom: true, columns: true, relax_column_count: true }) as Array<Record<string, string>>;
    const personal = rows
      .flatMap((r) =>
        ['FirstName', 'PreferredName', 'LastName', 'MiddleName', 'Email', 'PersonalEmail', 'OfficePhone', 'MobilePhone', 'Street', 'City', 'PostCode'].map((c) => r[c] ?? ''),
      )
      .filter((v) => v.length >= 3);
    expect(personal.length).toBeGreaterThan(100);
    expect(personal.filter((v) => page?.content.includes(v) === true || page?.content.includes(v.replaceAll("'", '&#39;')) === true)).toEqual([]);
  }, 30_000);

  it('holds a run whose rejected share is over the guard: nothing sent, a report naming the threshold, an event for the alert', async () => {
    const w = world();
    const result = await ingestExtract(blob('samples/broken.csv'), w.ingestDeps);
    expect(result).toMatchObject({ held: true, rows: 16, valid: 6, rejected: 10, enqueued: 0 });
    expect(w.queue.messages).toEqual([]);
    const report = reportOf(w, result.runId);
    expect(report).toMatchObject({ state: 'held', counts: { held: 6, open: 0 }, held: [{ threshold: 'maxRejectedPercent', limit: 10, actual: 62.5 }] });
    expect(report.nextSteps[0]).toMatch(/hrsync approve/);
    expect(w.logger.lines.find((l) => l.message === 'Run held')?.fields).toMatchObject({ runId: result.runId, thresholds: ['maxRejectedPercent'], rows: 16, rejected: 10 });
    expect((await w.ledger.listOpenRuns()).map((r) => r.runId)).toEqual([]);
  });

  it('does nothing for a re-delivered blob, and makes a new run for a new version', async () => {
    const w = world();
    const first = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    const again = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    expect(again).toMatchObject({ runId: first.runId, ingested: false, enqueued: 0 });
    expect(w.queue.operations()).toHaveLength(400);
    const next = await ingestExtract(blob('samples/workers.csv', '"0x2"'), w.ingestDeps);
    expect(next.runId).not.toBe(first.runId);
  });

  it('after a crash half-way through ingest, the retry loses no row and confirms none twice', async () => {
    const w = world();
    w.queue.failSendsAfter = 3;
    await expect(ingestExtract(blob('samples/workers.csv'), w.ingestDeps)).rejects.toThrow(/simulated crash/);
    w.queue.failSendsAfter = undefined;
    const retry = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    expect(retry.ingested).toBe(true);
    const ids = new Set(w.queue.operations().map((m) => m.externalId));
    expect(ids.size).toBe(400);
    await drainUploads(w);
    await reconcileUntilDone(w);
    expect(reportOf(w, retry.runId).counts.confirmed).toBe(400);
    // Messages sent before the crash for records not yet marked got a twin; upload dropped the twin.
    expect([...sim.stats().perRecordSends.values()].every((n) => n === 1)).toBe(true);
  }, 30_000);

  it('when upload dies between the POST and its ledger write, the retry resends but the record is confirmed once', async () => {
    const w = world();
    let crashes = 1;
    const crashing: UploadDeps = {
      ...w.uploadDeps,
      client: {
        uploadBulkRequest: async (request) => {
          const result = await w.uploadDeps.client.uploadBulkRequest(request);
          if (crashes-- > 0) throw new Error('process killed after the POST');
          return result;
        },
      },
    };
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    await drainUploads(w, crashing);
    // The failed invocation's batch went back to the host, which retried it in the same drain.
    expect(w.queue.messages.length).toBe(0);
    await reconcileUntilDone(w);
    const report = reportOf(w, result.runId);
    expect(report.counts).toMatchObject({ confirmed: 400, deadLettered: 0 });
    const twice = [...sim.stats().perRecordSends.values()].filter((n) => n === 2).length;
    expect(twice).toBe(50);
    expect(w.logger.lines.filter((l) => l.message === 'Run complete')).toHaveLength(1);
  }, 30_000);

  it('when upload dies between the POST and its ledger write and the host retries a while later, its records end as that first send did, not skipped', async () => {
    const w = world();
    let crashes = 1;
    let waited = false;
    const crashing: UploadDeps = {
      ...w.uploadDeps,
      client: {
        uploadBulkRequest: async (request, options) => {
          if (crashes === 0 && !waited) {
            // The host's retry comes later than the service's clock-skew allowance.
            waited = true;
            await new Promise((r) => setTimeout(r, 1000));
          }
          const result = await w.uploadDeps.client.uploadBulkRequest(request, options);
          if (crashes-- > 0) throw new Error('process killed after the POST');
          return result;
        },
      },
    };
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    await drainUploads(w, crashing);
    const skew = { ...OPTIONS, clockSkewSeconds: 0.2 };
    for (let pass = 0; (await w.ledger.listOpenRuns()).length > 0; pass++) {
      if (pass === 50) throw new Error('the run never completed');
      await new Promise((r) => setTimeout(r, 40));
      await reconcile(w.reconcileDeps, skew);
      await drainUploads(w);
    }
    // 50 records went twice: the first copy created them, the resent one was logged as nothing to change.
    expect([...sim.stats().perRecordSends.values()].filter((n) => n === 2)).toHaveLength(50);
    expect(reportOf(w, result.runId).counts).toMatchObject({ confirmed: 400, created: 400, skipped: 0, deadLettered: 0 });
  }, 30_000);

  it('a first message of a record that manages no one carries the version ingest created it at, and upload sends it without reading the record', async () => {
    const w = world();
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    const messages = w.queue.operations();
    const managers = new Set((await collect(w.ledger.listRecords(result.runId))).flatMap((r) => (r.managerId === undefined ? [] : [r.managerId])));
    expect(managers.size).toBeGreaterThan(10);
    const records = await w.ledger.getRecords(
      result.runId,
      messages.map((m) => m.externalId),
    );
    for (const m of messages) {
      const r = records.get(m.externalId);
      if (managers.has(m.externalId)) expect(m.written).toBeUndefined();
      else expect(m.written).toEqual({ version: r?.version ?? expect.any(String), intent: 'create', ...(r?.managerId === undefined ? {} : { managerId: r.managerId }) });
    }
    // Upload reads only the managers' records.
    const read: string[] = [];
    const getRecords = w.ledger.getRecords.bind(w.ledger);
    w.ledger.getRecords = async (runId, ids) => {
      read.push(...ids);
      return getRecords(runId, ids);
    };
    const sent = new SentRecords();
    await drainUploads(w, { ...w.uploadDeps, sent });
    expect(new Set(read)).toEqual(new Set([...managers].filter((id) => messages.some((m) => m.externalId === id))));
    expect([...(await getRecords(result.runId, [...records.keys()])).values()].every((r) => r.state === 'submitted' && r.attempts === 1)).toBe(true);
    // A message delivered again (the host lost its deletion) is stale to the process that sent it, unread;
    // another process trusts it and sends it again, once more in a request, and the record stays as the first send left it.
    const again = messages.find((m) => m.written !== undefined) as OperationMessage;
    read.length = 0;
    expect(await uploadOperations(encodeMessage(again), { ...w.uploadDeps, sent }, UPLOAD)).toBe('stale');
    expect(read).toEqual([]);
    const before = (await getRecords(result.runId, [again.externalId])).get(again.externalId);
    expect(await uploadOperations(encodeMessage(again), w.uploadDeps, UPLOAD)).toBe('submitted');
    expect(sim.stats().perRecordSends.get(again.externalId)).toBe(2);
    const after = (await getRecords(result.runId, [again.externalId])).get(again.externalId);
    expect([after?.state, after?.attempts, after?.lastRequestId, after?.lastSubmittedAt]).toEqual(['submitted', 1, before?.lastRequestId, before?.lastSubmittedAt]);
    await reconcileUntilDone(w);
    expect(reportOf(w, result.runId).counts).toMatchObject({ confirmed: 400, created: 400, skipped: 0, deadLettered: 0 });
  }, 30_000);

  it("sends a report's unsent manager (same run) ahead of it, and the manager's own message is then dropped as stale", async () => {
    const w = world();
    const runId = 'r-managers';
    await w.ledger.beginRun({ runId, file: 'c/f.csv', etag: 'e', startedAt: new Date().toISOString(), source: 'default', kind: 'full' });
    const op = (id: string, manager?: string): string =>
      JSON.stringify({
        method: 'POST',
        bulkId: id,
        path: '/Users',
        data: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
          externalId: id,
          userName: `${id.toLowerCase()}@contoso.com`,
          active: true,
          ...(manager === undefined ? {} : { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: manager } } }),
        },
      });
    // A chain: TOP manages MID manages REP; A manages B who manages A (a circle).
    await w.ledger.addRecords(runId, [
      { externalId: 'TOP', line: 2, payload: op('TOP'), payloadHash: 't' },
      { externalId: 'MID', line: 3, payload: op('MID', 'TOP'), payloadHash: 'm', managerId: 'TOP' },
      { externalId: 'REP', line: 4, payload: op('REP', 'MID'), payloadHash: 'r', managerId: 'MID' },
      { externalId: 'A', line: 5, payload: op('A', 'B'), payloadHash: 'a', managerId: 'B' },
      { externalId: 'B', line: 6, payload: op('B', 'A'), payloadHash: 'b', managerId: 'A' },
    ]);
    const message = (id: string, manager?: string): string => encodeMessage({ v: 1, runId, externalId: id, line: 2, attempt: 1, op: op(id, manager) });
    expect(await uploadOperations(message('REP', 'MID'), w.uploadDeps, UPLOAD)).toBe('submitted');
    expect([...sim.stats().perRecordSends.keys()]).toEqual(['TOP', 'MID', 'REP']);
    expect(sim.stats().requests).toBe(1);
    expect([...(await w.ledger.getRecords(runId, ['TOP', 'MID', 'REP'])).values()].map((r) => r.state)).toEqual(['submitted', 'submitted', 'submitted']);
    // The managers' own messages arrive later: stale, deleted unsent.
    await w.queue.send(message('MID', 'TOP'));
    expect(await uploadOperations(message('TOP'), w.uploadDeps, UPLOAD)).toBe('stale');
    expect(w.queue.messages).toEqual([]);
    expect(sim.stats().requests).toBe(1);
    // A circle ends: each is sent once.
    expect(await uploadOperations(message('A', 'B'), w.uploadDeps, UPLOAD)).toBe('submitted');
    expect(sim.stats().perRecordSends.get('A')).toBe(1);
    expect(sim.stats().perRecordSends.get('B')).toBe(1);
  });

  it('throttling puts messages back without spending their dequeue count', async () => {
    const w = world();
    sim.setFaults({ throttleShare: 1, retryAfterSeconds: 1 });
    const { client } = simClient(sim, {}, { retry: { maxRetries: 0, maxThrottleWaitMs: 0 } });
    await ingestExtract(blob('samples/broken.csv'), { ...w.ingestDeps, loadSources: async () => lenient() });
    const [m] = await w.queue.receive(1, 30);
    const outcome = await uploadOperations(m?.text, { ...w.uploadDeps, client });
    expect(outcome).toBe('requeued');
    await w.queue.delete(m as never);
    // The batch went back whole, as one new message.
    expect(w.queue.operations()).toHaveLength(6);
    expect(w.queue.messages.length).toBe(1);
    expect(w.queue.messages.every((x) => x.dequeueCount === 0)).toBe(true);
    expect(w.queue.visible()).toBe(0);
  }, 30_000);

  it('a message that keeps failing ends in the poison queue and then in the report with its reason', async () => {
    const w = world();
    sim.setPermissions(['AuditLog.Read.All']);
    const { client } = simClient(sim);
    const result = await ingestExtract(blob('samples/broken.csv'), { ...w.ingestDeps, loadSources: async () => lenient() });
    await drainUploads(w, { ...w.uploadDeps, client });
    expect(w.poison.messages.length).toBeGreaterThan(0);
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    await reconcileUntilDone(w);
    const report = reportOf(w, result.runId);
    expect(report.counts.deadLettered).toBe(6);
    expect(report.deadLettered[0]?.reason).toMatch(/poison queue.*SynchronizationData-User\.Upload/);
  }, 60_000);

  it.each([
    ['read in one pass', false],
    ['read a pass apart', true],
  ])(
    'a batch two uploads both sent ends confirmed once per record, entries %s: the copy that did the work settles it, nothing is sent a third time',
    async (_when, passBetween) => {
      const w = world();
      const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
      const held = await w.queue.receive(32, 30);
      const [first, ...rest] = held;
      if (first === undefined) throw new Error('ingest sent nothing');
      const ids = decodeOperations(first.text).map((m) => m.externalId);
      const sevens = ids.filter((id) => id.endsWith('7'));
      expect(sevens.length).toBeGreaterThan(0);
      // The first copy of each of these fails (retryable) and the second creates it; for the batch's
      // other records the first creates and the second is logged as nothing to change.
      sim.setFaults({
        recordRules: [
          { match: new RegExp(`^(${sevens.join('|')})$`), times: 1, errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.', retryable: true },
        ],
      });
      // Both have read the batch queued before either posts it, so both post it; the second a second
      // after the first has recorded its request (it waited on the rate limit, say).
      let arrived = 0;
      let bothRead: () => void = () => undefined;
      const barrier = new Promise<void>((resolve) => (bothRead = resolve));
      const racing = (after: () => Promise<unknown>): UploadDeps => ({
        ...w.uploadDeps,
        client: {
          uploadBulkRequest: async (request, options) => {
            if (++arrived === 2) bothRead();
            await barrier;
            await after();
            return w.uploadDeps.client.uploadBulkRequest(request, options);
          },
        },
      });
      const early = uploadOperations(
        first.text,
        racing(async () => undefined),
        UPLOAD,
      );
      // Retries wait a minute, as they would in Azure.
      const waiting = { ...OPTIONS, retryBaseSeconds: 60, clockSkewSeconds: 0.2 };
      const late = uploadOperations(
        first.text,
        racing(async () => {
          await early;
          if (passBetween) {
            // The service takes the second copy but acts on it only after a pass has read the first
            // copy's entries (below): the 7s go back to the queue, to be sent again in a minute, and
            // the second copy's success comes after.
            await logged(ids, 1);
            sim.setJob({ status: 'Paused' });
          }
          await new Promise((r) => setTimeout(r, 1000));
        }),
        UPLOAD,
      );
      expect(await Promise.all([early, late])).toEqual(['submitted', 'submitted']);
      if (passBetween) {
        await reconcile(w.reconcileDeps, waiting);
        sim.setJob({ status: 'Active' });
      }
      await logged(ids, 2);
      // For a 7: the first copy's failure, then the second's success.
      await reconcile(w.reconcileDeps, waiting);
      const states = [...(await w.ledger.getRecords(result.runId, ids)).values()].map((r) => r.state);
      expect(states.filter((state) => state !== 'confirmed')).toEqual([]);
      await w.queue.delete(first);
      for (const m of rest) await w.queue.release(m);
      for (let pass = 0; (await w.ledger.listOpenRuns()).length > 0; pass++) {
        if (pass === 50) throw new Error('the run never completed');
        // Records still open after a while are resends waiting their minute: let the minute pass.
        if (pass >= 10) w.skew.ms += 60_000;
        await drainUploads(w);
        await new Promise((r) => setTimeout(r, 40));
        await reconcile(w.reconcileDeps, waiting);
      }
      expect(reportOf(w, result.runId).counts).toMatchObject({ confirmed: 400, created: 400, skipped: 0, deadLettered: 0 });
      for (const id of ids) expect(sim.stats().perRecordSends.get(id), id).toBe(2);
    },
    30_000,
  );

  it('a send the upload records only after a reconcile pass has read its entries is confirmed by them, not sent again', async () => {
    // As a local run: no log lag, so each pass reads the logs from just behind the newest entry it took.
    const noLag = { ...OPTIONS, logLagMinutes: 0, clockSkewSeconds: 0.3 };
    const w = world();
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    const [a, b, c, ...rest] = await w.queue.receive(32, 30);
    if (a === undefined || b === undefined || c === undefined) throw new Error('ingest sent fewer than three batches');
    const idsOf = (m: { text: string }): string[] => decodeOperations(m.text).map((o) => o.externalId);
    expect(await uploadOperations(a.text, w.uploadDeps, UPLOAD)).toBe('submitted');
    // B's upload reads the clock when its POST returns, and its ledger write is slow (a loaded store):
    // meanwhile another upload's request C is logged, later than B's by more than the skew, and a
    // pass lists the run (B's records still queued) and reads the logs.
    let postedAt: Date | undefined;
    const slowWrite: UploadDeps = {
      ...w.uploadDeps,
      clock: { now: () => postedAt ?? new Date() },
      client: {
        uploadBulkRequest: async (request, options) => {
          const accepted = await w.uploadDeps.client.uploadBulkRequest(request, options);
          postedAt = new Date();
          await logged(idsOf(b), 1);
          await new Promise((r) => setTimeout(r, 600));
          // C as another instance sends it: posted, then recorded. (Through uploadOperations here, it
          // would take B's records along, still queued in the ledger, as the managers of C's.)
          const other = await w.uploadDeps.client.uploadBulkRequest({
            schemas: [BULK_REQUEST_SCHEMA],
            Operations: decodeOperations(c.text).map((o) => JSON.parse(o.op) as BulkOperation),
            failOnErrors: null,
          });
          await w.ledger.markSubmitted(result.runId, idsOf(c), { requestId: other.requestId, at: new Date().toISOString() });
          await logged(idsOf(c), 1);
          await reconcile(w.reconcileDeps, noLag);
          return accepted;
        },
      },
    };
    expect(await uploadOperations(b.text, slowWrite, UPLOAD)).toBe('submitted');
    await reconcile(w.reconcileDeps, noLag);
    const states = [...(await w.ledger.getRecords(result.runId, idsOf(b))).values()].map((r) => r.state);
    expect(states.filter((state) => state !== 'confirmed')).toEqual([]);
    for (const m of [a, b, c]) await w.queue.delete(m);
    for (const m of rest) await w.queue.release(m);
    for (let pass = 0; (await w.ledger.listOpenRuns()).length > 0; pass++) {
      if (pass === 50) throw new Error('the run never completed');
      await drainUploads(w);
      await new Promise((r) => setTimeout(r, 40));
      await reconcile(w.reconcileDeps, noLag);
    }
    expect(reportOf(w, result.runId).counts).toMatchObject({ confirmed: 400, created: 400, skipped: 0, deadLettered: 0 });
    expect([...sim.stats().perRecordSends.values()].filter((n) => n !== 1)).toEqual([]);
  }, 30_000);

  it('resends records whose log entry is a retryable failure, and confirms them', async () => {
    sim.setFaults({ recordRules: [{ match: /7$/, times: 1, errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.', retryable: true }] });
    const w = world();
    const result = await ingestExtract(blob('samples/workers.csv'), w.ingestDeps);
    await drainUploads(w);
    await reconcileUntilDone(w);
    expect(reportOf(w, result.runId).counts).toMatchObject({ confirmed: 400, deadLettered: 0 });
    const sevens = [...sim.stats().perRecordSends].filter(([id]) => id.endsWith('7'));
    expect(sevens.length).toBeGreaterThan(0);
    expect(sevens.every(([, n]) => n === 2)).toBe(true);
  }, 30_000);
});

describe('the send order ingest cuts into batches', () => {
  // Ingests a generated extract of `rows` workers into a fresh world (`prepare` may change it first).
  async function ingestWorkers(rows: number, seed: number, prepare: (w: ReturnType<typeof world>) => void = () => undefined) {
    const folder = await mkdtemp(join(tmpdir(), 'hrsync-send-order-'));
    try {
      const file = join(folder, 'workers.csv');
      await writeWorkersCsv(file, rows, { seed });
      const w = world();
      prepare(w);
      const result = await ingestExtract(blob(file), w.ingestDeps);
      expect(result).toMatchObject({ valid: rows, enqueued: rows });
      return { w, result };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  // The queue's batches as externalIds, in queue order, their records, and those queued ahead of their manager.
  async function queued(w: ReturnType<typeof world>, runId: string) {
    const batches = w.queue.messages.map((m) => decodeOperations(m.text).map((o) => o.externalId));
    const records = await w.ledger.getRecords(runId, batches.flat());
    const position = new Map(batches.flat().map((id, i) => [id, i]));
    const late = [...records.values()].filter(
      (r) => r.managerId !== undefined && records.has(r.managerId) && (position.get(r.managerId) as number) > (position.get(r.externalId) as number),
    );
    return { batches, records, late };
  }

  it("keeps a request's records in one or two of the run's ledger partitions, managers still first", async () => {
    const { w, result } = await ingestWorkers(5_000, 7);
    const { batches, records, late } = await queued(w, result.runId);
    expect(records.size).toBe(5_000);
    const mean = (counts: number[]): number => counts.reduce((a, b) => a + b, 0) / counts.length;
    const partitions = (ids: Iterable<string>): number => new Set([...ids].map((id) => w.ledger.partitionOf(result.runId, id))).size;
    // In file order a batch of 50 spreads over nearly all 16 partitions (15.4 on average here);
    // ordered by the manager's partition first, 7.0; by the record's own first, 1.66. (The
    // managers a batch's reports have then spread over 6.6 partitions, as in file order, against
    // 1.4: upload rarely reads them, as it knows most went — sent-records.ts.)
    expect(mean(batches.map((ids) => partitions(ids)))).toBeLessThanOrEqual(2);
    // No one goes before their manager.
    expect(late).toEqual([]);
  }, 60_000);

  it('puts no message on the queue before the messages of the managers it holds reports of, however the sends overtake each other', async () => {
    const { w, result } = await ingestWorkers(2_000, 11, (w) => {
      // Sends take 0-24 ms, in an order unrelated to the queue's: sixteen at once, later ones overtake earlier ones.
      const send = w.queue.send.bind(w.queue);
      let sends = 0;
      w.queue.send = async (text, options) => {
        await new Promise((r) => setTimeout(r, (sends++ * 7) % 25));
        return send(text, options);
      };
    });
    expect((await queued(w, result.runId)).late).toEqual([]);
  }, 60_000);
});
