import { SettingsError } from './errors.js';
import type { Environment, SettingsOverrides } from './reader.js';
import { SettingsReader } from './reader.js';

export const CREDENTIAL_KINDS = ['managed-identity', 'client-secret', 'client-certificate'] as const;
/** Who reads the app's secret from Key Vault: the managed identity in Azure, or the `az login` user on a workstation. */
export const VAULT_CREDENTIAL_KINDS = ['managed-identity', 'azure-cli'] as const;
export type VaultCredentialKind = (typeof VAULT_CREDENTIAL_KINDS)[number];
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export interface ManagedIdentityCredentialSettings {
  kind: 'managed-identity';
  /** Client id of a user-assigned identity; absent means system-assigned. */
  managedIdentityClientId?: string;
}

/** An app registration whose secret or PEM certificate is read from Key Vault with the managed identity. */
export interface AppCredentialSettings {
  kind: 'client-secret' | 'client-certificate';
  tenantId: string;
  clientId: string;
  authorityHost: string;
  keyVaultUrl: string;
  keyVaultSecretName: string;
  /** Only against the local simulator: relaxes Key Vault challenge checks and MSAL instance discovery. */
  keyVaultLocal: boolean;
  /** Who reads the vault. */
  keyVaultCredential: VaultCredentialKind;
  /** The managed identity that reads the vault; absent means system-assigned. */
  managedIdentityClientId?: string;
}

export type CredentialSettings = ManagedIdentityCredentialSettings | AppCredentialSettings;

export interface PacingSettings {
  rateLimitRequests: number;
  rateLimitWindowSeconds: number;
  concurrency: number;
  maxRetries: number;
  httpTimeoutSeconds: number;
  /** bulkUpload calls per sliding 24 hours, every sender together (2,000 on P1/P2, 6,000 with ID Governance). */
  dailyCalls: number;
  /** Share of dailyCalls (percent) only disables and retries may use. */
  budgetReservePercent: number;
}

export interface GraphTarget {
  /** Base URL including the version, no trailing slash. */
  graphUrl: string;
  servicePrincipalId: string;
  jobId: string;
}

/** Everything hrsync reads; the ids are optional here because only upload and log reading need them. */
export interface Settings {
  graph: Omit<GraphTarget, 'servicePrincipalId' | 'jobId'> & Partial<Pick<GraphTarget, 'servicePrincipalId' | 'jobId'>>;
  credential: CredentialSettings;
  pacing: PacingSettings;
}

/** What the provisioning client needs: as Settings, with the service principal and job ids required. */
export interface ProvisioningSettings {
  graph: GraphTarget;
  credential: CredentialSettings;
  pacing: PacingSettings;
}

// Job ids look like API2AAD.<32 hex>.<guid>; the id goes into a URL path and an OData string literal,
// so only characters that are safe in both are accepted rather than one exact shape.
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;
const KEY_VAULT_SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

function readGraph(r: SettingsReader, requireIds: boolean): Settings['graph'] {
  const because = requireIds ? 'to upload or read provisioning logs' : undefined;
  const graphUrl = r.httpsUrl('HRSYNC_GRAPH_URL', DEFAULT_GRAPH_URL) ?? DEFAULT_GRAPH_URL;
  const servicePrincipalId = r.guid('HRSYNC_SERVICE_PRINCIPAL_ID', because);
  const jobId = r.matching('HRSYNC_JOB_ID', JOB_ID, "must be a synchronization job id like API2AAD.<hex>.<guid> (letters, digits, '.', '-', '_')", because);
  return {
    graphUrl,
    ...(servicePrincipalId === undefined ? {} : { servicePrincipalId }),
    ...(jobId === undefined ? {} : { jobId }),
  };
}

