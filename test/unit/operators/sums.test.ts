/**
 * Sums as SQL gives them (src/util/sums.ts): an INT SUM is exact however far its running total
 * strays past 2^53 and back, and NULL only when the total itself is beyond the safe integers;
 * a DOUBLE aggregate that overflows is NULL — a real NULL, which IS NULL sees — in every kind of
 * window, in running aggregates and over Kleene events. A HOPPING window that would put each
 * event in more than MAX_HOPPING_WINDOWS windows is refused at deployment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type OutputEvent } from '../../../src/index.js';
import { MAX_HOPPING_WINDOWS } from '../../../src/analysis/queries.js';
import { addInts, carry, intTotal } from '../../../src/util/sums.js';

const MAX = Number.MAX_SAFE_INTEGER;

function run(script: string, stream: string, events: readonly Record<string, unknown>[], output: string): Record<string, unknown>[] {
  const engine = new Engine();
  const deployed = engine.deploy(script);
  if (!deployed.ok) throw new Error(deployed.diagnostics.map((d) => d.message).join('\n'));
  const out: OutputEvent[] = [];
  engine.subscribe(output, (e) => out.push(e));
  for (const e of events) engine.push(stream, e);
  engine.end();
  return out.map((e) => e.data);
}

/** The exact total of safe integers, or null beyond the safe integers. */
function exact(values: readonly number[]): number | null {
  const total = values.reduce((t, v) => t + BigInt(v), 0n);
  return BigInt(Number(total)) === total && Number.isSafeInteger(Number(total)) ? Number(total) : null;
}

describe('addInts and intTotal', () => {
  it('sum safe integers exactly, in any order, whatever the running total passes through', () => {
    const big = fc.oneof(fc.integer({ min: -MAX, max: MAX }), fc.constantFrom(MAX, -MAX, 2 ** 52, -(2 ** 52), 1, -1, 0));
    fc.assert(
      fc.property(fc.array(big, { maxLength: 40 }), (values) => {
        let low = 0;
        let high = 0;
        for (const v of values) {
          low = addInts(low, v);
          high += carry.value;
          expect(Number.isSafeInteger(low)).toBe(true);
        }
        expect(intTotal(low, high)).toBe(exact(values));
      }),
      { numRuns: 3000 },
    );
  });
});

const S = "CREATE STREAM S (k STRING, v INT, d DOUBLE, kind STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\n";
/** Past 2^53 and back: 2^53 − 1, then 2, then −(2^53 − 1): the true total ends at 2. */
const PAST_AND_BACK = [MAX, 2, -MAX].map((v, i) => ({ k: 'x', v, kind: 'r', ts: i + 1 }));

describe('an INT SUM is exact (section 2: an INT is a safe integer; SQL sums integers exactly)', () => {
  it.each([
    ['a running aggregate', 'FROM S GROUP BY k', [MAX, null, 2]],
    ['a tumbling window', 'FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS) GROUP BY k', [2]],
    ['a hopping window with a window per event (accumulators per window)', 'FROM S WINDOW HOPPING (SIZE 10 MILLISECONDS, ADVANCE BY 5 MILLISECONDS) GROUP BY k', [2, 2]],
    ['a hopping window of panes (more than 16 windows per event)', 'FROM S WINDOW HOPPING (SIZE 100 MILLISECONDS, ADVANCE BY 1 MILLISECOND) GROUP BY k', null],
    ['a session window', 'FROM S WINDOW SESSION (10 MILLISECONDS) GROUP BY k', [2]],
    ['a sliding window', 'FROM S WINDOW SLIDING (SIZE 10 MILLISECONDS) GROUP BY k', [MAX, null, 2]],
  ])('in %s', (_, from, expected) => {
    const rows = run(`${S}CREATE STREAM q AS SELECT SUM(v) AS sv ${from};`, 'S', PAST_AND_BACK, 'q');
    if (expected !== null) expect(rows.map((r) => r['sv'])).toEqual(expected);
    else {
      // Windows [k, k + 100) for k from −99 to 3: each holds a prefix of the three events,
      // or a suffix once the earlier ones have left.
      const sums = new Set(rows.map((r) => r['sv']));
      expect(sums).toEqual(new Set([MAX, null, 2, -MAX + 2, -MAX]));
      const windows = run(`${S}CREATE STREAM q AS SELECT SUM(v) AS sv, WINDOW_START AS ws FROM S WINDOW HOPPING (SIZE 100 MILLISECONDS, ADVANCE BY 1 MILLISECOND) GROUP BY k;`, 'S', PAST_AND_BACK, 'q');
      for (const w of windows) {
        const inside = PAST_AND_BACK.filter((e) => e.ts >= (w['ws'] as number) && e.ts < (w['ws'] as number) + 100).map((e) => e.v);
        expect(w['sv']).toBe(exact(inside));
      }
    }
  });

  it('over Kleene events', () => {
    const rows = run(
      `${S}CREATE STREAM q AS SELECT SUM(r.v) AS sv, COUNT(r) AS n FROM PATTERN r=S[kind = 'r']{3} WITHIN 1 MINUTE;`,
      'S',
      PAST_AND_BACK,
      'q',
    );
    expect(rows).toEqual([{ sv: 2, n: 3 }]);
  });

  it('is NULL when the total itself is beyond the safe integers', () => {
    const events = [MAX, 1].map((v, i) => ({ k: 'x', v, ts: i + 1 }));
    expect(run(`${S}CREATE STREAM q AS SELECT SUM(v) AS sv FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS);`, 'S', events, 'q')).toEqual([{ sv: null }]);
  });
});

