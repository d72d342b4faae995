import { describe, expect, it } from 'vitest';
import { compileGuardMask, guardsOf } from '../../../src/compile/guards.js';
import { bind, holds } from './compile-helpers.js';

describe('equality guards', () => {
  it('reads the equalities with constants among the top-level AND conjuncts', () => {
    expect(guardsOf(bind("s = 'A' AND i > 1"))).toEqual([{ column: 's', values: ['A'] }]);
    expect(guardsOf(bind("'A' = s"))).toEqual([{ column: 's', values: ['A'] }]);
    expect(guardsOf(bind('i = 1 AND (d = 2.5 AND b = TRUE)'))).toEqual([
      { column: 'i', values: [1] },
      { column: 'd', values: [2.5] },
      { column: 'b', values: [true] },
    ]);
    expect(guardsOf(bind("s IN ('A', NULL, 'B')"))).toEqual([{ column: 's', values: ['A', 'B'] }]);
  });

  it('reads nothing that is not a required equality of a typed column with a constant', () => {
    for (const expr of ["s = 'A' OR s = 'B'", "s NOT IN ('A')", "s != 'A'", "j = 'A'", 's = s2', "NOT (s = 'A')", 's = NULL']) {
      expect(guardsOf(bind(expr)), expr).toEqual([]);
    }
  });

  it('rules out a condition only on events that cannot satisfy it', () => {
    const conditions = ["s = 'A' AND i > 1", "s IN ('A', 'B')", 'i = 2', 'd = 2', 'b = FALSE', "s = 'B' OR i = 2", "s IN (NULL)"];
    const mask = compileGuardMask(conditions.map((c, k) => ({ bit: 1 << k, guards: guardsOf(bind(c)) })))!;
    const rows = [
      { s: 'A', i: 2, d: 2, b: false },
      { s: 'B', i: 1, d: 2.5, b: true },
      { s: null, i: null, d: null, b: null },
      { s: 'C', i: 2, d: 2.0, b: false },
    ];
    for (const row of rows) {
      const out = mask(row);
      conditions.forEach((c, k) => {
        if ((out & (1 << k)) !== 0) expect(holds(c, row), `${c} on ${JSON.stringify(row)}`).toBe(false);
      });
    }
    expect(rows.map(mask)).toEqual([0b1000000, 0b1011101, 0b1011111, 0b1000011]);
  });

  it('is undefined when no condition has a guard', () => {
    expect(compileGuardMask([{ bit: 1, guards: guardsOf(bind('i > 1')) }])).toBeUndefined();
  });
});
