// Tokens for Graph. One credential object lives for the life of the client (the SDKs cache and
// refresh its tokens); on top of it we keep the current token until shortly before it expires,
// so a burst of requests costs one getToken call. After a 401 the credential is rebuilt once,
// re-reading the secret or certificate from Key Vault, so a rotated secret is picked up without
// a restart. Secrets and tokens are never logged and never put in error messages.

import type { AccessToken, TokenCredential } from '@azure/identity';
import { AzureCliCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AppCredentialSettings, CredentialSettings } from '../config/settings.js';
import { errorFromNetworkFailure } from './classify-response.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { AuthError, TransientError, UnreachableError } from './errors.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';

/** The scope of every Graph token hrsync asks for. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Refresh this long before expiry when the SDK gives no refresh hint. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export interface GraphToken {
  token: string;
  /** Which credential build produced it: a 401 for an older generation needs no new rebuild. */
  generation: number;
}

/** Hands out Graph tokens and rebuilds the credential after a 401. */
export interface TokenProvider {
  getToken(): Promise<GraphToken>;
  /** Rebuilds the credential (re-reading Key Vault) unless a newer generation than `staleGeneration` already exists. */
  refresh(staleGeneration: number): Promise<void>;
}

export interface SecretReader {
  getSecret(name: string): Promise<{ value?: string | undefined }>;
}

/** How credentials are built; tests substitute fakes. */
export interface CredentialFactories {
  managedIdentity(clientId: string | undefined): TokenCredential;
  /** The user signed in with `az login` (workstations only). */
  azureCli(tenantId: string): TokenCredential;
  secretReader(vaultUrl: string, credential: TokenCredential, local: boolean): SecretReader;
  clientSecret(settings: AppCredentialSettings, secret: string): TokenCredential;
  clientCertificate(settings: AppCredentialSettings, pem: string): TokenCredential;
}

function appCredentialOptions(settings: AppCredentialSettings): { authorityHost: string; disableInstanceDiscovery?: boolean } {
  // Instance discovery asks login.microsoftonline.com about the authority; a local authority is unknown there.
  return { authorityHost: settings.authorityHost, ...(settings.keyVaultLocal ? { disableInstanceDiscovery: true } : {}) };
}

/** The real factories: @azure/identity credentials and a Key Vault SecretClient. */
export const azureCredentialFactories: CredentialFactories = {
  managedIdentity: (clientId) => (clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId })),
  azureCli: (tenantId) => new AzureCliCredential({ tenantId }),
  // The vault's challenge names a resource; only a local vault may skip checking it against vault.azure.net.
  secretReader: (vaultUrl, credential, local) => new SecretClient(vaultUrl, credential, local ? { disableChallengeResourceVerification: true } : {}),
  clientSecret: (s, secret) => new ClientSecretCredential(s.tenantId, s.clientId, secret, appCredentialOptions(s)),
  clientCertificate: (s, pem) => new ClientCertificateCredential(s.tenantId, s.clientId, { certificate: pem }, appCredentialOptions(s)),
};

export interface TokenProviderDeps {
  factories?: CredentialFactories;
  clock?: Clock;
  logger?: Logger;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function isPemWithKey(value: string): boolean {
  return /-----BEGIN CERTIFICATE-----/.test(value) && /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(value);
}

/** Builds the token provider for the configured credential kind. */
export function createTokenProvider(settings: CredentialSettings, deps: TokenProviderDeps = {}): TokenProvider {
  return new CachingTokenProvider(settings, deps.factories ?? azureCredentialFactories, deps.clock ?? systemClock, deps.logger ?? silentLogger);
}

class CachingTokenProvider implements TokenProvider {
  private credential: Promise<TokenCredential> | undefined;
  private vaultReader: SecretReader | undefined;
  private generation = 0;
  private cached: { token: string; refreshAt: number; generation: number } | undefined;
  private fetching: Promise<GraphToken> | undefined;
  private rebuilding: Promise<void> | undefined;

