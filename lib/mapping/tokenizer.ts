// Splits an expression into tokens, each with the offset where it starts, so every
// syntax error can point at a character.
import { ExpressionError } from './expression-error.js';

export type TokenKind =
  | 'identifier' // a bare column name, a function name or a keyword
  | 'column' // a `backtick` column name
  | 'string'
  | 'number'
  | 'operator' // == != < <= > >=
  | 'punct' // ( ) [ ] , -
  | 'end';

export interface Token {
  kind: TokenKind;
  /** Identifier or column name, string content (quotes undone), number text, operator or punctuation. */
  text: string;
  offset: number;
}

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
const DIGIT = /[0-9]/;

/** Tokenizes an expression; throws ExpressionError at the offset of the first character it cannot read. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (IDENT_START.test(ch)) {
      i++;
      while (i < text.length && IDENT_PART.test(text[i] as string)) i++;
      tokens.push({ kind: 'identifier', text: text.slice(start, i), offset: start });
    } else if (DIGIT.test(ch)) {
      while (i < text.length && DIGIT.test(text[i] as string)) i++;
      if (text[i] === '.' && DIGIT.test(text[i + 1] ?? '')) {
        i++;
        while (i < text.length && DIGIT.test(text[i] as string)) i++;
      }
      if (i < text.length && IDENT_PART.test(text[i] as string)) {
        throw new ExpressionError('a name cannot start with a digit (write it in backticks)', start);
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), offset: start });
    } else if (ch === "'" || ch === '`') {
      const [content, next] = readQuoted(text, start, ch);
      if (ch === '`' && content.trim() === '') throw new ExpressionError('empty column name', start);
      tokens.push({ kind: ch === "'" ? 'string' : 'column', text: content, offset: start });
      i = next;
    } else if (ch === '"') {
      throw new ExpressionError("text is written in single quotes ('like this'), column names with spaces in backticks", start);
    } else if (ch === '=' || ch === '!' || ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'operator', text: two, offset: start });
        i += 2;
      } else if (two === '<>') {
        throw new ExpressionError("unknown operator '<>' (write '!=')", start);
      } else if (ch === '<' || ch === '>') {
        tokens.push({ kind: 'operator', text: ch, offset: start });
        i++;
      } else if (ch === '=') {
        throw new ExpressionError("single '=' (compare with '==')", start);
      } else {
        throw new ExpressionError("unexpected '!' (write 'not' or '!=')", start);
      }
    } else if (ch === '(' || ch === ')' || ch === '[' || ch === ']' || ch === ',' || ch === '-') {
      tokens.push({ kind: 'punct', text: ch, offset: start });
      i++;
    } else if (ch === '&' || ch === '|') {
      throw new ExpressionError(`unexpected '${ch}' (write 'and' / 'or')`, start);
    } else {
      throw new ExpressionError(`unexpected character ${JSON.stringify(ch)}`, start);
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

// A quote character inside is written twice: 'O''Brien', `Col``Name`.
function readQuoted(text: string, start: number, quote: string): [string, number] {
  let out = '';
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) {
      throw new ExpressionError(quote === "'" ? 'unterminated text (missing closing quote)' : 'unterminated column name (missing closing backtick)', start);
    }
    out += text.slice(i, next);
    if (text[next + 1] === quote) {
      out += quote;
      i = next + 2;
    } else {
      return [out, next + 1];
    }
  }
}
