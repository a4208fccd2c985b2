// Key Vault secrets: versioned values served with challenge authentication, as
// @azure/keyvault-secrets expects: a request without a token gets a 401 whose WWW-Authenticate
// names the authority and resource to get one from.
import { randomBytes } from 'node:crypto';
import { sendJson } from './http.js';
import type { Exchange, SimState } from './state.js';

interface SecretVersion {
  version: string;
  value: string;
  created: number;
}

/** The vault's secrets, newest version last. */
export class Vault {
  private readonly secrets = new Map<string, SecretVersion[]>();

  /** Adds a new current version of `name`. */
  set(name: string, value: string): string {
    const version = randomBytes(16).toString('hex');
    const versions = this.secrets.get(name) ?? [];
    versions.push({ version, value, created: Math.floor(Date.now() / 1000) });
    this.secrets.set(name, versions);
    return version;
  }

  /** The current version, or the named one. */
  get(name: string, version?: string): SecretVersion | undefined {
    const versions = this.secrets.get(name);
    if (versions === undefined) return undefined;
    return version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === version);
  }
}

const SECRET_PATH = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]{32}))?\/?$/;

/** Whether the path is a vault path this module answers. */
export function isVaultPath(pathname: string): boolean {
  return pathname === '/secrets' || pathname.startsWith('/secrets/');
}

/** GET /secrets/{name}[/{version}]?api-version=… */
export function handleVault(state: SimState, ex: Exchange): void {
  const { req, res, url } = ex;
  const challenge = `Bearer authorization="${state.baseUrl}/${state.opts.tenantId}", resource="https://vault.azure.net"`;
  const check = state.tokens.check(req.headers.authorization, 'vault');
  if (!check.ok) {
    const message =
      check.reason === 'missing'
        ? 'AKV10000: Request is missing a Bearer or PoP token.'
        : check.reason === 'expired'
          ? 'AKV10032: Invalid issuer or the token has expired.'
          : 'AKV10022: Invalid audience or the token is not known to this vault.';
    sendJson(res, 401, { error: { code: 'Unauthorized', message } }, { 'WWW-Authenticate': challenge });
    return;
  }
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: { code: 'MethodNotAllowed', message: 'The simulator vault serves GET on secrets only.' } });
    return;
  }
  if (!url.searchParams.has('api-version')) {
    sendJson(res, 400, { error: { code: 'BadParameter', message: 'The request URI is missing the api-version query parameter.' } });
    return;
  }
  const m = SECRET_PATH.exec(url.pathname);
  if (m === null) {
    sendJson(res, 400, { error: { code: 'BadParameter', message: 'Expected /secrets/{name} or /secrets/{name}/{version}.' } });
    return;
  }
  const name = m[1] as string;
  const secret = state.vault.get(name, m[2]);
  if (secret === undefined) {
    const what = m[2] === undefined ? name : `${name}/${m[2]}`;
    sendJson(res, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${what} was not found in this key vault.` } });
    return;
  }
  sendJson(res, 200, {
    value: secret.value,
    ...(secret.value.includes('-----BEGIN') ? { contentType: 'application/x-pem-file' } : {}),
    id: `${state.baseUrl}/secrets/${name}/${secret.version}`,
    attributes: { enabled: true, created: secret.created, updated: secret.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
    tags: {},
  });
}
