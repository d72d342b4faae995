/** Traversal of bound expressions (bound.ts). */
import type { BoundExpr } from './bound.js';

/** The direct sub-expressions of a bound expression. */
export function boundChildren(e: BoundExpr): BoundExpr[] {
  switch (e.kind) {
    case 'literal':
    case 'column':
    case 'aggregateRef':
    case 'groupKeyRef':
    case 'windowBound':
      return [];
    case 'field':
      return [e.base];
    case 'unary':
    case 'isNull':
    case 'cast':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'in':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise ? [e.otherwise] : [])];
    case 'call':
      return [...e.args];
    case 'lookup':
      return [e.key];
    case 'kleeneAggregate':
      return e.arg ? [e.arg] : [];
  }
}

/** Visits every node, parents before children. */
export function walkBound(e: BoundExpr, f: (node: BoundExpr) => void): void {
  f(e);
  for (const c of boundChildren(e)) walkBound(c, f);
}

/** Splits a condition into its top-level AND conjuncts. */
export function conjuncts(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** The tables an expression reads through LOOKUP. */
export function lookedUpTables(exprs: readonly (BoundExpr | undefined)[]): string[] {
  const tables = new Set<string>();
  for (const e of exprs) if (e) walkBound(e, (n) => n.kind === 'lookup' && tables.add(n.table));
  return [...tables];
}
