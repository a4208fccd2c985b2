// Decisions taken from the first bytes of an extract: encoding, binary content, format.
import { extname } from 'node:path';
import { ExtractError } from './errors.js';
import type { ExtractEncoding, ExtractFormat } from './types.js';

/** The encoding a file is read with, and how many BOM bytes to skip. */
export interface EncodingChoice {
  encoding: ExtractEncoding;
  bomLength: number;
}

const ENCODINGS: ReadonlySet<string> = new Set(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'auto']);

/**
 * Picks the encoding: a byte order mark always decides (it cannot be wrong, a setting can),
 * otherwise the setting, otherwise UTF-8.
 */
export function chooseEncoding(file: string, head: Buffer, setting: string | undefined): EncodingChoice {
  if (setting !== undefined && !ENCODINGS.has(setting)) {
    throw new ExtractError(file, 'unsupported-encoding', 'the encoding setting must be one of auto, utf-8, utf-16le, utf-16be or windows-1252.');
  }
  if (startsWith(head, [0xff, 0xfe, 0x00, 0x00]) || startsWith(head, [0x00, 0x00, 0xfe, 0xff])) {
    throw new ExtractError(file, 'unsupported-encoding', 'the file is UTF-32, which is not supported; save it as UTF-8.');
  }
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', bomLength: 3 };
  if (startsWith(head, [0xff, 0xfe])) return { encoding: 'utf-16le', bomLength: 2 };
  if (startsWith(head, [0xfe, 0xff])) return { encoding: 'utf-16be', bomLength: 2 };
  if (setting === undefined || setting === 'auto') return { encoding: 'utf-8', bomLength: 0 };
  return { encoding: setting as ExtractEncoding, bomLength: 0 };
}

const BINARY_CHECK_BYTES = 8192;

// Magic numbers of the files most often dropped by mistake in place of an extract.
const MAGIC: readonly { bytes: readonly number[]; hint: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], hint: 'it looks like a ZIP/Excel workbook (.xlsx); export it as CSV' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], hint: 'it looks like an empty ZIP archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], hint: 'it looks like an Excel 97-2003 workbook (.xls); export it as CSV' },
  { bytes: [0x1f, 0x8b], hint: 'it looks like a gzip archive; decompress it first' },
  { bytes: [0x25, 0x50, 0x44, 0x46], hint: 'it looks like a PDF document' },
];

/** Throws `binary-file` when the head of a file read as UTF-8 or Windows-1252 is not text. */
export function assertText(file: string, head: Buffer, encoding: ExtractEncoding): void {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return;
  for (const magic of MAGIC) {
    if (startsWith(head, magic.bytes)) throw new ExtractError(file, 'binary-file', `the file is not a text extract: ${magic.hint}.`);
  }
  const sample = head.subarray(0, BINARY_CHECK_BYTES);
  if (sample.indexOf(0) === -1) return;
  const utf16 = utf16WithoutBom(sample);
  const hint = utf16 === undefined ? '' : `; it looks like ${utf16 === 'utf-16le' ? 'UTF-16 LE' : 'UTF-16 BE'} without a byte order mark, so set the encoding to ${utf16}`;
  throw new ExtractError(file, 'binary-file', `the file is not a text extract: it contains NUL bytes${hint}.`);
}

// UTF-16 text in Latin script has a NUL in nearly every other byte, on one side only.
function utf16WithoutBom(sample: Buffer): ExtractEncoding | undefined {
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] === 0) {
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    }
  }
  const pairs = Math.floor(sample.length / 2);
  if (pairs < 2) return undefined;
  if (oddNul >= pairs * 0.7 && evenNul <= pairs * 0.05) return 'utf-16le';
  if (evenNul >= pairs * 0.7 && oddNul <= pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** The format the file name implies, if its extension is a known one. */
export function formatFromName(file: string): ExtractFormat | undefined {
  switch (extname(file).toLowerCase()) {
    case '.csv':
    case '.txt':
    case '.tsv':
      return 'csv';
    case '.json':
      return 'json';
    case '.ndjson':
    case '.jsonl':
      return 'ndjson';
    default:
      return undefined;
  }
}

/** Guesses the format from the first character that is not white space (UTF-8 text). */
export function sniffFormat(text: Buffer): ExtractFormat {
  for (const byte of text) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    if (byte === 0x5b) return 'json';
    if (byte === 0x7b) return 'ndjson';
    return 'csv';
  }
  return 'csv';
}

function startsWith(buffer: Buffer, bytes: readonly number[]): boolean {
  if (buffer.length < bytes.length) return false;
  return bytes.every((byte, i) => buffer[i] === byte);
}
