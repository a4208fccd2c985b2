// The benchmark's storage-operation counter sees each request the Azure SDKs make to Azurite, by kind.
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite } from '../../../tools/azurite/start.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { countStorageOperations, perRecord, storageOperationKind } from '../../../tools/local/storage-operations.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

describe('counting storage operations', () => {
  it('names the kinds from the service and the path', () => {
    const ports = { blobPort: 1, queuePort: 2, tablePort: 3 };
    expect(storageOperationKind(ports, 3, 'POST', '/devstoreaccount1/$batch')).toBe('table transaction');
    expect(storageOperationKind(ports, 3, 'GET', "/devstoreaccount1/t(PartitionKey='a',RowKey='b')")).toBe('table point read');
    expect(storageOperationKind(ports, 3, 'PATCH', "/devstoreaccount1/t(PartitionKey='a',RowKey='b')")).toBe('table update');
    expect(storageOperationKind(ports, 3, 'GET', '/devstoreaccount1/t()?$filter=x')).toBe('table query');
    expect(storageOperationKind(ports, 2, 'POST', '/devstoreaccount1/q/messages')).toBe('queue send');
    expect(storageOperationKind(ports, 2, 'DELETE', '/devstoreaccount1/q/messages/abc?popreceipt=x')).toBe('queue delete');
    expect(storageOperationKind(ports, 1, 'GET', '/devstoreaccount1/c/b.json')).toBe('blob read');
    expect(storageOperationKind(ports, 9, 'GET', '/anything')).toBeUndefined();
    expect(perRecord({ 'table transaction': 3, 'queue send': 1, 'table admin': 5 }, 2)).toEqual({
      total: 2,
      byKind: { 'queue send': 0.5, 'table admin': 2.5, 'table transaction': 1.5 },
    });
  });

  it('counts what the SDKs send to Azurite, and nothing after it stops', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'countme', { allowInsecureConnection: true });
    const queue = new QueueClient(azurite.connectionString, 'countme');
    await table.createTable();
    await queue.create();
    const counting = countStorageOperations(azurite);
    await table.submitTransaction([
      ['create', { partitionKey: 'p', rowKey: '1' }],
      ['create', { partitionKey: 'p', rowKey: '2' }],
    ]);
    await table.getEntity('p', '1');
    await table.updateEntity({ partitionKey: 'p', rowKey: '2', x: 1 }, 'Merge');
    await queue.sendMessage('hello');
    const [m] = (await queue.receiveMessages()).receivedMessageItems;
    await queue.deleteMessage(m?.messageId ?? '', m?.popReceipt ?? '');
    const counts = counting.stop();
    await table.getEntity('p', '2');
    expect(counts).toEqual({ 'table transaction': 1, 'table point read': 1, 'table update': 1, 'queue send': 1, 'queue receive': 1, 'queue delete': 1 });
  }, 30_000);
});
