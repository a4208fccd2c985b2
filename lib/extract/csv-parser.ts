// csv-parse's stream parser, set up for extracts, and the loop that feeds it.
import { Parser } from 'csv-parse';
import type { TransformCallback } from 'node:stream';
import type { CsvDelimiter } from './types.js';

/**
 * A record longer than this is not data but a quote that is never closed: without a limit
 * csv-parse would gather the rest of the file into one field.
 */
export const MAX_RECORD_CHARS = 1 << 20;

/**
 * A csv-parse stream that, on a parse error, ends its output instead of failing: a failed
 * Node stream drops what it still holds, and the rows before the error must reach the
 * reader, and the reader must know how many lines they took to place the error.
 */
export class ExtractCsvParser extends Parser {
  /** The parse error, once there is one; the output has ended at it. */
  fault: Error | undefined;

  constructor(delimiter: CsvDelimiter, lineBreak: '\n' | '\r') {
    super({
      delimiter,
      // Both breaks, not the first one seen, so a file with mixed line endings still splits.
      record_delimiter: lineBreak === '\r' ? ['\r'] : ['\r\n', '\n'],
      // The reader skips blank lines itself: it must count them to number the rows.
      skip_empty_lines: false,
      relax_column_count: true,
      max_record_size: MAX_RECORD_CHARS,
      // The BOM is gone before the parser sees the bytes.
      bom: false,
    });
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    // After a fault the callback is never called: that stops the feed, and the reader
    // destroys the stream once it has taken the rows before the fault.
    if (this.fault !== undefined) return;
    super._transform(chunk, encoding, (error) => this.settle(error, callback));
  }

  override _flush(callback: TransformCallback): void {
    if (this.fault !== undefined) {
      callback();
      return;
    }
    super._flush((error) => this.settle(error, callback));
  }

  private settle(error: Error | null | undefined, callback: TransformCallback): void {
    if (error !== null && error !== undefined) {
      this.fault = error;
      this.push(null);
    }
    callback();
  }
}

/** Writes the chunks into the parser with backpressure; stops when the parser is destroyed. */
export async function feed(chunks: AsyncIterable<Buffer>, parser: ExtractCsvParser): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (parser.destroyed) return;
      if (!parser.write(chunk)) await drained(parser);
      if (parser.destroyed) return;
    }
    parser.end();
  } catch (error) {
    // A read error of the input: the reader sees it as the parser's error.
    parser.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function drained(parser: ExtractCsvParser): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      parser.off('drain', done);
      parser.off('close', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
  });
}
