// The local provisioning simulator: Graph bulkUpload and provisioning logs, Entra sign-in, the
// managed-identity endpoint and Key Vault secrets over HTTPS, for tests and the quick start.
// Local tooling only: never deployed, and lib/ never imports it.
export type { FaultOptions, RecordFaultRule, SimulatorOptions } from './options.js';
export type { Simulator } from './server.js';
export type { SimUser } from './directory.js';
export type { SimStats } from './state.js';
export type { SimulatorCertificate } from './certificate.js';
export type { ProvisioningObjectSummary } from './log-entry.js';
export { startSimulator } from './server.js';
export { ensureSimulatorCertificate, DEFAULT_CERTIFICATE_DIR } from './certificate.js';
export { MANAGER_NOT_FOUND_ERROR_CODE } from './processor.js';
export { DEFAULT_JOB_ID, DEFAULT_SERVICE_PRINCIPAL_ID, DEFAULT_TENANT_ID, DEFAULT_CLIENT_ID, DEFAULT_SECRET_NAME } from './options.js';
