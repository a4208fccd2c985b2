// Opening a CSV extract: header, delimiter check, then the rows as a stream.
import { ExtractError } from './errors.js';
import { ExtractCsvParser, feed } from './csv-parser.js';
import { CsvRows } from './csv-rows.js';
import { describeDelimiter, detectDelimiter, detectLineBreak } from './delimiter.js';
import type { TextSource } from './text-source.js';
import type { CsvDelimiter, Extract, ExtractEncoding } from './types.js';

// How many data rows are read ahead to tell a wrong delimiter from a few ragged rows.
const DELIMITER_SAMPLE_ROWS = 100;

/**
 * Opens a CSV body: reads and checks the header and the first rows, then returns the rest
 * as a stream. Throws ExtractError for a file that cannot be used at all.
 */
export async function openCsv(file: string, encoding: ExtractEncoding, source: TextSource, setting: CsvDelimiter | 'auto' | undefined): Promise<Extract> {
  const delimiter = setting === undefined || setting === 'auto' ? detectDelimiter(source.head) : setting;
  const lineBreak = detectLineBreak(source.head);
  const parser = new ExtractCsvParser(delimiter, lineBreak);
  const rows = new CsvRows(file, parser, lineBreak, source.utf8);
  void feed(source.chunks, parser);
  try {
    const header = await rows.pull();
    if (header === undefined) throw new ExtractError(file, 'no-header', 'the file has no header line, only blank lines.', 1);
    if (header.line !== 1) throw new ExtractError(file, 'no-header', 'the first line is blank, but the header must be on the first line.', 1);
    const columns = checkHeader(file, header.fields as readonly string[]);
    rows.columnCount = columns.length;
    await readAhead(file, rows, delimiter);
    return { file, format: 'csv', encoding, delimiter, columns, rows: { [Symbol.asyncIterator]: () => rows } };
  } catch (error) {
    rows.close();
    throw error;
  }
}

function checkHeader(file: string, fields: readonly string[]): string[] {
  const columns = fields.map((name) => name.trim());
  const seen = new Map<string, number>();
  for (const [index, name] of columns.entries()) {
    const position = index + 1;
    if (name === '') throw new ExtractError(file, 'bad-header', `header column ${position} has no name.`, 1, position);
    const first = seen.get(name);
    if (first !== undefined) throw new ExtractError(file, 'bad-header', `header column ${position} has the same name as column ${first}.`, 1, position);
    seen.set(name, position);
  }
  return columns;
}

// When most rows do not fit the header, the file was split on the wrong character:
// reporting thousands of ragged rows would hide that.
async function readAhead(file: string, rows: CsvRows, delimiter: CsvDelimiter): Promise<void> {
  let ragged = 0;
  let firstRagged = 0;
  while (rows.ahead.length < DELIMITER_SAMPLE_ROWS) {
    const row = await rows.pull();
    if (row === undefined) break;
    rows.ahead.push(row);
    if (row.defect?.rule === 'ragged-row') {
      ragged++;
      if (firstRagged === 0) firstRagged = row.line;
    }
  }
  if (ragged * 2 > rows.ahead.length) {
    throw new ExtractError(
      file,
      'wrong-delimiter',
      `${ragged} of the first ${rows.ahead.length} rows do not have as many fields as the header when split on ${describeDelimiter(delimiter)}, the first on this line; check the delimiter.`,
      firstRagged,
    );
  }
}
