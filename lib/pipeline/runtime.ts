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
import { StoredGate, gateSettingsOf } from '../provisioning/gate.js';
import type { Logger } from '../core/logger.js';
import { storageClients } from '../storage/clients.js';
import type { StorageClients } from '../storage/clients.js';
import { azureQueue } from './azure-queue.js';
import { azureReports } from './azure-reports.js';
import { posix } from 'node:path';
import type { BlockBlobClient } from '@azure/storage-blob';
import type { SourceSettings, SourcesConfig } from '../sources/sources.js';
import { mappingFromBlob } from './mapping-blob.js';
import { InFlightRecords } from './in-flight.js';
import { SentRecords } from './sent-records.js';
import { sourcesFromBlob } from './sources-blob.js';
import type { OperationQueue, ReportSink } from './ports.js';

/** What the three functions share within one process. */
export interface PipelineRuntime {
  settings: PipelineSettings;
  ledger: RunLedger;
  queue: OperationQueue;
  poison: OperationQueue;
  reports: ReportSink;
  client: ProvisioningClient;
  /** The daily budget, the job's state and upload pauses, shared by every instance through the ledger. */
  gate: StoredGate;
  storage: StorageClients;
  /** Records this process's uploads know went, so a report's manager among them is not read again. */
  sent: SentRecords;
  /** Records this process's uploads hold right now, so a manager held beside a request is waited for and one on the queue is not. */
  inFlight: InFlightRecords;
  /** The sources file, read again only when its ETag changes; the single default source when it does not exist. */
  loadSources(): Promise<SourcesConfig>;
  /** A source's mapping blob, read and compiled again only when its ETag changes. */
  loadMapping(source: SourceSettings): Promise<Mapping>;
}

/** Builds the runtime from app settings; every setting is checked here, at start-up. */
export function createPipelineRuntime(env: Environment, logger: Logger, options: { maxThrottleWaitMs?: number } = {}): PipelineRuntime {
  const settings = loadPipelineSettings(env);
  const provisioning = loadProvisioningSettings(env);
  const storage = storageClients(env);
  const blob = (at: { container: string; name: string }): BlockBlobClient => storage.blobService.getContainerClient(at.container).getBlockBlobClient(at.name);
  const sources = sourcesFromBlob(
    blob(settings.sourcesBlob),
    `${settings.sourcesBlob.container}/${settings.sourcesBlob.name}`,
    `${settings.mappingBlob.container}/${settings.mappingBlob.name}`,
  );
  const mappings = new Map<string, () => Promise<Mapping>>();
  const ledger = new RunLedger(ledgerTableNames(settings.tablePrefix), storage.table);
  const gate = new StoredGate(ledger.gateStore(), gateSettingsOf(provisioning.pacing));
  return {
    settings,
    ledger,
    gate,
    queue: azureQueue(storage.queue(settings.operationsQueue)),
    poison: azureQueue(storage.queue(settings.poisonQueue)),
    reports: azureReports(storage.blobService.getContainerClient(settings.reportsContainer)),
    // Throttling beyond a short wait is handed back to the queue rather than held in the invocation.
    client: createProvisioningClient(provisioning, { logger, gate, retry: { maxThrottleWaitMs: options.maxThrottleWaitMs ?? 30_000 } }),
    storage,
    sent: new SentRecords(),
    inFlight: new InFlightRecords(),
    loadSources: sources.load,
    async loadMapping(source) {
      // Without a sources file the mapping is HRSYNC_MAPPING_BLOB; a sources file names mappings relative to itself.
      const at = (await sources.load()).fromFile
        ? { container: settings.sourcesBlob.container, name: posix.normalize(posix.join(posix.dirname(settings.sourcesBlob.name), source.mapping)) }
        : settings.mappingBlob;
      const key = `${at.container}/${at.name}`;
      let load = mappings.get(key);
      if (load === undefined) mappings.set(key, (load = mappingFromBlob(blob(at), key)));
      return load();
    },
  };
}
