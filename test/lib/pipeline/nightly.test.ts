// Several nights of a generated organisation through the three stages, on the Table storage
// ledger (Azurite) and the simulator: what each night sends, who ends disabled in the directory,
// held runs, two sources, a crash before People was written, and a rehire.
import { TableClient } from '@azure/data-tables';
import { parse } from 'csv-parse/sync';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driftDue } from '../../../lib/delta/drift.js';
import { personBucket, recordKey } from '../../../lib/ledger/keys.js';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { approveRun, requestResend } from '../../../lib/pipeline/held.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { IngestResult } from '../../../lib/pipeline/ingest.js';
import type { ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { uploadOperations } from '../../../lib/pipeline/upload.js';
import { defaultSources, parseSources } from '../../../lib/sources/sources.js';
import type { SourcesConfig } from '../../../lib/sources/sources.js';
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
const WORKERS = 1000;

let sim: Simulator;
let azurite: AzuriteInstance;
let restore: () => void;
let mapping: Mapping;
let dir: string;
let nights: NightSummary[];
const text = new Map<string, string>();
let tables = 0;

beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5, pageSize: 1000 }), startAzurite()]);
  restore = setIdentityEndpoint(sim);
  mapping = await loadMappingFile('samples/mapping.json');
  dir = await mkdtemp(join(tmpdir(), 'hrsync-nightly-'));
  nights = await writeNightsCsv(dir, { workers: WORKERS, nights: 3, seed: 7 });
  for (const n of nights) text.set(n.file, await readFile(n.file, 'utf8'));
}, 60_000);
afterAll(async () => {
  restore();
  await Promise.all([sim.close(), azurite.stop(), rm(dir, { recursive: true, force: true })]);
});
beforeEach(() => {
  sim.reset();
});

type TableHook = (table: string, op: 'create' | 'update', entity: { rowKey?: string }) => void;

/** One deployment: its ledger on fresh tables, its queue and reports; the same simulator. */
function deployment(sources: SourcesConfig = defaultSources('mapping.json'), hook?: TableHook) {
  const names = ledgerTableNames(`night${++tables}`);
  const table = (name: string): TableClient => {
    const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    if (hook === undefined) return client;
    const create = client.createEntity.bind(client);
    const update = client.updateEntity.bind(client);
    client.createEntity = (async (e, o) => {
      hook(name, 'create', e);
      return create(e, o);
    }) as TableClient['createEntity'];
    client.updateEntity = (async (e, m, o) => {
      hook(name, 'update', e);
      return update(e, m, o);
    }) as TableClient['updateEntity'];
    // A transaction is its writes at once: the hook sees each, and one that throws stops them all.
    const transact = client.submitTransaction.bind(client);
    client.submitTransaction = (async (actions, o) => {
      for (const [kind, e] of actions) hook(name, kind === 'create' ? 'create' : 'update', e);
      return transact(actions, o);
    }) as TableClient['submitTransaction'];
    return client;
  };
  const ledger = new RunLedger(names, table);
  const queue = new MemoryQueue(() => Date.now());
  const poison = new MemoryQueue(() => Date.now());
  const reports = new MemoryReports();
  const logger = captureLogger();
  const clock = { now: () => new Date() };
  const client = simClient(sim).client;
  const uploadDeps: UploadDeps = { ledger, queue, logger, clock, client };
  const reconcileDeps: ReconcileDeps = { ledger, queue, logger, clock, client, poison, reports };
  let version = 0;

  async function settle(): Promise<void> {
    for (let i = 0; i < 80; i++) {
      for (let [m] = await queue.receive(1, 30); m !== undefined; [m] = await queue.receive(1, 30)) {
        await uploadOperations(m.text, uploadDeps);
        await queue.delete(m);
      }
      if ((await ledger.listOpenRuns()).length === 0) return;
      await new Promise((r) => setTimeout(r, 30));
      try {
        await reconcile(reconcileDeps, OPTIONS);
      } catch {
        // A pass that fails (an injected crash) is retried by the next timer, as in Azure.
      }
    }
    throw new Error('runs never completed');
  }

  /**
   * Drops an extract of a source, runs it to its report (complete or held); returns the report and the requests it cost.
   * `at`: the moment ingest plans at, instead of the time it reads.
   */
  async function night(content: string, source?: string, at?: Date): Promise<{ report: RunReport; requests: number; result: IngestResult }> {
    const before = sim.stats().requests;
    const name = `${source === undefined ? '' : `${source}/`}night.csv`;
    const result = await ingestExtract(
      { container: 'hr-extracts', name, etag: `"v${++version}"`, lastModified: new Date(), content: Readable.from([Buffer.from(content)]) },
      { ledger, queue, logger, clock: at === undefined ? clock : { now: () => new Date(at) }, reports, loadSources: async () => sources, loadMapping: async () => mapping },
    );
    await settle();
    const report = JSON.parse(reports.blobs.get(`${result.runId}/report.json`)?.content ?? 'null') as RunReport;
    return { report, requests: sim.stats().requests - before, result };
  }
  return { ledger, names, queue, reports, logger, night, settle, decisionDeps: { ledger, queue, reports, clock } };
}

