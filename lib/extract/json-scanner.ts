// Finds the elements of a top-level JSON array in streamed text, without parsing them,
// so each can be handed to JSON.parse alone and memory stays at one element.
import { ExtractError } from './errors.js';

/** One element of the array, as written, with where it starts. */
export interface JsonElement {
  text: string;
  line: number;
  column: number;
}

const BEFORE_ARRAY = 0;
const BEFORE_ELEMENT = 1; // after '[': an element or ']'
const AFTER_COMMA = 2; // an element is required
const IN_ELEMENT = 3;
const AFTER_ELEMENT = 4; // ',' or ']'
const AFTER_ARRAY = 5;

const CONTAINER = 0;
const STRING = 1;
const SCALAR = 2;

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * A scanner over the text of `[ element, … ]`: tracks strings, escapes and nesting depth
 * only. Structural faults between elements throw ExtractError; faults inside an element
 * are left to JSON.parse.
 */
export class JsonArrayScanner {
  private text = '';
  // Absolute offset of text[0] in the file's text, to place lines and columns.
  private base = 0;
  private pos = 0;
  private state = BEFORE_ARRAY;
  private line = 1;
  private lineStart = 0;
  private start = -1;
  private startLine = 0;
  private startColumn = 0;
  private kind = CONTAINER;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly file: string) {}

  /** Scans the next piece of text and appends the elements it completes to `out`. */
  write(chunk: string, out: JsonElement[]): void {
    const keep = this.start >= 0 ? this.start : this.pos;
    if (keep > 0) {
      this.text = this.text.slice(keep);
      this.base += keep;
      this.pos -= keep;
      if (this.start >= 0) this.start -= keep;
    }
    this.text += chunk;
    this.scan(out);
  }

  /** Checks that the text ended right after the array. */
  end(): void {
    if (this.state === BEFORE_ARRAY) throw new ExtractError(this.file, 'not-json-array', 'the file holds no JSON array of records.', this.line);
    if (this.state !== AFTER_ARRAY) throw new ExtractError(this.file, 'invalid-json', 'the file ends before the JSON array is closed.', this.line);
  }

  private scan(out: JsonElement[]): void {
    const text = this.text;
    const length = text.length;
    let i = this.pos;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (this.state === IN_ELEMENT) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) {
            this.inString = false;
            if (this.kind === STRING) this.finish(i + 1, out);
          } else if (c === LF) this.newLine(i);
        } else if (this.kind === SCALAR) {
          if (c === COMMA || c === CLOSE_BRACKET || c === SPACE || c === TAB || c === LF || c === CR) {
            this.finish(i, out);
            continue; // the terminator is read again between elements
          }
        } else if (c === QUOTE) this.inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--this.depth === 0) this.finish(i + 1, out);
        } else if (c === LF) this.newLine(i);
        i++;
        continue;
      }
      if (c === LF) this.newLine(i);
      else if (c !== SPACE && c !== TAB && c !== CR) this.between(c, i);
      i++;
    }
    this.pos = i;
  }

  // A character outside any element: the array's own punctuation, or an element's first.
  private between(c: number, i: number): void {
    switch (this.state) {
      case BEFORE_ARRAY:
        if (c !== OPEN_BRACKET) throw new ExtractError(this.file, 'not-json-array', 'the file is not a JSON array of records: it must start with [.', this.line, this.columnAt(i));
        this.state = BEFORE_ELEMENT;
        return;
      case BEFORE_ELEMENT:
      case AFTER_COMMA:
        if (c === CLOSE_BRACKET && this.state === BEFORE_ELEMENT) this.state = AFTER_ARRAY;
        else if (c === CLOSE_BRACKET || c === COMMA) throw this.syntax(i, 'an array element is missing before this character.');
        else this.begin(c, i);
        return;
      case AFTER_ELEMENT:
        if (c === COMMA) this.state = AFTER_COMMA;
        else if (c === CLOSE_BRACKET) this.state = AFTER_ARRAY;
        else throw this.syntax(i, 'an array element must be followed by a comma or the closing ].');
        return;
      default:
        throw this.syntax(i, 'there is more text after the closing ] of the array.');
    }
  }

  private begin(c: number, i: number): void {
    this.state = IN_ELEMENT;
    this.start = i;
    this.startLine = this.line;
    this.startColumn = this.columnAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.kind = CONTAINER;
      this.depth = 1;
    } else if (c === QUOTE) {
      this.kind = STRING;
      this.inString = true;
    } else {
      this.kind = SCALAR;
    }
  }

  private finish(end: number, out: JsonElement[]): void {
    out.push({ text: this.text.slice(this.start, end), line: this.startLine, column: this.startColumn });
    this.start = -1;
    this.state = AFTER_ELEMENT;
  }

  private newLine(i: number): void {
    this.line++;
    this.lineStart = this.base + i + 1;
  }

  private columnAt(i: number): number {
    return this.base + i - this.lineStart + 1;
  }

  private syntax(i: number, message: string): ExtractError {
    return new ExtractError(this.file, 'invalid-json', message, this.line, this.columnAt(i));
  }
}
