// The operations queue's message: one SCIM operation of one run, at one attempt. It carries
// the operation itself so the upload stage needs no table read to build a request.
import type { LedgerRecord } from '../ledger/types.js';

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
}

/** Azure Queue storage takes at most 64 KiB per message, Base64 included. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The message as JSON text. */
export function encodeMessage(message: OperationMessage): string {
  return JSON.stringify(message);
}

/** The message that sends a ledger record's stored payload as its next attempt. */
export function nextAttemptMessage(r: Pick<LedgerRecord, 'runId' | 'externalId' | 'line' | 'attempts' | 'payload'>): string {
  return encodeMessage({ v: 1, runId: r.runId, externalId: r.externalId, line: r.line, attempt: r.attempts + 1, op: r.payload });
}

/** Whether a message fits the queue once Base64-encoded. */
export function messageFits(text: string): boolean {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3) * 4 <= MAX_MESSAGE_BYTES;
}

/** Reads a message; throws with a reason when it is not one of ours. */
export function decodeMessage(input: unknown): OperationMessage {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const m = value as Partial<OperationMessage> | null;
  if (m === null || typeof m !== 'object' || m.v !== 1 || typeof m.runId !== 'string' || typeof m.externalId !== 'string'
    || typeof m.op !== 'string' || typeof m.attempt !== 'number' || typeof m.line !== 'number') {
    throw new Error('not an hrsync operation message (expected v, runId, externalId, line, attempt, op)');
  }
  return m as OperationMessage;
}
