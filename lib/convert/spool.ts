// Valid operations wait here until the whole file is read, because a duplicate found at
// the last row withdraws a row that was valid at the first. Operations are kept as binary
// records (see spool-records.ts) in blocks of bytes: small runs stay in memory, larger
// ones go to a temporary file, so memory does not grow with the extract and the heap
// holds no per-operation strings.
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerializedOperation } from '../scim/bulk.js';
import { readRecord, recordBound, recordLength, writeRecord } from './spool-records.js';

/** Holds serialized operations between reading a file and batching it. */
export interface OperationSpool {
  write(op: SerializedOperation): Promise<void> | void;
  /** Appends whole records already in the spool's format (spool-records.ts), in order; for spools that keep them as bytes. */
  writeRecords?(records: Buffer): Promise<void> | void;
  /** Reads back every operation in write order. Call once, after the last write. */
  read(): AsyncIterable<SerializedOperation>;
  /** Releases what the spool holds (deletes its file). */
  dispose(): Promise<void>;
}

/** A spool that can hand out its records as raw blocks (see spool-records.ts), for batching without decoding each operation. */
export interface RecordBlockSource {
  /**
   * Every record in write order, in blocks that each hold whole records only. A block is
   * only valid until the iteration resumes: its memory is reused for the next one.
   */
  blocks(): AsyncIterable<Buffer>;
}

const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
const BLOCK_BYTES = 1024 * 1024;
const MIN_BLOCK_BYTES = 4096;

/** A spool in memory up to `memoryBytes`, then in a temporary file. */
export class TempFileSpool implements OperationSpool, RecordBlockSource {
  // Filled blocks kept in memory until the budget is passed.
  private full: Buffer[] = [];
  private fullBytes = 0;
  private block: Buffer;
  private used = 0;
  // A block whose file write has finished, ready for reuse.
  private spare: Buffer | undefined;
  private file: FileHandle | undefined;
  private path: string | undefined;
  private dir: string | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly blockBytes: number;

  constructor(private readonly maxMemoryBytes = DEFAULT_MEMORY_BYTES) {
    this.blockBytes = Math.max(MIN_BLOCK_BYTES, Math.min(BLOCK_BYTES, maxMemoryBytes));
    this.block = Buffer.allocUnsafeSlow(this.blockBytes);
  }

  write(op: SerializedOperation): Promise<void> | void {
    const bound = recordBound(op);
    if (this.used + bound <= this.block.length) {
      this.used = writeRecord(this.block, this.used, op);
      return;
    }
    const pending = this.rotate(bound);
    this.used = writeRecord(this.block, this.used, op);
    return pending;
  }

  writeRecords(records: Buffer): Promise<void> | void {
    let pending: Promise<void> | undefined;
    const end = records.length;
    let at = 0;
    while (at < end) {
      // As many whole records as the block has room for, copied at once: a block never cuts a record.
      const room = this.block.length - this.used;
      let stop = at;
      for (let n = recordLength(records, stop, end); n >= 0 && stop + n <= end && stop + n - at <= room; n = recordLength(records, stop, end)) stop += n;
      if (stop === at) {
        const n = recordLength(records, at, end);
        if (n < 0 || at + n > end) throw new RangeError('writeRecords was given a record cut short');
        pending = this.rotate(n) ?? pending;
        continue;
      }
      records.copy(this.block, this.used, at, stop);
      this.used += stop - at;
      at = stop;
    }
    return pending;
  }

  async *read(): AsyncIterable<SerializedOperation> {
    for await (const block of this.blocks()) {
      const end = block.length;
      for (let at = 0; at < end; at += recordLength(block, at, end)) yield readRecord(block, at);
    }
  }

  async *blocks(): AsyncIterable<Buffer> {
    if (this.path === undefined) {
      for (const block of this.full) yield block;
      if (this.used > 0) yield this.block.subarray(0, this.used);
      return;
    }
    if (this.used > 0) {
      await this.toFile(this.block.subarray(0, this.used));
      this.used = 0;
    }
    await this.writing;
    if (this.file !== undefined) await this.file.close();
    this.file = undefined;
    yield* readBlocks(this.path, this.blockBytes);
  }

  async dispose(): Promise<void> {
    this.full = [];
    this.fullBytes = 0;
    this.used = 0;
    await this.writing.catch(() => undefined);
    if (this.file !== undefined) await this.file.close();
    this.file = undefined;
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.path = undefined;
  }

  // Puts the current block away and starts one with room for `bound` bytes.
  private rotate(bound: number): Promise<void> | void {
    let pending: Promise<void> | undefined;
    if (this.used > 0) {
      const filled = this.block.subarray(0, this.used);
      if (this.path === undefined) {
        this.full.push(filled);
        this.fullBytes += this.used;
        if (this.fullBytes > this.maxMemoryBytes) pending = this.spill();
      } else {
        pending = this.toFile(filled);
      }
    }
    const size = Math.max(this.blockBytes, bound);
    const spare = this.spare;
    this.spare = undefined;
    this.block = spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafeSlow(size);
    this.used = 0;
    return pending;
  }

  private spill(): Promise<void> {
    const blocks = this.full;
    this.full = [];
    this.fullBytes = 0;
    this.path = '';
    this.writing = this.writing.then(async () => {
      this.dir = await mkdtemp(join(tmpdir(), 'hrsync-spool-'));
      this.path = join(this.dir, 'ops.bin');
      this.file = await open(this.path, 'w', 0o600);
    });
    for (const block of blocks) void this.toFile(block);
    return this.writing;
  }

  // File writes run one after another, in order; a block of the standard size is reused once written.
  private toFile(block: Buffer): Promise<void> {
    this.writing = this.writing.then(async () => {
      await (this.file as FileHandle).write(block, 0, block.length);
      if (block.buffer.byteLength === this.blockBytes && block.byteOffset === 0) this.spare = Buffer.from(block.buffer, 0, this.blockBytes);
    });
    return this.writing;
  }
}

// Reads the spool file back in blocks of whole records; a record cut by the end of a read
// moves to the front of the buffer, which grows when one record is larger than it.
async function* readBlocks(path: string, blockBytes: number): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(blockBytes);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
      filled += bytesRead;
      let end = 0;
      for (;;) {
        const length = recordLength(buffer, end, filled);
        if (length < 0 || end + length > filled) break;
        end += length;
      }
      if (end > 0) yield buffer.subarray(0, end);
      if (bytesRead === 0) {
        if (end !== filled) throw new Error(`spool file ${path} ends inside a record`);
        return;
      }
      buffer.copyWithin(0, end, filled);
      filled -= end;
      const need = recordLength(buffer, 0, filled);
      if (need > buffer.length) {
        const bigger = Buffer.allocUnsafe(need);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
    }
  } finally {
    await file.close();
  }
}

/** A spool that keeps nothing: for validation runs, which only count. */
export class DiscardSpool implements OperationSpool {
  write(): void {}
  async *read(): AsyncIterable<SerializedOperation> {}
  async dispose(): Promise<void> {}
}
