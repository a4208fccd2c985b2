// Queue message bodies as the Functions queue trigger reads them by default: Base64 of UTF-8
// text. The pipeline writes JSON this way, and anything that reads the queue itself (upload
// taking extra messages, the poison queue, the local host, tests) decodes it the same way.

/** Azure Queue storage's limit on a message body, in characters of the (Base64) text. */
export const QUEUE_MESSAGE_MAX_CHARS = 64 * 1024;

/** A queue message body that is not Base64 of JSON. */
export class QueueMessageError extends Error {
  override readonly name = 'QueueMessageError';
}

/** JSON of `value`, UTF-8, Base64: the body the queue trigger decodes; RangeError when it exceeds the queue's 64 KiB. */
export function encodeQueueMessage(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('a queue message must be JSON-serialisable');
  const body = Buffer.from(json, 'utf8').toString('base64');
  if (body.length > QUEUE_MESSAGE_MAX_CHARS) {
    throw new RangeError(`queue message of ${body.length} Base64 characters exceeds the ${QUEUE_MESSAGE_MAX_CHARS} the queue accepts`);
  }
  return body;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The value encoded by encodeQueueMessage; QueueMessageError when `body` is not Base64 of UTF-8 JSON. */
export function decodeQueueMessage(body: string): unknown {
  if (!BASE64.test(body)) throw new QueueMessageError('queue message is not Base64 (was it sent with messageEncoding "none"?)');
  const bytes = Buffer.from(body, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new QueueMessageError('queue message is not UTF-8 once decoded from Base64');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new QueueMessageError('queue message is not JSON once decoded from Base64');
  }
}
