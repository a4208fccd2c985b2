// The spool's record format: one operation as a 12-byte header (line, externalId bytes,
// JSON bytes, all uint32 LE) then the externalId and the operation JSON in UTF-8. Binary
// framing needs no escaping, and a reader finds the JSON's bytes without decoding them,
// so requests can be joined from bytes and decoded once per request.
import type { SerializedOperation } from '../scim/bulk.js';

/** Bytes before a record's externalId. */
export const RECORD_HEADER = 12;

/** Bytes a record can take at most: UTF-8 needs at most 3 bytes per UTF-16 code unit. */
export function recordBound(op: SerializedOperation): number {
  return RECORD_HEADER + 3 * (op.externalId.length + op.json.length);
}

/** Writes a record at `at`, which must have recordBound(op) bytes free; returns where it ends. */
export function writeRecord(block: Buffer, at: number, op: SerializedOperation): number {
  const idBytes = block.write(op.externalId, at + RECORD_HEADER);
  const jsonBytes = block.write(op.json, at + RECORD_HEADER + idBytes);
  block.writeUInt32LE(op.line, at);
  block.writeUInt32LE(idBytes, at + 4);
  block.writeUInt32LE(jsonBytes, at + 8);
  return at + RECORD_HEADER + idBytes + jsonBytes;
}

/** Total length of the record at `at`, or -1 when fewer than its header's bytes remain before `end`. */
export function recordLength(block: Buffer, at: number, end: number): number {
  if (end - at < RECORD_HEADER) return -1;
  return RECORD_HEADER + block.readUInt32LE(at + 4) + block.readUInt32LE(at + 8);
}

/** Decodes the record at `at` (which must be whole) into an operation. */
export function readRecord(block: Buffer, at: number): SerializedOperation {
  const idStart = at + RECORD_HEADER;
  const jsonStart = idStart + block.readUInt32LE(at + 4);
  const jsonEnd = jsonStart + block.readUInt32LE(at + 8);
  return { externalId: block.toString('utf8', idStart, jsonStart), line: block.readUInt32LE(at), json: block.toString('utf8', jsonStart, jsonEnd) };
}
