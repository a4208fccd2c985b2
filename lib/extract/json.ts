// Reading a JSON extract: one top-level array of record objects, streamed element by element.
import { StringDecoder } from 'node:string_decoder';
import { ExtractError } from './errors.js';
import { jsonErrorOffset, locate } from './json-error.js';
import { JsonArrayScanner } from './json-scanner.js';
import type { JsonElement } from './json-scanner.js';
import { objectRow } from './object-row.js';
import type { TextSource } from './text-source.js';
import type { Extract, ExtractEncoding, ExtractRow } from './types.js';

/** Opens a JSON body; throws `not-json-array` at once when it does not start with `[`. */
export function openJson(file: string, encoding: ExtractEncoding, source: TextSource): Extract {
  const first = firstCharacter(source.head);
  if (first !== undefined && first.char === 0x7b) {
    throw new ExtractError(
      file,
      'not-json-array',
      'the file holds a JSON object where an array of records is expected: put the records in [ ], or, for one object per line, name the file .ndjson (or pass --format ndjson).',
      first.line,
    );
  }
  if (first !== undefined && first.char !== 0x5b) {
    throw new ExtractError(file, 'not-json-array', 'the file is not a JSON array of records: it must start with [.', first.line);
  }
  return { file, format: 'json', encoding, rows: jsonRows(file, source) };
}

async function* jsonRows(file: string, source: TextSource): AsyncGenerator<ExtractRow> {
  const decoder = new StringDecoder('utf8');
  const scanner = new JsonArrayScanner(file);
  const elements: JsonElement[] = [];
  for await (const chunk of source.chunks) {
    scanner.write(decoder.write(chunk), elements);
    for (const element of elements) yield elementRow(file, element, source.utf8.invalid);
    elements.length = 0;
  }
  scanner.write(decoder.end(), elements);
  for (const element of elements) yield elementRow(file, element, source.utf8.invalid);
  scanner.end();
}

function elementRow(file: string, element: JsonElement, checkEncoding: boolean): ExtractRow {
  let value: unknown;
  try {
    value = JSON.parse(element.text);
  } catch {
    // The array cannot be trusted past a syntax error: where does the next element start?
    const at = locate(element.text, Math.max(0, jsonErrorOffset(element.text)), element.line, element.column);
    throw new ExtractError(file, 'invalid-json', 'the JSON is not valid here, so the rest of the file cannot be read.', at.line, at.column);
  }
  return objectRow(element.line, value, element.text, checkEncoding);
}

function firstCharacter(text: Buffer): { char: number; line: number } | undefined {
  let line = 1;
  for (const byte of text) {
    if (byte === 0x0a) line++;
    else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return { char: byte, line };
  }
  return undefined;
}
