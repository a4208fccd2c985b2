// Declarations and expressions of a Bicep file, as far as the infra checks need them: params,
// vars, resources, modules and outputs with their decorators, and expressions built from
// literals, objects, arrays, for-loops, conditions, calls, member access and operators.
import { BicepSyntaxError, tokenize } from './bicep-lexer.js';
import type { Token } from './bicep-lexer.js';

export type Expr =
  | { kind: 'string'; parts: (string | Expr)[]; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'bool'; value: boolean; line: number }
  | { kind: 'null'; line: number }
  | { kind: 'ident'; name: string; line: number }
  | { kind: 'object'; props: { key: string; keyExpr?: Expr; value: Expr }[]; line: number }
  | { kind: 'array'; items: Expr[]; line: number }
  | { kind: 'for'; item: string; index?: string; source: Expr; body: Expr; line: number }
  | { kind: 'if'; condition: Expr; body: Expr; line: number }
  | { kind: 'member'; object: Expr; name: string; line: number }
  | { kind: 'index'; object: Expr; index: Expr; line: number }
  | { kind: 'call'; callee: Expr; args: Expr[]; line: number }
  | { kind: 'unary'; op: string; operand: Expr; line: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; line: number }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr; line: number };

export interface Decorator {
  name: string;
  args: Expr[];
}

export type Declaration =
  | { kind: 'targetScope'; value: Expr; line: number }
  | { kind: 'param'; name: string; type: string; value?: Expr; decorators: Decorator[]; line: number }
  | { kind: 'var'; name: string; value: Expr; decorators: Decorator[]; line: number }
  | { kind: 'resource'; name: string; type: string; apiVersion: string; existing: boolean; value: Expr; decorators: Decorator[]; line: number }
  | { kind: 'module'; name: string; path: string; value: Expr; decorators: Decorator[]; line: number }
  | { kind: 'output'; name: string; type: string; value: Expr; decorators: Decorator[]; line: number };

export interface BicepFile {
  path: string;
  declarations: Declaration[];
}

