/**
 * SQL values at run time (LANGUAGE.md sections 2 and 4): NULL, comparison of JSON values, field
 * paths, LIKE patterns and CAST. Compiled expressions call these helpers where inline code would
 * be too long; none of them throws on data — a fault is reported through the `Fault` callback,
 * which returns the NULL the expression takes instead.
 *
 * SQL NULL is `null`; `undefined` (a missing column or field) is read as `null`. A TIMESTAMP is
 * a number of epoch milliseconds.
 */
import { CASTABLE } from '../analysis/functions.js';
import type { ColumnType, CqlType } from '../model/types.js';
import { fromIso, MAX_TIME } from '../runtime/timestamps.js';

/** A run-time fault of an expression: the expression is NULL for that event and the fault is counted. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

/** Reports a fault and returns the NULL that replaces the faulty value. */
export type Fault = (message: string) => null;

/** A plain JSON object: what `.field` can read into. */
export function isJsonObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `v.key` of a JSON value. Decision: only own properties of objects are fields (never
 * `constructor` from the prototype); arrays, strings, numbers and missing fields give NULL,
 * without a fault, as in ksqlDB's struct and JSON access.
 */
export function getField(v: unknown, key: string): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !hasOwn.call(v, key)) return null;
  return (v as Record<string, unknown>)[key] ?? null;
}

// ------------------------------------------------------------------------------- comparison

/**
 * Orders two non-NULL values of which at least one is JSON: -1, 0, 1, or null when they cannot
 * be compared. Decision: values compare only with values of the same JSON kind — two numbers,
 * two strings (by UTF-16 code unit, like the typed comparison) or two booleans — with no
 * coercion (`'12'` is not `12`); anything else, objects and arrays included, gives NULL.
 */
export function jsonCompare(a: unknown, b: unknown): number | null {
  const ta = typeof a;
  if (ta !== typeof b || (ta !== 'number' && ta !== 'string' && ta !== 'boolean')) return null;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * `a = b` of two non-NULL values of which at least one is JSON: TRUE, FALSE, or NULL when they
 * cannot be compared. Decision: numbers, strings and booleans as in `jsonCompare`; two objects
 * or arrays are equal when they are structurally (deeply) equal, regardless of key order; a
 * scalar against an object, or values of different kinds, give NULL.
 */
export function jsonEquals(a: unknown, b: unknown): boolean | null {
  const ta = typeof a;
  if (ta !== typeof b) return null;
  if (ta === 'object') {
    if (a === null || b === null) return null;
    return deepEqual(a, b);
  }
  if (ta === 'number' || ta === 'string' || ta === 'boolean') return a === b;
  return null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra).filter((k) => ra[k] !== undefined);
  if (keys.length !== Object.keys(rb).filter((k) => rb[k] !== undefined).length) return false;
  for (const k of keys) if (!hasOwn.call(rb, k) || !deepEqual(ra[k], rb[k])) return false;
  return true;
}

// ------------------------------------------------------------------------------------- LIKE

/**
 * `s LIKE p`: `%` any sequence, `_` one character (a code point), anything else itself,
 * case-sensitive, the whole string. Greedy, going back only to the last `%` (a later `%` makes
 * every earlier choice final): at most length(s) × length(p) steps, where a regular expression
 * of `.*`s backtracks exponentially — `'%a%a%a%a%a%b'` over a long string of `a`s took seconds.
 */
export function likeMatch(s: string, p: string): boolean {
  const n = s.length;
  const m = p.length;
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < n) {
    if (j < m) {
      const c = p.charCodeAt(j);
      if (c === PERCENT) {
        star = ++j;
        mark = i;
        continue;
      }
      if (c === UNDERSCORE) {
        i += codePointWidth(s, i);
        j++;
        continue;
      }
      if (c === s.charCodeAt(i)) {
        i++;
        j++;
        continue;
      }
    }
    if (star < 0) return false;
    // The last `%` takes one more character; the pattern after it starts again there.
    mark += codePointWidth(s, mark);
    i = mark;
    j = star;
  }
  while (j < m && p.charCodeAt(j) === PERCENT) j++;
  return j === m;
}

const PERCENT = 37;
const UNDERSCORE = 95;

/** 2 at a surrogate pair, else 1. */
function codePointWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

// ------------------------------------------------------------------------------------- CAST

/** A conversion of a non-NULL value; it returns NULL (through `fault`) when the value does not convert. */
export type Caster = (v: unknown, fault: Fault) => unknown;


