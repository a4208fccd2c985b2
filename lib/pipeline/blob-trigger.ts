// What the blob trigger's metadata says about the blob version that fired it. The host's
// metadata names vary with the trigger source, so several spellings are read; without an ETag
// the content's hash stands in, so a re-delivery still maps to the same run.
import { createHash } from 'node:crypto';

export interface BlobVersion {
  name: string;
  etag: string;
  lastModified: Date;
}

function pick(source: unknown, ...keys: string[]): unknown {
  if (source === null || typeof source !== 'object') return undefined;
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/** The blob's name (path within the container), ETag and last-modified time from trigger metadata. */
export function blobVersion(metadata: Record<string, unknown>, content: Buffer): BlobVersion {
  const path = pick(metadata, 'blobTrigger', 'BlobTrigger');
  const nameFromPath = typeof path === 'string' && path.includes('/') ? path.slice(path.indexOf('/') + 1) : undefined;
  const name = String(pick(metadata, 'name') ?? nameFromPath ?? 'extract');
  const properties = pick(metadata, 'properties', 'Properties');
  const etag = pick(properties, 'etag', 'eTag', 'ETag');
  const modified = pick(properties, 'lastModified', 'LastModified');
  const lastModified = modified === undefined ? new Date() : new Date(String(modified));
  return {
    name,
    etag: typeof etag === 'string' ? etag : `sha256:${createHash('sha256').update(content).digest('hex')}`,
    lastModified: Number.isNaN(lastModified.getTime()) ? new Date() : lastModified,
  };
}
