// Entry points: open an extract from a stream or a file, whatever its format and encoding.
import { createReadStream } from 'node:fs';
import { openCsv } from './csv.js';
import { ExtractError } from './errors.js';
import { byteChunks, readHead } from './input.js';
import type { ExtractInput } from './input.js';
import { openJson } from './json.js';
import { openNdjson } from './ndjson.js';
import { assertText, chooseEncoding, formatFromName, sniffFormat } from './sniff.js';
import { textSource } from './text-source.js';
import type { Extract, ExtractOptions } from './types.js';

/**
 * Opens an extract: reads the head to settle encoding, format and (CSV) delimiter and header,
 * throwing ExtractError for a file that cannot be used; the rows then stream from `rows`.
 * Iterate `rows` to the end (or break out of the loop) so the input is closed.
 */
export async function openExtract(input: ExtractInput, options: ExtractOptions): Promise<Extract> {
  const { file } = options;
  const chunks = byteChunks(input);
  try {
    const head = await readHead(chunks);
    if (head.bytes.length === 0) throw new ExtractError(file, 'empty-file', 'the file is empty (0 bytes).');
    const { encoding, bomLength } = chooseEncoding(file, head.bytes, options.encoding);
    if (head.ended && head.bytes.length === bomLength) throw new ExtractError(file, 'empty-file', 'the file holds nothing but a byte order mark.');
    assertText(file, head.bytes.subarray(bomLength), encoding);
    const source = textSource(head.bytes, bomLength, chunks, encoding);
    const format = options.format ?? formatFromName(file) ?? sniffFormat(source.head);
    switch (format) {
      case 'csv':
        assertNotJson(file, source.head);
        return await openCsv(file, encoding, source, options.delimiter);
      case 'json':
        return openJson(file, encoding, source);
      case 'ndjson':
        return openNdjson(file, encoding, source);
      default:
        throw new TypeError(`unknown extract format ${String(format satisfies never)}`);
    }
  } catch (error) {
    await chunks.return?.();
    throw error;
  }
}

// A CSV header cannot start like a JSON document; saying so beats a quoting error on line 1.
// `[` alone is not enough: SQL Server exports name columns as [WorkerID].
const JSON_START = /^\s*(?:\{\s*"|\[\s*(?:\{|\]))/;

function assertNotJson(file: string, head: Buffer): void {
  const start = head.subarray(0, 64).toString('latin1');
  if (!JSON_START.test(start)) return;
  const what = start.trimStart().startsWith('{') ? 'a JSON object (or one per line)' : 'a JSON array';
  throw new ExtractError(file, 'not-csv', `the file is read as CSV but holds ${what}: name it .json or .ndjson, or pass --format json or --format ndjson.`);
}

/** Opens an extract file from disk; `file` in messages defaults to the path. */
export function openExtractFile(path: string, options: Partial<ExtractOptions> = {}): Promise<Extract> {
  return openExtract(createReadStream(path), { ...options, file: options.file ?? path });
}
