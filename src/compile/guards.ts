/**
 * Equality guards (LANGUAGE.md section 4): what a condition requires of its event's columns
 * with constants, read from its top-level AND conjuncts `column = constant` and
 * `column IN (constants)`. When the event's column holds none of the values, the condition
 * cannot be TRUE, so an operator may skip evaluating it: for a pattern, one generated function
 * per stream tells at once which atoms an event cannot satisfy.
 *
 *     a=Ev[kind = 'A'] -> b=Ev[kind IN ('B', 'C') AND v > a.v]
 *
 *     function cql_guards(row) {
 *       const g0 = row["kind"];
 *       let out = 0;
 *       if (g0 !== "A") out |= 1;
 *       if (g0 !== "B" && g0 !== "C") out |= 2;
 *       return out;
 *     }
 */
import type { BoundExpr } from '../analysis/bound.js';
import type { CqlType } from '../model/types.js';
import type { EventGuard } from '../operators/operator.js';
import { isPrototypeName, type Row } from '../runtime/row.js';

type Constant = string | number | boolean;

/** The column must hold one of the values for the condition to be TRUE. */
export type Guard = EventGuard;

const JS_TYPE: Partial<Record<CqlType, string>> = { STRING: 'string', INT: 'number', DOUBLE: 'number', TIMESTAMP: 'number', BOOLEAN: 'boolean' };

/**
 * A constant that equals the column exactly when JavaScript's `===` says so: the column is typed
 * (not JSON) and the literal is a non-NULL value of the same kind, as the generated comparison
 * requires (`c1 !== null && c1 === "A"`).
 */
function constantFor(column: Extract<BoundExpr, { kind: 'column' }>, e: BoundExpr): Constant | undefined {
  const js = JS_TYPE[column.type];
  if (js === undefined || e.kind !== 'literal' || e.value === null || typeof e.value !== js || JS_TYPE[e.type] !== js) return undefined;
  return e.value;
}

function inputColumn(e: BoundExpr): Extract<BoundExpr, { kind: 'column' }> | undefined {
  return e.kind === 'column' && e.row.kind === 'input' && !isPrototypeName(e.column) ? e : undefined;
}

function guardOf(e: BoundExpr): Guard | undefined {
  if (e.kind === 'binary' && e.op === '=') {
    for (const [col, other] of [
      [e.left, e.right],
      [e.right, e.left],
    ] as const) {
      const column = inputColumn(col);
      const value = column && constantFor(column, other);
      if (column && value !== undefined) return { column: column.column, values: [value] };
    }
    return undefined;
  }
  if (e.kind === 'in' && !e.negated) {
    const column = inputColumn(e.operand);
    if (!column) return undefined;
    const values: Constant[] = [];
    for (const item of e.list) {
      // A NULL in the list never makes IN TRUE: it adds no value.
      if (item.kind === 'literal' && item.value === null) continue;
      const value = constantFor(column, item);
      if (value === undefined) return undefined;
      values.push(value);
    }
    return { column: column.column, values };
  }
  return undefined;
}

/** The guards of a condition: one per top-level AND conjunct that is an equality with constants. */
export function guardsOf(condition: BoundExpr | undefined): Guard[] {
  if (condition === undefined) return [];
  if (condition.kind === 'binary' && condition.op === 'AND') return [...guardsOf(condition.left), ...guardsOf(condition.right)];
  const guard = guardOf(condition);
  return guard ? [guard] : [];
}

function literal(v: Constant): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * A function of an event giving, as bits, the conditions it cannot satisfy: bit `bit` is set
 * when one of the condition's guards fails. Undefined when no condition has a guard.
 */
export function compileGuardMask(conditions: readonly { readonly bit: number; readonly guards: readonly Guard[] }[]): ((row: Row) => number) | undefined {
  const columns = new Map<string, string>();
  const tests: string[] = [];
  for (const { bit, guards } of conditions) {
    if (bit === 0) continue;
    for (const g of guards) {
      let local = columns.get(g.column);
      if (local === undefined) columns.set(g.column, (local = `g${columns.size}`));
      const fails = g.values.length === 0 ? 'true' : g.values.map((v) => `${local} !== ${literal(v)}`).join(' && ');
      tests.push(`  if (${fails}) out |= ${bit};`);
    }
  }
  if (tests.length === 0) return undefined;
  const reads = [...columns].map(([column, local]) => `  const ${local} = row[${JSON.stringify(column)}];`);
  const source = ['function cql_guards(row) {', ...reads, '  let out = 0;', ...tests, '  return out;', '}'].join('\n');
  return new Function(`"use strict";\nreturn ${source};`)() as (row: Row) => number;
}
