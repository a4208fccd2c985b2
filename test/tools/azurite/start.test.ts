// Azurite from node_modules serves blobs, queues and tables through the official SDKs.
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';

describe('startAzurite', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('serves blob, queue and table storage on its own ports', async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('probe');
    await blobs.create();
    await blobs.getBlockBlobClient('a.txt').upload('hello', 5);
    expect((await blobs.getBlockBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hello');

    const queue = new QueueClient(azurite.connectionString, 'probe');
    await queue.create();
    await queue.sendMessage('m1');
    const received = await queue.receiveMessages();
    expect(received.receivedMessageItems[0]?.messageText).toBe('m1');

    const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', n: 1 });
    expect((await table.getEntity<{ n: number }>('p', 'r')).n).toBe(1);
  });

  it('stops and frees its ports', async () => {
    const other = await startAzurite();
    await other.stop();
    // Each service runs in its own process; every one of them is gone.
    const queue = new QueueClient(other.connectionString, 'gone', { retryOptions: { maxTries: 1 } });
    await expect(queue.create()).rejects.toThrow();
    const blobs = BlobServiceClient.fromConnectionString(other.connectionString, { retryOptions: { maxTries: 1 } }).getContainerClient('gone');
    await expect(blobs.create()).rejects.toThrow();
    const table = TableClient.fromConnectionString(other.connectionString, 'gone', { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await expect(table.createTable()).rejects.toThrow();
  }, 60_000);
});
