// Reads the body of a CSV2SCIM scriptblock (`{ $_.'Status' -eq 'Active' }`) into a small syntax tree.
// Only the expression subset a mapping can carry is recognised; anything else (commands, pipelines,
// assignments, loops, other variables) throws Untranslatable saying what it met.
import { Untranslatable } from './psd1-errors.js';
import type { ExpandablePart } from './psd1-lex.js';
import { blockCommentEnd, hereStringEnd, isBlank, isDash, isDoubleQuote, isNewline, isSingleQuote, lineEnd, readDoubleQuoted, readSingleQuoted } from './psd1-lex.js';

/** A PowerShell expression as the importer understands it. Operator names are lower-case, without the dash. */
export type PsNode =
  | { t: 'string'; value: string }
  | { t: 'interpolated'; parts: (string | PsNode)[] }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'null' }
  /** `$_.Name`, `$_.'Name'`, `$PSItem."Name"`: a property of the current CSV row. */
  | { t: 'column'; name: string }
  | { t: 'array'; items: PsNode[] }
  | { t: 'unary'; op: 'not' | 'neg'; operand: PsNode }
  | { t: 'binary'; op: string; left: PsNode; right: PsNode }
  | { t: 'method'; target: PsNode; name: string; args: PsNode[] }
  | { t: 'static'; type: string; name: string; args: PsNode[] }
  | { t: 'cast'; type: string; operand: PsNode }
  /** `then`/`else` are null for an empty branch or a missing `else`. */
  | { t: 'if'; cond: PsNode; then: PsNode | null; else: PsNode | null };

type Tok = { start: number; space: boolean } & (
  | { k: 'nl' | 'semi' | 'eof' }
  | { k: 'str'; value: string; parts: ExpandablePart[] | null }
  | { k: 'num'; value: number }
  | { k: 'var'; name: string }
  | { k: 'dash'; name: string }
  | { k: 'word'; text: string }
  | { k: 'punct'; text: string }
);

const PUNCT = ['::', '..', '@(', '$(', '@{', '||', '&&', '(', ')', '[', ']', '{', '}', ',', '.', '+', '*', '/', '%', '!', '=', '|', '&', '>', '<'];
const LOGICAL = new Set(['and', 'or', 'xor']);
const STATEMENT_KEYWORDS = new Set([
  'foreach',
  'for',
  'while',
  'do',
  'switch',
  'try',
  'trap',
  'throw',
  'function',
  'filter',
  'param',
  'begin',
  'process',
  'end',
  'break',
  'continue',
  'exit',
  'class',
  'enum',
  'using',
  'data',
]);

/** Parses a scriptblock body (the text between its braces) to the one expression it outputs. */
export function parseScriptBody(text: string): PsNode {
  return new ScriptParser(text, 0, text.length).parseBody();
}

class ScriptParser {
  private readonly toks: Tok[];
  private p = 0;
  private commaAllowed = true;

  constructor(
    private readonly text: string,
    from: number,
    to: number,
  ) {
    this.toks = tokenize(text, from, to);
  }

  parseBody(): PsNode {
    const node = this.parseStatements('eof');
    if (node === null) throw new Untranslatable('the scriptblock outputs nothing');
    return node;
  }

  /** Statements up to `end` (not consumed); more than one would output several values. */
  private parseStatements(end: 'eof' | ')' | '}'): PsNode | null {
    let result: PsNode | null = null;
    let count = 0;
    for (;;) {
      while (this.is('nl') || this.is('semi')) this.p++;
      if (this.atEnd(end)) return result;
      const statement = this.parseStatement();
      if (++count > 1) throw new Untranslatable('the scriptblock has several statements');
      result = statement;
      if (!this.is('nl') && !this.is('semi') && !this.atEnd(end)) this.unexpected();
    }
  }

