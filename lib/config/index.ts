export { APP_SETTING_NAMES, PLATFORM_SETTING_NAMES } from './names.js';
export type { SettingName } from './names.js';
export { SettingsError } from './errors.js';
export type { SettingProblem } from './errors.js';
export type { Environment, SettingsOverrides } from './reader.js';
export { CREDENTIAL_KINDS, DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_URL, loadCredentialSettings, loadProvisioningSettings, loadSettings } from './settings.js';
export type {
  AppCredentialSettings,
  CredentialKind,
  CredentialSettings,
  GraphTarget,
  ManagedIdentityCredentialSettings,
  PacingSettings,
  ProvisioningSettings,
  Settings,
} from './settings.js';
export { BLOB_TRIGGER_SOURCES, loadExtractsSource, loadPipelineSettings, STORAGE_CONNECTION } from './pipeline.js';
export type { BlobTriggerSource, PipelineSettings } from './pipeline.js';
