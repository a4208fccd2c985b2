// Entra sign-in as @azure/identity (MSAL) uses it: instance discovery, OpenID metadata and the
// v2.0 token endpoint for client credentials (secret or certificate assertion); plus the App
// Service managed-identity endpoint that ManagedIdentityCredential calls when IDENTITY_ENDPOINT
// and IDENTITY_HEADER are set.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { checkClientAssertion } from './client-assertion.js';
import { readBody, sendJson } from './http.js';
import type { Exchange, SimState } from './state.js';
import { audienceOf } from './tokens.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The managed-identity endpoint's path (IDENTITY_ENDPOINT). */
export const MSI_PATH = '/msi/token';

const TENANT_PATH = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

/** Answers sign-in paths; returns false when the path is not one of them. */
export async function handleSignIn(state: SimState, ex: Exchange): Promise<boolean> {
  const { pathname } = ex.url;
  if (pathname === MSI_PATH) {
    handleManagedIdentity(state, ex);
    return true;
  }
  if (pathname === '/common/discovery/instance') {
    handleInstanceDiscovery(state, ex);
    return true;
  }
  const m = TENANT_PATH.exec(pathname);
  if (m === null) return false;
  const tenant = decodeURIComponent(m[1] as string);
  if (tenant !== state.opts.tenantId) {
    aadError(ex, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`);
    return true;
  }
  const what = m[2] as string;
  if (what.startsWith('v2.0')) sendJson(ex.res, 200, openIdConfiguration(state.baseUrl, tenant));
  else if (what.startsWith('discovery')) sendJson(ex.res, 200, { keys: [] });
  else await handleToken(state, ex);
  return true;
}

function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  const root = `${base}/${tenant}`;
  return {
    issuer: `${root}/v2.0`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    token_endpoint: `${root}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    jwks_uri: `${root}/discovery/v2.0/keys`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

function handleInstanceDiscovery(state: SimState, ex: Exchange): void {
  const host = new URL(state.baseUrl).host;
  const endpoint = ex.url.searchParams.get('authorization_endpoint') ?? '';
  const tenant = /^https:\/\/[^/]+\/([^/]+)\//.exec(endpoint)?.[1] ?? state.opts.tenantId;
  sendJson(ex.res, 200, {
    tenant_discovery_endpoint: `${state.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

async function handleToken(state: SimState, ex: Exchange): Promise<void> {
  if (ex.req.method !== 'POST') {
    aadError(ex, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    return;
  }
  const form = new URLSearchParams(await readBody(ex.req));
  if (form.get('grant_type') !== 'client_credentials') {
    aadError(ex, 400, 'unsupported_grant_type', 70003, 'The simulator supports only the client_credentials grant.');
    return;
  }
  if (form.get('client_id') !== state.opts.clientId) {
    aadError(ex, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`);
    return;
  }
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (!sameText(secret, state.clientSecret)) {
      aadError(
        ex,
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
      return;
    }
  } else if (assertion !== null) {
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      aadError(ex, 400, 'invalid_request', 50027, `client_assertion_type must be ${ASSERTION_TYPE}.`);
      return;
    }
    const endpoint = `${state.baseUrl}/${state.opts.tenantId}/oauth2/v2.0/token`;
    const check = checkClientAssertion(assertion, state.clientCertificates, state.opts.clientId, endpoint, Math.floor(Date.now() / 1000));
    if (!check.ok) {
      aadError(ex, 401, 'invalid_client', check.code, check.description.replace(/^AADSTS\d+: /, ''));
      return;
    }
  } else {
    aadError(ex, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    return;
  }
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s !== '' && !['openid', 'profile', 'offline_access'].includes(s));
  const scope = scopes[0];
  const audience = scopes.length === 1 && scope !== undefined && scope.endsWith('/.default') ? audienceOf(scope) : undefined;
  if (audience === undefined) {
    aadError(
      ex,
      400,
      'invalid_scope',
      1002012,
      'The provided value for scope is not valid. Client credential flows must ask for one resource with the /.default suffix: https://graph.microsoft.com/.default or https://vault.azure.net/.default.',
    );
    return;
  }
  const lifetime = state.opts.tokenLifetimeSeconds;
  const { token } = state.tokens.issue(audience, audience === 'graph' ? state.permissions : [], lifetime, state.opts.clientId);
  sendJson(ex.res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token }, { 'Cache-Control': 'no-store' });
}

function handleManagedIdentity(state: SimState, ex: Exchange): void {
  const { req, url, res } = ex;
  const header = req.headers['x-identity-header'];
  if (typeof header !== 'string' || !sameText(header, state.identityHeader)) {
    sendJson(res, 401, { statusCode: 401, message: 'The X-IDENTITY-HEADER header is missing or wrong.' });
    return;
  }
  if (req.method !== 'GET' || url.searchParams.get('api-version') !== '2019-08-01') {
    sendJson(res, 400, { statusCode: 400, message: 'Expected GET with api-version=2019-08-01.' });
    return;
  }
  const clientId = url.searchParams.get('client_id');
  if (clientId !== null && clientId !== state.opts.managedIdentityClientId) {
    sendJson(res, 400, { statusCode: 400, message: 'No managed identity with that client_id is assigned to this app.' });
    return;
  }
  if (url.searchParams.has('principal_id') || url.searchParams.has('mi_res_id')) {
    sendJson(res, 400, { statusCode: 400, message: 'The simulator identifies managed identities by client_id only.' });
    return;
  }
  const resource = url.searchParams.get('resource') ?? '';
  const audience = audienceOf(resource);
  if (audience === undefined) {
    sendJson(res, 400, { statusCode: 400, message: `Resource '${resource}' is not one the simulator issues tokens for (Graph or Key Vault).` });
    return;
  }
  const lifetime = state.opts.tokenLifetimeSeconds;
  const subject = clientId ?? 'system-assigned';
  const { token, expiresAt } = state.tokens.issue(audience, audience === 'graph' ? state.permissions : [], lifetime, subject);
  sendJson(res, 200, {
    access_token: token,
    expires_on: String(Math.floor(expiresAt / 1000)),
    resource,
    token_type: 'Bearer',
    client_id: clientId ?? state.opts.managedIdentityClientId ?? '00000000-0000-0000-0000-000000000000',
  });
}

function aadError(ex: Exchange, status: number, error: string, code: number, description: string): void {
  const traceId = randomUUID();
  sendJson(ex.res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${ex.ids.clientRequestId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: ex.ids.clientRequestId,
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
