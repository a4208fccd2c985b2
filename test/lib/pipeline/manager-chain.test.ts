// A manager who fails must not take their whole chain down with them. The sample's CEO (E000101)
// heads all 399 others: with a broken email on that one row, every report once failed with an
// unresolved reference five times — 399 records, 1,596 resends, no accounts. Now the CEO's direct
// reports go without the reference, everyone is confirmed in one send each, and the next night, the
// row fixed, sends the CEO and the references. Both ledgers, the real client, the simulator.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import type { PipelineLedger, ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { uploadOperations } from '../../../lib/pipeline/upload.js';
import { ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import { defaultSources } from '../../../lib/sources/sources.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0, logLagMinutes: 1, confirmTimeoutMinutes: 60 };
const CEO = 'E000101';

let sim: Simulator;
let restore: () => void;
let mapping: Mapping;
let azurite: AzuriteInstance;
let dir: string;
let broken: string;
let fixed: string;
let directReports: string[];
let unknownManager: string;
beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5, pageSize: 500 }), startAzurite()]);
  restore = setIdentityEndpoint(sim);
  mapping = await loadMappingFile('samples/mapping.json');
  dir = await mkdtemp(join(tmpdir(), 'hrsync-chain-'));
  const text = await readFile('samples/workers.csv', 'utf8');
  const rows = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
  directReports = rows.filter((r) => r['ManagerID'] === CEO).map((r) => r['WorkerID'] as string);
  broken = join(dir, 'night1.csv');
  fixed = join(dir, 'night2.csv');
  await writeFile(
    broken,
    stringify(
      rows.map((r) => (r['WorkerID'] === CEO ? { ...r, Email: 'not-an-email' } : r)),
      { header: true },
    ),
  );
  await writeFile(fixed, text);
  unknownManager = join(dir, 'unknown.csv');
  await writeFile(
    unknownManager,
    stringify(
      rows.map((r) => (r['WorkerID'] === 'E000103' ? { ...r, ManagerID: 'E999999' } : r)),
      { header: true },
    ),
  );
}, 60_000);
afterAll(async () => {
  restore();
  await Promise.all([sim.close(), azurite.stop(), rm(dir, { recursive: true, force: true })]);
});

let tables = 0;
const LEDGERS: Array<[string, () => PipelineLedger]> = [
  ['memory', () => new MemoryLedger()],
  [
    'Table storage',
    () => {
      const names = ledgerTableNames(`mc${++tables}x${Date.now() % 100000}`);
      return new RunLedger(names, (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
    },
  ],
];

beforeEach(() => {
  sim.reset();
  sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
});

function world(ledger: PipelineLedger) {
  const queue = new MemoryQueue(() => Date.now());
  const poison = new MemoryQueue(() => Date.now());
  const reports = new MemoryReports();
  const logger = captureLogger();
  const { client } = simClient(sim);
  const base = { ledger, queue, logger, clock: { now: () => new Date() } };
  const ingestDeps: IngestDeps = { ...base, reports, loadSources: async () => defaultSources('mapping.json'), loadMapping: async () => mapping };
  const uploadDeps: UploadDeps = { ...base, client };
  const reconcileDeps: ReconcileDeps = { ...base, client, poison, reports };
  return { ledger, queue, reports, logger, ingestDeps, uploadDeps, reconcileDeps };
}
type World = ReturnType<typeof world>;

const blob = (path: string, etag: string) => ({ container: 'hr-extracts', name: 'workers.csv', etag, lastModified: new Date(), content: createReadStream(path) });

async function drainUploads(w: World): Promise<void> {
  for (let [m] = await w.queue.receive(1, 30); m !== undefined; [m] = await w.queue.receive(1, 30)) {
    await uploadOperations(m.text, w.uploadDeps);
    await w.queue.delete(m);
  }
}

async function runNight(w: World, path: string, etag: string): Promise<{ runId: string; withoutManager: number; report: RunReport }> {
  const result = await ingestExtract(blob(path, etag), w.ingestDeps);
  await drainUploads(w);
  for (let i = 0; i < 60 && (await w.ledger.listOpenRuns()).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 40));
    await reconcile(w.reconcileDeps, OPTIONS);
    await drainUploads(w);
  }
  expect(await w.ledger.listOpenRuns()).toEqual([]);
  const report = JSON.parse(w.reports.blobs.get(`${result.runId}/report.json`)?.content ?? 'null') as RunReport;
  return { runId: result.runId, withoutManager: result.withoutManager, report };
}

