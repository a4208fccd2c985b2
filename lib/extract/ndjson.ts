// Reading an NDJSON (JSON Lines) extract: one record object per line.
import { jsonErrorOffset } from './json-error.js';
import { invalidJsonRow, objectRow } from './object-row.js';
import type { TextSource } from './text-source.js';
import type { Extract, ExtractEncoding, ExtractRow } from './types.js';

const LF = 0x0a;

/** Opens an NDJSON body; a line that is not JSON is a row defect, not a file error. */
export function openNdjson(file: string, encoding: ExtractEncoding, source: TextSource): Extract {
  return { file, format: 'ndjson', encoding, rows: ndjsonRows(source) };
}

async function* ndjsonRows(source: TextSource): AsyncGenerator<ExtractRow> {
  let carry: Buffer | undefined;
  let line = 1;
  for await (const chunk of source.chunks) {
    const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let end = bytes.indexOf(LF); end !== -1; end = bytes.indexOf(LF, start)) {
      const row = lineRow(bytes.toString('utf8', start, end), line, source.utf8.invalid);
      line++;
      start = end + 1;
      if (row !== undefined) yield row;
    }
    carry = start < bytes.length ? bytes.subarray(start) : undefined;
  }
  if (carry !== undefined) {
    const row = lineRow(carry.toString('utf8'), line, source.utf8.invalid);
    if (row !== undefined) yield row;
  }
}

// Undefined for a blank line.
function lineRow(text: string, line: number, checkEncoding: boolean): ExtractRow | undefined {
  const json = text.trim();
  if (json === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    const indent = text.length - text.trimStart().length;
    return invalidJsonRow(line, indent + Math.max(0, jsonErrorOffset(json)) + 1);
  }
  return objectRow(line, value, json, checkEncoding);
}