/** The CQL type a JSON value has at run time: a number is INT when it is a safe integer. */
export function runtimeType(v: unknown): CqlType {
  switch (typeof v) {
    case 'string':
      return 'STRING';
    case 'boolean':
      return 'BOOLEAN';
    case 'number':
      return Number.isSafeInteger(v) ? 'INT' : 'DOUBLE';
    default:
      return v === null || v === undefined ? 'NULL' : 'JSON';
  }
}

/**
 * The conversion of CAST(x AS to) for a value of static type `from`, or undefined when the value
 * is already right (identity: INT/DOUBLE/TIMESTAMP among themselves where no rounding is needed,
 * anything to JSON).
 */
export function caster(from: CqlType, to: ColumnType): Caster | undefined {
  if (from === to || to === 'JSON' || from === 'NULL') return undefined;
  switch (to) {
    case 'STRING':
      return from === 'JSON' ? jsonToString : TO_STRING[from];
    case 'INT':
      return from === 'JSON' ? (v, fault) => castJson(v, 'INT', fault) : TO_INT[from];
    case 'DOUBLE':
      if (from === 'INT' || from === 'TIMESTAMP') return undefined;
      return from === 'JSON' ? (v, fault) => castJson(v, 'DOUBLE', fault) : TO_DOUBLE[from];
    case 'BOOLEAN':
      return from === 'JSON' ? (v, fault) => castJson(v, 'BOOLEAN', fault) : TO_BOOLEAN[from];
    case 'TIMESTAMP':
      if (from === 'INT' || from === 'DOUBLE') return undefined;
      return from === 'JSON' ? (v, fault) => castJson(v, 'TIMESTAMP', fault) : TO_TIMESTAMP[from];
  }
}

/**
 * Decision: CAST of a JSON value uses the rules of the value's run-time kind (a whole number as
 * INT, other numbers as DOUBLE, strings, booleans), and a kind the analyser would not accept
 * statically (a boolean to DOUBLE, an object to INT) is a fault, NULL.
 */
function castJson(v: unknown, to: ColumnType, fault: Fault): unknown {
  const from = runtimeType(v);
  if (!CASTABLE[to].includes(from) || from === 'JSON') return fault(`cannot CAST ${describe(v)} to ${to}`);
  const c = caster(from, to);
  return c === undefined ? v : c(v, fault);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a JSON array';
  if (typeof v === 'object') return 'a JSON object';
  return `the JSON ${typeof v} ${JSON.stringify(v)}`;
}

type CasterTable = Partial<Record<CqlType, Caster>>;

/**
 * Decision (CAST to STRING): numbers by JavaScript's shortest round-trip form (`String`, so
 * `1e+21`, `0.1`), booleans `true`/`false`, a TIMESTAMP as ISO-8601 in UTC with milliseconds
 * (`2026-03-29T01:30:00.000Z`), a JSON string as itself and any other JSON value as its JSON text.
 */
const TO_STRING: CasterTable = {
  INT: (v) => String(v),
  DOUBLE: (v) => String(v),
  BOOLEAN: (v) => (v ? 'true' : 'false'),
  TIMESTAMP: (v, fault) => timestampToString(v as number, fault),
};

