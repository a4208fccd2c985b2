// `hrsync status` without a run id: the pipeline on one screen, against Azurite (the ledger and
// the API gate the functions share) and the simulator (the job over real HTTPS). One world per
// file; each test gets its own ledger tables.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../lib/core/lifecycle.js';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import { StoredGate, gateSettingsOf } from '../../lib/provisioning/gate.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { DEFAULT_PERMISSIONS } from '../../tools/simulator/options.js';
import { startSimulator } from '../../tools/simulator/index.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { setIdentityEndpoint } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';

let sim: Simulator;
let azurite: AzuriteInstance;
let restoreIdentity: () => void;
let ledger: RunLedger;
let n = 0;
const saved: Record<string, string | undefined> = {};

function setEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

beforeAll(async () => {
  [sim, azurite] = await Promise.all([startSimulator({ processingDelayMs: 5 }), startAzurite()]);
  restoreIdentity = setIdentityEndpoint(sim);
  setEnv({ ...Object.fromEntries(Object.entries(sim.settings).filter(([k]) => k.startsWith('HRSYNC_'))), HRSYNC_STORAGE: azurite.connectionString });
}, 60_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  restoreIdentity();
  await Promise.all([sim.close(), azurite.stop()]);
});

beforeEach(() => {
  n++;
  sim.reset();
  sim.setJob({ status: 'Active' });
  sim.setPermissions([...DEFAULT_PERMISSIONS]);
  setEnv({
    HRSYNC_TABLE_PREFIX: `ovw${n}`,
    HRSYNC_DAILY_CALLS: '20',
    HRSYNC_SERVICE_PRINCIPAL_ID: sim.settings.HRSYNC_SERVICE_PRINCIPAL_ID,
    HRSYNC_JOB_ID: sim.settings.HRSYNC_JOB_ID,
  });
  ledger = new RunLedger(ledgerTableNames(`ovw${n}`), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
});

const HELD = '20261206-aaaaaaaaaaaaaaaaaaaa';
const STOPPED = '20261205-bbbbbbbbbbbbbbbbbbbb';
const OPEN = '20261204-cccccccccccccccccccc';
const op = (id: string): string => JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, displayName: 'Zoë Secret' } });
const at = (iso: string): number => Date.parse(iso);

/** A held run of three, a run stopped by the failure share with one record on its way, and an open run whose queued records wait for different things. */
async function seedTenant(): Promise<void> {
  await ledger.beginRun({ runId: HELD, file: 'hr-extracts/hr/2026-12-06.csv', etag: '"1"', startedAt: '2026-12-06T01:00:00.000Z', source: 'hr', kind: 'full' });
  await ledger.addRecords(
    HELD,
    ['H1', 'H2', 'H3'].map((id, i) => ({ externalId: id, line: i + 2, payload: op(id), payloadHash: id, state: 'held' as const })),
  );
  await ledger.finishIngest(HELD, {
    rows: 3,
    valid: 3,
    rejected: 0,
    at: '2026-12-06T01:00:05.000Z',
    held: [{ threshold: 'maxDisables', limit: 25, actual: 620, message: '620 disables, more than the 25 allowed' }],
  });

  await ledger.beginRun({ runId: STOPPED, file: 'hr-extracts/hr/2026-12-05.csv', etag: '"2"', startedAt: '2026-12-05T01:00:00.000Z', source: 'hr', kind: 'full' });
  await ledger.addRecords(STOPPED, [{ externalId: 'S1', line: 2, payload: op('S1'), payloadHash: 'S1' }]);
  await ledger.finishIngest(STOPPED, { rows: 1, valid: 1, rejected: 0, at: '2026-12-05T01:00:05.000Z' });
  await ledger.markSubmitted(STOPPED, ['S1'], { requestId: 'req-s', at: '2026-12-05T01:00:06.000Z' });
  await ledger.stopRun(
    STOPPED,
    { threshold: 'maxFailedPercent', limit: 20, actual: 31, message: '62 of 200 outcomes in the provisioning logs failed (31%; at most 20% allowed)' },
    '2026-12-05T01:30:00.000Z',
  );

  // O1 submitted; O2 waits for its manager O1; O3 awaits a retry; O4, O5 creates and O6 a disable, ready to go.
  const ids = ['O1', 'O2', 'O3', 'O4', 'O5', 'O6'];
  await ledger.beginRun({ runId: OPEN, file: 'hr-extracts/contractors/2026-12-04.csv', etag: '"3"', startedAt: '2026-12-04T01:00:00.000Z', source: 'contractors', kind: 'full' });
  await ledger.addRecords(
    OPEN,
    ids.map((id, i) => ({ externalId: id, line: i + 2, payload: op(id), payloadHash: id, ...(id === 'O6' ? { intent: 'disable' as const } : {}) })),
  );
  await ledger.markEnqueued(OPEN, ids);
  await ledger.finishIngest(OPEN, { rows: 6, valid: 6, rejected: 0, at: '2026-12-04T01:00:05.000Z' });
  await ledger.markSubmitted(OPEN, ['O1', 'O2', 'O3'], { requestId: 'req-o', at: '2026-12-04T01:00:06.000Z' });
  const failed = (category?: string): Extract<LifecycleEvent, { type: 'logged' }>['outcome'] => ({
    status: 'failure',
    errorCode: category === undefined ? 'ServiceUnavailable' : 'UnresolvedReference',
    reason: 'later',
    retryable: true,
    at: at('2026-12-04T01:01:00.000Z'),
    ...(category === undefined ? {} : { category }),
  });
  await ledger.transition(OPEN, 'O2', {
    type: 'logged',
    outcome: failed('reference-pending'),
    manager: { externalId: 'O1', state: 'submitted', waitable: true },
    now: at('2026-12-04T01:01:00.000Z'),
  });
  await ledger.transition(OPEN, 'O3', { type: 'logged', outcome: failed(), now: at('2026-12-04T01:01:00.000Z') });
}

