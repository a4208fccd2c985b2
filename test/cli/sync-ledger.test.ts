// `hrsync sync` sharing the pipeline's ledger (HRSYNC_STORAGE on Azurite): the second identical
// run sends nothing, leavers are disabled, a run over the guard is held until --approve, and
// the runs are in `hrsync status` like the pipeline's.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { writeNightsCsv } from '../../tools/generate/nights.js';
import type { NightSummary } from '../../tools/generate/nights.js';
import { startSimulator } from '../../tools/simulator/index.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { setIdentityEndpoint } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';

const FAST = ['--poll-interval', '100ms', '--retry-delay', '50ms', '--timeout', '30s'];
let sim: Simulator;
let azurite: AzuriteInstance;
let restore: () => void;
let dir: string;
let nights: NightSummary[];
let n = 0;
const saved: Record<string, string | undefined> = {};

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5, pageSize: 1000 }), startAzurite()]);
  restore = setIdentityEndpoint(sim);
  setEnv({ ...Object.fromEntries(Object.entries(sim.settings).filter(([k]) => k.startsWith('HRSYNC_'))), HRSYNC_STORAGE: azurite.connectionString });
  dir = await mkdtemp(join(tmpdir(), 'hrsync-sync-ledger-'));
  nights = await writeNightsCsv(dir, { workers: 400, nights: 2, seed: 5, changedShare: 0.02, leaverShare: 0.01, joinerShare: 0.01 });
}, 60_000);
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  restore();
  await Promise.all([sim.close(), azurite.stop(), rm(dir, { recursive: true, force: true })]);
});
beforeEach(() => {
  n++;
  sim.reset();
  setEnv({ HRSYNC_TABLE_PREFIX: `syncl${n}` });
});

const night = (i: number): string => (nights[i] as NightSummary).file;

