/**
 * The validated, typed form of a script: what the analyser produces and the runtime compiles.
 * Names are resolved (every column reference says which event it reads), every expression has
 * its type, WHERE conjuncts are attached to pattern elements (LANGUAGE.md 6.2 rule 7), and
 * durations are milliseconds. Nothing here needs the source text again.
 */
import type { Span } from '../model/span.js';
import type { Column, CqlType, Schema, WindowSpec } from '../model/types.js';

// ------------------------------------------------------------------------------- expressions

/** Which event a column reference reads. */
export type RowRef =
  /** The single input's event (filters, windows); in a pattern atom's condition, the candidate. */
  | { readonly kind: 'input' }
  /** A join's left or right event (for a stream-table join, the right side is the table row). */
  | { readonly kind: 'side'; readonly side: 'left' | 'right' }
  /** The event bound to a singleton pattern atom, by the atom's slot (see PatternQuery.atoms). */
  | { readonly kind: 'atom'; readonly slot: number }
  /** Inside the argument of a Kleene aggregate: each event bound to the Kleene atom in turn. */
  | { readonly kind: 'kleeneItem' }
  /** A pattern's PARTITION BY key (column = the key column's name), shared by all its events. */
  | { readonly kind: 'partitionKey' };

export type BoundExpr =
  | { readonly kind: 'literal'; readonly type: CqlType; readonly value: string | number | boolean | null; readonly span: Span }
  | { readonly kind: 'column'; readonly type: CqlType; readonly row: RowRef; readonly column: string; readonly span: Span }
  /** A path into a JSON value: `payload.user.id`. */
  | { readonly kind: 'field'; readonly type: CqlType; readonly base: BoundExpr; readonly path: readonly string[]; readonly span: Span }
  | { readonly kind: 'unary'; readonly type: CqlType; readonly op: '-' | 'NOT'; readonly operand: BoundExpr; readonly span: Span }
  | { readonly kind: 'binary'; readonly type: CqlType; readonly op: BinaryOperator; readonly left: BoundExpr; readonly right: BoundExpr; readonly span: Span }
  | { readonly kind: 'isNull'; readonly type: 'BOOLEAN'; readonly operand: BoundExpr; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'in'; readonly type: 'BOOLEAN'; readonly operand: BoundExpr; readonly list: readonly BoundExpr[]; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'between'; readonly type: 'BOOLEAN'; readonly operand: BoundExpr; readonly low: BoundExpr; readonly high: BoundExpr; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'like'; readonly type: 'BOOLEAN'; readonly operand: BoundExpr; readonly pattern: BoundExpr; readonly negated: boolean; readonly span: Span }
  /** A searched CASE; a simple `CASE x WHEN v` is rewritten to `WHEN x = v`. */
  | { readonly kind: 'case'; readonly type: CqlType; readonly whens: readonly { readonly when: BoundExpr; readonly then: BoundExpr }[]; readonly otherwise: BoundExpr | undefined; readonly span: Span }
  | { readonly kind: 'cast'; readonly type: CqlType; readonly operand: BoundExpr; readonly span: Span }
  /** A built-in scalar function (upper-case name) or a user-defined one (`udf`). */
  | { readonly kind: 'call'; readonly type: CqlType; readonly name: string; readonly udf: boolean; readonly args: readonly BoundExpr[]; readonly span: Span }
  /** `LOOKUP(Table, key).column`: the table's current row for the key, or NULL. */
  | { readonly kind: 'lookup'; readonly type: CqlType; readonly table: string; readonly key: BoundExpr; readonly column: string; readonly span: Span }
  /** An aggregate over the events bound to a Kleene atom: `COUNT(r)`, `LAST(r.price)`. */
  | { readonly kind: 'kleeneAggregate'; readonly type: CqlType; readonly fn: KleeneAggregateFn; readonly slot: number; readonly arg: BoundExpr | undefined; readonly span: Span }
  /** The value of the i-th aggregate of an aggregating query (AggregateQuery.aggregates). */
  | { readonly kind: 'aggregateRef'; readonly type: CqlType; readonly index: number; readonly span: Span }
  /** The value of the i-th GROUP BY key of an aggregating query. */
  | { readonly kind: 'groupKeyRef'; readonly type: CqlType; readonly index: number; readonly span: Span }
  | { readonly kind: 'windowBound'; readonly type: 'TIMESTAMP'; readonly bound: 'start' | 'end'; readonly span: Span };

export type BinaryOperator =
  | '+' | '-' | '*' | '/' | '%' | '||'
  | '=' | '!=' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR';

export type KleeneAggregateFn = 'FIRST' | 'LAST' | 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

export type AggregateFn = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'STDDEV' | 'FIRST' | 'LAST';

/** An aggregate of a windowed or grouped query; `arg` undefined for COUNT(*). */
export interface AggregateCall {
  readonly fn: AggregateFn;
  readonly arg: BoundExpr | undefined;
  readonly distinct: boolean;
  readonly type: CqlType;
  readonly span: Span;
}

// ----------------------------------------------------------------------------------- queries

export interface Projection {
  readonly name: string;
  readonly expr: BoundExpr;
  readonly span: Span;
}

