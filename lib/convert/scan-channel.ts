// A scan split over two threads: the calling thread reads and parses the CSV (as fast as
// csv-parse goes) and posts the rows in batches; a worker maps, validates, serializes and
// catches duplicates (RowScanner, exactly as on one thread) and posts back each batch's
// problems, in row order, and its valid operations as spool records (spool-records.ts), written
// into the batch's slot of shared memory (SLOTS below), which the calling thread appends to the
// spool as they are. A few batches at most are in flight, so memory stays bounded whatever the file.
import type { Extract, ExtractRow, RowDefect } from '../extract/types.js';
import { loadMapping } from '../mapping/document.js';
import type { Mapping } from '../mapping/types.js';
import type { BatchLimits, SerializedOperation } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { RowScanner } from './row-scan.js';
import type { RowScanTotals } from './row-scan.js';
import type { OperationSpool } from './spool.js';
import { readRecord, recordBound, recordLength, writeRecord } from './spool-records.js';

/** The end of a channel: a worker's parentPort, a Worker, or a MessagePort. */
export interface ScanPort {
  postMessage(value: unknown, transfer?: readonly ArrayBuffer[]): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of Node's ports and Worker
  on(event: 'message', listener: (value: any) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of Node's ports and Worker
  off(event: 'message', listener: (value: any) => void): unknown;
}

const BATCH_ROWS = 512;
const BATCH_CHARS = 48 * 1024;
const IN_FLIGHT = 4;
// Shared memory the worker writes each batch's records into, one slot per batch in flight and one
// more: the reading thread has copied batch n out before it posts batch n + SLOTS (see send), so a
// slot is never written while read. A batch whose records outgrow its slot goes in a buffer of its
// own, transferred. Allocated once by the reading thread: a buffer per batch came from the worker
// thread's own malloc arena, which outlives the worker (~9 MB more at ingest's peak at 1M rows).
const SLOTS = IN_FLIGHT + 1;
const SLOT_BYTES = 512 * 1024;

interface InitMessage {
  type: 'init';
  document: unknown;
  source: string;
  columns: readonly string[] | undefined;
  file: string;
  limits: BatchLimits;
  keep: boolean;
  /** SLOTS slots of SLOT_BYTES for the batches' records; absent when none are sent back. */
  slots?: SharedArrayBuffer;
}
interface RowsMessage {
  type: 'rows';
  lines: Int32Array;
  widths: Int32Array;
  lengths: Int32Array;
  text: string;
  defects: RowDefect[];
}
interface EndMessage {
  type: 'end';
}
type ToWorker = InitMessage | RowsMessage | EndMessage;

interface BatchReply {
  type: 'batch';
  problems: Problem[];
  /** The batch's valid operations as whole spool records, in its slot of the shared memory: which slot, and how many bytes. */
  slot?: { index: number; bytes: number };
  /** Or, when they outgrew the slot, in a buffer of their own, filled and transferred, not copied. */
  ops: Uint8Array | null;
}
interface DoneReply {
  type: 'done';
  problems: Problem[];
  totals: RowScanTotals;
  unseenColumns: string[];
}
interface ErrorReply {
  type: 'error';
  name: string;
  message: string;
  stack?: string;
}
type FromWorker = BatchReply | DoneReply | ErrorReply;

/** What a scan through a channel gives back. */
export interface ChannelScan {
  rows: number;
  truncated: boolean;
  totals: RowScanTotals;
  unseenColumns: string[];
}

/**
 * The calling thread's side: posts the extract's rows to `port` and applies the replies.
 * `keep` false: the worker sends no operations back (the spool would discard them).
 * `fail` is for the owner to reject the scan (the worker died).
 */
export class ScanClient {
  private readonly inbox: FromWorker[] = [];
  private waiter: { resolve: (m: FromWorker) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private readonly listener = (message: FromWorker): void => this.deliver(message);

  constructor(private readonly port: ScanPort) {
    port.on('message', this.listener);
  }

  /** Rejects the scan: the next reply awaited throws `error`. */
  fail(error: unknown): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  async scan(
    extract: Extract,
    mapping: Mapping,
    options: { spool: OperationSpool; onProblem: (p: Problem) => void; limit: number; limits: BatchLimits; keep: boolean },
  ): Promise<ChannelScan> {
    try {
      const slots = options.keep ? new SharedArrayBuffer(SLOTS * SLOT_BYTES) : undefined;
      this.post({
        type: 'init',
        document: mapping.document,
        source: mapping.source,
        columns: extract.columns,
        file: extract.file,
        limits: options.limits,
        keep: options.keep,
        ...(slots === undefined ? {} : { slots }),
      });
      const apply = async (reply: FromWorker): Promise<void> => {
        for (const p of reply.type === 'error' ? [] : reply.problems) options.onProblem(p);
        if (reply.type !== 'batch') return;
        let records: Buffer;
        if (reply.slot !== undefined && slots !== undefined) {
          if (reply.slot.bytes === 0) return;
          records = Buffer.from(slots, reply.slot.index * SLOT_BYTES, reply.slot.bytes);
        } else if (reply.ops !== null) {
          records = Buffer.from(reply.ops.buffer, reply.ops.byteOffset, reply.ops.byteLength);
        } else {
          return;
        }
        const spool = options.spool;
        if (spool.writeRecords !== undefined) {
          const pending = spool.writeRecords(records);
          if (pending !== undefined) await pending;
          return;
        }
        for (let at = 0; at < records.length; at += recordLength(records, at, records.length)) {
          const pending = spool.write(readRecord(records, at));
          if (pending !== undefined) await pending;
        }
      };
      let inFlight = 0;
      const batch = new RowBatch(extract.columns?.length ?? 1);
      const send = async (): Promise<void> => {
        if (batch.count === 0) return;
        this.post(batch.take());
        inFlight++;
        while (inFlight >= IN_FLIGHT) {
          await apply(this.expect(await this.next(), 'batch'));
          inFlight--;
        }
      };

      let rows = 0;
      let truncated = false;
      try {
        for await (const row of extract.rows) {
          if (rows >= options.limit) {
            truncated = true;
            break;
          }
          rows++;
          if (batch.add(row)) await send();
        }
      } catch (error) {
        if (this.failure !== undefined) throw this.failure;
        // Rows before a fault are reported before the fault is, as on one thread.
        await send();
        for (; inFlight > 0; inFlight--) await apply(this.expect(await this.next(), 'batch'));
        throw error;
      }
      await send();
      for (; inFlight > 0; inFlight--) await apply(this.expect(await this.next(), 'batch'));
      this.post({ type: 'end' });
      const done = this.expect(await this.next(), 'done') as DoneReply;
      await apply(done);
      return { rows, truncated, totals: done.totals, unseenColumns: done.unseenColumns };
    } finally {
      this.port.off('message', this.listener);
    }
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(message, transfer);
  }

  private deliver(message: FromWorker): void {
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.inbox.push(message);
      return;
    }
    this.waiter = undefined;
    waiter.resolve(message);
  }

