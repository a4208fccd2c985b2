/** The extract as a whole cannot be read: wrong kind of file, no header, broken quoting or JSON syntax. */
export class ExtractError extends Error {
  override readonly name = 'ExtractError';
  constructor(
    readonly file: string,
    readonly code:
      | 'binary-file'
      | 'no-header'
      | 'bad-header'
      | 'bad-quoting'
      | 'not-json-array'
      | 'wrong-delimiter'
      | 'unsupported-encoding'
      | 'empty-file'
      | 'invalid-json'
      | 'not-csv'
      | 'blob-changed',
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}${column === undefined ? '' : `:${column}`}: ${message}`);
  }
}
