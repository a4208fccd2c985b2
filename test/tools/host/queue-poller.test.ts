// Queue triggers through the local host against one Azurite: encoding both ways, JSON input,
// retries with growing dequeue counts, the poison queue, and batchSize bounding parallel work.
import { QueueServiceClient } from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import type { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../functions/definition.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import { createLocalHost } from '../../../tools/host/local-host.js';
import type { HostLogLine, LocalHostOptions } from '../../../tools/host/local-host.js';
import { decodeMessage, messageInput } from '../../../tools/host/queue-poller.js';

let azurite: AzuriteInstance;
let queues: QueueServiceClient;
beforeAll(async () => {
  azurite = await startAzurite();
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite.stop();
});

let n = 0;
let queueName: string;
let queue: QueueClient;
beforeEach(async () => {
  queueName = `work-${++n}`;
  queue = queues.getQueueClient(queueName);
});

interface Call {
  input: unknown;
  metadata: Record<string, unknown>;
}

function queueDef(handler: (input: unknown, context: InvocationContext) => Promise<void>): FunctionDefinition {
  return { name: 'uploadTest', kind: 'storageQueue', options: { queueName: '%WORK_QUEUE%', connection: 'TEST_STORAGE', handler } };
}

function recorder(calls: Call[], fail: (input: unknown) => boolean = () => false) {
  return async (input: unknown, context: InvocationContext): Promise<void> => {
    calls.push({ input, metadata: context.triggerMetadata ?? {} });
    if (fail(input)) throw new Error('handler refused the message');
  };
}

function hostFor(def: FunctionDefinition, queuesJson: Record<string, unknown> = {}, extra: Partial<LocalHostOptions> = {}, logs: HostLogLine[] = []) {
  return createLocalHost({
    definitions: [def],
    env: { WORK_QUEUE: queueName, TEST_STORAGE: azurite.connectionString },
    hostJson: { version: '2.0', extensions: { queues: queuesJson } },
    logger: (l) => logs.push(l),
    ...extra,
  });
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

async function all(client: QueueClient): Promise<string[]> {
  const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((m) => m.messageText);
}

describe('queue trigger', () => {
  it('creates the queue and its poison queue, decodes Base64, parses JSON, and deletes on success', async () => {
    const calls: Call[] = [];
    const host = hostFor(queueDef(recorder(calls)));
    expect(await host.pollQueuesOnce()).toBe(0);
    expect(await queue.exists()).toBe(true);
    expect(await queues.getQueueClient(`${queueName}-poison`).exists()).toBe(true);

    const sent = await queue.sendMessage(b64(JSON.stringify({ op: 'create', externalId: 'E1', n: 1 })));
    await queue.sendMessage(b64('plain text é'));
    expect(await host.pollQueuesOnce()).toBe(2);
    const inputs = calls.map((c) => c.input);
    expect(inputs).toContainEqual({ op: 'create', externalId: 'E1', n: 1 });
    expect(inputs).toContain('plain text é');
    const first = calls.find((c) => typeof c.input === 'object') as Call;
    expect(first.metadata).toMatchObject({ id: sent.messageId, dequeueCount: 1 });
    for (const key of ['insertionTime', 'expirationTime', 'nextVisibleTime', 'popReceipt']) expect(typeof first.metadata[key]).toBe('string');
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('hands raw text over when messageEncoding is none', async () => {
    const calls: Call[] = [];
    const host = hostFor(queueDef(recorder(calls)), { messageEncoding: 'none' });
    await host.pollQueuesOnce();
    await queue.sendMessage('{"raw":true}');
    await queue.sendMessage(b64('x'));
    await host.drain({ timeoutMs: 10_000 });
    expect(calls.map((c) => c.input)).toEqual([{ raw: true }, b64('x')]);
  });

  it('retries a failing message with growing dequeue counts, then moves its original text to <queue>-poison', async () => {
    const calls: Call[] = [];
    const logs: HostLogLine[] = [];
    const host = hostFor(queueDef(recorder(calls, (input) => input === 'poison me')), { maxDequeueCount: 3 }, {}, logs);
    await host.pollQueuesOnce();
    const original = b64('poison me');
    await queue.sendMessage(original);
    await queue.sendMessage(b64('"fine"'));
    await host.drain({ timeoutMs: 10_000 });

    const failing = calls.filter((c) => c.input === 'poison me');
    expect(failing.map((c) => c.metadata['dequeueCount'])).toEqual([1, 2, 3]);
    expect(calls.filter((c) => c.input === 'fine')).toHaveLength(1);
    expect(host.stats).toMatchObject({ invocations: 4, failures: 3, poisoned: 1 });
    expect(await all(queues.getQueueClient(`${queueName}-poison`))).toEqual([original]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    expect(logs.filter((l) => l.functionName === 'uploadTest' && l.level === 'error' && l.message.includes('failed (dequeue'))).toHaveLength(3);
  });

  it('poisons a message that is not Base64 without calling the handler', async () => {
    const calls: Call[] = [];
    const host = hostFor(queueDef(recorder(calls)), { maxDequeueCount: 2 });
    await host.pollQueuesOnce();
    await queue.sendMessage('not base64!');
    await host.drain({ timeoutMs: 10_000 });
    expect(calls).toHaveLength(0);
    expect(await all(queues.getQueueClient(`${queueName}-poison`))).toEqual(['not base64!']);
    expect(() => decodeMessage('abc', 'base64')).toThrow(/not Base64/);
    expect(messageInput('42')).toBe(42);
    expect(messageInput('{oops')).toBe('{oops');
  });

  it('keeps a failed message hidden for visibilityTimeout', async () => {
    const calls: Call[] = [];
    const host = hostFor(queueDef(recorder(calls, () => true)), { visibilityTimeout: '00:01:00' });
    await host.pollQueuesOnce();
    await queue.sendMessage(b64('later'));
    expect(await host.pollQueuesOnce()).toBe(1);
    expect(await host.pollQueuesOnce()).toBe(0);
    const [peeked] = (await queue.peekMessages()).peekedMessageItems;
    expect(peeked).toBeUndefined();
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
  });

  it('runs one batch of batchSize in parallel per poll', async () => {
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const host = hostFor(
      queueDef(async () => {
        running++;
        peak = Math.max(peak, running);
        // Each handler waits until the whole batch has started, so the batch is seen at once.
        await new Promise<void>((resolve) => {
          release.push(resolve);
          if (release.length === 3) release.splice(0).forEach((r) => r());
        });
        running--;
      }),
      { batchSize: 3 },
    );
    await host.pollQueuesOnce();
    for (let i = 0; i < 7; i++) await queue.sendMessage(b64(`m${i}`));
    expect(await host.pollQueuesOnce()).toBe(3);
    expect(peak).toBe(3);
    expect(await host.pollQueuesOnce()).toBe(3);
    // The last message has no batch-mates; let it through.
    const last = host.pollQueuesOnce();
    await new Promise((r) => setTimeout(r, 50));
    release.splice(0).forEach((r) => r());
    expect(await last).toBe(1);
  });

  it('keeps at most batchSize + newBatchThreshold messages in flight when running in the background', async () => {
    let running = 0;
    let peak = 0;
    const calls: string[] = [];
    const host = hostFor(
      queueDef(async (input) => {
        running++;
        peak = Math.max(peak, running);
        calls.push(String(input));
        await new Promise((r) => setTimeout(r, 20));
        running--;
      }),
      { batchSize: 3, newBatchThreshold: 1 },
    );
    await host.pollQueuesOnce();
    for (let i = 0; i < 20; i++) await queue.sendMessage(b64(`m${i}`));
    host.start();
    const deadline = Date.now() + 15_000;
    while (calls.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await host.stop();
    expect(calls).toHaveLength(20);
    expect(new Set(calls).size).toBe(20);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
    expect(host.stats.inFlight).toBe(0);
  });

  it('fails a handler that outlives host.json functionTimeout', async () => {
    const host = createLocalHost({
      definitions: [queueDef(() => new Promise((r) => setTimeout(r, 2000)))],
      env: { WORK_QUEUE: queueName, TEST_STORAGE: azurite.connectionString },
      hostJson: { functionTimeout: '00:00:00.1', extensions: { queues: { maxDequeueCount: 1 } } },
      logger: () => undefined,
    });
    await host.pollQueuesOnce();
    await queue.sendMessage(b64('slow'));
    await host.pollQueuesOnce();
    expect(host.stats).toMatchObject({ invocations: 1, failures: 1, poisoned: 1 });
  });

  it('fails at creation when the queue setting is missing, naming function and setting', () => {
    expect(() => createLocalHost({ definitions: [queueDef(async () => undefined)], env: { TEST_STORAGE: 'x' }, logger: () => undefined })).toThrow(
      'function uploadTest: app setting WORK_QUEUE is not set (queueName "%WORK_QUEUE%")',
    );
  });
});
