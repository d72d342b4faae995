/**
 * Reference evaluator of bound expressions (LANGUAGE.md section 4): a small tree walk over
 * `BoundExpr`, written for clarity, never for speed. It is the twin of the compiled
 * expressions of `src/compile/`, and the property tests compare the two.
 *
 * - SQL three-valued logic: a condition holds only when it is TRUE; NULL propagates.
 * - INT / INT truncates toward zero; division (and %) by zero is NULL; an INT result outside
 *   the safe integers, and any non-finite DOUBLE result, is NULL (a run-time fault, section 4).
 * - Comparisons only between values of the same JavaScript type (numbers, strings, booleans;
 *   JSON objects only for = and !=); anything else compares as NULL.
 */
import { DateTime } from 'luxon';
import type { BoundExpr, KleeneAggregateFn } from '../../src/analysis/bound.js';
import type { CqlType } from '../../src/model/types.js';
import { clockFree } from './validate.js';

export type Value = null | number | string | boolean | object;
export type Row = Readonly<Record<string, unknown>>;

/** Everything an expression may read. */
export interface Env {
  /** The single input's event (filters); in a pattern atom's condition, the candidate. */
  readonly input?: Row | undefined;
  /** Pattern: the event bound to each singleton atom, by slot (undefined: NULL). */
  readonly atoms?: readonly (Row | undefined)[];
  /** Pattern: the events bound to each Kleene atom so far, by slot, in take order. */
  readonly kleene?: readonly (readonly Row[] | undefined)[];
  /** Pattern: the PARTITION BY key, by column name. */
  readonly key?: Readonly<Record<string, unknown>>;
  /** Join: the left and right events (undefined: a LEFT JOIN's missing partner, all NULL). */
  readonly left?: Row | undefined;
  readonly right?: Row | undefined;
  /** Aggregation: the row's aggregate values, GROUP BY values and window bounds. */
  readonly aggregates?: readonly Value[];
  readonly groupKeys?: readonly Value[];
  readonly windowStart?: number;
  readonly windowEnd?: number;
  /** The current row of a table for a key (LOOKUP). */
  readonly lookup?: (table: string, key: Value) => Row | undefined;
  /** The current event time, for NOW(). */
  readonly now: number;
}

export class ReferenceUnsupportedError extends Error {}

function unsupported(what: string): never {
  throw new ReferenceUnsupportedError(`reference: unsupported ${what}`);
}

/** Section 4: "a condition holds only when it is TRUE". */
export function holds(e: BoundExpr | undefined, env: Env): boolean {
  return e === undefined || evaluate(e, env) === true;
}

function norm(v: unknown): Value {
  return v === undefined ? null : (v as Value);
}

/** A boolean, or NULL for anything else (three-valued logic treats non-booleans as unknown). */
function truth(v: Value): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

function not(v: boolean | null): boolean | null {
  return v === null ? null : !v;
}

function and(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : null;
}

function or(a: boolean | null, b: boolean | null): boolean | null {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : null;
}

/**
 * Compares two values: -1, 0, 1; 'unequal' for two different JSON objects (equal or not, but
 * unordered); null when either is NULL or their JavaScript types differ.
 */
export function compare(a: Value, b: Value): -1 | 0 | 1 | 'unequal' | null {
  if (a === null || b === null || typeof a !== typeof b) return null;
  if (typeof a === 'object') return JSON.stringify(a) === JSON.stringify(b) ? 0 : 'unequal';
  if (a === b) return 0;
  return (a as number | string | boolean) < (b as number | string | boolean) ? -1 : 1;
}

