// Test helpers: run openExtract over in-memory content cut into chunks.
import { Readable } from 'node:stream';
import { openExtract } from '../../../lib/extract/index.js';
import type { Extract, ExtractOptions, ExtractRow } from '../../../lib/extract/index.js';

/** The content as a stream of chunks of `size` bytes (the whole buffer when omitted). */
export function chunked(content: string | Buffer, size?: number): Readable {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const parts: Buffer[] = [];
  const step = size ?? Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) parts.push(bytes.subarray(i, i + step));
  return Readable.from(parts);
}

/** Opens the content and reads every row. */
export async function readAll(content: string | Buffer, options: Partial<ExtractOptions> = {}, size?: number): Promise<{ extract: Extract; rows: ExtractRow[] }> {
  const extract = await openExtract(chunked(content, size), { file: 'test.csv', ...options });
  const rows: ExtractRow[] = [];
  for await (const row of extract.rows) rows.push(row);
  return { extract, rows };
}

/** The error that opening and reading the content throws (fails the test when none). */
export async function readError(
  content: string | Buffer,
  options: Partial<ExtractOptions> = {},
  size?: number,
): Promise<Error & { code?: string; line?: number; column?: number }> {
  try {
    await readAll(content, options, size);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the extract to fail');
}