/** Spends the daily budget for creates and updates as the senders would: 18 of 20 (2 kept for disables and retries). */
async function spendBudget(): Promise<void> {
  const gate = new StoredGate(ledger.gateStore(), gateSettingsOf({ dailyCalls: 20, budgetReservePercent: 10 }));
  for (let i = 0; i < 18; i++) expect((await gate.take('normal')).open).toBe(true);
  expect((await gate.take('normal')).open).toBe(false);
}

/** Terminal rows the text takes at 100 columns. */
const rows = (text: string): number =>
  text
    .trimEnd()
    .split('\n')
    .reduce((sum, l) => sum + Math.max(1, Math.ceil([...l].length / 100)), 0);

describe('hrsync status: the pipeline on one screen', () => {
  it('a quarantined job, a held run, a stopped run and records waiting: each named with what to do, on one screen, exit 1', async () => {
    await seedTenant();
    sim.setJob({ status: 'Quarantine', quarantineReason: 'TooManyDeletes' });
    const r = await runCli('status');
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const out = r.out;
    expect(out.split('\n')[0]).toBe('needs a person: 1 held run to approve or discard; 1 stopped run (too many failures); the provisioning job is Quarantine');
    expect(out).toMatch(/^job: Quarantine \(read from Graph at \S+\); uploads wait$/m);
    expect(out).toMatch(/^ {2}quarantine: TooManyDeletes, since \S+, next attempt \S+, 1 in a row$/m);
    expect(out).toContain('  → fix the cause, then start the job');
    expect(out).toContain('daily budget: 0 of 20 calls used in the last 24 hours, 20 left (2 kept for disables and retries)');
    // Every queued record not waiting for its manager or its retry waits for the job, the disable included.
    expect(out).toContain('waiting: 2 open runs, 5 queued, 2 submitted (their outcome not yet in the provisioning logs)');
    expect(out).toMatch(/^ {2}queued: 1 for their manager, 3 for the job until \S+, 1 for their retry$/m);
    expect(out).toContain(`  ${HELD} (source hr, hr-extracts/hr/2026-12-06.csv): 3 records held, nothing sent`);
    expect(out).toContain('    maxDisables: 620 disables, more than the 25 allowed');
    expect(out).toContain(`    → hrsync approve ${HELD} sends it; hrsync discard (same id) ends it unsent`);
    expect(out).toContain(`  ${STOPPED} (source hr): 62 of 200 outcomes in the provisioning logs failed (31%; at most 20% allowed)`);
    expect(out).toContain('    held once its 1 record on its way is final; then hrsync approve or discard it');
    expect(out).toContain('3 latest runs, newest first:');
    expect(out).toMatch(new RegExp(`^ {2}${OPEN} {2}ingested {4}2026-12-04T01:00 {2}contractors {2}hr-extracts/contractors/2026-12-04.csv$`, 'm'));
    expect(out).toContain('      rows 6, rejected 0: open 6');
    expect(out).not.toContain('Zoë');
    expect(rows(out)).toBeLessThanOrEqual(40);

    const json = JSON.parse((await runCli('status', '--json')).out);
    expect(json.needsAPerson).toHaveLength(3);
    expect(json.job).toMatchObject({ source: 'graph', health: { code: 'Quarantine', quarantine: { reason: 'TooManyDeletes' } } });
    expect(json.job.unread).toBeUndefined();
    expect(json.api).toMatchObject({ dailyCalls: 20, reserve: 2, used: 0, left: 20, closed: { why: 'job' } });
    expect(json.waiting).toEqual({
      openRuns: 2,
      queued: 5,
      submitted: 2,
      forManager: 1,
      retrying: 1,
      forBudget: 0,
      forJob: 3,
      forPause: 0,
      sendable: 0,
      until: json.api.closed.until,
    });
    expect(json.held.map((l: { run: { runId: string } }) => l.run.runId)).toEqual([HELD]);
    expect(json.held[0]).toMatchObject({ run: { held: [{ threshold: 'maxDisables', limit: 25, actual: 620 }] }, counts: { held: 3 } });
    expect(json.stopped).toEqual([
      expect.objectContaining({ run: expect.objectContaining({ runId: STOPPED, stoppedAt: '2026-12-05T01:30:00.000Z' }), counts: expect.objectContaining({ submitted: 1 }) }),
    ]);
    expect(json.open).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId: OPEN, source: 'contractors', queued: 5, submitted: 1, waitingForManager: 1, retrying: 1, disables: 1, ready: 2 }),
        expect.objectContaining({ runId: STOPPED, queued: 0, submitted: 1 }),
      ]),
    );
    expect(json.open).toHaveLength(2);
    expect(json.runs.map((l: { run: { runId: string } }) => l.run.runId)).toEqual([HELD, STOPPED, OPEN]);
    expect(json.poisonedExtracts).toEqual({ total: 0, extracts: [] });
  });

  it('a spent budget keeps creates and updates back until the next call, disables go on the reserve; nothing needs a person, exit 0', async () => {
    await seedTenant();
    await ledger.decideHeld(HELD, { kind: 'discarded', at: '2026-12-06T02:00:00.000Z', by: 'test' });
    await ledger.transition(STOPPED, 'S1', {
      type: 'logged',
      outcome: { status: 'success', action: 'create', at: at('2026-12-05T01:40:00.000Z') },
      now: at('2026-12-05T01:40:00.000Z'),
    });
    expect(await ledger.holdStoppedRun(STOPPED)).toBe(true);
    await ledger.decideHeld(STOPPED, { kind: 'discarded', at: '2026-12-06T02:00:00.000Z', by: 'test' });
    await spendBudget();
    const r = await runCli('status');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('nothing needs a person');
    expect(r.out).toMatch(/^job: Active \(read from Graph at \S+\)$/m);
    expect(r.out).toContain('daily budget: 18 of 20 calls used in the last 24 hours, 2 left (2 kept for disables and retries)');
    expect(r.out).toMatch(/^ {2}next call for creates and updates: 20\d\d-/m);
    expect(r.out).toMatch(/^ {2}queued: 1 for their manager, 2 for the daily budget until \S+, 1 for their retry, 1 free to go$/m);
    expect(r.out).not.toContain('held:');
    expect(r.out).not.toContain('stopped:');
    const json = JSON.parse((await runCli('status', '--json')).out);
    expect(json).toMatchObject({ needsAPerson: [], held: [], stopped: [], waiting: { forBudget: 2, sendable: 1, forJob: 0 } });
    expect(json.waiting.until).toBe(json.api.nextCallAt);
  });

  it("with only HRSYNC_STORAGE set it says what it could not read, shows reconcile's last read of the job, and still lists everything", async () => {
    await seedTenant();
    setEnv({ HRSYNC_SERVICE_PRINCIPAL_ID: undefined, HRSYNC_JOB_ID: undefined });
    const before = sim.stats().requests;
    const r = await runCli('status');
    expect(r.err).toBe('');
    expect(r.code).toBe(1); // the held and stopped runs
    expect(r.out).toContain('job: not read — not configured here: HRSYNC_SERVICE_PRINCIPAL_ID and HRSYNC_JOB_ID are not set\n  reconcile has not read it either\n');
    expect(r.out).toContain('daily budget: 0 of 20 calls used');
    expect(r.out).toContain('  queued: 1 for their manager, 1 for their retry, 3 free to go');
    expect(sim.stats().requests).toBe(before);

    // Reconcile noted a paused job a minute ago: uploads wait for it, so a person is needed even though this command cannot read the job.
    const gate = new StoredGate(ledger.gateStore(), gateSettingsOf({ dailyCalls: 20, budgetReservePercent: 10 }));
    await gate.noteJob({ code: 'Paused', checkedAt: new Date(Date.now() - 60_000).toISOString() });
    const json = JSON.parse((await runCli('status', '--json')).out);
    expect(json.job).toMatchObject({ source: 'reconcile', health: { code: 'Paused' }, unread: { why: 'not-configured' } });
    expect(json.needsAPerson).toContain('the provisioning job is Paused');
    expect(json.waiting).toMatchObject({ forJob: 3, sendable: 0 });
    const text = await runCli('status');
    expect(text.out).toMatch(/^ {2}as reconcile last read it at \S+: Paused$/m);
    expect(text.out).toContain('  → start it in the provisioning app (Provisioning → Start provisioning) and uploads resume');
  });

  it('names the permission it lacks to read the job; an empty ledger is nothing to do, exit 0', async () => {
    sim.setPermissions(DEFAULT_PERMISSIONS.filter((p) => !p.startsWith('Synchronization.Read')));
    const r = await runCli('status');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^job: not read — Graph refused to show the job: it needs the application permission Synchronization\.Read\.All/m);
    expect(r.out).toContain('waiting: nothing (no open run)');
    expect(r.out).toContain('no runs in the ledger yet');
    expect(JSON.parse((await runCli('status', '--json')).out).job).toEqual({
      source: 'none',
      unread: { why: 'permission', detail: expect.stringContaining('Synchronization.Read.All'), missingPermissions: ['Synchronization.Read.All'] },
    });
  });
});