  constructor(
    private readonly settings: CredentialSettings,
    private readonly factories: CredentialFactories,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async getToken(): Promise<GraphToken> {
    if (this.rebuilding !== undefined) await this.rebuilding;
    const cached = this.cached;
    if (cached !== undefined && this.clock.now() < cached.refreshAt) return { token: cached.token, generation: cached.generation };
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  async refresh(staleGeneration: number): Promise<void> {
    if (staleGeneration !== this.generation) return;
    this.rebuilding ??= this.rebuild().finally(() => {
      this.rebuilding = undefined;
    });
    await this.rebuilding;
  }

  private async rebuild(): Promise<void> {
    this.logger.warn('Rebuilding the Graph credential after 401', {
      credential: this.settings.kind,
      rereadsKeyVault: this.settings.kind !== 'managed-identity',
    });
    this.cached = undefined;
    this.credential = undefined;
    this.generation += 1;
    await this.ensureCredential();
  }

  private ensureCredential(): Promise<TokenCredential> {
    this.credential ??= this.buildCredential().catch((error: unknown) => {
      this.credential = undefined;
      throw error;
    });
    return this.credential;
  }

  private async buildCredential(): Promise<TokenCredential> {
    const s = this.settings;
    if (s.kind === 'managed-identity') return this.factories.managedIdentity(s.managedIdentityClientId);
    const value = await this.readVaultSecret(s);
    if (s.kind === 'client-secret') return this.factories.clientSecret(s, value);
    if (!isPemWithKey(value)) {
      throw new AuthError(`Key Vault secret ${s.keyVaultSecretName} must hold a PEM certificate followed by its unencrypted private key for client-certificate mode`, {});
    }
    return this.factories.clientCertificate(s, value);
  }

  private async readVaultSecret(s: AppCredentialSettings): Promise<string> {
    // The vault is reached with the managed identity (or, on a workstation, the az login user); the app credential is what it unlocks.
    const reader = s.keyVaultCredential === 'azure-cli' ? this.factories.azureCli(s.tenantId) : this.factories.managedIdentity(s.managedIdentityClientId);
    this.vaultReader ??= this.factories.secretReader(s.keyVaultUrl, reader, s.keyVaultLocal);
    let secret: { value?: string | undefined };
    try {
      secret = await this.vaultReader.getSecret(s.keyVaultSecretName);
    } catch (error) {
      const status = statusOf(error);
      const where = `secret ${s.keyVaultSecretName} in ${s.keyVaultUrl}`;
      if (status === undefined) {
        const network = errorFromNetworkFailure(error, { service: 'Key Vault', address: s.keyVaultUrl, setting: 'HRSYNC_KEY_VAULT_URL' });
        if (network !== undefined) throw new TransientError(`${network.message}, reading ${where}`, {}, network.reason, { cause: error });
        throw new AuthError(`Could not read ${where}: ${firstLine(error)}`, {}, [], { cause: error });
      }
      if (status >= 500 || status === 429) {
        throw new TransientError(`Could not read ${where}: ${firstLine(error)}`, { status }, 'server-error', { cause: error });
      }
      if (status === 404) throw new AuthError(`Key Vault has no ${where}; check HRSYNC_KEY_VAULT_SECRET_NAME`, { status }, [], { cause: error });
      throw new AuthError(
        `The ${s.keyVaultCredential === 'azure-cli' ? 'az login user' : 'managed identity'} may not read ${where}: grant it the "Key Vault Secrets User" role on the vault`,
        { status },
        [],
        { cause: error },
      );
    }
    if (secret.value === undefined || secret.value === '') {
      throw new AuthError(`Key Vault secret ${s.keyVaultSecretName} in ${s.keyVaultUrl} is empty`, {});
    }
    this.logger.info('Read the app credential from Key Vault', { credential: s.kind, generation: this.generation });
    return secret.value;
  }

  private async fetchToken(): Promise<GraphToken> {
    const generation = this.generation;
    const credential = await this.ensureCredential();
    let token: AccessToken | null;
    try {
      token = await credential.getToken(GRAPH_SCOPE);
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && (status >= 500 || status === 429)) {
        throw new TransientError(`Getting a Graph token failed: ${firstLine(error)}`, { status }, 'server-error', { cause: error });
      }
      // MSAL's codes for an endpoint it never reached: say which setting points where, not the code.
      if (status === undefined && /endpoints_resolution_error|network_error|Network unreachable|ECONNREFUSED|ENOTFOUND/i.test(firstLine(error))) {
        throw new UnreachableError(
          this.settings.kind === 'managed-identity'
            ? `Could not reach the managed identity endpoint${process.env['IDENTITY_ENDPOINT'] === undefined ? '' : ` at ${originOf(process.env['IDENTITY_ENDPOINT'])} (IDENTITY_ENDPOINT)`} to get a Graph token: is this running in Azure with the identity assigned? (${firstLine(error)})`
            : `Could not reach Entra sign-in at ${originOf(this.settings.authorityHost)} (HRSYNC_AUTHORITY_HOST) to get a Graph token for tenant ${this.settings.tenantId}: check the address, the network and the tenant id (${firstLine(error)})`,
          { cause: error },
        );
      }
      throw new AuthError(`Getting a Graph token with ${this.settings.kind} failed: ${firstLine(error)}`, status === undefined ? {} : { status }, [], {
        cause: error,
      });
    }
    if (token === null) throw new AuthError(`The ${this.settings.kind} credential returned no Graph token`, {});
    const refreshAt = Math.min(token.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY, token.expiresOnTimestamp - REFRESH_BEFORE_EXPIRY_MS);
    // A token fetched with a credential that was replaced meanwhile is still usable once, but not cached.
    if (generation === this.generation) this.cached = { token: token.token, refreshAt, generation };
    return { token: token.token, generation };
  }
}

// An address as messages show it: scheme, host and port only (a path or query can hold a secret).
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return JSON.stringify(url.slice(0, 80));
  }
}
