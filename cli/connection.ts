// Connection flags shared by the commands that talk to Graph: each stands for one setting
// (docs/settings.md) and wins over the environment.
import type { Command } from 'commander';
import type { SettingsOverrides } from '../lib/config/reader.js';

export interface ConnectionFlags {
  graphUrl?: string;
  servicePrincipalId?: string;
  jobId?: string;
  credential?: string;
  tenantId?: string;
  clientId?: string;
  keyVaultUrl?: string;
  secretName?: string;
  managedIdentityClientId?: string;
}

/** Adds the connection and credential flags to a command. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--graph-url <url>', 'Graph base URL (HRSYNC_GRAPH_URL)')
    .option('--service-principal-id <id>', "provisioning app's service principal id (HRSYNC_SERVICE_PRINCIPAL_ID)")
    .option('--job-id <id>', 'synchronization job id (HRSYNC_JOB_ID)')
    .option('--credential <kind>', 'managed-identity, client-secret or client-certificate (HRSYNC_CREDENTIAL)')
    .option('--tenant-id <id>', 'tenant of the app registration (HRSYNC_TENANT_ID)')
    .option('--client-id <id>', "app registration's client id (HRSYNC_CLIENT_ID)")
    .option('--key-vault-url <url>', 'vault holding the secret or certificate (HRSYNC_KEY_VAULT_URL)')
    .option('--secret-name <name>', 'name of that Key Vault secret (HRSYNC_KEY_VAULT_SECRET_NAME)')
    .option('--managed-identity-client-id <id>', 'user-assigned managed identity (HRSYNC_MANAGED_IDENTITY_CLIENT_ID)');
}

/** The setting overrides that connection flags stand for. */
export function connectionOverrides(flags: ConnectionFlags): SettingsOverrides {
  return {
    HRSYNC_GRAPH_URL: flags.graphUrl,
    HRSYNC_SERVICE_PRINCIPAL_ID: flags.servicePrincipalId,
    HRSYNC_JOB_ID: flags.jobId,
    HRSYNC_CREDENTIAL: flags.credential,
    HRSYNC_TENANT_ID: flags.tenantId,
    HRSYNC_CLIENT_ID: flags.clientId,
    HRSYNC_KEY_VAULT_URL: flags.keyVaultUrl,
    HRSYNC_KEY_VAULT_SECRET_NAME: flags.secretName,
    HRSYNC_MANAGED_IDENTITY_CLIENT_ID: flags.managedIdentityClientId,
  };
}
