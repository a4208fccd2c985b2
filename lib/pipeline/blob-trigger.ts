// Which blob fired the trigger, from its metadata. The host's metadata names vary with the
// trigger source, so several spellings are read. Only the name is taken here: the version
// (ETag, last-modified) comes from the read itself (blob-read.ts), so the run id names exactly
// the bytes ingested, even when the blob was replaced between its event and the read.

function pick(source: unknown, ...keys: string[]): unknown {
  if (source === null || typeof source !== 'object') return undefined;
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/** The blob's name (path within its container) from trigger metadata; undefined when the metadata names none. */
export function blobName(metadata: Record<string, unknown>): string | undefined {
  const path = pick(metadata, 'blobTrigger', 'BlobTrigger');
  // `name` is the {name} of the trigger path; the full path is the fallback when the path has no {name}.
  const name = pick(metadata, 'name');
  if (typeof name === 'string') return name;
  if (typeof path === 'string' && path.includes('/')) return path.slice(path.indexOf('/') + 1);
  return undefined;
}
