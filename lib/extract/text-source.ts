// The extract's content as UTF-8 Buffers, whatever its encoding, without its BOM.
import iconv from 'iconv-lite';
import type { ExtractEncoding } from './types.js';
import { Utf8Check } from './utf8-check.js';

/** The body of an extract as UTF-8: its decoded head first, then the rest chunk by chunk. */
export interface TextSource {
  /** The head, decoded: what the format, delimiter and header are sniffed from. */
  head: Buffer;
  chunks: AsyncIterable<Buffer>;
  /** Set when UTF-8 input turns out to hold invalid bytes (then U+FFFD stands in for them). */
  utf8: Utf8Check;
}

/**
 * Builds the UTF-8 body. UTF-8 input passes through untouched (no decoding pass: the
 * parsers decode fields themselves); other encodings are transcoded with iconv-lite, because
 * Node's TextDecoder reads windows-1252 as Latin-1.
 */
export function textSource(head: Buffer, bomLength: number, rest: AsyncIterator<Buffer>, encoding: ExtractEncoding): TextSource {
  const utf8 = new Utf8Check();
  const raw = head.subarray(bomLength);
  if (encoding === 'utf-8') {
    return { head: raw, chunks: passThrough(raw, rest, utf8), utf8 };
  }
  const decoder = iconv.getDecoder(encoding, { stripBOM: false });
  const decodedHead = Buffer.from(decoder.write(raw), 'utf8');
  return { head: decodedHead, chunks: transcoded(decodedHead, rest, decoder), utf8 };
}

async function* passThrough(first: Buffer, rest: AsyncIterator<Buffer>, utf8: Utf8Check): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) {
      utf8.check(first);
      yield first;
    }
    for (;;) {
      const result = await rest.next();
      if (result.done === true) break;
      utf8.check(result.value);
      yield result.value;
    }
    utf8.end();
  } finally {
    await rest.return?.();
  }
}

async function* transcoded(first: Buffer, rest: AsyncIterator<Buffer>, decoder: iconv.DecoderStream): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) yield first;
    for (;;) {
      const result = await rest.next();
      if (result.done === true) break;
      const text = decoder.write(result.value);
      if (text.length > 0) yield Buffer.from(text, 'utf8');
    }
    const tail = decoder.end();
    if (tail !== undefined && tail.length > 0) yield Buffer.from(tail, 'utf8');
  } finally {
    await rest.return?.();
  }
}
