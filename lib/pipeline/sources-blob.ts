// The sources file lives in a blob beside the mappings, so sources can be added without a
// deployment. It is read again only when its ETag changes; when it does not exist the app has
// one source, `default`, mapped with HRSYNC_MAPPING_BLOB.
import type { BlockBlobClient } from '@azure/storage-blob';
import { defaultSources, parseSourcesJson } from '../sources/sources.js';
import type { SourcesConfig } from '../sources/sources.js';

/** A loader for the sources file in `blob` (named `origin` in errors); `mapping` is the mapping of the default source when there is none. */
export function sourcesFromBlob(blob: BlockBlobClient, origin: string, mapping: string): { load: () => Promise<SourcesConfig> } {
  let cached: { etag: string; config: SourcesConfig } | undefined;
  return {
    async load() {
      let etag: string;
      try {
        etag = (await blob.getProperties()).etag ?? '';
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return defaultSources(mapping, `${origin} (absent)`);
        throw err;
      }
      if (cached?.etag !== etag) cached = { etag, config: parseSourcesJson((await blob.downloadToBuffer()).toString('utf8'), origin) };
      return cached.config;
    },
  };
}
