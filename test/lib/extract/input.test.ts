import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { byteChunks, readHead } from '../../../lib/extract/input.js';

async function* pieces(items: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  yield* items;
}

describe('byteChunks', () => {
  it('turns strings and Uint8Arrays into Buffers and drops empty chunks', async () => {
    const chunks = byteChunks(pieces(['ab', new Uint8Array(0), new Uint8Array([0x63]), '']) as AsyncIterable<Uint8Array>);
    const seen: Buffer[] = [];
    for (let r = await chunks.next(); r.done !== true; r = await chunks.next()) seen.push(r.value);
    expect(seen.map((b) => [Buffer.isBuffer(b), b.toString()])).toEqual([
      [true, 'ab'],
      [true, 'c'],
    ]);
  });
});

describe('readHead', () => {
  it('reads at least 8 KiB and on to a line break', async () => {
    const parts = [Buffer.alloc(5000, 0x61), Buffer.alloc(5000, 0x62), Buffer.from('c\nd'), Buffer.from('rest')];
    const chunks = byteChunks(Readable.from(parts));
    const head = await readHead(chunks);
    expect(head.ended).toBe(false);
    expect(head.bytes.length).toBe(10_003);
    expect((await chunks.next()).value?.toString()).toBe('rest');
  });

  it('reports the whole of a short file as ended', async () => {
    const head = await readHead(byteChunks(Readable.from([Buffer.from('a,b\n1,2\n')])));
    expect(head).toEqual({ bytes: Buffer.from('a,b\n1,2\n'), ended: true });
  });
});
