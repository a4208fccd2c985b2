// The mapping the pipeline maps with lives in a blob, so it can change without a deployment.
// It is compiled once per version: the ETag is checked on every call, the body read only
// when it changed.
import type { BlockBlobClient } from '@azure/storage-blob';
import { MappingError } from '../mapping/errors.js';
import { loadMapping, parseMappingJson } from '../mapping/load.js';
import type { Mapping } from '../mapping/types.js';

/** A loader for the mapping in `blob` (named `source` in errors), recompiled only when its ETag changes. */
export function mappingFromBlob(blob: BlockBlobClient, source: string): () => Promise<Mapping> {
  let cached: { etag: string; mapping: Mapping } | undefined;
  return async () => {
    let etag: string;
    try {
      etag = (await blob.getProperties()).etag ?? '';
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404)
        throw new MappingError(source, '', 'the mapping blob does not exist; upload the mapping there or change HRSYNC_MAPPING_BLOB');
      throw err;
    }
    if (cached?.etag !== etag) {
      const text = (await blob.downloadToBuffer()).toString('utf8');
      cached = { etag, mapping: loadMapping(parseMappingJson(text, source), source) };
    }
    return cached.mapping;
  };
}
