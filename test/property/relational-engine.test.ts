/**
 * Differential property tests of windows, aggregation, joins and tables (LANGUAGE.md sections
 * 3, 5, 7 and 8): random queries (every window kind, GROUP BY, HAVING, EMIT, every aggregate,
 * derived inputs; INNER and LEFT stream-stream joins, self-joins, joins without equalities;
 * stream-table joins and LOOKUP) over random streams with NULLs and ties in time, run by the
 * engine and by the reference (test/reference/relational.ts, which recomputes every window and
 * join from all the events it has seen). Outputs must be the same, in the same order, at the
 * same times.
 *
 * DOUBLE aggregates compare to a relative 1e-9: the engine adds panes of a hopping window and
 * halves of a sliding one, and keeps a running STDDEV, where the reference sums each window
 * left to right and takes STDDEV in two passes; everything else must be identical.
 *
 * A second property replays the same events out of order within the allowed lateness: by
 * section 3 the output must not change. `RELATIONAL_SEED` and `RELATIONAL_SCALE` as for the
 * pattern tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineRunner, type ScriptOutput } from '../conformance/runner.js';
import { runReference } from '../reference/engine.js';
import { shuffleWithinLateness } from './pattern-generators.js';
import { manyFiltersArb, relationalCaseArb, relEventsArb, type RelationalCase, type RelEvent } from './relational-generators.js';

const SEED = process.env['RELATIONAL_SEED'] !== undefined ? Number(process.env['RELATIONAL_SEED']) : 20_261_123;
const SCALE = Number(process.env['RELATIONAL_SCALE'] ?? 1);
const RUNS = Math.round(2000 * SCALE);
const LATENESS_RUNS = Math.round(500 * SCALE);
const FILTER_RUNS = Math.round(300 * SCALE);
const LATENESS = 3000;
const TIMEOUT = 600_000;

const engine = engineRunner();
const lateEngine = engineRunner({ lateness: LATENESS });

/** Equal, numbers to a relative 1e-9 (see above). */
export function nearlyEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => nearlyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function show(outputs: readonly ScriptOutput[] | string): string {
  if (typeof outputs === 'string') return `  ${outputs}`;
  if (outputs.length === 0) return '  (none)';
  return outputs.map((o) => `  ${o.stream}@${o.time} ${JSON.stringify(o.data)}`).join('\n');
}

function attempt(run: () => ScriptOutput[]): ScriptOutput[] | string {
  try {
    return run();
  } catch (e) {
    return `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
}

function events(list: readonly RelEvent[]): string {
  return list.map((e) => `  ${e.stream} ${JSON.stringify(e.data)}`).join('\n');
}

function check(c: RelationalCase, input: readonly RelEvent[], actual: ScriptOutput[] | string, expected: ScriptOutput[] | string, title: string): void {
  if (typeof actual !== 'string' && typeof expected !== 'string' && nearlyEqual(actual, expected)) return;
  throw new Error([``, `==== ${title} (seed ${SEED}) ====`, c.script, '-- events:', events(input), '-- engine:', show(actual), '-- reference:', show(expected)].join('\n'));
}

describe('windows, aggregation and joins: engine = reference', () => {
  it(`agrees on ${RUNS} random queries and streams`, () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(relationalCaseArb, relEventsArb, (c, input) => {
        seen.set(c.kind, (seen.get(c.kind) ?? 0) + 1);
        const expected = attempt(() => runReference(c.script, input));
        const actual = attempt(() => engine(c.script, input));
        check(c, input, actual, expected, 'engine and reference disagree');
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Every family of query was exercised.
    for (const kind of ['aggregate', 'join', 'table', 'lookup']) expect(seen.get(kind) ?? 0).toBeGreaterThan(RUNS / 40);
  }, TIMEOUT);

  it(`agrees on ${FILTER_RUNS} scripts of many filter rules (indexed by the engine)`, () => {
    fc.assert(
      fc.property(manyFiltersArb, relEventsArb, (c, input) => {
        check(c, input, attempt(() => engine(c.script, input)), attempt(() => runReference(c.script, input)), 'engine and reference disagree');
      }),
      { seed: SEED + 2, numRuns: FILTER_RUNS },
    );
  }, TIMEOUT);

  it(`gives the same output when the events arrive out of order within the lateness (${LATENESS_RUNS} cases)`, () => {
    fc.assert(
      fc.property(relationalCaseArb, relEventsArb, fc.array(fc.integer({ min: 0, max: LATENESS }), { minLength: 1, maxLength: 24 }), (c, input, delays) => {
        const shuffled = shuffleWithinLateness(input, delays, LATENESS);
        const expected = attempt(() => engine(c.script, input));
        const actual = attempt(() => lateEngine(c.script, shuffled));
        check(c, shuffled, actual, expected, 'lateness changed the output');
      }),
      { seed: SEED + 1, numRuns: LATENESS_RUNS },
    );
  }, TIMEOUT);
});
