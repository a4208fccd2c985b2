// SDK clients for the HRSYNC_STORAGE connection: one BlobServiceClient and QueueServiceClient,
// queue and table clients by name. Creating a client touches no network; tables and queues are
// created by whoever first uses them.
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import type { Environment } from '../config/reader.js';
import { isInsecureEndpoint, resolveStorageConnection } from './connection.js';
import type { StorageConnection } from './connection.js';

/** The storage clients of one connection. */
export interface StorageClients {
  connection: StorageConnection;
  blobService: BlobServiceClient;
  queueService: QueueServiceClient;
  queue(name: string): QueueClient;
  table(name: string): TableClient;
}

function identityCredential(connection: Extract<StorageConnection, { kind: 'identity' }>): TokenCredential {
  if (connection.credential === 'managedidentity') {
    return connection.clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId: connection.clientId });
  }
  return new DefaultAzureCredential(connection.clientId === undefined ? {} : { managedIdentityClientId: connection.clientId });
}

/** Clients for a resolved connection. */
export function clientsFor(connection: StorageConnection): StorageClients {
  // Only Azurite speaks plain http; the tables SDK refuses it unless told.
  const tableOptions = { allowInsecureConnection: isInsecureEndpoint(connection.endpoints.table) };
  if (connection.kind === 'connection-string') {
    const cs = connection.connectionString;
    const queueService = QueueServiceClient.fromConnectionString(cs);
    return {
      connection,
      blobService: BlobServiceClient.fromConnectionString(cs),
      queueService,
      queue: (name) => queueService.getQueueClient(name),
      table: (name) => TableClient.fromConnectionString(cs, name, tableOptions),
    };
  }
  const credential = identityCredential(connection);
  const queueService = new QueueServiceClient(connection.endpoints.queue, credential);
  return {
    connection,
    blobService: new BlobServiceClient(connection.endpoints.blob, credential),
    queueService,
    queue: (name) => queueService.getQueueClient(name),
    table: (name) => new TableClient(connection.endpoints.table, name, credential, tableOptions),
  };
}

/** Clients for the HRSYNC_STORAGE connection (or `name`) in `env`; throws SettingsError naming the variable. */
export function storageClients(env: Environment, name?: string): StorageClients {
  return clientsFor(resolveStorageConnection(env, name));
}