function jsonToString(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * ISO-8601 in UTC with milliseconds, as `Date.prototype.toISOString` (fractions of a millisecond
 * are dropped); out of JavaScript's date range is a fault. Years 0-9999 are formatted here by
 * arithmetic (civil-from-days), many times faster than `toISOString`.
 */
export function timestampToString(ms: number, fault: Fault): string | null {
  const t = Math.trunc(ms);
  if (!(Math.abs(t) <= MAX_TIME)) return fault(`TIMESTAMP ${ms} is out of range`);
  if (t < MIN_FAST || t >= MAX_FAST) return new Date(t).toISOString();
  const days = Math.floor(t / DAY_MS);
  const inDay = t - days * DAY_MS;
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(inDay / 3_600_000);
  const minute = Math.floor(inDay / 60_000) % 60;
  const second = Math.floor(inDay / 1000) % 60;
  const milli = inDay % 1000;
  return `${String(year).padStart(4, '0')}-${DIGITS[month]!.slice(1)}-${DIGITS[day]!.slice(1)}T${DIGITS[hour]!.slice(1)}:${DIGITS[minute]!.slice(1)}:${DIGITS[second]!.slice(1)}.${DIGITS[milli]}Z`;
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z. */
const MIN_FAST = -62_167_219_200_000;
const MAX_FAST = 253_402_300_800_000;

/** '000' … '999'. */
const DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * Decision (CAST to INT): a DOUBLE or TIMESTAMP rounds half away from zero (PostgreSQL); a
 * BOOLEAN is 1 or 0; a STRING must be an optionally signed whole number, surrounding white space
 * allowed (`'1.5'` and `'1e3'` are faults, as in PostgreSQL); a result beyond the safe integers
 * is a fault.
 */
const TO_INT: CasterTable = {
  DOUBLE: (v, fault) => roundToInt(v as number, fault),
  TIMESTAMP: (v, fault) => roundToInt(v as number, fault),
  BOOLEAN: (v) => (v ? 1 : 0),
  STRING: (v, fault) => parseIntText(v as string, fault),
};

function roundToInt(x: number, fault: Fault): number | null {
  const r = roundHalfAwayFromZero(x, 0);
  return Number.isSafeInteger(r) ? r : fault(`${x} is out of the INT range`);
}

const INT_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseIntText(s: string, fault: Fault): number | null {
  const t = s.trim();
  if (!INT_TEXT.test(t)) return fault(`cannot CAST ${JSON.stringify(s)} to INT`);
  const n = Number(t) + 0;
  return Number.isSafeInteger(n) ? n : fault(`${t} is out of the INT range`);
}

/**
 * Decision (CAST to DOUBLE): a STRING must be a decimal number with an optional exponent,
 * surrounding white space allowed; `NaN`, `Infinity` and overflowing text are faults (a DOUBLE
 * is always finite here).
 */
const TO_DOUBLE: CasterTable = {
  STRING: (v, fault) => {
    const t = (v as string).trim();
    const n = DOUBLE_TEXT.test(t) ? Number(t) : NaN;
    return Number.isFinite(n) ? n : fault(`cannot CAST ${JSON.stringify(v)} to DOUBLE`);
  },
};

/**
 * Decision (CAST to BOOLEAN): a STRING `true` or `false` in any case, surrounding white space
 * allowed (other text is a fault, NULL); an INT is FALSE when 0, TRUE otherwise (PostgreSQL).
 */
const TO_BOOLEAN: CasterTable = {
  INT: (v) => v !== 0,
  STRING: (v, fault) => {
    const t = (v as string).trim().toLowerCase();
    return t === 'true' ? true : t === 'false' ? false : fault(`cannot CAST ${JSON.stringify(v)} to BOOLEAN`);
  },
};

/**
 * Decision (CAST to TIMESTAMP): a STRING of a whole number is epoch milliseconds; otherwise it
 * must be ISO-8601 with a date (runtime/timestamps.ts), read as UTC when it has no offset; anything else is a
 * fault. INT and DOUBLE are already milliseconds.
 */
const TO_TIMESTAMP: CasterTable = {
  STRING: (v, fault) => parseTimestampText(v as string, fault),
};

export function parseTimestampText(s: string, fault: Fault): number | null {
  const t = s.trim();
  if (INT_TEXT.test(t)) {
    const n = Number(t) + 0;
    return Number.isSafeInteger(n) ? n : fault(`${t} is out of the TIMESTAMP range`);
  }
  const dt = fromIso(t, { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : fault(`cannot CAST ${JSON.stringify(s)} to TIMESTAMP: not ISO-8601 or epoch milliseconds`);
}

// ------------------------------------------------------------------------------------ numbers

/**
 * Rounds half away from zero to `digits` decimals (negative: to tens, hundreds, …), as
 * PostgreSQL's round(numeric). Decision: the value is rounded as its shortest decimal text reads
 * (`ROUND(1.005, 2)` is 1.01, as in PostgreSQL, not 1.00 as binary arithmetic would give); the
 * result is never -0.
 */
export function roundHalfAwayFromZero(x: number, digits: number): number {
  const abs = Math.abs(x);
  if (digits === 0) return Math.sign(x) * Math.round(abs) + 0;
  if (digits > 0 && Number.isInteger(abs)) return x + 0;
  const shifted = shiftDecimal(abs, digits);
  if (!Number.isFinite(shifted)) return x + 0;
  const rounded = shiftDecimal(Math.round(shifted), -digits);
  return Math.sign(x) * rounded + 0;
}

/** `x * 10^digits`, exactly as decimal text would shift it. */
function shiftDecimal(x: number, digits: number): number {
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return Number(`${mantissa}e${Number(exponent) + digits}`);
}
