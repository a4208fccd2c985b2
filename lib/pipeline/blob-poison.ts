// Extracts the Functions host gave up on: after five failed ingest attempts it puts a message
// naming the blob on `webjobs-blobtrigger-poison` (in the host's storage account, which the
// deployment in infra/ shares with hrsync's). Nothing else will ever read them, so status and
// replay show them: the fix is to correct the cause and upload the extract again (a new ETag is
// a new run).
import type { QueueClient } from '@azure/storage-queue';

/** The queue the Functions host writes poisoned blob-trigger messages to. */
export const BLOB_POISON_QUEUE = 'webjobs-blobtrigger-poison';

export interface PoisonedExtract {
  container: string;
  name: string;
  etag?: string;
  /** When the host gave up (the message's insertion time). */
  at?: string;
}

/** Peeks (changes nothing) at up to 32 poisoned extracts; `total` is the queue's approximate length. */
export async function peekPoisonedExtracts(queue: QueueClient): Promise<{ total: number; extracts: PoisonedExtract[] }> {
  if (!(await queue.exists())) return { total: 0, extracts: [] };
  const total = (await queue.getProperties()).approximateMessagesCount ?? 0;
  if (total === 0) return { total, extracts: [] };
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  const extracts: PoisonedExtract[] = [];
  for (const m of peeked.peekedMessageItems) {
    const body = parse(m.messageText);
    if (typeof body?.ContainerName !== 'string' || typeof body.BlobName !== 'string') continue;
    extracts.push({
      container: body.ContainerName,
      name: body.BlobName,
      ...(typeof body.ETag === 'string' ? { etag: body.ETag } : {}),
      at: m.insertedOn.toISOString(),
    });
  }
  return { total, extracts };
}

// The host writes these as Base64 or plain JSON depending on its queue encoding.
function parse(text: string): Record<string, unknown> | undefined {
  for (const candidate of [text, Buffer.from(text, 'base64').toString('utf8')]) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value !== null && typeof value === 'object') return value as Record<string, unknown>;
    } catch {
      // try the other encoding
    }
  }
  return undefined;
}
