/**
 * What compiled expressions read at run time (LANGUAGE.md section 4). An event is a plain,
 * validated JSON object (`Row`); a compiled expression is a JavaScript function of the current
 * event and an `EvalScope` that holds everything else it may read. Operators own their scope
 * objects and reuse them, so evaluating does not allocate.
 */

/** An event's data: a JSON object whose schema columns have been validated. */
export type Row = Readonly<Record<string, unknown>>;

export interface EvalScope {
  /** Pattern: the events bound to singleton atoms, by slot (undefined when not bound). */
  bound: (Row | undefined)[];
  /** Pattern: the current value of each Kleene aggregate, by the index the planner gave it. */
  kleene: unknown[];
  /** Pattern: the PARTITION BY key values, in key order. */
  key: readonly unknown[];
  /** Join: the left and right events (for a stream-table join, the right is the table row). */
  left: Row | undefined;
  right: Row | undefined;
  /** Aggregation: the values of the query's aggregates and GROUP BY keys. */
  aggregates: readonly unknown[];
  groupKeys: readonly unknown[];
  windowStart: number | undefined;
  windowEnd: number | undefined;
  /** The current event time (NOW()). */
  now: number;
}

export function emptyScope(): EvalScope {
  return {
    bound: [],
    kleene: [],
    key: [],
    left: undefined,
    right: undefined,
    aggregates: [],
    groupKeys: [],
    windowStart: undefined,
    windowEnd: undefined,
    now: 0,
  };
}

/** A compiled expression: reads `input` (the current or candidate event) and `scope`. */
export type CompiledExpr = (input: Row | undefined, scope: EvalScope) => unknown;

/** Services compiled expressions call: tables, user-defined functions, fault counting. */
export interface EvalServices {
  /** The current row of `table` for `key`, or undefined. */
  lookup(table: string, key: unknown): Row | undefined;
  /** A user-defined function by upper-case name. */
  udf(name: string): ((...args: unknown[]) => unknown) | undefined;
  /** Called when an expression faults (a UDF throws, a bad time zone): the value becomes NULL. */
  fault(error: unknown): void;
}

/**
 * The identity of a key value (a partition key, a table's primary key), telling apart values of
 * different types: 'a' and "a" are one key, '1' and 1 two. A value that cannot be serialised (a
 * circular object or a BigInt pushed through the library) gets a key of its own kind, never an
 * exception.
 */
export function keyId(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `\u0000${JSON.stringify(value ?? null)}`;
  } catch {
    return `\u0002${typeof value}`;
  }
}

/**
 * Whether reading `row[name]` could reach Object.prototype (a column called `constructor`,
 * `toString`, `__proto__`): generated code reads such columns only as own fields.
 */
export function isPrototypeName(name: string): boolean {
  return name === '__proto__' || name in Object.prototype;
}

/** The key `name` in generated object-literal code: `__proto__: v` would set the prototype, a computed key defines a field. */
export function objectKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

/**
 * A function reading one column of a row, compiled for that column: a call site shared by
 * every stream (the engine's event time, the fanout's index) would otherwise read rows of many
 * shapes with many keys, and V8 makes such a keyed read megamorphic and slow for all of them.
 */
export function columnReader(column: string): (row: Row) => unknown {
  return new Function('row', `"use strict";\nreturn row[${JSON.stringify(column)}];`) as (row: Row) => unknown;
}
