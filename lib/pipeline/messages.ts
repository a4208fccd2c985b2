// The operations queue's messages. A batch (v 2) carries up to a request's worth of operations —
// ingest cuts the run's send order into them, and upload puts back what it could not send as one —
// so a request is one message and its operations come back together, not as 50 messages that
// competing uploads share out into short requests. A single operation (v 1) is a retry or one
// told apart from a request refused as a whole. Each carries the operations themselves so the
// upload stage needs no table read to build a request.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Intent, LedgerRecord } from '../ledger/types.js';

/** The body of one message on the operations queue. */
export interface OperationMessage {
  v: 1;
  runId: string;
  externalId: string;
  line: number;
  /** 1 for the first submission; reconcile sends attempt + 1. */
  attempt: number;
  /** The SCIM BulkRequest operation, as JSON. */
  op: string;
  /** Send alone: its request was refused as a whole and this one is being told apart from the others. */
  solo?: boolean;
  /** How many times it went back to wait for its run's ingest to fill a request. */
  gathered?: number;
  /**
   * The record as ingest created it, for a first attempt no upload can have taken along (it manages
   * no one the run sends): upload trusts it rather than reading the record (upload.ts, dropStale).
   */
  written?: WrittenRecord;
}

/** What upload needs of a record ingest just created: its version, and what decides its manager. */
export interface WrittenRecord {
  version: string;
  managerId?: string;
  intent?: Intent;
}

/** Azure Queue storage takes at most 64 KiB per message, Base64 included. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

// Base64 takes 4 bytes for every 3.
const MAX_PLAIN_CHARS = (MAX_MESSAGE_BYTES / 4) * 3;

/** The message as JSON text. */
export function encodeMessage(message: OperationMessage): string {
  return JSON.stringify(message);
}

/** A ledger record's stored payload as its next attempt. */
export function nextAttempt(r: Pick<LedgerRecord, 'runId' | 'externalId' | 'line' | 'attempts' | 'payload'>): OperationMessage {
  return { v: 1, runId: r.runId, externalId: r.externalId, line: r.line, attempt: r.attempts + 1, op: r.payload };
}

/** The message that sends a ledger record's stored payload as its next attempt. */
export function nextAttemptMessage(r: Pick<LedgerRecord, 'runId' | 'externalId' | 'line' | 'attempts' | 'payload'>): string {
  return encodeMessage(nextAttempt(r));
}

/** Whether a message fits the queue once Base64-encoded. */
export function messageFits(text: string): boolean {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3) * 4 <= MAX_MESSAGE_BYTES;
}

/** Whether `message` fits the queue on its own, without encoding it when its size alone shows it does. */
export function singleMessageFits(message: OperationMessage): boolean {
  // JSON writes a UTF-16 unit as at most 6 bytes (\uXXXX); the numbers, names and punctuation
  // around the three strings take well under 200. Most operations are a few KB, far below the
  // cap: ingest checked each by encoding it, ~1.6 s of CPU at 1M rows for no answer but yes.
  const bound = 6 * (message.op.length + message.externalId.length + message.runId.length) + 200;
  if (message.written === undefined && message.gathered === undefined && bound <= MAX_PLAIN_CHARS) return true;
  return messageFits(encodeMessage(message));
}

/** Reads a single-operation message; throws with a reason when it is not one of ours. */
export function decodeMessage(input: unknown): OperationMessage {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const m = value as Partial<OperationMessage> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.v !== 1 ||
    typeof m.runId !== 'string' ||
    typeof m.externalId !== 'string' ||
    typeof m.op !== 'string' ||
    typeof m.attempt !== 'number' ||
    typeof m.line !== 'number'
  ) {
    throw new Error('not an hrsync operation message (expected v, runId, externalId, line, attempt, op)');
  }
  // A record version that is not one is ignored: upload then reads the record, as for any message without one.
  if (m.written !== undefined && !isWritten(m.written)) return withoutWritten(m as OperationMessage);
  return m as OperationMessage;
}

/** The message without the record as ingest wrote it: upload then reads the record. */
export function withoutWritten(m: OperationMessage): OperationMessage {
  if (m.written === undefined) return m;
  const { written: _dropped, ...rest } = m;
  return rest;
}

function isWritten(w: unknown): w is WrittenRecord {
  const x = w as Partial<WrittenRecord> | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof x.version === 'string' &&
    x.version !== '' &&
    (x.managerId === undefined || typeof x.managerId === 'string') &&
    (x.intent === undefined || typeof x.intent === 'string')
  );
}

interface BatchBody {
  v: 2;
  ops?: unknown[];
  z?: string;
}

/** Reads any message of ours, a batch or a single operation, as its operations; throws with a reason otherwise. */
export function decodeOperations(input: unknown): OperationMessage[] {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const b = value as Partial<BatchBody> | null;
  if (b === null || typeof b !== 'object' || b.v !== 2) return [decodeMessage(value)];
  let ops: unknown = b.ops;
  if (typeof b.z === 'string') {
    try {
      ops = JSON.parse(inflateRawSync(Buffer.from(b.z, 'base64')).toString('utf8')) as unknown;
    } catch (err) {
      throw new Error(`not an hrsync batch message: its deflated operations do not open (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (!Array.isArray(ops) || ops.length === 0) throw new Error('not an hrsync batch message (expected v 2 with ops or z)');
  return ops.map((o) => decodeMessage({ ...(o as object), v: 1 }));
}

/**
 * The texts that carry these operations, in order: one single-operation message for one, else
 * batches — plain JSON when it fits the queue, deflated when only that fits (HR attributes repeat,
 * a request's worth shrinks to a fifth or less), split in two when neither does.
 */
export function encodeBatch(messages: readonly OperationMessage[]): string[] {
  if (messages.length === 0) return [];
  if (messages.length === 1) {
    const only = messages[0] as OperationMessage;
    const text = encodeMessage(only);
    // The record's version is a saving, never worth an operation that no longer fits: upload reads the record instead.
    if (only.written === undefined || messageFits(text)) return [text];
    return [encodeMessage(withoutWritten(only))];
  }
  const ops = messages.map(({ v: _v, ...rest }) => rest);
  // Plain JSON is never shorter than the operations it quotes (and UTF-8 never has fewer bytes than
  // UTF-16 code units), so when they alone pass the limit only deflating can fit: a request's worth
  // of 24-attribute records does, and stringifying it once more only to measure it was ~40% of what
  // ingest allocated sending a 1M-row first night.
  let quoted = 0;
  for (const m of messages) quoted += m.op.length;
  if (quoted <= MAX_PLAIN_CHARS) {
    const plain = JSON.stringify({ v: 2, ops });
    if (messageFits(plain)) return [plain];
  }
  const packed = JSON.stringify({ v: 2, z: deflateRawSync(JSON.stringify(ops)).toString('base64') });
  if (messageFits(packed)) return [packed];
  const half = Math.ceil(messages.length / 2);
  return [...encodeBatch(messages.slice(0, half)), ...encodeBatch(messages.slice(half))];
}

/** The texts that carry these operations in request-sized batches (at most 50 operations and 1 MiB of them each), in order. */
export function requestBatches(
  messages: readonly OperationMessage[],
  limits: { maxOperations: number; maxBytes: number } = { maxOperations: 50, maxBytes: 1024 * 1024 },
): string[] {
  const texts: string[] = [];
  let batch: OperationMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.op) + 1;
    if (batch.length > 0 && (batch.length >= limits.maxOperations || bytes + size > limits.maxBytes)) {
      texts.push(...encodeBatch(batch));
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  texts.push(...encodeBatch(batch));
  return texts;
}
