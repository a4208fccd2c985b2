// Client-certificate mode against the simulator: the PEM certificate + private key is a Key Vault
// secret read with the managed identity; MSAL signs client assertions with it. Own file, own
// worker (MSAL's process-wide managed-identity cache).
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { bulkOf, setIdentityEndpoint, simClient, user } from './simulator-client.js';

let sim: Simulator;
let restoreEnv: () => void;
let privateKey: string;

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: 'hrsync-app' }], { keyType: 'rsa', algorithm: 'sha256' });
  privateKey = pems.private;
  sim = await startSimulator({
    processingDelayMs: 10,
    clientCertificates: [pems.cert],
    vaultSecrets: { 'hrsync-cert': `${pems.cert.trim()}\n${pems.private.trim()}\n`, 'not-a-pem': 'MIIKbase64-pfx-bytes' },
  });
  restoreEnv = setIdentityEndpoint(sim);
});

afterAll(async () => {
  restoreEnv();
  await sim.close();
});

describe('client certificate from Key Vault against the simulator', () => {
  it('signs in with the certificate and uploads', async () => {
    const { client, logger } = simClient(sim, { HRSYNC_CREDENTIAL: 'client-certificate', HRSYNC_KEY_VAULT_SECRET_NAME: 'hrsync-cert' });
    await expect(client.uploadBulkRequest(bulkOf([user('C-1')]))).resolves.toMatchObject({ status: 202 });
    const keyBody = privateKey.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    expect(logger.text()).not.toContain(keyBody);
  });

  it('explains a vault secret that is not PEM', async () => {
    const { client } = simClient(sim, { HRSYNC_CREDENTIAL: 'client-certificate', HRSYNC_KEY_VAULT_SECRET_NAME: 'not-a-pem' });
    await expect(client.uploadBulkRequest(bulkOf([user('C-2')]))).rejects.toThrow(/must hold a PEM certificate followed by its unencrypted private key/);
  });
});
