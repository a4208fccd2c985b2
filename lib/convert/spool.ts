// Valid operations wait here until the whole file is read, because a duplicate found at
// the last row withdraws a row that was valid at the first. Small runs stay in memory;
// larger ones go to a temporary file so memory does not grow with the extract.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SerializedOperation } from '../scim/bulk.js';

/** Holds serialized operations between reading a file and batching it. */
export interface OperationSpool {
  write(op: SerializedOperation): Promise<void> | void;
  /** Reads back every operation in write order. Call once, after the last write. */
  read(): AsyncIterable<SerializedOperation>;
  /** Releases what the spool holds (deletes its file). */
  dispose(): Promise<void>;
}

const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
const FLUSH_BYTES = 1024 * 1024;

/** A spool in memory up to `memoryBytes`, then in a temporary file. */
export class TempFileSpool implements OperationSpool {
  private memory: SerializedOperation[] = [];
  private memoryBytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private file: FileHandle | undefined;
  private dir: string | undefined;

  constructor(private readonly maxMemoryBytes = DEFAULT_MEMORY_BYTES) {}

  write(op: SerializedOperation): Promise<void> | void {
    if (this.file === undefined) {
      this.memory.push(op);
      this.memoryBytes += op.json.length + op.externalId.length + 16;
      if (this.memoryBytes <= this.maxMemoryBytes) return;
      return this.spill();
    }
    const line = encode(op);
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) return this.flushPending();
  }

  async *read(): AsyncIterable<SerializedOperation> {
    if (this.file === undefined) {
      yield* this.memory;
      return;
    }
    await this.flushPending();
    await this.file.close();
    this.file = undefined;
    const lines = createInterface({ input: createReadStream(join(this.dir as string, 'ops.tsv'), { highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });
    for await (const line of lines) yield decode(line);
  }

  async dispose(): Promise<void> {
    this.memory = [];
    if (this.file !== undefined) await this.file.close();
    this.file = undefined;
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async spill(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'hrsync-spool-'));
    this.file = await open(join(this.dir, 'ops.tsv'), 'w', 0o600);
    for (const op of this.memory) this.pending.push(encode(op));
    this.pendingBytes = this.memoryBytes;
    this.memory = [];
    this.memoryBytes = 0;
    await this.flushPending();
  }

  private async flushPending(): Promise<void> {
    if (this.pending.length === 0 || this.file === undefined) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    await this.file.write(chunk);
  }
}

// One operation per line: line number, the externalId as JSON (so tabs or newlines in it
// cannot break the framing) and the operation JSON, which JSON.stringify keeps on one line.
function encode(op: SerializedOperation): string {
  return `${op.line}\t${JSON.stringify(op.externalId)}\t${op.json}\n`;
}

function decode(text: string): SerializedOperation {
  const a = text.indexOf('\t');
  const b = text.indexOf('\t', a + 1);
  return { line: Number(text.slice(0, a)), externalId: JSON.parse(text.slice(a + 1, b)) as string, json: text.slice(b + 1) };
}

/** A spool that keeps nothing: for validation runs, which only count. */
export class DiscardSpool implements OperationSpool {
  write(): void {}
  async *read(): AsyncIterable<SerializedOperation> {}
  async dispose(): Promise<void> {}
}
