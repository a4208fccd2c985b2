// `hrsync status` against the simulator over real HTTPS, through the same client production uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../tools/simulator/index.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { parseSince } from '../../cli/commands/status.js';
import { bulkOf, setIdentityEndpoint, simClient, user } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';

describe('hrsync status', () => {
  let sim: Simulator;
  let restoreIdentity: () => void;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 10 });
    restoreIdentity = setIdentityEndpoint(sim);
    // The command reads its settings from the environment, as it does for a user.
    for (const [name, value] of Object.entries(sim.settings)) {
      if (!name.startsWith('HRSYNC_')) continue;
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const { client } = simClient(sim);
    await client.uploadBulkRequest(bulkOf([user('E1'), user('E2', { manager: 'E1' }), user('E3', { manager: 'NOBODY', displayName: 'Zoë Secret' })]));
    const deadline = Date.now() + 10_000;
    while (sim.directory.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    restoreIdentity();
    await sim.close();
  });

  it('counts entries by action and status and names each failing record with its reason', async () => {
    const r = await runCli('status', '--since', '10m');
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toContain('3 log entries for 3 records');
    expect(r.out).toContain('create success: 2');
    expect(r.out).toContain('1 record failing');
    expect(r.out).toMatch(/E3: UnresolvedReference \(retryable\)/);
    expect(r.out).not.toContain('Zoë Secret');
  });

  it('writes the same summary as JSON', async () => {
    const r = await runCli('status', '--since', new Date(Date.now() - 600_000).toISOString(), '--json');
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ entries: 3, records: 3, jobId: sim.settings.HRSYNC_JOB_ID });
    expect(report.failures).toEqual([expect.objectContaining({ externalId: 'E3', status: 'failure', retryable: true })]);
  });

  it('sees nothing before the window and exits 0', async () => {
    const r = await runCli('status', '--since', new Date(Date.now() + 60_000).toISOString());
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 log entries for 0 records');
  });

  it('names the setting or the ids at fault, exit 2', async () => {
    const badJob = await runCli('status', '--since', '1h', '--service-principal-id', 'not-a-guid');
    expect(badJob.code).toBe(2);
    expect(badJob.err).toContain('HRSYNC_SERVICE_PRINCIPAL_ID');
    const badSince = await runCli('status', '--since', 'yesterday');
    expect(badSince.code).toBe(2);
    expect(badSince.err).toContain('--since must be');
  });
});

describe('parseSince', () => {
  it('reads spans back from now and ISO times', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-11-22T11:30:00.000Z');
    expect(parseSince('2d', now).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00Z').toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});