  private parseStatement(): PsNode {
    const tok = this.peek();
    if (tok.k === 'word') {
      const word = tok.text.toLowerCase();
      if (word === 'if') return this.parseIf();
      if (word === 'return') {
        this.p++;
        if (this.is('nl') || this.is('semi') || this.is('eof') || this.isPunct('}') || this.isPunct(')')) {
          throw new Untranslatable('a bare return outputs nothing');
        }
        return this.parsePipeline();
      }
      if (STATEMENT_KEYWORDS.has(word)) throw new Untranslatable(`the ${word} statement has no hrsync equivalent`);
      throw new Untranslatable(`the command ${tok.text} is not translated`);
    }
    if (this.isPunct('&') || this.isPunct('.')) throw new Untranslatable('invoking commands or scripts is not translated');
    return this.parsePipeline();
  }

  private parsePipeline(): PsNode {
    const node = this.parseExpression();
    if (this.isPunct('|')) throw new Untranslatable('pipelines (|) are not translated');
    if (this.isPunct('=')) throw new Untranslatable('assignments are not translated');
    if (this.isPunct('||') || this.isPunct('&&')) throw new Untranslatable('pipeline chains (|| &&) are not translated');
    if (this.isPunct('>') || this.isPunct('<')) throw new Untranslatable('redirection (> <) is not translated; PowerShell compares with -gt and -lt');
    return node;
  }

  private parseIf(): PsNode {
    this.p++;
    this.skipNewlines();
    this.expectPunct('(');
    const cond = this.parseEnclosedPipeline();
    this.skipNewlines();
    const then = this.parseBlock();
    const mark = this.p;
    this.skipNewlines();
    const next = this.peek();
    if (next.k === 'word' && next.text.toLowerCase() === 'elseif') return { t: 'if', cond, then, else: this.parseIf() };
    if (next.k === 'word' && next.text.toLowerCase() === 'else') {
      this.p++;
      this.skipNewlines();
      return { t: 'if', cond, then, else: this.parseBlock() };
    }
    this.p = mark;
    return { t: 'if', cond, then, else: null };
  }

  private parseBlock(): PsNode | null {
    this.expectPunct('{');
    const saved = this.commaAllowed;
    this.commaAllowed = true;
    const node = this.parseStatements('}');
    this.commaAllowed = saved;
    this.expectPunct('}');
    return node;
  }

  /** The pipeline inside `( … )`, after the opening parenthesis; consumes the closing one. */
  private parseEnclosedPipeline(): PsNode {
    const saved = this.commaAllowed;
    this.commaAllowed = true;
    this.skipNewlines();
    const node = this.parseStatement();
    this.skipNewlines();
    this.expectPunct(')');
    this.commaAllowed = saved;
    return node;
  }

  private parseExpression(): PsNode {
    let left = this.parseComparison();
    for (;;) {
      const tok = this.peek();
      if (tok.k !== 'dash' || !LOGICAL.has(tok.name)) return left;
      this.p++;
      this.skipNewlines();
      left = { t: 'binary', op: tok.name, left, right: this.parseComparison() };
    }
  }

  private parseComparison(): PsNode {
    let left = this.parseAdditive();
    for (;;) {
      const tok = this.peek();
      if (tok.k !== 'dash' || LOGICAL.has(tok.name)) return left;
      if (tok.name === 'not') this.unexpected();
      this.p++;
      this.skipNewlines();
      left = { t: 'binary', op: tok.name, left, right: this.parseAdditive() };
    }
  }

