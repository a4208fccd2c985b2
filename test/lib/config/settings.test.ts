import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_SETTING_NAMES, PLATFORM_SETTING_NAMES, SettingsError, loadCredentialSettings, loadProvisioningSettings, loadSettings } from '../../../lib/config/index.js';

const SP = '11111111-2222-3333-4444-555555555555';
const JOB = 'API2AAD.0123456789abcdef0123456789abcdef.0a1b2c3d-0000-4000-8000-000000000000';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as SettingsError).problems.map((p) => p.message);
  }
  throw new Error('expected a SettingsError');
}

describe('loadSettings', () => {
  it('applies the documented defaults to an empty environment', () => {
    const s = loadSettings({});
    expect(s.graph).toEqual({ graphUrl: 'https://graph.microsoft.com/v1.0' });
    expect(s.credential).toEqual({ kind: 'managed-identity' });
    expect(s.pacing).toEqual({
      rateLimitRequests: 40,
      rateLimitWindowSeconds: 5,
      concurrency: 4,
      maxRetries: 5,
      httpTimeoutSeconds: 30,
      dailyCalls: 2000,
      budgetReservePercent: 10,
    });
  });

  it('does not demand the upload ids, but validates them when present', () => {
    expect(loadSettings({ HRSYNC_SERVICE_PRINCIPAL_ID: SP }).graph.servicePrincipalId).toBe(SP);
    expect(problemsOf(() => loadSettings({ HRSYNC_SERVICE_PRINCIPAL_ID: 'nope' }))).toEqual([
      'HRSYNC_SERVICE_PRINCIPAL_ID must be a GUID like 00000000-0000-0000-0000-000000000000, got "nope"',
    ]);
  });

  it('strips a trailing slash from URLs and rejects plain http', () => {
    expect(loadSettings({ HRSYNC_GRAPH_URL: 'https://127.0.0.1:8443/v1.0/' }).graph.graphUrl).toBe('https://127.0.0.1:8443/v1.0');
    expect(problemsOf(() => loadSettings({ HRSYNC_GRAPH_URL: 'http://graph.example/v1.0' }))[0]).toMatch(/^HRSYNC_GRAPH_URL must be an https URL/);
    expect(problemsOf(() => loadSettings({ HRSYNC_GRAPH_URL: 'not a url' }))[0]).toMatch(/^HRSYNC_GRAPH_URL must be an https URL/);
  });

  it('reads the user-assigned managed identity client id', () => {
    expect(loadSettings({ HRSYNC_MANAGED_IDENTITY_CLIENT_ID: CLIENT.toUpperCase() }).credential).toEqual({
      kind: 'managed-identity',
      managedIdentityClientId: CLIENT,
    });
  });

  it('requires the app registration and vault in client-secret mode, naming the mode', () => {
    const problems = problemsOf(() => loadSettings({ HRSYNC_CREDENTIAL: 'client-secret' }));
    expect(problems).toEqual([
      'HRSYNC_TENANT_ID is required when HRSYNC_CREDENTIAL is client-secret',
      'HRSYNC_CLIENT_ID is required when HRSYNC_CREDENTIAL is client-secret',
      'HRSYNC_KEY_VAULT_URL is required when HRSYNC_CREDENTIAL is client-secret',
      'HRSYNC_KEY_VAULT_SECRET_NAME is required when HRSYNC_CREDENTIAL is client-secret',
    ]);
  });

  it('reads a complete client-certificate configuration with local Key Vault mode', () => {
    const s = loadSettings({
      HRSYNC_CREDENTIAL: 'client-certificate',
      HRSYNC_TENANT_ID: 'contoso.onmicrosoft.com',
      HRSYNC_CLIENT_ID: CLIENT,
      HRSYNC_AUTHORITY_HOST: 'https://localhost:9443/',
      HRSYNC_KEY_VAULT_URL: 'https://localhost:9443/vault/',
      HRSYNC_KEY_VAULT_SECRET_NAME: 'hrsync-cert',
      HRSYNC_KEY_VAULT_LOCAL: 'TRUE',
      HRSYNC_KEY_VAULT_CREDENTIAL: 'azure-cli',
    });
    expect(s.credential).toEqual({
      kind: 'client-certificate',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: CLIENT,
      authorityHost: 'https://localhost:9443',
      keyVaultUrl: 'https://localhost:9443/vault',
      keyVaultSecretName: 'hrsync-cert',
      keyVaultLocal: true,
      keyVaultCredential: 'azure-cli',
    });
  });

  it('collects every problem into one error that lists each variable', () => {
    const env = {
      HRSYNC_CREDENTIAL: 'password',
      HRSYNC_KEY_VAULT_LOCAL: 'yes',
      HRSYNC_KEY_VAULT_CREDENTIAL: 'browser',
      HRSYNC_RATE_LIMIT_REQUESTS: '0',
      HRSYNC_CONCURRENCY: 'four',
      HRSYNC_MAX_RETRIES: '-1',
      HRSYNC_HTTP_TIMEOUT_SECONDS: '1.5',
    };
    let error: SettingsError | undefined;
    try {
      loadSettings(env);
    } catch (e) {
      error = e as SettingsError;
    }
    expect(error?.problems.map((p) => p.variable)).toEqual([
      'HRSYNC_CREDENTIAL',
      'HRSYNC_KEY_VAULT_LOCAL',
      'HRSYNC_KEY_VAULT_CREDENTIAL',
      'HRSYNC_RATE_LIMIT_REQUESTS',
      'HRSYNC_CONCURRENCY',
      'HRSYNC_MAX_RETRIES',
      'HRSYNC_HTTP_TIMEOUT_SECONDS',
    ]);
    expect(error?.message).toContain('Invalid settings (7)');
    expect(error?.message).toContain('HRSYNC_CREDENTIAL must be one of managed-identity | client-secret | client-certificate, got "password"');
    expect(error?.message).toContain('HRSYNC_KEY_VAULT_LOCAL must be true or false');
    expect(error?.message).toContain('HRSYNC_CONCURRENCY must be a whole number from 1 to 256, got "four"');
  });

  it('treats an empty or blank variable as unset', () => {
    expect(loadSettings({ HRSYNC_CONCURRENCY: '  ', HRSYNC_GRAPH_URL: '' }).pacing.concurrency).toBe(4);
  });
});

