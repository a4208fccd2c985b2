// The variable names documented in docs/settings.md. An infra check compares
// APP_SETTING_NAMES with the Function App's app settings, so keep both lists in
// step with that table.

/** Every `HRSYNC_*` variable hrsync reads; the Function App's app settings use these names. */
export const APP_SETTING_NAMES = [
  'HRSYNC_GRAPH_URL',
  'HRSYNC_SERVICE_PRINCIPAL_ID',
  'HRSYNC_JOB_ID',
  'HRSYNC_CREDENTIAL',
  'HRSYNC_MANAGED_IDENTITY_CLIENT_ID',
  'HRSYNC_TENANT_ID',
  'HRSYNC_CLIENT_ID',
  'HRSYNC_AUTHORITY_HOST',
  'HRSYNC_KEY_VAULT_URL',
  'HRSYNC_KEY_VAULT_SECRET_NAME',
  'HRSYNC_KEY_VAULT_LOCAL',
  'HRSYNC_KEY_VAULT_CREDENTIAL',
  'HRSYNC_RATE_LIMIT_REQUESTS',
  'HRSYNC_RATE_LIMIT_WINDOW_SECONDS',
  'HRSYNC_CONCURRENCY',
  'HRSYNC_MAX_RETRIES',
  'HRSYNC_HTTP_TIMEOUT_SECONDS',
  'HRSYNC_STORAGE',
  'HRSYNC_EXTRACTS_CONTAINER',
  'HRSYNC_EXTRACTS_SOURCE',
  'HRSYNC_REPORTS_CONTAINER',
  'HRSYNC_MAPPING_BLOB',
  'HRSYNC_SOURCES_BLOB',
  'HRSYNC_OPERATIONS_QUEUE',
  'HRSYNC_TABLE_PREFIX',
  'HRSYNC_RECONCILE_SCHEDULE',
  'HRSYNC_MAX_ATTEMPTS',
  'HRSYNC_CONFIRM_TIMEOUT_MINUTES',
  'HRSYNC_RETRY_BASE_SECONDS',
  'HRSYNC_QUEUE_BACKLOG',
  'HRSYNC_LOG_LAG_MINUTES',
] as const;

/** Variables set by the platform or read by Node and @azure/identity themselves, never by hrsync's code. */
export const PLATFORM_SETTING_NAMES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'NODE_EXTRA_CA_CERTS'] as const;

export type SettingName = (typeof APP_SETTING_NAMES)[number];
