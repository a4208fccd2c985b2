// The real client (fetch, @azure/identity, @azure/keyvault-secrets) against the local simulator:
// client-secret mode, the secret read from the simulator's Key Vault with its managed identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, BucketFullError, NotFoundError } from '../../../lib/provisioning/errors.js';
import { summarizeOutcomesAsync } from '../../../lib/provisioning/outcomes.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { MANAGER_NOT_FOUND_ERROR_CODE, startSimulator } from '../../../tools/simulator/index.js';
import type { SimClient } from './simulator-client.js';
import { bulkOf, collect, setIdentityEndpoint, simClient, user, waitForEntries } from './simulator-client.js';

const FIRST_SECRET = 'first-secret-Zq8v1x3RkP0a';
const ROTATED_SECRET = 'rotated-secret-Hn5t7c2WmY4b';
const OTHER_GUID = '00000000-1111-2222-3333-444444444444';

let sim: Simulator;
let restoreEnv: () => void;
const clients: SimClient[] = [];

function tracked(...args: Parameters<typeof simClient>): SimClient {
  const c = simClient(...args);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startSimulator({
    processingDelayMs: 10,
    pageSize: 4,
    clientSecret: FIRST_SECRET,
    faults: {
      recordRules: [{ match: /^BADUPN-/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The UPN is not valid.' }],
    },
  });
  restoreEnv = setIdentityEndpoint(sim);
});

afterAll(async () => {
  restoreEnv();
  await sim.close();
});

describe('bulkUpload against the simulator', () => {
  it('uploads with a secret read from Key Vault and returns the 202 Location', async () => {
    const { client, logger } = tracked(sim);
    const result = await client.uploadBulkRequest(bulkOf([user('U-1'), user('U-2')]));
    expect(result.status).toBe(202);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.location).toContain('/auditLogs/provisioning');
    expect(decodeURIComponent(result.location)).toContain(`jobid eq '${sim.settings.HRSYNC_JOB_ID}'`);
    expect(logger.lines.find((l) => l.message === 'Bulk request accepted')?.fields).toMatchObject({ operations: 2, externalIds: ['U-1', 'U-2'] });

    // The Location is a log query for the job: the records show up behind it once processed.
    let ids: (string | undefined)[] = [];
    for (let i = 0; i < 200 && !(ids.includes('U-1') && ids.includes('U-2')); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const entries = await collect(client.queryProvisioningLogsAt(result.location, { since: new Date(Date.now() - 60_000) }));
      expect(entries.every((e) => e.jobId === sim.settings.HRSYNC_JOB_ID)).toBe(true);
      ids = entries.map((e) => e.sourceIdentity?.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['U-1', 'U-2']));
  });

  it('says which id is wrong on 404', async () => {
    const { client } = tracked(sim, { HRSYNC_SERVICE_PRINCIPAL_ID: OTHER_GUID });
    const error = await client.uploadBulkRequest(bulkOf([user('U-3')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(`service principal ${OTHER_GUID} or job ${sim.settings.HRSYNC_JOB_ID} not found`);
    const wrongJob = tracked(sim, { HRSYNC_JOB_ID: 'API2AAD.nosuchjob' });
    await expect(wrongJob.client.uploadBulkRequest(bulkOf([user('U-3')]))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names the missing permission on 403, for upload and for logs', async () => {
    try {
      sim.setPermissions(['AuditLog.Read.All']);
      const noUpload = tracked(sim);
      const error = await noUpload.client.uploadBulkRequest(bulkOf([user('U-4')])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).status).toBe(403);
      expect((error as AuthError).missingPermissions).toEqual(['SynchronizationData-User.Upload']);

      sim.setPermissions(['SynchronizationData-User.Upload']);
      const noLogs = tracked(sim);
      await expect(collect(noLogs.client.queryProvisioningLogs({ since: new Date(0) }))).rejects.toThrow(/ProvisioningLog\.Read\.All or AuditLog\.Read\.All/);
    } finally {
      sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    }
  });

  it('after a secret rotation and a 401, re-reads Key Vault once and succeeds without a restart', async () => {
    const { client, logger } = tracked(sim);
    await client.uploadBulkRequest(bulkOf([user('R-1')]));
    sim.rotateSecret(ROTATED_SECRET);
    sim.revokeTokens();
    await expect(client.uploadBulkRequest(bulkOf([user('R-2')]))).resolves.toMatchObject({ status: 202 });
    expect(logger.lines.filter((l) => l.message === 'Read the app credential from Key Vault')).toHaveLength(2);
    expect(logger.lines.some((l) => l.message.startsWith('Graph answered 401'))).toBe(true);
    // Later calls reuse the rebuilt credential's cached token: no further Key Vault reads.
    await client.uploadBulkRequest(bulkOf([user('R-3')]));
    expect(logger.lines.filter((l) => l.message === 'Read the app credential from Key Vault')).toHaveLength(2);
  });

  it('retries injected 429s (with and without Retry-After), 500s, 503s and dropped connections to success', async () => {
    const { client, logger } = tracked(sim, { HRSYNC_MAX_RETRIES: '8' });
    const before = sim.stats();
    try {
      sim.setFaults({ throttleShare: 0.2, error500Share: 0.15, error503Share: 0.15, dropShare: 0.1, retryAfterSeconds: 0, seed: 11 });
      for (let i = 0; i < 6; i += 1) await client.uploadBulkRequest(bulkOf([user(`F-${i}-a`), user(`F-${i}-b`)]));
      sim.setFaults({ throttleShare: 0.5, retryAfterSeconds: null, seed: 5 });
      for (let i = 6; i < 10; i += 1) await client.uploadBulkRequest(bulkOf([user(`F-${i}-a`)]));
    } finally {
      sim.setFaults({ recordRules: [{ match: /^BADUPN-/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The UPN is not valid.' }] });
    }
    const after = sim.stats();
    expect(after.accepted - before.accepted).toBe(10);
    expect(after.throttled - before.throttled).toBeGreaterThan(0);
    expect(after.faults - before.faults).toBeGreaterThan(0);
    // Every record accepted exactly once: a failed attempt is never half-accepted.
    for (let i = 0; i < 10; i += 1) expect(after.perRecordSends.get(`F-${i}-a`)).toBe(1);
    const throttles = logger.lines.filter((l) => l.message === 'Graph throttled the request; waiting');
    expect(new Set(throttles.map((l) => l.fields?.retryAfterGiven))).toEqual(new Set([true, false]));
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).toContain('Graph throttled the request; waiting');
    expect(warnings).toContain('Graph call failed; retrying');
    expect(warnings).toContain('Graph call failed without an answer');
  });

  it('hands a full bucket to the caller with a 5-10 minute wait', async () => {
    const { client } = tracked(sim);
    try {
      sim.setFaults({ bucketFullShare: 1 });
      const error = await client.uploadBulkRequest(bulkOf([user('B-1')])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BucketFullError);
      expect((error as BucketFullError).retryAfterMs).toBeGreaterThanOrEqual(5 * 60_000);
      expect((error as BucketFullError).retryAfterMs).toBeLessThanOrEqual(10 * 60_000);
    } finally {
      sim.setFaults({ recordRules: [{ match: /^BADUPN-/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The UPN is not valid.' }] });
    }
  });
});

describe('provisioning logs against the simulator', () => {
  it('pages through the logs and summarises one outcome per record', async () => {
    const { client } = tracked(sim);
    const since = new Date(Date.now() - 1000);
    await client.uploadBulkRequest(bulkOf([user('L-1'), user('L-2', { manager: 'L-BOSS' }), user('BADUPN-1'), user('L-3'), user('L-4'), user('L-5')]));
    await waitForEntries(client, since, ['L-1', 'L-2', 'BADUPN-1', 'L-5']);
    // The manager arrives, then the report resends: L-2 now succeeds and L-1 is unchanged.
    await client.uploadBulkRequest(bulkOf([user('L-BOSS')]));
    await waitForEntries(client, since, ['L-BOSS']);
    const first = await summarizeOutcomesAsync(client.queryProvisioningLogs({ since }));
    expect(first.get('L-2')).toMatchObject({ status: 'failure', errorCode: MANAGER_NOT_FOUND_ERROR_CODE, retryable: true, category: 'reference-pending' });
    expect(first.get('BADUPN-1')).toMatchObject({ status: 'failure', errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', retryable: false });
    expect(first.get('L-1')).toMatchObject({ status: 'success', action: 'create' });

    const resend = new Date();
    await client.uploadBulkRequest(bulkOf([user('L-2', { manager: 'L-BOSS' }), user('L-1')]));
    await waitForEntries(client, resend, ['L-2', 'L-1']);
    const outcomes = await summarizeOutcomesAsync(client.queryProvisioningLogs({ since }));
    expect(outcomes.get('L-2')).toMatchObject({ status: 'success', action: 'create' });
    expect(outcomes.get('L-1')).toMatchObject({ status: 'skipped', action: 'other' });
    expect([...outcomes.keys()].filter((id) => /^(L-|BADUPN-)/.test(id)).sort()).toEqual(['BADUPN-1', 'L-1', 'L-2', 'L-3', 'L-4', 'L-5', 'L-BOSS']);

    const failures = await collect(client.queryProvisioningLogs({ since, status: 'failure' }));
    expect(new Set(failures.map((e) => e.sourceIdentity?.id))).toEqual(new Set(['L-2', 'BADUPN-1']));
    const one = await collect(client.queryProvisioningLogs({ since, externalId: 'L-2' }));
    expect(one.map((e) => e.provisioningStatusInfo?.status)).toEqual(['failure', 'success']);
  });
});

describe('what the client logged', () => {
  it('holds no secret, no token and no display name', () => {
    const text = clients.map((c) => c.logger.text()).join('\n');
    const tokens = new Set(clients.flatMap((c) => [...c.tokensSent]));
    expect(tokens.size).toBeGreaterThan(1);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain(FIRST_SECRET);
    expect(text).not.toContain(ROTATED_SECRET);
    expect(text).not.toMatch(/Bearer|Person /);
  });
});