interface QueryBase {
  /** The output stream's name: the CREATE STREAM name, or `query_N` for a bare SELECT. */
  readonly output: string;
  readonly outputSchema: Schema;
  readonly projections: readonly Projection[];
  /** Connector options of the output (`sink`, `topic`, …). */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  /** The streams and tables the query reads, for routing and dependency checks. */
  readonly reads: readonly string[];
  readonly span: Span;
  /** The statement's text, for EXPLAIN and the server's listing. */
  readonly text: string;
}

/** `SELECT … FROM S [WHERE …]`: a stateless filter and projection (section 5). */
export interface FilterQuery extends QueryBase {
  readonly kind: 'filter';
  readonly input: string;
  readonly where: BoundExpr | undefined;
}

/** A window of an aggregating query (section 7). */
export type BoundWindow = WindowSpec;

/** `SELECT aggregates FROM S [WINDOW …] [WHERE …] [GROUP BY …] [HAVING …] [EMIT …]` (section 7). */
export interface AggregateQuery extends QueryBase {
  readonly kind: 'aggregate';
  readonly input: string;
  readonly where: BoundExpr | undefined;
  readonly window: BoundWindow | undefined;
  readonly groupBy: readonly BoundExpr[];
  readonly aggregates: readonly AggregateCall[];
  readonly having: BoundExpr | undefined;
  readonly emit: 'FINAL' | 'CHANGES';
}

/** Stream-stream (`within` set) or stream-table join (section 8). */
export interface JoinQuery extends QueryBase {
  readonly kind: 'join';
  readonly joinType: 'INNER' | 'LEFT';
  readonly left: { readonly stream: string; readonly alias: string };
  readonly right: { readonly stream: string; readonly alias: string; readonly table: boolean };
  /** Milliseconds; undefined for a stream-table join. */
  readonly within: number | undefined;
  readonly on: BoundExpr;
  /** The equalities of ON between one side and the other, used as hash keys. */
  readonly equiKeys: readonly { readonly left: BoundExpr; readonly right: BoundExpr }[];
  /** The rest of ON, evaluated on each candidate pair. */
  readonly residual: BoundExpr | undefined;
  /** Stream-table join: the expression of the stream equated with the table's PRIMARY KEY. */
  readonly tableKey: BoundExpr | undefined;
  readonly where: BoundExpr | undefined;
}

export type Strategy = 'SKIP_TILL_NEXT_MATCH' | 'SKIP_TILL_ANY_MATCH' | 'STRICT_CONTIGUITY';

/** One atom of a pattern: `alias=Stream[condition]`, numbered by its slot. */
export interface PatternAtom {
  readonly slot: number;
  readonly alias: string | undefined;
  readonly stream: string;
  /** The index of the element it belongs to. */
  readonly element: number;
  /** True for the atom of a Kleene element (its events are a list). */
  readonly kleene: boolean;
  /** True for a NOT element's atom. */
  readonly negated: boolean;
  /** The inline `[condition]`, if any. */
  readonly condition: BoundExpr | undefined;
  readonly span: Span;
}

export type PatternElement =
  | { readonly kind: 'atom'; readonly slot: number; readonly min: number; readonly max: number; readonly span: Span }
  | { readonly kind: 'not'; readonly slot: number; readonly span: Span }
  | { readonly kind: 'or'; readonly slots: readonly number[]; readonly span: Span }
  | { readonly kind: 'and'; readonly slots: readonly number[]; readonly span: Span };

/** A WHERE conjunct, attached where everything it names is bound (6.2 rule 7). */
export interface AttachedConjunct {
  readonly expr: BoundExpr;
  /** The element whose condition it joins, or `elements.length` for completion. */
  readonly element: number;
  /** The atom slots it reads (singleton events and Kleene aggregates). */
  readonly slots: readonly number[];
}

/** `SELECT … FROM PATTERN … WITHIN d` (section 6). */
export interface PatternQuery extends QueryBase {
  readonly kind: 'pattern';
  readonly elements: readonly PatternElement[];
  readonly atoms: readonly PatternAtom[];
  readonly conjuncts: readonly AttachedConjunct[];
  /** Per stream of the pattern, the key columns, in key order; empty when not partitioned. */
  readonly partitionBy: Readonly<Record<string, readonly string[]>>;
  readonly within: number;
  readonly strategy: Strategy;
  readonly skipPastLastEvent: boolean;
}

export type BoundQuery = FilterQuery | AggregateQuery | JoinQuery | PatternQuery;

// -------------------------------------------------------------------------------- statements

export interface StreamDefinition {
  readonly name: string;
  readonly schema: Schema;
  /** The event-time column; undefined means arrival time. */
  readonly timestamp: string | undefined;
  readonly timestampFormat: string | undefined;
  readonly timezone: string | undefined;
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

export type BoundStatement =
  | { readonly kind: 'createStream'; readonly stream: StreamDefinition; readonly span: Span }
  | { readonly kind: 'createTable'; readonly table: StreamDefinition & { readonly primaryKey: string }; readonly span: Span }
  | { readonly kind: 'query'; readonly query: BoundQuery; readonly span: Span }
  | { readonly kind: 'drop'; readonly target: 'STREAM' | 'TABLE'; readonly name: string; readonly span: Span }
  | { readonly kind: 'explain'; readonly query: BoundQuery; readonly span: Span };

export interface BoundScript {
  readonly statements: readonly BoundStatement[];
}

export type { Column, Schema };
