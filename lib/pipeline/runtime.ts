// Everything the functions need, built once per process from the app settings: the ledger,
// the queues, the reports container, the provisioning client and the mapping. Storage is
// reached through the HRSYNC_STORAGE connection as lib/storage resolves it (connection string,
// or identity by the Functions convention).
import { loadPipelineSettings } from '../config/pipeline.js';
import type { PipelineSettings } from '../config/pipeline.js';
import type { Environment } from '../config/reader.js';
import { loadProvisioningSettings } from '../config/settings.js';
import { RunLedger } from '../ledger/run-ledger.js';
import { ledgerTableNames } from '../ledger/tables.js';
import type { Mapping } from '../mapping/types.js';
import { createProvisioningClient } from '../provisioning/client.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import type { Logger } from '../provisioning/logger.js';
import { storageClients } from '../storage/clients.js';
import type { StorageClients } from '../storage/clients.js';
import { azureQueue } from './azure-queue.js';
import { azureReports } from './azure-reports.js';
import { mappingFromBlob } from './mapping-blob.js';
import type { OperationQueue, ReportSink } from './ports.js';

/** What the three functions share within one process. */
export interface PipelineRuntime {
  settings: PipelineSettings;
  ledger: RunLedger;
  queue: OperationQueue;
  poison: OperationQueue;
  reports: ReportSink;
  client: ProvisioningClient;
  storage: StorageClients;
  /** The mapping blob, read and compiled again only when its ETag changes. */
  loadMapping(): Promise<Mapping>;
}

/** Builds the runtime from app settings; every setting is checked here, at start-up. */
export function createPipelineRuntime(env: Environment, logger: Logger, options: { maxThrottleWaitMs?: number } = {}): PipelineRuntime {
  const settings = loadPipelineSettings(env);
  const provisioning = loadProvisioningSettings(env);
  const storage = storageClients(env);
  const mappingBlob = storage.blobService.getContainerClient(settings.mappingBlob.container).getBlockBlobClient(settings.mappingBlob.name);
  return {
    settings,
    ledger: new RunLedger(ledgerTableNames(settings.tablePrefix), storage.table),
    queue: azureQueue(storage.queue(settings.operationsQueue)),
    poison: azureQueue(storage.queue(settings.poisonQueue)),
    reports: azureReports(storage.blobService.getContainerClient(settings.reportsContainer)),
    // Throttling beyond a short wait is handed back to the queue rather than held in the invocation.
    client: createProvisioningClient(provisioning, { logger, retry: { maxThrottleWaitMs: options.maxThrottleWaitMs ?? 30_000 } }),
    storage,
    loadMapping: mappingFromBlob(mappingBlob, `${settings.mappingBlob.container}/${settings.mappingBlob.name}`),
  };
}
