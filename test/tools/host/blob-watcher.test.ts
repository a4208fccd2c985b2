// Blob triggers through the local host against one Azurite: once per blob version, receipts
// that survive a restart of the runner, five tries then the blob poison queue.
import { BlobServiceClient } from '@azure/storage-blob';
import type { ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../functions/definition.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import { BLOB_POISON_QUEUE, RECEIPTS_CONTAINER, parseBlobPath } from '../../../tools/host/blob-watcher.js';
import { createLocalHost } from '../../../tools/host/local-host.js';
import type { HostLogLine } from '../../../tools/host/local-host.js';

let azurite: AzuriteInstance;
let blobs: BlobServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite.stop();
});

interface Call {
  content: Buffer;
  metadata: Record<string, unknown>;
  functionName: string;
}

let n = 0;
let containerName: string;
let container: ContainerClient;
beforeEach(async () => {
  containerName = `drop-${++n}`;
  container = blobs.getContainerClient(containerName);
  await container.createIfNotExists();
});

function blobDef(calls: Call[], fail: (content: Buffer) => boolean = () => false, path = '%DROP%/{name}'): FunctionDefinition {
  return {
    name: 'ingestTest',
    kind: 'storageBlob',
    options: {
      path,
      connection: 'TEST_STORAGE',
      handler: async (blob: unknown, context: InvocationContext) => {
        calls.push({ content: blob as Buffer, metadata: context.triggerMetadata ?? {}, functionName: context.functionName });
        context.log(`got ${(blob as Buffer).length} bytes`);
        if (fail(blob as Buffer)) throw new Error('handler refused the blob');
      },
    },
  };
}

function hostFor(def: FunctionDefinition, logs: HostLogLine[] = [], hostId?: string) {
  return createLocalHost({
    definitions: [def],
    env: { DROP: containerName, TEST_STORAGE: azurite.connectionString },
    hostJson: {},
    logger: (l) => logs.push(l),
    ...(hostId === undefined ? {} : { hostId }),
  });
}

async function put(name: string, text: string, metadata?: Record<string, string>): Promise<string> {
  const res = await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), metadata === undefined ? {} : { metadata });
  return res.etag as string;
}

