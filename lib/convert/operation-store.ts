// The operations a sync sends, kept in a temporary file so a resend takes a record's operation
// exactly as first sent, and so ordering by manager does not hold every operation in memory.
// A million operations go through here on a large first night, so nothing is allocated per
// operation that outlives it: each is written into a reused block, its place kept in typed
// arrays, and reads are served from pages of the file. One Buffer per add and per read (and a
// JS array of a million numbers each for offsets and lengths) left ~100 MB of the allocator's
// freed memory and promoted garbage in a 1M-row ingest's peak.
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BLOCK_BYTES = 1024 * 1024;
// Reads in send order walk the file forward one management depth at a time, but within a stretch of
// a depth ingest orders them by ledger partition (lib/pipeline/locality.ts): a few MB of the file
// read in any order. Pages of the file are kept, the least recently used going first; one window
// read per operation read that missed took 125 s instead of 67 s for a 1M-row ingest.
const PAGE_BYTES = 64 * 1024;
const PAGES_KEPT = 96;
// An operation's offset is the last kept offset plus the lengths after it: one offset in 16 kept
// costs at most 15 additions a read and saves 7.5 MB at a million operations.
const OFFSET_STEP = 16;

/** Append-only store of operation JSON, read back by number. */
export class OperationStore {
  private file: FileHandle | undefined;
  private dir: string | undefined;
  private count = 0;
  /** Where every OFFSET_STEP-th operation starts; the others start where the one before ends. */
  private offsets = new Float64Array(1024 / OFFSET_STEP);
  private lengths = new Uint32Array(1024);
  /** Bytes added; the file holds the first `flushedUpTo`, the blocks the rest. */
  private size = 0;
  private flushedUpTo = 0;
  private full: Buffer[] = [];
  /** Blocks written out, for reuse. */
  private spare: Buffer[] = [];
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  private used = 0;
  private flushing: Promise<void> = Promise.resolve();
  /** Pages of the file by number, in order of last use. */
  private pages = new Map<number, Promise<Buffer>>();

  /** Stores one operation's JSON; returns its number. */
  add(json: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.used + 3 * json.length > this.block.length) this.rotate(3 * json.length);
    const bytes = this.block.write(json, this.used);
    this.used += bytes;
    if (this.count === this.lengths.length) this.grow();
    if (this.count % OFFSET_STEP === 0) this.offsets[this.count / OFFSET_STEP] = this.size;
    this.lengths[this.count] = bytes;
    this.size += bytes;
    return this.count++;
  }

  /** Writes what add() buffered; call before reading, or now and then to bound memory. */
  async flush(): Promise<void> {
    // One after another: a read that came second must not find its bytes still on their way.
    const run = this.flushing.then(() => this.writeOut());
    this.flushing = run.catch(() => undefined);
    await run;
  }

  private async writeOut(): Promise<void> {
    if (this.size === this.flushedUpTo) return;
    if (this.used > 0) this.rotate(0);
    const blocks = this.full;
    this.full = [];
    const file = await this.handle();
    for (const filled of blocks) {
      await file.write(filled, 0, filled.length, this.flushedUpTo);
      this.flushedUpTo += filled.length;
      if (filled.buffer.byteLength === BLOCK_BYTES && filled.byteOffset === 0) this.spare.push(Buffer.from(filled.buffer, 0, BLOCK_BYTES));
    }
  }

  /** Whether enough is buffered that the caller should flush. */
  get shouldFlush(): boolean {
    return this.size - this.flushedUpTo >= BLOCK_BYTES;
  }

  /** The JSON stored under `number`. */
  async read(number: number): Promise<string> {
    if (!Number.isInteger(number) || number < 0 || number >= this.count) throw new RangeError(`no stored operation ${number}`);
    const first = number - (number % OFFSET_STEP);
    let offset = this.offsets[first / OFFSET_STEP] as number;
    for (let n = first; n < number; n++) offset += this.lengths[n] as number;
    const length = this.lengths[number] as number;
    // Written out already when the file holds every byte added (flushedUpTo moves only once a write is done).
    if (this.flushedUpTo < this.size) await this.flush();
    const page = Math.floor(offset / PAGE_BYTES);
    const at = offset - page * PAGE_BYTES;
    if (at + length > PAGE_BYTES) {
      // Across a page boundary: read on its own.
      const own = Buffer.allocUnsafe(length);
      const { bytesRead } = await (await this.handle()).read(own, 0, length, offset);
      if (bytesRead < length) throw new Error(`stored operation ${number} is cut short in its file`);
      return own.toString('utf8');
    }
    let bytes = await this.page(page);
    if (at + length > bytes.length) {
      // The page was read while it was the end of the file; more was added since.
      this.pages.delete(page);
      bytes = await this.page(page);
    }
    if (at + length > bytes.length) throw new Error(`stored operation ${number} is cut short in its file`);
    return bytes.toString('utf8', at, at + length);
  }

  // A page of the file, read once while it stays among the most recently used.
  private page(n: number): Promise<Buffer> {
    let bytes = this.pages.get(n);
    if (bytes !== undefined) {
      this.pages.delete(n);
    } else {
      bytes = (async () => {
        const buffer = Buffer.allocUnsafeSlow(PAGE_BYTES);
        const { bytesRead } = await (await this.handle()).read(buffer, 0, PAGE_BYTES, n * PAGE_BYTES);
        return buffer.subarray(0, bytesRead);
      })();
      // A failed read is not kept.
      bytes.catch(() => this.pages.get(n) === bytes && this.pages.delete(n));
      if (this.pages.size >= PAGES_KEPT) this.pages.delete(this.pages.keys().next().value as number);
    }
    this.pages.set(n, bytes);
    return bytes;
  }

  /** Deletes the temporary file. */
  async dispose(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  // Puts the filled part of the block aside for flush() and starts one with room for `need` bytes.
  private rotate(need: number): void {
    if (this.used > 0) {
      this.full.push(this.block.subarray(0, this.used));
      this.block = need <= BLOCK_BYTES ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES)) : Buffer.allocUnsafeSlow(need);
    } else if (need > this.block.length) {
      this.block = Buffer.allocUnsafeSlow(need);
    }
    this.used = 0;
  }

  private grow(): void {
    // Both grow together: lengths by the operation, offsets by the step.
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }

  private async handle(): Promise<FileHandle> {
    if (this.file === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), 'hrsync-sync-'));
      this.file = await open(join(this.dir, 'operations.json'), 'w+', 0o600);
    }
    return this.file;
  }
}
