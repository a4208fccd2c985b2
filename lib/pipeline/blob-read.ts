// An extract blob read by name, in ranges, rather than handed over whole by the trigger: the
// Functions host gives a Node handler the blob as one Buffer (a 1M-row extract is ~270 MB), so
// ingest reads it itself and holds one range at a time. The first range's response gives the
// version read (ETag, last-modified, size); every later range is conditional on that ETag, so a
// blob replaced while it is read fails the read instead of mixing two versions' rows. The new
// version fires its own trigger and is ingested as its own run.
import type { BlobClient, BlobDownloadResponseParsed } from '@azure/storage-blob';
import { ExtractError } from '../extract/errors.js';

/** One version of a blob, opened: what it is, and its bytes as they are read. */
export interface OpenedBlob {
  /** The ETag of the version read, quoted as the service sends it. */
  etag: string;
  lastModified: Date;
  contentLength: number;
  /** The bytes, range by range; throws ExtractError (`blob-changed`) when the blob changes mid-read. */
  content: AsyncIterable<Buffer>;
  /** Lets go of the first range's response when the content is not read to its end (a run already ingested). */
  close(): void;
}

/** What of a BlobClient the reader uses. */
export type BlobReader = Pick<BlobClient, 'download'>;

// Small enough that one range in flight costs little memory, large enough that a 270 MB extract
// takes ~65 requests (each a storage transaction).
export const DEFAULT_RANGE_BYTES = 4 * 1024 * 1024;

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as { statusCode?: number }).statusCode : undefined;
}

// "bytes 0-4194303/270000000" → 270000000
function totalOf(contentRange: string | undefined, fallback: number): number {
  const m = contentRange === undefined ? null : /\/(\d+)\s*$/.exec(contentRange);
  return m === null ? fallback : Number(m[1]);
}

async function* bodyChunks(body: NodeJS.ReadableStream | undefined): AsyncGenerator<Buffer> {
  if (body === undefined) return;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    if (chunk.length > 0) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  }
}

/**
 * Opens a blob by reading its first range; undefined when the blob does not exist (deleted since
 * its event). `file` names it in errors.
 */
export async function openBlob(blob: BlobReader, file: string, options: { rangeBytes?: number } = {}): Promise<OpenedBlob | undefined> {
  const range = options.rangeBytes ?? DEFAULT_RANGE_BYTES;
  let first: BlobDownloadResponseParsed;
  try {
    first = await blob.download(0, range, { maxRetryRequests: 2 });
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    // A range on an empty blob is not satisfiable (416): read it whole; it is empty.
    if (statusOf(err) !== 416) throw err;
    first = await blob.download(0, undefined, { maxRetryRequests: 2 });
  }
  const etag = first.etag;
  if (etag === undefined) throw new Error(`${file}: the blob service sent no ETag`);
  const firstLength = first.contentLength ?? 0;
  const total = totalOf(first.contentRange, firstLength);
  const changed = (): ExtractError =>
    new ExtractError(
      file,
      'blob-changed',
      `the blob was replaced or deleted while it was read (its ETag is no longer ${etag}); this version is not ingested, and the new version is ingested as its own run.`,
    );
  async function* content(): AsyncGenerator<Buffer> {
    yield* bodyChunks(first.readableStreamBody);
    for (let offset = firstLength; offset < total; offset += range) {
      let next;
      try {
        next = await blob.download(offset, Math.min(range, total - offset), { conditions: { ifMatch: etag }, maxRetryRequests: 2 });
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 404) throw changed();
        throw err;
      }
      yield* bodyChunks(next.readableStreamBody);
    }
  }
  const body = first.readableStreamBody as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  const close = (): void => {
    // The SDK's retrying stream reports a body cut short as an error ("Stream drains before getting
    // enough data") after it is destroyed; unread on purpose (a re-delivered blob), that is no
    // error, and unheard it would crash the process as an unhandled 'error' event.
    body?.on('error', () => undefined);
    body?.destroy?.();
  };
  return { etag, lastModified: first.lastModified ?? new Date(), contentLength: total, content: content(), close };
}
