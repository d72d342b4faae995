/**
 * Name resolution contexts (LANGUAGE.md sections 4, 6.1 and 8): which events an expression may
 * read and how a bare or qualified column reaches one. A scope answers for one place in a query:
 * a filter's WHERE, one side of a join, one pattern atom's condition, a pattern's SELECT list.
 */
import type { Name } from '../lang/ast.js';
import type { Schema } from '../model/types.js';
import type { BoundExpr, RowRef } from './bound.js';
import type { DiagnosticKind } from '../lang/diagnostics.js';

/** An event the scope can read, under the names that reach it. */
export interface ScopeRow {
  /** The qualifiers that name it (an alias, or the stream's own name when it has no alias). */
  readonly names: readonly string[];
  readonly schema: Schema;
  readonly ref: RowRef;
  /** Whether a bare column may resolve to this row. */
  readonly bare: boolean;
  /** A reason the row may not be read here, reported when it is. */
  readonly forbidden?: { readonly kind: DiagnosticKind; readonly message: string; readonly hint?: string };
}

/** A Kleene alias visible to aggregates: `COUNT(r)`, `LAST(r.price)`. */
export interface KleeneRow {
  readonly name: string;
  readonly slot: number;
  readonly schema: Schema;
  readonly forbidden?: { readonly kind: DiagnosticKind; readonly message: string; readonly hint?: string };
}

export interface Scope {
  readonly rows: readonly ScopeRow[];
  /** Kleene aliases, in patterns only. */
  readonly kleene: readonly KleeneRow[];
  /** Extra bare names, such as a pattern's partition key. */
  readonly extraColumns?: ReadonlyMap<string, BoundExpr>;
  /** What to say about a bare column that resolves nowhere. */
  readonly bareColumnHint?: string;
  /** A description for "unknown column 'x' in …". */
  readonly description: string;
}

export function rowByName(scope: Scope, name: Name): ScopeRow | undefined {
  return scope.rows.find((r) => r.names.includes(name.text));
}

export function kleeneByName(scope: Scope, name: string): KleeneRow | undefined {
  return scope.kleene.find((k) => k.name === name);
}
