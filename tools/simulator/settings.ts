// The environment that points hrsync at a running simulator: the variables of docs/settings.md.

export interface SettingsInput {
  baseUrl: string;
  servicePrincipalId: string;
  jobId: string;
  tenantId: string;
  clientId: string;
  secretName: string;
  identityHeader: string;
  caCertPath: string;
  rateLimit: { requests: number; windowSeconds: number } | false;
}

/** Every HRSYNC_* setting (plus IDENTITY_ENDPOINT/IDENTITY_HEADER and NODE_EXTRA_CA_CERTS) for this simulator. */
export function simulatorSettings(s: SettingsInput): Record<string, string> {
  return {
    HRSYNC_GRAPH_URL: `${s.baseUrl}/v1.0`,
    HRSYNC_SERVICE_PRINCIPAL_ID: s.servicePrincipalId,
    HRSYNC_JOB_ID: s.jobId,
    // The secret mode exercises the whole path: managed identity → Key Vault → app secret → Graph.
    HRSYNC_CREDENTIAL: 'client-secret',
    HRSYNC_TENANT_ID: s.tenantId,
    HRSYNC_CLIENT_ID: s.clientId,
    HRSYNC_AUTHORITY_HOST: s.baseUrl,
    HRSYNC_KEY_VAULT_URL: s.baseUrl,
    HRSYNC_KEY_VAULT_SECRET_NAME: s.secretName,
    HRSYNC_KEY_VAULT_LOCAL: 'true',
    ...(s.rateLimit === false ? {} : { HRSYNC_RATE_LIMIT_REQUESTS: String(s.rateLimit.requests), HRSYNC_RATE_LIMIT_WINDOW_SECONDS: String(s.rateLimit.windowSeconds) }),
    IDENTITY_ENDPOINT: `${s.baseUrl}/msi/token`,
    IDENTITY_HEADER: s.identityHeader,
    NODE_EXTRA_CA_CERTS: s.caCertPath,
  };
}