  private next(): Promise<FromWorker> {
    const message = this.inbox.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private expect(message: FromWorker, type: 'batch' | 'done'): FromWorker {
    if (message.type === 'error') {
      const error = new Error(message.message);
      error.name = message.name;
      if (message.stack !== undefined) error.stack = message.stack;
      // The worker has stopped answering: nothing more is awaited from it.
      this.failure ??= error;
      throw error;
    }
    if (message.type !== type) throw new Error(`scan worker sent '${message.type}' where '${type}' was due`);
    return message;
  }
}

// Rows packed for posting: one string of every field, their lengths, each row's line and width.
class RowBatch {
  count = 0;
  private lines = new Int32Array(BATCH_ROWS);
  private widths = new Int32Array(BATCH_ROWS);
  private lengths: Int32Array;
  private fieldCount = 0;
  private parts: string[] = [];
  private chars = 0;
  private defects: RowDefect[] = [];

  constructor(private readonly columns: number) {
    this.lengths = new Int32Array(BATCH_ROWS * columns);
  }

  /** Adds a row; true when the batch is full. */
  add(row: ExtractRow): boolean {
    const n = this.count++;
    this.lines[n] = row.line;
    if (row.defect !== undefined) {
      // Rows with a defect are never mapped: only their defect is reported.
      this.widths[n] = -1 - this.defects.length;
      this.defects.push(row.defect);
    } else {
      const fields = row.fields as readonly string[];
      const width = fields.length;
      this.widths[n] = width;
      if (this.fieldCount + width > this.lengths.length) {
        const bigger = new Int32Array(Math.max(this.lengths.length * 2, this.fieldCount + width));
        bigger.set(this.lengths);
        this.lengths = bigger;
      }
      for (let k = 0; k < width; k++) {
        const field = fields[k] as string;
        this.lengths[this.fieldCount++] = field.length;
        this.parts.push(field);
        this.chars += field.length;
      }
    }
    return this.count >= BATCH_ROWS || this.chars >= BATCH_CHARS;
  }

