/**
 * Shared helpers of the expression compiler's tests: real CQL through the front end, a bound
 * projection out of it, and services that record faults.
 */
import { expect } from 'vitest';
import { compileScript } from '../../../src/index.js';
import type { BoundExpr, BoundQuery } from '../../../src/analysis/bound.js';
import type { FunctionSignature } from '../../../src/analysis/functions.js';
import { compileExpr, compilePredicate, type CompileExprOptions } from '../../../src/compile/expressions.js';
import { emptyScope, type EvalScope, type EvalServices, type Row } from '../../../src/runtime/row.js';

export const STREAM =
  'CREATE STREAM S (s STRING, s2 STRING, i INT, i2 INT, d DOUBLE, d2 DOUBLE, b BOOLEAN, b2 BOOLEAN, t TIMESTAMP, t2 TIMESTAMP, j JSON, j2 JSON);\n' +
  'CREATE TABLE Risk (card STRING PRIMARY KEY, score DOUBLE);\n';

/** The last statement's bound query. */
export function boundQuery(text: string, functions?: ReadonlyMap<string, FunctionSignature>): BoundQuery {
  const result = compileScript(STREAM + text, functions ? { functions } : {});
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  const statement = result.script.statements.at(-1);
  if (statement?.kind !== 'query') throw new Error('not a query');
  return statement.query;
}

/** `expr` bound as the only projection of `SELECT expr AS x FROM S`. */
export function bind(expr: string, functions?: ReadonlyMap<string, FunctionSignature>): BoundExpr {
  return boundQuery(`SELECT ${expr} AS x FROM S;`, functions).projections[0]!.expr;
}

export interface Recorder extends EvalServices {
  readonly faults: unknown[];
  readonly lookups: { table: string; key: unknown }[];
}

export function recorder(
  udfs: Record<string, (...args: unknown[]) => unknown> = {},
  tables: Record<string, Record<string, Row>> = {},
): Recorder {
  const faults: unknown[] = [];
  const lookups: { table: string; key: unknown }[] = [];
  return {
    faults,
    lookups,
    fault: (e) => void faults.push(e),
    udf: (name) => udfs[name],
    lookup: (table, key) => {
      lookups.push({ table, key });
      return tables[table]?.[String(key)];
    },
  };
}

export interface Evaluation {
  readonly value: unknown;
  readonly faults: number;
  readonly messages: string[];
}

/** Compiles `expr` and evaluates it on `row`. */
export function evaluate(
  expr: string,
  row: Row = {},
  options: { functions?: ReadonlyMap<string, FunctionSignature>; services?: Recorder; scope?: EvalScope } = {},
): Evaluation {
  const services = options.services ?? recorder();
  const before = services.faults.length;
  const fn = compileExpr(bind(expr, options.functions), { services });
  const value = fn(row, options.scope ?? emptyScope());
  const faults = services.faults.slice(before);
  return { value, faults: faults.length, messages: faults.map((f) => (f instanceof Error ? f.message : String(f))) };
}

/** The value of `expr` on `row`, expecting no fault. */
export function value(expr: string, row: Row = {}): unknown {
  const r = evaluate(expr, row);
  expect(r.messages, `faults of ${expr}`).toEqual([]);
  return r.value;
}

/** The compiled condition's verdict on `row`. */
export function holds(expr: string, row: Row = {}): boolean {
  return compilePredicate(bind(expr), { services: recorder() })(row, emptyScope());
}

export function options(services: EvalServices = recorder()): CompileExprOptions {
  return { services };
}

export const ms = (iso: string): number => Date.parse(iso);
