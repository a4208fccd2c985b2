// Recursive-descent parser for the expression language of docs/mapping.md.
// Precedence, loosest first: or, and, not, comparison / in, operand.
import type { CompareOp, Expr, ListNode } from './ast.js';
import { ExpressionError } from './expression-error.js';
import { tokenize, type Token } from './tokenizer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);
const COMPARE_OPS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);
// Deep enough for any real mapping, shallow enough that a hostile file cannot exhaust the stack.
const MAX_DEPTH = 64;

/** Parses an expression into its syntax tree; throws ExpressionError naming the offset of the fault. */
export function parseExpression(text: string): Expr {
  if (text.trim() === '') throw new ExpressionError('empty expression', undefined);
  return new Parser(tokenize(text)).parseAll();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    const expr = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') {
      if (next.kind === 'operator' || this.isWord(next, 'in')) {
        throw this.fail(next, "comparisons cannot be chained (join them with 'and')");
      }
      throw this.fail(next, 'expected end of expression');
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      const op = this.take();
      left = { kind: 'or', left, right: this.parseAnd(), offset: op.offset };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isWord(this.peek(), 'and')) {
      const op = this.take();
      left = { kind: 'and', left, right: this.parseNot(), offset: op.offset };
    }
    return left;
  }

  private parseNot(): Expr {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.take();
      this.enter(token);
      const operand = this.parseNot();
      this.depth--;
      return { kind: 'not', operand, offset: token.offset };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseOperand();
    const token = this.peek();
    if (token.kind === 'operator' && COMPARE_OPS.has(token.text)) {
      this.take();
      const right = this.parseOperand();
      return { kind: 'compare', op: token.text as CompareOp, left, right, offset: token.offset };
    }
    const negated = this.isWord(token, 'not') && this.isWord(this.peek(1), 'in');
    if (negated || this.isWord(token, 'in')) {
      this.take();
      if (negated) this.take();
      const open = this.peek();
      if (!(open.kind === 'punct' && open.text === '[')) {
        throw this.fail(open, `expected '[' after '${negated ? 'not in' : 'in'}' (a list such as ['a', 'b'])`);
      }
      return { kind: 'in', negated, value: left, list: this.parseList(), offset: token.offset };
    }
    return left;
  }

  private parseOperand(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.take();
        return { kind: 'literal', value: token.text, offset: token.offset };
      case 'number':
        this.take();
        return { kind: 'literal', value: Number(token.text), offset: token.offset };
      case 'column':
        this.take();
        return { kind: 'column', name: token.text, offset: token.offset };
      case 'identifier':
        return this.parseName(token);
      case 'punct':
        if (token.text === '(') {
          this.take();
          this.enter(token);
          const inner = this.parseOr();
          this.depth--;
          this.expect(')');
          return inner;
        }
        if (token.text === '[') return this.parseList();
        if (token.text === '-') {
          const num = this.peek(1);
          if (num.kind === 'number') {
            this.take();
            this.take();
            return { kind: 'literal', value: -Number(num.text), offset: token.offset };
          }
          throw this.fail(token, "'-' may only start a number");
        }
        break;
      default:
        break;
    }
    throw this.fail(token, token.kind === 'end' ? 'expected a value before the end' : 'expected a value');
  }

  private parseName(token: Token): Expr {
    const word = token.text;
    if (word === 'true' || word === 'false') {
      this.take();
      return { kind: 'literal', value: word === 'true', offset: token.offset };
    }
    if (word === 'null') {
      this.take();
      return { kind: 'literal', value: null, offset: token.offset };
    }
    if (KEYWORDS.has(word)) throw this.fail(token, `expected a value, found '${word}'`);
    const after = this.peek(1);
    if (after.kind === 'punct' && after.text === '(') {
      this.take();
      this.take();
      this.enter(token);
      const args: Expr[] = [];
      if (!this.isPunct(this.peek(), ')')) {
        for (;;) {
          args.push(this.parseOr());
          if (!this.isPunct(this.peek(), ',')) break;
          this.take();
        }
      }
      this.depth--;
      this.expect(')');
      return { kind: 'call', name: word, args, offset: token.offset };
    }
    this.take();
    return { kind: 'column', name: word, offset: token.offset };
  }

  private parseList(): ListNode {
    const open = this.take();
    this.enter(open);
    const items: Expr[] = [];
    if (!this.isPunct(this.peek(), ']')) {
      for (;;) {
        items.push(this.parseOr());
        if (!this.isPunct(this.peek(), ',')) break;
        this.take();
      }
    }
    this.depth--;
    this.expect(']');
    return { kind: 'list', items, offset: open.offset };
  }

  private expect(punct: string): void {
    const token = this.peek();
    if (!this.isPunct(token, punct)) throw this.fail(token, `expected '${punct}'`);
    this.take();
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`nested more than ${MAX_DEPTH} levels deep`, token.offset);
  }

  private fail(token: Token, detail: string): ExpressionError {
    // Keywords are lowercase; "AND" would otherwise read as a column and puzzle the author.
    const lower = token.text.toLowerCase();
    const hint = token.kind === 'identifier' && KEYWORDS.has(lower) && lower !== token.text ? ` (keywords are lowercase: '${lower}')` : '';
    return new ExpressionError(`${detail}${hint}`, token.offset);
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'identifier' && token.text === word;
  }

  private isPunct(token: Token, punct: string): boolean {
    return token.kind === 'punct' && token.text === punct;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.pos++;
    return token;
  }
}
