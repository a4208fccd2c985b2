import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';

const GRAPH = 'https://graph.microsoft.com/.default';

async function appCertificate(cn: string): Promise<{ cert: string; pem: string }> {
  const made = await generate([{ name: 'commonName', value: cn }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
  return { cert: made.cert, pem: `${made.cert.trimEnd()}\n${made.private}` };
}

describe('Entra sign-in and managed identity, through @azure/identity', () => {
  let sim: Simulator;
  let registered: { cert: string; pem: string };
  let unregistered: { cert: string; pem: string };
  const secret = 'initial-secret-value';

  beforeAll(async () => {
    [registered, unregistered] = await Promise.all([appCertificate('hrsync-app'), appCertificate('someone-else')]);
    sim = await startSimulator({ processingDelayMs: 20, clientSecret: secret, clientCertificates: [registered.cert] });
  });
  afterAll(() => sim.close());

  const appOptions = (): { authorityHost: string; disableInstanceDiscovery: boolean } => ({ authorityHost: sim.url, disableInstanceDiscovery: true });
  const tenant = (): string => sim.settings.HRSYNC_TENANT_ID as string;
  const client = (): string => sim.settings.HRSYNC_CLIENT_ID as string;

  it('issues a Graph token to ClientSecretCredential that the Graph endpoints accept', async () => {
    const token = await new ClientSecretCredential(tenant(), client(), secret, appOptions()).getToken(GRAPH);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    const res = await fetch(`${sim.url}/v1.0/auditLogs/provisioning`, { headers: { Authorization: `Bearer ${token.token}` } });
    expect(res.status).toBe(200);
  });

  it('rejects a wrong secret with invalid_client', async () => {
    const credential = new ClientSecretCredential(tenant(), client(), 'wrong', appOptions());
    await expect(credential.getToken(GRAPH)).rejects.toThrow(/invalid_client[\s\S]*7000215/);
  });

  it('rejects an unknown tenant', async () => {
    const credential = new ClientSecretCredential('11111111-2222-3333-4444-555555555555', client(), secret, appOptions());
    await expect(credential.getToken(GRAPH)).rejects.toThrow();
  });

  it('accepts a client assertion signed by a registered certificate and refuses other certificates', async () => {
    const good = new ClientCertificateCredential(tenant(), client(), { certificate: registered.pem }, appOptions());
    expect((await good.getToken(GRAPH)).token).not.toBe('');
    const bad = new ClientCertificateCredential(tenant(), client(), { certificate: unregistered.pem }, appOptions());
    await expect(bad.getToken(GRAPH)).rejects.toThrow(/700027/);
  });

  it('accepts only the new secret after rotateSecret', async () => {
    sim.rotateSecret('rotated-secret-value');
    await expect(new ClientSecretCredential(tenant(), client(), secret, appOptions()).getToken(GRAPH)).rejects.toThrow(/7000215/);
    expect((await new ClientSecretCredential(tenant(), client(), 'rotated-secret-value', appOptions()).getToken(GRAPH)).token).not.toBe('');
  });

  it('serves ManagedIdentityCredential through IDENTITY_ENDPOINT/IDENTITY_HEADER', async () => {
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = sim.settings.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = sim.settings.IDENTITY_HEADER;
    try {
      const token = await new ManagedIdentityCredential().getToken(GRAPH);
      expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
      const res = await fetch(`${sim.url}/v1.0/auditLogs/provisioning`, { headers: { Authorization: `Bearer ${token.token}` } });
      expect(res.status).toBe(200);
    } finally {
      restore('IDENTITY_ENDPOINT', saved.endpoint);
      restore('IDENTITY_HEADER', saved.header);
    }
  });

  it('refuses the managed-identity endpoint without the identity header', async () => {
    const res = await fetch(`${sim.settings.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://graph.microsoft.com`);
    expect(res.status).toBe(401);
  });

  it('serves the OpenID metadata MSAL reads, pointing at this server', async () => {
    const res = await fetch(`${sim.url}/${tenant()}/v2.0/.well-known/openid-configuration`);
    const body = (await res.json()) as { token_endpoint: string; issuer: string };
    expect(body.token_endpoint).toBe(`${sim.url}/${tenant()}/oauth2/v2.0/token`);
    expect(body.issuer.startsWith(sim.url)).toBe(true);
  });

  it('refuses a scope that is not a known resource/.default', async () => {
    const res = await fetch(`${sim.url}/${tenant()}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client(), client_secret: 'rotated-secret-value', scope: 'User.Read' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_scope');
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
