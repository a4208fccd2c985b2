// The blob trigger, locally: scan the container (for both 'LogsAndContainerScan' and
// 'EventGrid' sources), invoke once per blob version (name + ETag), and keep receipts in the
// azure-webjobs-hosts container as the host does, so a restarted runner skips what it has done.
// A version that keeps failing is tried five times, then reported on the blob poison queue.
import { BlobServiceClient } from '@azure/storage-blob';
import type { BlobItem, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import type { FunctionDefinition } from '../../functions/definition.js';
import { BLOB_POISON_QUEUE } from '../../lib/pipeline/blob-poison.js';
import type { HostOptions } from './host-json.js';
import type { Invoker } from './invocation.js';
import { connectionString, resolveBinding } from './settings.js';
import type { AppSettings } from './settings.js';

export const RECEIPTS_CONTAINER = 'azure-webjobs-hosts';
export { BLOB_POISON_QUEUE };
/** The host's default for blob-trigger attempts before a blob version is poisoned. */
export const BLOB_MAX_TRIES = 5;

type BlobDefinition = Extract<FunctionDefinition, { kind: 'storageBlob' }>;

export interface BlobWatcher {
  functionName: string;
  containerName: string;
  /** Invokes the handler for each new or changed blob; resolves with how many invocations ran. `signal` ends the listing, not invocations. */
  pollOnce(signal?: AbortSignal): Promise<number>;
}

interface BlobPath {
  container: string;
  prefix: string;
  pattern: RegExp;
  names: string[];
}

/** Splits a resolved trigger path "container/prefix{name}.csv" into the container and a matcher for blob names. */
export function parseBlobPath(path: string, functionName: string): BlobPath {
  const slash = path.indexOf('/');
  const container = slash < 0 ? path : path.slice(0, slash);
  const rest = slash < 0 ? '{name}' : path.slice(slash + 1);
  if (container === '' || container.includes('{')) throw new Error(`function ${functionName}: blob path "${path}" must start with a container name`);
  const names: string[] = [];
  const source = rest
    .split(/(\{[^}]*\})/)
    .map((part) => {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(part);
      if (m === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '(.+)';
    })
    .join('');
  const brace = rest.indexOf('{');
  return { container, prefix: brace < 0 ? rest : rest.slice(0, brace), pattern: new RegExp(`^${source}$`), names };
}

/** Runs at most `limit` tasks at once; after all have settled, rethrows the first failure. */
async function eachLimited<T>(items: AsyncIterable<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  for await (const item of items) {
    const p: Promise<void> = task(item)
      .catch((err: unknown) => {
        errors.push(err);
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (errors.length > 0) throw errors[0];
}

/**
 * The listed version's content, or undefined when its body came back short of its length (the
 * blob was replaced while it was read; the next scan sees the new version). One GET, its body
 * gathered here: downloadToBuffer (a HEAD, then ranged GETs read by the SDK's own stream reader)
 * failed a watch test now and then with "Stream drains before getting enough data".
 */
async function readVersion(blob: BlockBlobClient, etag: string): Promise<Buffer | undefined> {
  const response = await blob.download(0, undefined, { conditions: { ifMatch: etag } });
  const chunks: Buffer[] = [];
  const body = response.readableStreamBody;
  if (body !== undefined) for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
  const content = Buffer.concat(chunks);
  return response.contentLength !== undefined && content.length !== response.contentLength ? undefined : content;
}

function isStatus(err: unknown, status: number): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === status;
}

/** Resolves the definition's settings now (throwing on a missing one) and returns its watcher. */
export function createBlobWatcher(def: BlobDefinition, env: AppSettings, host: HostOptions, invoker: Invoker, hostId: string): BlobWatcher {
  const path = parseBlobPath(resolveBinding(def.options.path, env, def.name, 'path'), def.name);
  const connection = connectionString(env, def.options.connection, def.name);
  const blobService = BlobServiceClient.fromConnectionString(connection);
  const container: ContainerClient = blobService.getContainerClient(path.container);
  const receipts = blobService.getContainerClient(RECEIPTS_CONTAINER);
  const poison: QueueClient = QueueServiceClient.fromConnectionString(connection).getQueueClient(BLOB_POISON_QUEUE);
  const functionId = `Host.Functions.${def.name}`;
  // Versions being handled by some poll right now; claimed before the receipt is read and
  // released after it is written, so overlapping polls never run one version twice.
  const claimed = new Set<string>();
  let ready: Promise<unknown> | undefined;

  const receiptName = (item: BlobItem, bareEtag: string): string => `blobreceipts/${hostId}/${functionId}/${bareEtag}/${path.container}/${item.name}`;

  async function handle(item: BlobItem): Promise<boolean> {
    const match = path.pattern.exec(item.name);
    if (match === null) return false;
    // Listings give the ETag bare; the host (and the HTTP header) quote it.
    const bare = (item.properties.etag ?? '').replace(/"/g, '');
    const etag = `"${bare}"`;
    const receipt = receipts.getBlockBlobClient(receiptName(item, bare));
    if (claimed.has(receipt.name)) return false;
    claimed.add(receipt.name);
    try {
      let tries = 0;
      try {
        const props = await receipt.getProperties();
        if (props.metadata?.['completed'] === 'true') return false;
        tries = Number(props.metadata?.['tries'] ?? 0);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
      const blob = container.getBlockBlobClient(item.name);
      let content: Buffer | undefined;
      try {
        content = await readVersion(blob, etag);
      } catch (err) {
        // Changed or deleted since the listing: the next scan sees the new version, if any.
        if (isStatus(err, 412) || isStatus(err, 404)) return false;
        throw err;
      }
      if (content === undefined) return false;
      const bound = Object.fromEntries(path.names.map((n, i) => [n, match[i + 1]]));
      const triggerMetadata = {
        ...bound,
        blobTrigger: `${path.container}/${item.name}`,
        name: bound['name'] ?? item.name,
        uri: blob.url,
        properties: {
          etag,
          contentLength: item.properties.contentLength ?? content.length,
          lastModified: item.properties.lastModified?.toISOString(),
          contentType: item.properties.contentType,
          blobType: item.properties.blobType,
        },
        metadata: item.metadata ?? {},
      };
      try {
        await invoker.invoke(def.name, triggerMetadata, (context) => def.options.handler(content, context));
        await receipt.upload('', 0, { metadata: { completed: 'true', tries: String(tries + 1) } });
      } catch (err) {
        tries++;
        invoker.log(def.name, 'error', `blob ${path.container}/${item.name} failed (try ${tries} of ${BLOB_MAX_TRIES}): ${(err as Error).message}`);
        if (tries >= BLOB_MAX_TRIES) {
          await poison.createIfNotExists();
          const body = JSON.stringify({ Type: 'BlobTrigger', FunctionId: functionId, BlobType: 'BlockBlob', ContainerName: path.container, BlobName: item.name, ETag: etag });
          await poison.sendMessage(host.messageEncoding === 'base64' ? Buffer.from(body, 'utf8').toString('base64') : body);
          invoker.stats.poisoned++;
          invoker.log(def.name, 'error', `blob ${path.container}/${item.name} moved to ${BLOB_POISON_QUEUE} after ${tries} tries`);
          await receipt.upload('', 0, { metadata: { completed: 'true', poisoned: 'true', tries: String(tries) } });
        } else {
          await receipt.upload('', 0, { metadata: { tries: String(tries) } });
        }
      }
      return true;
    } finally {
      claimed.delete(receipt.name);
    }
  }

  async function pollOnce(signal?: AbortSignal): Promise<number> {
    ready ??= Promise.all([container.createIfNotExists({ abortSignal: signal }), receipts.createIfNotExists({ abortSignal: signal })]).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    await ready;
    let invoked = 0;
    await eachLimited(container.listBlobsFlat({ prefix: path.prefix, includeMetadata: true, abortSignal: signal }), host.blobParallelism, async (item) => {
      if (await handle(item)) invoked++;
    });
    return invoked;
  }

  return { functionName: def.name, containerName: path.container, pollOnce };
}
