// Everything the functions need, built once per process from the app settings: the ledger,
// the queues, the reports container, the provisioning client and the mapping. Storage is
// reached through the HRSYNC_STORAGE connection, by connection string (Azurite, local runs)
// or by identity (HRSYNC_STORAGE__blobServiceUri / __queueServiceUri / __tableServiceUri or
// __accountName, with __credential=managedidentity and __clientId), the Functions convention.
import { TableClient } from '@azure/data-tables';
import { ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { SettingsError } from '../config/errors.js';
import { loadPipelineSettings, STORAGE_CONNECTION } from '../config/pipeline.js';
import type { PipelineSettings } from '../config/pipeline.js';
import type { Environment } from '../config/reader.js';
import { loadProvisioningSettings } from '../config/settings.js';
import { RunLedger } from '../ledger/run-ledger.js';
import { ledgerTableNames } from '../ledger/tables.js';
import { MappingError } from '../mapping/errors.js';
import { loadMapping, parseMappingJson } from '../mapping/load.js';
import type { Mapping } from '../mapping/types.js';
import { createProvisioningClient } from '../provisioning/client.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import type { Logger } from '../provisioning/logger.js';
import { azureQueue } from './azure-queue.js';
import { azureReports } from './azure-reports.js';
import type { OperationQueue, ReportSink } from './ports.js';

/** The storage clients of one connection. */
export interface StorageClients {
  blobs: BlobServiceClient;
  queues: QueueServiceClient;
  table(name: string): TableClient;
}

/** Resolves the HRSYNC_STORAGE connection from the environment; throws SettingsError naming the variable. */
export function storageClients(env: Environment): StorageClients {
  const name = STORAGE_CONNECTION;
  const connectionString = env[name]?.trim();
  if (connectionString !== undefined && connectionString !== '') {
    const local = connectionString === 'UseDevelopmentStorage=true' || /^DefaultEndpointsProtocol=http;/i.test(connectionString);
    return {
      blobs: BlobServiceClient.fromConnectionString(connectionString),
      queues: QueueServiceClient.fromConnectionString(connectionString),
      table: (t) => TableClient.fromConnectionString(connectionString, t, { allowInsecureConnection: local }),
    };
  }
  const account = env[`${name}__accountName`]?.trim();
  const uri = (service: 'blob' | 'queue' | 'table'): string | undefined =>
    env[`${name}__${service}ServiceUri`]?.trim() || (account ? `https://${account}.${service}.core.windows.net` : undefined);
  const [blob, queue, table] = [uri('blob'), uri('queue'), uri('table')];
  if (blob === undefined || queue === undefined || table === undefined) {
    throw new SettingsError([{ variable: name, message: `${name} is required: a storage connection string, or ${name}__accountName (or ${name}__blobServiceUri, __queueServiceUri and __tableServiceUri) for an identity-based connection` }]);
  }
  const clientId = env[`${name}__clientId`]?.trim();
  const credential: TokenCredential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  return {
    blobs: new BlobServiceClient(blob, credential),
    queues: new QueueServiceClient(queue, credential),
    table: (t) => new TableClient(table, t, credential),
  };
}

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
  const mappingBlob = storage.blobs.getContainerClient(settings.mappingBlob.container).getBlockBlobClient(settings.mappingBlob.name);
  let cached: { etag: string; mapping: Mapping } | undefined;
  return {
    settings,
    ledger: new RunLedger(ledgerTableNames(settings.tablePrefix), storage.table),
    queue: azureQueue(storage.queues.getQueueClient(settings.operationsQueue)),
    poison: azureQueue(storage.queues.getQueueClient(settings.poisonQueue)),
    reports: azureReports(storage.blobs.getContainerClient(settings.reportsContainer)),
    // Throttling beyond a short wait is handed back to the queue rather than held in the invocation.
    client: createProvisioningClient(provisioning, { logger, retry: { maxThrottleWaitMs: options.maxThrottleWaitMs ?? 30_000 } }),
    storage,
    async loadMapping() {
      const source = `${settings.mappingBlob.container}/${settings.mappingBlob.name}`;
      let etag: string;
      try {
        etag = (await mappingBlob.getProperties()).etag ?? '';
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) throw new MappingError(source, '', 'the mapping blob does not exist; upload the mapping there or change HRSYNC_MAPPING_BLOB');
        throw err;
      }
      if (cached?.etag !== etag) {
        const text = (await mappingBlob.downloadToBuffer()).toString('utf8');
        cached = { etag, mapping: loadMapping(parseMappingJson(text, source), source) };
      }
      return cached.mapping;
    },
  };
}
