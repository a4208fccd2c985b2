// Loading a mapping: from a parsed document, or from a file whose JSON syntax errors come
// back with a line and column.
import { readFile } from 'node:fs/promises';
import { MappingError } from './errors.js';
import { loadMapping } from './document.js';
import type { Mapping } from './types.js';

export { loadMapping };

/** Reads, parses and compiles a mapping file; every failure is a MappingError naming the file. */
export async function loadMappingFile(path: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MappingError(path, '', `cannot read the mapping file${code === undefined ? '' : ` (${code})`}`);
  }
  return loadMapping(parseMappingJson(text, path), path);
}

/** Parses mapping JSON (a leading BOM allowed); a syntax error becomes a MappingError with line and column. */
export function parseMappingJson(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new MappingError(source, '', describeJsonError((e as Error).message, body));
  }
}

// V8 says "… in JSON at position N" for most errors and nothing for some; "Unexpected end"
// is always at the end of the text.
function describeJsonError(message: string, text: string): string {
  const at = /\s*(?:in JSON )?at position (\d+)/.exec(message);
  let reason = message.replace(/, ".*" is not valid JSON$/s, '');
  let position: number | undefined;
  if (at !== null) {
    position = Number(at[1]);
    reason = reason.replace(at[0], '');
  } else if (/Unexpected end of JSON input/.test(message)) {
    position = text.length;
  }
  if (position === undefined) return `not valid JSON: ${reason}`;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${reason}`;
}
