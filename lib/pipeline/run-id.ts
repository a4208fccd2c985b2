// A run is one version of one extract: the same blob delivered twice is the same run, a new
// upload of the same name (new ETag) is a new one.
import { createHash } from 'node:crypto';

/** The run id for a blob version: a date prefix for humans, a hash for uniqueness. */
export function runIdFor(container: string, name: string, etag: string, at: Date): string {
  const hash = createHash('sha256').update(`${container}/${name}\u0000${etag}`).digest('hex').slice(0, 20);
  // The date comes from the blob's version, not the clock, so a retry next day keeps the id.
  return `${at.toISOString().slice(0, 10).replace(/-/g, '')}-${hash}`;
}

/** sha256 of an operation's JSON, to tell an unchanged record from a changed one. */
export function payloadHash(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}
