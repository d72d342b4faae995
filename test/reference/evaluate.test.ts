/**
 * The reference evaluator (section 4), through a filter query: `SELECT <expr> AS x FROM E`.
 * `j` is a JSON column, so values of any type can meet where the type checker would refuse.
 */
import { describe, expect, it } from 'vitest';
import { runReference } from './engine.js';

const E = "CREATE STREAM E (i INT, d DOUBLE, s STRING, b BOOLEAN, j JSON, t TIMESTAMP, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function value(expr: string, data: Record<string, unknown> = {}): unknown {
  const out = runReference(`${E}SELECT ${expr} AS x FROM E;`, [{ stream: 'E', data: { ts: 1000, ...data } }]);
  expect(out).toHaveLength(1);
  return out[0]!.data['x'];
}

function passes(condition: string, data: Record<string, unknown> = {}): boolean {
  return runReference(`${E}SELECT ts FROM E WHERE ${condition};`, [{ stream: 'E', data: { ts: 1000, ...data } }]).length === 1;
}

describe('three-valued logic', () => {
  it('AND, OR and NOT with NULL', () => {
    expect(value('b AND TRUE')).toBe(null);
    expect(value('b AND FALSE')).toBe(false);
    expect(value('b OR TRUE')).toBe(true);
    expect(value('b OR FALSE')).toBe(null);
    expect(value('NOT b')).toBe(null);
  });

  it('a condition holds only when TRUE', () => {
    expect(passes('i > 1')).toBe(false);
    expect(passes('NOT (i > 1)')).toBe(false);
    expect(passes('i IS NULL')).toBe(true);
    expect(passes('i IS NOT NULL', { i: 0 })).toBe(true);
  });

  it('IN and BETWEEN with NULLs, as in SQL', () => {
    expect(value('i IN (1, 2)', { i: 2 })).toBe(true);
    expect(value('i IN (1, NULL)', { i: 2 })).toBe(null);
    expect(value('i NOT IN (1, NULL)', { i: 1 })).toBe(false);
    expect(value('i NOT IN (1, 3)', { i: 2 })).toBe(true);
    expect(value('i BETWEEN 1 AND 3', { i: 3 })).toBe(true);
    expect(value('i NOT BETWEEN 1 AND NULL', { i: 0 })).toBe(true);
    expect(value('i BETWEEN 1 AND NULL', { i: 2 })).toBe(null);
  });

  it('CASE takes the first TRUE branch', () => {
    expect(value("CASE WHEN i > 1 THEN 'big' WHEN i IS NULL THEN 'none' ELSE 'small' END")).toBe('none');
    expect(value("CASE i WHEN 1 THEN 'one' END", { i: 2 })).toBe(null);
  });
});

describe('arithmetic', () => {
  it('INT / INT truncates toward zero; with a DOUBLE it does not', () => {
    expect(value('i / 2', { i: 7 })).toBe(3);
    expect(value('i / 2', { i: -7 })).toBe(-3);
    expect(value('i / 2.0', { i: 7 })).toBe(3.5);
    expect(value('i % 3', { i: -7 })).toBe(-1);
  });

  it('division by zero is NULL; NULL propagates', () => {
    expect(value('i / 0', { i: 7 })).toBe(null);
    expect(value('d / 0', { d: 7 })).toBe(null);
    expect(value('i % 0', { i: 7 })).toBe(null);
    expect(value('i + 1')).toBe(null);
    expect(value('-i')).toBe(null);
  });

  it('TIMESTAMP - TIMESTAMP is milliseconds; durations are milliseconds', () => {
    expect(value('ts - t', { t: '1970-01-01T00:00:00.250Z' })).toBe(750);
    expect(value('2 SECONDS + 1')).toBe(2001);
  });

  it('an INT result outside the safe integers is NULL', () => {
    expect(value('i * i', { i: 2 ** 40 })).toBe(null);
  });
});