const BINARY_LEVELS: string[][] = [['??'], ['||'], ['&&'], ['==', '!=', '=~', '!~'], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private get token(): Token {
    return this.tokens[this.pos] as Token;
  }

  private fail(message: string, token: Token = this.token): never {
    throw new BicepSyntaxError(this.file, token.line, message);
  }

  private isPunct(value: string): boolean {
    return this.token.kind === 'punct' && this.token.value === value;
  }

  private isIdent(value: string): boolean {
    return this.token.kind === 'ident' && this.token.value === value;
  }

  private expectPunct(value: string): void {
    if (!this.isPunct(value)) this.fail(`expected "${value}"`);
    this.pos++;
  }

  private identifier(): string {
    const t = this.token;
    if (t.kind !== 'ident') this.fail('expected a name');
    this.pos++;
    return t.value;
  }

  private plainString(what: string): string {
    const t = this.token;
    if (t.kind !== 'string' || t.parts.length !== 1) this.fail(`expected ${what} as a plain string`);
    this.pos++;
    return t.parts[0] as string;
  }

  private skipNewlines(): void {
    while (this.token.kind === 'newline') this.pos++;
  }

  private endOfStatement(): void {
    if (this.token.kind !== 'newline' && this.token.kind !== 'eof') this.fail('expected the end of the line');
  }

  parseFile(): Declaration[] {
    const declarations: Declaration[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.token.kind === 'eof') return declarations;
      const decorators: Decorator[] = [];
      while (this.isPunct('@')) {
        this.pos++;
        const expr = this.postfix();
        if (expr.kind !== 'call' || expr.callee.kind !== 'ident') this.fail('expected a decorator call like @description(...)');
        decorators.push({ name: expr.callee.name, args: expr.args });
        this.skipNewlines();
      }
      declarations.push(this.declaration(decorators));
      this.endOfStatement();
    }
  }

  private declaration(decorators: Decorator[]): Declaration {
    const keyword = this.token;
    if (keyword.kind !== 'ident') this.fail('expected a declaration (param, var, resource, module, output)');
    const line = keyword.line;
    this.pos++;
    switch (keyword.value) {
      case 'targetScope':
        this.expectPunct('=');
        return { kind: 'targetScope', value: this.expression(), line };
      case 'param': {
        const name = this.identifier();
        const type = this.typeText();
        if (!this.isPunct('=')) return { kind: 'param', name, type, decorators, line };
        this.pos++;
        return { kind: 'param', name, type, value: this.expression(), decorators, line };
      }
      case 'var': {
        const name = this.identifier();
        this.expectPunct('=');
        return { kind: 'var', name, value: this.expression(), decorators, line };
      }
      case 'resource': {
        const name = this.identifier();
        const typeAndVersion = this.plainString('the resource type');
        const at = typeAndVersion.indexOf('@');
        if (at < 0) this.fail(`resource type '${typeAndVersion}' has no @api-version`);
        const existing = this.isIdent('existing');
        if (existing) this.pos++;
        this.expectPunct('=');
        return { kind: 'resource', name, type: typeAndVersion.slice(0, at), apiVersion: typeAndVersion.slice(at + 1), existing, value: this.expression(), decorators, line };
      }
      case 'module': {
        const name = this.identifier();
        const path = this.plainString('the module path');
        this.expectPunct('=');
        return { kind: 'module', name, path, value: this.expression(), decorators, line };
      }
      case 'output': {
        const name = this.identifier();
        const type = this.typeText();
        this.expectPunct('=');
        return { kind: 'output', name, type, value: this.expression(), decorators, line };
      }
      default:
        return this.fail(`unsupported declaration "${keyword.value}"`, keyword);
    }
  }

  /** The type of a param or output as written, up to `=` or the end of the line. */
  private typeText(): string {
    const parts: string[] = [];
    while (!this.isPunct('=') && this.token.kind !== 'newline' && this.token.kind !== 'eof') {
      const t = this.token;
      parts.push(t.kind === 'ident' || t.kind === 'punct' ? String(t.value) : t.kind === 'string' ? `'${t.parts.join('')}'` : t.kind === 'number' ? String(t.value) : '');
      this.pos++;
    }
    if (parts.length === 0) this.fail('expected a type');
    return parts.join(' ');
  }

  expression(): Expr {
    const condition = this.binary(0);
    if (!this.isPunct('?')) return condition;
    this.pos++;
    this.skipNewlines();
    const then = this.expression();
    this.skipNewlines();
    this.expectPunct(':');
    this.skipNewlines();
    const otherwise = this.expression();
    return { kind: 'ternary', condition, then, otherwise, line: condition.line };
  }

  private binary(level: number): Expr {
    const ops = BINARY_LEVELS[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    while (this.token.kind === 'punct' && ops.includes(this.token.value)) {
      const op = this.token.value;
      this.pos++;
      this.skipNewlines();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right, line: left.line };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isPunct('!') || this.isPunct('-')) {
      const t = this.token as Extract<Token, { kind: 'punct' }>;
      this.pos++;
      return { kind: 'unary', op: t.value, operand: this.unary(), line: t.line };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let expr = this.primary();
    for (;;) {
      if (this.isPunct('.') || this.isPunct('.?')) {
        this.pos++;
        expr = { kind: 'member', object: expr, name: this.identifier(), line: expr.line };
      } else if (this.isPunct('[')) {
        this.pos++;
        const index = this.expression();
        this.expectPunct(']');
        expr = { kind: 'index', object: expr, index, line: expr.line };
      } else if (this.isPunct('(')) {
        this.pos++;
        const args: Expr[] = [];
        this.skipNewlines();
        while (!this.isPunct(')')) {
          args.push(this.expression());
          this.skipNewlines();
          if (this.isPunct(',')) this.pos++;
          else if (!this.isPunct(')')) this.fail('expected "," or ")" in the argument list');
          this.skipNewlines();
        }
        this.pos++;
        expr = { kind: 'call', callee: expr, args, line: expr.line };
      } else {
        return expr;
      }
    }
  }

  private primary(): Expr {
    const t = this.token;
    const line = t.line;
    if (t.kind === 'number') {
      this.pos++;
      return { kind: 'number', value: t.value, line };
    }
    if (t.kind === 'string') {
      this.pos++;
      const parts: (string | Expr)[] = t.parts.map((part, i) => (i % 2 === 0 ? part : parseExpression(part, this.file, line)));
      return { kind: 'string', parts, line };
    }
    if (t.kind === 'ident') {
      this.pos++;
      if (t.value === 'true' || t.value === 'false') return { kind: 'bool', value: t.value === 'true', line };
      if (t.value === 'null') return { kind: 'null', line };
      if (t.value === 'if' && this.isPunct('(')) {
        this.pos++;
        const condition = this.expression();
        this.expectPunct(')');
        return { kind: 'if', condition, body: this.expression(), line };
      }
      return { kind: 'ident', name: t.value, line };
    }
    if (this.isPunct('(')) {
      this.pos++;
      this.skipNewlines();
      const inner = this.expression();
      this.skipNewlines();
      this.expectPunct(')');
      return inner;
    }
    if (this.isPunct('{')) return this.object();
    if (this.isPunct('[')) return this.array();
    return this.fail('expected a value');
  }

  private object(): Expr {
    const line = this.token.line;
    this.pos++;
    const props: { key: string; keyExpr?: Expr; value: Expr }[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct('}')) break;
      const k = this.token;
      let key: string;
      let keyExpr: Expr | undefined;
      if (k.kind === 'ident') key = k.value;
      else if (k.kind === 'string' && k.parts.length === 1) key = k.parts[0] as string;
      else if (k.kind === 'string') {
        key = k.parts.map((part, i) => (i % 2 === 0 ? part : `\${${part}}`)).join('');
        keyExpr = { kind: 'string', parts: k.parts.map((part, i) => (i % 2 === 0 ? part : parseExpression(part, this.file, k.line))), line: k.line };
      } else return this.fail('expected a property name');
      this.pos++;
      this.expectPunct(':');
      if (props.some((p) => p.key === key)) this.fail(`property "${key}" appears twice`);
      props.push({ key, ...(keyExpr === undefined ? {} : { keyExpr }), value: this.expression() });
      if (this.isPunct(',')) this.pos++;
      else if (!this.isPunct('}') && this.token.kind !== 'newline') this.fail('expected a new line or "}" after a property');
    }
    this.pos++;
    return { kind: 'object', props, line };
  }

  private array(): Expr {
    const line = this.token.line;
    this.pos++;
    this.skipNewlines();
    if (this.isIdent('for')) {
      this.pos++;
      let item: string;
      let index: string | undefined;
      if (this.isPunct('(')) {
        this.pos++;
        item = this.identifier();
        this.expectPunct(',');
        index = this.identifier();
        this.expectPunct(')');
      } else {
        item = this.identifier();
      }
      if (!this.isIdent('in')) this.fail('expected "in" in a for-expression');
      this.pos++;
      const source = this.expression();
      this.expectPunct(':');
      const body = this.expression();
      this.skipNewlines();
      this.expectPunct(']');
      return { kind: 'for', item, ...(index === undefined ? {} : { index }), source, body, line };
    }
    const items: Expr[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.isPunct(']')) break;
      items.push(this.expression());
      if (this.isPunct(',')) this.pos++;
      else if (!this.isPunct(']') && this.token.kind !== 'newline') this.fail('expected a new line or "]" after an array item');
    }
    this.pos++;
    return { kind: 'array', items, line };
  }

  atEnd(): boolean {
    this.skipNewlines();
    return this.token.kind === 'eof';
  }
}

/** Parses one expression (the inside of a `${...}` hole). */
export function parseExpression(source: string, file: string, line = 1): Expr {
  const tokens = tokenize(source, file).map((t) => ({ ...t, line: t.line + line - 1 }));
  const parser = new Parser(tokens, file);
  const expr = parser.expression();
  if (!parser.atEnd()) throw new BicepSyntaxError(file, line, `unexpected text after the expression in \${${source}}`);
  return expr;
}

/** Parses a whole Bicep file; throws BicepSyntaxError with the file and line of anything it cannot read. */
export function parseBicep(source: string, path: string): BicepFile {
  return { path, declarations: new Parser(tokenize(source, path), path).parseFile() };
}
