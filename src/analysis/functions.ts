/**
 * Signatures of the built-in functions and aggregates (LANGUAGE.md sections 4, 6.1 and 7) and
 * of user-defined functions. The analyser uses them to check arguments and infer result types;
 * the runtime implements them.
 */
import type { CqlType } from '../model/types.js';

/** A user-defined function's signature, as registered through the library API. */
export interface FunctionSignature {
  /** The result type. */
  readonly returns: CqlType;
  /** Parameter types (`JSON` accepts anything); undefined accepts any arguments. */
  readonly params?: readonly CqlType[];
}

export type ArgKind = 'numeric' | 'string' | 'timestamp' | 'any' | 'boolean';

/** A built-in scalar function: its arity and argument kinds, and how its type is inferred. */
export interface BuiltinFunction {
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for variadic functions. */
  readonly maxArgs: number;
  /** The kind of each argument; the last repeats for variadic functions. */
  readonly args: readonly ArgKind[];
  /** The result type from the argument types. */
  readonly returns: (argTypes: readonly CqlType[]) => CqlType;
}

const fixed = (t: CqlType) => () => t;
const sameAsFirst = (types: readonly CqlType[]): CqlType => (types[0] === 'NULL' ? 'DOUBLE' : types[0] ?? 'DOUBLE');

/** The common type of several values (COALESCE, CASE, GREATEST): see commonType. */
export function commonTypeOf(types: readonly CqlType[]): CqlType | undefined {
  let result: CqlType = 'NULL';
  for (const t of types) {
    const next = commonType(result, t);
    if (next === undefined) return undefined;
    result = next;
  }
  return result;
}

/**
 * The type two values share, or undefined when they cannot be mixed: INT widens to DOUBLE,
 * NULL fits anything, JSON is checked at run time.
 */
export function commonType(a: CqlType, b: CqlType): CqlType | undefined {
  if (a === b) return a;
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (a === 'JSON' || b === 'JSON') return 'JSON';
  if ((a === 'INT' && b === 'DOUBLE') || (a === 'DOUBLE' && b === 'INT')) return 'DOUBLE';
  return undefined;
}

const builtins: BuiltinFunction[] = [
  { name: 'ABS', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: sameAsFirst },
  { name: 'ROUND', minArgs: 1, maxArgs: 2, args: ['numeric', 'numeric'], returns: sameAsFirst },
  { name: 'FLOOR', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: sameAsFirst },
  { name: 'CEIL', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: sameAsFirst },
  { name: 'SQRT', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: fixed('DOUBLE') },
  { name: 'POWER', minArgs: 2, maxArgs: 2, args: ['numeric', 'numeric'], returns: fixed('DOUBLE') },
  { name: 'LN', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: fixed('DOUBLE') },
  { name: 'EXP', minArgs: 1, maxArgs: 1, args: ['numeric'], returns: fixed('DOUBLE') },
  { name: 'LOWER', minArgs: 1, maxArgs: 1, args: ['string'], returns: fixed('STRING') },
  { name: 'UPPER', minArgs: 1, maxArgs: 1, args: ['string'], returns: fixed('STRING') },
  { name: 'LENGTH', minArgs: 1, maxArgs: 1, args: ['string'], returns: fixed('INT') },
  { name: 'SUBSTRING', minArgs: 2, maxArgs: 3, args: ['string', 'numeric', 'numeric'], returns: fixed('STRING') },
  { name: 'TRIM', minArgs: 1, maxArgs: 1, args: ['string'], returns: fixed('STRING') },
  { name: 'BTRIM', minArgs: 1, maxArgs: 2, args: ['string', 'string'], returns: fixed('STRING') },
  { name: 'LTRIM', minArgs: 1, maxArgs: 2, args: ['string', 'string'], returns: fixed('STRING') },
  { name: 'RTRIM', minArgs: 1, maxArgs: 2, args: ['string', 'string'], returns: fixed('STRING') },
  { name: 'CONCAT', minArgs: 1, maxArgs: Infinity, args: ['any'], returns: fixed('STRING') },
  { name: 'COALESCE', minArgs: 1, maxArgs: Infinity, args: ['any'], returns: (t) => commonTypeOf(t) ?? 'JSON' },
  // As PostgreSQL: the type the implied `a = b` compares in (NULLIF(int, double) is a DOUBLE).
  { name: 'NULLIF', minArgs: 2, maxArgs: 2, args: ['any', 'any'], returns: (t) => (t[0] === 'INT' && t[1] === 'DOUBLE' ? 'DOUBLE' : t[0] === 'NULL' ? (t[1] ?? 'NULL') : (t[0] ?? 'NULL')) },
  { name: 'GREATEST', minArgs: 1, maxArgs: Infinity, args: ['any'], returns: (t) => commonTypeOf(t) ?? 'JSON' },
  { name: 'LEAST', minArgs: 1, maxArgs: Infinity, args: ['any'], returns: (t) => commonTypeOf(t) ?? 'JSON' },
  { name: 'GEO_DISTANCE', minArgs: 4, maxArgs: 4, args: ['numeric', 'numeric', 'numeric', 'numeric'], returns: fixed('DOUBLE') },
  { name: 'NOW', minArgs: 0, maxArgs: 0, args: [], returns: fixed('TIMESTAMP') },
  { name: 'HOUR', minArgs: 1, maxArgs: 2, args: ['timestamp', 'string'], returns: fixed('INT') },
  { name: 'DAY_OF_WEEK', minArgs: 1, maxArgs: 2, args: ['timestamp', 'string'], returns: fixed('INT') },
  { name: 'FORMAT_TIMESTAMP', minArgs: 2, maxArgs: 3, args: ['timestamp', 'string', 'string'], returns: fixed('STRING') },
  { name: 'PARSE_TIMESTAMP', minArgs: 2, maxArgs: 3, args: ['string', 'string', 'string'], returns: fixed('TIMESTAMP') },
];

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map(builtins.map((f) => [f.name, f]));

