// Chunk-level UTF-8 validation, so that rows are only searched for U+FFFD once a file
// is known to hold invalid bytes (the common, valid file pays one native pass per chunk).
import { isUtf8 } from 'node:buffer';

const EMPTY = Buffer.alloc(0);

/** Watches a UTF-8 byte stream chunk by chunk; `invalid` turns true at the first bad sequence. */
export class Utf8Check {
  invalid = false;
  // The start of a multi-byte character cut off at the end of the previous chunk.
  private carry: Buffer = EMPTY;

  /** Checks the next chunk of the stream. */
  check(chunk: Buffer): void {
    if (this.invalid) return;
    let start = 0;
    if (this.carry.length > 0) {
      const need = sequenceLength(this.carry[0]!) - this.carry.length;
      const joined = Buffer.concat([this.carry, chunk.subarray(0, need)]);
      if (chunk.length < need) {
        this.carry = joined;
        return;
      }
      this.carry = EMPTY;
      if (!isUtf8(joined)) {
        this.invalid = true;
        return;
      }
      start = need;
    }
    const end = incompleteTail(chunk, start);
    if (!isUtf8(chunk.subarray(start, end))) {
      this.invalid = true;
      return;
    }
    if (end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
  }

  /** Marks the stream ended: a character still cut off is invalid. */
  end(): void {
    if (this.carry.length > 0) this.invalid = true;
    this.carry = EMPTY;
  }
}

function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

// Where a trailing multi-byte character that needs more bytes begins, else chunk.length.
function incompleteTail(chunk: Buffer, start: number): number {
  const length = chunk.length;
  for (let back = 1; back <= 3 && length - back >= start; back++) {
    const byte = chunk[length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0 && sequenceLength(byte) > back) return length - back;
    return length;
  }
  return length;
}
