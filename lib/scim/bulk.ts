// BulkRequest assembly. Operations are serialized once, when the row is mapped, and
// requests are joined from those strings: a 1M-row extract is never re-parsed or
// re-stringified to build its 20,000 requests.
import { BULK_REQUEST_SCHEMA, MAX_OPERATIONS_PER_REQUEST } from './schemas.js';
import type { BulkOperation, BulkRequest, ScimUser } from './types.js';

/** The bulkId of a record: its externalId, so a resend of the same record correlates with the first send. */
export function bulkIdFor(externalId: string): string {
  return externalId;
}

/** Wraps a user as the POST operation bulkUpload expects. */
export function toOperation(user: ScimUser): BulkOperation {
  return { method: 'POST', bulkId: bulkIdFor(user.externalId), path: '/Users', data: user };
}

/** Serializes a user's operation to the exact JSON that will be sent. */
export function serializeOperation(user: ScimUser): string {
  // The same text as JSON.stringify(toOperation(user)), but the wrapper and the schemas
  // (a fifth of every operation, the same on every row) are not serialized again each
  // time: schemas is set to undefined, which JSON.stringify leaves out, while the rest is.
  const schemas = user.schemas as unknown;
  const externalId = user.externalId as unknown;
  if (typeof externalId !== 'string' || !Array.isArray(schemas) || Object.getPrototypeOf(user) !== Object.prototype || firstKey(user) !== 'schemas') {
    return JSON.stringify(toOperation(user));
  }
  const descriptor = Object.getOwnPropertyDescriptor(user, 'schemas');
  if (descriptor?.writable !== true || Object.isFrozen(user)) return JSON.stringify(toOperation(user));
  const schemasJson = schemasText(schemas);
  let rest: string;
  try {
    (user as { schemas?: unknown }).schemas = undefined;
    rest = JSON.stringify(user);
  } finally {
    user.schemas = schemas as string[];
  }
  return `${OP_HEAD}${JSON.stringify(externalId)}${OP_DATA}${schemasJson}${rest === '{}' ? '}' : `,${rest.slice(1)}`}}`;
}

const OP_HEAD = '{"method":"POST","bulkId":';
const OP_DATA = ',"path":"/Users","data":{"schemas":';
let lastSchemas: readonly unknown[] = [];
let lastSchemasJson = '[]';

// Every user of a mapping has the same schemas (in a fresh array): their JSON is kept.
function schemasText(schemas: readonly unknown[]): string {
  if (schemas.length === lastSchemas.length && schemas.every((s, i) => s === lastSchemas[i])) return lastSchemasJson;
  lastSchemas = schemas.slice();
  lastSchemasJson = JSON.stringify(schemas);
  return lastSchemasJson;
}

function firstKey(o: object): string | undefined {
  for (const key in o) return key;
  return undefined;
}

/** One operation ready to batch: its JSON and what identifies it in reports. */
export interface SerializedOperation {
  externalId: string;
  line: number;
  json: string;
}

/** A BulkRequest as the exact body to POST, with the records it carries. */
export interface BulkBatch {
  /** 1-based sequence number of the request within the run. */
  index: number;
  /** The request as it goes on the wire: UTF-8 JSON. */
  body: Buffer;
  bytes: number;
  externalIds: string[];
  lines: number[];
}

export interface BatchLimits {
  /** At most 50, the documented ceiling. */
  maxOperations: number;
  /** Cap on the serialized request in bytes (no limit is documented; stay well clear of Graph's 4 MB). */
  maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxOperations: MAX_OPERATIONS_PER_REQUEST, maxBytes: 1024 * 1024 };

const HEAD = `{"schemas":["${BULK_REQUEST_SCHEMA}"],"Operations":[`;
const TAIL = '],"failOnErrors":null}';
const FRAME_BYTES = Buffer.byteLength(HEAD) + Buffer.byteLength(TAIL);

/** Checks batch limits, naming the setting at fault. */
export function checkBatchLimits(limits: BatchLimits): BatchLimits {
  if (!Number.isInteger(limits.maxOperations) || limits.maxOperations < 1 || limits.maxOperations > MAX_OPERATIONS_PER_REQUEST) {
    throw new RangeError(`batch size must be a whole number from 1 to ${MAX_OPERATIONS_PER_REQUEST} (the bulkUpload limit)`);
  }
  if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 4096) {
    throw new RangeError('batch byte cap must be a whole number of at least 4096 bytes');
  }
  return limits;
}

/** Whether an operation fits under the byte cap even alone in a request. */
export function operationFits(op: SerializedOperation, limits: BatchLimits): boolean {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: the length alone settles nearly every case
  // without a pass over the text.
  const length = op.json.length;
  if (FRAME_BYTES + 3 * length <= limits.maxBytes) return true;
  if (FRAME_BYTES + length > limits.maxBytes) return false;
  return FRAME_BYTES + Buffer.byteLength(op.json) <= limits.maxBytes;
}

