// A parsed JSON value as a row: objects pass, anything else carries a defect.
import type { ExtractRow } from './types.js';

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The row for one JSON record. `checkEncoding` is set once the file has shown invalid UTF-8,
 * then `text` is searched for the U+FFFD that stands in for the bad bytes.
 */
export function objectRow(line: number, value: unknown, text: string, checkEncoding: boolean): ExtractRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, fields: NO_FIELDS, defect: { rule: 'not-an-object', message: `line ${line} holds ${describe(value)}, not an object` } };
  }
  // Nested objects are left for the mapping to judge: HR exports often carry nested data
  // the mapping never reads, and a field it does read is reported there as not-a-scalar.
  const fields = value as Record<string, unknown>;
  if (checkEncoding && text.includes('\uFFFD')) {
    return {
      line,
      fields,
      defect: { rule: 'invalid-encoding', message: `line ${line} has bytes that are not valid UTF-8; if the file is Windows-1252, set the encoding to windows-1252` },
    };
  }
  return { line, fields };
}

/** A row for a line of NDJSON that is not JSON at all. */
export function invalidJsonRow(line: number, column: number): ExtractRow {
  return { line, fields: NO_FIELDS, defect: { rule: 'invalid-json', message: `line ${line} is not valid JSON (column ${column})` } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