/** Aggregates of windowed and grouped queries (section 7). */
export const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'STDDEV', 'FIRST', 'LAST'] as const;

/** Aggregates over a Kleene alias inside a pattern (section 6.1). */
export const KLEENE_AGGREGATES = ['FIRST', 'LAST', 'COUNT', 'SUM', 'AVG', 'MIN', 'MAX'] as const;

/** Aggregates that section 12 lists as not supported yet. */
export const UNSUPPORTED_AGGREGATES = [
  'PERCENTILE',
  'PERCENTILE_CONT',
  'PERCENTILE_DISC',
  'APPROX_PERCENTILE',
  'PERCENTILE_APPROX',
  'APPROX_QUANTILE',
  'MEDIAN',
  'QUANTILE',
] as const;

/** Every name callable as a function, for did-you-mean suggestions. */
export function callableNames(udfs: Iterable<string>): string[] {
  return [...BUILTIN_FUNCTIONS.keys(), ...AGGREGATES, 'LOOKUP', ...udfs];
}

/** The casts the language allows: target type ← the source types that convert to it. */
export const CASTABLE: Readonly<Record<'STRING' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'JSON', readonly CqlType[]>> = {
  STRING: ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON', 'NULL'],
  INT: ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON', 'NULL'],
  DOUBLE: ['STRING', 'INT', 'DOUBLE', 'TIMESTAMP', 'JSON', 'NULL'],
  BOOLEAN: ['STRING', 'INT', 'BOOLEAN', 'JSON', 'NULL'],
  TIMESTAMP: ['STRING', 'INT', 'DOUBLE', 'TIMESTAMP', 'JSON', 'NULL'],
  JSON: ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON', 'NULL'],
};

/** The type an aggregate returns for an argument of type `arg`. */
export function aggregateType(fn: string, arg: CqlType | undefined): CqlType {
  switch (fn) {
    case 'COUNT':
      return 'INT';
    case 'AVG':
    case 'STDDEV':
      return 'DOUBLE';
    case 'SUM':
      return arg === 'INT' ? 'INT' : 'DOUBLE';
    default:
      return arg === undefined || arg === 'NULL' ? 'DOUBLE' : arg;
  }
}
