// `hrsync sync` against the simulator over real HTTPS, as a user runs it: settings from the
// environment, flags for the ids, the report on stdout, progress and events on stderr.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../cli/commands/sync.js';
import { startSimulator } from '../../tools/simulator/index.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { setIdentityEndpoint } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';

const SECRET = 'cli-sync-secret-Vq93hT2pLx';
const FAST = ['--poll-interval', '100ms', '--retry-delay', '50ms', '--timeout', '30s'];
const SAMPLE = ['samples/workers.csv', '--mapping', 'samples/mapping.json'];

/** Every name and email in the sample extract: none may reach a log line. */
function personalData(): string[] {
  const rows = parse(readFileSync('samples/workers.csv'), { bom: true, columns: true }) as Record<string, string>[];
  const values = new Set<string>();
  for (const r of rows) {
    for (const col of ['FirstName', 'LastName', 'Email', 'PersonalEmail', 'Street']) {
      const v = r[col] ?? '';
      if (v.length >= 4) values.add(v);
    }
  }
  return [...values];
}

describe('hrsync sync', () => {
  let sim: Simulator;
  let restoreIdentity: () => void;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 5, pageSize: 500, clientSecret: SECRET });
    restoreIdentity = setIdentityEndpoint(sim);
    for (const [name, value] of Object.entries(sim.settings)) {
      if (!name.startsWith('HRSYNC_')) continue;
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });

  beforeEach(() => {
    sim.reset();
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    restoreIdentity();
    await sim.close();
  });

  it('syncs the sample extract: every record confirmed, exit 0, progress on stderr, no personal data or secret in the events', async () => {
    const r = await runCli('sync', ...SAMPLE, ...FAST, '--verbose');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/400 rows: 400 valid, 0 rejected, \d+ bulk requests/);
    expect(r.out).toMatch(/sync: 400 uploaded in \d+ bulk upload calls.*; 400 confirmed, 0 skipped by the service \(nothing to change\), 0 failed, 0 not confirmed in time/);
    expect(r.err).toContain('no ledger (HRSYNC_STORAGE is not set): every record is sent, and nobody absent from the extract is disabled\n');
    expect(r.err).toMatch(/uploading: uploaded \d+\/400/);
    expect(r.err).toMatch(/done: uploaded 400\/400 in \d+ requests; confirmed 400/);
    expect(r.err).toContain('"message":"Bulk request accepted"');
    expect(sim.directory.size).toBe(400);
    const everything = r.out + r.err;
    expect(everything).not.toContain(SECRET);
    const leaked = personalData().filter((v) => everything.includes(v));
    expect(leaked).toEqual([]);
  }, 60_000);

  it('finds nothing to change on a second run and says so', async () => {
    await runCli('sync', ...SAMPLE, ...FAST);
    const again = await runCli('sync', ...SAMPLE, ...FAST, '--json');
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out);
    expect(report.sync).toMatchObject({ uploaded: 400, confirmed: 0, skipped: 400, failed: [], notConfirmed: [] });
  }, 60_000);

  it('rejects bad rows, sends the good ones and exits 1', async () => {
    const r = await runCli('sync', 'samples/broken.csv', '--mapping', 'samples/mapping.json', ...FAST, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ rows: 16, valid: 6, rejected: 10 });
    expect(report.problems.length).toBeGreaterThanOrEqual(10);
    // Valid rows whose manager is not in the file wait for it until the attempts run out.
    expect(report.sync.uploaded).toBe(6);
    expect(report.sync.confirmed + report.sync.failed.length).toBe(6);
  }, 60_000);

  it("a rejected manager's whole chain is confirmed in one send each: the reports go without the reference, with a warning naming the manager", async () => {
    // The sample's CEO heads everyone else; a broken email rejects that one row.
    const rows = parse(readFileSync('samples/workers.csv'), { bom: true, columns: true }) as Record<string, string>[];
    const direct = rows
      .filter((r) => r['ManagerID'] === 'E000101')
      .map((r) => r['WorkerID'])
      .sort();
    const dir = mkdtempSync(join(tmpdir(), 'hrsync-cli-chain-'));
    try {
      const file = join(dir, 'workers.csv');
      writeFileSync(
        file,
        stringify(
          rows.map((r) => (r['WorkerID'] === 'E000101' ? { ...r, Email: 'not-an-email' } : r)),
          { header: true },
        ),
      );
      const r = await runCli('sync', file, '--mapping', 'samples/mapping.json', ...FAST, '--json');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out);
      expect(report).toMatchObject({ rows: 400, valid: 399, rejected: 1 });
      expect(report.sync).toMatchObject({ uploaded: 399, confirmed: 399, resent: 0, failed: [], notConfirmed: [] });
      expect(report.sync.requests).toBeLessThanOrEqual(9);
      const sends = sim.stats().perRecordSends;
      expect(sends.size).toBe(399);
      expect([...sends.values()].every((n) => n === 1)).toBe(true);
      expect(report.sync.withoutManager.map((w: { externalId: string }) => w.externalId).sort()).toEqual(direct);
      expect(report.sync.withoutManager.every((w: { manager: string; state: string }) => w.manager === 'E000101' && w.state === 'confirmed')).toBe(true);
      const warnings = report.problems.filter((p: { rule: string }) => p.rule === 'manager-rejected');
      expect(warnings).toHaveLength(direct.length);
      expect(warnings[0]).toMatchObject({ severity: 'warning', message: expect.stringMatching(/manager E000101 was rejected in this run/) });
      expect(sim.directory.size).toBe(399);
      const text = await runCli('sync', file, '--mapping', 'samples/mapping.json', ...FAST);
      expect(text.out).toMatch(/warning \[manager-rejected\] sent without its manager reference: manager E000101/);
      expect(text.out).toMatch(/sent without their manager reference: 12 records/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reports permanent failures with the service reason and exits 1', async () => {
    sim.setFaults({ recordRules: [{ match: 'E000150', errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const r = await runCli('sync', ...SAMPLE, ...FAST);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/failed:\n {2}line \d+ E000150: AzureActiveDirectoryInvalidUserPrincipalName \(permanent\) The userPrincipalName is not valid\./);
  }, 60_000);

  it('stops before uploading on --dry-run, after checking the settings', async () => {
    const r = await runCli('sync', ...SAMPLE, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`dry run: nothing was sent to job ${sim.settings.HRSYNC_JOB_ID}`);
    expect(sim.stats().requests).toBe(0);
    const bad = await runCli('sync', ...SAMPLE, '--dry-run', '--service-principal-id', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('HRSYNC_SERVICE_PRINCIPAL_ID');
  });

  it('names a wrong job id, exit 2, without waiting for logs', async () => {
    const r = await runCli('sync', ...SAMPLE, ...FAST, '--job-id', 'API2AAD.00000000000000000000000000000000.00000000-0000-0000-0000-00000000dead');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hrsync: .*(404|not found)/i);
    expect(sim.directory.size).toBe(0);
  }, 30_000);

  it('names the missing permission, exit 2', async () => {
    sim.setPermissions(['AuditLog.Read.All']);
    const r = await runCli('sync', ...SAMPLE, ...FAST);
    expect(r.code).toBe(2);
    expect(r.err).toContain('SynchronizationData-User.Upload');
    expect(r.err).not.toContain(SECRET);
  }, 30_000);

  it('sends nothing to a job that is not Active, naming its state and the quarantine reason, exit 1', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All']);
    sim.setJob({ status: 'Quarantine', quarantineReason: 'EncounteredEscrowProportionThreshold' });
    const r = await runCli('sync', ...SAMPLE, ...FAST);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nothing was sent: the provisioning job is in quarantine (EncounteredEscrowProportionThreshold; the service tries again at');
    expect(sim.stats().requests).toBe(0);
    sim.setJob({ status: 'Paused' });
    const paused = await runCli('sync', ...SAMPLE, ...FAST, '--json');
    expect(paused.code).toBe(1);
    expect(JSON.parse(paused.out)).toMatchObject({ sent: false, job: { code: 'Paused' } });
    expect(sim.stats().requests).toBe(0);
  });

  it('with a daily budget smaller than the extract, sends what it allows and reports the rest as deferred, exit 1', async () => {
    const before = process.env.HRSYNC_DAILY_CALLS;
    process.env.HRSYNC_DAILY_CALLS = '3';
    try {
      const r = await runCli('sync', ...SAMPLE, ...FAST, '--json');
      expect(r.code).toBe(1);
      const sync = (JSON.parse(r.out) as { sync: { requests: number; uploaded: number; confirmed: number; deferred: unknown[]; deferredWhy: { why: string; until: string } } })
        .sync;
      // Three calls in all: a 429 from the rate limit (earlier tests) is a call too.
      expect(sim.stats().requests).toBe(3);
      const uploaded = sim.stats().accepted * 50;
      expect(sync).toMatchObject({ requests: 3, uploaded, confirmed: uploaded });
      expect(uploaded).toBeGreaterThan(0);
      expect(sync.deferred).toHaveLength(400 - uploaded);
      expect(sync.deferredWhy.why).toBe('budget');
      expect(Date.parse(sync.deferredWhy.until)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      // Without a ledger each run has the budget to itself; the text says what waits and why.
      const text = await runCli('sync', ...SAMPLE, ...FAST);
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/deferred, not sent: \d+ records — the daily budget of 3 calls is spent .*Nothing is lost: run the sync again once calls are free/);
    } finally {
      if (before === undefined) delete process.env.HRSYNC_DAILY_CALLS;
      else process.env.HRSYNC_DAILY_CALLS = before;
    }
  });

  it('rejects malformed durations and attempts with a sentence naming the flag', async () => {
    for (const [flag, value] of [
      ['--timeout', 'soon'],
      ['--poll-interval', '5'],
      ['--max-attempts', '0'],
    ] as const) {
      const r = await runCli('sync', ...SAMPLE, flag, value);
      expect(r.code).toBe(2);
      expect(r.err).toContain(flag);
    }
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m and h', () => {
    expect(parseDuration('--x', '250ms', 0)).toBe(250);
    expect(parseDuration('--x', '1.5s', 0)).toBe(1500);
    expect(parseDuration('--x', '40m', 0)).toBe(2_400_000);
    expect(parseDuration('--x', '2h', 0)).toBe(7_200_000);
    expect(parseDuration('--x', undefined, 42)).toBe(42);
  });
});