/** Groups serialized operations into BulkRequests of at most `maxOperations` and `maxBytes`. */
export class BulkBatcher {
  private ops: string[] = [];
  private ids: string[] = [];
  private lines: number[] = [];
  private bytes = FRAME_BYTES;
  private count = 0;

  constructor(private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS) {
    checkBatchLimits(limits);
  }

  /**
   * Adds an operation; returns the request it closed, if any. A request closes when the
   * next operation would exceed a limit, so at most one closes per call; flush() gives the last.
   */
  add(op: SerializedOperation): BulkBatch | undefined {
    const opBytes = Buffer.byteLength(op.json);
    let closed: BulkBatch | undefined;
    if (this.ops.length > 0 && (this.ops.length >= this.limits.maxOperations || this.bytes + 1 + opBytes > this.limits.maxBytes)) {
      closed = this.take();
    }
    this.bytes += opBytes + (this.ops.length > 0 ? 1 : 0);
    this.ops.push(op.json);
    this.ids.push(op.externalId);
    this.lines.push(op.line);
    return closed;
  }

  /** Returns the last, partly filled request, if any. */
  flush(): BulkBatch | undefined {
    return this.ops.length > 0 ? this.take() : undefined;
  }

  private take(): BulkBatch {
    const body = Buffer.from(HEAD + this.ops.join(',') + TAIL, 'utf8');
    const batch: BulkBatch = { index: ++this.count, body, bytes: this.bytes, externalIds: this.ids, lines: this.lines };
    this.ops = [];
    this.ids = [];
    this.lines = [];
    this.bytes = FRAME_BYTES;
    return batch;
  }
}

const HEAD_BYTES = Buffer.from(HEAD);
const TAIL_BYTES = Buffer.from(TAIL);
const COMMA = 0x2c;

/**
 * BulkBatcher's twin for operations held as UTF-8 bytes (the spool's records): the same
 * limits, the same requests, but each request is copied together as bytes and decoded
 * once, instead of one string per operation.
 */
export class ByteBatcher {
  private body: Buffer;
  private end = HEAD_BYTES.length;
  private ids: string[] = [];
  private lines: number[] = [];
  private count = 0;

  constructor(private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS) {
    checkBatchLimits(limits);
    this.body = Buffer.allocUnsafe(Math.min(limits.maxBytes, 1024 * 1024) + FRAME_BYTES);
    HEAD_BYTES.copy(this.body, 0);
  }

  /** Adds the operation whose JSON is `source[start, end)`; returns the request it closed, if any (see BulkBatcher.add). */
  add(externalId: string, line: number, source: Buffer, start: number, end: number): BulkBatch | undefined {
    const opBytes = end - start;
    const n = this.ids.length;
    let closed: BulkBatch | undefined;
    // this.end counts the head and every operation and comma so far; the tail is still to come.
    if (n > 0 && (n >= this.limits.maxOperations || this.end + TAIL_BYTES.length + 1 + opBytes > this.limits.maxBytes)) {
      closed = this.take();
    }
    const comma = this.ids.length > 0 ? 1 : 0;
    this.reserve(this.end + comma + opBytes + TAIL_BYTES.length);
    if (comma === 1) this.body[this.end++] = COMMA;
    this.end += source.copy(this.body, this.end, start, end);
    this.ids.push(externalId);
    this.lines.push(line);
    return closed;
  }

  /** Returns the last, partly filled request, if any. */
  flush(): BulkBatch | undefined {
    return this.ids.length > 0 ? this.take() : undefined;
  }

  private reserve(size: number): void {
    if (size <= this.body.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(size, this.body.length * 2));
    this.body.copy(bigger, 0, 0, this.end);
    this.body = bigger;
  }

  private take(): BulkBatch {
    const bytes = this.end + TAIL_BYTES.copy(this.body, this.end);
    // A copy of the bytes, not a decoded string: preview writes bytes, sync parses them, and the buffer is reused.
    // Allocated and copied, not Buffer.from(subarray): Node 20 builds that through the typed-array
    // constructor, ~15 times slower here, and it was 0.13 s of the reading thread at 100k rows.
    const body = Buffer.allocUnsafe(bytes);
    this.body.copy(body, 0, 0, bytes);
    const batch: BulkBatch = { index: ++this.count, body, bytes, externalIds: this.ids, lines: this.lines };
    this.end = HEAD_BYTES.length;
    this.ids = [];
    this.lines = [];
    return batch;
  }
}

/** Parses a batch body back into a BulkRequest (for clients that post objects, and for tests). */
export function parseBatch(batch: BulkBatch): BulkRequest {
  return JSON.parse(batch.body.toString('utf8')) as BulkRequest;
}
