// The request bodies a sync has sent, kept in a temporary file so a resend can take a record's
// operation exactly as it was first sent without holding every operation in memory.
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BulkOperation, BulkRequest } from '../scim/types.js';

/** Append-only store of BulkRequest bodies, read back by number. */
export class BodyStore {
  private file: FileHandle | undefined;
  private dir: string | undefined;
  private readonly spans: Array<{ offset: number; length: number }> = [];
  private size = 0;
  private writing: Promise<void> = Promise.resolve();

  /** Stores a body; returns its number. */
  add(body: string): number {
    const bytes = Buffer.from(body, 'utf8');
    const number = this.spans.length;
    this.spans.push({ offset: this.size, length: bytes.length });
    const offset = this.size;
    this.size += bytes.length;
    this.writing = this.writing.then(async () => {
      const file = await this.handle();
      await file.write(bytes, 0, bytes.length, offset);
    });
    return number;
  }

  /** The operations of stored body `number` whose externalId is in `externalIds`. */
  async operations(number: number, externalIds: ReadonlySet<string>): Promise<BulkOperation[]> {
    const span = this.spans[number];
    if (span === undefined) throw new RangeError(`no stored request body ${number}`);
    await this.writing;
    const file = await this.handle();
    const buffer = Buffer.alloc(span.length);
    await file.read(buffer, 0, span.length, span.offset);
    const request = JSON.parse(buffer.toString('utf8')) as BulkRequest;
    return request.Operations.filter((op) => externalIds.has(op.data.externalId));
  }

  /** Deletes the temporary file. */
  async dispose(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.file?.close();
    this.file = undefined;
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async handle(): Promise<FileHandle> {
    if (this.file === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), 'hrsync-sent-'));
      this.file = await open(join(this.dir, 'bodies.json'), 'w+', 0o600);
    }
    return this.file;
  }
}
