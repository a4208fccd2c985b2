// The queue's messages: batches of a request's worth, plain when they fit Queue storage's 64 KiB
// (Base64 included), deflated when only that fits, split when neither does; single operations as before.
import { describe, expect, it } from 'vitest';
import { decodeOperations, encodeBatch, encodeMessage, messageFits, requestBatches, singleMessageFits } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';

const RUN = 'r-msg';
/** An operation of about `bytes` bytes whose text repeats like HR attributes do (or not, with `random`). */
function message(i: number, bytes: number, random = false): OperationMessage {
  const filler = random
    ? Array.from({ length: bytes }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('')
    : 'Department of Finance, Contoso Ltd; '.repeat(Math.ceil(bytes / 36)).slice(0, bytes);
  return {
    v: 1,
    runId: RUN,
    externalId: `E${i}`,
    line: i + 2,
    attempt: 1,
    op: JSON.stringify({ method: 'POST', bulkId: `E${i}`, path: '/Users', data: { externalId: `E${i}`, note: filler } }),
  };
}

describe('queue messages', () => {
  it('a single operation is a message of its own, read back the same by both readers', () => {
    const m = message(0, 100);
    expect(encodeBatch([m])).toEqual([encodeMessage(m)]);
    expect(decodeOperations(encodeMessage(m))).toEqual([m]);
  });

  it('carries the record as ingest wrote it through batches plain and deflated; a version that is not one is dropped, not trusted', () => {
    const written = { version: 'W/"datetime\'2026-12-07T16%3A43%3A59.35Z\'"', managerId: 'M1', intent: 'create' as const };
    for (const bytes of [100, 3_000]) {
      const batch = Array.from({ length: 40 }, (_, i) => ({ ...message(i, bytes), written }));
      const texts = encodeBatch(batch);
      expect(texts.length).toBe(1);
      expect(decodeOperations(texts[0])).toEqual(batch);
    }
    for (const bad of [{ version: '' }, { version: 7 }, { managerId: 'M1' }, 'v1', null]) {
      const text = JSON.stringify({ ...message(0, 100), written: bad });
      expect(decodeOperations(text)).toEqual([message(0, 100)]);
    }
  });

  it('singleMessageFits answers as encoding the message would, for plain, escape-heavy and non-ASCII operations around the cap', () => {
    const limit = (64 * 1024 * 3) / 4;
    const checked: boolean[] = [];
    for (const unit of ['a', '"', '\u0001', 'é', '東', '😀']) {
      const base: OperationMessage = { v: 1, runId: 'r1', externalId: 'E1', line: 2, attempt: 1, op: '' };
      // Sizes around where the encoded message crosses the cap, and far below it.
      const perUnit = Buffer.byteLength(JSON.stringify(unit).slice(1, -1));
      const crossing = Math.floor((limit - encodeMessage(base).length) / perUnit) / unit.length;
      for (const n of [1, 100, crossing - 2, crossing - 1, crossing, crossing + 1, crossing + 2]) {
        const m = { ...base, op: unit.repeat(Math.max(0, Math.floor(n))) };
        const exact = messageFits(encodeMessage(m));
        expect(singleMessageFits(m)).toBe(exact);
        checked.push(exact);
      }
    }
    // Both answers were met: the check is not always yes.
    expect(new Set(checked)).toEqual(new Set([true, false]));
  });

  it('a single operation that fits only without its record version goes without it', () => {
    const m = message(0, 100);
    const room = (64 * 1024 * 3) / 4 - encodeMessage(m).length;
    const near = message(0, 100 + room - 20);
    expect(messageFits(encodeMessage(near))).toBe(true);
    const withVersion: OperationMessage = { ...near, written: { version: 'W/"datetime\'2026-12-07T16%3A43%3A59.35Z\'"' } };
    expect(messageFits(encodeMessage(withVersion))).toBe(false);
    expect(encodeBatch([withVersion])).toEqual([encodeMessage(near)]);
    const small: OperationMessage = { ...m, written: { version: 'v' } };
    expect(encodeBatch([small])).toEqual([encodeMessage(small)]);
  });

  it('a request of small operations is one plain batch, read back in order', () => {
    const ms = Array.from({ length: 50 }, (_, i) => ({ ...message(i, 200), gathered: i % 3 }));
    const texts = encodeBatch(ms);
    expect(texts).toHaveLength(1);
    expect(JSON.parse(texts[0] as string)).toMatchObject({ v: 2 });
    expect(JSON.parse(texts[0] as string).z).toBeUndefined();
    expect(decodeOperations(texts[0])).toEqual(ms);
  });

  it('a request too large for the queue as text is deflated into one message', () => {
    const ms = Array.from({ length: 50 }, (_, i) => message(i, 1500));
    expect(messageFits(JSON.stringify({ v: 2, ops: ms }))).toBe(false);
    const texts = encodeBatch(ms);
    expect(texts).toHaveLength(1);
    expect(typeof JSON.parse(texts[0] as string).z).toBe('string');
    expect(texts.every(messageFits)).toBe(true);
    expect(decodeOperations(texts[0])).toEqual(ms);
  });

  it('one that does not fit even deflated is split, every part fitting, nothing lost or reordered', () => {
    const ms = Array.from({ length: 50 }, (_, i) => message(i, 3000, true));
    const texts = encodeBatch(ms);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.every(messageFits)).toBe(true);
    expect(texts.flatMap((t) => decodeOperations(t))).toEqual(ms);
  });

  it('goes plain exactly when the plain text fits, around the limit and with text of two and four UTF-8 bytes', () => {
    // Near the limit: 50 operations of 40–1,100 characters, some with ß (2 bytes) or an emoji (4 bytes, 2 code units).
    let plains = 0;
    for (let trial = 0; trial < 400; trial++) {
      const size = 900 + (trial % 40) * 5;
      const ms = Array.from({ length: 50 }, (_, i) => {
        const m = message(i, size - (trial % 7) * 30);
        return trial % 3 === 0 ? m : { ...m, op: m.op.replace('Finance', trial % 3 === 1 ? 'Straße' : 'Fin😀') };
      });
      const plain = JSON.stringify({ v: 2, ops: ms.map(({ v: _v, ...rest }) => rest) });
      const [text, ...more] = encodeBatch(ms);
      expect(more).toEqual([]);
      expect(text === plain).toBe(messageFits(plain));
      expect(decodeOperations(text)).toEqual(ms);
      if (text === plain) plains++;
    }
    // Both sides of the limit were tried.
    expect(plains).toBeGreaterThan(20);
    expect(plains).toBeLessThan(380);
  });

  it('requestBatches cuts at 50 operations and at the request byte cap', () => {
    const ms = Array.from({ length: 120 }, (_, i) => message(i, 100));
    expect(requestBatches(ms).map((t) => decodeOperations(t).length)).toEqual([50, 50, 20]);
    const capped = requestBatches(ms, { maxOperations: 50, maxBytes: 5 * 1024 }).map((t) => decodeOperations(t));
    expect(capped.length).toBeGreaterThan(3);
    expect(capped.every((b) => b.reduce((n, m) => n + Buffer.byteLength(m.op) + 1, 0) <= 5 * 1024)).toBe(true);
    expect(capped.flat()).toEqual(ms);
    expect(requestBatches([])).toEqual([]);
  });

  it('says what is wrong with a message that is not ours', () => {
    expect(() => decodeOperations('{"v":2}')).toThrow(/batch message/);
    expect(() => decodeOperations('{"v":2,"z":"bm90IGRlZmxhdGVk"}')).toThrow(/deflated operations do not open/);
    expect(() => decodeOperations('{"v":2,"ops":[{"runId":"r"}]}')).toThrow(/operation message/);
    expect(() => decodeOperations('{"hello":1}')).toThrow(/operation message/);
  });
});
