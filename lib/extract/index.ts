// lib/extract: streaming readers that turn an HR extract (CSV, JSON, NDJSON) into rows.
export { openExtract, openExtractFile } from './open.js';
export type { ExtractInput } from './input.js';
export { ExtractError } from './errors.js';
export type { CsvDelimiter, Extract, ExtractEncoding, ExtractFormat, ExtractOptions, ExtractRow, RowDefect } from './types.js';
