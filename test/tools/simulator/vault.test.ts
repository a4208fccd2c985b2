import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { graphToken } from './helpers.js';

describe('Key Vault secrets, through @azure/keyvault-secrets', () => {
  let sim: Simulator;
  let client: SecretClient;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, clientSecret: 'first', vaultSecrets: { 'app-cert': '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n' } });
    process.env.IDENTITY_ENDPOINT = sim.settings.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = sim.settings.IDENTITY_HEADER;
    client = new SecretClient(sim.settings.HRSYNC_KEY_VAULT_URL as string, new ManagedIdentityCredential(), { disableChallengeResourceVerification: true });
  });
  afterAll(async () => {
    await sim.close();
    for (const [name, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('answers a request without a token with the challenge the SDK follows', async () => {
    const res = await fetch(`${sim.url}/secrets/hrsync-client-secret?api-version=7.5`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer authorization="${sim.url}/${sim.settings.HRSYNC_TENANT_ID}", resource="https://vault.azure.net"`);
  });

  it('serves the app secret to SecretClient.getSecret', async () => {
    const secret = await client.getSecret('hrsync-client-secret');
    expect(secret.value).toBe('first');
    expect(secret.properties.id).toBe(`${sim.url}/secrets/hrsync-client-secret/${secret.properties.version}`);
  });

  it('serves the new current version after rotateSecret and still the old one by version', async () => {
    const before = await client.getSecret('hrsync-client-secret');
    sim.rotateSecret('second');
    const after = await client.getSecret('hrsync-client-secret');
    expect(after.value).toBe('second');
    expect(after.properties.version).not.toBe(before.properties.version);
    const old = await client.getSecret('hrsync-client-secret', { version: before.properties.version as string });
    expect(old.value).toBe('first');
  });

  it('serves extra secrets, marking PEM content', async () => {
    const cert = await client.getSecret('app-cert');
    expect(cert.properties.contentType).toBe('application/x-pem-file');
  });

  it('answers 404 SecretNotFound for an unknown secret', async () => {
    await expect(client.getSecret('missing')).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });

  it('refuses a Graph token', async () => {
    const res = await fetch(`${sim.url}/secrets/hrsync-client-secret?api-version=7.5`, { headers: { Authorization: `Bearer ${await graphToken(sim)}` } });
    expect(res.status).toBe(401);
  });
});
