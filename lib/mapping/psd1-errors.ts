// Errors and positions for reading PowerShell data files (CSV2SCIM's AttributeMapping.psd1).
import { MappingError } from './errors.js';

/** A 1-based line and column in a source text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** Maps offsets in one text to lines and columns (CRLF, LF and lone CR all end a line). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) continue;
      if (c === 10 || c === 13) this.starts.push(i + 1);
    }
  }

  /** The line and column of `offset`. */
  at(offset: number): TextPosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}

/**
 * The data file is not valid: the message reads `file:line:column: key: detail`.
 * A MappingError so callers that report bad mappings handle it without knowing about psd1.
 */
export class Psd1SyntaxError extends MappingError {
  constructor(
    source: string,
    key: string,
    detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(source, key, detail);
    this.message = `${source}:${line}:${column}: ${key ? `${key}: ` : ''}${detail}`;
  }
}

/**
 * Thrown while reading a scriptblock that hrsync cannot express; `why` is shown to the user.
 * Never escapes the importer: it becomes an `untranslated` entry.
 */
export class Untranslatable extends Error {
  override readonly name = 'Untranslatable';
  constructor(readonly why: string) {
    super(why);
  }
}
