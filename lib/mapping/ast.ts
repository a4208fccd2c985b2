// The parsed form of an expression. Every node keeps the offset it starts at, for messages.
import type { ExprValue } from './types.js';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface ColumnNode {
  kind: 'column';
  name: string;
  offset: number;
}
export interface LiteralNode {
  kind: 'literal';
  value: ExprValue;
  offset: number;
}
export interface ListNode {
  kind: 'list';
  items: Expr[];
  offset: number;
}
export interface CallNode {
  kind: 'call';
  name: string;
  args: Expr[];
  offset: number;
}
export interface CompareNode {
  kind: 'compare';
  op: CompareOp;
  left: Expr;
  right: Expr;
  offset: number;
}
export interface InNode {
  kind: 'in';
  negated: boolean;
  value: Expr;
  list: ListNode;
  offset: number;
}
export interface LogicNode {
  kind: 'and' | 'or';
  left: Expr;
  right: Expr;
  offset: number;
}
export interface NotNode {
  kind: 'not';
  operand: Expr;
  offset: number;
}

export type Expr = ColumnNode | LiteralNode | ListNode | CallNode | CompareNode | InNode | LogicNode | NotNode;
