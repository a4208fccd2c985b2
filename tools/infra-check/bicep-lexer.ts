// Tokens of the Bicep subset infra/ uses: identifiers, numbers, strings (with ${} interpolation,
// and ''' multi-line strings without it), punctuation and newlines, which separate object
// properties and array items. Comments are dropped. Purpose-built for the infra checks: it
// reports what it does not understand with a line number rather than guessing.

export type Token =
  | { kind: 'ident'; value: string; line: number; start: number; end: number }
  | { kind: 'number'; value: number; line: number; start: number; end: number }
  /** A string literal; `parts` alternate text and the source of `${...}` holes (odd indexes). */
  | { kind: 'string'; parts: string[]; line: number; start: number; end: number }
  | { kind: 'punct'; value: string; line: number; start: number; end: number }
  | { kind: 'newline'; line: number; start: number; end: number }
  | { kind: 'eof'; line: number; start: number; end: number };

export class BicepSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'BicepSyntaxError';
  }
}

// Longest first, so `==` is not read as `=` `=`.
const PUNCTUATION = [
  '??',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '.?',
  '=~',
  '!~',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ',',
  ':',
  '.',
  '?',
  '!',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '|',
];

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

/** Splits Bicep source into tokens. */
export function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const fail = (message: string): never => {
    throw new BicepSyntaxError(file, line, message);
  };

  while (i < source.length) {
    const c = source[i] as string;
    const start = i;
    if (c === '\n') {
      tokens.push({ kind: 'newline', line, start, end: i + 1 });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) fail('unterminated /* comment');
      for (let j = i; j < close; j++) if (source[j] === '\n') line++;
      i = close + 2;
    } else if (source.startsWith("'''", i)) {
      const close = source.indexOf("'''", i + 3);
      if (close < 0) fail("unterminated ''' string");
      let text = source.slice(i + 3, close);
      // A leading newline right after the opening quotes is not part of the value.
      if (text.startsWith('\r\n')) text = text.slice(2);
      else if (text.startsWith('\n')) text = text.slice(1);
      tokens.push({ kind: 'string', parts: [text], line, start, end: close + 3 });
      for (let j = i; j < close; j++) if (source[j] === '\n') line++;
      i = close + 3;
    } else if (c === "'") {
      const startLine = line;
      const parts: string[] = [];
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length || source[i] === '\n') fail('unterminated string');
        const d = source[i] as string;
        if (d === "'") {
          i++;
          break;
        }
        if (d === '\\') {
          const e = source[i + 1] ?? '';
          if (e === 'u' && source[i + 2] === '{') {
            const close = source.indexOf('}', i + 3);
            if (close < 0) fail('unterminated \\u{...} escape');
            text += String.fromCodePoint(parseInt(source.slice(i + 3, close), 16));
            i = close + 1;
            continue;
          }
          const escaped = ESCAPES[e];
          if (escaped === undefined) fail(`unknown escape \\${e}`);
          text += escaped;
          i += 2;
          continue;
        }
        if (d === '$' && source[i + 1] === '{') {
          const close = matchingBrace(source, i + 1, () => fail('unterminated ${...} in a string'));
          parts.push(text, source.slice(i + 2, close));
          text = '';
          i = close + 1;
          continue;
        }
        text += d;
        i++;
      }
      parts.push(text);
      tokens.push({ kind: 'string', parts, line: startLine, start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i] as string)) i++;
      tokens.push({ kind: 'ident', value: source.slice(start, i), line, start, end: i });
    } else if (/[0-9]/.test(c)) {
      while (i < source.length && /[0-9]/.test(source[i] as string)) i++;
      tokens.push({ kind: 'number', value: Number(source.slice(start, i)), line, start, end: i });
    } else {
      const p = PUNCTUATION.find((candidate) => source.startsWith(candidate, i));
      if (p === undefined) fail(`unexpected character ${JSON.stringify(c)}`);
      tokens.push({ kind: 'punct', value: p as string, line, start, end: i + (p as string).length });
      i += (p as string).length;
    }
  }
  tokens.push({ kind: 'eof', line, start: source.length, end: source.length });
  return tokens;
}

/** Index of the `}` closing the `{` at `open`, skipping nested braces and strings. */
function matchingBrace(source: string, open: number, fail: () => never): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "'") {
      i++;
      while (i < source.length && source[i] !== "'") i += source[i] === '\\' ? 2 : 1;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
    else if (c === '\n') break;
  }
  return fail();
}
