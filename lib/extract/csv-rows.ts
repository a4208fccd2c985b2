// The rows of a CSV extract, pulled one at a time from the parser, numbered by the line they start on.
import { ExtractError } from './errors.js';
import { MAX_RECORD_CHARS } from './csv-parser.js';
import type { ExtractCsvParser } from './csv-parser.js';
import type { ExtractRow } from './types.js';
import type { Utf8Check } from './utf8-check.js';

/**
 * Row iterator over an {@link ExtractCsvParser}. Lines are counted here rather than taken
 * from csv-parse's `info.lines`, which gives the line a record ends on and counts a CRLF
 * inside a quoted field as two lines.
 */
export class CsvRows implements AsyncIterator<ExtractRow> {
  /** The header's width once it is known; until then rows are not checked against it. */
  columnCount = 0;
  /** Rows read ahead (to judge the delimiter), handed out before any other. */
  readonly ahead: ExtractRow[] = [];
  private nextLine = 1;
  private ended = false;
  private finished = false;
  private error: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly file: string,
    private readonly parser: ExtractCsvParser,
    private readonly lineBreak: '\n' | '\r',
    private readonly utf8: Utf8Check,
  ) {
    const wake = (): void => {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.();
    };
    parser.on('readable', wake);
    parser.on('end', () => {
      this.ended = true;
      wake();
    });
    parser.on('close', () => {
      this.ended = true;
      wake();
    });
    parser.on('error', (error: Error) => {
      this.error ??= error;
      wake();
    });
  }

  /** Next row: served synchronously while the parser holds parsed records, so there is one promise per row. */
  next(): Promise<IteratorResult<ExtractRow>> {
    const row = this.ahead.length > 0 ? this.ahead.shift() : this.finished ? undefined : this.take();
    if (row !== undefined) return Promise.resolve({ done: false, value: row });
    return this.pull().then((value) => (value === undefined ? { done: true, value: undefined } : { done: false, value }));
  }

  /** Stops reading: the parser is destroyed and the input closed. */
  return(): Promise<IteratorResult<ExtractRow>> {
    this.ahead.length = 0;
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The next row from the parser (not the read-ahead ones), waiting for input as needed; undefined at the end. */
  async pull(): Promise<ExtractRow | undefined> {
    for (;;) {
      if (this.finished) return undefined;
      const row = this.take();
      if (row !== undefined) return row;
      if (this.error !== undefined) {
        this.close();
        throw this.error;
      }
      if (this.ended) {
        const fault = this.parser.fault;
        this.close();
        if (fault !== undefined) throw this.faultError(fault);
        return undefined;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Destroys the parser, which stops the feed and closes the input. */
  close(): void {
    this.finished = true;
    if (!this.parser.destroyed) this.parser.destroy();
  }

  // Reads one parsed record, if the parser holds one, skipping blank lines.
  private take(): ExtractRow | undefined {
    for (;;) {
      const record = this.parser.read() as string[] | null;
      if (record === null) return undefined;
      const line = this.nextLine;
      let next = line + 1;
      for (const field of record) {
        if (field.indexOf(this.lineBreak) !== -1) next += countOf(field, this.lineBreak);
      }
      this.nextLine = next;
      if (record.length === 1 && record[0]!.trim() === '') continue;
      return this.toRow(line, record);
    }
  }

  private toRow(line: number, fields: string[]): ExtractRow {
    if (this.columnCount !== 0 && fields.length !== this.columnCount) {
      return { line, fields, defect: { rule: 'ragged-row', message: `line ${line} has ${fields.length} fields but the header has ${this.columnCount}` } };
    }
    if (this.utf8.invalid && fields.some((field) => field.includes('\uFFFD'))) {
      return {
        line,
        fields,
        defect: { rule: 'invalid-encoding', message: `line ${line} has bytes that are not valid UTF-8; if the file is Windows-1252, set the encoding to windows-1252` },
      };
    }
    return { line, fields };
  }

  // The parse error as the reader reports it: at the line where the failing record starts.
  private faultError(fault: Error): ExtractError {
    const code = (fault as { code?: unknown }).code;
    const index = (fault as { column?: unknown }).column;
    const field = typeof index === 'number' ? index + 1 : undefined;
    const which = field === undefined ? 'a field' : `field ${field}`;
    const line = this.nextLine;
    switch (code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new ExtractError(this.file, 'bad-quoting', `in the record starting on this line, ${which} opens a quote that is never closed.`, line, field);
      case 'CSV_MAX_RECORD_SIZE':
        return new ExtractError(
          this.file,
          'bad-quoting',
          `the record starting on this line runs past ${MAX_RECORD_CHARS} characters, so a quote in it is most likely never closed.`,
          line,
        );
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new ExtractError(
          this.file,
          'bad-quoting',
          `in the record starting on this line, ${which} has text after its closing quote (a quote inside a quoted field must be doubled).`,
          line,
          field,
        );
      case 'INVALID_OPENING_QUOTE':
        return new ExtractError(
          this.file,
          'bad-quoting',
          `in the record starting on this line, ${which} has a quote inside a value that is not quoted (quote the whole field and double the quotes inside it).`,
          line,
          field,
        );
      default:
        return new ExtractError(this.file, 'bad-quoting', `the record starting on this line cannot be parsed as CSV (${String(code)}).`, line, field);
    }
  }
}

function countOf(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) count++;
  return count;
}
