import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it, vi } from 'vitest';
import type { AppCredentialSettings } from '../../../lib/config/settings.js';
import type { CredentialFactories } from '../../../lib/provisioning/credential.js';
import { createTokenProvider, GRAPH_SCOPE } from '../../../lib/provisioning/credential.js';
import { AuthError, TransientError, UnreachableError } from '../../../lib/provisioning/errors.js';
import { captureLogger, FakeClock } from './fakes.js';

const HOUR = 3_600_000;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

const app: AppCredentialSettings = {
  kind: 'client-secret',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  authorityHost: 'https://login.example',
  keyVaultUrl: 'https://vault.example',
  keyVaultSecretName: 'hrsync-secret',
  keyVaultLocal: true,
  keyVaultCredential: 'managed-identity',
  managedIdentityClientId: '99999999-8888-7777-6666-555555555555',
};

/** Fake factories: each built credential mints tokens named after what built it. */
function fakes(clock: FakeClock, vault: { values: string[]; error?: unknown }) {
  let minted = 0;
  const tokenFor = (label: string): TokenCredential => ({
    getToken: vi.fn(async (scope: string | string[]): Promise<AccessToken> => {
      expect(scope).toBe(GRAPH_SCOPE);
      minted += 1;
      return { token: `${label}-token-${minted}`, expiresOnTimestamp: clock.now() + HOUR };
    }),
  });
  const getSecret = vi.fn(async () => {
    if (vault.error !== undefined) throw vault.error;
    return { value: vault.values.shift() };
  });
  const factories = {
    managedIdentity: vi.fn((clientId: string | undefined) => tokenFor(`mi:${clientId ?? 'system'}`)),
    azureCli: vi.fn((tenantId: string) => tokenFor(`cli:${tenantId}`)),
    secretReader: vi.fn((_url: string, _cred: TokenCredential, _local: boolean) => ({ getSecret })),
    clientSecret: vi.fn((_s: AppCredentialSettings, secret: string) => tokenFor(`secret:${secret}`)),
    clientCertificate: vi.fn((_s: AppCredentialSettings, _pem: string) => tokenFor('cert')),
  } satisfies CredentialFactories;
  return { factories, getSecret };
}

describe('managed identity tokens', () => {
  it('uses the user-assigned client id and caches the token until shortly before expiry', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: [] });
    const provider = createTokenProvider({ kind: 'managed-identity', managedIdentityClientId: 'mi-client' }, { factories, clock });
    const first = await provider.getToken();
    expect(first.token).toBe('mi:mi-client-token-1');
    expect((await provider.getToken()).token).toBe('mi:mi-client-token-1');
    await clock.advance(HOUR - 4 * 60_000);
    expect((await provider.getToken()).token).toBe('mi:mi-client-token-2');
    expect(factories.managedIdentity).toHaveBeenCalledTimes(1);
  });

  it('shares one token fetch among concurrent callers', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: [] });
    const provider = createTokenProvider({ kind: 'managed-identity' }, { factories, clock });
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['mi:system-token-1']));
  });
});

