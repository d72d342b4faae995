/**
 * The syntax tree of a CQL script (LANGUAGE.md sections 1-9). Every node is readonly, tagged by
 * `kind` and carries the span of the text it came from. The tree says what was written; names,
 * types and the pattern rules are checked by the analyser.
 */
import type { Span } from '../model/span.js';

export interface Name {
  readonly kind: 'Name';
  /** The identifier as the user meant it: back-quotes removed, doubled back-quotes undone. */
  readonly text: string;
  readonly quoted: boolean;
  readonly span: Span;
}

export interface Script {
  readonly kind: 'Script';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export type Statement =
  | CreateStream
  | CreateStreamAs
  | CreateTable
  | DropStatement
  | ExplainStatement
  | SelectStatement
  | UnsupportedStatement;

export interface ColumnDef {
  readonly kind: 'ColumnDef';
  readonly name: Name;
  readonly type: Name;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly span: Span;
}

export interface WithOption {
  readonly kind: 'WithOption';
  readonly name: Name;
  readonly value: Literal;
  readonly span: Span;
}

/** `CREATE STREAM name (columns) [WITH (...)]`: a source stream. */
export interface CreateStream {
  readonly kind: 'CreateStream';
  readonly name: Name;
  readonly columns: readonly ColumnDef[];
  readonly options: readonly WithOption[];
  readonly span: Span;
}

/** `CREATE STREAM name [WITH (...)] AS SELECT ...`: a derived stream. */
export interface CreateStreamAs {
  readonly kind: 'CreateStreamAs';
  readonly name: Name;
  readonly options: readonly WithOption[];
  readonly query: Query;
  readonly span: Span;
}

/** `CREATE TABLE name (columns, one PRIMARY KEY) [WITH (...)]`. */
export interface CreateTable {
  readonly kind: 'CreateTable';
  readonly name: Name;
  readonly columns: readonly ColumnDef[];
  /** `PRIMARY KEY (col)` written after the columns, if it was. */
  readonly primaryKey: Name | undefined;
  readonly options: readonly WithOption[];
  readonly span: Span;
}

export interface DropStatement {
  readonly kind: 'DropStatement';
  readonly target: 'STREAM' | 'TABLE';
  readonly name: Name;
  readonly span: Span;
}

export interface ExplainStatement {
  readonly kind: 'ExplainStatement';
  readonly statement: CreateStreamAs | SelectStatement;
  readonly span: Span;
}

/** A bare `SELECT ...`: a continuous query whose output stream is named by the engine. */
export interface SelectStatement {
  readonly kind: 'SelectStatement';
  readonly query: Query;
  readonly span: Span;
}

/** A statement the grammar recognises so that it can say it is not supported yet. */
export interface UnsupportedStatement {
  readonly kind: 'UnsupportedStatement';
  readonly what: string;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------- queries

export type SelectItem = StarItem | ExprItem;

export interface StarItem {
  readonly kind: 'StarItem';
  /** `alias.*` when given; `*` otherwise. */
  readonly qualifier: Name | undefined;
  readonly span: Span;
}

export interface ExprItem {
  readonly kind: 'ExprItem';
  readonly expr: Expr;
  readonly alias: Name | undefined;
  readonly span: Span;
}

export interface StreamRef {
  readonly kind: 'StreamRef';
  readonly name: Name;
  readonly alias: Name | undefined;
  readonly span: Span;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

export interface JoinClause {
  readonly kind: 'JoinClause';
  readonly joinType: JoinType;
  readonly right: StreamRef;
  readonly within: Duration | undefined;
  readonly on: Expr | undefined;
  readonly span: Span;
}

export type WindowSpec = TimeWindow | SessionWindow;

/** `TUMBLING (SIZE d)`, `HOPPING (SIZE d, ADVANCE BY d)`, `SLIDING (SIZE d)`; d may be `n EVENTS`. */
export interface TimeWindow {
  readonly kind: 'TimeWindow';
  readonly windowType: 'TUMBLING' | 'HOPPING' | 'SLIDING';
  readonly size: Duration | undefined;
  readonly advance: Duration | undefined;
  readonly span: Span;
}

export interface SessionWindow {
  readonly kind: 'SessionWindow';
  readonly gap: Duration | undefined;
  readonly span: Span;
}

export type Strategy = 'SKIP_TILL_NEXT_MATCH' | 'SKIP_TILL_ANY_MATCH' | 'STRICT_CONTIGUITY';

export interface Query {
  readonly kind: 'Query';
  readonly items: readonly SelectItem[];
  readonly from: FromStreams | FromPattern;
  readonly window: WindowSpec | undefined;
  readonly where: Expr | undefined;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | undefined;
  readonly emit: { readonly mode: 'FINAL' | 'CHANGES'; readonly span: Span } | undefined;
  readonly partitionBy: readonly PartitionKey[];
  readonly within: Duration | undefined;
  readonly strategy: { readonly strategy: Strategy; readonly span: Span } | undefined;
  readonly skipPastLastEvent: Span | undefined;
  /** Clauses written in an order or combination the grammar accepts only to report it. */
  readonly misplaced: readonly { readonly clause: string; readonly span: Span }[];
  /** Where each clause is written, from its keyword (`PARTITION BY card`), for diagnostics. */
  readonly clauses: Readonly<Partial<Record<ClauseName, Span>>>;
  readonly span: Span;
}

/** The clauses after FROM, by the Query field that holds each. */
export type ClauseName = 'window' | 'where' | 'groupBy' | 'having' | 'emit' | 'partitionBy' | 'within' | 'strategy' | 'skipPastLastEvent';

export interface FromStreams {
  readonly kind: 'FromStreams';
  readonly source: StreamRef;
  readonly joins: readonly JoinClause[];
  readonly span: Span;
}

export interface FromPattern {
  readonly kind: 'FromPattern';
  readonly elements: readonly PatternElement[];
  readonly span: Span;
}

/** `PARTITION BY card` or `PARTITION BY Txn.card` (a stream-qualified column). */
export interface PartitionKey {
  readonly kind: 'PartitionKey';
  readonly stream: Name | undefined;
  readonly column: Name;
  readonly span: Span;
}

// --------------------------------------------------------------------------------- patterns

export type PatternElement = AtomElement | NotElement | GroupElement;

export interface Quantifier {
  readonly kind: 'Quantifier';
  readonly min: number;
  /** `Infinity` for `+`, `*` and `{n,}`. */
  readonly max: number;
  readonly text: string;
  readonly span: Span;
}

export interface Atom {
  readonly kind: 'Atom';
  readonly alias: Name | undefined;
  readonly stream: Name;
  readonly condition: Expr | undefined;
  readonly span: Span;
}

export interface AtomElement {
  readonly kind: 'AtomElement';
  readonly atom: Atom;
  readonly quantifier: Quantifier | undefined;
  readonly span: Span;
}

export interface NotElement {
  readonly kind: 'NotElement';
  readonly atom: Atom;
  readonly span: Span;
}

/**
 * A parenthesised group. The language has `(a OR b)` and `(a AND b)` of plain atoms; the
 * grammar accepts any sequences and a quantifier here so that the analyser can say what is not
 * supported (`(a -> b)+`, section 12) instead of a bare syntax error.
 */
export interface GroupElement {
  readonly kind: 'GroupElement';
  readonly operator: 'OR' | 'AND' | 'SEQ';
  readonly mixedOperators: boolean;
  readonly branches: readonly (readonly PatternElement[])[];
  readonly quantifier: Quantifier | undefined;
  readonly span: Span;
}

// ------------------------------------------------------------------------------ expressions

export type Expr =
  | Literal
  | Duration
  | Identifier
  | FieldAccess
  | FunctionCall
  | Unary
  | Binary
  | IsNull
  | InList
  | BetweenExpr
  | LikeExpr
  | CaseExpr
  | CastExpr;

export interface Literal {
  readonly kind: 'Literal';
  readonly value: string | number | boolean | null;
  readonly literalType: 'STRING' | 'NUMBER' | 'BOOLEAN' | 'NULL';
  /** For numbers: whether the text had a fraction or exponent (`1.0`, `1e3`). */
  readonly fractional: boolean;
  readonly span: Span;
}

/** `10 MINUTES`: a number and a unit. The analyser checks the unit. */
export interface Duration {
  readonly kind: 'Duration';
  readonly amount: number;
  readonly amountText: string;
  readonly unit: Name;
  readonly span: Span;
}

export interface Identifier {
  readonly kind: 'Identifier';
  readonly name: Name;
  readonly span: Span;
}

/** `base.field`: an alias's column, or a path into a JSON value. */
export interface FieldAccess {
  readonly kind: 'FieldAccess';
  readonly base: Expr;
  readonly field: Name;
  readonly span: Span;
}

export interface FunctionCall {
  readonly kind: 'FunctionCall';
  readonly name: Name;
  readonly args: readonly Expr[];
  /** `COUNT(*)`. */
  readonly star: boolean;
  readonly distinct: boolean;
  /** Where `WITHIN GROUP (ORDER BY …)` follows the call (ordered-set aggregates, not supported yet). */
  readonly withinGroup?: Span;
  readonly span: Span;
}

export type UnaryOp = '-' | '+' | 'NOT';
export interface Unary {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '||'
  | '=' | '!=' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR';
export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface IsNull {
  readonly kind: 'IsNull';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface InList {
  readonly kind: 'InList';
  readonly operand: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
  readonly span: Span;
}

export interface BetweenExpr {
  readonly kind: 'Between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface LikeExpr {
  readonly kind: 'Like';
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly negated: boolean;
  readonly span: Span;
}

export interface CaseExpr {
  readonly kind: 'Case';
  /** `CASE x WHEN 1 THEN ...`: the operand compared with each WHEN; absent for searched CASE. */
  readonly operand: Expr | undefined;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly otherwise: Expr | undefined;
  readonly span: Span;
}

export interface CastExpr {
  readonly kind: 'Cast';
  readonly operand: Expr;
  readonly type: Name;
  readonly span: Span;
}

export type Node =
  | Script | Statement | ColumnDef | WithOption | SelectItem | StreamRef | JoinClause | WindowSpec
  | Query | FromStreams | FromPattern | PartitionKey | PatternElement | Quantifier | Atom | Expr;
