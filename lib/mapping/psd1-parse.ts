// A reader for the PowerShell data-file (.psd1) subset that CSV2SCIM attribute mappings use.
// Nothing is evaluated: scriptblocks are kept as source text and `$` in double-quoted strings stays literal.
import { LineIndex, Psd1SyntaxError } from './psd1-errors.js';
import { blockCommentEnd, findClosing, hereStringEnd, isBlank, isDash, isDoubleQuote, isNewline, isSingleQuote, lineEnd, readDoubleQuoted, readSingleQuoted } from './psd1-lex.js';

interface Located {
  /** Offsets in the file of the value's first character and of the character after it. */
  offset: number;
  end: number;
  line: number;
  column: number;
}

export type Psd1Value =
  | (Located & { kind: 'hashtable'; entries: Psd1Entry[] })
  | (Located & { kind: 'array'; items: Psd1Value[] })
  /** `expandable`: a double-quoted string holding `$…`, which PowerShell would expand and hrsync does not. */
  | (Located & { kind: 'string'; value: string; expandable: boolean })
  | (Located & { kind: 'number'; value: number })
  | (Located & { kind: 'boolean'; value: boolean })
  | (Located & { kind: 'null' })
  /** `body` is the source between the braces; `bodyOffset` where it starts in the file. */
  | (Located & { kind: 'scriptblock'; body: string; bodyOffset: number; text: string });

export interface Psd1Entry {
  key: string;
  value: Psd1Value;
  line: number;
  column: number;
}

const BARE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*/;
const NUMBER = /^(?:0[xX][0-9A-Fa-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.:-]*/;
const VALUE_END = /[\s;,)}#]/;
const MAX_DEPTH = 64;

/** Parses a PowerShell data file into values with positions; throws Psd1SyntaxError naming `source:line:column` and the key. */
export function parsePsd1(text: string, source: string): Psd1Value {
  return new Psd1Parser(text, source).parseFile();
}

