// The contract between reading an extract and mapping its rows.

export type ExtractFormat = 'csv' | 'json' | 'ndjson';
export type ExtractEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type CsvDelimiter = ',' | ';' | '\t' | '|';

export interface ExtractOptions {
  /** Name used in every error and problem (the path or blob name). */
  file: string;
  /** Default: from the file name's extension (.csv/.txt → csv, .json → json, .ndjson/.jsonl → ndjson), else csv. */
  format?: ExtractFormat;
  /** Default 'auto': a BOM decides (UTF-8, UTF-16 LE/BE), otherwise UTF-8. Windows-1252 only when set. */
  encoding?: ExtractEncoding | 'auto';
  /** Default 'auto': detected from the header line. */
  delimiter?: CsvDelimiter | 'auto';
}

/** A row-level defect the reader found; the row is still yielded so it can be reported. */
export interface RowDefect {
  rule: 'ragged-row' | 'invalid-encoding' | 'invalid-json' | 'not-an-object';
  message: string;
  column?: string;
}

export interface ExtractRow {
  /** 1-based line in the file where the row starts (a quoted field may span several lines). */
  line: number;
  /** CSV: the fields in header order. JSON/NDJSON: the object as parsed. */
  fields: readonly string[] | Readonly<Record<string, unknown>>;
  /** Set when the row cannot be used as is; mapping must not be attempted. */
  defect?: RowDefect;
}

export interface Extract {
  file: string;
  format: ExtractFormat;
  encoding: ExtractEncoding;
  /** CSV only: the delimiter used. */
  delimiter?: CsvDelimiter;
  /** CSV: the trimmed header names, in order. JSON/NDJSON: undefined (each object names its own keys). */
  columns?: readonly string[];
  /** Rows in file order, one at a time; memory does not grow with the file. */
  rows: AsyncIterable<ExtractRow>;
}
