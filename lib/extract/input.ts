// The extract's bytes as one pull-based sequence of Buffers, and its head.

/** What a reader accepts: a Node stream or any async iterable of bytes. */
export type ExtractInput = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

/** The input as an iterator of non-empty Buffers (strings from a stream with an encoding set become UTF-8). */
export function byteChunks(input: ExtractInput): AsyncIterator<Buffer> {
  const source = (input as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  return {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        const result = await source.next();
        if (result.done === true) return { done: true, value: undefined };
        const chunk = result.value;
        if (chunk.length === 0) continue;
        if (typeof chunk === 'string') return { done: false, value: Buffer.from(chunk, 'utf8') };
        return { done: false, value: Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) };
      }
    },
    async return(): Promise<IteratorResult<Buffer>> {
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
}

/** The first bytes of an extract; `ended` when they are the whole file. */
export interface Head {
  bytes: Buffer;
  ended: boolean;
}

// Enough for the magic numbers, the binary check and almost any header line;
// the header line is waited for up to HEAD_MAX, which is far beyond any real header.
const HEAD_MIN = 8192;
const HEAD_MAX = 1 << 20;

/** Reads at least 8 KiB (or the whole file) and on until a line break, within 1 MiB. */
export async function readHead(chunks: AsyncIterator<Buffer>): Promise<Head> {
  const parts: Buffer[] = [];
  let size = 0;
  let sawLineBreak = false;
  while (size < HEAD_MAX && (size < HEAD_MIN || !sawLineBreak)) {
    const result = await chunks.next();
    if (result.done === true) return { bytes: Buffer.concat(parts, size), ended: true };
    parts.push(result.value);
    size += result.value.length;
    sawLineBreak ||= result.value.indexOf(0x0a) !== -1 || result.value.indexOf(0x0d) !== -1;
  }
  return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), ended: false };
}
