// Flags of the commands that read the pipeline's storage (the ledger, the queues): the account
// and the names, each standing for the setting the Functions app reads (docs/settings.md).
import { loadPipelineSettings } from '../lib/config/pipeline.js';
import type { PipelineSettings } from '../lib/config/pipeline.js';
import { RunLedger } from '../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../lib/ledger/tables.js';
import { storageClients } from '../lib/storage/clients.js';
import type { StorageClients } from '../lib/storage/clients.js';
import type { StorageFlags } from './storage-options.js';

export type { StorageFlags } from './storage-options.js';
export { withStorageOptions } from './storage-options.js';

export interface PipelineStorage {
  settings: PipelineSettings;
  clients: StorageClients;
  ledger: RunLedger;
}

/** The pipeline's settings, storage clients and ledger as the flags and environment say; SettingsError names what is wrong. */
export function pipelineStorage(flags: StorageFlags, env: NodeJS.ProcessEnv): PipelineStorage {
  const settings = loadPipelineSettings(env, { HRSYNC_TABLE_PREFIX: flags.tablePrefix, HRSYNC_OPERATIONS_QUEUE: flags.queue });
  // An account given on the command line is reached by identity (az login): no key on the command line or in history.
  const storageEnv =
    flags.storageAccount === undefined
      ? env
      : {
          ...Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'HRSYNC_STORAGE' && !k.startsWith('HRSYNC_STORAGE__'))),
          HRSYNC_STORAGE__accountName: flags.storageAccount,
        };
  const clients = storageClients(storageEnv);
  return { settings, clients, ledger: new RunLedger(ledgerTableNames(settings.tablePrefix), clients.table) };
}