describe('a DOUBLE aggregate that overflows is NULL (section 2: DOUBLEs are finite; section 4: a fault is NULL)', () => {
  const events = [1e308, 1e308, -1e308].map((d, i) => ({ k: 'x', d, kind: 'r', ts: i + 1 }));

  it('in a window, and NULL is what IS NULL, COALESCE and a downstream COUNT see', () => {
    const script = `${S}CREATE STREAM q AS SELECT SUM(d) AS sd, SUM(d) IS NULL AS sd_is_null, COALESCE(SUM(d), -1) AS c, AVG(d) AS ad, STDDEV(d) AS sdd
FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS);
CREATE STREAM q2 AS SELECT COUNT(sd) AS n FROM q;`;
    expect(run(script, 'S', events, 'q')).toEqual([{ sd: null, sd_is_null: true, c: -1, ad: null, sdd: null }]);
    expect(run(script, 'S', events, 'q2')).toEqual([{ n: 0 }]);
  });

  it('in a sliding window and a running aggregate', () => {
    for (const from of ['FROM S WINDOW SLIDING (SIZE 10 MILLISECONDS)', 'FROM S']) {
      const rows = run(`${S}CREATE STREAM q AS SELECT SUM(d) AS sd, SUM(d) IS NULL AS isnull, STDDEV(d) AS sdd ${from};`, 'S', events, 'q');
      expect(rows.at(-1)).toEqual({ sd: null, isnull: true, sdd: null });
    }
  });

  it('over Kleene events', () => {
    const rows = run(`${S}CREATE STREAM q AS SELECT SUM(r.d) AS sd, SUM(r.d) IS NULL AS isnull FROM PATTERN r=S[kind = 'r']{2} WITHIN 1 MINUTE;`, 'S', events, 'q');
    expect(rows).toEqual([
      { sd: null, isnull: true },
      { sd: 0, isnull: false },
    ]);
  });
});

describe('HOPPING windows per event are capped at deployment (section 11: no input exhausts memory)', () => {
  it(`refuses SIZE / ADVANCE BY over ${MAX_HOPPING_WINDOWS.toLocaleString('en-US')}, with the position`, () => {
    const engine = new Engine();
    const result = engine.deploy(`${S}CREATE STREAM q AS SELECT COUNT(*) AS n FROM S\nWINDOW HOPPING (SIZE 1 DAY, ADVANCE BY 1 MILLISECOND);`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ line: 3, message: expect.stringContaining('86,400,000') });
    expect(engine.queries()).toEqual([]);
  });

  it('accepts SIZE 1 DAY, ADVANCE BY 1 SECOND (86,400 windows an event), and counts one event in each', () => {
    const rows = run(`${S}CREATE STREAM q AS SELECT COUNT(*) AS n FROM S WINDOW HOPPING (SIZE 1 DAY, ADVANCE BY 1 SECOND);`, 'S', [{ k: 'x', v: 1, ts: 0 }], 'q');
    expect(rows).toHaveLength(86_400);
    expect(rows.every((r) => r['n'] === 1)).toBe(true);
  });
});