  take(): RowsMessage {
    // Views, not copies: posting copies them, and the arrays are reused for the next batch.
    const message: RowsMessage = {
      type: 'rows',
      lines: this.lines.subarray(0, this.count),
      widths: this.widths.subarray(0, this.count),
      lengths: this.lengths.subarray(0, this.fieldCount),
      text: this.parts.join(''),
      defects: this.defects,
    };
    this.count = 0;
    this.fieldCount = 0;
    this.parts = [];
    this.chars = 0;
    this.defects = [];
    return message;
  }
}

/** The worker's side: answers one scan's messages on `port` until its end. */
export function serveScan(port: ScanPort): void {
  let state: WorkerScan | undefined;
  const onMessage = (message: ToWorker): void => {
    try {
      if (message.type === 'init') {
        state = new WorkerScan(message);
      } else if (message.type === 'rows') {
        const reply = (state as WorkerScan).rows(message);
        port.postMessage(reply, reply.ops === null ? [] : [reply.ops.buffer as ArrayBuffer]);
      } else {
        port.postMessage((state as WorkerScan).end());
        port.off('message', onMessage);
      }
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: 'error', name: e.name, message: e.message, stack: e.stack } satisfies ErrorReply);
      port.off('message', onMessage);
    }
  };
  port.on('message', onMessage);
}

// The first buffer of valid operations a batch gets; later ones start at the size the last batch needed.
const FIRST_OPS_BYTES = 64 * 1024;

class WorkerScan {
  private readonly scanner: RowScanner<void>;
  private readonly unseen: () => string[];
  private problems: Problem[] = [];
  private readonly slots: Buffer | undefined;
  private batch = 0;
  // Where this batch's records go: its slot, or once they outgrow it a buffer of their own, which posting transfers away.
  private ops: Buffer | undefined;
  private used = 0;
  private opsBytes = FIRST_OPS_BYTES;

  constructor(init: InitMessage) {
    const mapping = loadMapping(init.document, init.source);
    const mapper = mapping.bind(init.columns, init.file);
    this.unseen = () => mapper.unseenColumns();
    this.slots = init.slots === undefined ? undefined : Buffer.from(init.slots);
    const emit = init.keep ? (op: SerializedOperation): void => this.emit(op) : (): void => undefined;
    this.scanner = new RowScanner(init.file, mapper, mapping.attributes, init.limits, (p) => this.problems.push(p), emit);
  }

  rows(message: RowsMessage): BatchReply {
    const { lines, widths, lengths, text, defects } = message;
    const slot = this.batch++ % SLOTS;
    this.ops = this.slots?.subarray(slot * SLOT_BYTES, (slot + 1) * SLOT_BYTES);
    let field = 0;
    let at = 0;
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n] as number;
      const width = widths[n] as number;
      if (width < 0) {
        this.scanner.row({ line, fields: [], defect: defects[-1 - width] as RowDefect });
        continue;
      }
      const fields = new Array<string>(width);
      for (let k = 0; k < width; k++) {
        const end = at + (lengths[field++] as number);
        fields[k] = text.slice(at, end);
        at = end;
      }
      this.scanner.row({ line, fields });
    }
    let reply: BatchReply;
    // Still in the slot unless emit moved them to a buffer of their own.
    if (this.ops !== undefined && this.ops.buffer === this.slots?.buffer) {
      reply = { type: 'batch', problems: this.problems, slot: { index: slot, bytes: this.used }, ops: null };
    } else {
      const ops = this.ops === undefined ? null : this.ops.subarray(0, this.used);
      if (ops !== null) this.opsBytes = Math.max(FIRST_OPS_BYTES, Math.ceil(this.used * 1.25));
      reply = { type: 'batch', problems: this.problems, ops };
    }
    this.problems = [];
    this.ops = undefined;
    this.used = 0;
    return reply;
  }

  end(): DoneReply {
    const totals = this.scanner.finish();
    return { type: 'done', problems: this.problems, totals, unseenColumns: this.unseen() };
  }

  private emit(op: SerializedOperation): void {
    const bound = recordBound(op);
    let ops = this.ops;
    if (ops === undefined || this.used + bound > ops.length) {
      // Its own ArrayBuffer, not a slice of Node's shared pool: only a whole buffer can be transferred.
      const bigger = Buffer.from(new ArrayBuffer(Math.max(this.opsBytes, 2 * (ops?.length ?? 0), this.used + bound)));
      if (ops !== undefined) ops.copy(bigger, 0, 0, this.used);
      this.ops = ops = bigger;
    }
    this.used = writeRecord(ops, this.used, op);
  }
}