describe('comparisons', () => {
  it('only between values of the same type; otherwise NULL', () => {
    expect(value('j = 1', { j: '1' })).toBe(null);
    expect(value('j = 1', { j: 1 })).toBe(true);
    expect(value("j < 'b'", { j: 'a' })).toBe(true);
    expect(value('j = TRUE', { j: 1 })).toBe(null);
    expect(value('i < d', { i: 1, d: 1.5 })).toBe(true);
    expect(value('t > 0', { t: 5 })).toBe(true);
  });

  it('JSON objects compare for equality only', () => {
    expect(value('j.a = j.b', { j: { a: { x: 1 }, b: { x: 1 } } })).toBe(true);
    expect(value('j.a != j.b', { j: { a: { x: 1 }, b: { x: 2 } } })).toBe(true);
    expect(value('j.a < j.b', { j: { a: { x: 1 }, b: { x: 2 } } })).toBe(null);
  });

  it('JSON paths read NULL where a field is missing', () => {
    expect(value('j.user.id', { j: { user: { id: 7 } } })).toBe(7);
    expect(value('j.user.id', { j: { user: 3 } })).toBe(null);
    expect(value('j.nope')).toBe(null);
  });
});

describe('strings, LIKE and CAST', () => {
  it('concatenation', () => {
    expect(value("s || '-' || i", { s: 'a', i: 1 })).toBe('a-1');
    expect(value("s || 'x'")).toBe(null);
    expect(value("CONCAT(s, 'x', i)", { i: 2 })).toBe('x2');
  });

  it('LIKE with % and _', () => {
    expect(value("s LIKE 'a%c'", { s: 'abbc' })).toBe(true);
    expect(value("s LIKE 'a_c'", { s: 'abbc' })).toBe(false);
    expect(value("s NOT LIKE 'a.c'", { s: 'abc' })).toBe(true);
    expect(value("s LIKE 'a%'")).toBe(null);
  });

  it('CAST', () => {
    expect(value("CAST('42' AS INT)")).toBe(42);
    expect(value("CAST('4.5' AS INT)")).toBe(null);
    expect(value('CAST(d AS INT)', { d: -4.7 })).toBe(-5); // rounds half away from zero, as PostgreSQL
    expect(value("CAST(' 4.5 ' AS DOUBLE)")).toBe(4.5);
    expect(value("CAST('yes' AS BOOLEAN)")).toBe(null);
    expect(value('CAST(i AS STRING)', { i: 5 })).toBe('5');
    expect(value('CAST(b AS STRING)', { b: true })).toBe('true');
    expect(value('CAST(ts AS STRING)')).toBe('1970-01-01T00:00:01.000Z');
    expect(value("CAST('1970-01-01T00:00:02Z' AS TIMESTAMP)")).toBe(2000);
  });
});

describe('built-in functions', () => {
  it('numeric', () => {
    expect(value('ABS(i)', { i: -3 })).toBe(3);
    expect(value('ROUND(d)', { d: 2.5 })).toBe(3);
    expect(value('ROUND(d)', { d: -2.5 })).toBe(-3);
    expect(value('ROUND(d, 1)', { d: 1.25 })).toBe(1.3);
    expect(value('ROUND(i, -1)', { i: 15 })).toBe(20);
    expect(value('FLOOR(d)', { d: -1.5 })).toBe(-2);
    expect(value('CEIL(d)', { d: -1.5 })).toBe(-1);
    expect(value('SQRT(d)', { d: -1 })).toBe(null);
  });

  it('strings', () => {
    expect(value('LOWER(s)', { s: 'AbC' })).toBe('abc');
    expect(value('UPPER(s)', { s: 'AbC' })).toBe('ABC');
    expect(value('LENGTH(s)', { s: 'h\u00e9\u{1F600}' })).toBe(3);
    expect(value('LENGTH(s)')).toBe(null);
  });

  it('COALESCE, GREATEST, LEAST, NULLIF', () => {
    expect(value('COALESCE(i, d, 9)', { d: 1.5 })).toBe(1.5);
    expect(value('GREATEST(i, 3, NULL)', { i: 5 })).toBe(5);
    expect(value('LEAST(i, 3, NULL)', { i: 5 })).toBe(3);
    expect(value('GREATEST(i, NULL)')).toBe(null);
    expect(value('NULLIF(i, 1)', { i: 1 })).toBe(null);
    expect(value('NOW()')).toBe(1000);
  });

  it('an unsupported function throws a clear error', () => {
    expect(() => value('GEO_DISTANCE(d, d, d, d)', { d: 1 })).toThrow('reference: unsupported function GEO_DISTANCE');
  });
});
