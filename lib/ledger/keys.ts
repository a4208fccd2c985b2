// Table keys for externalIds and ledger payload storage. Table storage keys may not hold
// `/ \ # ?` or control characters and stop at 1 KiB; string properties stop at 64 KiB
// (32K UTF-16 code units) and an entity at 1 MiB, so long payloads are split across properties.
import { sha256, sha256Hex } from '../core/digest.js';

/** Longest base64url key kept readable; longer externalIds are keyed by their hash (the id itself stays a property). */
const MAX_ENCODED_KEY = 700;
/** UTF-16 code units per payload property, under the 32K limit with room to spare. */
export const PAYLOAD_PART_CHARS = 30_000;
/** An entity holds 1 MiB with strings at two bytes per code unit; leave room for the other properties. */
export const MAX_PAYLOAD_CHARS = 16 * PAYLOAD_PART_CHARS;

/** The RowKey of an externalId's record (and People entity): `R|` + base64url of its UTF-8, or `R|!` + sha256 when that would be too long. */
export function recordKey(externalId: string): string {
  const encoded = Buffer.from(externalId, 'utf8').toString('base64url');
  // '!' is outside the base64url alphabet, so a hashed key never equals an encoded one.
  return encoded.length <= MAX_ENCODED_KEY ? `R|${encoded}` : `R|!${sha256(externalId).toString('base64url')}`;
}

/**
 * The People partition of an externalId: `p` and the first hex digit of its sha256, one of 16.
 * Sixteen keep any one partition far below its 2,000 entities/s at the API's ceiling, and let a
 * reconcile pass's ~1,000 confirmations fill transactions of ~60 people; 256 made them one to
 * four people each, a third of a night's storage operations.
 */
export function personBucket(externalId: string): string {
  return `p${sha256Hex(externalId).charAt(0)}`;
}

/**
 * The People partitions this layout writes, `p0` … `pf`. A ledger from a development build kept
 * People in 256 partitions named by two hex digits (`00` … `ff`, all below `p0`): they are not
 * read, so the first night after such an upgrade is a first night (see lib/ledger/README.md).
 */
export const PEOPLE_PARTITIONS = { from: 'p0', to: 'pf' } as const;

/** Partitions a run's records are spread over, named by a hash of the externalId modulo this, in hex. */
export const RECORD_BUCKETS = 16;

/**
 * The partition of a run's record: `<runId>~<bucket>`. A partition is served at up to 2,000
 * entities/s, and at the API's ceiling (400 records/s) a run makes ~6 entity operations per record,
 * some 2,400 per second: more than one partition takes.
 */
export function recordPartition(runId: string, externalId: string): string {
  // Run-wide queries range over `<runId>~` … `<runId>~~`, which is exact only without '~' in the id.
  if (runId.includes('~')) throw new RangeError(`run id ${JSON.stringify(runId)} holds '~', which the ledger keeps for its record partitions`);
  const bucket = (sha256(externalId)[0] as number) % RECORD_BUCKETS;
  return `${runId}~${bucket.toString(16)}`;
}

/** The run a record partition belongs to. */
export function runOfPartition(partitionKey: string): string {
  const at = partitionKey.lastIndexOf('~');
  return at < 0 ? partitionKey : partitionKey.slice(0, at);
}

/** `payload0..N` and `payloadParts`; never splits a surrogate pair (a lone half is not valid text for the service). */
export function splitPayload(payload: string): Record<string, string | number> {
  if (payload.length > MAX_PAYLOAD_CHARS) throw new RangeError(`payload of ${payload.length} characters is larger than a ledger entity can hold (${MAX_PAYLOAD_CHARS})`);
  const parts: Record<string, string | number> = {};
  let count = 0;
  let start = 0;
  do {
    let end = Math.min(payload.length, start + PAYLOAD_PART_CHARS);
    const last = payload.charCodeAt(end - 1);
    if (end < payload.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts[`payload${count++}`] = payload.slice(start, end);
    start = end;
  } while (start < payload.length);
  parts['payloadParts'] = count;
  return parts;
}

/** The payload split by splitPayload. */
export function joinPayload(entity: Record<string, unknown>): string {
  const n = typeof entity['payloadParts'] === 'number' ? entity['payloadParts'] : 1;
  let out = '';
  for (let i = 0; i < n; i++) {
    const part = entity[`payload${i}`];
    if (typeof part === 'string') out += part;
  }
  return out;
}

/** A generous estimate of an entity's size on the wire, for keeping a transaction under its 4 MiB. */
export function entityBytes(entity: Record<string, unknown>): number {
  let bytes = 1024;
  for (const [key, value] of Object.entries(entity)) bytes += key.length * 2 + (typeof value === 'string' ? value.length * 6 : 16);
  return bytes;
}

/** Compares two timestamps by instant when both parse (`…01Z` and `…01.000Z` are equal), else as text. */
export function compareTimes(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `text` cut to fit one string property, never inside a surrogate pair. */
export function clip(text: string, max: number = PAYLOAD_PART_CHARS): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