describe('blob trigger', () => {
  it('invokes once per new blob with its bytes and trigger metadata, and logs through the context', async () => {
    const calls: Call[] = [];
    const logs: HostLogLine[] = [];
    const host = hostFor(blobDef(calls), logs);
    const etag = await put('in/workers.csv', 'id,name\n1,x\n', { source: 'hr' });

    expect(await host.pollBlobsOnce()).toBe(1);
    expect(calls).toHaveLength(1);
    const [call] = calls as [Call];
    expect(Buffer.isBuffer(call.content)).toBe(true);
    expect(call.content.toString('utf8')).toBe('id,name\n1,x\n');
    expect(call.functionName).toBe('ingestTest');
    expect(call.metadata).toMatchObject({
      blobTrigger: `${containerName}/in/workers.csv`,
      name: 'in/workers.csv',
      uri: container.getBlockBlobClient('in/workers.csv').url,
      properties: { etag, contentLength: 12 },
      metadata: { source: 'hr' },
    });
    expect(typeof (call.metadata['properties'] as { lastModified: unknown }).lastModified).toBe('string');
    expect(logs).toContainEqual(expect.objectContaining({ functionName: 'ingestTest', level: 'information', message: 'got 12 bytes' }));
    expect(host.stats).toMatchObject({ invocations: 1, succeeded: 1, failures: 0, inFlight: 0 });

    expect(await host.pollBlobsOnce()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('invokes again for a changed blob (new ETag), and only for it', async () => {
    const calls: Call[] = [];
    const host = hostFor(blobDef(calls));
    await put('a.csv', 'one');
    await put('b.csv', 'bee');
    expect(await host.pollBlobsOnce()).toBe(2);
    await put('a.csv', 'two');
    expect(await host.pollBlobsOnce()).toBe(1);
    expect(calls.map((c) => `${String(c.metadata['name'])}=${c.content.toString()}`).sort()).toEqual(['a.csv=one', 'a.csv=two', 'b.csv=bee']);
  });

  it('skips a version replaced after the listing, and invokes for the new one on the next scan', async () => {
    const calls: Call[] = [];
    // One blob at a time, in name order: a.csv's invocation replaces b.csv, which the scan listed already.
    const def = blobDef(calls);
    if (def.kind !== 'storageBlob') throw new Error('a blob definition');
    const handler = def.options.handler;
    def.options.handler = async (blob: unknown, context: InvocationContext) => {
      await handler(blob, context);
      if (context.triggerMetadata?.['name'] === 'a.csv') await put('b.csv', 'replaced, and longer than before');
    };
    const host = createLocalHost({
      definitions: [def],
      env: { DROP: containerName, TEST_STORAGE: azurite.connectionString },
      hostJson: { extensions: { blobs: { maxDegreeOfParallelism: 1 } } },
      logger: () => undefined,
    });
    await put('a.csv', 'one');
    await put('b.csv', 'bee');
    expect(await host.pollBlobsOnce()).toBe(1);
    expect(await host.pollBlobsOnce()).toBe(1);
    expect(calls.map((c) => `${String(c.metadata['name'])}=${c.content.toString()}`)).toEqual(['a.csv=one', 'b.csv=replaced, and longer than before']);
    expect(host.stats).toMatchObject({ failures: 0 });
  });

  it('keeps receipts in azure-webjobs-hosts, so a restarted runner does not re-trigger', async () => {
    const first: Call[] = [];
    await put('x.json', '{"a":1}');
    expect(await hostFor(blobDef(first)).pollBlobsOnce()).toBe(1);

    const second: Call[] = [];
    const restarted = hostFor(blobDef(second));
    expect(await restarted.pollBlobsOnce()).toBe(0);
    await put('y.json', '{"b":2}');
    expect(await restarted.pollBlobsOnce()).toBe(1);
    expect(second.map((c) => c.metadata['name'])).toEqual(['y.json']);

    const receipts: string[] = [];
    for await (const r of blobs.getContainerClient(RECEIPTS_CONTAINER).listBlobsFlat({ prefix: 'blobreceipts/hrsync-local/Host.Functions.ingestTest/' })) receipts.push(r.name);
    expect(receipts.filter((r) => r.endsWith(`/${containerName}/x.json`))).toHaveLength(1);

    // Another host id keeps its own receipts, as separate Function apps on one account do.
    const other: Call[] = [];
    expect(await hostFor(blobDef(other), [], 'another-app').pollBlobsOnce()).toBe(2);
  });

  it('retries a failing blob up to five times, then reports it on the blob poison queue', async () => {
    const calls: Call[] = [];
    const logs: HostLogLine[] = [];
    const host = hostFor(
      blobDef(calls, (c) => c.toString() === 'bad'),
      logs,
    );
    await put('bad.csv', 'bad');
    await put('good.csv', 'good');
    await host.drain({ timeoutMs: 20_000 });

    expect(calls.filter((c) => c.metadata['name'] === 'bad.csv')).toHaveLength(5);
    expect(calls.filter((c) => c.metadata['name'] === 'good.csv')).toHaveLength(1);
    expect(host.stats).toMatchObject({ invocations: 6, failures: 5, poisoned: 1 });
    expect(logs.filter((l) => l.level === 'error' && l.message.includes('bad.csv failed'))).toHaveLength(5);

    const poison = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(BLOB_POISON_QUEUE);
    const { receivedMessageItems } = await poison.receiveMessages({ numberOfMessages: 32 });
    const bodies = receivedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as Record<string, string>);
    expect(bodies).toContainEqual(expect.objectContaining({ FunctionId: 'Host.Functions.ingestTest', ContainerName: containerName, BlobName: 'bad.csv' }));

    // Poisoned is final: neither this runner nor a restarted one tries it again.
    expect(await host.pollBlobsOnce()).toBe(0);
    expect(await hostFor(blobDef(calls)).pollBlobsOnce()).toBe(0);
  });

  it('counts tries across restarts of the runner', async () => {
    const calls: Call[] = [];
    await put('flaky.csv', 'bad');
    for (let i = 0; i < 3; i++) await hostFor(blobDef(calls, () => true)).pollBlobsOnce();
    const last = hostFor(blobDef(calls, () => true));
    await last.drain({ timeoutMs: 10_000 });
    expect(calls).toHaveLength(5);
    expect(last.stats.poisoned).toBe(1);
  });

  it('only triggers on names the path pattern matches, binding its parts', async () => {
    const calls: Call[] = [];
    const host = hostFor(blobDef(calls, () => false, '%DROP%/in/{stem}.csv'));
    await put('in/people.csv', 'p');
    await put('in/people.json', 'j');
    await put('out/people.csv', 'o');
    expect(await host.pollBlobsOnce()).toBe(1);
    expect(calls[0]?.metadata).toMatchObject({ stem: 'people', name: 'in/people.csv' });
    expect(parseBlobPath('c/{name}', 'f')).toMatchObject({ container: 'c', prefix: '' });
    expect(() => parseBlobPath('{name}', 'f')).toThrow(/function f: blob path/);
  });

  it('fails at creation when the path or connection setting is missing, naming both', () => {
    expect(() => createLocalHost({ definitions: [blobDef([])], env: { TEST_STORAGE: azurite.connectionString }, logger: () => undefined })).toThrow(
      /function ingestTest: app setting DROP is not set/,
    );
    expect(() => createLocalHost({ definitions: [blobDef([])], env: { DROP: 'x' }, logger: () => undefined })).toThrow(
      /function ingestTest: connection setting TEST_STORAGE is not set/,
    );
  });
});