  private parseAdditive(): PsNode {
    let left = this.parseMultiplicative();
    while (this.isPunct('+') || this.isMinus()) {
      const op = this.isPunct('+') ? '+' : '-';
      this.p++;
      this.skipNewlines();
      left = { t: 'binary', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): PsNode {
    let left = this.parseNegation();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const op = (this.peek() as { text: string }).text;
      this.p++;
      this.skipNewlines();
      left = { t: 'binary', op, left, right: this.parseNegation() };
    }
    return left;
  }

  private parseNegation(): PsNode {
    if (this.isMinus()) {
      this.p++;
      return { t: 'unary', op: 'neg', operand: this.parseNegation() };
    }
    return this.parseRange();
  }

  private parseRange(): PsNode {
    const node = this.parseNot();
    if (this.isPunct('..')) throw new Untranslatable('ranges (..) are not translated');
    return node;
  }

  private parseNot(): PsNode {
    const tok = this.peek();
    if ((tok.k === 'dash' && tok.name === 'not') || this.isPunct('!')) {
      this.p++;
      this.skipNewlines();
      return { t: 'unary', op: 'not', operand: this.parseNot() };
    }
    if (tok.k === 'dash' && tok.name !== '') throw new Untranslatable(`the unary operator -${tok.name} is not translated`);
    return this.parseComma();
  }

  private parseComma(): PsNode {
    const first = this.parsePostfix();
    if (!this.commaAllowed || !this.isPunct(',')) return first;
    const items = [first];
    while (this.isPunct(',')) {
      this.p++;
      this.skipNewlines();
      items.push(this.parsePostfix());
    }
    return { t: 'array', items };
  }

  private parsePostfix(): PsNode {
    let node = this.isPunct('[') ? this.parseTypeUse() : this.parsePrimary();
    for (;;) {
      const tok = this.peek();
      if (tok.k === 'punct' && tok.text === '.' && !tok.space) {
        this.p++;
        node = this.parseMember(node);
      } else if (tok.k === 'punct' && tok.text === '[' && !tok.space) {
        throw new Untranslatable('indexing ([…]) is not translated');
      } else if (tok.k === 'punct' && tok.text === '::' && !tok.space) {
        throw new Untranslatable('static members of values are not translated');
      } else {
        return node;
      }
    }
  }

  /** After `.`: a row property (`$_.Name`) or a method call on a value (`.ToLower()`). */
  private parseMember(target: PsNode): PsNode {
    const tok = this.next();
    let name: string;
    if (tok.k === 'word') name = tok.text;
    else if (tok.k === 'str' && (tok.parts ?? []).every((part) => part.kind === 'text')) name = tok.value;
    else if (tok.k === 'str') throw new Untranslatable('a property name built from variables is not translated');
    else throw new Untranslatable('a computed property name is not translated');
    const call = this.peek();
    if (call.k === 'punct' && call.text === '(' && !call.space) {
      return { t: 'method', target, name, args: this.parseArguments() };
    }
    if (target.t === 'column' && target.name === '') return { t: 'column', name };
    throw new Untranslatable(`the property .${name} of a value is not translated`);
  }

  private parseArguments(): PsNode[] {
    this.expectPunct('(');
    const saved = this.commaAllowed;
    this.commaAllowed = false;
    const args: PsNode[] = [];
    this.skipNewlines();
    if (!this.isPunct(')')) {
      for (;;) {
        this.skipNewlines();
        args.push(this.parseExpression());
        this.skipNewlines();
        if (!this.isPunct(',')) break;
        this.p++;
      }
    }
    this.expectPunct(')');
    this.commaAllowed = saved;
    return args;
  }

  /** `[type]::Member(…)` or a cast `[type]value`. */
  private parseTypeUse(): PsNode {
    this.p++;
    let type = '';
    while (!this.isPunct(']')) {
      const tok = this.next();
      if (tok.k === 'word') type += tok.text;
      else if (tok.k === 'punct' && tok.text === '.') type += '.';
      else throw new Untranslatable('this type name is not translated');
    }
    this.p++;
    if (this.isPunct('::')) {
      this.p++;
      const member = this.next();
      if (member.k !== 'word') this.unexpected(member);
      if (!this.isPunct('(')) throw new Untranslatable(`the static property [${type}]::${member.text} is not translated`);
      return { t: 'static', type, name: member.text, args: this.parseArguments() };
    }
    return { t: 'cast', type, operand: this.parsePostfix() };
  }

  private parsePrimary(): PsNode {
    const tok = this.next();
    switch (tok.k) {
      case 'str':
        return tok.parts === null ? { t: 'string', value: tok.value } : this.interpolated(tok.parts);
      case 'num':
        return { t: 'number', value: tok.value };
      case 'var':
        return this.variable(tok.name);
      case 'punct':
        if (tok.text === '(') return this.parseEnclosedPipeline();
        if (tok.text === '$(') return this.parseSubexpression();
        if (tok.text === '@(') return this.parseArraySubexpression();
        if (tok.text === '@{') throw new Untranslatable('hashtables inside a scriptblock are not translated');
        if (tok.text === '{') throw new Untranslatable('nested scriptblocks are not translated');
        break;
      case 'word':
        throw new Untranslatable(`the bare word ${tok.text} is not translated (a command, or a string missing its quotes)`);
      default:
        break;
    }
    return this.unexpected(tok);
  }

  private variable(name: string): PsNode {
    switch (name.toLowerCase()) {
      case 'true':
        return { t: 'bool', value: true };
      case 'false':
        return { t: 'bool', value: false };
      case 'null':
        return { t: 'null' };
      case '_':
      case 'psitem': {
        // An empty name marks the row itself; only a property of it (`$_.Name`) is a usable value.
        const next = this.peek();
        if (next.k === 'punct' && next.text === '.' && !next.space) return { t: 'column', name: '' };
        throw new Untranslatable(`the whole row ($${name}) is not a value hrsync can map; use one of its columns`);
      }
      default:
        throw new Untranslatable(`the variable $${name} is not translated; only $_ (the row), $true, $false and $null are`);
    }
  }

  private parseSubexpression(): PsNode {
    const saved = this.commaAllowed;
    this.commaAllowed = true;
    const node = this.parseStatements(')');
    this.expectPunct(')');
    this.commaAllowed = saved;
    if (node === null) return { t: 'null' };
    return node;
  }

  private parseArraySubexpression(): PsNode {
    const node = this.parseSubexpression();
    if (node.t === 'array') return node;
    if (node.t === 'null') return { t: 'array', items: [] };
    return { t: 'array', items: [node] };
  }

  private interpolated(parts: ExpandablePart[]): PsNode {
    const out: (string | PsNode)[] = [];
    for (const part of parts) {
      if (part.kind === 'text') out.push(part.text);
      else if (part.kind === 'variable') {
        const name = part.name.toLowerCase();
        if (name === '_' || name === 'psitem') {
          throw new Untranslatable(`"$${part.name}…" in a string expands the whole row, not a column; write "$($${part.name}.'Column')"`);
        }
        throw new Untranslatable(`the variable $${part.name} in a string is not translated`);
      } else {
        const node = new ScriptParser(this.text, part.start, part.end).parseStatements('eof');
        out.push(node ?? { t: 'null' });
      }
    }
    if (out.every((part) => typeof part === 'string')) return { t: 'string', value: out.join('') };
    return { t: 'interpolated', parts: out };
  }

  private atEnd(end: 'eof' | ')' | '}'): boolean {
    return end === 'eof' ? this.is('eof') : this.isPunct(end);
  }

  private peek(): Tok {
    return this.toks[this.p] ?? (this.toks[this.toks.length - 1] as Tok);
  }

  private next(): Tok {
    const tok = this.peek();
    if (this.p < this.toks.length - 1) this.p++;
    return tok;
  }

  private is(k: Tok['k']): boolean {
    return this.peek().k === k;
  }

  private isPunct(text: string): boolean {
    const tok = this.peek();
    return tok.k === 'punct' && tok.text === text;
  }

  /** Binary or unary minus: a dash token without an operator name. */
  private isMinus(): boolean {
    const tok = this.peek();
    return tok.k === 'dash' && tok.name === '';
  }

  private skipNewlines(): void {
    while (this.is('nl')) this.p++;
  }

  private expectPunct(text: string): void {
    if (!this.isPunct(text)) this.unexpected();
    this.p++;
  }

  private unexpected(tok: Tok = this.peek()): never {
    if (tok.k === 'eof') throw new Untranslatable('the scriptblock ends unexpectedly');
    if (tok.k === 'nl') throw new Untranslatable('unexpected end of line in the scriptblock');
    const near = this.text.slice(tok.start, tok.start + 20).split(/[\r\n]/)[0];
    throw new Untranslatable(`could not read the scriptblock near ${JSON.stringify(near)}`);
  }
}

const WORD = /^[A-Za-z_][A-Za-z0-9_-]*/;
const MEMBER = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^(?:0[xX][0-9A-Fa-f]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/;

function tokenize(text: string, from: number, to: number): Tok[] {
  const toks: Tok[] = [];
  let i = from;
  let space = true;
  const push = (tok: Tok): void => {
    toks.push(tok);
    space = false;
  };
  while (i < to) {
    const c = text[i] as string;
    const start = i;
    if (isBlank(c)) {
      i++;
      space = true;
      continue;
    }
    if (c === '`' && isNewline(text[i + 1])) {
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      space = true;
      continue;
    }
    if (isNewline(c)) {
      push({ k: 'nl', start, space });
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      space = true;
      continue;
    }
    if (c === '#') {
      i = Math.min(lineEnd(text, i), to);
      space = true;
      continue;
    }
    const block = blockCommentEnd(text, i);
    if (block !== undefined) {
      if (block < 0 || block > to) throw new Untranslatable('a <# comment is not closed');
      i = block;
      space = true;
      continue;
    }
    if (hereStringEnd(text, i) !== undefined) throw new Untranslatable('here-strings are not translated');
    const prev = toks[toks.length - 1];
    const afterDot = prev !== undefined && prev.k === 'punct' && (prev.text === '.' || prev.text === '::') && !space;
    if (isSingleQuote(c)) {
      const s = readSingleQuoted(text, i);
      if (!s || s.end > to) throw new Untranslatable('a string is not closed');
      push({ k: 'str', value: s.value, parts: null, start, space });
      i = s.end;
      continue;
    }
    if (isDoubleQuote(c)) {
      const s = readDoubleQuoted(text, i);
      if (!s || s.end > to) throw new Untranslatable('a string is not closed');
      push({ k: 'str', value: s.text, parts: s.parts, start, space });
      i = s.end;
      continue;
    }
    if (c === '$' && text[i + 1] !== '(') {
      const braced = text[i + 1] === '{';
      const name = braced ? /^\{([^}]*)\}/.exec(text.slice(i + 1, to)) : /^([A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?|[$?^])/.exec(text.slice(i + 1, to));
      if (!name) throw new Untranslatable('a lone $ is not translated');
      push({ k: 'var', name: name[1] as string, start, space });
      i += 1 + name[0].length;
      continue;
    }
    if (isDash(c) && !afterDot) {
      const op = /^[A-Za-z]+/.exec(text.slice(i + 1, to));
      const name = op ? op[0].toLowerCase() : '';
      push({ k: 'dash', name, start, space });
      i += 1 + name.length;
      continue;
    }
    if (afterDot) {
      const member = MEMBER.exec(text.slice(i, to));
      if (member) {
        push({ k: 'word', text: member[0], start, space });
        i += member[0].length;
        continue;
      }
    }
    const num = NUMBER.exec(text.slice(i, to));
    if (num) {
      const after = text[i + num[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) throw new Untranslatable(`the number ${num[0]}${after}… is not translated`);
      push({ k: 'num', value: /^0x/i.test(num[0]) ? parseInt(num[0].slice(2), 16) : Number(num[0]), start, space });
      i += num[0].length;
      continue;
    }
    const word = WORD.exec(text.slice(i, to));
    if (word) {
      push({ k: 'word', text: word[0], start, space });
      i += word[0].length;
      continue;
    }
    if (c === ';') {
      push({ k: 'semi', start, space });
      i++;
      continue;
    }
    const punct = PUNCT.find((p) => text.startsWith(p, i));
    if (punct === undefined) throw new Untranslatable(`the character ${JSON.stringify(c)} is not translated`);
    push({ k: 'punct', text: punct, start, space });
    i += punct.length;
  }
  toks.push({ k: 'eof', start: to, space });
  return toks;
}
