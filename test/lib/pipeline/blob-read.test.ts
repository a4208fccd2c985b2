// Ingest reads its extract by name, range by range, against Azurite: the bytes and the version
// (ETag, size) come from the same read, a missing blob is no error, and a blob replaced while it
// is read fails the read — and its run ends unusable with that reason — rather than mixing rows of
// two versions; the new version is then ingested as its own run.
import { readFile } from 'node:fs/promises';
import { BlobServiceClient } from '@azure/storage-blob';
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtractError } from '../../../lib/extract/errors.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import { openBlob } from '../../../lib/pipeline/blob-read.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import { defaultSources } from '../../../lib/sources/sources.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

let azurite: AzuriteInstance;
let container: ContainerClient;
let sample: Buffer;
beforeAll(async () => {
  azurite = await startAzurite();
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('hr-extracts');
  await container.createIfNotExists();
  sample = await readFile('samples/workers.csv');
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

async function put(name: string, content: Buffer | string): Promise<string> {
  const body = Buffer.from(content);
  const res = await container.getBlockBlobClient(name).upload(body, body.length);
  return res.etag as string;
}

async function readAll(content: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of content) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('openBlob', () => {
  it('reads the whole blob in ranges, with the ETag and size of the version read', async () => {
    const etag = await put('ranges.csv', sample);
    const blob = await openBlob(container.getBlobClient('ranges.csv'), 'hr-extracts/ranges.csv', { rangeBytes: 1000 });
    expect(blob).toBeDefined();
    expect(blob?.etag).toBe(etag);
    expect(blob?.contentLength).toBe(sample.length);
    expect(sample.length).toBeGreaterThan(3000); // several ranges, and a short last one
    expect((await readAll(blob!.content)).equals(sample)).toBe(true);
  });

  it('reads an empty blob as empty, and a missing one as undefined', async () => {
    const etag = await put('empty.csv', '');
    const empty = await openBlob(container.getBlobClient('empty.csv'), 'hr-extracts/empty.csv');
    expect(empty?.etag).toBe(etag);
    expect((await readAll(empty!.content)).length).toBe(0);
    expect(await openBlob(container.getBlobClient('nowhere.csv'), 'hr-extracts/nowhere.csv')).toBeUndefined();
  });

  it('fails with blob-changed when the blob is replaced after its first range', async () => {
    await put('replaced.csv', sample);
    const blob = await openBlob(container.getBlobClient('replaced.csv'), 'hr-extracts/replaced.csv', { rangeBytes: 1000 });
    const it = blob!.content[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await put('replaced.csv', sample.subarray(0, 2000));
    let error: unknown;
    try {
      while (!(await it.next()).done);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExtractError);
    expect((error as ExtractError).code).toBe('blob-changed');
  });
});

describe('ingest of a blob read by name', () => {
  it('ends the run unusable when the blob is replaced mid-read, and ingests the new version as its own run', async () => {
    const mapping = await loadMappingFile('samples/mapping.json');
    const ledger = new MemoryLedger();
    const reports = new MemoryReports();
    const deps: IngestDeps = {
      ledger,
      queue: new MemoryQueue(() => Date.now()),
      reports,
      logger: captureLogger(),
      clock: { now: () => new Date('2026-12-05T01:00:00Z') },
      loadSources: async () => defaultSources('mapping.json'),
      loadMapping: async () => mapping,
    };
    await put('night.csv', sample);
    const first = await openBlob(container.getBlobClient('night.csv'), 'hr-extracts/night.csv', { rangeBytes: 2000 });
    // Replaced once the reader has taken its first range: the next range finds another ETag.
    let replaced = false;
    async function* replacing(): AsyncGenerator<Buffer> {
      for await (const chunk of first!.content) {
        yield chunk;
        if (!replaced) {
          replaced = true;
          await put('night.csv', sample);
        }
      }
    }
    const stale = await ingestExtract({ container: 'hr-extracts', name: 'night.csv', etag: first!.etag, lastModified: first!.lastModified, content: replacing() }, deps);
    expect(stale.unusable?.rule).toBe('extract');
    expect(stale.unusable?.message).toContain('replaced or deleted while it was read');
    expect((await ledger.getRun(stale.runId))?.state).toBe('unusable');

    const second = await openBlob(container.getBlobClient('night.csv'), 'hr-extracts/night.csv');
    expect(second!.etag).not.toBe(first!.etag);
    const fresh = await ingestExtract({ container: 'hr-extracts', name: 'night.csv', etag: second!.etag, lastModified: second!.lastModified, content: second!.content }, deps);
    expect(fresh.runId).not.toBe(stale.runId);
    expect(fresh.unusable).toBeUndefined();
    expect(fresh.rows).toBeGreaterThan(0);
    expect(fresh.enqueued).toBe(fresh.valid);
  });
});
