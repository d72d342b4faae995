/**
 * Aggregates of windowed and grouped queries (LANGUAGE.md section 7), kept incrementally.
 *
 * The accumulators of one query are generated as code once, at deploy time: the state of a
 * group's window is one plain object with a field or two per aggregate (`{ c0: 0, s1: 0, n1: 0 }`),
 * and adding an event is one straight-line function that evaluates each compiled argument and
 * updates the fields — no call per aggregate, no dispatch on its kind, one hidden class per
 * query. Values come in event-time order (ties in arrival order); `merge` absorbs the state of
 * *later* values, which is how a hopping window is put together from the panes it covers
 * without copying an event into every window. All but `COUNT(*)` ignore NULLs; over no values
 * they give NULL (`COUNT`: 0). Sliding windows, which also lose values, use `sliding.ts`.
 *
 * A state holds only numbers, nulls, values, `undefined` (MIXED) and, for COUNT(DISTINCT), a Set
 * of key ids (null once it held too many): operators checkpoint it as it is (src/engine/snapshot.ts).
 */
import { keyId, type EvalScope, type Row } from '../../runtime/row.js';
import { addInts, carry, finite, intTotal } from '../../util/sums.js';

export type AggregateFn = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'STDDEV' | 'FIRST' | 'LAST';

/** What the operator knows of one aggregate call. */
export interface AggregateShape {
  readonly fn: AggregateFn;
  /** COUNT(*): no argument. */
  readonly star: boolean;
  readonly distinct: boolean;
  /** The result is an INT: a SUM is exact, and NULL beyond the safe integers. */
  readonly integral: boolean;
}

/** The state of one window of one group: generated fields, opaque to the operator. */
export type AccumulatorState = Record<string, unknown>;

/** The generated accumulators of a query's aggregates. */
export interface Accumulators {
  create(): AccumulatorState;
  /** Adds one event: evaluates each argument on `row` and updates the state. */
  add(state: AccumulatorState, row: Row, scope: EvalScope): void;
  /** Adds one event to the states of `units[from]` to `units[to - 1]`, evaluating each argument once. */
  addToEach(units: readonly { readonly state: AccumulatorState }[], from: number, to: number, row: Row, scope: EvalScope): void;
  /** Absorbs `later` (the state of values that all come after `into`'s). */
  merge(into: AccumulatorState, later: AccumulatorState): void;
  /** Writes each aggregate's value into `out`, by aggregate index. */
  results(state: AccumulatorState, out: unknown[]): void;
}

/**
 * MIN and MAX compare numbers, strings and booleans with values of their own type. A JSON
 * argument may mix them: once a window holds values that do not compare (different types, or
 * objects), the aggregate is NULL, as for MIN/MAX over Kleene events.
 */
