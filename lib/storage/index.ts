// Storage for the Functions app: the HRSYNC_STORAGE connection and queue message bodies.
export { isInsecureEndpoint, resolveStorageConnection } from './connection.js';
export type { StorageConnection, StorageEndpoints, StorageService } from './connection.js';
export { clientsFor, storageClients } from './clients.js';
export type { StorageClients } from './clients.js';
export { StorageRefusedError, StorageUnreachableError, storageRefused, storageUnreachable } from './unreachable.js';
export { QUEUE_MESSAGE_MAX_CHARS, QueueMessageError, decodeQueueMessage, encodeQueueMessage } from './queue-message.js';
