import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { faultOptions, withFaultOptions } from '../../../cli/simulator-flags.js';
import type { FaultFlags } from '../../../cli/simulator-flags.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { runSimulatorCommand } from '../../../tools/simulator/main.js';
import type { SimulatorCommandArgs } from '../../../tools/simulator/main.js';
import { bulkBody, graphToken, upload, userOp, waitForLog } from './helpers.js';

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
  return {
    lines,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}

describe('runSimulatorCommand', () => {
  it('prints URLs as comments and NAME=value settings, serves until stopped, then closes', async () => {
    const { lines, stop } = await started({ processingDelayMs: 20 });
    const settings = Object.fromEntries(lines.filter((l) => !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(lines.filter((l) => !l.startsWith('#')).every((l) => /^[A-Z_]+=\S+$/.test(l))).toBe(true);
    expect(settings.HRSYNC_GRAPH_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
    expect(settings.HRSYNC_CREDENTIAL).toBe('client-secret');
    expect(settings.HRSYNC_KEY_VAULT_LOCAL).toBe('true');
    expect(Object.keys(settings)).toEqual(
      expect.arrayContaining([
        'HRSYNC_JOB_ID',
        'HRSYNC_SERVICE_PRINCIPAL_ID',
        'HRSYNC_TENANT_ID',
        'HRSYNC_CLIENT_ID',
        'HRSYNC_AUTHORITY_HOST',
        'HRSYNC_KEY_VAULT_URL',
        'HRSYNC_KEY_VAULT_SECRET_NAME',
        'IDENTITY_ENDPOINT',
        'IDENTITY_HEADER',
      ]),
    );
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

/** The fault options `hrsync simulator <argv>` asks for, parsed by the command's own flags. */
function fromFlags(...argv: string[]): ReturnType<typeof faultOptions> {
  const cmd = withFaultOptions(new Command('simulator').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return faultOptions(cmd.opts<FaultFlags>());
}

describe('hrsync simulator fault flags', () => {
  it("turn into the simulator's fault options", () => {
    expect(
      fromFlags(
        '--throttle',
        '5%',
        '--retry-after',
        'none',
        '--error-500',
        '0.01',
        '--error-503',
        '2%',
        '--bucket-full',
        '0.005',
        '--drop',
        '1%',
        '--slow',
        '250',
        '--log-delay',
        '4000',
        '--seed',
        '7',
      ),
    ).toEqual({
      faults: { throttleShare: 0.05, retryAfterSeconds: null, error500Share: 0.01, error503Share: 0.02, bucketFullShare: 0.005, dropShare: 0.01, slowMs: 250, seed: 7 },
      logDelayMs: 4000,
    });
    expect(fromFlags('--fail-records', '7$', '--fail-times', '2')).toEqual({
      faults: { recordRules: [{ match: /7$/, times: 2, errorCode: 'ServiceUnavailable', reason: 'Failure injected by the simulator (--fail-records)', retryable: true }] },
    });
    expect(fromFlags('--fail-records', '^E1', '--fail-code', 'InvalidAttributeSyntax', '--fail-reason', 'Bad value').faults?.recordRules?.[0]).toMatchObject({
      errorCode: 'InvalidAttributeSyntax',
      reason: 'Bad value',
      retryable: false,
    });
    expect(fromFlags()).toEqual({});
  });

  it('make the simulator answer 429 without Retry-After, and fail the records named, as asked', async () => {
    const sim = await startSimulator({ processingDelayMs: 20, rateLimit: false, ...fromFlags('--throttle', '1', '--retry-after', 'none') });
    try {
      const token = await graphToken(sim);
      const res = await upload(sim, token, bulkBody([userOp('T1')]));
      expect(res.status).toBe(429);
      expect(res.headers.has('retry-after')).toBe(false);
    } finally {
      await sim.close();
    }
    const failing = await startSimulator({ processingDelayMs: 20, rateLimit: false, ...fromFlags('--fail-records', '7$', '--fail-times', '1') });
    try {
      const token = await graphToken(failing);
      expect((await upload(failing, token, bulkBody([userOp('E6'), userOp('E7')]))).status).toBe(202);
      const entries = await waitForLog(failing, token, 2);
      expect(entries.map((e) => [e.sourceIdentity.id, e.provisioningStatusInfo.status, e.provisioningStatusInfo.errorInformation?.errorCode ?? null])).toEqual([
        ['E6', 'success', null],
        ['E7', 'failure', 'ServiceUnavailable'],
      ]);
      // Once only: the resend goes through.
      expect((await upload(failing, token, bulkBody([userOp('E7')]))).status).toBe(202);
      expect((await waitForLog(failing, token, 3))[2]?.provisioningStatusInfo.status).toBe('success');
    } finally {
      await failing.close();
    }
  });

  it('says what the rehearsal injects', async () => {
    const { lines, stop } = await started(fromFlags('--throttle', '5%', '--retry-after', 'none', '--fail-records', '7$', '--log-delay', '3000'));
    await stop();
    expect(lines).toContain('#   Faults:           5% of bulkUpload calls answered 429 (without Retry-After)');
    expect(lines).toContain('#   Faults:           log entries 3000 ms late');
    expect(lines).toContain('#   Faults:           records matching /7$/ fail with ServiceUnavailable, every time');
  });

  it('refuses what the simulator could not do, naming the flag', async () => {
    const { runCli } = await import('../../cli/run-cli.js');
    const over = await runCli('simulator', '--throttle', '150%');
    expect(over.code).toBe(2);
    expect(over.err).toContain('--throttle must be a share of calls from 0 to 1, or a percentage such as 5%; got "150%"');
    const sum = await runCli('simulator', '--throttle', '0.6', '--error-503', '0.5');
    expect(sum.code).toBe(2);
    expect(sum.err).toContain('add up to more than 100% of calls');
    const orphan = await runCli('simulator', '--fail-times', '2');
    expect(orphan.code).toBe(2);
    expect(orphan.err).toContain('--fail-times applies to the records --fail-records picks');
    const regex = await runCli('simulator', '--fail-records', '(');
    expect(regex.code).toBe(2);
    expect(regex.err).toContain('--fail-records must be a regular expression');
  });
});