describe('loadProvisioningSettings', () => {
  it('requires the service principal and job ids', () => {
    expect(problemsOf(() => loadProvisioningSettings({}))).toEqual([
      'HRSYNC_SERVICE_PRINCIPAL_ID is required to upload or read provisioning logs',
      'HRSYNC_JOB_ID is required to upload or read provisioning logs',
    ]);
  });

  it('rejects a job id that could break out of the URL path or the OData literal', () => {
    const problems = problemsOf(() => loadProvisioningSettings({ HRSYNC_SERVICE_PRINCIPAL_ID: SP, HRSYNC_JOB_ID: "x' or 1 eq 1" }));
    expect(problems[0]).toMatch(/^HRSYNC_JOB_ID must be a synchronization job id/);
  });

  it('lets overrides win over the environment and says so in errors', () => {
    const s = loadProvisioningSettings(
      { HRSYNC_SERVICE_PRINCIPAL_ID: 'bad', HRSYNC_JOB_ID: 'bad job' },
      { HRSYNC_SERVICE_PRINCIPAL_ID: SP, HRSYNC_JOB_ID: JOB, HRSYNC_GRAPH_URL: 'https://sim.local/v1.0' },
    );
    expect(s.graph).toEqual({ graphUrl: 'https://sim.local/v1.0', servicePrincipalId: SP, jobId: JOB });
    expect(problemsOf(() => loadProvisioningSettings({ HRSYNC_JOB_ID: JOB }, { HRSYNC_SERVICE_PRINCIPAL_ID: 'x' }))).toEqual([
      'HRSYNC_SERVICE_PRINCIPAL_ID (overridden) must be a GUID like 00000000-0000-0000-0000-000000000000, got "x"',
    ]);
  });
});

describe('loadCredentialSettings', () => {
  it('validates only the credential variables', () => {
    expect(loadCredentialSettings({ HRSYNC_CONCURRENCY: 'not checked here' })).toEqual({ kind: 'managed-identity' });
    expect(problemsOf(() => loadCredentialSettings({ HRSYNC_MANAGED_IDENTITY_CLIENT_ID: 'x' }))).toHaveLength(1);
  });
});

describe('setting names', () => {
  it('lists exactly the variables documented in docs/settings.md', () => {
    const doc = readFileSync(new URL('../../../docs/settings.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/`((?:HRSYNC|IDENTITY|NODE)_[A-Z_]+)`/g)].map((m) => m[1]));
    expect(new Set([...APP_SETTING_NAMES, ...PLATFORM_SETTING_NAMES])).toEqual(documented);
  });
});
