// Managed-identity mode against the simulator: @azure/identity finds the App Service endpoint
// through IDENTITY_ENDPOINT/IDENTITY_HEADER; no Key Vault involved. Own file, own worker: MSAL
// caches managed-identity tokens process-wide, so one simulator per process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../../lib/provisioning/errors.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { bulkOf, collect, setIdentityEndpoint, simClient, user, waitForEntries } from './simulator-client.js';

const USER_ASSIGNED = '0d5e2c7a-1b3f-4e6a-9c8d-7f6e5d4c3b2a';
let sim: Simulator;
let restoreEnv: () => void;

beforeAll(async () => {
  sim = await startSimulator({ processingDelayMs: 10, managedIdentityClientId: USER_ASSIGNED });
  restoreEnv = setIdentityEndpoint(sim);
});

afterAll(async () => {
  restoreEnv();
  await sim.close();
});

describe('managed identity against the simulator', () => {
  it('uploads and reads the logs with a token from IDENTITY_ENDPOINT', async () => {
    const { client, logger, tokensSent } = simClient(sim, { HRSYNC_CREDENTIAL: 'managed-identity' });
    const since = new Date(Date.now() - 1000);
    await expect(client.uploadBulkRequest(bulkOf([user('MI-1')]))).resolves.toMatchObject({ status: 202 });
    const entries = await waitForEntries(client, since, ['MI-1']);
    expect(entries.find((e) => e.sourceIdentity?.id === 'MI-1')?.provisioningStatusInfo?.status).toBe('success');
    expect(sim.directory.has('MI-1')).toBe(true);
    // One token served every call, and Key Vault was never read.
    expect(tokensSent.size).toBe(1);
    expect(logger.lines.some((l) => l.message.includes('Key Vault'))).toBe(false);
    expect(logger.text()).not.toContain([...tokensSent][0]);
    expect(await collect(client.queryProvisioningLogs({ since, externalId: 'nobody' }))).toEqual([]);
  });

  it('uses a user-assigned identity when HRSYNC_MANAGED_IDENTITY_CLIENT_ID is set', async () => {
    const { client } = simClient(sim, { HRSYNC_CREDENTIAL: 'managed-identity', HRSYNC_MANAGED_IDENTITY_CLIENT_ID: USER_ASSIGNED });
    await expect(client.uploadBulkRequest(bulkOf([user('MI-2')]))).resolves.toMatchObject({ status: 202 });
    // The client id really is sent: one the app does not have is refused.
    const other = simClient(sim, { HRSYNC_CREDENTIAL: 'managed-identity', HRSYNC_MANAGED_IDENTITY_CLIENT_ID: '11111111-1111-4111-8111-111111111111' });
    await expect(other.client.uploadBulkRequest(bulkOf([user('MI-3')]))).rejects.toBeInstanceOf(AuthError);
  });
});
