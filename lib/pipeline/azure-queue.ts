// The OperationQueue port on Azure Queue storage. Bodies are Base64, the Functions queue
// trigger's default encoding, so messages this code writes are what the trigger reads.
import type { QueueClient } from '@azure/storage-queue';
import type { OperationQueue, ReceivedMessage } from './ports.js';

/** The queue trigger's default message encoding. */
export function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Reads a Base64 body; text that is not Base64 comes back as it is. */
export function fromBase64(body: string): string {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0 ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** An OperationQueue over one storage queue (created on first use). */
export function azureQueue(client: QueueClient): OperationQueue {
  let created: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> => (created ??= client.createIfNotExists());
  return {
    async send(text, options = {}) {
      await ready();
      await client.sendMessage(toBase64(text), options.visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeout: options.visibilityTimeoutSeconds });
    },
    async receive(max, visibilityTimeoutSeconds): Promise<ReceivedMessage[]> {
      await ready();
      const response = await client.receiveMessages({ numberOfMessages: Math.min(32, max), visibilityTimeout: visibilityTimeoutSeconds });
      return response.receivedMessageItems.map((m) => ({ messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, text: fromBase64(m.messageText) }));
    },
    async delete(message) {
      await client.deleteMessage(message.messageId, message.popReceipt);
    },
    async release(message) {
      await client.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    },
    async approximateCount() {
      await ready();
      return (await client.getProperties()).approximateMessagesCount ?? 0;
    },
  };
}
