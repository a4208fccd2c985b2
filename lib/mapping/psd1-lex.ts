// Character-level reading shared by the data-file parser and the scriptblock parser:
// PowerShell's quoting, escapes and comments, and finding where a bracketed region ends.

// PowerShell accepts typographic quotes and dashes as their ASCII forms; files edited in
// Word or Outlook often carry them, so a converter that rejected them would fail on real input.
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);
const DOUBLE_QUOTES = new Set(['"', '\u201C', '\u201D', '\u201E']);
const DASHES = new Set(['-', '\u2013', '\u2014', '\u2015']);

/** True for any character PowerShell reads as a single quote. */
export function isSingleQuote(c: string | undefined): boolean {
  return c !== undefined && SINGLE_QUOTES.has(c);
}

/** True for any character PowerShell reads as a double quote. */
export function isDoubleQuote(c: string | undefined): boolean {
  return c !== undefined && DOUBLE_QUOTES.has(c);
}

/** True for any character PowerShell reads as a dash (operator prefix, minus). */
export function isDash(c: string | undefined): boolean {
  return c !== undefined && DASHES.has(c);
}

/** True for CR or LF. */
export function isNewline(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

/** True for horizontal whitespace (not newlines). */
export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\u00A0' || c === '\uFEFF';
}

/** A single-quoted string starting at `start` (on its quote): its value and the offset after it; undefined if unterminated. */
export function readSingleQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (isSingleQuote(c)) {
      if (isSingleQuote(text[i + 1])) {
        value += "'";
        i++;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
  }
  return undefined;
}

/** A piece of a double-quoted string: literal text, a `$(…)` subexpression (source offsets inside the parentheses), or a variable. */
export type ExpandablePart = { kind: 'text'; text: string } | { kind: 'subexpression'; start: number; end: number } | { kind: 'variable'; name: string; start: number };

const BACKTICK_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * A double-quoted string starting at `start`: its parts, its text with escapes applied and
 * every `$…` kept as written (nothing is evaluated), and the offset after it; undefined if unterminated.
 */
export function readDoubleQuoted(text: string, start: number): { parts: ExpandablePart[]; text: string; end: number } | undefined {
  const parts: ExpandablePart[] = [];
  let literal = '';
  let all = '';
  const flush = (): void => {
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (isDoubleQuote(c)) {
      if (isDoubleQuote(text[i + 1])) {
        literal += '"';
        all += '"';
        i += 2;
        continue;
      }
      flush();
      return { parts, text: all, end: i + 1 };
    }
    if (c === '`') {
      const n = text[i + 1];
      if (n === undefined) return undefined;
      let out = BACKTICK_ESCAPES[n] ?? n;
      let width = 2;
      const unicode = n === 'u' ? /^\{([0-9A-Fa-f]{1,6})\}/.exec(text.slice(i + 2, i + 10)) : null;
      if (unicode) {
        out = String.fromCodePoint(parseInt(unicode[1] as string, 16));
        width += unicode[0].length;
      } else if (n === '\r' && text[i + 2] === '\n') {
        out = '\r\n';
        width = 3;
      }
      literal += out;
      all += out;
      i += width;
      continue;
    }
    if (c === '$') {
      const n = text[i + 1];
      if (n === '(') {
        const close = findClosing(text, i + 1);
        if (close < 0) return undefined;
        flush();
        parts.push({ kind: 'subexpression', start: i + 2, end: close });
        all += text.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (n === '{') {
        const close = text.indexOf('}', i + 2);
        if (close < 0) return undefined;
        flush();
        parts.push({ kind: 'variable', name: text.slice(i + 2, close), start: i });
        all += text.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      const name = /^(?:[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?|[$?^])/.exec(text.slice(i + 1, i + 200));
      if (name) {
        flush();
        parts.push({ kind: 'variable', name: name[0], start: i });
        all += '$' + name[0];
        i += 1 + name[0].length;
        continue;
      }
    }
    literal += c;
    all += c;
    i++;
  }
  return undefined;
}

/** If a here-string (`@'…'@` or `@"…"@`) opens at `start`, the offset after its end (or -1 if unterminated); undefined when none opens there. */
export function hereStringEnd(text: string, start: number): number | undefined {
  if (text[start] !== '@') return undefined;
  const q = text[start + 1];
  const single = isSingleQuote(q);
  if (!single && !isDoubleQuote(q)) return undefined;
  let i = start + 2;
  while (isBlank(text[i])) i++;
  if (!isNewline(text[i])) return undefined;
  for (; i < text.length; i++) {
    if (!isNewline(text[i])) continue;
    let j = i + 1;
    if (text[i] === '\r' && text[j] === '\n') j++;
    const closer = text[j];
    if ((single ? isSingleQuote(closer) : isDoubleQuote(closer)) && text[j + 1] === '@') return j + 2;
  }
  return -1;
}

/** If a block comment `<# … #>` opens at `start`, the offset after it (or -1 if unterminated); undefined when none opens there. */
export function blockCommentEnd(text: string, start: number): number | undefined {
  if (text[start] !== '<' || text[start + 1] !== '#') return undefined;
  const close = text.indexOf('#>', start + 2);
  return close < 0 ? -1 : close + 2;
}

/** The offset of the end of the line starting at or after `start` (the newline itself, or the text's length). */
export function lineEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !isNewline(text[i])) i++;
  return i;
}

const CLOSERS: Readonly<Record<string, string>> = { '(': ')', '{': '}', '[': ']' };
// A `#` only starts a comment at the start of a token; inside a word (`a#b`) it is part of it.
const BEFORE_COMMENT = /[\s{}()[\];,=|]/;

/**
 * The offset of the bracket closing the one at `open` (`(`, `{` or `[`), skipping strings,
 * here-strings, comments and escapes; -1 when it is unbalanced or something inside is unterminated.
 */
export function findClosing(text: string, open: number): number {
  const first = CLOSERS[text[open] ?? ''];
  if (first === undefined) return -1;
  const expected: string[] = [first];
  let i = open + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSingleQuote(c)) {
      const s = readSingleQuoted(text, i);
      if (!s) return -1;
      i = s.end;
      continue;
    }
    if (isDoubleQuote(c)) {
      const s = readDoubleQuoted(text, i);
      if (!s) return -1;
      i = s.end;
      continue;
    }
    const here = hereStringEnd(text, i);
    if (here !== undefined) {
      if (here < 0) return -1;
      i = here;
      continue;
    }
    const block = blockCommentEnd(text, i);
    if (block !== undefined) {
      if (block < 0) return -1;
      i = block;
      continue;
    }
    if (c === '#' && (i === 0 || BEFORE_COMMENT.test(text[i - 1] as string))) {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '`') {
      i += 2;
      continue;
    }
    const closer = CLOSERS[c];
    if (closer !== undefined) {
      expected.push(closer);
    } else if (c === ')' || c === '}' || c === ']') {
      if (expected.pop() !== c) return -1;
      if (expected.length === 0) return i;
    }
    i++;
  }
  return -1;
}
