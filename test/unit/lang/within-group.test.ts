/**
 * `WITHIN GROUP (ORDER BY …)` after a call (SQL's ordered-set aggregates, section 12: not
 * supported yet) beside `WITHIN <duration>`, the bound of patterns and joins, which may follow
 * a call in their conditions.
 */
import { describe, expect, it } from 'vitest';
import { compileScript } from '../../../src/index.js';

const S = "CREATE STREAM S (s STRING, k STRING, v DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM P (k STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\n";

function diagnostics(statements: string) {
  return compileScript(S + statements).diagnostics.map((d) => [d.code, d.line, d.column]);
}

describe('WITHIN GROUP and WITHIN', () => {
  it('leaves a call just before the WITHIN of a pattern or a join a call', () => {
    expect(diagnostics('SELECT a.k FROM PATTERN a=S -> b=S WHERE b.v > ABS(a.v) WITHIN 10 MINUTES;')).toEqual([]);
    expect(diagnostics('SELECT a.k FROM PATTERN a=S -> b=S[v > ABS(a.v)] WITHIN 10 MINUTES;')).toEqual([]);
    // Here WITHIN is misplaced (it comes before ON), and told so, not taken for WITHIN GROUP.
    expect(diagnostics('SELECT s.k FROM S s JOIN P p ON s.k = UPPER(p.k) WITHIN 15 MINUTES;')).toEqual([['CQL3020', 3, 50]]);
  });

  it('tells a percentile in the ordered-set form, and WITHIN GROUP after any call, not supported yet', () => {
    expect(diagnostics('SELECT k, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) AS p FROM S GROUP BY k;')).toEqual([['CQL3090', 3, 11]]);
    expect(diagnostics('SELECT SUBSTRING(s FROM 1) WITHIN GROUP (ORDER BY v) AS x FROM S;')).toEqual([['CQL3090', 3, 28]]);
    expect(diagnostics("SELECT TRIM(BOTH 'x' FROM s) WITHIN GROUP (ORDER BY v DESC) AS x FROM S;")).toEqual([['CQL3090', 3, 30]]);
  });

  it('checks the words inside, and says an unknown function is unknown', () => {
    expect(diagnostics('SELECT SUBSTRING(s FROM 1) WITHIN GROUP (ORDR BY v) AS x FROM S;')).toEqual([['CQL1010', 3, 42]]);
    expect(diagnostics('SELECT k, MEDIAN(v) WITHIN GROUP (ORDER BY v) UP AS p FROM S GROUP BY k;').map((d) => d[0])).toContain('CQL1010');
    expect(diagnostics('SELECT nofun(v) WITHIN GROUP (ORDER BY v) AS x FROM S;')).toEqual([['CQL2004', 3, 8]]);
  });
});
