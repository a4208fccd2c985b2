// The queue and report adapters against Azurite: what the queue trigger will read, and blobs as written.
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureQueue, fromBase64, toBase64 } from '../../../lib/pipeline/azure-queue.js';
import { azureReports } from '../../../lib/pipeline/azure-reports.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

describe('azureQueue', () => {
  it('writes Base64 bodies and hands back the decoded text, with receipts that delete and release', async () => {
    const raw = new QueueClient(azurite.connectionString, 'ops-a');
    const queue = azureQueue(raw);
    await queue.send('{"v":1,"name":"Zoë"}');
    const peeked = await raw.peekMessages();
    expect(peeked.peekedMessageItems[0]?.messageText).toBe(toBase64('{"v":1,"name":"Zoë"}'));

    const [first] = await queue.receive(5, 30);
    expect(first).toMatchObject({ text: '{"v":1,"name":"Zoë"}', dequeueCount: 1 });
    expect(await queue.receive(5, 30)).toEqual([]);
    await queue.release(first as never);
    const [again] = await queue.receive(5, 30);
    expect(again?.dequeueCount).toBe(2);
    await queue.delete(again as never);
    expect((await raw.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('delays a message by its visibility timeout and caps receive at 32', async () => {
    const queue = azureQueue(new QueueClient(azurite.connectionString, 'ops-b'));
    await queue.send('later', { visibilityTimeoutSeconds: 60 });
    for (let i = 0; i < 40; i++) await queue.send(`m${i}`);
    const got = await queue.receive(50, 30);
    expect(got.length).toBe(32);
    expect(got.map((m) => m.text)).not.toContain('later');
    // Counted visible or not: the 32 held, the 8 waiting and the delayed one.
    expect(await queue.approximateCount()).toBe(41);
  });

  it('reads text that is not Base64 as it is', () => {
    expect(fromBase64('{"a":1}')).toBe('{"a":1}');
    expect(fromBase64(toBase64('plain'))).toBe('plain');
  });
});

describe('azureReports', () => {
  it('writes report blobs with their content type into a container it creates', async () => {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('reports-a');
    const reports = azureReports(container);
    await reports.write('run-1/report.json', '{"ok":true}', 'application/json');
    const blob = container.getBlockBlobClient('run-1/report.json');
    expect((await blob.downloadToBuffer()).toString()).toBe('{"ok":true}');
    expect((await blob.getProperties()).contentType).toBe('application/json');
  });
});
