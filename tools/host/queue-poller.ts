// The queue trigger, locally: messages decoded per host.json messageEncoding, JSON handed over
// parsed, deleted on success; on failure made visible again after visibilityTimeout, or moved
// (original text) to "<queue>-poison" once dequeueCount reaches maxDequeueCount. Background
// polling keeps at most batchSize + newBatchThreshold messages in flight, as the host does.
import { QueueServiceClient } from '@azure/storage-queue';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { FunctionDefinition } from '../../functions/definition.js';
import type { HostOptions } from './host-json.js';
import type { Invoker } from './invocation.js';
import { connectionString, resolveBinding } from './settings.js';
import type { AppSettings } from './settings.js';

type QueueDefinition = Extract<FunctionDefinition, { kind: 'storageQueue' }>;

/** How long a fetched message stays hidden while its handler runs (the host's default lease). */
const LEASE_SECONDS = 600;
const MIN_POLL_MS = 100;

export interface QueuePoller {
  functionName: string;
  queueName: string;
  /** Fetches one batch (up to batchSize) and runs it in parallel; resolves with the number of messages. */
  pollOnce(): Promise<number>;
  /** Polls until `running()` turns false, backing off while the queue is empty; `sleep` must end early on stop, and `signal` ends a fetch in flight. */
  loop(running: () => boolean, sleep: (ms: number) => Promise<void>, signal?: AbortSignal): Promise<void>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message text the handler sees, per host.json messageEncoding; throws when Base64 is expected but absent. */
export function decodeMessage(text: string, encoding: 'base64' | 'none'): string {
  if (encoding === 'none') return text;
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new Error('message is not Base64 (host.json extensions.queues.messageEncoding is "base64")');
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Parsed JSON when the text is JSON, else the text, as the Node worker passes queue messages. */
export function messageInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Resolves the definition's settings now (throwing on a missing one) and returns its poller. */
export function createQueuePoller(def: QueueDefinition, env: AppSettings, host: HostOptions, invoker: Invoker): QueuePoller {
  const queueName = resolveBinding(def.options.queueName, env, def.name, 'queueName');
  const service = QueueServiceClient.fromConnectionString(connectionString(env, def.options.connection, def.name));
  const queue: QueueClient = service.getQueueClient(queueName);
  const poison: QueueClient = service.getQueueClient(`${queueName}-poison`);
  let ready: Promise<unknown> | undefined;

  const ensureQueues = (signal?: AbortSignal): Promise<unknown> => {
    ready ??= Promise.all([queue.createIfNotExists({ abortSignal: signal }), poison.createIfNotExists({ abortSignal: signal })]).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };

  async function handle(m: DequeuedMessageItem): Promise<void> {
    const triggerMetadata = {
      id: m.messageId,
      dequeueCount: m.dequeueCount,
      insertionTime: m.insertedOn.toISOString(),
      expirationTime: m.expiresOn.toISOString(),
      nextVisibleTime: m.nextVisibleOn.toISOString(),
      popReceipt: m.popReceipt,
    };
    try {
      let input: unknown;
      try {
        input = messageInput(decodeMessage(m.messageText, host.messageEncoding));
      } catch (err) {
        // The host fails such a message without calling the function; it still costs a dequeue.
        invoker.stats.failures++;
        throw err;
      }
      await invoker.invoke(def.name, triggerMetadata, (context) => def.options.handler(input, context));
      await queue.deleteMessage(m.messageId, m.popReceipt);
    } catch (err) {
      invoker.log(def.name, 'error', `message ${m.messageId} on ${queueName} failed (dequeue ${m.dequeueCount} of ${host.maxDequeueCount}): ${(err as Error).message}`);
      if (m.dequeueCount >= host.maxDequeueCount) {
        await poison.sendMessage(m.messageText);
        await queue.deleteMessage(m.messageId, m.popReceipt);
        invoker.stats.poisoned++;
        invoker.log(def.name, 'error', `message ${m.messageId} moved to ${queueName}-poison`);
      } else {
        await queue.updateMessage(m.messageId, m.popReceipt, undefined, host.visibilityTimeoutSeconds);
      }
    }
  }

  async function fetch(count: number, signal?: AbortSignal): Promise<DequeuedMessageItem[]> {
    await ensureQueues(signal);
    const received = await queue.receiveMessages({ numberOfMessages: Math.max(1, Math.min(32, count)), visibilityTimeout: LEASE_SECONDS, abortSignal: signal });
    return received.receivedMessageItems;
  }

  async function pollOnce(): Promise<number> {
    const messages = await fetch(host.batchSize);
    const results = await Promise.allSettled(messages.map(handle));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return messages.length;
  }

  async function loop(running: () => boolean, sleep: (ms: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let idleMs = MIN_POLL_MS;
    while (running()) {
      // A new batch is fetched once the running ones drop to newBatchThreshold.
      if (inFlight.size > host.newBatchThreshold) {
        await Promise.race(inFlight);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        messages = await fetch(host.batchSize, signal);
      } catch (err) {
        // A fetch cut short by stop() is no failure.
        if (running()) invoker.log('host', 'error', `polling ${queueName} failed: ${(err as Error).message}`);
      }
      for (const m of messages) {
        const p: Promise<void> = handle(m)
          .catch((err: unknown) => invoker.log('host', 'error', `settling message ${m.messageId} on ${queueName} failed: ${(err as Error).message}`))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (messages.length > 0) {
        idleMs = MIN_POLL_MS;
      } else {
        // Back off while the queue is empty, as the host does, up to maxPollingInterval.
        await sleep(idleMs);
        idleMs = Math.min(host.maxPollingIntervalMs, idleMs * 2);
      }
    }
    await Promise.allSettled(inFlight);
  }

  return { functionName: def.name, queueName, pollOnce, loop };
}
