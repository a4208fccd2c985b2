// storageClients against a real Azurite: blob, queue (Base64 bodies) and table over one connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageClients } from '../../../lib/storage/clients.js';
import { decodeQueueMessage, encodeQueueMessage } from '../../../lib/storage/queue-message.js';
import { storageRefused } from '../../../lib/storage/unreachable.js';
import { failure } from './failure.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

describe('storageClients on Azurite', () => {
  it('reaches blob, queue and table through HRSYNC_STORAGE', async () => {
    const s = storageClients({ HRSYNC_STORAGE: azurite.connectionString });
    const container = s.blobService.getContainerClient('extracts');
    await container.createIfNotExists();
    await container.getBlockBlobClient('hr/a.csv').upload('id\n1\n', 5);
    expect((await container.getBlockBlobClient('hr/a.csv').downloadToBuffer()).toString()).toBe('id\n1\n');

    const queue = s.queue('scim-operations');
    await queue.createIfNotExists();
    await queue.sendMessage(encodeQueueMessage({ externalId: 'Zoë' }));
    const [message] = (await queue.receiveMessages()).receivedMessageItems;
    expect(decodeQueueMessage(message?.messageText ?? '')).toEqual({ externalId: 'Zoë' });

    const table = s.table('storagetest');
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 7 });
    expect((await table.getEntity<{ value: number }>('p', 'r')).value).toBe(7);
  });
});

describe('a wrong account key', () => {
  it('is told as storage refusing the credentials, for blob, queue and table, without the key', async () => {
    const wrongKey = Buffer.from('not the account key of this storage account at all').toString('base64');
    const s = storageClients({ HRSYNC_STORAGE: azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`) });
    const failures = [
      await failure(() => s.blobService.getContainerClient('extracts').createIfNotExists()),
      await failure(() => s.queue('scim-operations').createIfNotExists()),
      await failure(() => s.table('storagetest').createTable()),
    ];
    for (const f of failures) {
      const refused = storageRefused(f);
      expect(refused?.message).toMatch(
        /^Storage at http:\/\/127\.0\.0\.1:\d+ refused hrsync's credentials \(HRSYNC_STORAGE, or --storage-account\): (AuthenticationFailed|AuthorizationFailure)\. Check the account key/,
      );
      expect(refused?.message).not.toContain(wrongKey);
    }
    // A 403 about something else (a lease) is not about credentials.
    expect(
      storageRefused(
        Object.assign(new Error('lease'), { name: 'RestError', statusCode: 403, code: 'LeaseIdMismatchWithLeaseOperation', request: { url: 'http://127.0.0.1:1/x' } }),
      ),
    ).toBeUndefined();
  });
});
