// The storage flags alone, apart from the clients they lead to: cli/main.ts adds them to every
// command that reads the ledger, and must not load the Azure storage SDKs to do so.
import type { Command } from 'commander';

export interface StorageFlags {
  storageAccount?: string;
  tablePrefix?: string;
  queue?: string;
}

/** Adds the storage flags to a command. */
export function withStorageOptions(cmd: Command): Command {
  return cmd
    .option('--storage-account <name>', 'storage account to sign in to with your Azure CLI / developer identity (default: the HRSYNC_STORAGE connection)')
    .option('--table-prefix <prefix>', 'prefix of the ledger tables (HRSYNC_TABLE_PREFIX)')
    .option('--queue <name>', 'the operations queue; its poison queue is <name>-poison (HRSYNC_OPERATIONS_QUEUE)');
}
