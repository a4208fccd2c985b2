// SHA-256 of text, for the hashes every part keys or compares things by.
import * as crypto from 'node:crypto';

// crypto.hash (Node 20.12+) digests without a Hash object: a million records no longer leave a
// million native hash contexts for the garbage collector to find, and a digest takes ~1 µs instead
// of ~4 (a partition key per record and per manager made ingest's send order 165 ms of one
// stretch at 20,000 records, before the first message). Earlier Node 20s use createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex' | 'buffer') => unknown }).hash;

/** The SHA-256 of `text` (UTF-8), as hex. */
export function sha256Hex(text: string): string {
  return oneShot === undefined ? crypto.createHash('sha256').update(text, 'utf8').digest('hex') : (oneShot('sha256', text, 'hex') as string);
}

/** The SHA-256 of `text` (UTF-8), as bytes. */
export function sha256(text: string): Buffer {
  return oneShot === undefined ? crypto.createHash('sha256').update(text, 'utf8').digest() : (oneShot('sha256', text, 'buffer') as Buffer);
}
