/**
 * The compiled code against the reference evaluator: random, well-typed arithmetic and boolean
 * CQL expressions over random rows (NULLs, zeros, huge and missing values) give the same value
 * and the same number of faults, as values and as conditions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpr, compilePredicate } from '../../../src/compile/expressions.js';
import { emptyScope, type Row } from '../../../src/runtime/row.js';
import { bind, recorder } from './compile-helpers.js';
import { ReferenceEvaluator } from './reference-evaluator.js';

const numLeaf = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('i', 'i2', 'd', 'd2') },
  { weight: 2, arbitrary: fc.integer({ min: -4, max: 4 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0.5', '2.0', '-2.5', 'NULL', '9007199254740991', '1e308', '0') },
);
const boolLeaf = fc.constantFrom('b', 'b2', 'TRUE', 'FALSE', 'NULL');
const arithmetic = fc.constantFrom('+', '-', '*', '/', '%');
const comparison = fc.constantFrom('=', '<>', '<', '<=', '>', '>=');

const { num, bool } = fc.letrec<{ num: string; bool: string }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numLeaf,
    fc.tuple(tie('num'), arithmetic, tie('num')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('num').map((a) => `(-(${a}))`),
    tie('num').map((a) => `ABS(${a})`),
    fc.tuple(tie('bool'), tie('num'), fc.option(tie('num'))).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a}${b === null ? '' : ` ELSE ${b}`} END`),
    fc.tuple(tie('num'), tie('num'), fc.option(tie('num'))).map(([a, b, c]) => `COALESCE(${[a, b, ...(c === null ? [] : [c])].join(', ')})`),
    fc.tuple(tie('num'), tie('num')).map(([a, b]) => `NULLIF(${a}, ${b})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    boolLeaf,
    fc.tuple(tie('bool'), fc.constantFrom('AND', 'OR'), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('bool').map((a) => `(NOT ${a})`),
    fc.tuple(tie('num'), comparison, tie('num')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('bool'), fc.constantFrom('=', '<>', '<'), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.oneof(tie('num'), tie('bool')), fc.boolean()).map(([a, n]) => `(${a} IS ${n ? 'NOT ' : ''}NULL)`),
    fc.tuple(tie('num'), fc.boolean(), tie('num'), tie('num')).map(([a, n, lo, hi]) => `(${a} ${n ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`),
    fc.tuple(tie('num'), fc.boolean(), fc.array(tie('num'), { minLength: 1, maxLength: 6 })).map(([a, n, list]) => `(${a} ${n ? 'NOT ' : ''}IN (${list.join(', ')}))`),
  ),
}));

const intValue = fc.oneof(fc.constant(null), fc.integer({ min: -6, max: 6 }), fc.constantFrom(0, 2 ** 31, -(2 ** 40), Number.MAX_SAFE_INTEGER));
const doubleValue = fc.oneof(
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(0, -0, 0.5, 1.5, 1e300),
);
const boolValue = fc.constantFrom(true, false, null);
const row: fc.Arbitrary<Row> = fc.record({ i: intValue, i2: intValue, d: doubleValue, d2: doubleValue, b: boolValue, b2: boolValue }, { requiredKeys: [] });

/** Equal as SQL values: numbers by value (0 and -0 are one number), the rest identical. */
function same(a: unknown, b: unknown): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a === b : Object.is(a, b);
}

function agree(text: string, rows: readonly Row[], predicate: boolean): void {
  const expr = bind(text);
  const services = recorder();
  const compiled = predicate ? compilePredicate(expr, { services }) : compileExpr(expr, { services });
  for (const r of rows) {
    const reference = new ReferenceEvaluator(r);
    const expected = predicate ? reference.truth(expr) : reference.value(expr);
    const before = services.faults.length;
    const actual = compiled(r, emptyScope());
    const faults = services.faults.length - before;
    if (!same(actual, expected) || faults !== reference.faults) {
      expect({ text, row: r, value: actual, faults }).toEqual({ text, row: r, value: expected, faults: reference.faults });
    }
  }
}

describe('compiled expressions = the reference evaluator', () => {
  it('numeric expressions', () => {
    fc.assert(fc.property(num, fc.array(row, { minLength: 1, maxLength: 8 }), (text, rows) => agree(text, rows, false)), { numRuns: 300 });
  });

  it('boolean expressions, as values', () => {
    fc.assert(fc.property(bool, fc.array(row, { minLength: 1, maxLength: 8 }), (text, rows) => agree(text, rows, false)), { numRuns: 300 });
  });

  it('boolean expressions, as conditions', () => {
    fc.assert(fc.property(bool, fc.array(row, { minLength: 1, maxLength: 8 }), (text, rows) => agree(text, rows, true)), { numRuns: 300 });
  });
});