class Psd1Parser {
  private i = 0;
  private depth = 0;
  private readonly lines: LineIndex;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {
    this.lines = new LineIndex(text);
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  parseFile(): Psd1Value {
    this.skipTrivia(true);
    if (this.i >= this.text.length) this.fail('', 'the file is empty; expected a hashtable @{ … }');
    const value = this.parseValue('');
    this.skipTrivia(true);
    if (this.i < this.text.length) this.fail('', `unexpected ${this.describeHere()} after the end of the data`);
    return value;
  }

  /** A value, or a comma-separated list of them (which PowerShell makes an array). */
  private parseValue(key: string): Psd1Value {
    const start = this.i;
    const first = this.parseItem(key);
    this.skipTrivia(false);
    if (this.text[this.i] !== ',') return first;
    const items = [first];
    while (this.text[this.i] === ',') {
      this.i++;
      this.skipTrivia(true);
      items.push(this.parseItem(`${key}[${items.length}]`));
      this.skipTrivia(false);
    }
    return { kind: 'array', items, ...this.locate(start) };
  }

  private parseItem(key: string): Psd1Value {
    const t = this.text;
    const start = this.i;
    const c = t[start];
    if (c === undefined) this.fail(key, 'the file ends where a value was expected');
    if (c === '@' && (t[start + 1] === '{' || t[start + 1] === '(')) {
      // A mapping is a few levels deep; a limit keeps a broken or hostile file from exhausting the stack.
      if (++this.depth > MAX_DEPTH) this.fail(key, `nested more than ${MAX_DEPTH} levels deep`);
      const value = t[start + 1] === '{' ? this.parseHashtable(key) : this.parseArray(key);
      this.depth--;
      return value;
    }
    if (hereStringEnd(t, start) !== undefined) this.fail(key, "here-strings (@'…'@) are not supported; use a quoted string");
    if (c === '{') {
      const close = findClosing(t, start);
      if (close < 0) this.fail(key, 'this scriptblock has no closing }');
      this.i = close + 1;
      return { kind: 'scriptblock', body: t.slice(start + 1, close), bodyOffset: start + 1, text: t.slice(start, close + 1), ...this.locate(start) };
    }
    if (isSingleQuote(c)) {
      const s = readSingleQuoted(t, start);
      if (!s) this.fail(key, 'this string has no closing quote');
      this.i = s.end;
      return { kind: 'string', value: s.value, expandable: false, ...this.locate(start) };
    }
    if (isDoubleQuote(c)) {
      const s = readDoubleQuoted(t, start);
      if (!s) this.fail(key, 'this string has no closing quote');
      this.i = s.end;
      return { kind: 'string', value: s.text, expandable: s.parts.some((p) => p.kind !== 'text'), ...this.locate(start) };
    }
    if (c === '$') {
      const word = /^\$([A-Za-z0-9_:]*)/.exec(t.slice(start, start + 100))?.[1] ?? '';
      this.i = start + 1 + word.length;
      switch (word.toLowerCase()) {
        case 'true':
          return { kind: 'boolean', value: true, ...this.locate(start) };
        case 'false':
          return { kind: 'boolean', value: false, ...this.locate(start) };
        case 'null':
          return { kind: 'null', ...this.locate(start) };
        default:
          this.fail(key, `variable $${word} is not allowed in a data file; only $true, $false and $null are`, start);
      }
    }
    const negative = isDash(c) && /[\d.]/.test(t[start + 1] ?? '');
    const num = NUMBER.exec(t.slice(negative ? start + 1 : start, start + 400));
    if (num) {
      const end = start + (negative ? 1 : 0) + num[0].length;
      if (end < t.length && !VALUE_END.test(t[end] as string)) this.fail(key, `${JSON.stringify(this.tokenAt(start))} is not a number PowerShell data files allow`, start);
      this.i = end;
      const value = /^0x/i.test(num[0]) ? parseInt(num[0].slice(2), 16) : Number(num[0]);
      return { kind: 'number', value: negative ? -value : value, ...this.locate(start) };
    }
    const word = WORD.exec(t.slice(start, start + 400));
    if (word) this.fail(key, `a bare word (${word[0]}) is not a value; quote column names: '${word[0]}'`);
    this.fail(key, `expected a value but found ${this.describeHere()}`);
  }

  private parseHashtable(key: string): Psd1Value {
    const start = this.i;
    this.i += 2;
    const entries: Psd1Entry[] = [];
    const seen = new Set<string>();
    for (;;) {
      this.skipSeparators();
      const c = this.text[this.i];
      if (c === '}') {
        this.i++;
        return { kind: 'hashtable', entries, ...this.locate(start) };
      }
      if (c === undefined) this.fail(key, 'this hashtable has no closing }', start);
      const keyStart = this.i;
      const name = this.parseKey(key);
      const path = key ? `${key}.${name}` : name;
      this.skipTrivia(false);
      if (this.text[this.i] !== '=') this.fail(path, `expected = after the key but found ${this.describeHere()}`);
      this.i++;
      this.skipTrivia(true);
      // Keys are case-insensitive in PowerShell: Import-PowerShellDataFile rejects these duplicates too.
      if (seen.has(name.toLowerCase())) this.fail(path, `duplicate key ${name} (keys are case-insensitive)`, keyStart);
      seen.add(name.toLowerCase());
      const value = this.parseValue(path);
      entries.push({ key: name, value, ...this.lines.at(keyStart) });
      this.skipTrivia(false);
      const next = this.text[this.i];
      if (next !== undefined && next !== '}' && next !== ';' && !isNewline(next)) {
        this.fail(path, `expected a new line, ; or } after the value but found ${this.describeHere()}`);
      }
    }
  }

  private parseKey(key: string): string {
    const t = this.text;
    const c = t[this.i];
    if (isSingleQuote(c)) {
      const s = readSingleQuoted(t, this.i);
      if (!s) this.fail(key, 'this key has no closing quote');
      this.i = s.end;
      return s.value;
    }
    if (isDoubleQuote(c)) {
      const s = readDoubleQuoted(t, this.i);
      if (!s) this.fail(key, 'this key has no closing quote');
      this.i = s.end;
      return s.text;
    }
    const bare = BARE_KEY.exec(t.slice(this.i, this.i + 400));
    if (!bare) this.fail(key, `expected a key but found ${this.describeHere()}`);
    this.i += bare[0].length;
    return bare[0];
  }

  private parseArray(key: string): Psd1Value {
    const start = this.i;
    this.i += 2;
    const items: Psd1Value[] = [];
    for (;;) {
      this.skipSeparators();
      const c = this.text[this.i];
      if (c === ')') {
        this.i++;
        return { kind: 'array', items, ...this.locate(start) };
      }
      if (c === undefined) this.fail(key, 'this array has no closing )', start);
      const value = this.parseValue(`${key}[${items.length}]`);
      // @( … ) collects what each statement outputs, enumerating arrays one level: `@(@(1, 2))` holds 1 and 2.
      if (value.kind === 'array') items.push(...value.items);
      else items.push(value);
      this.skipTrivia(false);
      const next = this.text[this.i];
      const afterBlock = value.kind === 'hashtable' || value.kind === 'scriptblock';
      if (next !== undefined && next !== ')' && next !== ';' && !isNewline(next) && !afterBlock) {
        this.fail(key, `expected a comma, new line or ) between array items but found ${this.describeHere()}`);
      }
    }
  }

  /** Skips blanks, comments and line continuations; newlines too when `newlines`. */
  private skipTrivia(newlines: boolean): void {
    const t = this.text;
    for (;;) {
      const c = t[this.i];
      if (isBlank(c) || (newlines && isNewline(c))) {
        this.i++;
      } else if (c === '`' && isNewline(t[this.i + 1])) {
        this.i += t[this.i + 1] === '\r' && t[this.i + 2] === '\n' ? 3 : 2;
      } else if (c === '#') {
        this.i = lineEnd(t, this.i);
      } else if (c === '<' && t[this.i + 1] === '#') {
        const end = blockCommentEnd(t, this.i) ?? -1;
        if (end < 0) this.fail('', 'this <# comment has no closing #>');
        this.i = end;
      } else {
        return;
      }
    }
  }

  /** Skips trivia, newlines and `;` (entry and item separators). */
  private skipSeparators(): void {
    for (;;) {
      this.skipTrivia(true);
      if (this.text[this.i] !== ';') return;
      this.i++;
    }
  }

  /** Call once the value has been read: its end is the current offset. */
  private locate(offset: number): Located {
    return { offset, end: this.i, ...this.lines.at(offset) };
  }

  private tokenAt(offset: number): string {
    return /^\S{1,40}/.exec(this.text.slice(offset))?.[0] ?? '';
  }

  private describeHere(): string {
    const c = this.text[this.i];
    if (c === undefined) return 'the end of the file';
    if (isNewline(c)) return 'the end of the line';
    return JSON.stringify(this.tokenAt(this.i));
  }

  private fail(key: string, detail: string, offset = this.i): never {
    const { line, column } = this.lines.at(offset);
    throw new Psd1SyntaxError(this.source, key, detail, line, column);
  }
}