function readCredential(r: SettingsReader): CredentialSettings {
  const kind = r.oneOf('HRSYNC_CREDENTIAL', CREDENTIAL_KINDS, 'managed-identity');
  const managedIdentityClientId = r.guid('HRSYNC_MANAGED_IDENTITY_CLIENT_ID');
  const mi = managedIdentityClientId === undefined ? {} : { managedIdentityClientId };
  // Validated in every mode so a typo is caught before someone switches modes.
  const authorityHost = r.httpsUrl('HRSYNC_AUTHORITY_HOST', DEFAULT_AUTHORITY_HOST) ?? DEFAULT_AUTHORITY_HOST;
  const keyVaultLocal = r.boolean('HRSYNC_KEY_VAULT_LOCAL', false);
  const keyVaultCredential = r.oneOf('HRSYNC_KEY_VAULT_CREDENTIAL', VAULT_CREDENTIAL_KINDS, 'managed-identity');
  if (kind === 'managed-identity') return { kind, ...mi };

  const because = `when HRSYNC_CREDENTIAL is ${kind}`;
  const tenantId = r.matching('HRSYNC_TENANT_ID', TENANT, 'must be a tenant GUID or a domain name like contoso.onmicrosoft.com', because);
  const clientId = r.guid('HRSYNC_CLIENT_ID', because);
  const keyVaultUrl = r.httpsUrl('HRSYNC_KEY_VAULT_URL', undefined, because);
  const keyVaultSecretName = r.matching('HRSYNC_KEY_VAULT_SECRET_NAME', KEY_VAULT_SECRET_NAME, 'must be a Key Vault secret name (1-127 letters, digits and dashes)', because);
  return {
    kind,
    tenantId: tenantId ?? '',
    clientId: clientId ?? '',
    authorityHost,
    keyVaultUrl: keyVaultUrl ?? '',
    keyVaultSecretName: keyVaultSecretName ?? '',
    keyVaultLocal,
    keyVaultCredential,
    ...mi,
  };
}

function readPacing(r: SettingsReader): PacingSettings {
  return {
    rateLimitRequests: r.integer('HRSYNC_RATE_LIMIT_REQUESTS', 40, 1, 10_000),
    rateLimitWindowSeconds: r.integer('HRSYNC_RATE_LIMIT_WINDOW_SECONDS', 5, 1, 86_400),
    concurrency: r.integer('HRSYNC_CONCURRENCY', 4, 1, 256),
    maxRetries: r.integer('HRSYNC_MAX_RETRIES', 5, 0, 50),
    httpTimeoutSeconds: r.integer('HRSYNC_HTTP_TIMEOUT_SECONDS', 30, 1, 3_600),
    dailyCalls: r.integer('HRSYNC_DAILY_CALLS', 2_000, 1, 1_000_000),
    budgetReservePercent: r.integer('HRSYNC_BUDGET_RESERVE_PERCENT', 10, 0, 50),
  };
}

function finish<T>(r: SettingsReader, value: T): T {
  if (r.problems.length > 0) throw new SettingsError(r.problems);
  return value;
}

/** Reads and validates every setting in docs/settings.md; throws one SettingsError listing all problems. */
export function loadSettings(env: Environment = process.env, overrides: SettingsOverrides = {}): Settings {
  const r = new SettingsReader(env, overrides);
  return finish(r, { graph: readGraph(r, false), credential: readCredential(r), pacing: readPacing(r) });
}

/** As loadSettings, but the service principal and job ids are required: for commands that upload or read logs. */
export function loadProvisioningSettings(env: Environment = process.env, overrides: SettingsOverrides = {}): ProvisioningSettings {
  const r = new SettingsReader(env, overrides);
  const graph = readGraph(r, true);
  const credential = readCredential(r);
  const pacing = readPacing(r);
  return finish(r, { graph: graph as GraphTarget, credential, pacing });
}

/** Only the credential settings: for commands that need a token but no job (e.g. checking access). */
export function loadCredentialSettings(env: Environment = process.env, overrides: SettingsOverrides = {}): CredentialSettings {
  const r = new SettingsReader(env, overrides);
  return finish(r, readCredential(r));
}

/** Only the pacing settings (rate limit, retries, the daily budget): for commands that read the budget without calling Graph. */
export function loadPacingSettings(env: Environment = process.env, overrides: SettingsOverrides = {}): PacingSettings {
  const r = new SettingsReader(env, overrides);
  return finish(r, readPacing(r));
}