describe('hrsync sync with the ledger', () => {
  it('sends only what changed, disables the leavers, and lists its runs in hrsync status', async () => {
    const first = await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST);
    expect(first.code).toBe(0);
    expect(first.err).not.toContain('no ledger');
    expect(first.out).toMatch(/source default\): create 400, update 0, resend 0, disable 0 \(0 absent from the extract\), unchanged 0/);

    const same = await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST, '--json');
    expect(same.code).toBe(0);
    const sameReport = JSON.parse(same.out);
    expect(sameReport.sync).toMatchObject({ requests: 0, uploaded: 0, ledger: { unchanged: 400, holding: false } });

    const n1 = nights[1] as NightSummary;
    const next = JSON.parse((await runCli('sync', night(1), '-m', 'samples/mapping.json', ...FAST, '--json')).out);
    expect(next.sync).toMatchObject({ requests: 1, uploaded: 16, disabled: 4, ledger: { leavers: 4, unchanged: 396 - 8 } });
    for (const id of n1.leavers) expect(sim.directory.get(id)?.enabled).toBe(false);

    const ledger = new RunLedger(ledgerTableNames(`syncl${n}`), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
    const runs = await ledger.listRuns();
    expect(runs.map((r) => [r.mode, r.state, r.source])).toEqual([
      ['sync', 'complete', 'default'],
      ['sync', 'complete', 'default'],
      ['sync', 'complete', 'default'],
    ]);
    const status = await runCli('status', next.sync.ledger.runId);
    expect(status.out).toContain('disabled 4 (4 absent, 0 active: false)');
    expect(await ledger.listOpenRuns()).toEqual([]);
  }, 120_000);

  it('shares the daily budget with the pipeline: what it turns away is deferred, and the next run with calls free sends exactly that', async () => {
    setEnv({ HRSYNC_DAILY_CALLS: '4' });
    try {
      const first = JSON.parse((await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST, '--json')).out);
      expect(sim.stats().requests).toBe(4);
      // Deferred: never sent, or sent once and failed, with no call left for the resend.
      const deferredIds = new Set((first.sync.deferred as Array<{ externalId: string }>).map((d) => d.externalId));
      expect(first.sync.confirmed + deferredIds.size).toBe(400);
      expect(deferredIds.size).toBeGreaterThanOrEqual(200);
      const ledger = new RunLedger(ledgerTableNames(`syncl${n}`), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
      const deferred = [];
      for await (const r of ledger.listRecords(first.sync.ledger.runId, 'dead-lettered')) deferred.push(r);
      expect(new Set(deferred.map((r) => r.externalId))).toEqual(deferredIds);
      expect(deferred.every((r) => r.lastErrorCode === 'DeferredForBudget')).toBe(true);
      // The window is kept in the ledger: a second sync finds it spent and sends nothing.
      const second = await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST, '--json');
      expect(second.code).toBe(1);
      expect(sim.stats().requests).toBe(4);
      const job = await runCli('job');
      expect(job.code).toBe(1);
      expect(job.out).toContain(': Active');
      expect(job.out).toContain('daily budget: 4 of 4 calls used in the last 24 hours, 0 left (0 kept for disables and retries)');
      expect(job.out).toMatch(/uploads wait: the daily budget of 4 calls is spent/);
      const list = await runCli('status');
      expect(list.out).toContain('job: Active');
      expect(list.out).toContain('daily budget: 4 of 4 calls used');
    } finally {
      setEnv({ HRSYNC_DAILY_CALLS: '2000' });
    }
    const before = new Map(sim.stats().perRecordSends);
    const third = JSON.parse((await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST, '--json')).out);
    expect(third.sync.deferred).toEqual([]);
    const sentAgain = [...sim.stats().perRecordSends].filter(([id, times]) => times > (before.get(id) ?? 0)).map(([id]) => id);
    expect(third.sync.ledger.unchanged).toBe(400 - sentAgain.length);
    expect(third.sync.confirmed).toBe(sentAgain.length);
  }, 120_000);

  it('hrsync job names a quarantined job, its reason and next attempt, with exit 1', async () => {
    sim.setJob({ status: 'Quarantine', quarantineReason: 'TooManyDeletes' });
    const r = await runCli('job');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/: Quarantine — the provisioning job is in quarantine \(TooManyDeletes; the service tries again at /);
    expect(r.out).toMatch(/quarantine: TooManyDeletes, since .*, next attempt .*, 1 in a row/);
    expect(r.out).toContain('last execution: Succeeded');
    const json = JSON.parse((await runCli('job', '--json')).out);
    expect(json).toMatchObject({ job: { code: 'Quarantine', quarantine: { reason: 'TooManyDeletes' } }, budget: { dailyCalls: 2000, used: 0 } });
    sim.setJob({ status: 'Active' });
    expect((await runCli('job')).code).toBe(0);
  });

  it('holds a run over the guard, sends nothing and exits 1, then sends it with --approve', async () => {
    await runCli('sync', night(0), '-m', 'samples/mapping.json', ...FAST);
    const sources = join(dir, `sources-${n}.json`);
    // --mapping wins over the source's own mapping, so that file need not exist.
    await writeFile(sources, JSON.stringify({ version: 1, sources: { default: { mapping: 'unused.json', kind: 'full', guard: { maxDisables: 1 } } } }));
    const before = sim.stats().requests;
    const held = await runCli('sync', night(1), '-m', 'samples/mapping.json', '--sources', sources, ...FAST);
    expect(held.code).toBe(1);
    expect(held.out).toContain('HELD: nothing was sent; the run went over the guard:');
    expect(held.out).toContain('maxDisables: 4 disables, more than the 1 allowed');
    expect(sim.stats().requests).toBe(before);
    const approved = await runCli('sync', night(1), '-m', 'samples/mapping.json', '--sources', sources, '--approve', ...FAST);
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/sent with --approve, over: 4 disables/);
    for (const id of (nights[1] as NightSummary).leavers) expect(sim.directory.get(id)?.enabled).toBe(false);
    const list = await runCli('status');
    expect(list.out).toMatch(/superseded/);
  }, 120_000);

  it('refuses --full-resend without a ledger, in one sentence', async () => {
    const env = { ...process.env };
    delete process.env.HRSYNC_STORAGE;
    try {
      const r = await runCli('sync', night(0), '-m', 'samples/mapping.json', '--full-resend');
      expect(r.code).toBe(2);
      expect(r.err).toBe("hrsync: --full-resend, --approve and --sources need the pipeline's ledger: set HRSYNC_STORAGE (or --storage-account)\n");
    } finally {
      process.env.HRSYNC_STORAGE = env.HRSYNC_STORAGE;
    }
  });
});