export function comparable(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

/**
 * A MIN/MAX whose values do not compare. It is `undefined`, not a symbol, so that a checkpoint
 * can write a window's state as it is: no value is ever undefined (arguments are `?? null`, and
 * states start at null).
 */
const MIXED = undefined;

/** Adds a value to a MIN/MAX: the new value, or MIXED once values do not compare. */
function extreme(current: unknown, value: unknown, max: boolean): unknown {
  if (value === null || current === MIXED) return current;
  if (!comparable(value) || (current !== null && typeof value !== typeof current)) return MIXED;
  if (current === null) return value;
  return (max ? (value as number) > (current as number) : (value as number) < (current as number)) ? value : current;
}

/**
 * A sample standard deviation from Welford's count, mean and sum of squared deviations: NULL
 * when they overflowed (values near 1e154 apart or more), never a wrong number.
 */
export function stddevOf(n: number, mean: number, m2: number): number | null {
  if (!Number.isFinite(mean) || !Number.isFinite(m2)) return null;
  return finite(Math.sqrt(Math.max(0, m2) / (n - 1)));
}

/** Pieces of generated code for one aggregate `i`; `v` is its argument's value. */
interface Parts {
  readonly fields: string[];
  readonly add: string;
  readonly merge: string;
  readonly result: string;
}

function parts(shape: AggregateShape, i: number): Parts {
  switch (shape.fn) {
    case 'COUNT':
      if (shape.star) return { fields: [`c${i}: 0`], add: `s.c${i}++;`, merge: `a.c${i} += b.c${i};`, result: `s.c${i}` };
      if (shape.distinct) {
        // Past maxDistinct values, or refused a new one by the memory budget, the set is let go
        // (null): the count is NULL, not a wrong number.
        return {
          fields: [`d${i}: new Set()`],
          add: `if (v !== null && s.d${i} !== null) { const k = keyId(v); if (!s.d${i}.has(k)) { if (!admit()) s.d${i} = null; else { s.d${i}.add(k); if (s.d${i}.size > maxDistinct) { s.d${i} = null; dropped(1); } } } }`,
          merge: `if (a.d${i} !== null) { if (b.d${i} === null) a.d${i} = null; else { for (const x of b.d${i}) a.d${i}.add(x); if (a.d${i}.size > maxDistinct) { a.d${i} = null; dropped(1); } } }`,
          result: `(s.d${i} === null ? null : s.d${i}.size)`,
        };
      }
      return { fields: [`c${i}: 0`], add: `if (v !== null) s.c${i}++;`, merge: `a.c${i} += b.c${i};`, result: `s.c${i}` };
    case 'SUM':
    case 'AVG': {
      // A JSON argument that is not a number is not summed (as for Kleene aggregates).
      if (shape.integral && shape.fn === 'SUM') {
        // Exact (util/sums.ts): the total is s + h · 2^52. A state saved before h existed has none.
        const add = (a: string, b: string, h: string): string =>
          `{ const t = ${a} + ${b}; if (t <= 9007199254740991 && t >= -9007199254740991) ${a} = t; else { ${a} = addInts(${a}, ${b}); ${h} = (${h} ?? 0) + carry.value; } }`;
        return {
          fields: [`s${i}: 0`, `n${i}: 0`, `h${i}: 0`],
          add: `if (typeof v === "number") { ${add(`s.s${i}`, 'v', `s.h${i}`)} s.n${i}++; }`,
          merge: `${add(`a.s${i}`, `b.s${i}`, `a.h${i}`)} a.h${i} = (a.h${i} ?? 0) + (b.h${i} ?? 0); a.n${i} += b.n${i};`,
          result: `(s.n${i} === 0 ? null : intTotal(s.s${i}, s.h${i} ?? 0))`,
        };
      }
      // A DOUBLE total that overflows is not a value (section 2): it is NULL, as a fault is.
      const value = shape.fn === 'AVG' ? `s.s${i} / s.n${i}` : `s.s${i}`;
      return {
        fields: [`s${i}: 0`, `n${i}: 0`],
        add: `if (typeof v === "number") { s.s${i} += v; s.n${i}++; }`,
        merge: `a.s${i} += b.s${i}; a.n${i} += b.n${i};`,
        result: `(s.n${i} === 0 ? null : finite(${value}))`,
      };
    }
    case 'MIN':
    case 'MAX': {
      const max = shape.fn === 'MAX';
      return {
        fields: [`m${i}: null`],
        add: `s.m${i} = extreme(s.m${i}, v, ${max});`,
        merge: `a.m${i} = b.m${i} === MIXED ? MIXED : extreme(a.m${i}, b.m${i}, ${max});`,
        result: `(s.m${i} === MIXED ? null : s.m${i})`,
      };
    }
    case 'STDDEV':
      // Welford's method; partial results combine by Chan's formula. Values so large that the
      // working sums overflow (near 1e154 apart) give NULL, not a wrong number.
      return {
        fields: [`k${i}: 0`, `u${i}: 0`, `q${i}: 0`],
        add: `if (typeof v === "number") { const d = v - s.u${i}; s.k${i}++; s.u${i} += d / s.k${i}; s.q${i} += d * (v - s.u${i}); }`,
        merge:
          `if (b.k${i} > 0) { if (a.k${i} === 0) { a.k${i} = b.k${i}; a.u${i} = b.u${i}; a.q${i} = b.q${i}; } else { ` +
          `const n = a.k${i} + b.k${i}; const d = b.u${i} - a.u${i}; a.q${i} += b.q${i} + (d * d * a.k${i} * b.k${i}) / n; a.u${i} += (d * b.k${i}) / n; a.k${i} = n; } }`,
        result: `(s.k${i} < 2 ? null : stddevOf(s.k${i}, s.u${i}, s.q${i}))`,
      };
    case 'FIRST':
      return { fields: [`f${i}: null`], add: `if (v !== null && s.f${i} === null) s.f${i} = v;`, merge: `if (a.f${i} === null) a.f${i} = b.f${i};`, result: `s.f${i}` };
    case 'LAST':
      return { fields: [`f${i}: null`], add: `if (v !== null) s.f${i} = v;`, merge: `if (b.f${i} !== null) a.f${i} = b.f${i};`, result: `s.f${i}` };
  }
}

type Arg = ((input: Row | undefined, scope: EvalScope) => unknown) | undefined;

/**
 * What a COUNT(DISTINCT) may hold: past `maxDistinct` values in one state it is NULL, and one
 * drop is counted; a new value is kept only if `admit` (the memory budget, which counts its
 * refusals) says so, else the count is NULL too.
 */
export interface DistinctLimit {
  readonly maxDistinct: number;
  readonly dropped: (n: number) => void;
  readonly admit: () => boolean;
}

const UNLIMITED: DistinctLimit = { maxDistinct: Infinity, dropped: () => {}, admit: () => true };

/** Generates the accumulators of a query's aggregates (arguments already compiled). */
export function compileAccumulators(aggregates: readonly { readonly shape: AggregateShape; readonly arg: Arg }[], limit: DistinctLimit = UNLIMITED): Accumulators {
  const all = aggregates.map((a, i) => parts(a.shape, i));
  const values = aggregates.map((a, i) => (a.arg === undefined ? '' : `const v${i} = arg${i}(row, scope) ?? null;`)).join(' ');
  const addValues = aggregates.map((a, i) => (a.arg === undefined ? all[i]!.add : `{ const v = v${i}; ${all[i]!.add} }`)).join('\n    ');
  const source = `"use strict";
return {
  create() { return { ${all.flatMap((p) => p.fields).join(', ')} }; },
  add(s, row, scope) {
    ${values}
    ${addValues}
  },
  addToEach(units, from, to, row, scope) {
    ${values}
    for (let j = from; j < to; j++) {
    const s = units[j].state;
    ${addValues}
    }
  },
  merge(a, b) {
  ${all.map((p) => p.merge).join('\n  ')}
  },
  results(s, out) {
  ${all.map((p, i) => `out[${i}] = ${p.result};`).join('\n  ')}
  },
};`;
  const names = aggregates.map((_, i) => `arg${i}`);
  const factory = new Function('keyId', 'extreme', 'MIXED', 'addInts', 'carry', 'intTotal', 'finite', 'stddevOf', 'maxDistinct', 'dropped', 'admit', ...names, source) as (...args: unknown[]) => Accumulators;
  return factory(keyId, extreme, MIXED, addInts, carry, intTotal, finite, stddevOf, limit.maxDistinct, limit.dropped, limit.admit, ...aggregates.map((a) => a.arg));
}
