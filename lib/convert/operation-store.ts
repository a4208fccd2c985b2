// The operations a sync sends, kept in a temporary file so a resend takes a record's operation
// exactly as first sent, and so ordering by manager does not hold every operation in memory.
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Append-only store of operation JSON, read back by number. */
export class OperationStore {
  private file: FileHandle | undefined;
  private dir: string | undefined;
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private size = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushedUpTo = 0;

  /** Stores one operation's JSON; returns its number. */
  add(json: string): number {
    const bytes = Buffer.from(json, 'utf8');
    this.offsets.push(this.size);
    this.lengths.push(bytes.length);
    this.size += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    return this.offsets.length - 1;
  }

  /** Writes what add() buffered; call before reading, or now and then to bound memory. */
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const at = this.flushedUpTo;
    this.flushedUpTo += chunk.length;
    const file = await this.handle();
    await file.write(chunk, 0, chunk.length, at);
  }

  /** Whether enough is buffered that the caller should flush. */
  get shouldFlush(): boolean {
    return this.pendingBytes >= 1024 * 1024;
  }

  /** The JSON stored under `number`. */
  async read(number: number): Promise<string> {
    const offset = this.offsets[number];
    const length = this.lengths[number];
    if (offset === undefined || length === undefined) throw new RangeError(`no stored operation ${number}`);
    await this.flush();
    const buffer = Buffer.alloc(length);
    await (await this.handle()).read(buffer, 0, length, offset);
    return buffer.toString('utf8');
  }

  /** Deletes the temporary file. */
  async dispose(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async handle(): Promise<FileHandle> {
    if (this.file === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), 'hrsync-sync-'));
      this.file = await open(join(this.dir, 'operations.json'), 'w+', 0o600);
    }
    return this.file;
  }
}