describe('client secret from Key Vault', () => {
  it('reads the secret with the managed identity in local mode and builds the app credential', async () => {
    const clock = new FakeClock();
    const { factories, getSecret } = fakes(clock, { values: ['s3cret-one'] });
    const provider = createTokenProvider(app, { factories, clock });
    expect((await provider.getToken()).token).toBe('secret:s3cret-one-token-1');
    expect(factories.managedIdentity).toHaveBeenCalledWith(app.managedIdentityClientId);
    expect(factories.secretReader).toHaveBeenCalledWith('https://vault.example', expect.anything(), true);
    expect(getSecret).toHaveBeenCalledWith('hrsync-secret');
  });

  it('reads the secret as the az login user when HRSYNC_KEY_VAULT_CREDENTIAL is azure-cli, and says who lacks the role', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: ['s3cret-two'] });
    const provider = createTokenProvider({ ...app, keyVaultCredential: 'azure-cli' }, { factories, clock });
    expect((await provider.getToken()).token).toBe('secret:s3cret-two-token-1');
    expect(factories.azureCli).toHaveBeenCalledWith(app.tenantId);
    expect(factories.managedIdentity).not.toHaveBeenCalled();
    const denied = fakes(clock, { values: [], error: Object.assign(new Error('Forbidden'), { statusCode: 403 }) });
    const refused = createTokenProvider({ ...app, keyVaultCredential: 'azure-cli' }, { factories: denied.factories, clock });
    await expect(refused.getToken()).rejects.toThrow(/az login user may not read secret hrsync-secret/);
  });

  it('after a 401 re-reads the rotated secret once, however many requests saw the 401', async () => {
    const clock = new FakeClock();
    const { factories, getSecret } = fakes(clock, { values: ['old-secret', 'new-secret'] });
    const logger = captureLogger();
    const provider = createTokenProvider(app, { factories, clock, logger });
    const stale = await provider.getToken();
    await Promise.all([provider.refresh(stale.generation), provider.refresh(stale.generation), provider.refresh(stale.generation)]);
    const fresh = await provider.getToken();
    expect(fresh.token).toBe('secret:new-secret-token-2');
    expect(fresh.generation).toBe(stale.generation + 1);
    await provider.refresh(stale.generation); // a late 401 for the old token changes nothing
    expect(getSecret).toHaveBeenCalledTimes(2);
    expect(logger.text()).not.toMatch(/old-secret|new-secret|token-\d/);
  });

  it('explains a vault the identity may not read, a missing secret, and retries a busy vault', async () => {
    const clock = new FakeClock();
    const forbidden = createTokenProvider(app, { factories: fakes(clock, { values: [], error: Object.assign(new Error('Forbidden'), { statusCode: 403 }) }).factories, clock });
    await expect(forbidden.getToken()).rejects.toThrow(/Key Vault Secrets User/);
    const missing = createTokenProvider(app, { factories: fakes(clock, { values: [], error: Object.assign(new Error('nf'), { statusCode: 404 }) }).factories, clock });
    await expect(missing.getToken()).rejects.toThrow(/no secret hrsync-secret in https:\/\/vault.example; check HRSYNC_KEY_VAULT_SECRET_NAME/);
    const busy = createTokenProvider(app, { factories: fakes(clock, { values: [], error: Object.assign(new Error('busy'), { statusCode: 503 }) }).factories, clock });
    await expect(busy.getToken()).rejects.toBeInstanceOf(TransientError);
    const resetError = new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
    const unreachable = createTokenProvider(app, { factories: fakes(clock, { values: [], error: resetError }).factories, clock });
    await expect(unreachable.getToken()).rejects.toBeInstanceOf(TransientError);
    const odd = createTokenProvider(app, { factories: fakes(clock, { values: [], error: new Error('Invalid vault identifier') }).factories, clock });
    await expect(odd.getToken()).rejects.toThrow(/^Could not read secret hrsync-secret in https:\/\/vault.example: Invalid vault identifier$/);
  });

  it('retries building the credential on the next call after a failure', async () => {
    const clock = new FakeClock();
    const vault: { values: string[]; error?: unknown } = { values: ['later'], error: Object.assign(new Error('busy'), { statusCode: 503 }) };
    const { factories } = fakes(clock, vault);
    const provider = createTokenProvider(app, { factories, clock });
    await expect(provider.getToken()).rejects.toBeInstanceOf(TransientError);
    delete vault.error;
    expect((await provider.getToken()).token).toBe('secret:later-token-1');
  });
});

describe('client certificate from Key Vault', () => {
  it('accepts a PEM certificate with its private key', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: [PEM] });
    const provider = createTokenProvider({ ...app, kind: 'client-certificate' }, { factories, clock });
    expect((await provider.getToken()).token).toBe('cert-token-1');
    expect(factories.clientCertificate).toHaveBeenCalledWith(expect.objectContaining({ kind: 'client-certificate' }), PEM);
  });

  it('rejects a secret that is not PEM with a key, without quoting it', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: ['MIIKbase64pfxdata'] });
    const provider = createTokenProvider({ ...app, kind: 'client-certificate' }, { factories, clock });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/must hold a PEM certificate followed by its unencrypted private key/);
    expect((error as Error).message).not.toContain('MIIK');
  });
});

describe('token failures', () => {
  it('turns an authentication failure into AuthError and a 5xx into TransientError', async () => {
    const clock = new FakeClock();
    const failingWith = (statusCode: number) =>
      ({
        ...fakes(clock, { values: [] }).factories,
        managedIdentity: () => ({ getToken: async () => Promise.reject(Object.assign(new Error('AADSTS700016: app not found\ntrace'), { statusCode })) }),
      }) satisfies CredentialFactories;
    const denied = createTokenProvider({ kind: 'managed-identity' }, { factories: failingWith(400), clock });
    await expect(denied.getToken()).rejects.toThrow(/^Getting a Graph token with managed-identity failed: AADSTS700016: app not found \(HTTP 400\)$/);
    const busy = createTokenProvider({ kind: 'managed-identity' }, { factories: failingWith(503), clock });
    await expect(busy.getToken()).rejects.toBeInstanceOf(TransientError);
  });
});

describe('a sign-in endpoint that does not answer', () => {
  it("names HRSYNC_AUTHORITY_HOST and its address instead of MSAL's code", async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: ['s3cret'] });
    factories.clientSecret.mockImplementation(() => ({
      getToken: async () => {
        throw new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details');
      },
    }));
    const provider = createTokenProvider({ ...app, authorityHost: 'https://login.example/some/path?x=1' }, { factories, clock });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/^Could not reach Entra sign-in at https:\/\/login\.example \(HRSYNC_AUTHORITY_HOST\)/);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('keeps a refusal that has an answer an AuthError', async () => {
    const clock = new FakeClock();
    const { factories } = fakes(clock, { values: ['s3cret'] });
    factories.clientSecret.mockImplementation(() => ({
      getToken: async () => {
        throw Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), { statusCode: 401 });
      },
    }));
    const error = await createTokenProvider(app, { factories, clock })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
  });
});
