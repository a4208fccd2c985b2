// Queue bodies the Functions trigger can read: Base64 of UTF-8 JSON, both ways.
import { describe, expect, it } from 'vitest';
import { QUEUE_MESSAGE_MAX_CHARS, QueueMessageError, decodeQueueMessage, encodeQueueMessage } from '../../../lib/storage/queue-message.js';

describe('queue messages', () => {
  it('round-trips JSON with non-ASCII text as Base64 of UTF-8', () => {
    const value = { v: 1, runId: 'r', externalId: 'Zoë/Ørsted#7', op: '{"displayName":"Łukasz 😀 李"}' };
    const body = encodeQueueMessage(value);
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(body, 'base64').toString('utf8'))).toEqual(value);
    expect(decodeQueueMessage(body)).toEqual(value);
    expect(decodeQueueMessage(encodeQueueMessage([1, 'two', null]))).toEqual([1, 'two', null]);
  });

  it('refuses bodies that are not Base64 of UTF-8 JSON', () => {
    expect(() => decodeQueueMessage('{"a":1}')).toThrow(QueueMessageError);
    expect(() => decodeQueueMessage(Buffer.from('not json').toString('base64'))).toThrow(/not JSON/);
    expect(() => decodeQueueMessage(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'))).toThrow(/not UTF-8/);
  });

  it('refuses to encode what the queue would not take', () => {
    expect(() => encodeQueueMessage(undefined)).toThrow(TypeError);
    const fits = 'x'.repeat((QUEUE_MESSAGE_MAX_CHARS / 4) * 3 - 2);
    expect(encodeQueueMessage(fits)).toHaveLength(QUEUE_MESSAGE_MAX_CHARS);
    expect(() => encodeQueueMessage(`${fits}x`)).toThrow(RangeError);
  });
});
