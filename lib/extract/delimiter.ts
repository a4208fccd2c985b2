// What the CSV header line says about the file: its delimiter and its line breaks.
import type { CsvDelimiter } from './types.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
// In order of preference when two are equally frequent.
const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
const CODES = CANDIDATES.map((d) => d.charCodeAt(0));

/**
 * The most frequent of `,` `;` tab `|` outside quotes on the header line (UTF-8 text);
 * `,` when there is none, which is a single-column file.
 */
export function detectDelimiter(text: Buffer): CsvDelimiter {
  const counts = [0, 0, 0, 0];
  let quoted = false;
  for (const byte of text) {
    if (byte === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === LF || byte === CR) break;
    else {
      const index = CODES.indexOf(byte);
      if (index !== -1) counts[index]! += 1;
    }
  }
  let best = 0;
  for (let i = 1; i < counts.length; i++) {
    if (counts[i]! > counts[best]!) best = i;
  }
  return CANDIDATES[best]!;
}

/**
 * The line break that ends the header line: `\r` alone (classic Mac) or otherwise `\n`
 * (which also covers `\r\n`); the character counted to number the lines inside quoted fields.
 */
export function detectLineBreak(text: Buffer): '\n' | '\r' {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (byte === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === LF) return '\n';
    else if (byte === CR) return text[i + 1] === LF || i + 1 === text.length ? '\n' : '\r';
  }
  return '\n';
}

/** How a delimiter is named in messages. */
export function describeDelimiter(delimiter: CsvDelimiter): string {
  return delimiter === '\t' ? 'tab' : `'${delimiter}'`;
}
