// RFC 4180 output and a chunked file writer that waits for 'drain', so a million rows
// never pile up in memory ahead of the disk.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { CsvDelimiter } from '../../lib/extract/types.js';

/** Quotes a field only when it must be (RFC 4180): it holds the delimiter, a quote, CR or LF. */
export function csvField(value: string, delimiter: CsvDelimiter = ','): string {
  const needsQuotes = value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r');
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One record without its line ending. */
export function csvLine(fields: readonly string[], delimiter: CsvDelimiter = ','): string {
  return fields.map((f) => csvField(f, delimiter)).join(delimiter);
}

const CHUNK_CHARS = 64 * 1024;

/** Writes the pieces to `path` in ~64 KiB chunks, pausing whenever the stream's buffer is full. */
export async function writeChunked(path: string, pieces: Iterable<string>): Promise<void> {
  const stream = createWriteStream(path, { encoding: 'utf8', highWaterMark: CHUNK_CHARS });
  // Attached up front so an early error (a missing folder) is observed, not thrown as unhandled.
  const done = finished(stream);
  const flush = async (chunk: string): Promise<void> => {
    if (stream.errored) throw stream.errored;
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  try {
    let chunk = '';
    for (const piece of pieces) {
      chunk += piece;
      if (chunk.length >= CHUNK_CHARS) {
        await flush(chunk);
        chunk = '';
      }
    }
    if (chunk !== '') await flush(chunk);
    stream.end();
  } catch (err) {
    stream.destroy();
    await done.catch(() => undefined);
    throw err;
  }
  await done;
}