const lines = (csv: string): string[] => csv.split('\r\n').filter((l) => l !== '');
const idOf = (line: string): string => line.slice(0, line.indexOf(','));
/** The CSV with only the rows `keep` says yes to (the header stays). */
const only = (csv: string, keep: (id: string) => boolean): string => {
  const [header, ...rows] = lines(csv);
  return `${[header, ...rows.filter((r) => keep(idOf(r)))].join('\r\n')}\r\n`;
};
const night0 = (): string => text.get(nights[0]?.file as string) as string;
const night1 = (): string => text.get(nights[1]?.file as string) as string;

describe('the nightly run', () => {
  it('a second identical night makes no request; 1% changed, 0.5% leavers and joiners send exactly those, and the leavers end disabled', async () => {
    const d = deployment();
    const first = await d.night(night0());
    expect(first.report.counts).toMatchObject({ records: WORKERS, created: WORKERS, unchanged: 0, deadLettered: 0 });

    const same = await d.night(night0());
    expect(same.requests).toBe(0);
    expect(same.report).toMatchObject({ state: 'complete', counts: { records: WORKERS, unchanged: WORKERS, created: 0, updated: 0, disabled: 0 }, requests: { total: 0 } });

    const n1 = nights[1] as NightSummary;
    expect(n1.changed).toHaveLength(10);
    expect(n1.leavers).toHaveLength(5);
    expect(n1.joiners).toHaveLength(5);
    const sendsBefore = new Map(sim.stats().perRecordSends);
    const next = await d.night(night1());
    const sent = [...sim.stats().perRecordSends]
      .filter(([id, count]) => count > (sendsBefore.get(id) ?? 0))
      .map(([id]) => id)
      .sort();
    expect(sent).toEqual([...n1.changed, ...n1.leavers, ...n1.joiners].sort());
    expect(next.requests).toBe(1);
    expect(next.report.counts).toMatchObject({ created: 5, updated: 10, disabled: 5, leavers: 5, unchanged: WORKERS - 15, deadLettered: 0 });
    expect(next.report.disabledWhy).toEqual({ absent: 5, inactive: 0, other: 0 });
    for (const id of n1.leavers) {
      expect(sim.directory.get(id)?.enabled).toBe(false);
      // Disabled with the complete record last confirmed, only active changed.
      expect(sim.directory.get(id)?.attributes.userName).toMatch(/@contoso\.com$/);
    }
    expect(next.report.disabled.map((x) => [x.externalId, x.reason])).toEqual([...n1.leavers].sort().map((id) => [id, 'absent from the extract']));
    for (const id of n1.joiners) expect(sim.directory.get(id)?.enabled).toBe(true);

    // The leavers are disabled once: the next identical night sends nothing at all.
    const again = await d.night(night1());
    expect(again.requests).toBe(0);
  }, 120_000);

  it('holds a truncated extract — nothing sent, the thresholds named — then sends it as planned once approved', async () => {
    const d = deployment();
    await d.night(night0());
    const ids = lines(night0()).slice(1).map(idOf);
    const kept = new Set(ids.slice(0, 700));
    const activeDropped = ids.slice(700).filter((id) => sim.directory.get(id)?.enabled === true);
    const truncated = await d.night(only(night0(), (id) => kept.has(id)));
    expect(truncated.requests).toBe(0);
    expect(truncated.result.held).toBe(true);
    expect(truncated.report.state).toBe('held');
    expect(truncated.report.held?.map((h) => [h.threshold, h.actual])).toEqual([
      ['maxDisables', activeDropped.length],
      ['maxShrinkPercent', 30],
    ]);
    expect(truncated.report.counts).toMatchObject({ held: activeDropped.length, unchanged: 700 });
    expect(d.logger.lines.some((l) => l.message === 'Run held')).toBe(true);
    for (const id of activeDropped) expect(sim.directory.get(id)?.enabled).toBe(true);

    const { queued } = await approveRun(d.decisionDeps, truncated.result.runId, 'test');
    expect(queued).toBe(activeDropped.length);
    await d.settle();
    for (const id of activeDropped) expect(sim.directory.get(id)?.enabled).toBe(false);
    const report = JSON.parse(d.reports.blobs.get(`${truncated.result.runId}/report.json`)?.content ?? '{}') as RunReport;
    expect(report).toMatchObject({ state: 'complete', decision: { kind: 'approved', by: 'test' }, counts: { disabled: activeDropped.length, held: 0 } });
  }, 120_000);

  it('a newer extract supersedes a held one, and is compared with what was last confirmed', async () => {
    const d = deployment();
    await d.night(night0());
    const held = await d.night(only(night0(), (id) => id < 'E001500'));
    expect(held.report.state).toBe('held');
    const fixed = await d.night(night0());
    expect(fixed.report).toMatchObject({ state: 'complete', counts: { unchanged: WORKERS, disabled: 0 } });
    expect(fixed.requests).toBe(0);
    expect(JSON.parse(d.reports.blobs.get(`${held.result.runId}/report.json`)?.content ?? '{}')).toMatchObject({
      state: 'superseded',
      decision: { kind: 'superseded', by: fixed.result.runId },
    });
  }, 120_000);

  it('a contractors source never disables an employee, and a person both list stays with one source, warned in both', async () => {
    const sources = parseSources({ version: 1, sources: { hr: { mapping: 'm.json', kind: 'full' }, contractors: { mapping: 'm.json', kind: 'full' } } }, 'sources.json');
    const d = deployment(sources);
    const rows = lines(night0()).slice(1);
    const header = lines(night0())[0] as string;
    // Sixty people who manage nobody are contractors, so no employee waits for a contractor manager.
    const managers = new Set((parse(night0(), { columns: true }) as Array<Record<string, string>>).map((r) => r['ManagerID']));
    const contractorIds = new Set(
      rows
        .map(idOf)
        .filter((id) => !managers.has(id))
        .slice(500, 560),
    );
    const hrCsv = only(night0(), (id) => !contractorIds.has(id));
    const contractorsCsv = `${[header, ...rows.filter((r) => contractorIds.has(idOf(r)))].join('\r\n')}\r\n`;
    await d.night(hrCsv, 'hr');
    const c1 = await d.night(contractorsCsv, 'contractors');
    expect(c1.report.counts.created).toBe(60);

    // The contractors file tonight lists none of the employees: it owns only its own 60.
    const shared = idOf(rows[10] as string);
    const tonight = `${[header, ...rows.filter((r) => contractorIds.has(idOf(r))), rows[10]].join('\r\n')}\r\n`;
    expect(contractorIds.has(shared)).toBe(false);
    const c2 = await d.night(tonight, 'contractors');
    expect(c2.report.counts).toMatchObject({ disabled: 0, unchanged: 61 });
    expect(c2.requests).toBe(0);
    expect(c2.report.plan?.warnings).toEqual([expect.objectContaining({ rule: 'other-source', externalId: shared, source: 'hr' })]);
    const h2 = await d.night(hrCsv, 'hr');
    expect(h2.requests).toBe(0);
    expect(h2.report.plan?.warnings).toEqual([expect.objectContaining({ rule: 'other-source', externalId: shared, source: 'contractors' })]);
    expect(h2.report.counts.disabled).toBe(0);
    const enabledAfterFirst = [...contractorIds].filter((id) => (sim.directory.get(id)?.attributes.active as boolean | undefined) !== false);
    expect(enabledAfterFirst.length).toBeGreaterThan(40);
    for (const id of enabledAfterFirst) expect(sim.directory.get(id)?.enabled).toBe(true);
    expect((await d.ledger.getPerson(shared))?.source).toBe('hr');
  }, 120_000);

  it('a crash between confirmations and their People write resends those records the next night and loses nothing', async () => {
    const victim = idOf(lines(night0())[42] as string);
    let crashes = 1;
    const d = deployment(undefined, (table, _op, entity) => {
      if (table.endsWith('People') && entity.rowKey === recordKey(victim) && crashes-- > 0) throw new Error('process killed after the confirmation');
    });
    const first = await d.night(night0());
    expect(first.report.counts).toMatchObject({ created: WORKERS, deadLettered: 0 });
    expect(crashes).toBe(0);
    expect(await d.ledger.getPerson(victim)).toBeUndefined();
    // The People written in one transaction with the victim's were lost with it — that one
    // transaction's, in the victim's People partition, at most 100 — whom the next night sends again.
    const forgotten: string[] = [];
    for (const id of lines(night0()).slice(1).map(idOf)) if ((await d.ledger.getPerson(id)) === undefined) forgotten.push(id);
    expect(forgotten).toContain(victim);
    expect(forgotten.filter((id) => personBucket(id) !== personBucket(victim))).toEqual([]);
    expect(forgotten.length).toBeLessThanOrEqual(100);
    const before = sim.stats().perRecordSends.get(victim) ?? 0;
    const second = await d.night(night0());
    expect(second.report.counts).toMatchObject({ unchanged: WORKERS - forgotten.length, deadLettered: 0 });
    // Confirmed by the service's "nothing to change" — or, seconds after the first night, by their
    // own earlier entry, since without People nothing tells that entry apart: either way final.
    expect(second.report.counts.skipped + second.report.counts.created).toBe(forgotten.length);
    expect(sim.stats().perRecordSends.get(victim)).toBe(before + 1);
    expect((await d.ledger.getPerson(victim))?.lastConfirmedHash).toMatch(/^c1-/);
    const third = await d.night(night0());
    expect(third.requests).toBe(0);
  }, 120_000);

  it('a rehire comes back enabled; drift repair and a full resend send unchanged people again, saying why', async () => {
    const d = deployment(parseSources({ version: 1, sources: { default: { mapping: 'm.json', kind: 'full', resendAfterDays: 7 } } }, 'sources.json'));
    await d.night(night0());
    const rehire = (nights[1] as NightSummary).leavers[0] as string;
    const gone = await d.night(only(night0(), (id) => id !== rehire));
    expect(gone.report.counts.disabled).toBe(1);
    expect(sim.directory.get(rehire)?.enabled).toBe(false);
    const back = await d.night(night0());
    expect(back.report.counts).toMatchObject({ updated: 1, unchanged: WORKERS - 1 });
    expect(sim.directory.get(rehire)?.enabled).toBe(true);

    // Thirty days pass for three people: drift repair sends them, and nobody else — but for
    // anyone whose own resend moment (spread over the 7 days by a hash of their id) fell in the
    // seconds since their confirmation: the rule says they are due too. Counting those from the
    // rule at the night's own moment keeps this exact (1,000 moments over 7 days are one every ten
    // minutes: a run whose nights span seconds meets one now and then, and CI did).
    const people = TableClient.fromConnectionString(azurite.connectionString, d.names.people, { allowInsecureConnection: true });
    const old = lines(night0()).slice(1, 4).map(idOf);
    for (const id of old)
      await people.updateEntity({ partitionKey: personBucket(id), rowKey: recordKey(id), lastConfirmedAt: new Date(Date.now() - 30 * 86_400_000).toISOString() }, 'Merge');
    const at = new Date();
    const due: string[] = [];
    for await (const p of d.ledger.listPeople()) {
      // As the plan reads People (lib/delta/nightly.ts): an unreadable time counts as never.
      const confirmed = Date.parse(p.lastConfirmedAt);
      if (driftDue(p.externalId, Number.isNaN(confirmed) ? 0 : confirmed, at.getTime(), 7)) due.push(p.externalId);
    }
    expect(due).toEqual(expect.arrayContaining(old));
    const drift = await d.night(night0(), undefined, at);
    expect(drift.report.plan).toMatchObject({ resend: due.length, drift: due.length });
    expect(drift.report.counts).toMatchObject({ unchanged: WORKERS - due.length });

    await requestResend(d.ledger, 'default', new Date());
    const full = await d.night(night0());
    expect(full.report.plan?.fullResend).toMatch(/full resend asked for at .* \(hrsync resend\)/);
    expect(full.report.counts).toMatchObject({ unchanged: 0 });
    // Fifty a request; a manager brought ahead of its report can leave one request short.
    expect(full.requests).toBeGreaterThanOrEqual(WORKERS / 50);
    expect(full.requests).toBeLessThanOrEqual(WORKERS / 50 + 1);
    expect((await d.ledger.getSourceState('default'))?.resendRequestedAt).toBeUndefined();
    expect((await d.night(night0())).requests).toBe(0);
  }, 180_000);
});