function comparison(op: string, a: Value, b: Value): boolean | null {
  const c = compare(a, b);
  if (c === null) return null;
  if (c === 'unequal') return op === '=' ? false : op === '!=' ? true : null;
  switch (op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
  throw new Error(`reference: not a comparison: ${op}`);
}

/** A number result of the given static type, or NULL when it is not representable. */
function numberResult(n: number, type: CqlType): Value {
  if (!Number.isFinite(n)) return null;
  if (type === 'INT' && !Number.isSafeInteger(n)) return null;
  return n;
}

function arithmetic(op: string, type: CqlType, a: Value, b: Value): Value {
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  switch (op) {
    case '+': return numberResult(a + b, type);
    case '-': return numberResult(a - b, type);
    case '*': return numberResult(a * b, type);
    case '/':
      if (b === 0) return null;
      // INT / INT truncates toward zero, as in SQL.
      return numberResult(type === 'INT' ? Math.trunc(a / b) : a / b, type);
    case '%':
      if (b === 0) return null;
      return numberResult(a % b, type); // the sign of the dividend, as SQL's MOD
  }
  throw new Error(`reference: not arithmetic: ${op}`);
}

export function parseIsoTimestamp(s: string, zone = 'utc'): number | null {
  return clockFree(() => DateTime.fromISO(s, { zone }));
}

/** CAST(x AS STRING), also used by `||` and CONCAT. `type` is the operand's static type. */
function toText(v: Value, type: CqlType): string | null {
  if (v === null) return null;
  if (type === 'TIMESTAMP' && typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function cast(v: Value, from: CqlType, to: CqlType): Value {
  if (v === null) return null;
  switch (to) {
    case 'STRING':
      return toText(v, from);
    case 'JSON':
    case 'NULL':
      return v;
    case 'INT':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') return /^\s*[+-]?\d+\s*$/.test(v) ? numberResult(Number(v), 'INT') : null;
      // DOUBLE to INT rounds half away from zero, as PostgreSQL does.
      return typeof v === 'number' ? numberResult(Math.sign(v) * Math.round(Math.abs(v)), 'INT') : null;
    case 'DOUBLE':
      if (typeof v === 'string') return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
      return typeof v === 'number' ? v : null;
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'string') {
        const t = v.trim().toLowerCase();
        return t === 'true' ? true : t === 'false' ? false : null;
      }
      return null;
    case 'TIMESTAMP':
      if (typeof v === 'number') return v;
      return typeof v === 'string' ? parseIsoTimestamp(v.trim()) : null;
  }
}

function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

function roundHalfAwayFromZero(x: number, digits: number): number {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
}

/** Built-in scalar functions (section 4); the ones the reference does not need throw. */
function callBuiltin(e: Extract<BoundExpr, { kind: 'call' }>, env: Env, item: Row | undefined): Value {
  const args = () => e.args.map((a) => evaluate(a, env, item));
  const num = (v: Value) => (typeof v === 'number' ? v : null);
  switch (e.name) {
    case 'ABS': {
      const x = num(args()[0]!);
      return x === null ? null : Math.abs(x);
    }
    case 'FLOOR':
    case 'CEIL': {
      const x = num(args()[0]!);
      if (x === null) return null;
      return numberResult(e.name === 'FLOOR' ? Math.floor(x) : Math.ceil(x), e.type);
    }
    case 'ROUND': {
      const [xv, dv] = args();
      const x = num(xv!);
      const d = dv === undefined ? 0 : num(dv);
      if (x === null || d === null || !Number.isSafeInteger(d)) return null;
      return numberResult(roundHalfAwayFromZero(x, d), e.type); // SQL: half away from zero
    }
    case 'SQRT': {
      const x = num(args()[0]!);
      return x === null || x < 0 ? null : Math.sqrt(x);
    }
    case 'POWER': {
      const [a, b] = args().map(num);
      return a == null || b == null ? null : numberResult(a ** b, 'DOUBLE');
    }
    case 'LN': {
      const x = num(args()[0]!);
      return x === null || x <= 0 ? null : Math.log(x);
    }
    case 'EXP': {
      const x = num(args()[0]!);
      return x === null ? null : numberResult(Math.exp(x), 'DOUBLE');
    }
    case 'LOWER':
    case 'UPPER': {
      const s = args()[0]!;
      if (typeof s !== 'string') return null;
      return e.name === 'LOWER' ? s.toLowerCase() : s.toUpperCase();
    }
    case 'LENGTH': {
      const s = args()[0]!;
      return typeof s === 'string' ? [...s].length : null; // code points, not UTF-16 units
    }
    case 'CONCAT': {
      // As PostgreSQL: NULL arguments are ignored; the others are cast to STRING.
      const parts = e.args.map((a) => toText(evaluate(a, env, item), a.type));
      return parts.filter((p) => p !== null).join('');
    }
    case 'COALESCE': {
      for (const a of e.args) {
        const v = evaluate(a, env, item);
        if (v !== null) return v;
      }
      return null;
    }
    case 'NULLIF': {
      const [a, b] = args();
      return comparison('=', a!, b!) === true ? null : a!;
    }
    case 'GREATEST':
    case 'LEAST': {
      // As PostgreSQL: NULLs are ignored (NULL only when all are); values that do not compare: NULL.
      const values = args().filter((v) => v !== null);
      let best: Value = null;
      for (const v of values) {
        if (best === null) {
          best = v;
          continue;
        }
        const c = compare(v, best);
        if (c === null || c === 'unequal') return null;
        if (e.name === 'GREATEST' ? c > 0 : c < 0) best = v;
      }
      return best;
    }
    case 'NOW':
      return env.now;
    default:
      return unsupported(`function ${e.name}`);
  }
}

/** A Kleene aggregate over the events bound to `slot` so far (section 6.1). */
function kleeneAggregate(fn: KleeneAggregateFn, type: CqlType, arg: BoundExpr | undefined, events: readonly Row[], env: Env): Value {
  if (fn === 'COUNT') return events.length; // 0 before the first
  const valueOf = (event: Row) => evaluate(arg!, env, event);
  // FIRST and LAST read the first and last bound event, whatever their value ("LAST(r.price)
  // is the previous rise"); NULL before the first.
  if (fn === 'FIRST') return events.length === 0 ? null : valueOf(events[0]!);
  if (fn === 'LAST') return events.length === 0 ? null : valueOf(events[events.length - 1]!);
  // SUM, AVG, MIN, MAX ignore NULLs, as in SQL; over no values they are NULL.
  const values = events.map(valueOf).filter((v) => v !== null);
  if (values.length === 0) return null;
  switch (fn) {
    case 'SUM':
    case 'AVG': {
      const numbers = values.filter((v): v is number => typeof v === 'number');
      if (numbers.length === 0) return null;
      if (fn === 'SUM' && type === 'INT') {
        // Exact, as in SQL: NULL only when the total itself is beyond the safe integers.
        const total = numbers.reduce((t, n) => t + BigInt(n), 0n);
        return BigInt(Number(total)) === total ? numberResult(Number(total), type) : null;
      }
      const sum = numbers.reduce((s, n) => s + n, 0);
      return fn === 'SUM' ? numberResult(sum, type) : numberResult(sum / numbers.length, 'DOUBLE');
    }
    case 'MIN':
    case 'MAX': {
      let best = values[0]!;
      for (const v of values.slice(1)) {
        const c = compare(v, best);
        if (c === null || c === 'unequal') return null;
        if (fn === 'MAX' ? c > 0 : c < 0) best = v;
      }
      return best;
    }
  }
}

function readColumn(e: Extract<BoundExpr, { kind: 'column' }>, env: Env, item: Row | undefined): Value {
  const { row } = e;
  switch (row.kind) {
    case 'input':
      return norm(env.input?.[e.column]);
    case 'atom':
      return norm(env.atoms?.[row.slot]?.[e.column]); // an element passed over: NULL
    case 'kleeneItem':
      return norm(item?.[e.column]);
    case 'partitionKey':
      return norm(env.key?.[e.column]);
    case 'side':
      return norm((row.side === 'left' ? env.left : env.right)?.[e.column]);
  }
}

/**
 * The value of `e`. `item` is the Kleene event being read inside the argument of a Kleene
 * aggregate (RowRef `kleeneItem`).
 */
export function evaluate(e: BoundExpr, env: Env, item?: Row): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'column':
      return readColumn(e, env, item);
    case 'field': {
      let v: unknown = evaluate(e.base, env, item);
      for (const step of e.path) {
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, step)) return null;
        v = (v as Record<string, unknown>)[step];
      }
      return norm(v);
    }
    case 'unary': {
      const v = evaluate(e.operand, env, item);
      if (e.op === 'NOT') return not(truth(v));
      return typeof v === 'number' ? numberResult(-v, e.type) : null;
    }
    case 'binary': {
      if (e.op === 'AND' || e.op === 'OR') {
        const l = truth(evaluate(e.left, env, item));
        const r = truth(evaluate(e.right, env, item));
        return e.op === 'AND' ? and(l, r) : or(l, r);
      }
      const l = evaluate(e.left, env, item);
      const r = evaluate(e.right, env, item);
      if (e.op === '||') {
        const a = toText(l, e.left.type);
        const b = toText(r, e.right.type);
        return a === null || b === null ? null : a + b;
      }
      if (['=', '!=', '<', '<=', '>', '>='].includes(e.op)) return comparison(e.op, l, r);
      return arithmetic(e.op, e.type, l, r);
    }
    case 'isNull': {
      const isNull = evaluate(e.operand, env, item) === null;
      return e.negated ? !isNull : isNull;
    }
    case 'in': {
      // SQL: TRUE if some item equals; else NULL if some comparison is NULL; else FALSE.
      const v = evaluate(e.operand, env, item);
      let result: boolean | null = false;
      for (const x of e.list) result = or(result, comparison('=', v, evaluate(x, env, item)));
      return e.negated ? not(result) : result;
    }
    case 'between': {
      const v = evaluate(e.operand, env, item);
      const low = evaluate(e.low, env, item);
      const high = evaluate(e.high, env, item);
      const result = and(comparison('>=', v, low), comparison('<=', v, high));
      return e.negated ? not(result) : result;
    }
    case 'like': {
      const v = evaluate(e.operand, env, item);
      const p = evaluate(e.pattern, env, item);
      if (typeof v !== 'string' || typeof p !== 'string') return null;
      const result = likeToRegExp(p).test(v);
      return e.negated ? !result : result;
    }
    case 'case': {
      for (const { when, then } of e.whens) {
        if (evaluate(when, env, item) === true) return evaluate(then, env, item);
      }
      return e.otherwise ? evaluate(e.otherwise, env, item) : null;
    }
    case 'cast':
      return cast(evaluate(e.operand, env, item), e.operand.type, e.type);
    case 'call':
      if (e.udf) return unsupported(`function ${e.name} (user-defined)`);
      return callBuiltin(e, env, item);
    case 'kleeneAggregate':
      return kleeneAggregate(e.fn, e.type, e.arg, env.kleene?.[e.slot] ?? [], env);
    case 'lookup': {
      // Section 8: the table's current row for the key, or NULL.
      const key = evaluate(e.key, env, item);
      if (key === null) return null;
      if (!env.lookup) return unsupported('LOOKUP outside a script with tables');
      return norm(env.lookup(e.table, key)?.[e.column]);
    }
    case 'aggregateRef':
      return norm(env.aggregates?.[e.index]);
    case 'groupKeyRef':
      return norm(env.groupKeys?.[e.index]);
    case 'windowBound':
      return norm(e.bound === 'start' ? env.windowStart : env.windowEnd);
  }
}
