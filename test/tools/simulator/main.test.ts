import { describe, expect, it } from 'vitest';
import { runSimulatorCommand } from '../../../tools/simulator/main.js';
import type { SimulatorCommandArgs } from '../../../tools/simulator/main.js';

/** Starts the command and resolves once it has printed its settings, with its lines so far and a stop. */
async function started(args: SimulatorCommandArgs): Promise<{ lines: string[]; stop: () => Promise<void> }> {
  const lines: string[] = [];
  const abort = new AbortController();
  let printed!: () => void;
  const ready = new Promise<void>((resolve) => (printed = resolve));
  const running = runSimulatorCommand(args, {
    signal: abort.signal,
    write: (line) => {
      lines.push(line);
      if (line.startsWith('NODE_EXTRA_CA_CERTS=')) printed();
    },
  });
  await ready;
  return { lines, stop: async () => { abort.abort(); await running; } };
}

describe('runSimulatorCommand', () => {
  it('prints URLs as comments and NAME=value settings, serves until stopped, then closes', async () => {
    const { lines, stop } = await started({ processingDelayMs: 20 });
    const settings = Object.fromEntries(lines.filter((l) => !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(lines.filter((l) => !l.startsWith('#')).every((l) => /^[A-Z_]+=\S+$/.test(l))).toBe(true);
    expect(settings.HRSYNC_GRAPH_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
    expect(settings.HRSYNC_CREDENTIAL).toBe('client-secret');
    expect(settings.HRSYNC_KEY_VAULT_LOCAL).toBe('true');
    expect(Object.keys(settings)).toEqual(expect.arrayContaining(['HRSYNC_JOB_ID', 'HRSYNC_SERVICE_PRINCIPAL_ID', 'HRSYNC_TENANT_ID', 'HRSYNC_CLIENT_ID', 'HRSYNC_AUTHORITY_HOST', 'HRSYNC_KEY_VAULT_URL', 'HRSYNC_KEY_VAULT_SECRET_NAME', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER']));
    expect(lines.some((l) => l.startsWith('#') && l.includes(settings.HRSYNC_GRAPH_URL as string))).toBe(true);

    const graph = settings.HRSYNC_GRAPH_URL as string;
    expect((await fetch(`${graph}/auditLogs/provisioning`)).status).toBe(401);
    await stop();
    await expect(fetch(`${graph}/auditLogs/provisioning`)).rejects.toThrow(TypeError);
  });
});

describe('hrsync simulator flags', () => {
  it('starts with the job paused and a daily quota, and says so', async () => {
    const { lines, stop } = await started({ job: { status: 'Paused' }, dailyQuota: 10 });
    expect(lines).toContain('#   The job is Paused: uploads are staged, not processed');
    expect(lines).toContain('#   Daily quota:      10 bulkUpload calls per 24 hours');
    await stop();
  });

  it('refuses a job state the service does not have, naming the flag', async () => {
    const { runCli } = await import('../../cli/run-cli.js');
    const r = await runCli('simulator', '--job-status', 'Sleeping');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--job-status must be one of Active, Paused, Quarantine, NotRun, NotConfigured; got "Sleeping"');
    const q = await runCli('simulator', '--daily-quota', 'lots');
    expect(q.code).toBe(2);
    expect(q.err).toContain('--daily-quota must be a whole number of calls');
  });
});