const managerOf = (id: string): unknown =>
  (sim.directory.get(id)?.attributes as unknown as Record<string, { manager?: { value?: string } } | undefined>)[ENTERPRISE_USER_SCHEMA]?.manager?.value;

describe.each(LEDGERS)('manager references on the %s ledger', (_name, make) => {
  it("a rejected manager's whole chain is confirmed in one send each, and the next night sends the manager and the references", async () => {
    expect(directReports.length).toBe(12);
    const w = world(make());
    const night1 = await runNight(w, broken, '"0x1"');
    expect(night1.report.counts).toMatchObject({ rejected: 1, records: 399, confirmed: 399, created: 399, deadLettered: 0 });
    expect(night1.report.rejected.map((r) => r.externalId)).toEqual([CEO]);
    const sends = sim.stats().perRecordSends;
    expect(sends.size).toBe(399);
    expect([...sends.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // 399 records fit in 8 requests; an upload that finds fewer messages waiting sends a smaller one.
    expect(sim.stats().requests).toBeLessThanOrEqual(10);
    expect(night1.withoutManager).toBe(12);
    expect(night1.report.withoutManager?.map((x) => x.externalId).sort()).toEqual([...directReports].sort());
    expect(night1.report.withoutManager?.every((x) => x.manager === CEO && x.state === 'confirmed')).toBe(true);
    expect(night1.report.nextSteps.some((s) => s.includes('without their manager reference'))).toBe(true);
    for (const id of directReports) expect(managerOf(id)).toBeUndefined();
    expect(sim.directory.has(CEO)).toBe(false);

    // The row fixed: the CEO is created and only the direct reports are sent again, now with the reference.
    const before = new Map(sim.stats().perRecordSends);
    const night2 = await runNight(w, fixed, '"0x2"');
    expect(night2.report.plan).toMatchObject({ create: 1, update: 12, unchanged: 387 });
    expect(night2.report.counts).toMatchObject({ confirmed: 13, deadLettered: 0 });
    expect(night2.report.withoutManager).toEqual([]);
    const after = sim.stats().perRecordSends;
    for (const id of directReports) {
      expect((after.get(id) ?? 0) - (before.get(id) ?? 0)).toBe(1);
      expect(managerOf(id)).toBe(CEO);
    }
    expect(sim.directory.has(CEO)).toBe(true);

    // And a third night finds nothing to send.
    const night3 = await runNight(w, fixed, '"0x3"');
    expect(night3.report.plan).toMatchObject({ create: 0, update: 0, unchanged: 400 });
  }, 120_000);

  it("a dead-lettered manager's reports are sent again without the reference and confirmed, not failed", async () => {
    sim.setFaults({ recordRules: [{ match: CEO, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const w = world(make());
    const night = await runNight(w, fixed, '"0x9"');
    expect(night.report.counts).toMatchObject({ records: 400, confirmed: 399, deadLettered: 1 });
    expect(night.report.deadLettered.map((d) => d.externalId)).toEqual([CEO]);
    expect(night.report.withoutManager?.map((x) => x.externalId).sort()).toEqual([...directReports].sort());
    for (const id of directReports) expect(managerOf(id)).toBeUndefined();
    // Each report is sent at most twice: once with the reference (the manager's outcome was not known yet), once without.
    const sends = sim.stats().perRecordSends;
    expect([...sends.entries()].filter(([id, n]) => id !== CEO && n > 2)).toEqual([]);
  }, 120_000);

  it('warns about a row whose manager is neither in the extract nor in People, naming the manager and the line', async () => {
    const w = world(make());
    const night = await runNight(w, unknownManager, '"0x7"');
    const warnings = night.report.plan?.warnings.filter((x) => x.rule === 'manager-unknown') ?? [];
    expect(warnings).toEqual([
      {
        rule: 'manager-unknown',
        externalId: 'E000103',
        line: 3,
        source: 'default',
        message: expect.stringMatching(/^manager E999999 is neither in the extract nor in the directory \(People\)/),
      },
    ]);
    // The record goes as it is: it fails with the unresolved reference, while everyone else is confirmed.
    expect(night.report.deadLettered.map((d) => d.externalId)).toContain('E000103');
    expect(night.report.deadLettered.find((d) => d.externalId === 'E000103')?.reason).not.toMatch(/later attempt/);
  }, 120_000);
});
