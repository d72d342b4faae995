/**
 * SQL's keyword forms of SUBSTRING and TRIM (`SUBSTRING(s FROM 2 FOR 3)`, `TRIM(LEADING 'x'
 * FROM s)`): what parses, what they stand for, and that FOR, BOTH, LEADING and TRAILING stay
 * usable as names. Their values are checked in test/unit/compile/functions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';

const S = "CREATE STREAM S (s STRING, `leading` STRING, `for` INT, both INT, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function diagnostics(select: string) {
  return compileScript(`${S}CREATE STREAM o AS ${select};`).diagnostics.map((d) => [d.code, d.line, d.column, d.message]);
}

describe('keyword arguments', () => {
  it('parse in the forms of SQL', () => {
    for (const call of [
      'SUBSTRING(s FROM 2)',
      'SUBSTRING(s FROM both FOR `for` + 1)',
      "TRIM(BOTH 'x' FROM s)",
      "TRIM('x' FROM s)",
      'TRIM(LEADING FROM s)',
      'TRIM(TRAILING leading FROM s)',
      "trim(leading 'a' from s)",
      "TRIM(LEADING ('x') FROM s)",
      'TRIM(TRAILING NULL FROM s)',
      "TRIM(LEADING CASE WHEN both > 0 THEN 'x' END FROM s)",
      // A side word after another function is a name: here the column `leading`.
      'SUBSTRING(leading FROM 2)',
    ]) {
      expect(diagnostics(`SELECT ${call} AS v FROM S`), call).toEqual([]);
    }
  });

  it('leave FOR, BOTH, LEADING and TRAILING usable as names, and a number before FOR no duration', () => {
    expect(diagnostics('SELECT `for`, both, TRIM(leading) AS l, TRIM(leading || s) AS m, SUBSTRING(s, `for`, both) AS n FROM S')).toEqual([]);
  });

  it('are refused, with a position, in any other function', () => {
    expect(diagnostics('SELECT UPPER(s FROM 2) AS v FROM S')).toEqual([
      ['CQL1010', 2, 35, "'FROM' between a call's parentheses belongs to SUBSTRING(s FROM start [FOR length]) and TRIM([BOTH | LEADING | TRAILING] [characters] FROM s), not to UPPER(...)"],
    ]);
    expect(diagnostics("SELECT SUBSTRING(LEADING 'x' FROM s) AS v FROM S")[0]?.[0]).toBe('CQL1010');
    expect(diagnostics("SELECT TRIM('x' FROM s FOR 2) AS v FROM S")[0]?.[0]).toBe('CQL1010');
  });

  it('are typed as the calls they stand for', () => {
    expect(diagnostics('SELECT SUBSTRING(s FROM s) AS v FROM S')[0]?.[3]).toBe('argument 2 of SUBSTRING must be a number, not STRING');
    expect(diagnostics('SELECT TRIM(LEADING 1 FROM s) AS v FROM S')[0]?.[3]).toBe('argument 2 of LTRIM must be a STRING, not INT');
  });
});
